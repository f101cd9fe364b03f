"""Link discovery and scheduling rules (pure functions: no engine, no I/O, no network).

- feeds: :func:`looks_like_feed`, :func:`feed_links` (feedparser underneath);
- sitemaps: :func:`sitemap_links` (scrapy.utils.sitemap underneath; robots.txt's Sitemap lines are read
  from Scrapy's own robots.txt parser, in the spider);
- crawler traps: :func:`is_trap`;
- when to fetch again: :func:`next_check` (articles), :func:`retry_after` (HTTP Retry-After),
  :func:`failure_backoff` (5xx, timeouts);
- what a URL is: :func:`page_kind`.

Every URL handed out is absolute, http(s) only and in the form of :func:`crawler.urls.canonicalize`.
Times are archive timestamps: "YYYY-MM-DDTHH:MM:SSZ", UTC.
"""

from __future__ import annotations

import gzip
import io
import re
import zlib
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qsl, urljoin, urlsplit

import feedparser
import lxml.etree
from scrapy.utils.sitemap import Sitemap

from crawler.urls import canonicalize, is_article_url, is_fetchable, known_site

TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

# --------------------------------------------------------------------------- helpers


def _parse_time(value: str) -> datetime:
    """An archive timestamp ("YYYY-MM-DDTHH:MM:SSZ") as an aware UTC datetime; ValueError otherwise."""
    return datetime.strptime(value, TIME_FORMAT).replace(tzinfo=timezone.utc)


def _format_time(moment: datetime) -> str:
    """An aware datetime as an archive timestamp (UTC, second precision, 'Z')."""
    return moment.astimezone(timezone.utc).strftime(TIME_FORMAT)


def _media_type(content_type: str) -> str:
    """'application/rss+xml' from 'Application/RSS+XML; charset=utf-8'."""
    return content_type.split(";", 1)[0].strip().lower()


def _clean_links(base_url: str, links: Iterable[str]) -> list[str]:
    """Links resolved against base_url, http(s) only, canonicalized, de-duplicated, order kept."""
    seen: dict[str, None] = {}
    for link in links:
        link = (link or "").strip()
        if not link:
            continue
        absolute = urljoin(base_url, link)
        if not is_fetchable(absolute):
            continue
        try:
            seen.setdefault(canonicalize(absolute), None)
        except ValueError:  # e.g. an invalid port or IPv6 literal: not a URL we can fetch
            continue
    return list(seen)


# --------------------------------------------------------------------------- feeds

FEED_MEDIA_TYPES = frozenset({"application/rss+xml", "application/atom+xml"})
XML_MEDIA_TYPES = frozenset({"application/xml", "text/xml", "application/rdf+xml"})
RDF_NAMESPACE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


def _xml_root(body: bytes) -> tuple[str, str] | None:
    """(namespace, local name) of the root element of an XML body, or None if there is none.

    Only the first start tag is parsed; entities are not resolved and nothing is fetched.
    """
    events = lxml.etree.iterparse(
        io.BytesIO(body), events=("start",), recover=True, resolve_entities=False, no_network=True
    )
    try:
        _, root = next(events)
    except (StopIteration, lxml.etree.LxmlError):
        return None
    tag = root.tag
    if not isinstance(tag, str):
        return None
    namespace, _, local = tag[1:].partition("}") if tag.startswith("{") else ("", "", tag)
    return namespace, local


def looks_like_feed(content_type: str, body: bytes) -> bool:
    """True if a response is an RSS or Atom feed.

    application/rss+xml and application/atom+xml are feeds whatever the body; generic XML types
    (application/xml, text/xml, application/rdf+xml) are feeds when the root element is <rss>,
    <feed> or <rdf:RDF>. Any other content type (text/html included) is not a feed.
    """
    media_type = _media_type(content_type)
    if media_type in FEED_MEDIA_TYPES:
        return True
    if media_type not in XML_MEDIA_TYPES:
        return False
    root = _xml_root(body)
    if root is None:
        return False
    namespace, local = root
    return local in {"rss", "feed"} or (local == "RDF" and namespace == RDF_NAMESPACE)


def _entry_link(entry: feedparser.FeedParserDict) -> str:
    """The page an entry points to: its main link, else its first alternate link, else ''.

    feedparser already falls back to an RSS <guid isPermaLink="true"> when <link> is missing.
    """
    if entry.get("link"):
        return entry["link"]
    for link in entry.get("links", []):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return link["href"]
    return ""


def feed_links(url: str, body: bytes) -> list[str]:
    """The entry links of an RSS or Atom feed fetched from url, in feed order.

    Relative links are resolved against xml:base or the feed URL; the result is canonicalized,
    de-duplicated and limited to http(s). A body that is not a feed (HTML, garbage, empty) gives [].
    """
    if not body:
        return []
    # A BytesIO, never the raw bytes/str: feedparser treats strings as URLs or file paths.
    parsed = feedparser.parse(io.BytesIO(body), response_headers={"content-location": url})
    if not parsed.get("version"):
        return []
    return _clean_links(url, (_entry_link(entry) for entry in parsed.entries))


# --------------------------------------------------------------------------- sitemaps

GZIP_MAGIC = b"\x1f\x8b"
MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemaps.org limit for an uncompressed sitemap
_CHUNK = 1024 * 1024


def _gunzip(body: bytes, max_size: int) -> bytes | None:
    """The decompressed body, or None if it is corrupt or larger than max_size once decompressed.

    Reads chunk by chunk so that a gzip bomb never gets more than max_size + 1 chunk in memory.
    """
    out = bytearray()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as stream:
            while chunk := stream.read(_CHUNK):
                out += chunk
                if len(out) > max_size:
                    return None
    except (OSError, EOFError, zlib.error):
        return None
    return bytes(out)


def sitemap_links(url: str, body: bytes) -> tuple[list[str], list[str]]:
    """(page URLs, child sitemap URLs) of a sitemap (<urlset>) or sitemap index (<sitemapindex>).

    Gzip bodies (recognised by their magic bytes, not by the URL) are decompressed first, up to
    MAX_SITEMAP_BYTES; beyond that, or for anything that is not a sitemap, the answer is ([], []).
    <loc> values are resolved against url, canonicalized, de-duplicated, http(s) only; hreflang
    alternates are ignored.
    """
    if body.startswith(GZIP_MAGIC):
        body = _gunzip(body, MAX_SITEMAP_BYTES)
        if body is None:
            return [], []
    if not body.strip():
        return [], []
    try:
        sitemap = Sitemap(body)
    except (StopIteration, lxml.etree.LxmlError):  # empty or hopeless XML
        return [], []
    if sitemap.type not in {"urlset", "sitemapindex"}:
        return [], []
    locs: list[str] = []
    try:
        for entry in sitemap:
            locs.append(entry.get("loc", ""))
    except lxml.etree.LxmlError:  # broken past some point: keep what came before
        pass
    links = _clean_links(url, locs)
    return (links, []) if sitemap.type == "urlset" else ([], links)


# --------------------------------------------------------------------------- traps

PAGE_PARAMS = frozenset({"page", "p", "paged"})
OFFSET_PARAMS = frozenset({"start", "offset"})
ITEMS_PER_PAGE = 50  # start/offset count items: offset > max_page * ITEMS_PER_PAGE is too far
MIN_YEAR = 1990
YEAR_PARAMS = frozenset({"year", "yr"})
_NUMBER = re.compile(r"[0-9]{1,9}")  # ASCII digits only; more than 9 digits counts as huge
_ISO_DATE = re.compile(r"(?P<year>[0-9]{4})-(?P<month>[0-9]{1,2})(?:-(?P<day>[0-9]{1,2}))?")
_YEAR = re.compile(r"[0-9]{4}")
_MONTH_OR_DAY = re.compile(r"[0-9]{1,2}")


def _current_year() -> int:
    """This year (UTC); the only clock read of the trap rules."""
    return datetime.now(timezone.utc).year


def _number(value: str) -> int | None:
    """A non-negative integer from ASCII digits; absurdly long digit strings count as huge."""
    value = value.strip()
    if _NUMBER.fullmatch(value):
        return int(value)
    if value.isascii() and value.isdigit():
        return 10**9
    return None


def _repeated_segment(segments: list[str], max_repeats: int) -> bool:
    """A segment occurring more than max_repeats times, or a non-numeric segment twice in a row."""
    lowered = [s.lower() for s in segments]
    if any(lowered.count(s) > max_repeats for s in set(lowered)):
        return True
    return any(a == b and not a.isdigit() for a, b in zip(lowered, lowered[1:]))


def _endless_pagination(segments: list[str], query: list[tuple[str, str]], max_page: int) -> bool:
    """A page number beyond max_page in ?page=/p=/paged=, /page/<n>, or an item offset
    (?start=/offset=) beyond max_page pages of ITEMS_PER_PAGE."""
    for name, value in query:
        number = _number(value)
        if number is None:
            continue
        name = name.lower()
        if name in PAGE_PARAMS and number > max_page:
            return True
        if name in OFFSET_PARAMS and number > max_page * ITEMS_PER_PAGE:
            return True
    for segment, following in zip(segments, segments[1:]):
        number = _number(following)
        if segment.lower() == "page" and number is not None and number > max_page:
            return True
    return False


def _bad_date(year: int, month: int | None = None, day: int | None = None) -> bool:
    """Outside MIN_YEAR..next year, or an impossible month (1..12) or day (1..31)."""
    if not MIN_YEAR <= year <= _current_year() + 1:
        return True
    if month is not None and not 1 <= month <= 12:
        return True
    return day is not None and not 1 <= day <= 31


def _iso_date_is_bad(value: str) -> bool:
    """True if value is a YYYY-MM or YYYY-MM-DD date out of range."""
    match = _ISO_DATE.fullmatch(value.strip())
    if not match:
        return False
    day = match["day"]
    return _bad_date(int(match["year"]), int(match["month"]), int(day) if day else None)


def _calendar(segments: list[str], query: list[tuple[str, str]]) -> bool:
    """A date out of range: a path /YYYY/MM[/DD] or a YYYY-MM[-DD] segment, ?year=YYYY, or a
    query value YYYY-MM[-DD]. A lone 4-digit segment is not a date (it may be an article id)."""
    for index, segment in enumerate(segments):
        if _iso_date_is_bad(segment):
            return True
        following = segments[index + 1 : index + 3]
        if _YEAR.fullmatch(segment) and following and _MONTH_OR_DAY.fullmatch(following[0]):
            day = following[1] if len(following) > 1 and _MONTH_OR_DAY.fullmatch(following[1]) else None
            if _bad_date(int(segment), int(following[0]), int(day) if day else None):
                return True
    for name, value in query:
        if name.lower() in YEAR_PARAMS and _YEAR.fullmatch(value.strip()) and _bad_date(int(value)):
            return True
        if _iso_date_is_bad(value):
            return True
    return False


def is_trap(
    url: str, *, max_length: int = 2000, max_repeats: int = 2, max_page: int = 50, max_depth: int = 12
) -> str | None:
    """Why a URL looks like a crawler trap, or None. The first rule that matches wins:

    - "url_too_long": more than max_length characters.
    - "repeated_path_segment": a path segment (case-insensitive) occurring more than max_repeats
      times (/a/b/a/b/a/b/), or the same non-numeric segment twice in a row (/fr/fr/; numeric
      ones are exempt so that dates like /2024/01/01/ pass).
    - "deep_path": more than max_depth non-empty path segments.
    - "endless_pagination": ?page=, ?p= or ?paged= beyond max_page, a path /page/<n> with n beyond
      max_page, or ?start= / ?offset= beyond max_page * ITEMS_PER_PAGE (those count items).
    - "calendar": a date before MIN_YEAR (1990) or after next year, or with an impossible month
      or day, in the path (/YYYY/MM[/DD]/, or a YYYY-MM[-DD] segment) or the query (?year=YYYY,
      or any value YYYY-MM[-DD]).
    """
    if len(url) > max_length:
        return "url_too_long"
    parts = urlsplit(url)
    segments = [segment for segment in parts.path.split("/") if segment]
    query = parse_qsl(parts.query, keep_blank_values=True)
    if _repeated_segment(segments, max_repeats):
        return "repeated_path_segment"
    if len(segments) > max_depth:
        return "deep_path"
    if _endless_pagination(segments, query, max_page):
        return "endless_pagination"
    if _calendar(segments, query):
        return "calendar"
    return None


# --------------------------------------------------------------------------- schedules

RECHECK_AFTER = (timedelta(hours=1), timedelta(hours=6), timedelta(days=1), timedelta(weeks=1))
FAILURE_BACKOFF = (timedelta(minutes=15), timedelta(hours=1), timedelta(hours=6), timedelta(days=1))


def next_check(fetched_at: str, checks: int) -> str | None:
    """When an article is due again after a successful fetch at fetched_at, or None when done.

    checks counts the successful fetches so far, this one included: 1 -> +1 h, 2 -> +6 h,
    3 -> +1 day, 4 -> +1 week, 5 or more -> None. ValueError for checks < 1 or a bad timestamp.
    """
    if checks < 1:
        raise ValueError(f"checks must be >= 1, not {checks}")
    if checks > len(RECHECK_AFTER):
        return None
    return _format_time(_parse_time(fetched_at) + RECHECK_AFTER[checks - 1])


def _retry_after_delay(value: str, now: datetime, cap: timedelta) -> timedelta | None:
    """The delay a Retry-After value asks for (delta-seconds or HTTP-date), None if unparsable.

    Delta-seconds are capped before building the timedelta so that huge values cannot overflow.
    """
    value = value.strip()
    if value.isascii() and value.isdigit():
        seconds = int(value) if len(value) <= 12 else 10**12
        return timedelta(seconds=min(seconds, cap.total_seconds()))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # "-0000" means UTC with unknown origin
        when = when.replace(tzinfo=timezone.utc)
    return when - now


def retry_after(
    value: str | None,
    now: str,
    *,
    cap: timedelta = timedelta(hours=6),
    default: timedelta = timedelta(minutes=5),
) -> str:
    """When to try again, from a Retry-After header value: "120" (seconds) or an HTTP-date.

    The answer lies between now and now + cap; a missing or unparsable value means now + default
    (capped too). now and the answer are archive timestamps.
    """
    moment = _parse_time(now)
    delay = _retry_after_delay(value, moment, cap) if value else None
    if delay is None:
        delay = default
    delay = max(timedelta(0), min(delay, cap))
    return _format_time(moment + delay)


def failure_backoff(attempts: int, now: str) -> str | None:
    """When to retry after a failed fetch (5xx, timeout), or None to give up.

    attempts counts the failed attempts so far, this one included: 1 -> +15 min, 2 -> +1 h,
    3 -> +6 h, 4 -> +1 day, 5 or more -> None. ValueError for attempts < 1 or a bad timestamp.
    """
    if attempts < 1:
        raise ValueError(f"attempts must be >= 1, not {attempts}")
    if attempts > len(FAILURE_BACKOFF):
        return None
    return _format_time(_parse_time(now) + FAILURE_BACKOFF[attempts - 1])


# --------------------------------------------------------------------------- page kinds

FEED_PATH_ENDINGS = ("/rss", "/feed", "/atom", ".rss", ".atom")
FEED_WORDS = ("rss", "feed", "atom")
EDITION_ROOTS = frozenset({"/", "/fr", "/fr/"})


def _is_sitemap_path(path: str) -> bool:
    """sitemap*.xml, any .xml or .xml.gz whose path mentions 'sitemap' (post-sitemap.xml, ...)."""
    return path.endswith((".xml", ".xml.gz")) and "sitemap" in path


def _is_feed_path(path: str, query: str) -> bool:
    """/rss, /feed, /atom, .rss, .atom (trailing slash allowed), an .xml path mentioning
    rss/feed/atom (/rss/fr.xml, /feeds/all.xml), or a WordPress-style ?feed= query."""
    trimmed = path.rstrip("/")
    if trimmed.endswith(FEED_PATH_ENDINGS):
        return True
    if path.endswith(".xml") and any(word in path for word in FEED_WORDS):
        return True
    return any(name.lower() == "feed" for name, _ in parse_qsl(query, keep_blank_values=True))


def page_kind(url: str, content_type: str = "") -> str:
    """What a URL is, the first that applies:

    - "feed": an RSS/Atom content type (application/rss+xml, application/atom+xml);
    - "sitemap": an .xml or .xml.gz path mentioning 'sitemap';
    - "feed": a feed-like path (see _is_feed_path);
    - "article": crawler.urls.is_article_url;
    - "front": the path is "/" (or empty) or a bare edition root, "/fr" or "/fr/";
    - "listing": any other page of a known site (/fr/lopinion, a paper's listing, ...);
    - "other": everything else.
    """
    if _media_type(content_type) in FEED_MEDIA_TYPES:
        return "feed"
    parts = urlsplit(url)
    path = parts.path.lower()
    if _is_sitemap_path(path):
        return "sitemap"
    if _is_feed_path(path, parts.query):
        return "feed"
    if is_article_url(url):
        return "article"
    if (path or "/") in EDITION_ROOTS:
        return "front"
    if known_site(parts.hostname or ""):
        return "listing"
    return "other"
