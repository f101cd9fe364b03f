"""When to fetch a URL again: article re-checks, Retry-After, back-off after failures (pure).

Times are archive timestamps (crawler.core.clock): "YYYY-MM-DDTHH:MM:SSZ", UTC.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from crawler.core import clock

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
    return clock.format(clock.parse(fetched_at) + RECHECK_AFTER[checks - 1])


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
    moment = clock.parse(now)
    delay = _retry_after_delay(value, moment, cap) if value else None
    if delay is None:
        delay = default
    delay = max(timedelta(0), min(delay, cap))
    return clock.format(moment + delay)


def failure_backoff(attempts: int, now: str) -> str | None:
    """When to retry after a failed fetch (5xx, timeout), or None to give up.

    attempts counts the failed attempts so far, this one included: 1 -> +15 min, 2 -> +1 h,
    3 -> +6 h, 4 -> +1 day, 5 or more -> None. ValueError for attempts < 1 or a bad timestamp.
    """
    if attempts < 1:
        raise ValueError(f"attempts must be >= 1, not {attempts}")
    if attempts > len(FAILURE_BACKOFF):
        return None
    return clock.format(clock.parse(now) + FAILURE_BACKOFF[attempts - 1])
