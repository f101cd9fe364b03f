"""The crawl's one writer: the archive connection, the crawl's row, and its WARC files.

The capture middleware and the store pipeline share one Recorder per crawl (`Recorder.of`):
every response goes to WARC first, its capture row is indexed in SQLite, and the items parsed
from it point to that capture. A payload identical to an earlier capture of the same URL is
written as a revisit record that refers to it, not as a second copy.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import uuid
from concurrent.futures import Future
from pathlib import Path

from scrapy import signals

from crawler.clock import utc_now
from crawler.pages import PARSER_VERSION
from crawler.storage import Archive
from crawler.urls import canonicalize
from crawler.warc import WarcWriter, payload_digest

logger = logging.getLogger(__name__)
WARC_PREFIX = "newsarchive"
CAPTURE_BATCH = 500  # capture rows written in one transaction


def warc_dir_for(db_path: str | Path) -> Path:
    """Where an archive's WARC files go by default: data/archive.db -> data/archive-warc/."""
    db_path = Path(db_path)
    return db_path.with_name(db_path.stem + "-warc")


def warc_file_name(db_path: str | Path, warc_path: Path) -> str:
    """A WARC file as the captures table names it: relative to the archive's folder if inside it."""
    base = Path(db_path).resolve().parent
    warc_path = warc_path.resolve()
    return warc_path.relative_to(base).as_posix() if warc_path.is_relative_to(base) else str(warc_path)


class Recorder:
    """Owns the archive connection, the crawl's row and the WARC files.

    With `background=True` (a crawl) every write runs, in order, on one writer thread, so that
    gzip, SHA-1 and SQLite (which release the GIL) run beside the crawl instead of inside it;
    the crawl only hands over work, and waits when more than QUEUE_SIZE jobs are pending.
    Without (a re-parse), writes run where they are called.
    """

    QUEUE_SIZE = 64

    def __init__(self, db_path: str | Path, *, source: str = "", warc_dir: str | Path | None = None,
                 warc_max_size: int = 1_000_000_000, capture: bool = True, stats=None,
                 background: bool = False):
        self.db_path = Path(db_path)
        self.source = source
        self.warc_dir = Path(warc_dir) if warc_dir else warc_dir_for(self.db_path)
        self.warc_max_size = warc_max_size
        self.capture_enabled = capture
        self.stats = stats
        self.background = background
        self.archive: Archive | None = None
        self.crawl_id: int | None = None
        self.writer: WarcWriter | None = None
        self.holders: dict[tuple[str, str], dict] = {}  # (canonical URL, digest) -> capture holding it
        self.pending: list[dict] = []  # capture rows not yet written
        self.trigger = "manual"
        self._opened = False
        self._jobs: queue.Queue | None = None
        self._thread: threading.Thread | None = None

    @classmethod
    def of(cls, crawler) -> Recorder:
        """The crawl's Recorder, made on first use from the crawler's settings."""
        recorder = getattr(crawler, "_newsarchive_recorder", None)
        if recorder is None:
            settings = crawler.settings
            recorder = cls(
                settings.get("NEWSARCHIVE_DB"),
                source=settings.get("NEWSARCHIVE_SOURCE", ""),
                warc_dir=settings.get("NEWSARCHIVE_WARC_DIR"),
                warc_max_size=settings.getint("NEWSARCHIVE_WARC_MAX_SIZE", 1_000_000_000),
                capture=settings.getbool("NEWSARCHIVE_CAPTURE", True),
                stats=crawler.stats,
                background=True,
            )
            recorder.trigger = settings.get("NEWSARCHIVE_TRIGGER", "manual")
            crawler._newsarchive_recorder = recorder
            crawler.signals.connect(recorder.spider_closed, signal=signals.spider_closed)
        return recorder

    # --- the writer --------------------------------------------------------------------------------
    def open(self) -> None:
        """Open the archive and start the crawl's row (once; later calls do nothing)."""
        if self._opened:
            return
        self._opened = True
        if self.background:
            self._jobs = queue.Queue(maxsize=self.QUEUE_SIZE)
            self._thread = threading.Thread(target=self._work, name="newsarchive-writer", daemon=True)
            self._thread.start()
        self.run(self._open_archive, wait=True)

    def attach(self, archive: Archive, crawl_id: int | None) -> None:
        """Write through an open archive, for a crawl that already has its row (re-parse)."""
        self.archive, self.crawl_id, self._opened = archive, crawl_id, True

    def _open_archive(self) -> None:
        self.archive = Archive(self.db_path)
        self.crawl_id = self.archive.start_crawl(utc_now(), self.source)
        self.holders = self.archive.payload_holders()
        if self.stats is not None:
            self.stats.set_value("newsarchive/crawl_id", self.crawl_id)

    def run(self, fn, *args, wait: bool = False):
        """fn(*args) on the writer: queued to its thread (its result if `wait`), or now."""
        if self._thread is None:
            return fn(*args)
        future: Future = Future()
        if not wait:
            future.add_done_callback(self._report)
        self._jobs.put((fn, args, future))
        return future.result() if wait else None

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            fn, args, future = job
            try:
                future.set_result(fn(*args))
            except BaseException as exc:  # handed to whoever waits, or logged
                future.set_exception(exc)

    def _report(self, future: Future) -> None:
        if future.exception() is not None:
            logger.error("Archive write failed: %s", future.exception(), exc_info=future.exception())
            if self.stats is not None:
                self.stats.inc_value("newsarchive/write_errors")

    def _stop(self) -> None:
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join()
            self._thread = None

    # --- capture ---------------------------------------------------------------------------------
    def record(self, *, url: str, method: str, request_headers: list[tuple[str, str]], status: int,
               reason: str, response_headers: list[tuple[str, str]], body: bytes, fetched_at: str,
               http_version: str = "HTTP/1.1") -> str | None:
        """Queue one exchange for WARC and the captures table; returns the capture's id at once."""
        if not self.capture_enabled:
            return None
        self.open()
        record_id = f"<urn:uuid:{uuid.uuid4()}>"
        self.run(self._write_capture, record_id, dict(
            url=url, method=method, request_headers=request_headers, status=status, reason=reason,
            response_headers=response_headers, body=body, fetched_at=fetched_at, http_version=http_version,
        ))
        return record_id

    def _write_capture(self, record_id: str, exchange: dict) -> None:
        if self.writer is None:
            self.writer = WarcWriter(self.warc_dir, prefix=WARC_PREFIX, max_size=self.warc_max_size,
                                     software="newsarchive", info={"crawl": str(self.crawl_id)})
        url, status, body = exchange["url"], exchange["status"], exchange["body"]
        canonical = canonicalize(url)
        digest = payload_digest(body)
        holder = self.holders.get((canonical, digest)) if status == 200 else None
        revisit = holder is not None
        refs = self.writer.write_exchange(
            **exchange, record_id=record_id,
            revisit_of=(holder["url"], holder["fetched_at"]) if revisit else None,
            metadata={"crawl": str(self.crawl_id), "parser-version": PARSER_VERSION, "canonical-url": canonical},
        )
        main = refs["revisit" if revisit else "response"]
        row = {
            "id": record_id, "crawl": self.crawl_id, "url": url, "canonical_url": canonical,
            "fetched_at": exchange["fetched_at"], "status": status,
            "content_type": _header(exchange["response_headers"], "content-type"),
            "payload_digest": digest, "record_type": "revisit" if revisit else "response",
            "refers_to": holder["id"] if revisit else None,
            "warc_file": warc_file_name(self.db_path, self.warc_dir / main.filename),
            "warc_offset": main.offset, "warc_length": main.length,
        }
        if not revisit and status == 200:
            self.holders[(canonical, digest)] = row
        self.pending.append(row)
        if self.stats is not None:
            self.stats.inc_value(f"capture/{row['record_type']}")
        if len(self.pending) >= CAPTURE_BATCH:
            self.flush_captures()

    def flush_captures(self) -> None:
        """Write the pending capture rows (on the writer)."""
        rows, self.pending = self.pending, []
        if rows and self.archive is not None:
            result = self.archive.save_captures(rows)
            for _, reason in result.rejected:
                self.stats.inc_value(f"capture/dropped/{reason}")

    # --- end of the crawl ------------------------------------------------------------------------
    def spider_closed(self, spider, reason):
        if not self._opened:
            return
        try:
            self.run(self._finish, wait=True)
        finally:
            self._stop()

    def _finish(self) -> None:
        self.flush_captures()
        if self.writer is not None:
            self.writer.close()
            self.stats.set_value("capture/warc_files", [warc_file_name(self.db_path, p) for p in self.writer.paths])
        stats = self.stats.get_stats() if self.stats else {}
        self.archive.finish_crawl(self.crawl_id, utc_now(), stats)
        self.archive.record_run(self.crawl_id, run_summary(stats, self.trigger))
        self.archive.close()
        self.archive = None


def run_summary(stats: dict, trigger: str) -> dict:
    """The crawls row's figures of a run, from its stats."""

    def by_reason(status: str) -> str:
        prefix = f"frontier/{status}/"
        return json.dumps({k[len(prefix):]: v for k, v in sorted(stats.items()) if k.startswith(prefix)})

    return {
        "trigger": trigger,
        "pages_fetched": stats.get("frontier/fetched", 0),
        "not_modified": stats.get("frontier/fetched/not_modified", 0),
        "failed": by_reason("failed"),
        "skipped": by_reason("skipped"),
        "new_articles": stats.get("dedup/articles/new", 0),
        "new_versions": stats.get("store/articles/new_versions", 0),
        "new_headlines": stats.get("store/headlines/new", 0),
        "sightings": stats.get("store/sightings/written", 0),
    }


def _header(headers: list[tuple[str, str]], name: str) -> str:
    return next((value for key, value in headers if key.lower() == name), "")
