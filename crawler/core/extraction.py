"""Names shared by the extraction health tally (crawler.processing.health) and the pages that
show it (crawler.publish): which article fields are counted, and how a parser name says the
generic page object read a page instead of the site's own."""

from __future__ import annotations

# The fields whose presence is counted (the article's attribute names).
FIELDS = ("title", "authors", "published", "published_at", "language", "image_url", "publisher")
FALLBACK_MARK = "(fallback from "  # in a parser name: "generic/1 (fallback from maghress/2)"


def is_fallback(parser: str | None) -> bool:
    return bool(parser) and FALLBACK_MARK in parser
