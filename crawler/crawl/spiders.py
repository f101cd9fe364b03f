"""The spiders: one per registered site (`scrapy list`), all of them `ArchiveSpider`.

What to fetch, in what order; parsing is the page objects' job, storing the archive extension's.

Incremental: the urls table (the frontier) says what is known. Each run fetches the seeds,
front, listing, feed and sitemap pages, articles never fetched, and articles whose re-check is
due (with If-None-Match / If-Modified-Since); it follows the article links, feed entries and
sitemap URLs it finds. Every URL it schedules ends as one UrlMark: fetched, failed (with a
reason and when to try again) or skipped (with a reason), stored once the page's items are.

Spider arguments (`scrapy crawl <site> -a NAME=VALUE`): `live=1` fetches from the web instead
of the site's bundled mirror (the setting NEWSARCHIVE_LIVE), `seeds=FILE` gives other start URLs.

Hostile input: a seed that is no URL (a bad port, a broken IPv6 literal) is skipped with a warning
("bad_url", counted under spider/refused/bad_url), the crawl going on with the others; the
spider's `hosts` (the seeds' hosts and NEWSARCHIVE_ALLOWED_HOSTS) are the only ones it follows
links, redirects and Sitemap lines to, and the gate (middlewares/gate.py) holds every request to
them; an article URL whose page gives no article ("no_article") or a page its page object cannot
read ("unparseable") is failed and tried again with the failure back-off; a body over
DOWNLOAD_MAXSIZE ("too_large") waits NEWSARCHIVE_TOO_LARGE_RECHECK_DAYS. Work is bounded per run
and per file: Sitemap lines per robots.txt, sitemaps per run, URLs per sitemap, links per page
(crawler/crawl/settings.py).
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
from crawler.crawl.errors import (
    NotInMirror,
    OffsiteRequest,
    PrivateAddress,
    ResponseTooLarge,
    RobotsForbidden,
    RobotsUnavailable,
)
from crawler.crawl.extension import ArchiveExtension
from crawler.crawl.frontier import CrawlFrontier
from crawler.frontier.feeds import feed_links, looks_like_feed
from crawler.frontier.hosts import allowed_host_keys, host_allowed, host_key
from crawler.frontier.kinds import page_kind
from crawler.frontier.links import html_links
from crawler.frontier.recheck import failure_backoff, next_check, retry_after
from crawler.frontier.sitemaps import MAX_SITEMAP_BYTES, MAX_SITEMAP_URLS, read_sitemap
from crawler.frontier.traps import MAX_URL_LENGTH, is_trap
from crawler.frontier.urls import canonicalize, is_fetchable, trusted_canonical
from crawler.sites import registry
from crawler.sites.parse import NoPageObject, parse_bytes
from crawler.sites.spec import SiteSpec

GONE = (404, 410)
REDIRECTS = (301, 302, 303, 307, 308)  # followed by the spider, so that each URL gets its own mark
THROTTLED = (429, 503)  # answered with Retry-After: tried again in a later run, not now
ROBOTS_RECHECK = timedelta(days=1)
REFUSED_RECHECK = timedelta(days=1)  # a URL the gate refused (offsite, private_address): asked again a day later
TOO_LARGE_RECHECK_DAYS = 30  # NEWSARCHIVE_TOO_LARGE_RECHECK_DAYS's default
WAITING_REASONS = ("too_large",)  # skipped URLs that wait for their next_due, even as seeds or in --full
MAX_VALIDATOR_LENGTH = 1024  # characters of an ETag or Last-Modified value kept (longer: not kept)
TRUE_WORDS = ("1", "true", "yes", "on")


def read_seed_urls(path) -> list[str]:
    """A seed list: one URL a line; blank lines and lines starting with # are ignored."""
    with open(path, encoding="utf-8") as f:
        lines = (line.strip() for line in f)
        return [line for line in lines if line and not line.startswith("#")]


def _reason(failure) -> tuple[str, str]:
    """(status, reason) for a request that produced no response to parse."""
    for exc_type, reason in ((RobotsForbidden, "robots_forbidden"), (RobotsUnavailable, "robots_unavailable"),
                             (NotInMirror, "not_in_mirror"), (OffsiteRequest, "offsite"),
                             (PrivateAddress, "private_address"), (ResponseTooLarge, "too_large")):
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
        self.too_large_recheck = timedelta(days=settings.getfloat("NEWSARCHIVE_TOO_LARGE_RECHECK_DAYS",
                                                                  TOO_LARGE_RECHECK_DAYS))
        self.robots_sitemaps = settings.getint("NEWSARCHIVE_ROBOTS_SITEMAPS", 10)
        self.sitemaps_per_run = settings.getint("NEWSARCHIVE_SITEMAPS_PER_RUN", 100)
        self.sitemap_urls = settings.getint("NEWSARCHIVE_SITEMAP_URLS", MAX_SITEMAP_URLS)
        self.sitemap_maxsize = settings.getint("NEWSARCHIVE_SITEMAP_MAXSIZE", MAX_SITEMAP_BYTES)
        self.page_links = settings.getint("NEWSARCHIVE_PAGE_LINKS", 5000)
        self.sitemaps_scheduled = 0
        self.hosts |= allowed_host_keys(settings.getlist("NEWSARCHIVE_ALLOWED_HOSTS"))[0]
        now = clock.timestamp()
        seeds = []
        listed = read_seed_urls(path)
        if not (self.seeds_path or settings.get("NEWSARCHIVE_SEEDS")):  # the site's own start URLs
            listed += [url for url in (*self.site.feeds, *self.site.sitemaps) if url not in listed]
        for line in listed:
            if not is_fetchable(line):
                self.crawler.stats.inc_value(keys.REFUSED_SCHEME)
                self.logger.warning("Refused seed URL (only http and https are fetched): %s", line)
                continue
            try:
                url = canonicalize(line)
                scrapy.Request(url)  # what Scrapy would refuse later, refused now
                self.hosts.add(self._host(url))
            except (ValueError, TypeError) as exc:
                self._bad_seed(line, exc, now)
                continue
            seeds.append(url)
        self.crawler.signals.connect(self._robots_parsed, signal=signals.robots_parsed)
        for url in seeds:
            row = self.frontier.known(url)
            if self._waits(row, now):
                continue
            if row is None or not self.incremental or self.frontier.due(row, now) or row["kind"] != "article":
                for request in self._schedule(url, self._kind(url), 0, now):
                    yield request
        for row in self.frontier.due_rows(now, every_known=not self.incremental):
            if self._allowed(row["url"]):
                for request in self._schedule(row["url"], row["kind"], row["depth"], now):
                    yield request

    def _bad_seed(self, line: str, exc: Exception, now: str) -> None:
        """A seed that is no URL: warned about, counted, marked (if it fits in the urls table)."""
        self.crawler.stats.inc_value(keys.BAD_SEEDS)
        self.logger.warning("Skipped seed URL (bad_url: %s): %s", exc, line)
        if len(line) <= self.max_url_length and self.frontier.claim(line):
            self.frontier.record(UrlMark(url=line, kind="other", status="skipped", at=now, reason="bad_url"))

    @staticmethod
    def _host(url: str) -> str:
        """The host a URL is on, a site's hosts counting as one (crawler.frontier.hosts.host_key)."""
        return host_key(url)

    def _allowed(self, url: str) -> bool:
        """Whether a URL is on one of the crawl's hosts (the seeds' and NEWSARCHIVE_ALLOWED_HOSTS)."""
        return host_allowed(url, self.hosts)

    def _waits(self, row: dict | None, now: str) -> bool:
        """A URL skipped for a reason that makes it wait for its next_due (a body too large)."""
        return (row is not None and row["status"] == "skipped" and row["reason"] in WAITING_REASONS
                and not self.frontier.due(row, now))

    def _kind(self, url: str) -> str:
        return page_kind(url, site=self.site)

    def _schedule(self, url: str, kind: str, depth: int, now: str, found_as: str | None = None):
        """A request for a URL (its "discovered" mark recorded if new), or its "skipped" mark."""
        if kind == "sitemap" and url not in self.frontier.requested:
            if self.sitemaps_scheduled >= self.sitemaps_per_run:
                self.crawler.stats.inc_value(keys.LIMIT_SITEMAPS)  # left for a later run, unmarked
                return
        if not self.frontier.claim(url):
            return
        known = self.frontier.known(url)
        trap = is_trap(url, max_length=self.max_url_length)
        if trap or depth > self.depth_limit:
            self.frontier.record(UrlMark(url=url, kind=kind, status="skipped", at=now, depth=depth,
                                         reason=trap or "depth_limit"))
            return
        headers = {}
        if known and known["status"] == "fetched" and kind == "article":
            if known["etag"]:
                headers["If-None-Match"] = known["etag"]
            if known["last_modified"]:
                headers["If-Modified-Since"] = known["last_modified"]
        meta = {"frontier_url": url, "kind": kind, "depth": depth, "dont_redirect": True, "found_as": found_as or url}
        if kind == "sitemap":
            self.sitemaps_scheduled += 1
            meta["download_maxsize"] = self.sitemap_maxsize
        try:
            request = scrapy.Request(url, callback=self.parse, errback=self.errback, headers=headers, meta=meta)
        except (ValueError, TypeError):
            self.crawler.stats.inc_value(keys.BAD_LINKS)
            self.frontier.record(UrlMark(url=url, kind=kind, status="skipped", at=now, depth=depth, reason="bad_url"))
            return
        if known is None:
            self.frontier.record(UrlMark(url=url, kind=kind, status="discovered", at=now, depth=depth))
        yield request

    def _follow(self, links, depth: int, now: str, *, kind: str | None = None, articles_only: bool = True,
                limit: int | None = None):
        """Requests for the links of a page, feed or sitemap that are on the crawl's hosts (only
        article URLs if `articles_only`), new or due; at most `limit` links are looked at
        (NEWSARCHIVE_PAGE_LINKS by default), the others counted and ignored."""
        limit = self.page_links if limit is None else limit
        links = list(links)
        if len(links) > limit:
            self.crawler.stats.inc_value(keys.LIMIT_PAGE_LINKS, len(links) - limit)
            links = links[:limit]
        for link in links:
            if link in self.links_seen:
                continue
            if len(link) <= self.max_url_length:  # not kept otherwise: a trap, marked once by claim()
                self.links_seen.add(link)
            try:
                url = canonicalize(link) if is_fetchable(link) else None
            except ValueError:  # a bad port or IPv6 literal: no URL
                self.crawler.stats.inc_value(keys.BAD_LINKS)
                continue
            if url is None or not self._allowed(url):
                continue
            if articles_only and not (registry.site_for_url(url) or self.site).is_article(url):
                continue
            known = self.frontier.known(url)
            if known is not None and not self.frontier.due(known, now) and (self.incremental or self._waits(known, now)):
                continue  # fetched before and not due: nothing to do this run
            found_as = link if len(link) <= self.max_url_length else url  # the link as found, if not absurd
            yield from self._schedule(url, kind or self._kind(url), depth, now, found_as=found_as)

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
        return self._mark(response, "fetched", next_due=next_due, etag=self._validator(response, "ETag"),
                          last_modified=self._validator(response, "Last-Modified"),
                          reason="not_modified" if response.status == 304 else None)

    def _validator(self, response, name: str) -> str | None:
        """An ETag or Last-Modified value to send back next time, or None (missing, or too long
        to be one: not kept, counted)."""
        value = (response.headers.get(name) or b"").decode("latin-1") or None
        if value is not None and len(value) > MAX_VALIDATOR_LENGTH:
            self.crawler.stats.inc_value(keys.VALIDATOR_TOO_LONG)
            return None
        return value

    def _retry_later(self, response, reason: str, now: str) -> UrlMark:
        """The mark of a page that gave nothing to keep (no_article, unparseable): failed, and
        tried again with the failure back-off (crawler.frontier.recheck), given up after it."""
        known = self.frontier.known(response.meta.get("frontier_url")) or {}
        return self._mark(response, "failed", reason=reason,
                          next_due=failure_backoff((known.get("attempts") or 0) + 1, now))

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
        if self.extension is not None and self.extension.processes == 2:
            # The processing stage (crawler.ops.stage) parses the page from its capture: this
            # process only follows its links.
            links = html_links(response.url, response.body, response.encoding)
            requests = list(self._follow(links, depth + 1, now, kind="article"))
            self._done(response, self._fetched(response, now))
            yield from requests
            return
        seen_at = response.meta.get("captured_at") or now
        try:
            page = parse_bytes(response.url, response.body, content_type, site=self.site)
            items = list(page_items(page, seen_at, response.meta.get("capture"),
                                    fetched_url=response.meta.get("found_as") or response.url,
                                    canonical=trusted_canonical(response.url, page.canonical_link)))
        except NoPageObject:
            self.crawler.stats.inc_value(keys.NO_PAGE_OBJECT)
            self._done(response, self._mark(response, "skipped", reason="no_page_object"))
            return
        except Exception as exc:  # PageError, or whatever else a hostile page does to the parser
            self.crawler.stats.inc_value(keys.FAILED_UNPARSEABLE)
            mark = self._retry_later(response, "unparseable", now)
            self.logger.warning("Cannot parse %s (%s: %s); next attempt %s", response.url, type(exc).__name__,
                                str(exc)[:200], mark.next_due or "never", exc_info=not isinstance(exc, PageError))
            self._done(response, mark)
            return
        self.crawler.stats.inc_value(keys.PAGES)
        if not page.decoding_clean:
            self.crawler.stats.inc_value(keys.DECODING_UNCLEAN)
            self.logger.warning("No encoding reads %s cleanly; read as %s, the least bad", response.url, page.encoding)
        requests = list(self._follow(page.links, depth + 1, now, kind="article"))
        article_url = response.meta.get("kind") == "article"
        if self.extension is not None:
            self.extension.health.observe((registry.site_for_url(response.url) or self.site).name, page,
                                          article_url=article_url)
        if page.rejected:  # taken for an article, but a soft 404, a bot wall or a consent wall
            self.crawler.stats.inc_value(keys.rejected_page(page.rejected))
            mark = self._retry_later(response, page.rejected, now)
            self.logger.info("Not an article: %s is a %s (%s); next attempt %s", response.url, page.rejected,
                             page.rejected_evidence, mark.next_due or "never")
        elif article_url and page.article is None:
            self.crawler.stats.inc_value(keys.NO_ARTICLE)
            mark = self._retry_later(response, "no_article", now)
            self.logger.info("No article in %s (an article URL); next attempt %s", response.url,
                             mark.next_due or "never")
        else:
            mark = self._fetched(response, now)
            if page.article is not None and page.article.partial:
                self.crawler.stats.inc_value(keys.PARTIAL_ARTICLES)
        self._done(response, mark, len(items))
        yield from items
        yield from requests

    def _redirect(self, response, now: str):
        """The old URL is done (fetched, reason "redirect"); the new one is scheduled in its place."""
        location = (response.headers.get("Location") or b"").decode("latin-1").strip()
        try:
            target = response.urljoin(location) if location else None
            target = canonicalize(target) if target and is_fetchable(target) else None
        except ValueError:  # a bad port or IPv6 literal
            self.crawler.stats.inc_value(keys.BAD_LINKS)
            target = None
        kind, depth = response.meta.get("kind", "other"), response.meta.get("depth", 0)
        if target and not self._allowed(target):
            self.crawler.stats.inc_value(keys.OFFSITE_REDIRECTS)
            self.logger.info("Not followed (offsite redirect): %s -> %s", response.url, target)
        elif target:
            known = self.frontier.known(target)
            if not self._waits(known, now) and (known is None or self.frontier.due(known, now) or not self.incremental):
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
        pages, sitemaps, truncated = read_sitemap(response.url, response.body, max_urls=self.sitemap_urls,
                                                  max_bytes=self.sitemap_maxsize)
        if truncated:
            self.crawler.stats.inc_value(keys.LIMIT_SITEMAP_URLS)
            self.logger.info("Sitemap %s lists more than %d URLs: the rest are ignored", response.url,
                             self.sitemap_urls)
        self.crawler.stats.inc_value(keys.SITEMAP_LINKS, len(pages))
        yield from self._follow(sitemaps, depth, now, kind="sitemap", articles_only=False, limit=self.sitemap_urls)
        yield from self._follow(pages, depth + 1, now, articles_only=False, limit=self.sitemap_urls)

    def _robots_parsed(self, robotparser, request):
        """The Sitemap lines of a host's robots.txt (as the robots.txt middleware read it)."""
        sitemaps = list(getattr(getattr(robotparser, "rp", None), "sitemaps", None) or [])
        robots_url = "{0.scheme}://{0.netloc}/robots.txt".format(urlsplit(request.url))
        if len(sitemaps) > self.robots_sitemaps:
            self.crawler.stats.inc_value(keys.LIMIT_ROBOTS_SITEMAPS, len(sitemaps) - self.robots_sitemaps)
            self.logger.info("robots.txt %s lists %d sitemaps: the first %d are used", robots_url, len(sitemaps),
                             self.robots_sitemaps)
            sitemaps = sitemaps[: self.robots_sitemaps]
        now = clock.timestamp()
        for line in sitemaps:
            try:
                url = urljoin(robots_url, str(line).strip())  # a Sitemap line may be relative
                url = canonicalize(url) if is_fetchable(url) else None
            except ValueError:  # a bad port or IPv6 literal
                self.crawler.stats.inc_value(keys.BAD_LINKS)
                continue
            if url is None or not self._allowed(url) or url in self.frontier.requested:
                continue
            for sitemap_request in self._schedule(url, "sitemap", 0, now):
                self.crawler.stats.inc_value(keys.SITEMAPS_FROM_ROBOTS)
                self.crawler.engine.crawl(sitemap_request)

    def errback(self, failure):
        request = failure.request
        url = request.meta.get("frontier_url") or canonicalize(request.url)
        now = clock.timestamp()
        status, reason = _reason(failure)
        known = self.frontier.known(url) or {}
        if reason == "robots_forbidden":
            next_due = clock.later(now, ROBOTS_RECHECK)
        elif reason in ("offsite", "private_address"):
            next_due = clock.later(now, REFUSED_RECHECK)
        elif reason == "too_large":
            next_due = clock.later(now, self.too_large_recheck)
            self.logger.warning("Too large, not fetched again before %s: %s (%s)", next_due, url, failure.value)
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
