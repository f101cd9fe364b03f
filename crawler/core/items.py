"""The item dataclasses: the one schema shared by page objects, the spider, processing and storage.

Two kinds of item leave a crawl (what `scrapy crawl <site> -O out.jsonl` exports): an `Article`
per article page and a `Ticker` per page that shows the headline ticker. Their fields are plain
JSON values (strings, numbers, lists, None). `EXPORT_FIELDS` is the union of both, in order, for
exporters that need one header (CSV); the `type` field tells the rows apart.

`UrlMark` (what happened to a URL of the frontier) and `Page` (what a page object returns) are
not items: marks go to the archive through the crawl's extension, never through the pipelines.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterator

ARTICLE_FIELDS = ("title", "authors", "publisher", "published", "published_at", "published_problem", "language",
                  "paragraphs", "original_url", "image_url")


class PageError(ValueError):
    """The input cannot be read as a page."""


@dataclass
class Headline:
    """One item of the headline ticker."""

    position: int  # 1-based, counting non-empty items only
    text: str
    url: str | None  # absolute and canonical; None in text pages


@dataclass
class Article:
    """An article page: what the aggregator shows of one paper's article."""

    url: str  # canonical page URL
    title: str | None
    publisher: str | None  # the paper named in the credit line
    published: str | None  # ISO date, day precision; None when the page gives none that can be true
    language: str | None  # "fr" or "ar"
    paragraphs: list[str] = field(default_factory=list)
    original_url: str | None = None
    image_url: str | None = None
    published_problem: str | None = None  # why published is None though the page gives a date
    authors: list[str] = field(default_factory=list)  # the people credited, as the page names them
    published_at: str | None = None  # the full ISO-8601 timestamp, where the page gives a time
    partial: bool = False  # a teaser of a paywalled article: the page shows only part of it
    # Set by the crawl, not by parsing:
    seen_at: str | None = None  # when the page was fetched (or captured, for a mirror)
    fetched_url: str | None = None  # the URL as found (link, feed, seed), beside the canonical `url`
    capture: str | None = None  # the WARC record of the response it was parsed from
    parser_version: str | None = None  # the page object that parsed it (set by parsing)
    # Set by processing:
    content_hash: str | None = None  # sha256 of the normalised body
    group: str | None = None  # its group of copies: the URL of the group's first-seen member
    group_similarity: float | None = None
    group_method: str | None = None  # first, exact, near; None: the URL was grouped before
    type: str = field(default="article", init=False)

    def to_json(self) -> dict:
        """The parsed fields, in the order `newsarchive parse` prints them, and the page object
        that parsed them (`parser`)."""
        fields = {name: getattr(self, name) for name in ARTICLE_FIELDS}
        fields["parser"] = self.parser_version
        return fields


@dataclass
class Ticker:
    """The headline ticker as seen on one page at one time."""

    page_url: str
    headlines: list[Headline]
    seen_at: str | None = None
    capture: str | None = None
    parser_version: str | None = None
    type: str = field(default="ticker", init=False)


# One header for both items (CSV), in this order; JSON exporters give each item its own fields.
EXPORT_FIELDS = (
    "type", "url", "page_url", "title", "authors", "publisher", "published", "published_at", "language", "paragraphs", "headlines",
    "original_url", "image_url", "published_problem", "seen_at", "fetched_url", "capture", "parser_version", "content_hash",
    "group", "group_similarity", "group_method",
)


@dataclass
class UrlMark:
    """What happened to one URL of the frontier in a crawl (the urls table's row, updated)."""

    url: str  # canonical
    kind: str  # front, listing, article, feed, sitemap, other
    status: str  # discovered, fetched, failed, skipped
    at: str  # when (UTC)
    reason: str | None = None  # machine-readable: not_modified, gone_410, http_503, robots_forbidden...
    last_status: int | None = None  # HTTP status of the answer, if one came
    etag: str | None = None
    last_modified: str | None = None
    next_due: str | None = None  # when to fetch it again; None: never
    depth: int = 0
    gone: bool = False  # 404 or 410: gone from the site since `at`


@dataclass
class Page:
    """Everything a page object extracts from one page."""

    url: str
    article: Article | None
    headlines: list[Headline]
    links: list[str] = field(default_factory=list)  # every absolute link on the page, in order
    parser_version: str | None = None
    canonical_link: str | None = None
    encoding: str | None = None  # how the bytes were read (crawler.sites.parse.parse_bytes)
    decoding_clean: bool = True  # False: every encoding tried showed signs of a wrong reading
    rejected: str | None = None  # not an article after all: soft_404, bot_wall, consent_wall
    rejected_evidence: str | None = None  # what said so, for the log

    def to_json(self) -> dict:
        return {
            "url": self.url,
            "article": self.article.to_json() if self.article else None,
            "headlines": [{"position": h.position, "text": h.text, "url": h.url} for h in self.headlines],
        }


def page_items(page: Page, seen_at: str, capture: str | None = None, *, fetched_url: str | None = None,
               canonical: str | None = None) -> Iterator[Article | Ticker]:
    """The items a crawl (or a re-parse) passes to processing for one parsed page.

    `canonical`: the page's trusted rel=canonical URL, which then identifies the article.
    """
    if page.article is not None:
        yield replace(page.article, url=canonical or page.article.url, seen_at=seen_at, capture=capture,
                      fetched_url=fetched_url)
    if page.headlines:
        yield Ticker(page_url=page.url, headlines=page.headlines, seen_at=seen_at, capture=capture,
                     parser_version=page.parser_version)
