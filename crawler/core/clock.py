"""Timestamps as stored in the archive: ISO 8601, UTC, second precision, 'Z' suffix."""

from datetime import datetime, timezone


def utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
