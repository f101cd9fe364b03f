"""The canned queries as a reader meets them (issue 14): grouped and titled on the database page and in
the browser tab, `ticker_at` dated by its sightings (the bundled demo answers the README's example),
`most_reported_stories` only stories told by several headlines, no "(no link)" paper. Through a real
Datasette with the plugin (tests.conftest.fetch) on the bundled archive, or a snapshot of it changed
with plain SQL (the summaries follow through their triggers)."""

import re
import sqlite3
from html import unescape

import pytest

from crawler.archive.snapshot import snapshot
from crawler.publish import config
from tests.conftest import ROOT, SEED_URL, fetch, query

QUERIES = config.queries()
GROUPS = ["Ticker", "Articles", "Copies and stories", "Crawl health", "Search", "Atom feed"]
README_AT = "2025-09-04T12:00:00Z"


@pytest.fixture(scope="module")
def db(bundled):
    return bundled[0]


def rows(db, path):
    response = fetch(db, path)
    assert response.status_code == 200, response.text[:500]
    return response.json()


def sightings(db, crawl, at="9999"):
    """What ticker_at must give for a crawl, read straight from the tables."""
    return query(db, "SELECT s.position, h.text, h.url, s.seen_at, s.page_url, s.crawl FROM headline_sightings s"
                     " JOIN headlines h ON h.id = s.headline WHERE s.crawl = ? AND s.seen_at <= ?"
                     " ORDER BY s.position, h.text", (crawl, at))


# --- titles and groups --------------------------------------------------------------------------------------------
def test_every_query_has_a_title_starting_with_its_group_and_the_groups_come_in_order():
    groups = [q["title"].split(":", 1)[0] for q in QUERIES.values()]
    assert set(groups) == set(GROUPS), groups
    # Each group's queries together, the groups in their order: Datasette lists them as given.
    assert [g for i, g in enumerate(groups) if i == 0 or groups[i - 1] != g] == GROUPS


def test_the_database_page_lists_the_queries_grouped(db):
    page = fetch(db, "/archive")
    listed = re.findall(r'<li><a href="/archive/(\w+)"[^>]*>([^<]*)</a>', page.text)
    assert [(name, unescape(title)) for name, title in listed if name in QUERIES] == [
        (name, q["title"]) for name, q in QUERIES.items()]
    assert [q["name"] for q in fetch(db, "/archive.json").json()["queries"]] == list(QUERIES)


def test_the_browser_tab_of_a_query_shows_its_title_not_its_sql(db):
    names = list(QUERIES)
    pages = fetch(db, *(f"/archive/{name}" for name in names))
    for name, page in zip(names, pages):
        assert page.status_code == 200, name
        tab = unescape(re.search(r"<title>(.*?)</title>", page.text, re.S).group(1))
        assert tab == f"{QUERIES[name]['title']} · archive", (name, tab)
    # Arbitrary SQL keeps Datasette's tab: the SQL.
    own = fetch(db, "/archive?sql=select+1+as+one")
    assert unescape(re.search(r"<title>(.*?)</title>", own.text, re.S).group(1)) == "archive: select 1 as one"


# --- ticker_at ----------------------------------------------------------------------------------------------------
def test_ticker_at_opens_on_the_latest_crawl_that_saw_the_ticker(db):
    latest = query(db, "SELECT max(crawl) AS c FROM headline_sightings")[0]["c"]
    assert latest == 2
    found = rows(db, "/archive/ticker_at.json?_shape=array")
    assert found == rows(db, "/archive/ticker_at.json?_shape=array&at=") == sightings(db, 2)
    assert len(found) == 60 and [r["position"] for r in found][:3] == [1, 1, 1]
    page = fetch(db, "/archive/ticker_at")
    assert "60 rows" in page.text


def test_ticker_at_the_readme_example_dates_by_the_sightings(db):
    """The bundled crawls replay today, but the seed page was captured on 2025-09-04: its sightings
    are dated then, and the example time finds them."""
    found = rows(db, f"/archive/ticker_at.json?_shape=array&at={README_AT}")
    assert found == sightings(db, 2, README_AT)
    assert len(found) == 48
    assert {(r["crawl"], r["page_url"], r["seen_at"]) for r in found} == {(2, SEED_URL, "2025-09-04T00:00:00Z")}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = re.search(r"/archive/(ticker_at\S*?at=[0-9TZ:-]+[^'\s`]*)", readme).group(1)
    assert README_AT in example
    path = "/archive/" + example.replace("ticker_at?", "ticker_at.json?_shape=array&").replace(
        "ticker_at.json?", "ticker_at.json?_shape=array&")
    assert rows(db, path) == found
    assert rows(db, "/archive/ticker_at.json?_shape=array&at=2025-09-04 12:00:00Z") == found  # a space for the T
    assert rows(db, "/archive/ticker_at.json?_shape=array&at=2025-09-03T23:59:59Z") == []
    assert rows(db, "/archive/ticker_at.json?_shape=array&at=2999-01-01T00:00:00Z") == sightings(db, 2)


def test_ticker_at_passes_over_a_crawl_that_saw_nothing(db, tmp_path):
    """A failed crawl after the last good one, then a live crawl in the far future: each time finds
    the latest crawl that saw the ticker by then."""
    path = snapshot(db, tmp_path / "archive.db")
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO crawls (id, started, finished, source, finish_reason) VALUES "
                 "(3, '2998-01-01T00:00:00Z', '2998-01-01T00:00:01Z', 'live', 'shutdown')")
    conn.commit()
    assert rows(path, "/archive/ticker_at.json?_shape=array") == sightings(path, 2)
    assert rows(path, "/archive/ticker_at.json?_shape=array&at=2998-06-01T00:00:00Z") == sightings(path, 2)
    first_two = [r[0] for r in conn.execute("SELECT headline FROM headline_sightings WHERE crawl = 2"
                                            " ORDER BY position, headline LIMIT 2")]
    conn.execute("INSERT INTO crawls (id, started, finished, source) VALUES "
                 "(4, '2999-01-01T00:00:00Z', '2999-01-01T00:01:00Z', 'live')")
    conn.executemany("INSERT INTO headline_sightings (headline, crawl, position, page_url, seen_at) VALUES (?, 4, ?, ?, ?)",
                     [(h, i + 1, "https://www.maghress.com/fr", f"2999-01-01T00:00:0{i + 5}Z") for i, h in enumerate(first_two)])
    conn.commit()
    conn.close()
    assert rows(path, "/archive/ticker_at.json?_shape=array") == sightings(path, 4)
    assert len(sightings(path, 4)) == 2
    # During crawl 4, after its first sighting only: what it had seen by then.
    assert rows(path, "/archive/ticker_at.json?_shape=array&at=2999-01-01T00:00:05Z") == sightings(
        path, 4, "2999-01-01T00:00:05Z")
    assert len(sightings(path, 4, "2999-01-01T00:00:05Z")) == 1
    # Before crawl 4's first sighting: crawl 2, the failed crawl 3 passed over.
    assert rows(path, "/archive/ticker_at.json?_shape=array&at=2999-01-01T00:00:04Z") == sightings(path, 2)


# --- stories and papers ------------------------------------------------------------------------------------------
def test_most_reported_stories_are_told_by_several_headlines(db):
    found = rows(db, "/archive/most_reported_stories.json?_shape=array")
    expected = query(db, "SELECT story, first_headline, headlines, papers, crawls, first_seen, last_seen, all_headlines"
                         " FROM summary_stories WHERE headlines >= 2"
                         " ORDER BY headlines DESC, papers DESC, crawls DESC, last_seen DESC LIMIT 20")
    assert found == expected
    assert len(found) == 3 and all(r["headlines"] >= 2 for r in found)
    assert query(db, "SELECT count(*) AS n FROM summary_stories")[0]["n"] == 57  # what it listed before


def test_headlines_per_day_name_no_unknown_paper(db):
    found = rows(db, "/archive/headlines_per_day_per_publisher.json?_shape=array")
    assert "(no link)" not in {r["publisher"] for r in found}
    unknown = [r for r in found if r["paper"] is None]
    assert [(r["publisher"], r["headlines"]) for r in unknown] == [
        (None, n) for (n,) in sqlite3.connect(db).execute(
            "SELECT headlines FROM summary_headlines_by_day WHERE paper = '' ORDER BY day DESC")]
    names = {r["paper"]: r["publisher"] for r in query(db, "SELECT paper, max(publisher) AS publisher"
                                                           " FROM summary_articles_by_paper GROUP BY paper")}
    assert all(r["publisher"] == names.get(r["paper"]) for r in found)
