"""Running a crawl through Scrapy's engine, as a library call."""

from __future__ import annotations

from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler.mirror import open_replay
from crawler.seeds import read_seed_urls
from crawler.spiders.maghress import MaghressSpider
from crawler.storage import Archive


def project_settings(overrides: dict | None = None) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    return settings


def check_inputs(db: Path, seeds: Path, replay: Path | None) -> None:
    """Fail early, with a plain message, on what would otherwise fail inside the engine."""
    read_seed_urls(seeds)  # OSError if unreadable
    if replay is not None:
        open_replay(replay)  # MirrorError if neither a mirror folder nor WARC files
    Archive(db).close()  # ArchiveError if it cannot be opened or migrated


def run_crawl(db: Path, seeds: Path, replay: Path | None, overrides: dict | None = None) -> dict:
    """Crawl into the archive at `db`; replay from a mirror folder or WARC files when `replay` is given.

    Returns the crawl's Scrapy stats. Runs the Twisted reactor, so once per process.
    """
    check_inputs(db, seeds, replay)
    settings = project_settings(
        {
            "NEWSARCHIVE_DB": str(db),
            "NEWSARCHIVE_SEEDS": str(seeds),
            "NEWSARCHIVE_REPLAY": str(replay) if replay else None,
            "NEWSARCHIVE_SOURCE": f"replay:{replay}" if replay else "live",
            **(overrides or {}),
        }
    )
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(MaghressSpider)
    process.crawl(crawler)
    process.start()
    return crawler.stats.get_stats()
