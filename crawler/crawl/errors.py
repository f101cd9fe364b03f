"""Why a request was not fetched, as exception types (the spider's errback tells them apart by
type, never by message)."""

from scrapy.exceptions import IgnoreRequest


class RobotsForbidden(IgnoreRequest):
    """robots.txt disallows the URL."""


class RobotsUnavailable(IgnoreRequest):
    """The host's robots.txt answered 5xx: nothing is fetched there this run (RFC 9309)."""


class NotInMirror(IgnoreRequest):
    """Replay: the mirror or WARC files hold no answer for the URL; it is never fetched."""
