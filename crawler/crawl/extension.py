"""The archive extension: the one owner of the archive in a crawl process.

Built by Scrapy with `from_crawler` (setting EXTENSIONS) for the spiders of crawler.crawl.spiders
only. It takes the archive's lock, opens the archive once (on the writer thread, where every
write of the crawl then runs, in order) and migrates it, and hands the other components what
they need:

- the spider: `frontier` (the urls table as the run started, asked for a URL at a time, and
  the marks of this run);
- the capture middleware: `capture()` (every response to WARC and the captures table);
- the archive pipeline: `processor` (the processing core, with the archive's grouping state)
  and `store()`.

A page's frontier mark is stored once every item the spider yielded for it has left the
pipelines (Scrapy's item_scraped, item_dropped and item_error signals), so a URL is never
marked done in the archive before what it gave is stored. At the end it writes what is left,
the crawl's row (stats and summary) and closes the WARC file and the archive.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.archive.batch import BATCH_SIZE, Batch
from crawler.archive.lock import ArchiveLock
from crawler.archive.state import ArchiveState, PayloadHolders, read_connection
from crawler.archive.store import Archive
from crawler.core import clock
from crawler.core import stats as keys
from crawler.core.items import UrlMark
from crawler.crawl.errors import BadSetting
from crawler.crawl.frontier import CrawlFrontier
from crawler.crawl.writer import WriterThread
from crawler.frontier.recheck import failure_backoff
from crawler.grouping.articles import signature_buckets
from crawler.processing import Outcome, Processor, health
from crawler.sites import registry
from crawler.sites.parse import parser_version
from crawler.warc.capture import CaptureWriter, warc_dir_for
from crawler.warc.writer import GZIP_LEVEL

logger = logging.getLogger(__name__)

PAGE_KEY = "newsarchive_page"  # request meta: the page's mark, waiting for its items
WRITE_FAILED = "archive_write_failed"  # the finish reason of a crawl stopped by a failed write


def _migration_progress(text: str) -> None:
    """A migration's progress: on the quiet crawl's console line, or in the log (-v)."""
    from crawler.crawl.run import Console  # run imports the spiders, which import this module

    console = Console.installed()
    if console is not None:
        console.progress(text)
    else:
        logger.info(text)


@dataclass
class _PendingPage:
    mark: UrlMark
    items: int  # items yielded for the page and not yet out of the pipelines
    failed: bool = False  # an item of the page failed in the pipelines (item_error)


class ArchiveExtension:
    def __init__(self, crawler):
        from crawler.crawl.spiders import ArchiveSpider

        spidercls = getattr(crawler, "spidercls", None)
        if not (isinstance(spidercls, type) and issubclass(spidercls, ArchiveSpider)):
            raise NotConfigured("not a newsarchive spider")
        settings = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        self.site = spidercls.site
        self.db_path = Path(settings.get("NEWSARCHIVE_DB"))
        self.trigger = settings.get("NEWSARCHIVE_TRIGGER", "manual")
        self.source = source_label(settings, self.site)
        self.batch_size = settings.getint("NEWSARCHIVE_BATCH_SIZE", BATCH_SIZE)
        self.capture_enabled = settings.getbool("NEWSARCHIVE_CAPTURE", True)
        self.processes = settings.getint("NEWSARCHIVE_PROCESSES", 1)
        self.health = health.HealthTally()  # how well the crawl's pages were read (one process: the spider's)
        if self.processes not in (1, 2):
            raise BadSetting(f"NEWSARCHIVE_PROCESSES is {self.processes}: 1 (one process) or 2 (capture and processing)")
        if self.processes == 2 and not self.capture_enabled:
            raise BadSetting("NEWSARCHIVE_PROCESSES = 2 processes what the crawl captures: it needs NEWSARCHIVE_CAPTURE")
        self.stage: ProcessingStage | None = None
        self.warc_dir = Path(settings.get("NEWSARCHIVE_WARC_DIR") or warc_dir_for(self.db_path))
        self.warc_max_size = settings.getint("NEWSARCHIVE_WARC_MAX_SIZE", 1_000_000_000)
        self.warc_gzip_level = settings.getint("NEWSARCHIVE_WARC_GZIP_LEVEL", GZIP_LEVEL)
        if not 0 <= self.warc_gzip_level <= 9:
            raise BadSetting(f"NEWSARCHIVE_WARC_GZIP_LEVEL is {self.warc_gzip_level}: a gzip level, 0 to 9")
        self.lock = ArchiveLock(self.db_path, wait=settings.getfloat("NEWSARCHIVE_LOCK_WAIT", 0))
        self.lock.acquire(self.lock.wait)  # one crawl at a time writes an archive: LockHeld otherwise
        self.writer = WriterThread(on_error=self._write_failed)
        self.crawl_id: int | None = None
        self.pending_captures: list[dict] = []
        self.pending_pages: dict[int, _PendingPage] = {}  # pages whose marks wait for their items
        self.captures: CaptureWriter | None = None
        self._closed = False
        self.reader = None
        try:
            self.archive, self.holders = self.writer.run(self._open, wait=True)
            # The crawl's reads (frontier rows, grouping lookups) on this thread, through a
            # connection of their own: point queries on the archive's indexes, nothing loaded whole.
            self.reader = read_connection(self.db_path)
        except BaseException:
            if self.reader is None:
                self.writer.run(lambda: getattr(self, "archive", None) and self.archive.close(), wait=True,
                                always=True)
            self.writer.stop()
            self.lock.release()
            raise
        state = ArchiveState(self.reader)
        self.frontier = CrawlFrontier(state, record=self._record_mark, site=self.site)
        self.batch = Batch(self.stats, size=self.batch_size, paper_of=partial(registry.paper_of, default=self.site))
        self.processor = Processor(state, self.stats)

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        for signal in (signals.item_scraped, signals.item_dropped):
            crawler.signals.connect(ext._item_done, signal=signal)
        crawler.signals.connect(ext._item_failed, signal=signals.item_error)
        return ext

    # --- on the writer thread ---------------------------------------------------------------------
    def _open(self):
        archive = Archive.open(self.db_path, paper_of=registry.paper_by_site_name, buckets_of=signature_buckets,
                               progress=_migration_progress)
        return archive, PayloadHolders(archive.db.conn)

    def _start_crawl(self) -> int:
        return self.archive.start_crawl(clock.timestamp(), self.source, self.site.name)

    def _write_capture(self, record_id: str, exchange: dict, version: str | None, tls_problem: str | None) -> None:
        if self.captures is None:
            self.captures = CaptureWriter(self.db_path, self.warc_dir, crawl_id=self.crawl_id,
                                          max_size=self.warc_max_size, holders=self.holders,
                                          gzip_level=self.warc_gzip_level)
        row = self.captures.write(record_id, exchange, version)
        row["tls_problem"] = tls_problem
        self.stats.inc_value(keys.capture_record(row["record_type"]))
        self.pending_captures.append(row)
        if len(self.pending_captures) >= self.batch_size:
            self._flush_captures()

    def _flush_captures(self) -> None:
        rows, self.pending_captures = self.pending_captures, []
        if rows:
            with self.archive.transaction():
                result = self.archive.save_captures(rows)
            for _, reason in result.rejected:
                self.stats.inc_value(keys.capture_dropped(reason))

    def _write_batch(self, rows) -> None:
        self._flush_captures()  # first, so that every row's capture is in the table
        self.batch.write(self.archive, self.crawl_id, rows)

    def _write_failed(self, exc: BaseException) -> None:
        """A write failed (on the writer thread): nothing more is written, and the crawl stops
        (reason archive_write_failed) with the error in its stats (newsarchive/write_error)."""
        from twisted.internet import reactor
        from scrapy.utils.defer import deferred_from_coro

        self.stats.inc_value(keys.WRITE_ERRORS)
        self.stats.set_value(keys.WRITE_ERROR, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        logger.error("Archive write failed, stopping the crawl: %s", exc)

        def stop():
            if self.crawler.engine is not None and self.crawler.engine.spider is not None and not self._closed:
                deferred_from_coro(self.crawler.engine.close_spider_async(reason=WRITE_FAILED))

        reactor.callFromThread(stop)

    def _finish(self, reason: str) -> None:
        self._flush_captures()
        if self.captures is not None:
            self.stats.set_value(keys.CAPTURE_FILES, self.captures.close())
        if self.stage is not None:  # every capture is committed: the processing stage finishes them
            self._stage_done()
        started = self.stats.get_value("start_time")
        if started is not None:
            self.stats.set_value(keys.STORED_SECONDS, round((clock.now() - started).total_seconds(), 3))
        self._store_health()
        stats = self.stats.get_stats()
        stats.setdefault("finish_reason", reason)
        self.archive.finish_crawl(self.crawl_id, clock.timestamp(), stats, keys.run_summary(stats, self.trigger))

    def _store_health(self) -> None:
        """The crawl's extraction health (crawler.processing.health), and its drift from the
        sites' recent crawls: stored, counted (keys.DRIFT) and said in the log."""
        rows = self.health.rows(self.crawl_id)
        if not rows:
            return
        recent = self.archive.recent_health(sorted({row["site"] for row in rows}), before=self.crawl_id,
                                            crawls=health.RECENT_CRAWLS * 4)
        drops = health.drift(rows, recent)
        self.archive.save_health(self.crawl_id, rows, drops)
        if drops:
            line = health.describe(drops)
            self.stats.set_value(keys.DRIFT, len(drops))
            self.stats.set_value(keys.DRIFT_LINE, line)
            logger.warning("Extraction %s", line)

    # --- what the components call -------------------------------------------------------------------
    def capture(self, *, url: str, method: str, request_headers: list[tuple[str, str]], status: int,
                reason: str, response_headers: list[tuple[str, str]], body: bytes, fetched_at: str,
                http_version: str = "HTTP/1.1", tls_problem: str | None = None) -> str | None:
        """Queue one exchange for WARC and the captures table; returns the capture's id at once."""
        if not self.capture_enabled:
            return None
        record_id = f"<urn:uuid:{uuid.uuid4()}>"
        exchange = dict(url=url, method=method, request_headers=request_headers, status=status, reason=reason,
                        response_headers=response_headers, body=body, fetched_at=fetched_at,
                        http_version=http_version)
        self.writer.run(self._write_capture, record_id, exchange, parser_version(url, self.site), tls_problem)
        return record_id

    def store(self, outcome: Outcome) -> None:
        """A processed item, to store with the next batch."""
        self.batch.add(outcome)

    def page_done(self, response, mark: UrlMark, items: int) -> None:
        """A page's mark, stored once its `items` have left the pipelines."""
        self.frontier.finish(mark)
        if items:
            pending = response.meta[PAGE_KEY] = _PendingPage(mark, items)
            self.pending_pages[id(pending)] = pending
        else:
            self._record_mark(mark)

    def _item_done(self, item, response=None, **kwargs) -> None:
        pending = response.meta.get(PAGE_KEY) if response is not None else None
        if pending is None:
            return
        pending.items -= 1
        if pending.items == 0:
            del response.meta[PAGE_KEY]
            del self.pending_pages[id(pending)]
            self._record_mark(self._failed_mark(pending.mark) if pending.failed else pending.mark)

    def _item_failed(self, item, response=None, **kwargs) -> None:
        """An item that failed in the pipelines (an error, not a drop): its page is not done."""
        pending = response.meta.get(PAGE_KEY) if response is not None else None
        if pending is not None:
            pending.failed = True
        self._item_done(item, response)

    def _failed_mark(self, mark: UrlMark) -> UrlMark:
        """The page's mark when one of its items could not be processed: failed, tried again
        with the failure back-off (never fetched with validators meanwhile: it is not done)."""
        known = self.frontier.known(mark.url) or {}
        self.stats.inc_value(keys.PROCESSING_ERRORS)
        return replace(mark, status="failed", reason="processing_error", etag=None, last_modified=None,
                       next_due=failure_backoff((known.get("attempts") or 0) + 1, mark.at))

    def _unfinished_pages(self) -> list[UrlMark]:
        """Pages whose items had not all left the pipelines when the crawl stopped: not done,
        due at once (their items may be lost; the next run fetches them again)."""
        now = clock.timestamp()
        marks = [UrlMark(url=p.mark.url, kind=p.mark.kind, status="skipped", at=now, reason="not_reached",
                         next_due=now, depth=p.mark.depth) for p in self.pending_pages.values()]
        self.pending_pages.clear()
        return marks

    def _record_mark(self, mark: UrlMark) -> None:
        self.batch.mark(mark, self.crawl_id)
        if mark.status != "discovered" and self.batch.full():
            self._flush()  # a page's mark comes after its items: cut batches there only

    def _flush(self) -> None:
        rows = self.batch.take()
        if any(rows):
            self.writer.run(self._write_batch, rows)

    # --- signals ---------------------------------------------------------------------------------
    def spider_opened(self, spider) -> None:
        self.crawl_id = self.writer.run(self._start_crawl, wait=True)
        self.stats.set_value(keys.CRAWL_ID, self.crawl_id)
        if self.processes == 2:
            self.stage = ProcessingStage(self.db_path, self.crawl_id, self.site.name)

    def spider_closed(self, spider, reason) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            if self.writer.failure is None:
                for mark in self.frontier.unfinished() + self._unfinished_pages():
                    self.batch.mark(mark, self.crawl_id)
                self._flush()
                try:
                    self.writer.run(self._finish, reason, wait=True)
                except Exception:  # noqa: S110 - reported by _write_failed, in the stats and the log
                    pass
        finally:
            self.writer.run(self._close_files, wait=True, always=True)
            self.writer.stop()
            self.lock.release()

    def _stage_done(self) -> None:
        """Wait for the processing stage to process the last captures; its stats join the crawl's.
        If it failed, the crawl says so as it does for a failed write (its captures are kept:
        `newsarchive reparse --crawl ID` processes them again)."""
        stage, self.stage = self.stage, None
        stats, error = stage.finish()
        self.health.merge(stats.pop(keys.STAGE_HEALTH, None) or [])
        for key, value in stats.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                self.stats.inc_value(key, value)
        if error is not None:
            self.stats.inc_value(keys.STAGE_ERRORS)
            self.stats.set_value(keys.STAGE_ERROR, error)
            self.stats.set_value(keys.WRITE_ERROR, f"the processing stage failed: {error}")
            logger.error("The processing stage failed: %s", error)

    def _close_files(self) -> None:
        """The WARC file and the archive, closed whatever happened before."""
        if self.captures is not None and self.writer.failure is not None:
            self.captures.close()
        if self.stage is not None:  # the crawl stopped before its end: the stage stops too
            self.stage.finish()
        self.reader.close()  # first: the archive's own connection, closed last, checkpoints the WAL
        self.archive.close()


class ProcessingStage:
    """The processing stage of a two-process crawl (crawler.ops.stage), in its own process."""

    def __init__(self, db_path: Path, crawl_id: int, site: str):
        # Its log goes to a file, read at the end: a pipe nobody reads while the crawl runs
        # would fill and stop it.
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "crawler.ops.stage", str(db_path), str(crawl_id), site],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log,
        )

    def finish(self) -> tuple[dict, str | None]:
        """Tell it the crawl captured its last page, wait for it: (its stats, its error or None)."""
        out, _ = self.proc.communicate()  # closes its standard input: the end
        self.log.seek(0)
        lines = self.log.read().decode("utf-8", "replace").strip().splitlines()
        self.log.close()
        if self.proc.returncode != 0:
            return {}, (lines[-1] if lines else f"exit status {self.proc.returncode}")[:500]
        try:
            return json.loads(out.decode("utf-8").strip().splitlines()[-1]), None
        except (ValueError, IndexError):
            return {}, "no stats from the processing stage"


def source_label(settings, site) -> str:
    """How the crawl fetched: "live", or "replay:<mirror or WARC files>"."""
    replay = replay_source(settings, site)
    return f"replay:{replay}" if replay else "live"


def replay_source(settings, site) -> str | None:
    """The mirror folder or WARC files a crawl replays, or None for a live crawl: the setting
    NEWSARCHIVE_REPLAY, else (unless NEWSARCHIVE_LIVE) the bundled mirror of the site crawled."""
    if settings.getbool("NEWSARCHIVE_LIVE"):
        return None
    if settings.get("NEWSARCHIVE_REPLAY"):
        return str(settings.get("NEWSARCHIVE_REPLAY"))
    mirror = registry.mirror(site)
    return str(mirror) if mirror else None
