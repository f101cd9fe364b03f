"""robots.txt for the crawl: a downloader middleware that fetches each host's robots.txt once and
refuses the URLs it disallows, like Scrapy's `RobotsTxtMiddleware`, with these differences.

What it does, host by host (a host is a scheme://netloc, port included):

- the first request for the host downloads <scheme>://<netloc>/robots.txt through the engine
  (`crawler.engine.download_async`, priority 1000, meta `dont_obey_robotstxt`); every other
  request for the host waits for that answer. That download passes the gate like any request,
  is never retried, never follows a meta refresh, and gives up after NEWSARCHIVE_ROBOTSTXT_TIMEOUT
  seconds (meta `download_timeout`);
- robots.txt answering 5xx, or not at all (timeout, connection refused or lost, DNS, a body over
  DOWNLOAD_MAXSIZE, a redirect off its host): the host is "unavailable" for the rest of the run
  (RFC 9309, section 2.3.1.4: unreachable means complete disallow). Nothing else is fetched
  there: each of its requests raises `RobotsUnavailable` ("robots.txt unavailable (HTTP 503):
  not now", "robots.txt unavailable (DownloadTimeoutError): not now"...), one warning is logged
  and `robotstxt/unavailable` counted once per host. The next run asks again;
- a redirect (301, 302, 303, 307, 308) is followed by this middleware, up to 5 hops (RFC 9309,
  section 2.3.1.2), and only on the same host (a site's hosts counting as one; http to https
  allowed): one to another host is not followed and the host is "unavailable";
- any other answer (2xx, 4xx): the body is parsed with the ROBOTSTXT_PARSER, up to its first
  NEWSARCHIVE_ROBOTSTXT_MAXSIZE bytes (500 KiB, the least RFC 9309 section 2.5 asks a crawler
  to parse; cut at a line end, counted under `robotstxt/truncated`) (a 404 page usually allows
  everything), the `robots_parsed` signal is sent (the spider reads the Sitemap lines from it),
  and each disallowed URL raises `RobotsForbidden` ("Forbidden by robots.txt", counted under
  `robotstxt/forbidden`);
- a robots.txt request ignored on purpose (replay: the mirror has no robots.txt) allows
  everything, as in Scrapy;
- `data:` and `file:` URLs and requests with meta `dont_obey_robotstxt` are never checked.

The stats keys are Scrapy's (robotstxt/request_count, response_count,
response_status_count/<status>, forbidden, exception_count/<type>) plus `robotstxt/unavailable`
and `robotstxt/truncated`.

Why this is not Scrapy's middleware (nor a subclass of it):

1. The unreachable policy. Scrapy parses whatever a 5xx robots.txt returns, and allows
   everything when robots.txt cannot be downloaded, after retrying (a robots.txt that never
   answers costs 3 x DOWNLOAD_TIMEOUT); RFC 9309 (section 2.3.1.4) says a crawler must then
   assume a complete disallow. Here such a host is left alone for this run.
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
fails: then this file can become a small subclass again (the unreachable and redirect policies
left, and the parse limit).
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
from crawler.crawl.errors import NotInMirror, RobotsForbidden, RobotsUnavailable
from crawler.frontier.hosts import host_key

if TYPE_CHECKING:
    from urllib.parse import ParseResult

    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.robotstxt import RobotParser

logger = logging.getLogger(__name__)

REDIRECTS = (301, 302, 303, 307, 308)
MAX_REDIRECTS = 5  # RFC 9309, section 2.3.1.2: follow at least five consecutive redirects
TIMEOUT = 30.0  # seconds: NEWSARCHIVE_ROBOTSTXT_TIMEOUT's default
MAX_PARSED = 500 * 1024  # bytes: NEWSARCHIVE_ROBOTSTXT_MAXSIZE's default (RFC 9309, section 2.5)


@dataclass(frozen=True)
class Unavailable:
    """The verdict for a host whose robots.txt could not be had: fetch nothing there this run."""

    cause: str  # "HTTP 503", "DownloadTimeoutError", "redirect to another host"...


# What a host's robots.txt said: a parser, "unavailable", or None (no robots.txt on purpose:
# everything is allowed, as in Scrapy).
Verdict = Union["RobotParser", Unavailable, None]


class _Redirect(Exception):
    """robots.txt redirects off its host (not followed)."""


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
        self._timeout = settings.getfloat("NEWSARCHIVE_ROBOTSTXT_TIMEOUT", TIMEOUT)
        self._max_parsed = settings.getint("NEWSARCHIVE_ROBOTSTXT_MAXSIZE", MAX_PARSED)
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
            raise RobotsUnavailable(f"robots.txt unavailable ({verdict.cause}): not now")
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

    def _robots_request(self, url: str) -> Request:
        return Request(
            url,
            priority=self.DOWNLOAD_PRIORITY,
            # Never retried (the timeout bounds the wait), redirects followed here (same host
            # only), no meta refresh.
            meta={"dont_obey_robotstxt": True, "dont_redirect": True, "dont_retry": True,
                  "download_timeout": self._timeout},
            callback=NO_CALLBACK,
        )

    async def _download(self, url: ParseResult) -> Response:
        """robots.txt of a host, its redirects on the same host followed (up to MAX_REDIRECTS)."""
        target = f"{url.scheme}://{url.netloc}/robots.txt"
        home = host_key(target)
        for _ in range(MAX_REDIRECTS + 1):
            response = await self.crawler.engine.download_async(self._robots_request(target))
            location = (response.headers.get("Location") or b"").decode("latin-1").strip()
            if response.status not in REDIRECTS or not location:
                return response
            target = response.urljoin(location)
            try:
                same_host = target.startswith(("http://", "https://")) and host_key(target) == home
            except ValueError:
                same_host = False
            if not same_host:
                raise _Redirect(f"redirect to another host, {target}: not followed")
        raise _Redirect(f"more than {MAX_REDIRECTS} redirects")

    async def _fetch(self, url: ParseResult, request: Request) -> Verdict:
        """Download and read the robots.txt of the request's host."""
        try:
            response = await self._download(url)
            verdict = await self._read(response, url.netloc, request)
        except _Redirect as exc:
            verdict = self._unavailable(url.netloc, str(exc))
        except IgnoreRequest as exc:
            if isinstance(exc, NotInMirror) or type(exc) is IgnoreRequest:
                verdict = None  # no robots.txt on purpose (replay): allow, as Scrapy does
            else:  # refused by the gate, or over DOWNLOAD_MAXSIZE
                verdict = self._unavailable(url.netloc, type(exc).__name__)
        except Exception as exc:  # timeout, connection refused or lost, DNS...: unreachable
            self.stats.inc_value(keys.robots_exception(exc))
            verdict = self._unavailable(url.netloc, type(exc).__name__, exc)
        self.stats.inc_value(keys.ROBOTS_REQUESTS)
        return verdict

    def _unavailable(self, netloc: str, cause: str, exc: Exception | None = None) -> Unavailable:
        self.stats.inc_value(keys.ROBOTS_UNAVAILABLE)
        detail = f" ({str(exc).strip()})" if exc is not None and str(exc).strip() else ""
        logger.warning("robots.txt of %s unavailable: %s%s; nothing fetched there this run",
                       netloc, cause, detail, extra={"spider": self.crawler.spider})
        return Unavailable(cause)

    async def _read(self, response: Response, netloc: str, request: Request) -> Verdict:
        self.stats.inc_value(keys.ROBOTS_RESPONSES)
        self.stats.inc_value(keys.robots_status(response.status))
        if response.status >= 500:
            return self._unavailable(netloc, f"HTTP {response.status}")
        body = response.body
        if self._max_parsed and len(body) > self._max_parsed:
            cut = body.rfind(b"\n", 0, self._max_parsed + 1)
            body = body[: cut + 1 if cut >= 0 else self._max_parsed]
            self.stats.inc_value(keys.ROBOTS_TRUNCATED)
            logger.info("robots.txt of %s is %d bytes: only its first %d are read", netloc,
                        len(response.body), len(body))
        parser = build_from_crawler(self._parser_cls, self.crawler, body)
        await self.crawler.signals.send_catch_log_async(
            signal=signals.robots_parsed, robotparser=parser, request=request,
        )
        return parser
