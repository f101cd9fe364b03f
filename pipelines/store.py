"""Store items in the archive in batches; record the crawl and its stats."""

from __future__ import annotations

from scrapy import signals

from crawler.clock import utc_now
from crawler.items import Article, Sighting, Ticker
from crawler.storage import Archive


class StorePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.db_path = crawler.settings.get("NEWSARCHIVE_DB")
        self.source = crawler.settings.get("NEWSARCHIVE_SOURCE", "")
        self.batch_size = crawler.settings.getint("NEWSARCHIVE_BATCH_SIZE", 500)
        self.archive: Archive | None = None
        self.crawl_id: int | None = None
        self.articles: list[dict] = []
        self.sightings: dict[str, Sighting] = {}
        self.known_headlines: set[str] = set()
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        self.archive = Archive(self.db_path)
        self.known_headlines = set(self.archive.headline_ids())
        self.crawl_id = self.archive.start_crawl(utc_now(), self.source)
        self.stats.set_value("newsarchive/crawl_id", self.crawl_id)

    def process_item(self, item):
        if isinstance(item, Article):
            row = item.to_json()
            row["body"] = "\n\n".join(row.pop("paragraphs"))
            row.update(url=item.url, content_hash=item.content_hash, seen_at=item.seen_at or utc_now())
            self.articles.append(row)
        elif isinstance(item, Ticker):
            for sighting in item.sightings:
                self.sightings[sighting.key] = sighting
        if len(self.articles) + len(self.sightings) >= self.batch_size:
            self.flush()
        return item

    def flush(self) -> None:
        articles, self.articles = self.articles, []
        sightings, self.sightings = list(self.sightings.values()), {}
        result = self.archive.save_articles(articles)
        self.stats.inc_value("store/articles/written", result.written)
        for _, reason in result.rejected:
            self.stats.inc_value(f"store/dropped/article/{reason}")
        if not sightings:
            return
        rows = [{"text": s.text, "key": s.key, "url": s.url, "seen_at": s.seen_at} for s in sightings]
        result, ids = self.archive.save_headlines(rows)
        for _, reason in result.rejected:
            self.stats.inc_value(f"store/dropped/headline/{reason}")
        new = {s.key for s in sightings if s.key in ids} - self.known_headlines
        self.known_headlines |= new
        self.stats.inc_value("store/headlines/new", len(new))
        sighting_rows = [
            {"headline": ids[s.key], "crawl": self.crawl_id, "position": s.position,
             "page_url": s.page_url, "seen_at": s.seen_at}
            for s in sightings
            if s.key in ids
        ]
        result = self.archive.save_sightings(sighting_rows)
        self.stats.inc_value("store/sightings/written", result.written)
        for _, reason in result.rejected:
            self.stats.inc_value(f"store/dropped/sighting/{reason}")

    def close_spider(self):
        self.flush()

    def spider_closed(self, spider, reason):
        if self.archive is None:
            return
        self.archive.finish_crawl(self.crawl_id, utc_now(), self.stats.get_stats())
        self.archive.close()
        self.archive = None
