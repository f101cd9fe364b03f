"""Normalize text fields: Unicode NFC, whitespace, lone surrogates, NUL and control characters."""

from __future__ import annotations

from crawler.items import Article, Ticker
from crawler.text import clean_line, clean_text

ARTICLE_TEXT_FIELDS = ("title", "publisher", "original_url", "image_url")


class NormalizePipeline:
    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item):
        if isinstance(item, Article):
            for name in ARTICLE_TEXT_FIELDS:
                value = getattr(item, name)
                if value is not None:
                    setattr(item, name, clean_text(value) or None)
            paragraphs = [clean_text(p) for p in item.paragraphs]
            item.paragraphs = [p for p in paragraphs if p]
            self.stats.inc_value("normalize/articles")
        elif isinstance(item, Ticker):
            for headline in item.headlines:
                headline.text = clean_line(headline.text)
            self.stats.inc_value("normalize/tickers")
        return item
