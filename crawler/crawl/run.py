"""Running a crawl through Scrapy's engine, as a library call (`newsarchive crawl` uses it)."""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.exceptions import NotConfigured
from scrapy.settings import BaseSettings, Settings
from scrapy.utils.asyncio import create_looping_call
from twisted.internet import defer
from twisted.python.failure import Failure

from crawler.archive.lock import ArchiveLock
from crawler.archive.store import check_file
from crawler.core import stats as keys
from crawler.crawl.errors import BadSetting
from crawler.crawl.spiders import read_seed_urls, spider_class
from crawler.sites.spec import SiteSpec
from crawler.warc.replay import open_replay

SETTINGS_MODULE = "crawler.crawl.settings"
PROGRESS_EXTENSION = "crawler.crawl.run.ProgressLine"
TTY_REDRAW = 1.0  # seconds between redraws of the progress line on a terminal
# Settings that ask for Scrapy's log: given with -s, they make the crawl verbose.
LOG_SETTINGS = ("LOG_LEVEL", "LOG_ENABLED")
LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


def project_settings(overrides: dict | None = None) -> Settings:
    settings = Settings()
    settings.setmodule(SETTINGS_MODULE, priority="project")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    return settings


def _expected(default) -> tuple[str, object] | None:
    """(what a setting takes, the Settings getter that reads it) from the type of its default:
    None for settings read as text, or whose default says nothing (None)."""
    if isinstance(default, bool):
        return "True or False (or 1 or 0)", Settings.getbool
    if isinstance(default, int):
        return "a whole number", Settings.getint
    if isinstance(default, float):
        return "a number", Settings.getfloat
    if isinstance(default, (dict, BaseSettings)):
        return "a JSON object", Settings.getdict
    return None


def check_settings(overrides: dict) -> None:
    """BadSetting for a -s value its setting cannot take (DOWNLOAD_DELAY=abc, ROBOTSTXT_OBEY=maybe,
    LOG_LEVEL=LOUD): read as Scrapy will read it, before Scrapy starts, so that it is one line and
    not a traceback from deep in the crawl. Values given as text only (the command line's)."""
    defaults = project_settings()
    for name, value in overrides.items():
        if not isinstance(value, str):
            continue
        if name == "LOG_LEVEL":
            if value.upper() not in LOG_LEVELS:
                raise BadSetting(f"bad --set {name}={value}: expected one of {', '.join(LOG_LEVELS)}")
            continue
        expected = _expected(defaults.get(name))
        if expected is None:
            continue
        probe = Settings()
        probe.set(name, value)
        try:
            expected[1](probe, name)
        except (ValueError, TypeError):
            raise BadSetting(f"bad --set {name}={value}: expected {expected[0]}") from None


def wants_log(overrides: dict | None) -> bool:
    """Whether the settings ask for Scrapy's log themselves (-s LOG_LEVEL=DEBUG)."""
    return any(name in (overrides or {}) for name in LOG_SETTINGS)


class Console(logging.Handler):
    """The quiet crawl's one place on stderr: a progress line, and the log records of level
    ERROR and above but the retry middleware's "Gave up retrying" (the summary counts the URLs
    that failed, by reason). On a terminal the progress line is redrawn in place, and cleared
    when the crawl ends (the summary follows); elsewhere (a log file, cron mail) each update is
    one line. Scrapy's own handler is off (LOG_ENABLED=False): its INFO lines, the settings and
    the stats dump, are what `-v` is for."""

    QUIET_LOGGERS = ("scrapy.downloadermiddlewares.retry",)

    def __init__(self, stream=None):
        super().__init__(logging.ERROR)
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty()
        self.shown = ""  # the progress line on the terminal now
        self.setFormatter(logging.Formatter("%(levelname)s: [%(name)s] %(message)s"))
        self.addFilter(lambda record: record.name not in self.QUIET_LOGGERS)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
            shown = self.shown
            self.clear()
            self.stream.write(text + "\n")
            if shown:
                self.progress(shown)
            self.stream.flush()
        except Exception:  # noqa: BLE001 - logging's own way of reporting a handler that failed
            self.handleError(record)

    def progress(self, text: str) -> None:
        if self.tty:
            self.stream.write("\r" + text + "\x1b[K")
            self.shown = text
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def clear(self) -> None:
        """Erase the progress line from the terminal (nothing elsewhere: its lines stay)."""
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = ""

    @classmethod
    def installed(cls) -> "Console | None":
        return next((h for h in logging.root.handlers if isinstance(h, cls)), None)


class ProgressLine:
    """A Scrapy extension (on in quiet crawls only): the crawl so far on one line of the Console,
    every second on a terminal, every LOGSTATS_INTERVAL seconds (15) elsewhere."""

    def __init__(self, crawler, console: Console):
        self.crawler, self.console = crawler, console
        self.site = crawler.spidercls.name
        self.interval = TTY_REDRAW if console.tty else crawler.settings.getfloat("LOGSTATS_INTERVAL", 15.0)
        self.task = None
        self.started = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler):
        console = Console.installed()
        if console is None:
            raise NotConfigured("no quiet console")
        ext = cls(crawler, console)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def line(self) -> str:
        stats = self.crawler.stats.get_stats()
        get = lambda key: stats.get(key, 0)  # noqa: E731
        missing = get(keys.REPLAY_NOT_IN_MIRROR)
        return (f"{self.site}: {get(keys.PAGES)} pages so far, {get(keys.ARTICLES_NEW)} new articles, "
                f"{sum(keys.failures(stats).values())} URLs failed" + (f", {missing} not in mirror" if missing else "")
                + f" ({time.monotonic() - self.started:.0f} s)")

    def show(self) -> None:
        self.console.progress(self.line())

    def spider_opened(self, spider) -> None:
        self.started = time.monotonic()
        self.task = create_looping_call(self.show)
        self.task.start(self.interval, now=False)

    def spider_closed(self, spider, reason) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
        self.console.clear()


def make_quiet(settings: Settings, overrides: dict) -> None:
    """A quiet crawl's settings: Scrapy's log handler off, the progress line among the
    extensions (a setting the user gives wins: -s LOG_ENABLED=True brings the log back)."""
    if "LOG_ENABLED" not in overrides:
        settings.set("LOG_ENABLED", False, priority="cmdline")
    extensions = settings.getdict("EXTENSIONS")
    settings.set("EXTENSIONS", {**extensions, PROGRESS_EXTENSION: 0}, priority="cmdline")


def run_crawl(site: SiteSpec, db: Path, *, seeds: Path | None = None, replay: Path | None = None,
              live: bool = False, overrides: dict | None = None, quiet: bool = False) -> dict:
    """Crawl a site into the archive at `db`: from the web (`live`), or replaying a mirror folder
    or WARC files (`replay`, default: the site's bundled mirror). Returns the crawl's Scrapy stats.

    The archive is locked, opened and migrated by the crawl's archive extension (as under
    `scrapy crawl`), and its errors (ArchiveError, LockHeld) are raised here. What would fail
    there is checked first, before Scrapy starts, so that it is said in one line: the seeds and
    the replay source can be read, the archive file is an SQLite file, and its lock is free (or
    frees up within NEWSARCHIVE_LOCK_WAIT seconds). Runs the Twisted reactor: once per process.
    """
    return run_crawls([site], db, seeds=seeds, replay=replay, live=live, overrides=overrides, quiet=quiet)[0]


def run_crawls(sites: list[SiteSpec], db: Path, *, seeds: Path | None = None, replay: Path | None = None,
               live: bool = False, overrides: dict | None = None, quiet: bool = False) -> list[dict]:
    """Crawl several sites into one archive, one after the other (one crawl each, in one Twisted
    reactor: Scrapy's way of running spiders in sequence); the stats of each crawl, in order.
    A crawl that fails stops the sequence (its exception is raised).

    quiet: instead of Scrapy's log, a progress line on stderr (Console, ProgressLine), unless
    the overrides ask for the log (-s LOG_LEVEL=...)."""
    check_settings(overrides or {})  # BadSetting
    quiet = quiet and not wants_log(overrides)
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
    if quiet:
        make_quiet(settings, overrides)
    process = CrawlerProcess(settings)
    if quiet and Console.installed() is None:
        logging.root.addHandler(Console())
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
