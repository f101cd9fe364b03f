"""Downloader middleware of the project."""

from __future__ import annotations

import logging
from http import HTTPStatus

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Headers
from scrapy.responsetypes import responsetypes

from crawler.clock import utc_now
from crawler.mirror import Mirror, WarcReplay, open_replay
from crawler.recorder import Recorder

SKIPPED_URLS_KEPT = 100  # the first skipped URLs are listed in the crawl's stats
logger = logging.getLogger(__name__)


class MirrorDownloaderMiddleware:
    """Replay: answer every request from a mirror folder or WARC files (setting
    NEWSARCHIVE_REPLAY); fetch nothing.

    A URL missing from the mirror is skipped with the reason "not_in_mirror", counted and
    listed in the crawl's stats.
    """

    def __init__(self, mirror: Mirror | WarcReplay, stats):
        self.mirror = mirror
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        root = crawler.settings.get("NEWSARCHIVE_REPLAY")
        if not root:
            raise NotConfigured
        mirror = open_replay(root)
        for reason in getattr(mirror, "skipped", []):
            logger.warning("Replay source: skipped damaged WARC record %s", reason)
        return cls(mirror, crawler.stats)

    def process_request(self, request):
        hit = self.mirror.lookup(request.url)
        if hit is None:
            self.stats.inc_value("replay/skipped/not_in_mirror")
            skipped = self.stats.get_value("replay/skipped_urls", [])
            if len(skipped) < SKIPPED_URLS_KEPT:
                self.stats.set_value("replay/skipped_urls", skipped + [request.url])
            logger.info("Skipped (not_in_mirror): %s", request.url)
            raise IgnoreRequest(f"not_in_mirror: {request.url}")
        if hit.captured_at:
            request.meta["captured_at"] = hit.captured_at
        self.stats.inc_value("replay/served")
        headers = Headers()
        for name, value in hit.headers:
            headers.appendlist(name, value)
        cls = responsetypes.from_args(headers=headers, url=request.url, body=hit.body)
        return cls(url=request.url, status=hit.status, headers=headers, body=hit.body, request=request,
                   flags=["replay"])


class CaptureDownloaderMiddleware:
    """Keep every response as WARC, as received: before decompression, redirects or retries.

    Sits next to the downloader, so it sees robots.txt, redirects and error pages too. Each
    response is written as a response (or revisit) record with its request and a metadata
    record, indexed in the captures table; the request's meta gets the capture's id and time,
    which the spider puts on the items parsed from it.
    """

    def __init__(self, recorder: Recorder):
        self.recorder = recorder

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("NEWSARCHIVE_CAPTURE", True):
            raise NotConfigured
        return cls(Recorder.of(crawler))

    def process_response(self, request, response):
        fetched_at = request.meta.get("captured_at") or utc_now()
        request.meta["captured_at"] = fetched_at
        request.meta["capture"] = self.recorder.record(
            url=response.url,
            method=request.method,
            request_headers=_header_list(request.headers),
            status=response.status,
            reason=_reason_phrase(response.status),
            response_headers=_header_list(response.headers),
            body=response.body,
            fetched_at=fetched_at,
            http_version=response.protocol or "HTTP/1.1",
        )
        return response


def _header_list(headers: Headers) -> list[tuple[str, str]]:
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name in headers
        for value in headers.getlist(name)
    ]


def _reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""



class _Unavailable:
    """The robots.txt of a host that answered 5xx: nothing may be fetched there now."""

    def __init__(self, status: int):
        self.status = status


class PoliteRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, except that a robots.txt answering 5xx means "not now"
    for that host (RFC 9309: assume complete disallow), not "allow all".

    Also works around a Scrapy 2.19 bug: requests that wait for a robots.txt still being
    downloaded all await one Deferred, whose value reaches only the first of them (Twisted's
    Deferred.asFuture passes None on); the others saw no parser and were let through, so
    disallowed URLs were fetched. Here every request uses the parser stored for its host.
    """

    async def robot_parser(self, request):
        parser = await super().robot_parser(request)
        stored = self._parsers.get(urlparse_cached(request).netloc)
        return parser if stored is None or isinstance(stored, Deferred) else stored

    async def _parse_robots(self, response, netloc, request):
        if response.status >= 500:
            self._stats.inc_value("robotstxt/unavailable")
            logger.warning("robots.txt of %s answered %d: nothing fetched there this run", netloc, response.status)
            deferred = self._parsers[netloc]
            self._parsers[netloc] = _Unavailable(response.status)
            deferred.callback(self._parsers[netloc])
            return
        await super()._parse_robots(response, netloc, request)

    def process_request_2(self, rp, request):
        if isinstance(rp, _Unavailable):
            raise IgnoreRequest(f"robots.txt unavailable (HTTP {rp.status}): not now")
        super().process_request_2(rp, request)
