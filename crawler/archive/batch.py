"""A batch of what a crawl (or a re-parse) stores: articles with their groups, headline sightings
with their stories, and frontier marks, written in one transaction.

Articles keep their history (a changed text is a new version); headline sightings are written
once per headline per crawl. The host adds processing outcomes and marks as they come, and
hands what `take()` gives to `write` (on its writer thread, in a crawl) when `full()` or at
the end; a mark is added only
once its page's items are in the batch, so a URL is never marked done before what it gave is
stored.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Callable

from crawler.archive.store import Archive
from crawler.core import clock
from crawler.core import stats as keys
from crawler.core.items import Article, Ticker, UrlMark

BATCH_SIZE = 500  # rows (articles, sightings, marks) written in one transaction


class Batch:
    """Rows waiting to be written, and the writing of them."""

    def __init__(self, stats, *, size: int = BATCH_SIZE, paper_of: Callable[[str | None], str | None] | None = None):
        self.stats = stats
        self.size = size
        # the paper a URL credits (the sites' rule, given by the host), None without one
        self.paper_of = paper_of or (lambda url: None)
        self.articles: list[dict] = []
        self.sightings: dict = {}  # headline key -> its Sighting (the latest state wins)
        self.marks: dict[str, dict] = {}  # url -> its last mark in this batch

    # --- collecting ------------------------------------------------------------------------------
    def add(self, outcome) -> None:
        """A processing outcome (crawler.processing.Outcome) to store."""
        item = outcome.item
        if isinstance(item, Article):
            row = item.to_json()
            row["body"] = "\n\n".join(row.pop("paragraphs"))
            row.update(url=item.url, content_hash=item.content_hash, seen_at=item.seen_at or clock.timestamp(),
                       capture=item.capture, parser_version=item.parser_version, fetched_url=item.fetched_url,
                       published_problem=item.published_problem, paper=self.paper_of(item.url),
                       partial=int(item.partial))
            if item.group_method is not None:  # a new member of a group (not an archived URL)
                row["group"] = {"url": item.url, "grp": item.group, "similarity": item.group_similarity,
                                "method": item.group_method, "first_seen": row["seen_at"],
                                "signature": outcome.signature, "buckets": outcome.buckets}
            self.articles.append(row)
        elif isinstance(item, Ticker):
            for sighting in outcome.sightings:  # a copy: grouping goes on improving its own
                self.sightings[sighting.key] = replace(sighting)

    def mark(self, mark: UrlMark, crawl_id: int | None) -> None:
        """What happened to a URL; a "discovered" mark never replaces another mark of the batch."""
        self._count(mark)
        if mark.status == "discovered" and mark.url in self.marks:
            return
        self.marks[mark.url] = {**asdict(mark), "crawl": crawl_id}

    def _count(self, mark: UrlMark) -> None:
        if mark.status == "discovered":
            self.stats.inc_value(keys.DISCOVERED)
            return
        self.stats.inc_value(keys.frontier(mark.status))
        if mark.reason:
            self.stats.inc_value(keys.frontier(mark.status, mark.reason))

    def full(self) -> bool:
        return len(self.articles) + len(self.sightings) + len(self.marks) >= self.size

    def take(self) -> tuple[list[dict], list, list[dict]]:
        """The rows collected so far (the batch is empty again): hand them to `write`."""
        taken = self.articles, list(self.sightings.values()), list(self.marks.values())
        self.articles, self.sightings, self.marks = [], {}, {}
        return taken

    # --- writing ---------------------------------------------------------------------------------
    def write(self, archive: Archive, crawl_id: int | None, rows) -> None:
        """One transaction: the items of the batch and the marks saying their URLs are done."""
        articles, sightings, marks = rows
        if not (articles or sightings or marks):
            return
        with archive.transaction():
            self._write_items(archive, crawl_id, articles, sightings)
            result = archive.save_url_marks(marks)
            for _, reason in result.rejected:
                self.stats.inc_value(keys.store_dropped("url_mark", reason))

    def _write_items(self, archive: Archive, crawl_id, articles: list[dict], sightings: list) -> None:
        groups = [row.pop("group") for row in articles if "group" in row]
        result = archive.save_articles(articles)
        grouped = archive.save_groups(groups)
        for _, reason in grouped.rejected:
            self.stats.inc_value(keys.store_dropped("group", reason))
        self.stats.inc_value(keys.ARTICLES_WRITTEN, result.written)
        self.stats.inc_value(keys.NEW_VERSIONS, result.versions)
        for _, reason in result.rejected:
            self.stats.inc_value(keys.store_dropped("article", reason))
        if not sightings:
            return
        rows = [
            {"text": s.text, "key": s.key, "url": s.url, "seen_at": s.seen_at, "capture": s.capture,
             "parser_version": s.parser_version, "paper": self.paper_of(s.url)}
            for s in sightings
        ]
        result, ids = archive.save_headlines(rows)
        for _, reason in result.rejected:
            self.stats.inc_value(keys.store_dropped("headline", reason))
        self.stats.inc_value(keys.HEADLINES_NEW, result.new)
        sighting_rows = [
            {"headline": ids[s.key], "crawl": crawl_id, "position": s.position,
             "page_url": s.page_url, "seen_at": s.seen_at, "capture": s.capture,
             "parser_version": s.parser_version}
            for s in sightings
            if s.key in ids
        ]
        stories = [{"key": s.key, "story": s.story, "similarity": s.story_similarity}
                   for s in sightings if s.story is not None]
        archive.save_stories(stories)
        result = archive.save_sightings(sighting_rows)
        self.stats.inc_value(keys.SIGHTINGS_WRITTEN, result.written)
        for _, reason in result.rejected:
            self.stats.inc_value(keys.store_dropped("sighting", reason))
