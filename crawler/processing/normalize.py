"""Normalise the text fields of an item: Unicode NFC, whitespace, lone surrogates, NUL and
control characters (crawler.core.text)."""

from __future__ import annotations

from crawler.core import stats as keys
from crawler.core.items import Article, Ticker
from crawler.core.text import clean_line, clean_text

ARTICLE_TEXT_FIELDS = ("title", "publisher", "original_url", "image_url")


def normalize(item, stats):
    """The item with its text fields cleaned (in place); empty paragraphs removed."""
    if isinstance(item, Article):
        for name in ARTICLE_TEXT_FIELDS:
            value = getattr(item, name)
            if value is not None:
                setattr(item, name, clean_text(value) or None)
        paragraphs = [clean_text(p) for p in item.paragraphs]
        item.paragraphs = [p for p in paragraphs if p]
        stats.inc_value(keys.NORMALIZED_ARTICLES)
    elif isinstance(item, Ticker):
        for headline in item.headlines:
            headline.text = clean_line(headline.text)
        stats.inc_value(keys.NORMALIZED_TICKERS)
    return item
