"""Store items in the archive in batches, through the crawl's Recorder (its one writer).

Articles keep their history (a changed text is a new version); headline sightings are written
once per headline per crawl. The captures of the batch are written first, so every row can
name the capture it came from.
"""

from __future__ import annotations

from crawler.clock import utc_now
from dataclasses import asdict

from crawler.items import Article, Sighting, Ticker, UrlMark
from crawler.recorder import Recorder


class StorePipeline:
    def __init__(self, stats, recorder: Recorder, batch_size: int = 500):
        self.stats = stats
        self.recorder = recorder
        self.batch_size = batch_size
        self.articles: list[dict] = []
        self.sightings: dict[str, Sighting] = {}
        self.marks: dict[str, dict] = {}  # url -> its last mark in this batch
        self.spider = None
        self.known_headlines: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler):
        pipeline = cls(crawler.stats, Recorder.of(crawler), crawler.settings.getint("NEWSARCHIVE_BATCH_SIZE", 500))
        pipeline.crawler = crawler
        return pipeline

    @property
    def archive(self):
        return self.recorder.archive

    @property
    def crawl_id(self) -> int | None:
        return self.recorder.crawl_id

    def open_spider(self):
        self.recorder.open()
        self.known_headlines = self.recorder.run(lambda: set(self.archive.headline_ids()), wait=True)

    def process_item(self, item):
        if isinstance(item, Article):
            row = item.to_json()
            row["body"] = "\n\n".join(row.pop("paragraphs"))
            row.update(url=item.url, content_hash=item.content_hash, seen_at=item.seen_at or utc_now(),
                       capture=item.capture, parser_version=item.parser_version, fetched_url=item.fetched_url)
            if item.group_method is not None:  # a new member of a group (not an archived URL)
                row["group"] = {"url": item.url, "grp": item.group, "similarity": item.group_similarity,
                                "method": item.group_method, "first_seen": row["seen_at"],
                                "signature": item.group_signature}
            self.articles.append(row)
        elif isinstance(item, Ticker):
            for sighting in item.sightings:
                self.sightings[sighting.key] = sighting
        elif isinstance(item, UrlMark):
            self._count(item)
            row = asdict(item)
            self.marks[item.url] = {**row, "crawl": self.crawl_id} if item.status != "discovered" or \
                item.url not in self.marks else self.marks[item.url]
            if item.status != "discovered":
                self.maybe_flush()  # a page's mark comes after its items: cut batches there only
        return item

    def maybe_flush(self) -> None:
        if len(self.articles) + len(self.sightings) + len(self.marks) >= self.batch_size:
            self.flush()

    def _count(self, mark: UrlMark) -> None:
        if mark.status == "discovered":
            self.stats.inc_value("frontier/discovered")
            return
        self.stats.inc_value(f"frontier/{mark.status}")
        if mark.reason:
            self.stats.inc_value(f"frontier/{mark.status}/{mark.reason}")

    def flush(self) -> None:
        """Hand the batch to the crawl's writer (its thread, in a crawl)."""
        articles, self.articles = self.articles, []
        sightings, self.sightings = list(self.sightings.values()), {}
        marks, self.marks = list(self.marks.values()), {}
        if articles or sightings or marks:
            self.recorder.run(self._write, articles, sightings, marks)

    def _write(self, articles: list[dict], sightings: list[Sighting], marks: list[dict]) -> None:
        """One transaction: the items of the batch and the marks saying their URLs are done."""
        self.recorder.flush_captures()  # first, so that every row's capture is in the table
        with self.archive.transaction():
            self._write_items(articles, sightings)
            result = self.archive.save_url_marks(marks)
            for _, reason in result.rejected:
                self.stats.inc_value(f"store/dropped/url_mark/{reason}")

    def _write_items(self, articles: list[dict], sightings: list[Sighting]) -> None:
        groups = [row.pop("group") for row in articles if "group" in row]
        result = self.archive.save_articles(articles)
        grouped = self.archive.save_groups(groups)
        for _, reason in grouped.rejected:
            self.stats.inc_value(f"store/dropped/group/{reason}")
        self.stats.inc_value("store/articles/written", result.written)
        self.stats.inc_value("store/articles/new_versions", result.versions)
        for _, reason in result.rejected:
            self.stats.inc_value(f"store/dropped/article/{reason}")
        if not sightings:
            return
        rows = [
            {"text": s.text, "key": s.key, "url": s.url, "seen_at": s.seen_at, "capture": s.capture,
             "parser_version": s.parser_version}
            for s in sightings
        ]
        result, ids = self.archive.save_headlines(rows)
        for _, reason in result.rejected:
            self.stats.inc_value(f"store/dropped/headline/{reason}")
        new = {s.key for s in sightings if s.key in ids} - self.known_headlines
        self.known_headlines |= new
        self.stats.inc_value("store/headlines/new", len(new))
        sighting_rows = [
            {"headline": ids[s.key], "crawl": self.crawl_id, "position": s.position,
             "page_url": s.page_url, "seen_at": s.seen_at, "capture": s.capture,
             "parser_version": s.parser_version}
            for s in sightings
            if s.key in ids
        ]
        stories = [{"key": s.key, "story": s.story, "similarity": s.story_similarity}
                   for s in sightings if s.story is not None]
        self.archive.save_stories(stories)
        result = self.archive.save_sightings(sighting_rows)
        self.stats.inc_value("store/sightings/written", result.written)
        for _, reason in result.rejected:
            self.stats.inc_value(f"store/dropped/sighting/{reason}")

    def close_spider(self):
        spider = getattr(getattr(self, "crawler", None), "spider", None)
        for mark in getattr(spider, "unfinished_marks", list)():
            self.process_item(mark)
        self.flush()
