"""Re-parse archived responses with the current page objects, without the network.

Reads the captures table in the order the captures were made, takes each payload from its WARC
record, and passes what the page objects extract through the crawl's own pipelines (normalize,
validate, deduplicate, store), crawl by crawl: every row keeps the crawl and time of the capture
it came from, so rebuilding the extracted tables from the WARC files gives the rows the crawls
wrote, and running it again changes nothing.

`import_warc` first indexes WARC files written by another tool as a crawl of their own.
"""

from __future__ import annotations

import gzip
import zlib
from collections import Counter
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from scrapy.exceptions import DropItem

from crawler.clock import utc_now
from crawler.items import page_items
from crawler.pages import PageError, parse_bytes
from crawler.recorder import Recorder, warc_file_name
from crawler.storage import Archive
from crawler.urls import canonicalize, is_fetchable, known_site, trusted_canonical
from crawler.warc import WarcError, iter_captures, read_record, warc_paths
from pipelines.deduplicate import DeduplicatePipeline
from pipelines.normalize import NormalizePipeline
from pipelines.store import StorePipeline
from pipelines.validate import ValidatePipeline

Progress = Callable[[int, int], None]


class ReparseError(Exception):
    """Nothing can be re-parsed (no archive, unreadable WARC)."""


class Stats:
    """The part of Scrapy's stats collector the pipelines use, without a crawler."""

    def __init__(self):
        self.values: dict = {}

    def inc_value(self, key, count=1, start=0):
        self.values[key] = self.values.get(key, start) + count

    def get_value(self, key, default=None):
        return self.values.get(key, default)

    def set_value(self, key, value):
        self.values[key] = value

    def get_stats(self) -> dict:
        return dict(self.values)


@dataclass
class Skip(Exception):
    reason: str


def _decoded_payload(body: bytes, headers: list[tuple[str, str]]) -> bytes:
    """The payload with its Content-Encoding undone (gzip, deflate), as the crawl's middleware does."""
    encodings = [v.strip().lower() for k, v in headers if k.lower() == "content-encoding" for v in v.split(",")]
    for encoding in reversed([e for e in encodings if e and e != "identity"]):
        try:
            if encoding in ("gzip", "x-gzip"):
                body = gzip.decompress(body)
            elif encoding == "deflate":
                try:
                    body = zlib.decompress(body)
                except zlib.error:
                    body = zlib.decompress(body, -zlib.MAX_WBITS)  # raw deflate, as some servers send
            else:
                raise Skip(f"content_encoding_{encoding}")
        except (OSError, EOFError, zlib.error):
            raise Skip("undecodable_body") from None
    return body


def _content_type(headers: list[tuple[str, str]]) -> str:
    return next((v for k, v in headers if k.lower() == "content-type"), "")


def parse_capture(capture: dict, base: Path, *, known_sites_only: bool = False):
    """The page parsed from one captured response; Skip(reason) if it has none.

    `known_sites_only`: for captures another tool made, parse only the sites a page object
    is written for (a crawl's own captures were all parsed by the crawl).
    """
    if urlsplit(capture["url"]).path == "/robots.txt":
        raise Skip("robots_txt")
    if known_sites_only and not known_site(urlsplit(capture["canonical_url"]).netloc):
        raise Skip("no_page_object_for_site")
    status = capture["status"] or 0
    if not 200 <= status < 300:
        raise Skip(f"status_{status}")
    path = Path(capture["payload_file"])
    path = path if path.is_absolute() else base / path
    try:
        record = read_record(path.parent, path.name, capture["payload_offset"])
    except (OSError, WarcError) as exc:
        raise Skip(f"unreadable_record: {str(exc).splitlines()[0][:120]}") from None
    headers = list(record.headers)
    content_type = _content_type(headers).lower()
    if content_type and not content_type.startswith(("text/", "application/xhtml")):
        raise Skip("not_text")
    body = _decoded_payload(record.body, headers)
    try:
        return parse_bytes(capture["url"], body, _content_type(headers))
    except PageError:
        raise Skip("unparseable") from None


def reparse(db_path: str | Path, *, since: str | None = None, url_glob: str | None = None,
            crawl: int | None = None, progress: Progress | None = None, batch_size: int = 500) -> dict:
    """Re-parse the selected captures into the archive's extracted tables; returns counts."""
    db_path = Path(db_path)
    if not db_path.exists():
        raise ReparseError(f"no archive at {db_path}")
    base = db_path.resolve().parent
    stats = Stats()
    archive = Archive(db_path)
    recorder = Recorder(db_path, capture=False, stats=stats)
    recorder.attach(archive, None)  # write through this connection; no crawl row of its own
    try:
        captures = archive.captures(since=since, url_glob=url_glob, crawl=crawl)
        imported = {r["id"] for r in archive.query("SELECT id FROM crawls WHERE source LIKE 'import:%'")}
        total, done = len(captures), 0
        stats.set_value("reparse/captures", total)
        normalize, validate = NormalizePipeline(stats), ValidatePipeline(stats)
        for crawl, group in groupby(captures, key=lambda c: c["crawl"]):
            recorder.crawl_id = crawl
            dedup = DeduplicatePipeline(stats, str(db_path))
            dedup.open_spider()
            store = StorePipeline(stats, recorder, batch_size)
            store.open_spider()
            for capture in group:
                done += 1
                try:
                    page = parse_capture(capture, base, known_sites_only=crawl in imported)
                except Skip as skip:
                    stats.inc_value(f"reparse/skipped/{skip.reason.split(':')[0]}")
                    continue
                stats.inc_value("reparse/pages")
                canonical = trusted_canonical(capture["url"], page.canonical_link)
                for item in page_items(page, capture["fetched_at"], capture["id"], fetched_url=capture["url"],
                                       canonical=canonical):
                    try:
                        store.process_item(dedup.process_item(validate.process_item(normalize.process_item(item))))
                    except DropItem:
                        pass
                store.maybe_flush()
                if progress is not None:
                    progress(done, total)
            store.flush()
        if progress is not None:
            progress(done, total)
    finally:
        archive.close()
    return stats.get_stats()


def import_warc(db_path: str | Path, source: str | Path, *, on_error=None) -> tuple[int, int]:
    """Index the response records of WARC files (another tool's too) as one new crawl.

    Returns (crawl id, captures indexed). Records already indexed are left as they are.
    """
    db_path = Path(db_path)
    paths = warc_paths(source)
    if not paths:
        raise ReparseError(f"no WARC files in {source}")
    archive = Archive(db_path)
    try:
        crawl = archive.start_crawl(utc_now(), f"import:{Path(source).resolve()}")
        rows, holders = [], {}
        for path in paths:
            for c in iter_captures(path, on_error=on_error):
                if not is_fetchable(c.url):
                    continue
                canonical = canonicalize(c.url)
                refers_to = None
                if c.record_type == "revisit":
                    refers_to = holders.get((canonical, c.payload_digest)) or holders.get(c.payload_digest)
                    if refers_to is None:
                        if on_error is not None:
                            on_error(path.name, c.offset, f"revisit of {c.url} refers to no record here")
                        continue
                else:
                    holders[(canonical, c.payload_digest)] = c.record_id
                    holders.setdefault(c.payload_digest, c.record_id)
                rows.append({
                    "id": c.record_id, "crawl": crawl, "url": c.url, "canonical_url": canonical,
                    "fetched_at": c.fetched_at, "status": c.status, "content_type": c.content_type,
                    "payload_digest": c.payload_digest,
                    "record_type": c.record_type,
                    "refers_to": refers_to, "warc_file": warc_file_name(db_path, path),
                    "warc_offset": c.offset, "warc_length": c.length,
                })
        result = archive.save_captures(rows)
        archive.finish_crawl(crawl, utc_now(), {"import/captures": result.written,
                                                "import/records": len(rows)})
        return crawl, result.written
    finally:
        archive.close()


def skipped_summary(stats: dict) -> Counter:
    return Counter({k.removeprefix("reparse/skipped/"): v for k, v in stats.items() if k.startswith("reparse/skipped/")})
