"""Validate required fields: an article that cannot be stored is dropped with its reason.

An article whose page gives a date that cannot be true is not dropped: it is stored with
`published` None and the reason in `published_problem` (and counted, keys.unknown_date). The
page object says when a date is impossible (31 - 02 - 2017: "impossible_date"); here any date
before EARLIEST_PUBLISHED or after the day the page was seen (a day of time zones allowed)
becomes "implausible_date", whatever page object produced it. An article whose page gives no
date at all is still dropped (missing_published).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from crawler.core import clock
from crawler.core import stats as keys
from crawler.core.items import Article, Ticker
from crawler.frontier.urls import is_fetchable
from crawler.processing.drop import Drop

REQUIRED_ARTICLE_FIELDS = ("title", "publisher", "published", "language")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")  # the one form the archive stores (YYYY-MM-DD)
# A language code: ISO 639-1 or -3 ("fr", "ar", "en", "fil"), a region or script after a hyphen.
# Any language is stored: the generic page object reads sites in any, by a detector.
LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")
# No article of a news site was published before this day: an earlier date is a typo or a
# placeholder (0001-01-01).
EARLIEST_PUBLISHED = date(1900, 1, 1)
# Nor after the day its page was seen: a page may show tomorrow's date (its site's time zone is
# ahead of UTC, by up to 14 hours), not later (9999-12-31).
FUTURE_SLACK = timedelta(days=1)
IMPLAUSIBLE_DATE = "implausible_date"


def published_date(article: Article) -> date | None:
    """The article's publication date, if it is an ISO date (YYYY-MM-DD) of the calendar."""
    if article.published is None or not ISO_DATE.fullmatch(article.published):
        return None
    try:
        return date.fromisoformat(article.published)
    except ValueError:
        return None


def latest_plausible(article: Article) -> date:
    """The latest publication date an article can have: the day it was seen (now if it was not
    said), plus FUTURE_SLACK."""
    try:
        seen = clock.parse(article.seen_at) if article.seen_at else clock.now()
    except ValueError:
        seen = clock.now()
    return seen.date() + FUTURE_SLACK


def check_published(article: Article) -> None:
    """An implausible date becomes published None with published_problem "implausible_date";
    a stored date has no problem."""
    published = published_date(article)
    if published is None:
        return
    if not EARLIEST_PUBLISHED <= published <= latest_plausible(article):
        article.published, article.published_problem = None, IMPLAUSIBLE_DATE
    else:
        article.published_problem = None


def article_problem(article: Article) -> str | None:
    """The reason an article cannot be stored, or None."""
    if not article.url or not is_fetchable(article.url):
        return "bad_url"
    for name in REQUIRED_ARTICLE_FIELDS:
        if name == "published" and article.published is None and article.published_problem:
            continue  # its page's date cannot be true: stored without one, the reason said
        if not getattr(article, name):
            return f"missing_{name}"
    if article.published is not None and published_date(article) is None:
        return "bad_published"
    if not LANGUAGE.fullmatch(article.language):
        return "bad_language"
    if not article.paragraphs:
        return "missing_body"
    return None


def validate(item, stats):
    """The item, its empty headlines removed; Drop for an article that cannot be stored."""
    if isinstance(item, Article):
        check_published(item)
        problem = article_problem(item)
        if problem:
            stats.inc_value(keys.invalid_article(problem))
            raise Drop(f"invalid article {item.url}: {problem}")
        if item.published is None:
            stats.inc_value(keys.UNKNOWN_DATE)
            stats.inc_value(keys.unknown_date(item.published_problem))
    elif isinstance(item, Ticker):
        valid = [h for h in item.headlines if h.text and h.position >= 1]
        if len(valid) < len(item.headlines):
            stats.inc_value(keys.EMPTY_HEADLINES, len(item.headlines) - len(valid))
        item.headlines = valid
    return item
