"""Validate required fields; drop what is invalid, counting each reason in the crawl's stats."""

from __future__ import annotations

from datetime import date

from scrapy.exceptions import DropItem

from crawler.items import Article, Ticker
from crawler.urls import is_fetchable

REQUIRED_ARTICLE_FIELDS = ("title", "publisher", "published", "language")
LANGUAGES = ("fr", "ar")


def article_problem(article: Article) -> str | None:
    """The reason an article cannot be stored, or None."""
    if not article.url or not is_fetchable(article.url):
        return "bad_url"
    for name in REQUIRED_ARTICLE_FIELDS:
        if not getattr(article, name):
            return f"missing_{name}"
    try:
        date.fromisoformat(article.published)
    except ValueError:
        return "bad_published"
    if article.language not in LANGUAGES:
        return "bad_language"
    if not article.paragraphs:
        return "missing_body"
    return None


class ValidatePipeline:
    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item):
        if isinstance(item, Article):
            problem = article_problem(item)
            if problem:
                self.stats.inc_value(f"validate/dropped/article/{problem}")
                raise DropItem(f"invalid article {item.url}: {problem}")
        elif isinstance(item, Ticker):
            valid = [h for h in item.headlines if h.text and h.position >= 1]
            if len(valid) < len(item.headlines):
                self.stats.inc_value("validate/dropped/headline/empty", len(item.headlines) - len(valid))
            item.headlines = valid
        return item
