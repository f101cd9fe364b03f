"""robots.txt for the crawl: a downloader middleware that fetches each host's robots.txt once and
refuses the URLs it disallows, like Scrapy's `RobotsTxtMiddleware`, with two differences.

What it does, host by host (a host is a scheme://netloc, port included):

- the first request for the host downloads <scheme>://<netloc>/robots.txt through the engine
  (`crawler.engine.download_async`, priority 1000, meta `dont_obey_robotstxt`); every other
  request for the host waits for that answer;
- robots.txt answering 5xx: the host is "unavailable" for the rest of the run. Nothing else is
  fetched there: each of its requests raises `RobotsUnavailable` ("robots.txt unavailable (HTTP
  503): not now"), one warning is logged and `robotstxt/unavailable` counted once per host;
- any other answer (2xx, 3xx followed, 4xx): the body is parsed with the ROBOTSTXT_PARSER (a 404
  page usually allows everything), the `robots_parsed` signal is sent (the spider reads the
  Sitemap lines from it), and each disallowed URL raises `RobotsForbidden` ("Forbidden by
  robots.txt", counted under `robotstxt/forbidden`);
- robots.txt could not be downloaded at all (connection refused, DNS, timeout...): the error is
  logged and counted, and the host is crawled as if it had no robots.txt (Scrapy's behaviour);
- `data:` and `file:` URLs and requests with meta `dont_obey_robotstxt` are never checked.

The stats keys are Scrapy's (robotstxt/request_count, response_count,
response_status_count/<status>, forbidden, exception_count/<type>) plus `robotstxt/unavailable`.

Why this is not Scrapy's middleware (nor a subclass of it):

1. The 5xx policy. Scrapy parses whatever a 5xx robots.txt returns, which in practice allows
   everything; RFC 9309 (section 2.3.1.4) says a crawler must then assume a complete disallow.
   Here such a host is left alone for this run.
2. A bug of Scrapy 2.19 that lets disallowed URLs through. While a robots.txt is being
   downloaded, Scrapy stores one Deferred for the host, and every request that arrives meanwhile
   awaits that same Deferred through `maybe_deferred_to_future`, i.e. Twisted's
   `Deferred.asFuture`. `asFuture` adds a callback that copies the result into its Future and
   returns None, so the Deferred's result becomes None for the callbacks added after it: the
   first waiter gets the parser, every later waiter gets None, and None means "no robots.txt,
   allow". With several requests waiting (the usual case at the start of a crawl), all but one
   are let through unchecked.
   Here each waiting request gets its own Deferred, fired with the answer, so each has exactly
   one consumer.

Fixing both by subclassing meant overriding Scrapy's private members (`_parsers`,
`_parse_robots`, `process_request_2`), which a Scrapy upgrade could break silently. This class
uses only public API: the settings ROBOTSTXT_OBEY, ROBOTSTXT_PARSER, ROBOTSTXT_USER_AGENT and
USER_AGENT, `load_object` and `build_from_crawler`, `crawler.engine.download_async`,
`NO_CALLBACK`, `signals.robots_parsed`, `SignalManager.send_catch_log_async` and
`maybe_deferred_to_future`.

When Scrapy fixes the bug, tests/test_robots.py::test_scrapy_robots_waiters_bug_is_still_there
fails: then this file can become a small subclass again (only the 5xx policy left).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Union

from scrapy import signals
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler, load_object
from twisted.internet.defer import Deferred

from crawler.core import stats as keys
from crawler.crawl.errors import RobotsForbidden, RobotsUnavailable

if TYPE_CHECKING:
    from urllib.parse import ParseResult

    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.robotstxt import RobotParser

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Unavailable:
    """The verdict for a host whose robots.txt answered 5xx: fetch nothing there this run."""

    status: int


# What a host's robots.txt said: a parser, "unavailable", or None (no robots.txt could be
# downloaded: everything is allowed, as in Scrapy).
Verdict = Union["RobotParser", Unavailable, None]


class RobotsTxtMiddleware:
    """Obey robots.txt (setting ROBOTSTXT_OBEY); see the module's docstring."""

    DOWNLOAD_PRIORITY: int = 1000  # Scrapy's: robots.txt goes before the host's other requests

    def __init__(self, crawler: Crawler):
        settings = crawler.settings
        if not settings.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured
        self.crawler = crawler
        self.stats = crawler.stats
        self._default_useragent = settings.get("USER_AGENT")
        self._robotstxt_useragent = settings.get("ROBOTSTXT_USER_AGENT")
        self._parser_cls = load_object(settings.get("ROBOTSTXT_PARSER"))
        build_from_crawler(self._parser_cls, crawler, b"")  # fails now if the parser's package is missing
        self._verdicts: dict[str, Verdict] = {}  # netloc -> verdict, once robots.txt was answered
        self._waiters: dict[str, list[Deferred]] = {}  # netloc being fetched -> the requests waiting

    @classmethod
    def from_crawler(cls, crawler: Crawler):
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        if request.meta.get("dont_obey_robotstxt"):
            return
        if request.url.startswith(("data:", "file:")):
            return
        verdict = await self._verdict(request)
        if isinstance(verdict, Unavailable):
            raise RobotsUnavailable(f"robots.txt unavailable (HTTP {verdict.status}): not now")
        if verdict is not None and not verdict.allowed(request.url, self._useragent(request)):
            logger.debug("Forbidden by robots.txt: %(request)s", {"request": request},
                         extra={"spider": self.crawler.spider})
            self.stats.inc_value(keys.ROBOTS_FORBIDDEN)
            raise RobotsForbidden("Forbidden by robots.txt")

    def _useragent(self, request: Request) -> str | bytes:
        return self._robotstxt_useragent or request.headers.get(b"User-Agent", self._default_useragent)

    async def _verdict(self, request: Request) -> Verdict:
        """The verdict of the request's host: known, awaited (the robots.txt is being downloaded
        for another request) or fetched now."""
        url = urlparse_cached(request)
        netloc = url.netloc
        if netloc in self._verdicts:
            return self._verdicts[netloc]
        if netloc in self._waiters:
            # One Deferred per waiting request, so that each has a single consumer (see the
            # module's docstring: a shared Deferred hands its result to the first one only).
            waiter: Deferred = Deferred()
            self._waiters[netloc].append(waiter)
            return await maybe_deferred_to_future(waiter)
        self._waiters[netloc] = []
        verdict = await self._fetch(url, request)
        self._verdicts[netloc] = verdict
        for waiter in self._waiters.pop(netloc):
            waiter.callback(verdict)
        return verdict

    async def _fetch(self, url: ParseResult, request: Request) -> Verdict:
        """Download and read the robots.txt of the request's host."""
        robots_request = Request(
            f"{url.scheme}://{url.netloc}/robots.txt",
            priority=self.DOWNLOAD_PRIORITY,
            meta={"dont_obey_robotstxt": True},
            callback=NO_CALLBACK,
        )
        try:
            response = await self.crawler.engine.download_async(robots_request)
            verdict = await self._read(response, url.netloc, request)
        except Exception as exc:  # as Scrapy: a robots.txt that cannot be had allows everything
            if not isinstance(exc, IgnoreRequest):
                fields = {"request": robots_request, "f_exception": exc}  # Scrapy's message
                logger.exception("Error downloading %(request)s: %(f_exception)s", fields,
                                 extra={"spider": self.crawler.spider})
                self.stats.inc_value(keys.robots_exception(exc))
            verdict = None
        self.stats.inc_value(keys.ROBOTS_REQUESTS)
        return verdict

    async def _read(self, response: Response, netloc: str, request: Request) -> Verdict:
        self.stats.inc_value(keys.ROBOTS_RESPONSES)
        self.stats.inc_value(keys.robots_status(response.status))
        if response.status >= 500:
            self.stats.inc_value(keys.ROBOTS_UNAVAILABLE)
            logger.warning("robots.txt of %s answered %d: nothing fetched there this run",
                           netloc, response.status)
            return Unavailable(response.status)
        parser = build_from_crawler(self._parser_cls, self.crawler, response.body)
        await self.crawler.signals.send_catch_log_async(
            signal=signals.robots_parsed, robotparser=parser, request=request,
        )
        return parser
