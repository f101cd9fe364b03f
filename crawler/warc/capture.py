"""Captures: every response of a crawl kept as WARC records, and the row that indexes each one.

A payload identical to an earlier capture of the same URL is written as a revisit record that
refers to it, not as a second copy. No Scrapy and no SQL here: the caller stores the rows (in
the archive's captures table) and knows the earlier payloads (`holders`).
"""

from __future__ import annotations

from pathlib import Path

from crawler.frontier.urls import canonicalize
from crawler.warc.records import payload_digest
from crawler.warc.writer import GZIP_LEVEL, WarcWriter

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


def _header(headers: list[tuple[str, str]], name: str) -> str:
    return next((value for key, value in headers if key.lower() == name), "")


class CaptureWriter:
    """Writes exchanges as WARC records and gives back each one's capture row."""

    def __init__(self, db_path: str | Path, warc_dir: str | Path, *, crawl_id: int | None, max_size: int,
                 holders: dict[tuple[str, str], dict] | None = None, gzip_level: int = GZIP_LEVEL):
        self.db_path = Path(db_path)
        self.warc_dir = Path(warc_dir)
        self.crawl_id = crawl_id
        self.max_size = max_size
        self.gzip_level = gzip_level  # of the WARC records (crawler.warc.writer.GZIP_LEVEL)
        self.holders = holders if holders is not None else {}  # (canonical URL, digest) -> capture row
        self.writer: WarcWriter | None = None
        self._file_names: dict[str, str] = {}  # WARC file name -> as the captures table names it

    def write(self, record_id: str, exchange: dict, parser_version: str | None) -> dict:
        """Write one exchange (url, method, request_headers, status, reason, response_headers, body,
        fetched_at, http_version) and return its row for the captures table."""
        if self.writer is None:
            self.writer = WarcWriter(self.warc_dir, prefix=WARC_PREFIX, max_size=self.max_size,
                                     software="newsarchive", info={"crawl": str(self.crawl_id)},
                                     gzip_level=self.gzip_level)
        url, status, body = exchange["url"], exchange["status"], exchange["body"]
        canonical = canonicalize(url)
        digest = payload_digest(body)
        holder = self.holders.get((canonical, digest)) if status == 200 else None
        revisit = holder is not None
        metadata = {"crawl": str(self.crawl_id)}
        if parser_version:
            metadata["parser-version"] = parser_version
        metadata["canonical-url"] = canonical
        refs = self.writer.write_exchange(
            **exchange, record_id=record_id, digest=digest,
            revisit_of=(holder["url"], holder["fetched_at"]) if revisit else None,
            metadata=metadata,
        )
        main = refs["revisit" if revisit else "response"]
        row = {
            "id": record_id, "crawl": self.crawl_id, "url": url, "canonical_url": canonical,
            "fetched_at": exchange["fetched_at"], "status": status,
            "content_type": _header(exchange["response_headers"], "content-type"),
            "payload_digest": digest, "record_type": "revisit" if revisit else "response",
            "refers_to": holder["id"] if revisit else None,
            "warc_file": self._file_name(main.filename),
            "warc_offset": main.offset, "warc_length": main.length,
        }
        if not revisit and status == 200:
            self.holders[(canonical, digest)] = row
        return row

    def _file_name(self, filename: str) -> str:
        """warc_file_name of one of the writer's files, worked out (two Path.resolve()) once per file."""
        name = self._file_names.get(filename)
        if name is None:
            name = self._file_names[filename] = warc_file_name(self.db_path, self.warc_dir / filename)
        return name

    def close(self) -> list[str]:
        """Close the current file; the names of every file written (as the captures table names them)."""
        if self.writer is None:
            return []
        self.writer.close()
        return [self._file_name(p.name) for p in self.writer.paths]
