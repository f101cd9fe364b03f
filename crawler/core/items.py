"""The item dataclasses: the one schema shared by page objects, spiders, pipelines and storage."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterator

ARTICLE_FIELDS = ("title", "publisher", "published", "language", "paragraphs", "original_url", "image_url")


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
    published: str | None  # ISO date, day precision
    language: str | None  # "fr" or "ar"
    paragraphs: list[str] = field(default_factory=list)
    original_url: str | None = None
    image_url: str | None = None
    # Set by the crawl, not by parsing:
    seen_at: str | None = None  # when the page was fetched (or captured, for a mirror)
    content_hash: str | None = None  # set by the deduplicate pipeline
    capture: str | None = None  # the WARC record of the response it was parsed from
    parser_version: str | None = None  # the page object that parsed it (set by parsing)
    fetched_url: str | None = None  # the URL as found (link, feed, seed), beside the canonical `url`
    # Set by the deduplicate pipeline: the article's group of copies (exact or near).
    group: str | None = None  # the URL of the group's first-seen member
    group_similarity: float | None = None
    group_method: str | None = None  # first, exact, near
    group_signature: bytes | None = None  # the MinHash of a new group's first member

    def to_json(self) -> dict:
        """The parsed fields, in the order `newsarchive parse` prints them."""
        return {name: getattr(self, name) for name in ARTICLE_FIELDS}


@dataclass
class Sighting:
    """A headline as seen by one crawl: best position, first page and time, URL when known."""

    key: str  # the folded text that identifies the headline
    text: str
    url: str | None
    position: int
    page_url: str
    seen_at: str
    capture: str | None = None
    parser_version: str | None = None
    story: str | None = None  # the key of the story's first headline (new headlines only)
    story_similarity: float | None = None


@dataclass
class Ticker:
    """The headline ticker as seen on one page at one time."""

    page_url: str
    headlines: list[Headline]
    seen_at: str | None = None
    capture: str | None = None
    parser_version: str | None = None
    # Set by the deduplicate pipeline: the sightings this page adds to the crawl (new or improved).
    sightings: list[Sighting] = field(default_factory=list)


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

    def to_json(self) -> dict:
        return {
            "url": self.url,
            "article": self.article.to_json() if self.article else None,
            "headlines": [{"position": h.position, "text": h.text, "url": h.url} for h in self.headlines],
        }


def page_items(page: Page, seen_at: str, capture: str | None = None, *, fetched_url: str | None = None,
               canonical: str | None = None) -> Iterator[Article | Ticker]:
    """The items a crawl (or a re-parse) passes to the pipelines for one parsed page.

    `canonical`: the page's trusted rel=canonical URL, which then identifies the article.
    """
    if page.article is not None:
        yield replace(page.article, url=canonical or page.article.url, seen_at=seen_at, capture=capture,
                      fetched_url=fetched_url)
    if page.headlines:
        yield Ticker(page_url=page.url, headlines=page.headlines, seen_at=seen_at, capture=capture,
                     parser_version=page.parser_version)
