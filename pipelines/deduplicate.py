"""Deduplicate, within a crawl and across crawls.

Articles: by canonical URL and by a hash of their normalised body. A URL already archived
passes on (the store refreshes it); a new URL whose text is already archived under another
URL is dropped as a duplicate. Headlines: by their folded text (case, spacing, quotes), in
memory for the crawl; only what is new to this crawl, or a better position, passes on.
"""

from __future__ import annotations

from scrapy.exceptions import DropItem

from crawler.items import Article, Sighting, Ticker
from crawler.storage import Archive
from crawler.text import content_hash, headline_key


class DeduplicatePipeline:
    def __init__(self, stats, db_path: str):
        self.stats = stats
        self.db_path = db_path
        self.hash_by_url: dict[str, str] = {}
        self.url_by_hash: dict[str, str] = {}
        self.crawled_urls: set[str] = set()
        self.sightings: dict[str, Sighting] = {}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats, crawler.settings.get("NEWSARCHIVE_DB"))

    def open_spider(self):
        archive = Archive(self.db_path)
        try:
            self.hash_by_url = archive.article_hashes()
        finally:
            archive.close()
        self.url_by_hash = {h: url for url, h in sorted(self.hash_by_url.items(), reverse=True)}

    def process_item(self, item):
        if isinstance(item, Article):
            return self._article(item)
        if isinstance(item, Ticker):
            return self._ticker(item)
        return item

    def _article(self, article: Article) -> Article:
        if article.url in self.crawled_urls:
            self.stats.inc_value("dedup/dropped/article/same_url_in_crawl")
            raise DropItem(f"article already stored in this crawl: {article.url}")
        article.content_hash = content_hash(article.paragraphs)
        holder = self.url_by_hash.get(article.content_hash)
        if article.url not in self.hash_by_url and holder is not None and holder != article.url:
            self.stats.inc_value("dedup/dropped/article/same_text")
            raise DropItem(f"article {article.url} has the same text as {holder}")
        known = self.hash_by_url.get(article.url)
        if known is None:
            self.stats.inc_value("dedup/articles/new")
        elif known == article.content_hash:
            self.stats.inc_value("dedup/articles/unchanged")
        else:
            self.stats.inc_value("dedup/articles/changed")
        self.crawled_urls.add(article.url)
        self.hash_by_url[article.url] = article.content_hash
        self.url_by_hash.setdefault(article.content_hash, article.url)
        return article

    def _ticker(self, ticker: Ticker) -> Ticker:
        """Keep only the headlines whose sighting is new or improved in this crawl."""
        changed = []
        for headline in ticker.headlines:
            key = headline_key(headline.text)
            seen = self.sightings.get(key)
            if seen is None:
                seen = Sighting(key, headline.text, headline.url, headline.position, ticker.page_url,
                                ticker.seen_at, ticker.capture, ticker.parser_version)
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
            self.stats.inc_value("dedup/headlines/repeated_in_crawl", repeated)
        ticker.sightings = changed
        return ticker
