"""The benchmark tools bench/archivegen.py and bench/serve_bench.py on a tiny archive: exact row
counts, an archive the storage layer opens, the same rows for the same seed, and every timed route
answering 200 through a real `newsarchive serve` (no timing is asserted)."""

import io
import sqlite3
from urllib.parse import urlsplit

import pytest

from bench import archivegen, serve_bench
from crawler.archive.store import Archive
from crawler.core.fold import search_text

ARTICLES = 120  # 3 crawls of 50, 50 and 20 new articles


def build(path, *extra):
    args = archivegen.parser().parse_args(["--articles", str(ARTICLES), "--out", str(path), "--seed", "1", *extra])
    return archivegen.build(args, log=io.StringIO())


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    path = tmp_path_factory.mktemp("bench") / "tiny.db"
    return path, build(path)


def counts(path):
    conn = sqlite3.connect(path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: conn.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0] for t in tables}
    finally:
        conn.close()


def rows(path, sql):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_archivegen_row_counts(tiny):
    path, made = tiny
    n = counts(path)
    copies = made["copies_exact"] + made["copies_near"]
    versions = made["versions"]
    assert made["articles"] == ARTICLES and made["crawls"] == 3
    assert 0 < copies < ARTICLES // 4 and versions < ARTICLES // 4
    assert n["articles"] == ARTICLES
    assert n["crawls"] == 3
    assert n["article_groups"] == ARTICLES
    assert n["group_signatures"] == ARTICLES - copies  # every original opens a group with a signature
    assert n["article_versions"] == ARTICLES + versions
    assert n["captures"] == ARTICLES + versions + 3  # each article fetch, and each crawl's front page
    assert n["urls"] == ARTICLES + 2  # the articles and the two front pages
    assert n["headlines"] == 50 + 5 + 5  # a full ticker, then 5 new headlines a crawl
    assert n["headline_sightings"] == 3 * 50
    assert n["stories"] == 60
    assert n["search_fts"] == ARTICLES + 60
    if "group_bands" in n:
        from crawler.grouping.articles import ArticleGroups

        assert n["group_bands"] == ArticleGroups().bands * n["group_signatures"]
    assert rows(path, "SELECT method, count(*) FROM article_groups GROUP BY method ORDER BY method") == [
        (m, c) for m, c in (("exact", made["copies_exact"]), ("first", ARTICLES - copies), ("near", made["copies_near"]))
        if c]
    assert rows(path, "SELECT count(*) FROM articles WHERE version = 2") == [(versions,)]
    assert rows(path, "SELECT count(*) FROM crawls WHERE site = 'maghress' AND finished IS NOT NULL") == [(3,)]


def test_archivegen_rows_are_realistic(tiny):
    path, _ = tiny
    for url, paper, language, body in rows(path, "SELECT url, paper, language, body FROM articles"):
        parts = urlsplit(url).path.strip("/").split("/")
        assert url.startswith("https://www.maghress.com/")
        assert parts == (["fr", paper, parts[-1]] if language == "fr" else [paper, parts[-1]])
        assert 1800 <= len(body.encode()) <= 5600
    for url, paper in rows(path, "SELECT url, paper FROM headlines"):
        assert paper == urlsplit(url).path.strip("/").split("/")[-2]
    assert len(rows(path, "SELECT DISTINCT paper FROM articles")) > 15
    assert {r[0] for r in rows(path, "SELECT language FROM articles")} == {"fr", "ar"}
    # The search index holds what the storage layer's own search_text gives (the generator's
    # shortcut for folding bodies changes nothing): folded, elision dropped, Arabic stems added.
    indexed = dict(rows(path, "SELECT a.url, f.title || '|' || f.body FROM articles a JOIN search_fts f ON f.rowid = a.rowid"))
    for url, title, body in rows(path, "SELECT url, title, body FROM articles"):
        assert indexed[url] == search_text(title) + "|" + search_text(body)
    # common words are common
    assert rows(path, "SELECT count(*) FROM search_fts WHERE search_fts MATCH 'maroc'")[0][0] > 20


def test_archivegen_opens_refuses_overwrite_and_is_deterministic(tiny, tmp_path):
    path, _ = tiny
    with Archive.open(path) as archive:
        assert archive.count("articles") == ARTICLES
    with pytest.raises(SystemExit, match="exists"):
        build(path)
    again = tmp_path / "again.db"
    build(again, "--workers", "0", "--plain-fold")
    sql = ("SELECT url, title, content_hash, first_seen, published FROM article_versions ORDER BY url, version")
    assert rows(again, sql) == rows(path, sql)
    sql = "SELECT key, first_seen, last_seen, url FROM headlines ORDER BY id"
    assert rows(again, sql) == rows(path, sql)


def test_serve_bench_every_route_answers(tiny):
    path, _ = tiny
    result = serve_bench.measure(path, repeat=1, cold=False, log=io.StringIO())
    labels = [e["route"] for e in result["routes"]]
    for wanted in ("home /", "database page", "/-/charts", "/-/article?url=", "table headline_sightings",
                   "query ticker_at", "feed search_feed.atom"):
        assert wanted in labels
    assert {e["route"]: e["statuses"] for e in result["routes"]} == {label: [200] for label in labels}
    assert all(e["bytes"] > 0 for e in result["routes"])
    assert "| home / |" in serve_bench.markdown([result])


def test_serve_bench_cold_request(tiny):
    path, _ = tiny
    result = serve_bench.measure(path, repeat=1, cold=True, only=["home"], log=io.StringIO())
    (entry,) = result["routes"]
    assert entry["statuses"] == [200] and entry["cold"]["status"] == 200
    assert entry["evicted_by"] == "posix_fadvise"
