"""A crawl in two processes (NEWSARCHIVE_PROCESSES=2): the crawl process fetches, follows links and
captures; the processing stage (crawler.ops.stage) parses, groups and stores from the captures.
It must archive exactly what the one-process crawl archives."""

import json
import subprocess
import sys

import pytest

from crawler.frontier.links import html_links
from crawler.sites.parse import parse_bytes
from tests.conftest import MIRROR, ROOT, count, query, run_cli

# What each table holds, without the columns that differ by nature between two crawls (times,
# capture ids, crawl ids).
COMPARED = {
    "articles": "url, title, publisher, published, language, body, original_url, image_url, content_hash, "
                "version, parser_version, paper, published_problem",
    "article_versions": "url, version, title, body, content_hash",
    "article_groups": "url, grp, similarity, method",
    "headlines": "key, text, url, paper",
    "headline_sightings": "(SELECT key FROM headlines WHERE id = headline), position, page_url",
    "stories": "(SELECT key FROM headlines WHERE id = headline), (SELECT key FROM headlines WHERE id = story), "
               "similarity",
    "urls": "url, kind, status, reason, attempts, checks, last_status, depth",
}


def extracted(db) -> dict:
    return {table: [tuple(r.values()) for r in query(db, f"SELECT {columns} FROM {table} ORDER BY 1, 2, 3")]
            for table, columns in COMPARED.items()}


@pytest.fixture(scope="module")
def two_process_archive(tmp_path_factory):
    db = tmp_path_factory.mktemp("two") / "archive.db"
    first = run_cli("crawl", "--site", "maghress", "--db", db, "-s", "NEWSARCHIVE_PROCESSES=2", check=True)
    after_first = extracted(db)
    second = run_cli("crawl", "--site", "maghress", "--db", db, "--full", "-s", "NEWSARCHIVE_PROCESSES=2", check=True)
    return db, first, after_first, second


def test_two_processes_archive_what_one_process_archives(bundled, two_process_archive, tmp_path):
    one_db = bundled[0]
    two_db, first, _, second = two_process_archive
    assert extracted(two_db) == extracted(one_db)
    assert count(two_db, "headline_sightings") == 120 and count(two_db, "articles") == 8
    # the crawl's summary line counts what the processing stage stored
    assert "crawl 1 finished: 10 pages, 8 new articles, 0 unchanged, 0 changed, 60 new headlines" in first.stderr
    assert "crawl 2 finished: 10 pages, 0 new articles, 8 unchanged, 0 changed, 0 new headlines" in second.stderr


def test_the_first_two_process_crawl_matches_the_first_one_process_crawl(two_process_archive, tmp_path):
    one = tmp_path / "one.db"
    run_cli("crawl", "--site", "maghress", "--db", one, check=True)
    assert two_process_archive[2] == extracted(one)


def test_the_crawls_row_carries_the_stages_figures(two_process_archive):
    db = two_process_archive[0]
    row = query(db, "SELECT * FROM crawls WHERE id = 1")[0]
    assert (row["pages_parsed"], row["new_articles"], row["new_headlines"], row["sightings"]) == (10, 8, 60, 60)
    stats = json.loads(row["stats"])
    # every capture of the crawl read once: 10 pages and robots.txt (URLs not in the mirror have none)
    assert stats["stage/captures"] == query(db, "SELECT count(*) AS n FROM captures WHERE crawl = 1")[0]["n"] == 11
    assert stats["stage/skipped/robots_txt"] == 1
    assert "stage/errors" not in stats


def test_a_processing_stage_that_cannot_open_the_archive_says_so_in_one_line(tmp_path):
    bad = tmp_path / "notes.db"
    bad.write_text("not a database", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "crawler.ops.stage", str(bad), "1", "maghress"], cwd=ROOT,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"newsarchive processing stage: cannot open archive {bad}: file is not a database"
    assert proc.stdout == ""


def test_two_processes_need_captures(tmp_path):
    out = run_cli("crawl", "--site", "maghress", "--db", tmp_path / "a.db", "-s", "NEWSARCHIVE_PROCESSES=2", "-s", "NEWSARCHIVE_CAPTURE=0")
    assert out.returncode != 0
    assert "NEWSARCHIVE_PROCESSES = 2 processes what the crawl captures: it needs NEWSARCHIVE_CAPTURE" in out.stderr


# --- the capture stage's links -------------------------------------------------------------------
def mirror_pages():
    for path in sorted((MIRROR / "www.maghress.com").rglob("*")):
        if path.is_file() and path.suffix in ("", ".html", ".txt"):
            url = "https://www.maghress.com/" + str(path.relative_to(MIRROR / "www.maghress.com")).removesuffix(
                ".html").removesuffix(".txt")
            yield url, path.read_bytes()


def test_the_links_of_every_mirror_page_are_the_page_objects():
    pages = list(mirror_pages())
    assert len(pages) >= 10
    for url, body in pages:
        assert html_links(url, body) == parse_bytes(url, body, "text/html; charset=utf-8").links, url


def test_the_links_of_generated_benchmark_pages_are_the_page_objects(tmp_path):
    from bench.sitegen import generate_site

    paths = generate_site(tmp_path, 40, seed=7)
    for path in paths:
        url = "https://www.maghress.com" + path
        body = (tmp_path / path.lstrip("/")).read_bytes()
        assert html_links(url, body) == parse_bytes(url, body, "text/html; charset=utf-8").links, url


@pytest.mark.parametrize("html, expected", [
    # comments, scripts, styles and their kin hold no links; an unclosed one runs to the end
    ('<a href="/a">a</a><!-- <a href="/c">c</a> --><script>var s = "<a href=\'/s\'>";</script>'
     '<STYLE>a[href="/y"]{}</STYLE><noscript><a href="/n">n</a></noscript><a href="/b">b</a>', ["/a", "/b"]),
    ('<a href="/a">a</a><script>document.write("<a href=/x>")', ["/a"]),
    ('<a href="/a">a</a><!-- never closed <a href="/x">', ["/a"]),
    # quoting, case, entities, fragments, other attributes first, relative and absolute links
    ("<A class='x' HREF='/q?a=1&amp;b=2'>q</A><a href=/bare>b</a><a href='#top'>t</a><a href=''>e</a>"
     '<a data-x=">" href="rel">r</a><a href="https://other.test/p">o</a><a href="//cdn.test/x">c</a>',
     ["/q?a=1&b=2", "/bare", "/dir/rel", "https://other.test/p", "https://cdn.test/x"]),
    ('<svg><a href="/in-svg"/></svg><template><a href="/t">t</a></template><a href="/after">x</a>', ["/after"]),
    ('<scripts><a href="/kept">k</a></scripts>', ["/kept"]),  # not a script element
])
def test_links_without_a_tree(html, expected):
    url = "https://www.maghress.com/dir/page"
    page = f"<html><body>{html}</body></html>".encode()
    want = [e if e.startswith("https://") else "https://www.maghress.com" + e for e in expected]
    assert html_links(url, page) == want
    assert parse_bytes(url, page, "text/html; charset=utf-8").links == want
