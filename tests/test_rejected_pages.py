"""Pages at article URLs that are not articles (a soft 404, a bot wall, a consent wall), met in
a real crawl of a local HTTP server: kept out of the articles table, counted by reason, marked
failed and retried with back-off.

The site (tests/fixtures/rejected_crawl/site/, see its README) is served on 127.0.0.1 with
Maghress's URL pattern; the crawl reads a host no site claims with the page object of the site
crawled (--site maghress).
"""

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest

from crawler.core import clock
from tests.conftest import query, run_cli, served_folder

SITE = Path(__file__).parent / "fixtures" / "rejected_crawl" / "site"
LOCAL = ("-v", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_START_DELAY=0", "-s", "NEWSARCHIVE_ALLOW_PRIVATE=127.0.0.1")
REJECTED = {"/fr/lopinion/498": "soft_404", "/fr/albayane/77": "bot_wall", "/fr/aujourdhui/305": "consent_wall"}


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """Two crawls of the local site into one archive: the first, and an incremental one at once."""
    tmp = tmp_path_factory.mktemp("rejected")
    db, seeds = tmp / "archive.db", tmp / "seeds.txt"
    with served_folder(SITE) as base:
        seeds.write_text(f"{base}/fr/\n")
        first = run_cli("crawl", "--site", "maghress", "--live", "--seeds", seeds, "--db", db, *LOCAL)
        urls_after_first = query(db, "SELECT * FROM urls ORDER BY url")
        second = run_cli("crawl", "--site", "maghress", "--live", "--seeds", seeds, "--db", db, *LOCAL)
    return base, db, first, urls_after_first, second


def stats_of(db, crawl):
    return json.loads(query(db, "SELECT stats FROM crawls WHERE id = ?", (crawl,))[0]["stats"])


def test_one_article_stored_and_the_summary(crawled):
    base, db, first, _, _ = crawled
    assert first.returncode == 0, first.stderr[-2000:]
    assert first.stderr.splitlines()[-1] == (
        f"crawl 1 finished: 5 pages, 1 new articles, 0 unchanged, 0 changed, 4 new headlines, 0 items dropped, "
        f"0 URLs not in mirror, 3 URLs failed (bot_wall 1, consent_wall 1, soft_404 1) -> {db}"
    )  # the pages that are not articles are marked failed, and counted so
    assert query(db, "SELECT url, title, publisher, published, parser_version FROM articles") == [
        {"url": f"{base}/fr/lesechos/101",
         "title": "Tourisme : Marrakech enregistre une hausse de 12% des arrivées au premier semestre",
         "publisher": "Les Echos", "published": "2025-08-22", "parser_version": "maghress/2"},
    ]
    assert query(db, "SELECT count(*) AS n FROM article_versions") == [{"n": 1}]


def test_each_rejected_page_is_counted_and_logged_with_its_reason(crawled):
    base, db, first, _, _ = crawled
    stats = stats_of(db, 1)
    assert {k: v for k, v in stats.items() if k.startswith("spider/failed/")} == {
        "spider/failed/rejected/bot_wall": 1,
        "spider/failed/rejected/consent_wall": 1,
        "spider/failed/rejected/soft_404": 1,
    }
    assert stats["spider/pages"] == 5
    assert json.loads(query(db, "SELECT failed FROM crawls WHERE id = 1")[0]["failed"]) == {
        "bot_wall": 1, "consent_wall": 1, "soft_404": 1}
    logged = dict(re.findall(r"Not an article: (\S+) is a (\w+) \(", first.stderr))
    assert logged == {f"{base}{path}": reason for path, reason in REJECTED.items()}


def test_rejected_urls_are_failed_with_their_reason_and_retried_with_back_off(crawled):
    base, db, _, urls, second = crawled
    crawl = query(db, "SELECT started, finished FROM crawls WHERE id = 1")[0]
    marks = {row["url"].removeprefix(base): (row["kind"], row["status"], row["reason"], row["attempts"])
             for row in urls}
    assert marks == {
        "/fr/": ("front", "fetched", None, 0),
        "/fr/lesechos/101": ("article", "fetched", None, 0),
        "/fr/lopinion/498": ("article", "failed", "soft_404", 1),
        "/fr/albayane/77": ("article", "failed", "bot_wall", 1),
        "/fr/aujourdhui/305": ("article", "failed", "consent_wall", 1),
    }
    # The failure back-off's first step: 15 minutes after the attempt.
    earliest = clock.format(clock.parse(crawl["started"]) + timedelta(minutes=15))
    latest = clock.format(clock.parse(crawl["finished"]) + timedelta(minutes=15))
    for row in urls:
        if row["url"].removeprefix(base) in REJECTED:
            assert earliest <= row["next_due"] <= latest, row
    # A crawl at once does not ask for them again: not due yet.
    assert second.returncode == 0, second.stderr[-2000:]
    assert "Not an article" not in second.stderr
    assert not [k for k in stats_of(db, 2) if k.startswith("spider/failed/")]
    again = {row["url"].removeprefix(base): (row["status"], row["reason"], row["attempts"], row["next_due"])
             for row in query(db, "SELECT * FROM urls")}
    assert {path: again[path] for path in REJECTED} == {
        row["url"].removeprefix(base): (row["status"], row["reason"], row["attempts"], row["next_due"])
        for row in urls if row["url"].removeprefix(base) in REJECTED
    }
    assert query(db, "SELECT count(*) AS n FROM articles") == [{"n": 1}]


def test_extraction_health_counts_the_rejected_pages_by_reason(crawled):
    _, db, _, _, _ = crawled
    assert query(db, """SELECT site, parser, pages, article_pages, articles, fallbacks, partial, rejected
                        FROM extraction_health WHERE crawl = 1""") == [
        {"site": "maghress", "parser": "maghress/2", "pages": 5, "article_pages": 4, "articles": 1, "fallbacks": 0,
         "partial": 0, "rejected": '{"bot_wall": 1, "consent_wall": 1, "soft_404": 1}'},
    ]
    # Four article pages, one article: no drift for the second crawl, which read no article page.
    assert query(db, "SELECT * FROM extraction_drift") == []
