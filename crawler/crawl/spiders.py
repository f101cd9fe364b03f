"""The spiders: one per registered site (`scrapy list`), all of them `ArchiveSpider`.

What to fetch, in what order; parsing is the page objects' job, storing the archive extension's.

Incremental: the urls table (the frontier) says what is known. Each run fetches the seeds,
front, listing, feed and sitemap pages, articles never fetched, and articles whose re-check is
due (with If-None-Match / If-Modified-Since); it follows the article links, feed entries and
sitemap URLs it finds. Every URL it schedules ends as one UrlMark: fetched, failed (with a
reason and when to try again) or skipped (with a reason), stored once the page's items are.

Spider arguments (`scrapy crawl <site> -a NAME=VALUE`): `live=1` fetches from the web instead
of the site's bundled mirror (the setting NEWSARCHIVE_LIVE), `seeds=FILE` gives other start URLs.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import TextResponse
from scrapy.spidermiddlewares.httperror import HttpError

from crawler.core import clock
from crawler.core import stats as keys
from crawler.core.items import PageError, UrlMark, page_items
from crawler.crawl.errors import NotInMirror, RobotsForbidden, RobotsUnavailable
from crawler.crawl.extension import ArchiveExtension
from crawler.crawl.frontier import CrawlFrontier
from crawler.frontier.feeds import feed_links, looks_like_feed
from crawler.frontier.kinds import page_kind
from crawler.frontier.recheck import failure_backoff, next_check, retry_after
from crawler.frontier.sitemaps import sitemap_links
from crawler.frontier.traps import MAX_URL_LENGTH, is_trap
from crawler.frontier.urls import canonicalize, is_fetchable, known_site, trusted_canonical
from crawler.sites import registry
from crawler.sites.parse import NoPageObject, parse_bytes
from crawler.sites.spec import SiteSpec

GONE = (404, 410)
REDIRECTS = (301, 302, 303, 307, 308)  # followed by the spider, so that each URL gets its own mark
THROTTLED = (429, 503)  # answered with Retry-After: tried again in a later run, not now
ROBOTS_RECHECK = timedelta(days=1)
TRUE_WORDS = ("1", "true", "yes", "on")


def read_seed_urls(path) -> list[str]:
    """A seed list: one URL a line; blank lines and lines starting with # are ignored."""
    with open(path, encoding="utf-8") as f:
        lines = (line.strip() for line in f)
        return [line for line in lines if line and not line.startswith("#")]


def _reason(failure) -> tuple[str, str]:
    """(status, reason) for a request that produced no response to parse."""
    for exc_type, reason in ((RobotsForbidden, "robots_forbidden"), (RobotsUnavailable, "robots_unavailable"),
                             (NotInMirror, "not_in_mirror")):
        if failure.check(exc_type):
            return "skipped", reason
    if failure.check(HttpError):
        return "failed", f"http_{failure.value.response.status}"
    if failure.check(IgnoreRequest):
        return "skipped", "ignored"
    name = type(failure.value).__name__
    return "failed", "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


class ArchiveSpider(scrapy.Spider):
    """The spider of one site (`site`, its spec); the loader makes one subclass per site."""

    site: SiteSpec
    handle_httpstatus_list = [*REDIRECTS, 304, 404, 410, 429, 500, 502, 503, 504]

    @classmethod
    def from_crawler(cls, crawler, *args, live: str | None = None, **kwargs):
        if live is not None and str(live).lower() in TRUE_WORDS:
            crawler.settings.set("NEWSARCHIVE_LIVE", True, priority="spider")
        return super().from_crawler(crawler, *args, **kwargs)

    def __init__(self, seeds: str | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seeds_path = seeds
        self.hosts: set[str] = set()
        self.extension = None  # the archive extension, once the crawl starts
        self.frontier = CrawlFrontier(site=self.site)  # replaced by the archive extension's, if any
        # Every page repeats the ticker's links: links already looked at are skipped here,
        # sparing requests Scrapy's dupefilter would build and drop.
        self.links_seen: set[str] = set()

    # --- which URLs ------------------------------------------------------------------------------
    async def start(self):
        settings = self.settings
        self.extension = self.crawler.get_extension(ArchiveExtension)  # None: the extension is off
        if self.extension is not None:
            self.frontier = self.extension.frontier
        path = self.seeds_path or settings.get("NEWSARCHIVE_SEEDS") or registry.start_urls(self.site)
        self.depth_limit = settings.getint("NEWSARCHIVE_DEPTH_LIMIT", 10)
        self.max_url_length = settings.getint("URLLENGTH_LIMIT", MAX_URL_LENGTH)
        self.incremental = settings.getbool("NEWSARCHIVE_INCREMENTAL", True)
        now = clock.timestamp()
        seeds = []
        for url in read_seed_urls(path):
            if not is_fetchable(url):
                self.crawler.stats.inc_value(keys.REFUSED_SCHEME)
                self.logger.warning("Refused seed URL (only http and https are fetched): %s", url)
                continue
            url = canonicalize(url)
            self.hosts.add(self._host(url))
            seeds.append(url)
        self.crawler.signals.connect(self._robots_parsed, signal=signals.robots_parsed)
        for url in seeds:
            row = self.frontier.known(url)
            if row is None or not self.incremental or self.frontier.due(row, now) or row["kind"] != "article":
                for request in self._schedule(url, self._kind(url), 0, now):
                    yield request
        for url, row in self.frontier.rows.items():
            if self.frontier.due(row, now) or (not self.incremental and row["status"] != "skipped"):
                if self._host(url) in self.hosts:
                    for request in self._schedule(url, row["kind"], row["depth"], now):
                        yield request

    @staticmethod
    def _host(url: str) -> str:
        """The host a URL is on, a site's hosts counting as one."""
        netloc = urlsplit(url).netloc.lower()
        return known_site(netloc) or netloc

    def _kind(self, url: str) -> str:
        return page_kind(url, site=self.site)

    def _schedule(self, url: str, kind: str, depth: int, now: str, found_as: str | None = None):
        """A request for a URL (its "discovered" mark recorded if new), or its "skipped" mark."""
        if not self.frontier.claim(url):
            return
        known = self.frontier.known(url)
        trap = is_trap(url, max_length=self.max_url_length)
        if trap or depth > self.depth_limit:
            self.frontier.record(UrlMark(url=url, kind=kind, status="skipped", at=now, depth=depth,
                                         reason=trap or "depth_limit"))
            return
        if known is None:
            self.frontier.record(UrlMark(url=url, kind=kind, status="discovered", at=now, depth=depth))
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
            if url is None or self._host(url) not in self.hosts:
                continue
            if articles_only and not (registry.site_for_url(url) or self.site).is_article(url):
                continue
            known = self.frontier.known(url)
            if known is not None and not self.frontier.due(known, now) and self.incremental:
                continue  # fetched before and not due: nothing to do this run
            yield from self._schedule(url, kind or self._kind(url), depth, now, found_as=link)

    # --- what came back ------------------------------------------------------------------------------
    def _mark(self, response, status: str, **fields) -> UrlMark:
        meta = response.meta
        url = meta.get("frontier_url") or canonicalize(response.url)
        return UrlMark(url=url, kind=meta.get("kind", "other"), status=status, at=clock.timestamp(),
                       depth=meta.get("depth", 0), last_status=response.status, **fields)

    def _fetched(self, response, now: str) -> UrlMark:
        meta = response.meta
        known = self.frontier.known(meta.get("frontier_url")) or {}
        if meta.get("kind") == "article":
            next_due = next_check(now, (known.get("checks") or 0) + 1)
        else:
            next_due = now  # front, listing, feed and sitemap pages: every run
        header = lambda name: (response.headers.get(name) or b"").decode("latin-1") or None  # noqa: E731
        return self._mark(response, "fetched", next_due=next_due, etag=header("ETag"),
                          last_modified=header("Last-Modified"),
                          reason="not_modified" if response.status == 304 else None)

    def _not_ok(self, response, now: str) -> UrlMark:
        """The mark of a response that is not a page to parse (304, gone, throttled, 5xx)."""
        status = response.status
        if status == 304:
            self.crawler.stats.inc_value(keys.NOT_MODIFIED)
            return self._fetched(response, now)
        if status in GONE:
            return self._mark(response, "failed", reason=f"gone_{status}", gone=True)
        known = self.frontier.known(response.meta.get("frontier_url")) or {}
        if status in THROTTLED:
            header = (response.headers.get("Retry-After") or b"").decode("latin-1") or None
            return self._mark(response, "failed", reason=f"http_{status}", next_due=retry_after(header, now))
        return self._mark(response, "failed", reason=f"http_{status}",
                          next_due=failure_backoff((known.get("attempts") or 0) + 1, now))

    def _done(self, response, mark: UrlMark, items: int = 0) -> None:
        """The page is done: its mark is stored once its `items` are (the archive extension's
        ledger), or at once."""
        if self.extension is not None:
            self.extension.page_done(response, mark, items)
        else:
            self.frontier.finish(mark)

    def parse(self, response):
        now = clock.timestamp()
        if response.status in REDIRECTS:
            yield from self._redirect(response, now)
            return
        if response.status != 200 and response.status not in range(201, 300):
            self._done(response, self._not_ok(response, now))
            return
        depth = response.meta.get("depth", 0)
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        if response.meta.get("kind") in ("feed", "sitemap") or looks_like_feed(content_type, response.body):
            yield from self._parse_listing_file(response, content_type, depth, now)
            self._done(response, self._fetched(response, now))
            return
        if not isinstance(response, TextResponse):
            self.crawler.stats.inc_value(keys.SKIPPED_NOT_TEXT)
            self._done(response, self._mark(response, "skipped", reason="not_text"))
            return
        try:
            page = parse_bytes(response.url, response.body, content_type, site=self.site)
        except NoPageObject:
            self.crawler.stats.inc_value(keys.NO_PAGE_OBJECT)
            self._done(response, self._mark(response, "skipped", reason="no_page_object"))
            return
        except PageError as exc:
            self.crawler.stats.inc_value(keys.SKIPPED_UNPARSEABLE)
            self.logger.warning("Cannot parse %s: %s", response.url, exc)
            self._done(response, self._mark(response, "skipped", reason="unparseable"))
            return
        seen_at = response.meta.get("captured_at") or now
        self.crawler.stats.inc_value(keys.PAGES)
        items = list(page_items(page, seen_at, response.meta.get("capture"),
                                fetched_url=response.meta.get("found_as") or response.url,
                                canonical=trusted_canonical(response.url, page.canonical_link)))
        requests = list(self._follow(page.links, depth + 1, now, kind="article"))
        self._done(response, self._fetched(response, now), len(items))
        yield from items
        yield from requests

    def _redirect(self, response, now: str):
        """The old URL is done (fetched, reason "redirect"); the new one is scheduled in its place."""
        location = (response.headers.get("Location") or b"").decode("latin-1").strip()
        target = canonicalize(response.urljoin(location)) if location else None
        kind, depth = response.meta.get("kind", "other"), response.meta.get("depth", 0)
        if target and is_fetchable(target) and self._host(target) in self.hosts:
            known = self.frontier.known(target)
            if known is None or self.frontier.due(known, now) or not self.incremental:
                yield from self._schedule(target, kind, depth, now)
        self.crawler.stats.inc_value(keys.REDIRECTS)
        self._done(response, self._mark(response, "fetched", reason="redirect",
                                        next_due=next_check(now, 1) if kind == "article" else now))

    def _parse_listing_file(self, response, content_type: str, depth: int, now: str):
        if looks_like_feed(content_type, response.body):
            links = feed_links(response.url, response.body)
            self.crawler.stats.inc_value(keys.FEED_LINKS, len(links))
            yield from self._follow(links, depth + 1, now, articles_only=False)
            return
        pages, sitemaps = sitemap_links(response.url, response.body)
        self.crawler.stats.inc_value(keys.SITEMAP_LINKS, len(pages))
        yield from self._follow(sitemaps, depth, now, kind="sitemap", articles_only=False)
        yield from self._follow(pages, depth + 1, now, articles_only=False)

    def _robots_parsed(self, robotparser, request):
        """The Sitemap lines of a host's robots.txt (as the robots.txt middleware read it)."""
        sitemaps = getattr(getattr(robotparser, "rp", None), "sitemaps", None) or []
        robots_url = "{0.scheme}://{0.netloc}/robots.txt".format(urlsplit(request.url))
        for url in (urljoin(robots_url, u.strip()) for u in sitemaps):  # a Sitemap line may be relative
            url = canonicalize(url) if is_fetchable(url) else None
            if url is None or self._host(url) not in self.hosts or not self.frontier.claim(url):
                continue
            self.crawler.stats.inc_value(keys.SITEMAPS_FROM_ROBOTS)
            self.crawler.engine.crawl(scrapy.Request(url, callback=self.parse, errback=self.errback,
                                                     meta={"frontier_url": url, "kind": "sitemap", "depth": 0}))

    def errback(self, failure):
        request = failure.request
        url = request.meta.get("frontier_url") or canonicalize(request.url)
        now = clock.timestamp()
        status, reason = _reason(failure)
        known = self.frontier.known(url) or {}
        if reason == "robots_forbidden":
            next_due = clock.later(now, ROBOTS_RECHECK)
        elif reason in ("robots_unavailable", "ignored"):
            next_due = now  # not now: the next run tries again
        elif status == "failed":
            next_due = failure_backoff((known.get("attempts") or 0) + 1, now)
        else:
            next_due = None
        self.crawler.stats.inc_value(keys.spider_outcome(status, reason))
        if status == "failed":
            self.logger.warning("Failed %s: %s (%s); next attempt %s", url, reason,
                                str(failure.value).strip() or type(failure.value).__name__, next_due or "never")
        self.frontier.record(UrlMark(url=url, kind=request.meta.get("kind", "other"), status=status, at=now,
                                     depth=request.meta.get("depth", 0), reason=reason, next_due=next_due))


class SiteSpiderLoader:
    """Scrapy's spider loader for newsarchive (setting SPIDER_LOADER_CLASS): one spider per
    registered site, named after it (`scrapy crawl maghress`), made from its spec."""

    def __init__(self, settings=None):
        self._spiders = {spec.name: spider_class(spec) for spec in registry.sites()}

    @classmethod
    def from_settings(cls, settings):
        return cls(settings)

    def load(self, spider_name: str):
        try:
            return self._spiders[spider_name]
        except KeyError:
            raise KeyError(f"Spider not found: {spider_name}") from None

    def find_by_request(self, request) -> list[str]:
        return [name for name, cls in self._spiders.items() if cls.handles_request(request)]

    def list(self) -> list[str]:
        return list(self._spiders)


def spider_class(spec: SiteSpec) -> type[ArchiveSpider]:
    """The spider of a site."""
    return type(f"{spec.name.title()}Spider", (ArchiveSpider,), {"name": spec.name, "site": spec,
                                                                  "__module__": __name__})
