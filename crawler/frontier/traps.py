"""Crawler traps: URLs that only lead to more URLs of the same kind (pure rules)."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

from crawler.core import clock

MAX_URL_LENGTH = 2000  # characters: a longer URL is skipped (Scrapy's URLLENGTH_LIMIT is set to it)
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
    return clock.now().year


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
    url: str, *, max_length: int = MAX_URL_LENGTH, max_repeats: int = 2, max_page: int = 50, max_depth: int = 12
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
