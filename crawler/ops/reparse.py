"""Re-parse archived responses with the current page objects, without the network.

Reads the captures table in the order the captures were made, takes each payload from its WARC
record, and runs what the page objects extract through the crawl's own processing core
(crawler.processing: normalise, validate, group) and storage (crawler.archive.batch), crawl by
crawl: every row keeps the crawl and time of the capture it came from, so rebuilding the
extracted tables from the WARC files gives the rows the crawls wrote, and running it again
changes nothing.

`import_warc` first indexes WARC files written by another tool as a crawl of their own (trigger
"import"), and `finish_import` records what re-parsing them wrote in that crawl's row.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import zlib
from dataclasses import dataclass
from functools import partial
from collections import deque
from itertools import groupby, islice
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from crawler.archive.batch import BATCH_SIZE, Batch
from crawler.archive.state import ArchiveState
from crawler.archive.store import Archive
from crawler.core import clock
from crawler.core import stats as keys
from crawler.core.items import Article, PageError, page_items
from crawler.frontier.urls import canonicalize, trusted_canonical
from crawler.processing import Drop, Processor
from crawler.processing.health import HealthTally
from crawler.sites import registry
from crawler.sites.parse import NoPageObject, parse_bytes
from crawler.sites.spec import SiteSpec
from crawler.warc.capture import warc_file_name
from crawler.warc.reader import read_record
from crawler.warc.records import WarcError, warc_paths
from crawler.warc.replay import resolved_captures

Progress = Callable[[int, int], None]


class ReparseError(Exception):
    """Nothing can be re-parsed (no archive, unreadable WARC)."""


@dataclass
class Skip(Exception):
    reason: str


MAX_DECODED_BYTES = 10 * 1024 * 1024  # as the crawl's DOWNLOAD_MAXSIZE: a larger body is skipped
_CHUNK = 64 * 1024


def _inflate(body: bytes, wbits: int, limit: int) -> bytes:
    """Decompress chunk by chunk, never holding more than `limit` bytes of output (a capture may
    be a gzip bomb the crawl refused: the WARC keeps the raw, compressed body). Several gzip
    members follow each other; a stream cut short is undecodable, as gzip.decompress says."""
    out = bytearray()
    data = body
    while data:
        inflater = zlib.decompressobj(wbits)
        while data and not inflater.eof:
            out += inflater.decompress(data, limit + 1 - len(out))
            if len(out) > limit:
                raise Skip("too_large")
            data = inflater.unconsumed_tail
        if not inflater.eof:
            raise Skip("undecodable_body")
        data = inflater.unused_data if wbits > zlib.MAX_WBITS else b""  # the next gzip member
    return bytes(out)


def _decoded_payload(body: bytes, headers: list[tuple[str, str]], limit: int = MAX_DECODED_BYTES) -> bytes:
    """The payload with its Content-Encoding undone (gzip, deflate), as the crawl's middleware does,
    up to `limit` bytes (Skip("too_large") past it)."""
    encodings = [v.strip().lower() for k, v in headers if k.lower() == "content-encoding" for v in v.split(",")]
    for encoding in reversed([e for e in encodings if e and e != "identity"]):
        try:
            if encoding in ("gzip", "x-gzip"):
                body = _inflate(body, 16 + zlib.MAX_WBITS, limit)
            elif encoding == "deflate":
                try:
                    body = _inflate(body, zlib.MAX_WBITS, limit)
                except zlib.error:
                    body = _inflate(body, -zlib.MAX_WBITS, limit)  # raw deflate, as some servers send
            else:
                raise Skip(f"content_encoding_{encoding}")
        except (OSError, EOFError, zlib.error):
            raise Skip("undecodable_body") from None
    if len(body) > limit:
        raise Skip("too_large")
    return body


def _content_type(headers: list[tuple[str, str]]) -> str:
    return next((v for k, v in headers if k.lower() == "content-type"), "")


def parse_capture(capture: dict, base: Path, *, site: SiteSpec | None = None):
    """The page parsed from one captured response; Skip(reason) if it has none.

    The page object is the one of the URL's site, else of `site`, the site the capture's crawl
    crawled (None for another tool's captures: only URLs of a registered site are parsed).
    """
    if urlsplit(capture["url"]).path == "/robots.txt":
        raise Skip("robots_txt")
    if (registry.site_for_url(capture["canonical_url"]) or site) is None:
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
        return parse_bytes(capture["url"], body, _content_type(headers), site=site)
    except NoPageObject:
        raise Skip("no_page_object_for_site") from None
    except PageError:
        raise Skip("unparseable") from None


def _crawl_site(recorded: str | None, default: SiteSpec) -> SiteSpec | None:
    """The site a crawl crawled: its recorded name; "" for crawls made before sites were
    recorded (the default site); None for imports of other tools' WARC files."""
    if recorded is None:
        return None
    try:
        return registry.site(recorded) if recorded else default
    except KeyError:
        return None


def parse_job(job: tuple[dict, str, str | None]) -> tuple[str | None, list, list]:
    """(capture, base folder, site name) -> (None, the items of its page, its extraction health)
    or (the reason it has none, [], []). Pure but for reading the WARC record: what the parsing
    processes of `reparse --processes N` run. The health is a one-page HealthTally, as JSON."""
    capture, base, site_name = job
    site = registry.site(site_name) if site_name else None
    try:
        page = parse_capture(capture, Path(base), site=site)
    except Skip as skip:
        return skip.reason.split(":")[0], [], []
    canonical = trusted_canonical(capture["url"], page.canonical_link)
    items = list(page_items(page, capture["fetched_at"], capture["id"], fetched_url=capture["url"],
                            canonical=canonical))
    spec = registry.site_for_url(capture["canonical_url"]) or site
    health = HealthTally()
    if spec is not None:
        health.observe(spec.name, page, article_url=spec.is_article(capture["canonical_url"]))
    if page.rejected:
        return f"{REJECTED}{page.rejected}", [], health.to_json()
    return None, items, health.to_json()


REJECTED = "rejected_"  # the skip reason of a page that is not an article after all: rejected_soft_404


class CaptureProcessor:
    """Captures of one crawl through the page objects, the processing core and the batched
    writes: what `reparse` does for every crawl, and the processing stage of a two-process crawl
    (crawler.ops.stage) for the crawl it follows."""

    def __init__(self, archive: Archive, crawl_id: int | None, *, site: SiteSpec | None, stats,
                 batch: Batch, as_of: str | None = None, pages_key: str = keys.REPARSE_PAGES,
                 skipped_key: Callable[[str], str] = keys.reparse_skipped, count_no_article: bool = False):
        self.archive = archive
        self.crawl_id = crawl_id
        self.site = site
        self.stats = stats
        self.batch = batch
        self.pages_key = pages_key
        self.skipped_key = skipped_key
        self.count_no_article = count_no_article  # article URLs whose page held no article, counted
        self.base = str(archive.path.resolve().parent)
        # The archive's state as the crawl is processed (its lookups see what earlier batches wrote).
        self.processor = Processor(ArchiveState(archive.db.conn, as_of=as_of), stats)
        self.health = HealthTally()  # how well its pages were read (crawler.processing.health)

    def job(self, capture: dict) -> tuple[dict, str, str | None]:
        """What parse_job needs to parse a capture of this crawl."""
        return capture, self.base, self.site.name if self.site else None

    def process(self, capture: dict) -> None:
        self.store(parse_job(self.job(capture)), capture)

    def store(self, parsed: tuple[str | None, list], capture: dict | None = None) -> None:
        """A capture's page, parsed (parse_job): its items processed and batched."""
        skipped, items, health = parsed
        self.health.merge(health)
        if skipped is not None:
            if skipped.startswith(REJECTED):  # parsed, and found not to be an article
                self.stats.inc_value(self.pages_key)
                self.stats.inc_value(keys.rejected_page(skipped.removeprefix(REJECTED)))
            else:
                self.stats.inc_value(self.skipped_key(skipped))
            return
        self.stats.inc_value(self.pages_key)
        if self.count_no_article and capture is not None and not any(isinstance(i, Article) for i in items):
            spec = registry.site_for_url(capture["canonical_url"]) or self.site
            if spec is not None and spec.is_article(capture["canonical_url"]):
                self.stats.inc_value(keys.NO_ARTICLE)
        for item in items:
            try:
                self.batch.add(self.processor.process(item))
            except Drop:
                pass  # counted by the stage that dropped it
        if self.batch.full():
            self.flush()

    def flush(self) -> None:
        self.batch.write(self.archive, self.crawl_id, self.batch.take())


@contextlib.contextmanager
def parsers(processes: int):
    """A function mapping parse jobs to their results, in order: in this process, or with
    `processes` - 1 parsing processes beside this one (multiprocessing's pool: each page is
    parsed where it is read, and only its items, a few KB, come back). The jobs are taken in
    this thread (they come from the archive's connection), a window at a time, one window
    ahead of the results."""
    if processes <= 1:
        yield lambda jobs: map(parse_job, jobs)
        return
    # fork where there is one: the parsing processes start with everything imported (forkserver
    # or spawn import the project again in each, a second or more of a short re-parse). This
    # process has no other thread when the pool starts.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with context.Pool(processes - 1) as pool:
        yield lambda jobs: _ahead(pool, jobs)
        pool.close()
        pool.join()


PARSE_WINDOW = 256  # captures handed to the parsing processes at a time
PARSE_CHUNK = 16  # captures a parsing process takes at a time


def _ahead(pool, jobs):
    pending: deque = deque()
    jobs = iter(jobs)
    while window := list(islice(jobs, PARSE_WINDOW)):
        pending.append(pool.map_async(parse_job, window, chunksize=PARSE_CHUNK))
        if len(pending) > 1:
            yield from pending.popleft().get()
    while pending:
        yield from pending.popleft().get()


def reparse(archive: Archive, *, since: str | None = None, url_glob: str | None = None,
            crawl: int | None = None, progress: Progress | None = None, batch_size: int = BATCH_SIZE,
            default_site: SiteSpec, processes: int = 1) -> dict:
    """Re-parse the selected captures into the archive's extracted tables; returns the stats.
    `processes` > 1: pages are parsed in `processes` - 1 processes beside this one, which groups
    and writes them in capture order (the same rows as with one)."""
    stats = keys.Stats()
    total, done = archive.count_captures(since=since, url_glob=url_glob, crawl=crawl), 0
    captures = archive.captures(since=since, url_glob=url_glob, crawl=crawl)
    sites = archive.crawl_sites()
    started = {row["id"]: row["started"] for row in archive.query("SELECT id, started FROM crawls")}
    stats.set_value(keys.REPARSE_CAPTURES, total)
    batch = Batch(stats, size=batch_size)
    with parsers(processes) as parse_many:
        for crawl_id, group in groupby(captures, key=lambda c: c["crawl"]):
            site = _crawl_site(sites.get(crawl_id, ""), default_site)
            batch.paper_of = partial(registry.paper_of, default=site or default_site)
            worker = CaptureProcessor(archive, crawl_id, site=site, stats=stats, batch=batch,
                                      as_of=started.get(crawl_id))
            for parsed in parse_many(worker.job(capture) for capture in group):
                done += 1
                worker.store(parsed)
                if progress is not None:
                    progress(done, total)
            worker.flush()
            if crawl_id is not None and worker.health:
                archive.save_health(crawl_id, worker.health.rows(crawl_id))  # what this parse found
    if progress is not None:
        progress(done, total)
    return stats.get_stats()


def import_warc(archive: Archive, source: str | Path, *, on_error=None) -> tuple[int, int]:
    """Index the response records of WARC files (another tool's too) as one new crawl.

    Returns (crawl id, captures indexed). Records already indexed are left as they are.
    """
    paths = warc_paths(source)
    if not paths:
        raise ReparseError(f"no WARC files in {source}")
    bad_files = []

    def bad_file(path: Path, exc: WarcError) -> None:
        bad_files.append(path)
        if on_error is not None:
            on_error(path.name, 0, f"skipped the whole file: {exc}")

    started = clock.timestamp()
    rows = []
    for path, c, _, holder in resolved_captures(paths, on_error=on_error, on_bad_file=bad_file):
        rows.append({
            "id": c.record_id, "url": c.url, "canonical_url": canonicalize(c.url),
            "fetched_at": c.fetched_at, "status": c.status, "content_type": c.content_type,
            "payload_digest": c.payload_digest, "record_type": c.record_type,
            "refers_to": holder.record_id if c.record_type == "revisit" else None,
            "warc_file": warc_file_name(archive.path, path), "warc_offset": c.offset, "warc_length": c.length,
        })
    if len(bad_files) == len(paths):
        raise ReparseError(f"no WARC file in {source} could be read: {bad_files[0].name} is not a WARC file")
    crawl = archive.start_crawl(started, f"import:{Path(source).resolve()}")
    for row in rows:
        row["crawl"] = crawl
    with archive.transaction():
        result = archive.save_captures(rows)
    stats = {keys.IMPORT_CAPTURES: result.written, keys.IMPORT_RECORDS: len(rows),
             keys.IMPORT_BAD_FILES: len(bad_files), "finish_reason": "finished"}
    archive.finish_crawl(crawl, clock.timestamp(), stats, import_summary(stats))
    return crawl, result.written


IMPORT_TRIGGER = "import"  # the crawls row's trigger of an import (a crawl's is manual, schedule...)


def import_summary(stats: dict) -> dict:
    """The crawls row's columns of an import, as a crawl's (keys.run_summary), so that `status`
    shows it as what it did: its captures as the pages it "fetched", what re-parsing them wrote,
    and the captures skipped by reason."""
    return {
        **keys.run_summary(stats, IMPORT_TRIGGER),
        "pages_fetched": stats.get(keys.IMPORT_CAPTURES, 0),
        "pages_parsed": stats.get(keys.REPARSE_PAGES, 0),
        "skipped": json.dumps(keys.reparse_skips(stats)),
    }


def finish_import(archive: Archive, crawl: int, reparse_stats: dict) -> None:
    """Record in an import's crawls row what re-parsing its captures did (articles written, new
    headlines, sightings, skips), beside what indexing them counted."""
    row = next(iter(archive.query("SELECT stats FROM crawls WHERE id = ?", [crawl])), None)
    stats = {**json.loads((row or {}).get("stats") or "{}"), **reparse_stats}
    archive.finish_crawl(crawl, clock.timestamp(), stats, import_summary(stats))
