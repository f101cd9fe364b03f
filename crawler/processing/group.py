"""Group copies, within a crawl and across crawls: copies are grouped, not thrown away.

Articles: by canonical URL (the same URL twice in a crawl is stored once) and by their text: a
new URL whose normalised body hashes like an archived one joins that article's group ("exact"),
else MinHash LSH over word shingles (crawler.grouping.articles) finds a near copy ("near") or
opens a new group ("first"). The index keeps one signature per group, stored with the archive,
so next month's crawl still matches this month's articles. Headlines: by their folded text
(case, spacing, quotes), for the crawl: only what is new to this crawl, or a better position,
is stored; a headline never seen before is put in a story (crawler.grouping.stories) with the
headlines that report the same event.

Pure: the archive's state is asked for through an `ArchiveView` (point queries the host
answers from the archive's indexes, crawler.archive.state; `GroupingState` holds one in
memory), never loaded whole, and what must be stored goes out with each `Outcome`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from crawler.core import stats as keys
from crawler.core.items import Article, Ticker
from crawler.core.text import content_hash, headline_key
from crawler.grouping.articles import ArticleGroups, signature_buckets
from crawler.grouping.stories import StoryGroups
from crawler.processing.drop import Drop


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


class ArchiveView(Protocol):
    """What grouping asks of the archive, one point query at a time (the archive answers from
    its indexes: crawler.archive.state), so that a crawl never holds the archive's state whole.
    Answers are as the archive was before the crawl; the Grouper remembers what the crawl did."""

    def content_hash(self, url: str) -> str | None:
        """The content hash of the article stored at `url`."""

    def hash_holder(self, content_hash: str) -> str | None:
        """The first URL (in URL order) of the articles stored with this content hash."""

    def group_of(self, url: str) -> str | None:
        """The group of the article stored at `url`."""

    def near_candidates(self, buckets: list[int]) -> Iterable[tuple[str, bytes]]:
        """(group, signature) of the groups whose signature shares an LSH bucket with `buckets`,
        oldest group first."""

    def in_story(self, key: str) -> bool:
        """Whether the headline of this key is stored with a story."""

    def recent_stories(self) -> Iterable[tuple[str, str, str, str]]:
        """(story, key, text, last seen) of the stories' first headlines that new headlines
        may still join (a recent window, crawler.archive.state.STORY_WINDOW), oldest first."""


@dataclass
class GroupingState:
    """An ArchiveView held in memory: what tests and small tools give the Grouper."""

    hashes: dict[str, str] = field(default_factory=dict)  # url -> content hash of every article
    groups: dict[str, str] = field(default_factory=dict)  # url -> its group
    signatures: list[tuple[str, bytes]] = field(default_factory=list)  # (group, MinHash) per group
    stories: list[dict] = field(default_factory=list)  # key, text, story (key) of every headline with one

    def content_hash(self, url: str) -> str | None:
        return self.hashes.get(url)

    def hash_holder(self, content_hash: str) -> str | None:
        return min((u for u, h in self.hashes.items() if h == content_hash), default=None)

    def group_of(self, url: str) -> str | None:
        return self.groups.get(url)

    def near_candidates(self, buckets: list[int]) -> Iterable[tuple[str, bytes]]:
        wanted = set(buckets)
        for grp, signature in self.signatures:
            if wanted.intersection(signature_buckets(signature)):
                yield grp, signature

    def in_story(self, key: str) -> bool:
        return any(row["key"] == key for row in self.stories)

    def recent_stories(self) -> Iterable[tuple]:
        return [(row["story"], row["key"], row["text"], row.get("last_seen"))
                for row in self.stories if row["story"] == row["key"]]


@dataclass
class Outcome:
    """An item after processing, and what the archive must store beside it."""

    item: Article | Ticker
    signature: bytes | None = None  # articles: the MinHash of a new group's first member
    buckets: list[int] | None = None  # and its LSH buckets, by which later crawls find the group
    sightings: list[Sighting] = field(default_factory=list)  # tickers: new or improved this crawl


class Grouper:
    """The grouping state of one crawl."""

    def __init__(self, archive: ArchiveView, *, boilerplate=()):
        self.archive = archive
        # What this crawl did, remembered beside the archive's answers (which are as it was
        # before the crawl): the crawl's own articles and headlines only.
        self.hash_by_url: dict[str, str] = {}  # url -> content hash, of every article this crawl
        self.url_by_hash: dict[str, str] = {}  # content hash -> first URL holding it
        self.groups: dict[str, str] = {}  # url -> its group, of every article this crawl
        self.article_groups = ArticleGroups(boilerplate=boilerplate, archived=archive.near_candidates)
        self.stories = StoryGroups()
        self.stories.load(archive.recent_stories())
        self.story_keys: set[str] = set()  # headlines this crawl put in a story
        self.crawled_urls: set[str] = set()
        self.sightings: dict[str, Sighting] = {}

    def _hash_of(self, url: str) -> str | None:
        if url in self.hash_by_url:
            return self.hash_by_url[url]
        return self.archive.content_hash(url)

    def _holder(self, content_hash: str) -> str | None:
        if content_hash not in self.url_by_hash:
            holder = self.archive.hash_holder(content_hash)
            if holder is None:
                return None
            self.url_by_hash[content_hash] = holder
        return self.url_by_hash[content_hash]

    def _group_of(self, url: str) -> str | None:
        if url in self.groups:
            return self.groups[url]
        return self.archive.group_of(url)

    def article(self, article: Article, stats) -> Outcome:
        if article.url in self.crawled_urls:
            stats.inc_value(keys.SAME_URL_IN_CRAWL)
            raise Drop(f"article already stored in this crawl: {article.url}")
        article.content_hash = content_hash(article.paragraphs)
        signature = self._group(article, stats)
        outcome = Outcome(article, signature=signature,
                          buckets=signature_buckets(signature) if signature is not None else None)
        known = self._hash_of(article.url)
        if known is None:
            stats.inc_value(keys.ARTICLES_NEW)
        elif known == article.content_hash:
            stats.inc_value(keys.ARTICLES_UNCHANGED)
        else:
            stats.inc_value(keys.ARTICLES_CHANGED)
        self.crawled_urls.add(article.url)
        self.hash_by_url[article.url] = article.content_hash
        if self._holder(article.content_hash) is None:
            self.url_by_hash[article.content_hash] = article.url
        return outcome

    def _group(self, article: Article, stats) -> bytes | None:
        """Put an article in its group of copies (an archived URL keeps the group it has); the
        signature of a new group, to store."""
        url = article.url
        stored = self._group_of(url)
        if stored is not None:
            self.groups[url] = stored
            article.group, article.group_method = stored, None  # stored already
            return None
        signature = None
        holder = self._holder(article.content_hash)
        if holder is not None and holder != url:
            article.group = self._group_of(holder) or holder
            article.group_similarity, article.group_method = 1.0, "exact"
        else:
            assignment = self.article_groups.add(url, "\n".join(article.paragraphs))
            article.group, article.group_similarity = assignment.group, round(assignment.similarity, 4)
            article.group_method = "first" if assignment.new else "near"
            signature = assignment.signature
        self.groups[url] = article.group
        stats.inc_value(keys.article_group(article.group_method))
        return signature

    def _story(self, sighting: Sighting, stats) -> None:
        """Put a headline never seen before in its story."""
        if sighting.key in self.story_keys or self.archive.in_story(sighting.key):
            return
        self.story_keys.add(sighting.key)
        assignment = self.stories.add(sighting.key, sighting.text, sighting.seen_at)
        sighting.story, sighting.story_similarity = assignment.story, round(assignment.similarity, 4)
        stats.inc_value(keys.headline_story(joined=not assignment.new))

    def ticker(self, ticker: Ticker, stats) -> Outcome:
        """The sightings of the ticker that are new or improved in this crawl."""
        changed = []
        for headline in ticker.headlines:
            key = headline_key(headline.text)
            seen = self.sightings.get(key)
            if seen is None:
                seen = Sighting(key, headline.text, headline.url, headline.position, ticker.page_url,
                                ticker.seen_at, ticker.capture, ticker.parser_version)
                self._story(seen, stats)
                self.sightings[key] = seen
                changed.append(seen)
                continue
            better = headline.position < seen.position or (seen.url is None and headline.url is not None)
            seen.position = min(seen.position, headline.position)
            seen.url = seen.url or headline.url
            if better:
                changed.append(seen)
        repeated = len(ticker.headlines) - len(changed)
        if repeated:
            stats.inc_value(keys.HEADLINES_REPEATED, repeated)
        return Outcome(ticker, sightings=changed)
