"""Normalise the text fields of an item (crawler.core.text), whatever page object produced it.

Every text a reader sees (an article's title, publisher and paragraphs, every headline of a
ticker) goes through `clean_text`: control characters, terminal escape sequences, bidirectional
overrides and invisible characters removed, Unicode NFC, whitespace collapsed. URL fields go
through `clean_url` instead: removing a character from a URL would make it another URL, so what
is hidden in one is percent-encoded (as a browser would request it), nothing removed, no NFC.
The page and headline URLs are canonical already (crawler.frontier.urls).

Every field has a length cap (FIELD_CAPS): a longer text is cut at the cap, a longer URL
dropped (a cut URL would be another URL), too many paragraphs or headlines cut at their cap,
and each cut counted (normalize/truncated/<field>). A hostile page cannot make a reader page of
megabytes or a database row of hundreds.
"""

from __future__ import annotations

from crawler.core import stats as keys
from crawler.core.items import Article, Ticker
from crawler.core.text import clean_line, clean_text, clean_url
from crawler.frontier.traps import MAX_URL_LENGTH

ARTICLE_TEXT_FIELDS = ("title", "publisher")
ARTICLE_URL_FIELDS = ("original_url", "image_url")
# Characters (or, for paragraphs and headlines, how many of them): far above any real article.
FIELD_CAPS = {
    "title": 1_000, "publisher": 200, "paragraph": 20_000, "paragraphs": 2_000, "body": 200_000,
    "headline": 500, "headlines": 500, "url": MAX_URL_LENGTH,
}


def normalize(item, stats):
    """The item with its text fields cleaned and capped (in place); empty paragraphs removed."""
    if isinstance(item, Article):
        for name in ARTICLE_TEXT_FIELDS:
            value = getattr(item, name)
            if value is not None:
                setattr(item, name, _cut(clean_text(value), name, stats) or None)
        for name in ARTICLE_URL_FIELDS:
            value = getattr(item, name)
            if value is not None:
                value = clean_url(value) or None
                if value is not None and len(value) > FIELD_CAPS["url"]:
                    stats.inc_value(keys.truncated(name))
                    value = None
                setattr(item, name, value)
        if item.fetched_url is not None and len(item.fetched_url) > FIELD_CAPS["url"]:
            stats.inc_value(keys.truncated("fetched_url"))
            item.fetched_url = item.url  # the URL as found is kept only where it fits
        paragraphs = [_cut(clean_text(p), "paragraph", stats) for p in item.paragraphs]
        item.paragraphs = _body([p for p in paragraphs if p], stats)
        stats.inc_value(keys.NORMALIZED_ARTICLES)
    elif isinstance(item, Ticker):
        if len(item.headlines) > FIELD_CAPS["headlines"]:
            stats.inc_value(keys.truncated("headlines"))
            item.headlines = item.headlines[: FIELD_CAPS["headlines"]]
        for headline in item.headlines:
            headline.text = _cut(clean_line(headline.text), "headline", stats)
            if headline.url is not None and len(headline.url) > FIELD_CAPS["url"]:
                stats.inc_value(keys.truncated("headline_url"))
                headline.url = None
        stats.inc_value(keys.NORMALIZED_TICKERS)
    return item


def _cut(text: str, field: str, stats) -> str:
    if len(text) <= FIELD_CAPS[field]:
        return text
    stats.inc_value(keys.truncated(field))
    return text[: FIELD_CAPS[field]].rstrip()


def _body(paragraphs: list[str], stats) -> list[str]:
    """At most FIELD_CAPS["paragraphs"] paragraphs and FIELD_CAPS["body"] characters in all."""
    if len(paragraphs) > FIELD_CAPS["paragraphs"]:
        stats.inc_value(keys.truncated("paragraphs"))
        paragraphs = paragraphs[: FIELD_CAPS["paragraphs"]]
    kept, size = [], 0
    for paragraph in paragraphs:
        if size + len(paragraph) > FIELD_CAPS["body"]:
            stats.inc_value(keys.truncated("body"))
            rest = FIELD_CAPS["body"] - size
            if rest > 0:
                kept.append(paragraph[:rest].rstrip())
            break
        kept.append(paragraph)
        size += len(paragraph)
    return kept
