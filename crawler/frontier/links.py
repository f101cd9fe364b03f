"""Links found in a fetched file: resolved, http(s) only, canonical, de-duplicated (pure)."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urljoin

from crawler.frontier.urls import canonicalize, is_fetchable

FEED_MEDIA_TYPES = frozenset({"application/rss+xml", "application/atom+xml"})


def media_type(content_type: str) -> str:
    """'application/rss+xml' from 'Application/RSS+XML; charset=utf-8'."""
    return content_type.split(";", 1)[0].strip().lower()


def clean_links(base_url: str, links: Iterable[str]) -> list[str]:
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
