"""The maghress spider: what to fetch, in what order; parsing is the page objects' job.

Incremental: the urls table (the frontier) says what is known. Each run fetches the seeds,
front, listing, feed and sitemap pages, articles never fetched, and articles whose re-check is
due (with If-None-Match / If-Modified-Since); it follows the article links, feed entries and
sitemap URLs it finds. Every URL it schedules ends as one UrlMark: fetched, failed (with a
reason and when to try again) or skipped (with a reason), committed with the page's items.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import TextResponse
from scrapy.spidermiddlewares.httperror import HttpError

from crawler.clock import utc_now
from crawler.discovery import (
    failure_backoff, feed_links, is_trap, looks_like_feed, next_check, page_kind, retry_after, sitemap_links,
)
from crawler.items import UrlMark, page_items
from crawler.pages import PageError, parse_bytes
from crawler.seeds import DEFAULT_SEEDS, read_seed_urls
from crawler.storage import Archive
from crawler.urls import canonicalize, is_article_url, is_fetchable, known_site, trusted_canonical

GONE = (404, 410)
REDIRECTS = (301, 302, 303, 307, 308)  # followed by the spider, so that each URL gets its own mark
THROTTLED = (429, 503)  # answered with Retry-After: tried again in a later run, not now
ROBOTS_RECHECK = timedelta(days=1)


def _later(now: str, delta: timedelta) -> str:
    at = datetime.strptime(now, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc) + delta
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _reason(failure) -> tuple[str, str]:
    """(status, reason) for a request that produced no response to parse."""
    if failure.check(IgnoreRequest) and not failure.check(HttpError):
        message = str(failure.value)
        if message.startswith("Forbidden by robots.txt"):
            return "skipped", "robots_forbidden"
        if message.startswith("robots.txt unavailable"):
            return "skipped", "robots_unavailable"
        if message.startswith("not_in_mirror"):
            return "skipped", "not_in_mirror"
        return "skipped", "ignored"
    if failure.check(HttpError):
        return "failed", f"http_{failure.value.response.status}"
    name = type(failure.value).__name__
    return "failed", "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


class MaghressSpider(scrapy.Spider):
    name = "maghress"
    handle_httpstatus_list = [*REDIRECTS, 304, 404, 410, 429, 500, 502, 503, 504]

    def __init__(self, seeds: str | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seeds_path = seeds
        self.hosts: set[str] = set()
        self.frontier: dict[str, dict] = {}  # the urls table as the run started
        # Every page repeats the ticker's links: links already looked at, and URLs already
        # scheduled, are skipped here, sparing requests Scrapy's dupefilter would build and drop.
        self.links_seen: set[str] = set()
        self.requested: set[str] = set()
        self.finished: set[str] = set()

    # --- which URLs ------------------------------------------------------------------------------
    async def start(self):
        settings = self.settings
        path = self.seeds_path or settings.get("NEWSARCHIVE_SEEDS") or DEFAULT_SEEDS
        self.depth_limit = settings.getint("NEWSARCHIVE_DEPTH_LIMIT", 10)
        self.max_url_length = settings.getint("URLLENGTH_LIMIT", 2083)
        self.incremental = settings.getbool("NEWSARCHIVE_INCREMENTAL", True)
        archive = Archive(settings.get("NEWSARCHIVE_DB"))
        try:
            self.frontier = archive.frontier()
        finally:
            archive.close()
        now = utc_now()
        seeds = []
        for url in read_seed_urls(path):
            if not is_fetchable(url):
                self.crawler.stats.inc_value("spider/refused/scheme")
                self.logger.warning("Refused seed URL (only http and https are fetched): %s", url)
                continue
            url = canonicalize(url)
            self.hosts.add(self._site(url))
            seeds.append(url)
        self.crawler.signals.connect(self._robots_parsed, signal=signals.robots_parsed)
        for url in seeds:
            row = self.frontier.get(url)
            if row is None or not self.incremental or self._due(row, now) or row["kind"] != "article":
                for out in self._schedule(url, page_kind(url), 0, now):
                    yield out
        for url, row in self.frontier.items():
            if self._due(row, now) or (not self.incremental and row["status"] != "skipped"):
                if self._site(url) in self.hosts:
                    for out in self._schedule(url, row["kind"], row["depth"], now):
                        yield out

    @staticmethod
    def _due(row: dict, now: str) -> bool:
        return row["next_due"] is not None and row["next_due"] <= now

    @staticmethod
    def _site(url: str) -> str:
        netloc = urlsplit(url).netloc.lower()
        return known_site(netloc) or netloc

    def _schedule(self, url: str, kind: str, depth: int, now: str, found_as: str | None = None):
        """A request for a URL (and its "discovered" mark if new), or its "skipped" mark."""
        if url in self.requested:
            return
        self.requested.add(url)
        known = self.frontier.get(url)
        trap = is_trap(url, max_length=self.max_url_length)
        if trap or depth > self.depth_limit:
            self.finished.add(url)
            yield UrlMark(url=url, kind=kind, status="skipped", at=now, depth=depth,
                          reason=trap or "depth_limit")
            return
        if known is None:
            yield UrlMark(url=url, kind=kind, status="discovered", at=now, depth=depth)
        headers = {}
        if known and known["status"] == "fetched" and kind == "article":
            if known["etag"]:
                headers["If-None-Match"] = known["etag"]
            if known["last_modified"]:
                headers["If-Modified-Since"] = known["last_modified"]
        yield scrapy.Request(url, callback=self.parse, errback=self.errback, headers=headers,
                             meta={"frontier_url": url, "kind": kind, "depth": depth, "dont_redirect": True,
                                   "found_as": found_as or url})

    def _follow(self, links, depth: int, now: str, *, kind: str | None = None, articles_only: bool = True):
        for link in links:
            if link in self.links_seen:
                continue
            self.links_seen.add(link)
            url = canonicalize(link) if is_fetchable(link) else None
            if url is None or self._site(url) not in self.hosts:
                continue
            if articles_only and not is_article_url(url):
                continue
            known = self.frontier.get(url)
            if known is not None and not self._due(known, now) and self.incremental:
                continue  # fetched before and not due: nothing to do this run
            yield from self._schedule(url, kind or page_kind(url), depth, now, found_as=link)

    # --- what came back ------------------------------------------------------------------------------
    def _mark(self, response, status: str, **fields) -> UrlMark:
        meta = response.meta
        url = meta.get("frontier_url") or canonicalize(response.url)
        self.finished.add(url)
        return UrlMark(url=url, kind=meta.get("kind", "other"), status=status, at=utc_now(),
                       depth=meta.get("depth", 0), last_status=response.status, **fields)

    def _fetched(self, response, now: str) -> UrlMark:
        meta = response.meta
        known = self.frontier.get(meta.get("frontier_url")) or {}
        if meta.get("kind") == "article":
            next_due = next_check(now, (known.get("checks") or 0) + 1)
        else:
            next_due = now  # front, listing, feed and sitemap pages: every run
        header = lambda name: (response.headers.get(name) or b"").decode("latin-1") or None  # noqa: E731
        return self._mark(response, "fetched", next_due=next_due, etag=header("ETag"),
                          last_modified=header("Last-Modified"),
                          reason="not_modified" if response.status == 304 else None)

    def _not_ok(self, response, now: str):
        """The mark of a response that is not a page to parse (304, gone, throttled, 5xx)."""
        status = response.status
        if status == 304:
            self.crawler.stats.inc_value("spider/not_modified")
            return self._fetched(response, now)
        if status in GONE:
            return self._mark(response, "failed", reason=f"gone_{status}", gone=True)
        known = self.frontier.get(response.meta.get("frontier_url")) or {}
        if status in THROTTLED:
            header = (response.headers.get("Retry-After") or b"").decode("latin-1") or None
            return self._mark(response, "failed", reason=f"http_{status}", next_due=retry_after(header, now))
        return self._mark(response, "failed", reason=f"http_{status}",
                          next_due=failure_backoff((known.get("attempts") or 0) + 1, now))

    def parse(self, response):
        now = utc_now()
        if response.status in REDIRECTS:
            yield from self._redirect(response, now)
            return
        if response.status != 200 and response.status not in range(201, 300):
            yield self._not_ok(response, now)
            return
        depth = response.meta.get("depth", 0)
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        if response.meta.get("kind") in ("feed", "sitemap") or looks_like_feed(content_type, response.body):
            yield from self._parse_listing_file(response, content_type, depth, now)
            yield self._fetched(response, now)
            return
        if not isinstance(response, TextResponse):
            self.crawler.stats.inc_value("spider/skipped/not_text")
            yield self._mark(response, "skipped", reason="not_text")
            return
        try:
            page = parse_bytes(response.url, response.body, content_type)
        except PageError as exc:
            self.crawler.stats.inc_value("spider/skipped/unparseable")
            self.logger.warning("Cannot parse %s: %s", response.url, exc)
            yield self._mark(response, "skipped", reason="unparseable")
            return
        seen_at = response.meta.get("captured_at") or now
        self.crawler.stats.inc_value("spider/pages")
        yield from page_items(page, seen_at, response.meta.get("capture"),
                              fetched_url=response.meta.get("found_as") or response.url,
                              canonical=trusted_canonical(response.url, page.canonical_link))
        yield from self._follow(page.links, depth + 1, now, kind="article")
        yield self._fetched(response, now)  # last: committed with the page's items

    def _redirect(self, response, now: str):
        """The old URL is done (fetched, reason "redirect"); the new one is scheduled in its place."""
        location = (response.headers.get("Location") or b"").decode("latin-1").strip()
        target = canonicalize(response.urljoin(location)) if location else None
        kind, depth = response.meta.get("kind", "other"), response.meta.get("depth", 0)
        if target and is_fetchable(target) and self._site(target) in self.hosts:
            known = self.frontier.get(target)
            if known is None or self._due(known, now) or not self.incremental:
                yield from self._schedule(target, kind, depth, now)
        self.crawler.stats.inc_value("spider/redirects")
        yield self._mark(response, "fetched", reason="redirect", next_due=next_check(now, 1) if kind == "article" else now)

    def _parse_listing_file(self, response, content_type: str, depth: int, now: str):
        if looks_like_feed(content_type, response.body):
            links = feed_links(response.url, response.body)
            self.crawler.stats.inc_value("spider/feed_links", len(links))
            yield from self._follow(links, depth + 1, now, articles_only=False)
            return
        pages, sitemaps = sitemap_links(response.url, response.body)
        self.crawler.stats.inc_value("spider/sitemap_links", len(pages))
        yield from self._follow(sitemaps, depth, now, kind="sitemap", articles_only=False)
        yield from self._follow(pages, depth + 1, now, articles_only=False)

    def _robots_parsed(self, robotparser, request):
        """The Sitemap lines of a host's robots.txt (as Scrapy's robots.txt middleware read it)."""
        sitemaps = getattr(getattr(robotparser, "rp", None), "sitemaps", None) or []
        robots_url = "{0.scheme}://{0.netloc}/robots.txt".format(urlsplit(request.url))
        for url in (urljoin(robots_url, u.strip()) for u in sitemaps):  # a Sitemap line may be relative
            url = canonicalize(url) if is_fetchable(url) else None
            if url is None or url in self.requested or self._site(url) not in self.hosts:
                continue
            self.requested.add(url)
            self.crawler.stats.inc_value("spider/sitemaps_from_robots")
            self.crawler.engine.crawl(scrapy.Request(url, callback=self.parse, errback=self.errback,
                                                     meta={"frontier_url": url, "kind": "sitemap", "depth": 0}))

    def errback(self, failure):
        request = failure.request
        url = request.meta.get("frontier_url") or canonicalize(request.url)
        now = utc_now()
        status, reason = _reason(failure)
        known = self.frontier.get(url) or {}
        if reason == "robots_forbidden":
            next_due = _later(now, ROBOTS_RECHECK)
        elif reason in ("robots_unavailable", "ignored"):
            next_due = now  # not now: the next run tries again
        elif status == "failed":
            next_due = failure_backoff((known.get("attempts") or 0) + 1, now)
        else:
            next_due = None
        self.finished.add(url)
        self.crawler.stats.inc_value(f"spider/{status}/{reason}")
        if status == "failed":
            self.logger.warning("Failed %s: %s (%s); next attempt %s", url, reason,
                                str(failure.value).strip() or type(failure.value).__name__, next_due or "never")
        yield UrlMark(url=url, kind=request.meta.get("kind", "other"), status=status, at=now,
                      depth=request.meta.get("depth", 0), reason=reason, next_due=next_due)

    def unfinished_marks(self) -> list[UrlMark]:
        """URLs scheduled this run that got no answer (page budget reached, crawl stopped)."""
        now = utc_now()
        return [
            UrlMark(url=url, kind=(self.frontier.get(url) or {}).get("kind") or page_kind(url),
                    status="skipped", at=now, reason="not_reached", next_due=now,
                    depth=(self.frontier.get(url) or {}).get("depth") or 0)
            for url in sorted(self.requested - self.finished)
        ]
