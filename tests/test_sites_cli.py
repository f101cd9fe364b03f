"""`newsarchive sites` and `newsarchive crawl` over every site, as a user runs them on the
bundled mirror (three sites: Maghress with its page object, Phys.org with its own, AP News read
by the generic page object)."""

import re

import pytest

from tests.conftest import query, run_cli

MAGHRESS_HOSTS = "djazairess.com, maghress.com, masress.com, sauress.com, sudaress.com, turess.com, yemeress.com"
HEADER = ["site", "hosts", "parser", "last crawl"]


def table(result) -> list[list[str]]:
    """The rows of `newsarchive sites`, cells split at the column gaps (two spaces or more)."""
    return [re.split(r"\s{2,}", line.rstrip()) for line in result.stdout.splitlines()]


@pytest.fixture(scope="module")
def every_site(tmp_path_factory):
    """`newsarchive sites`, then `newsarchive crawl` (no --site) into an empty archive, then `sites` again."""
    db = tmp_path_factory.mktemp("every_site") / "archive.db"
    before = run_cli("sites", "--db", db)
    crawl = run_cli("crawl", "--db", db)
    after = run_cli("sites", "--db", db)
    return db, before, crawl, after


def test_sites_before_any_crawl(every_site):
    db, before, _, _ = every_site
    assert (before.returncode, before.stderr) == (0, "")
    assert table(before) == [
        HEADER,
        ["apnews", "apnews.com", "generic/1", "never"],
        ["maghress", MAGHRESS_HOSTS, "maghress/2", "never"],
        ["physorg", "phys.org", "physorg/1", "never"],
    ]


def test_crawl_with_no_site_crawls_each_sites_mirror_in_turn(every_site):
    db, _, crawl, _ = every_site
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    summaries = [line for line in crawl.stderr.splitlines() if re.match(r"\w+: crawl \d+ ", line)]
    assert summaries == [
        f"apnews: crawl 1 finished: 3 pages, 2 new articles, 0 unchanged, 0 changed, 0 new headlines, "
        f"0 items dropped, 21 URLs not in mirror -> {db}",
        f"maghress: crawl 2 finished: 10 pages, 8 new articles, 0 unchanged, 0 changed, 60 new headlines, "
        f"0 items dropped, 9 URLs not in mirror -> {db}",
        f"physorg: crawl 3 finished: 3 pages, 2 new articles, 0 unchanged, 0 changed, 0 new headlines, "
        f"0 items dropped, 31 URLs not in mirror -> {db}",
    ]
    assert query(db, "SELECT id, site, finish_reason, new_articles FROM crawls ORDER BY id") == [
        {"id": 1, "site": "apnews", "finish_reason": "finished", "new_articles": 2},
        {"id": 2, "site": "maghress", "finish_reason": "finished", "new_articles": 8},
        {"id": 3, "site": "physorg", "finish_reason": "finished", "new_articles": 2},
    ]
    parsers = query(db, """SELECT substr(url, 1, instr(substr(url, 9), '/') + 8) AS host, parser_version, count(*) AS n
                           FROM articles GROUP BY 1, 2 ORDER BY 1""")
    assert parsers == [
        {"host": "https://apnews.com/", "parser_version": "generic/1", "n": 2},
        {"host": "https://phys.org/", "parser_version": "physorg/1", "n": 2},
        {"host": "https://www.maghress.com/", "parser_version": "maghress/2", "n": 8},
    ]
    assert query(db, "SELECT crawl, site, parser, pages, article_pages, articles, fallbacks FROM extraction_health "
                     "ORDER BY crawl") == [
        {"crawl": 1, "site": "apnews", "parser": "generic/1", "pages": 3, "article_pages": 2, "articles": 2,
         "fallbacks": 0},
        {"crawl": 2, "site": "maghress", "parser": "maghress/2", "pages": 10, "article_pages": 8, "articles": 8,
         "fallbacks": 0},
        {"crawl": 3, "site": "physorg", "parser": "physorg/1", "pages": 3, "article_pages": 2, "articles": 2,
         "fallbacks": 0},
    ]


def test_sites_after_the_crawl_shows_each_sites_last_crawl(every_site):
    db, _, _, after = every_site
    assert (after.returncode, after.stderr) == (0, "")
    started = {r["site"]: r["started"] for r in query(db, "SELECT site, started FROM crawls")}
    assert table(after) == [
        HEADER,
        ["apnews", "apnews.com", "generic/1", f"1 {started['apnews']} (finished)"],
        ["maghress", MAGHRESS_HOSTS, "maghress/2", f"2 {started['maghress']} (finished)"],
        ["physorg", "phys.org", "physorg/1", f"3 {started['physorg']} (finished)"],
    ]


def test_crawl_one_site(tmp_path):
    db = tmp_path / "physorg.db"
    result = run_cli("crawl", "--site", "physorg", "--db", db)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stderr.splitlines()[-1] == (  # one site: no prefix
        f"crawl 1 finished: 3 pages, 2 new articles, 0 unchanged, 0 changed, 0 new headlines, 0 items dropped, "
        f"31 URLs not in mirror -> {db}"
    )
    assert query(db, "SELECT id, site FROM crawls") == [{"id": 1, "site": "physorg"}]
    assert query(db, "SELECT url, parser_version FROM articles ORDER BY url") == [
        {"url": "https://phys.org/news/2023-12-jellyfish-regenerate-functional-tentacles-days.html",
         "parser_version": "physorg/1"},
        {"url": "https://phys.org/news/2023-12-sweater-aerogel-fiber-warmer.html", "parser_version": "physorg/1"},
    ]
    assert [row[3] for row in table(run_cli("sites", "--db", db, check=True))[1:]] == [
        "never", "never", f"1 {query(db, 'SELECT started FROM crawls')[0]['started']} (finished)"]


def test_an_unknown_site_is_one_error_line(tmp_path):
    db = tmp_path / "archive.db"
    result = run_cli("crawl", "--site", "nosuchsite", "--db", db)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == "Error: no site named 'nosuchsite' (known: apnews, maghress, physorg)\n"
    assert not db.exists()
