"""Running a crawl through Scrapy's engine, as a library call (`newsarchive crawl` uses it)."""

from __future__ import annotations

import sys
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from twisted.internet import defer
from twisted.python.failure import Failure
from scrapy.settings import Settings

from crawler.archive.lock import ArchiveLock
from crawler.archive.store import check_file
from crawler.crawl.spiders import read_seed_urls, spider_class
from crawler.sites.spec import SiteSpec
from crawler.warc.replay import open_replay

SETTINGS_MODULE = "crawler.crawl.settings"


def project_settings(overrides: dict | None = None) -> Settings:
    settings = Settings()
    settings.setmodule(SETTINGS_MODULE, priority="project")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    return settings


def run_crawl(site: SiteSpec, db: Path, *, seeds: Path | None = None, replay: Path | None = None,
              live: bool = False, overrides: dict | None = None) -> dict:
    """Crawl a site into the archive at `db`: from the web (`live`), or replaying a mirror folder
    or WARC files (`replay`, default: the site's bundled mirror). Returns the crawl's Scrapy stats.

    The archive is locked, opened and migrated by the crawl's archive extension (as under
    `scrapy crawl`), and its errors (ArchiveError, LockHeld) are raised here. What would fail
    there is checked first, before Scrapy starts, so that it is said in one line: the seeds and
    the replay source can be read, the archive file is an SQLite file, and its lock is free (or
    frees up within NEWSARCHIVE_LOCK_WAIT seconds). Runs the Twisted reactor: once per process.
    """
    return run_crawls([site], db, seeds=seeds, replay=replay, live=live, overrides=overrides)[0]


def run_crawls(sites: list[SiteSpec], db: Path, *, seeds: Path | None = None, replay: Path | None = None,
               live: bool = False, overrides: dict | None = None) -> list[dict]:
    """Crawl several sites into one archive, one after the other (one crawl each, in one Twisted
    reactor: Scrapy's way of running spiders in sequence); the stats of each crawl, in order.
    A crawl that fails stops the sequence (its exception is raised)."""
    if seeds is not None:
        read_seed_urls(seeds)  # OSError if unreadable
    if replay is not None:
        open_replay(replay)  # MirrorError if neither a mirror folder nor WARC files
    check_file(db)  # ArchiveError
    Path(db).parent.mkdir(parents=True, exist_ok=True)
    with ArchiveLock(db, wait=float((overrides or {}).get("NEWSARCHIVE_LOCK_WAIT", 0))):
        pass  # LockHeld if another crawl writes the archive; the extension takes the lock for the crawl
    overrides = {**(overrides or {}), "NEWSARCHIVE_LOCK_WAIT": 0}  # waited above already, not twice
    settings = project_settings({
        "NEWSARCHIVE_DB": str(db),
        "NEWSARCHIVE_SEEDS": str(seeds) if seeds else None,
        "NEWSARCHIVE_REPLAY": str(replay) if replay else None,
        "NEWSARCHIVE_LIVE": live,
        **(overrides or {}),
    })
    process = CrawlerProcess(settings)
    crawlers = [process.create_crawler(spider_class(site)) for site in sites]
    failures = []

    @defer.inlineCallbacks
    def one_after_another():
        for crawler in crawlers:
            yield process.crawl(crawler)

    ended = []

    def stop(result):
        if isinstance(result, Failure):
            failures.append(result)
        ended.append(True)
        # The reactor, if one was installed (never import it here: that would install the default
        # one before Scrapy installs its own).
        reactor = sys.modules.get("twisted.internet.reactor")
        if reactor is not None and reactor.running:
            reactor.stop()

    if len(crawlers) == 1:  # the common case, as Scrapy runs one
        process.crawl(crawlers[0]).addErrback(failures.append)
        process.start()
    else:
        one_after_another().addBoth(stop)
        if not ended:  # (a crawl that fails at once ends the sequence before the reactor runs)
            process.start(stop_after_crawl=False)
    if failures:
        failures[0].raiseException()
    return [crawler.stats.get_stats() for crawler in crawlers]
