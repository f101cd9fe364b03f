"""The archive in Datasette, through its test client, and `newsarchive serve` as a real server."""

import asyncio
import sqlite3
import subprocess
import sys

import httpx
import pytest
from datasette.app import Datasette

from crawler.publish import DATASETTE_SETTINGS, metadata
from tests.conftest import ROOT, served

SEED_URL = "https://www.maghress.com/fr/marocdiplomatique/25429"
COPY_URL = "https://www.maghress.com/fr/lesechos/102"  # the seed article republished: same group


def get(db, path):
    async def fetch():
        ds = Datasette([str(db)], metadata=metadata(db), settings=DATASETTE_SETTINGS)
        return await ds.client.get(path)

    return asyncio.run(fetch())


@pytest.fixture(scope="module")
def db(bundled):
    return bundled[0]


def test_search_folds_accents(db):
    response = get(db, "/archive/articles.json?_search=metropole&_shape=array")
    assert response.status_code == 200
    assert sorted(row["url"] for row in response.json()) == [COPY_URL, SEED_URL]  # the seed and its copy


def test_headline_search(db):
    rows = get(db, "/archive/headlines.json?_search=temperatures&_shape=array").json()
    assert [r["text"] for r in rows] == ["Les températures attendues ce jeudi 4 septembre 2025"]


def test_search_box_and_facets_in_the_ui(db):
    html = get(db, "/archive/articles").text
    assert 'name="_search"' in html
    facets = get(db, "/archive/articles.json").json()["facet_results"]
    assert {"publisher", "language", "published"} <= set(facets)
    languages = {f["value"]: f["count"] for f in facets["language"]["results"]}
    assert languages == {"fr": 7, "ar": 1}
    assert facets["published"]["type"] == "date"


def test_metadata_describes_the_archive(db):
    data = get(db, "/-/metadata.json").json()
    assert data["title"] == "newsarchive"
    assert data["source"] == "Maghress"
    tables = data["databases"]["archive"]["tables"]
    assert {"articles", "headlines", "headline_sightings", "crawls"} <= set(tables)
    assert all(t["description"] for t in tables.values())


def test_latest_headlines(db):
    rows = get(db, "/archive/latest_headlines.json?_shape=array").json()
    assert len(rows) == 60
    assert all(r["crawls"] == 2 for r in rows)


def test_articles_per_publisher_per_month(db):
    rows = get(db, "/archive/articles_per_publisher_per_month.json?_shape=array").json()
    assert sum(r["articles"] for r in rows) == 8
    assert {"month": "2017-07", "publisher": "Maroc Diplomatique", "articles": 1} in rows


def test_headlines_most_crawls(db):
    rows = get(db, "/archive/headlines_most_crawls.json?_shape=array").json()
    assert len(rows) == 60
    assert rows[0]["crawls"] == 2
    assert rows[0]["best_position"] == 1


def test_crawl_log(db):
    rows = get(db, "/archive/crawl_log.json?_shape=array").json()
    assert [(r["id"], r["pages"], r["finish_reason"]) for r in rows] == [(2, 10, "finished"), (1, 10, "finished")]


def test_every_canned_query_runs(db):
    for name in metadata(db)["databases"]["archive"]["queries"]:
        response = get(db, f"/archive/{name}.json")
        assert response.status_code == 200, name
        assert response.json()["ok"] is True, name


def test_reads_go_on_while_a_crawl_holds_the_write_lock(db):
    writer = sqlite3.connect(db, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO crawls (started, source) VALUES ('2026-01-01T00:00:00Z', 'test')")
        rows = get(db, "/archive/articles.json?_search=metropole&_shape=array").json()
        assert sorted(r["url"] for r in rows) == [COPY_URL, SEED_URL]
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_newsarchive_serve_runs_datasette(db):
    with served(db) as base:
        response = httpx.get(f"{base}/archive/articles.json?_search=metropole&_shape=array")
        assert sorted(r["url"] for r in response.json()) == [COPY_URL, SEED_URL]
        assert "newsarchive" in httpx.get(f"{base}/").text


def test_serve_without_archive_is_a_one_line_error(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "serve", "--db", str(tmp_path / "none.db")],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == f"Error: no archive at {tmp_path / 'none.db'}: run `newsarchive crawl --db {tmp_path / 'none.db'}` first"


def test_ticker_at_a_given_time(db):
    rows = get(db, "/archive/ticker_at.json?_shape=array&at=2999-01-01T00:00:00Z").json()
    assert len(rows) == 60 and {r["crawl"] for r in rows} == {2}  # the last crawl before that time
    assert rows[0]["position"] == 1
    assert get(db, "/archive/ticker_at.json?_shape=array&at=2000-01-01T00:00:00Z").json() == []


def test_headline_durations(db):
    rows = get(db, "/archive/headline_durations.json?_shape=array").json()
    assert len(rows) == 60
    assert all(r["crawls"] == 2 for r in rows)
    assert rows[0]["hours_on_ticker"] >= rows[-1]["hours_on_ticker"] >= 0


def test_newsarchive_serve_has_the_archive_pages_and_public_defaults(db):
    """The real server (not the test client) loads the archive's plugin, templates and settings."""
    with served(db) as base:
        assert "This archive holds" in httpx.get(base + "/").text
        search = httpx.get(base + "/-/search", params={"q": "metropole"}).text
        assert "<mark>métropole</mark>" in search
        article = httpx.get(base + "/-/article", params={"url": "https://www.maghress.com/hespress/606"}).text
        assert '<article class="na-article" lang="ar" dir="rtl">' in article
        assert httpx.get(base + "/archive/latest_articles_feed.atom").text.startswith("<?xml")
        settings = httpx.get(base + "/-/settings.json").json()
        assert (settings["sql_time_limit_ms"], settings["max_returned_rows"], settings["default_allow_sql"]) == (3000, 1000, True)
        plugins = {p["name"] for p in httpx.get(base + "/-/plugins.json").json()}
        assert {"datasette-atom"} <= plugins and any("newsarchive" in p or "datasette_plugin" in p for p in plugins)
