"""The item dataclasses: the one schema shared by page objects, spiders, pipelines and storage."""

from __future__ import annotations

from dataclasses import dataclass, field

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


@dataclass
class Ticker:
    """The headline ticker as seen on one page at one time."""

    page_url: str
    headlines: list[Headline]
    seen_at: str | None = None
    # Set by the deduplicate pipeline: the sightings this page adds to the crawl (new or improved).
    sightings: list[Sighting] = field(default_factory=list)


@dataclass
class Page:
    """Everything a page object extracts from one page."""

    url: str
    article: Article | None
    headlines: list[Headline]
    links: list[str] = field(default_factory=list)  # every absolute link on the page, in order

    def to_json(self) -> dict:
        return {
            "url": self.url,
            "article": self.article.to_json() if self.article else None,
            "headlines": [{"position": h.position, "text": h.text, "url": h.url} for h in self.headlines],
        }
