"""Serving an archive that grows (issue 12): what keeps every page bounded, checked by what it gives.

- The summary tables of m010 (summary_*) hold exactly what the aggregates they stand for give,
  after any mix of writes through the storage layer and plain SQL (inserts, upserts, updates,
  deletes), and after the migration's backfill of an archive written before it.
- The pages read them: the home page's figures, the table pages' row counts (the plugin's
  `_nocount=summary` mark), the canned queries (bounded: the latest 1,000 rows, 50 changes...).
- Search ranks inside the index: the same rows as ranking every match; a word matching more than
  reads.RANKED rows ranks the RANKED archived last and says so; table search is folded too.
- Every page's SQL uses an index or a summary (EXPLAIN QUERY PLAN: no full scan of a big table).
- Cold page cache: the archive evicted from the OS page cache (posix_fadvise DONTNEED), a real
  `newsarchive serve` answers the first request to every page with a 200.

Timing is never asserted (bench/serve_bench.py measures it; bench/notes/datasette.md).
"""

import os
import re
import sqlite3
from html import unescape
from urllib.parse import quote

import httpx
import pytest

from crawler.archive import reads, schema
from crawler.archive.schema import migrations
from crawler.archive.snapshot import snapshot
from crawler.archive.store import Archive
from crawler.core.fold import fold, fts_query
from crawler.publish import config, pages, tables
from tests.conftest import SEED_URL, fetch, query, served

QUERIES = config.queries()
AR_URL = "https://www.maghress.com/hespress/606"
HOST = "substr(substr(url, instr(url, '//') + 2), 1, instr(substr(url, instr(url, '//') + 2) || '/', '/') - 1)"
# Each summary table, and the aggregate over the archive's rows it must equal.
SUMMARIES = {
    "summary_table_rows": " UNION ALL ".join(
        f"SELECT '{t}', count(*) FROM {t}" for t in
        ("articles", "article_versions", "headlines", "headline_sightings", "crawls", "article_groups", "stories")),
    "summary_articles_by_paper": f"SELECT coalesce(paper, ''), publisher, language, {HOST}, count(*) FROM articles"
                                 " GROUP BY 1, 2, 3, 4",
    "summary_articles_by_day": "SELECT coalesce(published, ''), publisher, count(*) FROM articles GROUP BY 1, 2",
    "summary_articles_by_month": "SELECT coalesce(substr(published, 1, 7), ''), publisher, count(*) FROM articles"
                                 " GROUP BY 1, 2",
    "summary_headlines_by_day": "SELECT d.day, coalesce(h.paper, ''), count(*) FROM (SELECT DISTINCT"
                                " substr(seen_at, 1, 10) AS day, headline FROM headline_sightings) d"
                                " LEFT JOIN headlines h ON h.id = d.headline GROUP BY 1, 2",
    "summary_headline_days": "SELECT DISTINCT headline, substr(seen_at, 1, 10) FROM headline_sightings",
    "summary_headline_sightings": "SELECT headline, count(*), min(position) FROM headline_sightings GROUP BY headline",
    "summary_stories": "SELECT st.story, count(*), count(DISTINCT h.paper), (SELECT count(DISTINCT y.crawl)"
                       " FROM stories x JOIN headline_sightings y ON y.headline = x.headline WHERE x.story = st.story),"
                       " min(h.first_seen), max(h.last_seen), (SELECT text FROM headlines WHERE id = st.story),"
                       " group_concat(h.text, ' | ') FROM stories st JOIN headlines h ON h.id = st.headline"
                       " GROUP BY st.story",
    "summary_groups": "SELECT g.grp, count(*), count(DISTINCT a.publisher), min(g.first_seen), max(g.first_seen),"
                      " min(g.similarity), group_concat(DISTINCT a.publisher),"
                      " (SELECT title FROM articles WHERE url = g.grp)"
                      " FROM article_groups g LEFT JOIN articles a ON a.url = g.url GROUP BY g.grp",
    "summary_failures": " UNION ALL ".join(
        f"SELECT '{o}', j.key, count(*), sum(j.value), max(c.id) FROM crawls c,"
        f" json_each(CASE WHEN json_valid(c.{o}) THEN c.{o} ELSE '{{}}' END) j GROUP BY j.key"
        for o in ("failed", "skipped")),
}
BIG_TABLES = ("articles", "article_versions", "headlines", "headline_sightings", "crawls", "article_groups",
              "stories", "search_fts")


# Lists joined in a summary (the order of a group_concat is not the question): compared as sets.
JOINED = {"summary_stories": (7, " | "), "summary_groups": (6, ",")}


def normal(table, row):
    if table not in JOINED or row[JOINED[table][0]] is None:
        return row
    i, sep = JOINED[table]
    return (*row[:i], tuple(sorted(row[i].split(sep))), *row[i + 1:])


def summaries_match(path):
    """{summary: (its rows, the aggregate's rows)} for every summary that differs from its aggregate."""
    conn = sqlite3.connect(path)
    try:
        differ = {}
        for table, aggregate in SUMMARIES.items():
            got = sorted((normal(table, r) for r in conn.execute(f"SELECT * FROM {table}")), key=repr)
            want = sorted((normal(table, r) for r in conn.execute(aggregate)), key=repr)
            if got != want:
                differ[table] = (got, want)
        return differ
    finally:
        conn.close()


def article(url, **changes):
    paper = re.match(r"https://[^/]+/(?:fr/)?([^/]+)/", url)
    row = {"url": url, "title": "Élections à Casablanca", "publisher": "Le Matin", "published": "2025-09-01",
           "language": "fr", "body": "La métropole vote.\n\nDeuxième paragraphe.", "original_url": None,
           "image_url": None, "content_hash": "h-" + url, "seen_at": "2025-09-04T10:00:00Z",
           "paper": paper.group(1) if paper else None}
    row.update(changes)
    return row


def headline(text, url=None, seen="2025-09-04T10:00:00Z", paper=None):
    return {"text": text, "key": fold(text), "url": url, "seen_at": seen, "paper": paper}


def write_everything(archive):
    """Writes of every kind the summaries follow: through the storage layer, then plain SQL."""
    a1, a2, a3 = ("https://www.maghress.com/fr/lematin/1", "https://www.maghress.com/fr/lesechos/2",
                  "https://www.maghress.com/hespress/3")
    c1 = archive.start_crawl("2025-09-04T10:00:00Z", "test", "maghress")
    archive.save_articles([article(a1), article(a2, publisher="Les Echos", published=None,
                                                published_problem="implausible"),
                           article(a3, language="ar", publisher="هسبريس", title="الحكومة", published="2025-08-31")])
    # A changed text: a new version, with another publisher and date (the articles row follows).
    archive.save_articles([article(a1, body="Un autre texte.", content_hash="h2", publisher="Le Matin.ma",
                                   published="2025-10-02", seen_at="2025-10-02T08:00:00Z")])
    archive.save_groups([{"url": a1, "grp": a1, "similarity": 1.0, "method": "first", "first_seen": "2025-09-04T10:00:00Z"},
                         {"url": a2, "grp": a1, "similarity": 0.9, "method": "near", "first_seen": "2025-09-04T11:00:00Z"},
                         {"url": a3, "grp": a3, "similarity": 1.0, "method": "first", "first_seen": "2025-09-04T12:00:00Z"}])
    _, ids = archive.save_headlines([headline("Premier titre"), headline("Second titre", a2, paper="lesechos"),
                                     headline("Troisième titre", a3, paper="hespress")])
    h1, h2, h3 = (ids[fold(t)] for t in ("Premier titre", "Second titre", "Troisième titre"))
    archive.save_stories([{"key": "premier titre", "story": "premier titre", "similarity": 1.0},
                          {"key": "second titre", "story": "premier titre", "similarity": 0.7}])
    archive.save_sightings([{"headline": h, "crawl": c1, "position": p, "page_url": "https://www.maghress.com/",
                             "seen_at": "2025-09-04T10:00:00Z"} for p, h in ((1, h1), (2, h2), (3, h3))])
    archive.save_sightings([{"headline": h2, "crawl": c1, "position": 1, "page_url": "x",
                             "seen_at": "2025-09-04T10:00:00Z"}])  # a better position in the same crawl
    archive.finish_crawl(c1, "2025-09-04T10:05:00Z", {}, {"failed": '{"http_503": 2, "timeout": 1}',
                                                           "skipped": '{"robots_forbidden": 4}'})
    c2 = archive.start_crawl("2025-09-05T23:50:00Z", "test", "maghress")
    archive.save_sightings([{"headline": h, "crawl": c2, "position": p, "page_url": "y",
                             "seen_at": "2025-09-05T23:50:00Z"} for p, h in ((1, h1), (2, h3))])
    # A headline gains its URL and paper once a page links it: its days move to that paper.
    archive.save_headlines([headline("Premier titre", a1, seen="2025-09-05T23:50:00Z", paper="lematin")])
    archive.finish_crawl(c2, "2025-09-06T00:01:00Z", {}, {"failed": '{"http_503": 1}', "skipped": "not json"})
    c3 = archive.start_crawl("2025-09-07T00:00:00Z", "test", "maghress")
    archive.finish_crawl(c3, "2025-09-07T00:01:00Z", {}, {"failed": None, "skipped": '{"robots_forbidden": 1}'})
    # Plain SQL: updates and deletes of every kind, which the triggers follow as well.
    sql = archive.db.execute
    sql("UPDATE articles SET publisher = 'Hespress', paper = 'hespress2' WHERE url = ?", [a3])
    sql("UPDATE headline_sightings SET seen_at = '2025-09-06T00:10:00Z', position = 5 WHERE headline = ? AND crawl = ?",
        [h3, c2])
    sql("UPDATE headline_sightings SET crawl = ? WHERE headline = ? AND crawl = ?", [c3, h1, c2])
    sql("UPDATE headline_sightings SET position = 9 WHERE headline = ? AND crawl = ?", [h2, c1])
    sql("DELETE FROM headline_sightings WHERE headline = ? AND crawl = ?", [h3, c1])
    sql("UPDATE headlines SET paper = NULL WHERE id = ?", [h2])
    sql("UPDATE crawls SET failed = '{\"timeout\": 5}' WHERE id = ?", [c1])
    sql("DELETE FROM crawls WHERE id = ?", [c3 + 1])  # no such crawl: nothing changes
    sql("UPDATE article_groups SET grp = ? WHERE url = ?", [a3, a2])
    sql("DELETE FROM article_groups WHERE url = ?", [a1])
    sql("UPDATE stories SET story = ? WHERE headline = ?", [h2, h2])
    sql("DELETE FROM stories WHERE headline = ?", [h1])
    archive.db.conn.commit()
    return {"articles": (a1, a2, a3), "headlines": (h1, h2, h3), "crawls": (c1, c2, c3)}


def test_the_summaries_follow_every_write(tmp_path):
    path = tmp_path / "archive.db"
    with Archive.open(path) as archive:
        written = write_everything(archive)
    assert summaries_match(path) == {}
    a1, a2, a3 = written["articles"]
    c1, c2, c3 = written["crawls"]
    # What a reader checks, by hand: the home page's numbers and the canned queries' rows.
    assert query(path, "SELECT tbl, row_count FROM summary_table_rows ORDER BY tbl") == [
        {"tbl": t, "row_count": n} for t, n in [("article_groups", 2), ("article_versions", 4), ("articles", 3),
                                                ("crawls", 3), ("headline_sightings", 4), ("headlines", 3),
                                                ("stories", 1)]]
    assert query(path, "SELECT published, publisher, articles FROM summary_articles_by_day ORDER BY 1, 2") == [
        {"published": "", "publisher": "Les Echos", "articles": 1},
        {"published": "2025-08-31", "publisher": "Hespress", "articles": 1},
        {"published": "2025-10-02", "publisher": "Le Matin.ma", "articles": 1}]
    # Premier titre gained its paper after two days on the ticker, Second titre lost it; Troisième
    # titre's sighting moved to another day and its first was deleted.
    assert query(path, "SELECT day, paper, headlines FROM summary_headlines_by_day ORDER BY 1, 2") == [
        {"day": "2025-09-04", "paper": "", "headlines": 1}, {"day": "2025-09-04", "paper": "lematin", "headlines": 1},
        {"day": "2025-09-05", "paper": "lematin", "headlines": 1}, {"day": "2025-09-06", "paper": "hespress", "headlines": 1}]
    assert query(path, "SELECT outcome, reason, crawls, urls, last_crawl FROM summary_failures ORDER BY 1, 2") == [
        {"outcome": "failed", "reason": "http_503", "crawls": 1, "urls": 1, "last_crawl": c2},
        {"outcome": "failed", "reason": "timeout", "crawls": 1, "urls": 5, "last_crawl": c1},
        {"outcome": "skipped", "reason": "robots_forbidden", "crawls": 2, "urls": 5, "last_crawl": c3}]
    groups = query(path, "SELECT grp, articles, papers, paper_names, title FROM summary_groups ORDER BY grp")
    assert [(g["grp"], g["articles"], g["papers"], set(g["paper_names"].split(",")), g["title"]) for g in groups] == [
        (a3, 2, 2, {"Hespress", "Les Echos"}, "الحكومة")]
    h1, h2, h3 = written["headlines"]
    assert query(path, "SELECT story, headlines, papers, crawls, first_headline FROM summary_stories") == [
        {"story": h2, "headlines": 1, "papers": 0, "crawls": 1, "first_headline": "Second titre"}]


def test_the_migration_backfills_the_summaries(tmp_path):
    """An archive written before m010 (no trigger yet), then migrated: the summaries hold the same."""
    path = tmp_path / "old.db"
    archive = Archive(path)
    # The rules m009 asks for (Archive.migrate registers them; none needed here: no row yet).
    archive.db.conn.create_function("newsarchive_paper", 2, lambda url, site: None)
    archive.db.conn.create_function("newsarchive_buckets", 1, lambda signature: "[]")
    migrations.apply(archive.db, stop_before="m010_summaries_for_serving")
    # The columns the storage layer writes today (m011, which adds them if missing, runs again
    # after m010 below and leaves them).
    schema.m011_authors_and_times(archive.db)
    write_everything(archive)
    assert query(path, "SELECT count(*) AS n FROM sqlite_master WHERE name LIKE 'summary%'") == [{"n": 0}]
    archive.migrate()
    archive.close()
    assert summaries_match(path) == {}
    assert {r["name"] for r in query(path, "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'summary%'")} \
        == set(SUMMARIES)


def test_the_bundled_crawls_keep_the_summaries(bundled):
    """Two real crawls (the bundled mirror) wrote through triggers: the summaries agree."""
    assert summaries_match(bundled[0]) == {}


# --- the pages read them ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def db(bundled):
    return bundled[0]


def text_of(html):
    """What a reader sees, roughly: inline tags dropped, others a space, entities decoded."""
    html = re.sub(r"(?s)<head>.*?</head>|<script.*?</script>|<svg.*?</svg>", " ", html)
    html = re.sub(r"</?(?:a|time|bdi|strong|span|code|mark)\b[^>]*>", "", html)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def test_table_pages_count_from_the_summaries(db):
    counts = {r["tbl"]: r["row_count"] for r in query(db, "SELECT * FROM summary_table_rows")}
    for table, counted in tables.COUNTED.items():
        response = fetch(db, f"/archive/{table}")
        assert response.status_code == 200
        n = query(db, f"SELECT count(*) AS n FROM {table}")[0]["n"]
        assert counts[counted] == n
        assert f"<h3>{n:,} row{'' if n == 1 else 's'}" in response.text, table
        assert "_nocount=summary" in response.text  # the mark, on the page's own links
    # A filtered page (a facet's link keeps the mark): Datasette counts it, the mark taken away.
    ar = query(db, "SELECT count(*) AS n FROM articles WHERE language = 'ar'")[0]["n"]
    page = fetch(db, "/archive/articles?_nocount=summary&language=ar").text
    assert f'<title>archive: articles: {ar:,} row{"" if ar == 1 else "s"} where language = "ar"' in unescape(page)
    assert "_nocount=summary" not in page
    # The reader's own _nocount stands: no count at all.
    assert not re.search(r"<h3>\s*[\d,]+ rows?", fetch(db, "/archive/articles?_nocount=1").text)
    # JSON of a page the plugin counts: Datasette's answer for _nocount, the rows all the same.
    data = fetch(db, "/archive/articles.json").json()
    assert data["filtered_table_rows_count"] is None and len(data["rows"]) == counts["articles"]


def test_count_mark_rules():
    assert tables.count_mark("articles", [("_sort", "url")]) == (
        [("_sort", "url"), ("_nocount", "summary")], ("table", "articles"))
    assert tables.count_mark("articles", [("_nocount", "summary"), ("language", "ar")]) == ([("language", "ar")], None)
    assert tables.count_mark("articles", [("_search", "maroc")]) == (
        [("_search", "maroc"), ("_nocount", "summary")], ("search", None))
    assert tables.count_mark("articles", [("_search", "maroc"), ("language", "ar")]) == (
        [("_search", "maroc"), ("language", "ar")], None)
    assert tables.count_mark("articles", [("_nocount", "1")]) == ([("_nocount", "1")], None)
    assert tables.count_mark("headline_timeline", []) == ([("_nocount", "summary")], ("table", "headlines"))
    assert tables.count_mark("summary_groups", []) == ([], None)  # small tables: Datasette counts


def test_table_search_is_folded_bounded_and_counted_by_the_index(db):
    found = fetch(db, "/archive/articles.json?_search=" + quote("الحكومه") + "&_shape=array").json()
    assert AR_URL in [r["url"] for r in found]  # ة and ه folded, as on /-/search
    html = fetch(db, "/archive/articles?_search=metropole").text
    n = query(db, "SELECT count(*) AS n FROM search_fts WHERE search_fts MATCH 'metropole' AND rowid > 0")[0]["n"]
    assert f'{n} rows where search matches "metropole"' in text_of(html)
    assert 'name="_search"' in html and 'value="metropole"' in html
    headlines = fetch(db, "/archive/headlines.json?_search=TEMPERATURES&_shape=array").json()
    assert [r["text"] for r in headlines] == ["Les températures attendues ce jeudi 4 septembre 2025"]


def test_table_search_of_a_common_word_keeps_the_matches_archived_last(db, monkeypatch):
    """More matches than reads.RANKED: the page holds the RANKED archived last (highest rowids) and
    says so (RANKED lowered to 3 for the bundled archive)."""
    monkeypatch.setattr(reads, "RANKED", 3)
    matches = [r["rowid"] for r in query(db, "SELECT rowid FROM search_fts WHERE search_fts MATCH 'le' AND rowid > 0")]
    assert len(matches) > 3
    newest = sorted(matches)[-3:]
    page = fetch(db, "/archive/articles?_search=le")
    assert 'search matches "le" (the 3 archived last of more matches)' in text_of(page.text)
    assert "3 rows where" in text_of(page.text)
    urls = {r["url"] for r in fetch(db, "/archive/articles.json?_search=le&_shape=array").json()}
    assert urls == {r["url"] for r in query(db, f"SELECT url FROM articles WHERE rowid IN ({','.join(map(str, newest))})")}


def one_per_group(db, ranked):
    """The ranked (url, title) pairs of articles, but those whose duplicate group came before."""
    group = {r["url"]: r["grp"] for r in query(db, "SELECT url, grp FROM article_groups")}
    seen, out = set(), []
    for url, title in ranked:
        if group.get(url, url) not in seen:
            seen.add(group.get(url, url))
            out.append((url, title))
    return out


def every_match_ranked(db, q, kind, digits=None):
    """The search as it was: every match of a kind joined, then ranked (score, first_seen, url; the
    canned query's score rounded to 3 digits)."""
    score = reads.BM25 if digits is None else f"round({reads.BM25}, {digits})"
    rows = query(db, f"""
        SELECT coalesce(a.url, h.url) AS url, coalesce(a.title, h.text) AS title, {score} AS score,
               coalesce(a.first_seen, h.first_seen) AS first_seen
        FROM search_fts LEFT JOIN articles a ON search_fts.kind = 'article' AND a.url = search_fts.ref
        LEFT JOIN headlines h ON search_fts.kind = 'headline' AND h.id = CAST(search_fts.ref AS INTEGER)
        WHERE search_fts MATCH ? AND search_fts.kind = ? ORDER BY score, first_seen, url""", [fts_query(q), kind])
    return [(r["url"], r["title"]) for r in rows]


@pytest.mark.parametrize("q", ["le", "casablanca", "la"])
def test_search_ranked_inside_the_index_gives_the_same_rows(db, q):
    for kind in ("article", "headline"):
        expected = every_match_ranked(db, q, kind)
        for page in (1, 2):
            html = fetch(db, f"/-/search?q={q}&kind={kind}&page={page}").text
            shown = re.findall(r'<li class="na-result na-\w+".*?class="na-title"[^>]*>(.*?)</(?:a|span)>', html, re.S)
            # /-/search shows one entry per duplicate group of articles: its best-ranked match.
            entries = one_per_group(db, expected) if kind == "article" else expected
            want = [t for _, t in entries[(page - 1) * pages.PAGE_SIZE:page * pages.PAGE_SIZE]]
            assert [unescape(re.sub(r"<[^>]+>", "", t)).strip() for t in shown] == want, (q, kind, page)
    both = fetch(db, f"/archive/search.json?q={q}&_shape=array").json()
    assert [r["url"] for r in both] == [u for u, _ in every_match_ranked(db, q, "article", 3)
                                        + every_match_ranked(db, q, "headline", 3)][:200]


def test_a_common_word_ranks_the_matches_archived_last_and_says_so(db, monkeypatch):
    monkeypatch.setattr(reads, "RANKED", 3)
    n = query(db, "SELECT count(*) AS n FROM search_fts WHERE search_fts MATCH 'le' AND rowid > 0")[0]["n"]
    assert n > 3
    html = fetch(db, "/-/search?q=le&kind=article").text
    text = text_of(html)
    assert "More than 3 results for “le” (all · articles: more than 3 ·" in text
    assert "So common a search ranks the 3 articles archived last" in text
    newest = query(db, "SELECT a.url FROM search_fts JOIN articles a ON a.rowid = search_fts.rowid"
                       " WHERE search_fts MATCH 'le' AND search_fts.rowid > 0 ORDER BY search_fts.rowid DESC LIMIT 3")
    hrefs = re.findall(r'class="na-title" href="/-/article\?url=([^"]+)"', html)
    assert sorted(unescape(h).replace("%3A", ":").replace("%2F", "/") for h in hrefs) == sorted(r["url"] for r in newest)


def test_the_canned_searches_cap_where_the_pages_do():
    """The canned search and search_feed bound a common word at reads.RANKED as the pages do."""
    for name in ("search", "search_feed"):
        assert QUERIES[name]["sql"].count(f"OFFSET {reads.RANKED - 1}") == 2, name


def test_changed_articles_pages_back_with_before(tmp_path):
    path = tmp_path / "archive.db"
    with Archive.open(path) as archive:
        for i in range(3):
            url = f"https://www.maghress.com/fr/lematin/{i}"
            archive.save_articles([article(url)])
            archive.save_articles([article(url, body=f"Texte {i} corrigé.", content_hash=f"c{i}",
                                           seen_at=f"2025-09-1{i}T00:00:00Z")])
    latest = fetch(path, "/archive/changed_articles.json?_shape=array").json()
    assert [(r["url"][-1], r["new_first_seen"]) for r in latest] == [
        ("2", "2025-09-12T00:00:00Z"), ("1", "2025-09-11T00:00:00Z"), ("0", "2025-09-10T00:00:00Z")]
    earlier = fetch(path, "/archive/changed_articles.json?_shape=array&before=2025-09-11T00:00:00Z").json()
    assert [r["url"][-1] for r in earlier] == ["0"]


# --- query plans: an index or a summary, never a scan of a big table ------------------------------------------------
def plan_sqls():
    params = {"q": "le", "url": SEED_URL, "at": "2025-09-04T12:00:00Z", "before": "", "match": '"le"',
              "cap": reads.RANKED, "low": 1, "high": 2 ** 63 - 1, "top": 40, "limit": 20, "offset": 0, "bars": 60}
    sqls = {f"canned {name}": q["sql"] for name, q in QUERIES.items()}
    sqls.update({f"reads.{n}": getattr(reads, n) for n in dir(reads)
                 if n.isupper() and isinstance(getattr(reads, n), str) and "SELECT" in getattr(reads, n)})
    return {name: (sql, {k: params.get(k, "") for k in re.findall(r":(\w+)", sql)}) for name, sql in sqls.items()}


@pytest.mark.parametrize("name", sorted(plan_sqls()))
def test_no_page_scans_a_big_table(db, name):
    sql, params = plan_sqls()[name]
    conn = sqlite3.connect(db)
    conn.create_function("fts_query", 1, fts_query)
    conn.create_function("article_path", 1, lambda url: url)  # the plugin's (crawler.publish.pages): no I/O
    try:
        plan = [r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]
    finally:
        conn.close()
    aliases = {}
    for table, alias in re.findall(r"(?:FROM|JOIN)\s+(\w+)(?:\s+(?:AS\s+)?(\w+))?", sql, re.I):
        aliases[table] = table
        if alias and alias.upper() not in ("ON", "WHERE", "JOIN", "LEFT", "GROUP", "ORDER", "LIMIT", "UNION"):
            aliases[alias] = table
    for line in plan:
        scanned = re.match(r"SCAN (\w+)( USING .*)?$", line)
        if scanned and aliases.get(scanned.group(1)) in BIG_TABLES and not scanned.group(2):
            # Only in the order of the rowid, with a LIMIT: the last crawls.
            assert aliases[scanned.group(1)] == "crawls" and re.search(r"ORDER BY id DESC LIMIT", sql), (name, plan)
        automatic = re.match(r"SEARCH (\w+) USING AUTOMATIC", line)  # an index built by reading the whole table
        assert not automatic or aliases.get(automatic.group(1)) not in BIG_TABLES, (name, plan)


# --- cold page cache: the first request to every page --------------------------------------------------------------
def evict(path):
    for name in (str(path), f"{path}-wal", f"{path}-shm"):
        if os.path.exists(name):
            fd = os.open(name, os.O_RDONLY)
            try:
                os.fsync(fd)
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def every_page(name):
    crawl = "2025-09-04T12:00:00Z"
    out = ["/", f"/{name}", "/-/search?q=metropole", "/-/search?q=" + quote("الحكومه"), "/-/charts",
           "/-/article?url=" + quote(SEED_URL), f"/{name}/articles?_search=metropole",
           f"/{name}/latest_articles_feed.atom", f"/{name}/search_feed.atom?q=metropole"]
    out += [f"/{name}/{t}" for t in (*tables.COUNTED, "summary_groups")]
    for query_name in QUERIES:
        out.append(f"/{name}/{query_name}?" + "&".join(f"{k}={quote(v)}" for k, v in
                                                       (("q", "metropole"), ("url", SEED_URL), ("at", crawl))))
    return out


def test_the_first_request_to_every_page_on_a_cold_cache_is_answered(db, tmp_path):
    path = snapshot(db, tmp_path / "cold.db")
    with served(path) as base:
        statuses = {}
        for page in every_page("cold"):
            evict(path)
            statuses[page] = httpx.get(base + page, timeout=60).status_code
    assert statuses == dict.fromkeys(statuses, 200)
