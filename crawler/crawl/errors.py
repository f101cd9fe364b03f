"""Why a request was not fetched, as exception types (the spider's errback tells them apart by
type, never by message: crawler.crawl.spiders._reason maps each to the reason of its URL's mark)."""

from scrapy.exceptions import IgnoreRequest


class RobotsForbidden(IgnoreRequest):
    """robots.txt disallows the URL."""


class RobotsUnavailable(IgnoreRequest):
    """The host's robots.txt answered 5xx, or could not be had at all (timeout, connection error,
    a redirect off its host): nothing is fetched there this run (RFC 9309, section 2.3.1.4)."""


class NotInMirror(IgnoreRequest):
    """Replay: the mirror or WARC files hold no answer for the URL; it is never fetched."""


class RequestRefused(IgnoreRequest):
    """The gate (crawler/crawl/middlewares/gate.py) refused the request: it never left."""


class OffsiteRequest(RequestRefused):
    """The request's host is none of the crawl's hosts (the seeds' hosts and
    NEWSARCHIVE_ALLOWED_HOSTS)."""


class PrivateAddress(RequestRefused):
    """The request's host is, or resolves to, a private, loopback, link-local, multicast or
    reserved address that NEWSARCHIVE_ALLOW_PRIVATE does not allow (or the connection went to one)."""


class ResponseTooLarge(IgnoreRequest):
    """The response's body is over DOWNLOAD_MAXSIZE, as announced, as received or once
    decompressed: it was cut, and is not parsed."""


class BadSetting(ValueError):
    """A setting whose value the crawl cannot take (`-s DOWNLOAD_DELAY=abc`,
    NEWSARCHIVE_PROCESSES=3): said in one line before the crawl starts, not as a traceback."""
