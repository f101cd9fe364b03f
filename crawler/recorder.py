"""The crawl's one writer: the archive connection, the crawl's row, and its WARC files.

The capture middleware and the store pipeline share one Recorder per crawl (`Recorder.of`):
every response goes to WARC first, its capture row is indexed in SQLite, and the items parsed
from it point to that capture. A payload identical to an earlier capture of the same URL is
written as a revisit record that refers to it, not as a second copy.
"""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy import signals

from crawler.clock import utc_now
from crawler.pages import PARSER_VERSION
from crawler.storage import Archive
from crawler.urls import canonicalize
from crawler.warc import WarcWriter, payload_digest

logger = logging.getLogger(__name__)
WARC_PREFIX = "newsarchive"


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
    def __init__(self, db_path: str | Path, *, source: str = "", warc_dir: str | Path | None = None,
                 warc_max_size: int = 1_000_000_000, capture: bool = True, stats=None):
        self.db_path = Path(db_path)
        self.source = source
        self.warc_dir = Path(warc_dir) if warc_dir else warc_dir_for(self.db_path)
        self.warc_max_size = warc_max_size
        self.capture_enabled = capture
        self.stats = stats
        self.archive: Archive | None = None
        self.crawl_id: int | None = None
        self.writer: WarcWriter | None = None
        self.holders: dict[tuple[str, str], dict] = {}  # (canonical URL, digest) -> capture holding it
        self.pending: list[dict] = []  # capture rows not yet written

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
            )
            crawler._newsarchive_recorder = recorder
            crawler.signals.connect(recorder.spider_closed, signal=signals.spider_closed)
        return recorder

    def open(self) -> None:
        """Open the archive and start the crawl's row (once; later calls do nothing)."""
        if self.archive is not None:
            return
        self.archive = Archive(self.db_path)
        self.crawl_id = self.archive.start_crawl(utc_now(), self.source)
        self.holders = self.archive.payload_holders()
        if self.stats is not None:
            self.stats.set_value("newsarchive/crawl_id", self.crawl_id)

    # --- capture ---------------------------------------------------------------------------------
    def record(self, *, url: str, method: str, request_headers: list[tuple[str, str]], status: int,
               reason: str, response_headers: list[tuple[str, str]], body: bytes, fetched_at: str,
               http_version: str = "HTTP/1.1") -> str | None:
        """Write one exchange to WARC and queue its capture row; returns the capture's id."""
        if not self.capture_enabled:
            return None
        self.open()
        if self.writer is None:
            self.writer = WarcWriter(self.warc_dir, prefix=WARC_PREFIX, max_size=self.warc_max_size,
                                     software="newsarchive", info={"crawl": str(self.crawl_id)})
        canonical = canonicalize(url)
        digest = payload_digest(body)
        holder = self.holders.get((canonical, digest)) if status == 200 else None
        revisit = holder is not None
        refs = self.writer.write_exchange(
            url=url, method=method, request_headers=request_headers, status=status, reason=reason,
            response_headers=response_headers, body=body, fetched_at=fetched_at, http_version=http_version,
            revisit_of=(holder["url"], holder["fetched_at"]) if revisit else None,
            metadata={"crawl": str(self.crawl_id), "parser-version": PARSER_VERSION, "canonical-url": canonical},
        )
        main = refs["revisit" if revisit else "response"]
        row = {
            "id": main.record_id, "crawl": self.crawl_id, "url": url, "canonical_url": canonical,
            "fetched_at": fetched_at, "status": status, "content_type": _header(response_headers, "content-type"),
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
        return row["id"]

    def flush_captures(self) -> None:
        rows, self.pending = self.pending, []
        if rows and self.archive is not None:
            result = self.archive.save_captures(rows)
            for _, reason in result.rejected:
                self.stats.inc_value(f"capture/dropped/{reason}")

    # --- end of the crawl ------------------------------------------------------------------------
    def spider_closed(self, spider, reason):
        if self.archive is None:
            return
        self.flush_captures()
        if self.writer is not None:
            self.writer.close()
            self.stats.set_value("capture/warc_files", [warc_file_name(self.db_path, p) for p in self.writer.paths])
        self.archive.finish_crawl(self.crawl_id, utc_now(), self.stats.get_stats() if self.stats else {})
        self.archive.close()
        self.archive = None


def _header(headers: list[tuple[str, str]], name: str) -> str:
    return next((value for key, value in headers if key.lower() == name), "")
