"""The one clock and the one timestamp format of the archive.

Every time the archive stores is "YYYY-MM-DDTHH:MM:SSZ": ISO 8601, UTC, second precision, with
a 'Z'. `timestamp()` is now in that form, `now()` the same moment as an aware datetime; `parse`
and `format` convert between the two.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def now() -> datetime:
    """Now, as an aware UTC datetime."""
    return datetime.now(timezone.utc)


def format(moment: datetime) -> str:  # noqa: A001 - the module's vocabulary: clock.format, clock.parse
    """An aware datetime as an archive timestamp (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime(TIME_FORMAT)


def parse(value: str) -> datetime:
    """An archive timestamp as an aware UTC datetime; ValueError for anything else."""
    return datetime.strptime(value, TIME_FORMAT).replace(tzinfo=timezone.utc)


def timestamp() -> str:
    """Now, as an archive timestamp."""
    return format(now())


def later(value: str, delta: timedelta) -> str:
    """The archive timestamp `delta` after another one."""
    return format(parse(value) + delta)
