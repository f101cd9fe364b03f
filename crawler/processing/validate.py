"""Validate required fields: an article that cannot be stored is dropped with its reason."""

from __future__ import annotations

from datetime import date

from crawler.core import stats as keys
from crawler.core.items import Article, Ticker
from crawler.frontier.urls import is_fetchable
from crawler.processing.drop import Drop
from crawler.sites import registry

REQUIRED_ARTICLE_FIELDS = ("title", "publisher", "published", "language")


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
    if article.language not in registry.languages():
        return "bad_language"
    if not article.paragraphs:
        return "missing_body"
    return None


def validate(item, stats):
    """The item, its empty headlines removed; Drop for an article that cannot be stored."""
    if isinstance(item, Article):
        problem = article_problem(item)
        if problem:
            stats.inc_value(keys.invalid_article(problem))
            raise Drop(f"invalid article {item.url}: {problem}")
    elif isinstance(item, Ticker):
        valid = [h for h in item.headlines if h.text and h.position >= 1]
        if len(valid) < len(item.headlines):
            stats.inc_value(keys.EMPTY_HEADLINES, len(item.headlines) - len(valid))
        item.headlines = valid
    return item
