"""The stats vocabulary: every key newsarchive counts, as named constants.

Keys are "<component>/<event>[/<reason>]", kept in the crawl's Scrapy stats and, at the end of
a crawl, in the `crawls` table (column `stats`, JSON). The crawl and `reparse` count through
the same keys, so a figure means the same wherever it appears. Keys with a reason are built by
the functions below, never by hand.
"""

from __future__ import annotations

# --- the spider: what came back and what it did with it
PAGES = "spider/pages"  # pages parsed by a page object
NOT_MODIFIED = "spider/not_modified"  # 304 answers
REDIRECTS = "spider/redirects"
FEED_LINKS = "spider/feed_links"
SITEMAP_LINKS = "spider/sitemap_links"
SITEMAPS_FROM_ROBOTS = "spider/sitemaps_from_robots"
REFUSED_SCHEME = "spider/refused/scheme"  # seeds that are not http(s)
SKIPPED_NOT_TEXT = "spider/skipped/not_text"
SKIPPED_UNPARSEABLE = "spider/skipped/unparseable"
NO_PAGE_OBJECT = "spider/skipped/no_page_object"  # a page of a host no site claims


def spider_outcome(status: str, reason: str) -> str:
    """A request that produced no page to parse: "spider/failed/http_503", "spider/skipped/..."."""
    return f"spider/{status}/{reason}"


# --- replay (the mirror or WARC files answer instead of the network)
REPLAY_SERVED = "replay/served"
REPLAY_NOT_IN_MIRROR = "replay/skipped/not_in_mirror"
REPLAY_SKIPPED_URLS = "replay/skipped_urls"  # the first skipped URLs, listed

# --- robots.txt (Scrapy's keys, and one of ours)
ROBOTS_UNAVAILABLE = "robotstxt/unavailable"
ROBOTS_FORBIDDEN = "robotstxt/forbidden"
ROBOTS_REQUESTS = "robotstxt/request_count"
ROBOTS_RESPONSES = "robotstxt/response_count"


def robots_status(status: int) -> str:
    return f"robotstxt/response_status_count/{status}"


def robots_exception(exc: BaseException) -> str:
    return f"robotstxt/exception_count/{type(exc)}"

# --- capture (WARC)
CAPTURE_FILES = "capture/warc_files"


def capture_record(record_type: str) -> str:
    return f"capture/{record_type}"


def capture_dropped(reason: str) -> str:
    return f"capture/dropped/{reason}"


# --- processing: normalise, validate, group
NORMALIZED_ARTICLES = "normalize/articles"
NORMALIZED_TICKERS = "normalize/tickers"
EMPTY_HEADLINES = "validate/dropped/headline/empty"


def invalid_article(problem: str) -> str:
    return f"validate/dropped/article/{problem}"


ARTICLES_NEW = "dedup/articles/new"
ARTICLES_UNCHANGED = "dedup/articles/unchanged"
ARTICLES_CHANGED = "dedup/articles/changed"
SAME_URL_IN_CRAWL = "dedup/dropped/article/same_url_in_crawl"
HEADLINES_REPEATED = "dedup/headlines/repeated_in_crawl"


def article_group(method: str) -> str:
    """An article put in its group of copies: first, exact or near."""
    return f"dedup/articles/group/{method}"


def headline_story(joined: bool) -> str:
    return "dedup/headlines/story/" + ("joined" if joined else "new")


# --- storage
ARTICLES_WRITTEN = "store/articles/written"
NEW_VERSIONS = "store/articles/new_versions"
HEADLINES_NEW = "store/headlines/new"
SIGHTINGS_WRITTEN = "store/sightings/written"


def store_dropped(kind: str, reason: str) -> str:
    """A row the archive refused: kind is article, group, headline, sighting or url_mark."""
    return f"store/dropped/{kind}/{reason}"


# --- the frontier: what happened to each URL this run
DISCOVERED = "frontier/discovered"


def frontier(status: str, reason: str | None = None) -> str:
    """"frontier/fetched", "frontier/failed/http_503", "frontier/skipped/robots_forbidden"..."""
    return f"frontier/{status}/{reason}" if reason else f"frontier/{status}"


def by_reason(stats: dict, status: str) -> dict[str, int]:
    """{reason: count} of the frontier's URLs that ended with `status` (failed, skipped...)."""
    prefix = f"frontier/{status}/"
    return {key[len(prefix):]: value for key, value in sorted(stats.items()) if key.startswith(prefix)}


# --- the archive's writer
CRAWL_ID = "newsarchive/crawl_id"
WRITE_ERRORS = "newsarchive/write_errors"

# --- reparse and WARC import
REPARSE_CAPTURES = "reparse/captures"
REPARSE_PAGES = "reparse/pages"
IMPORT_CAPTURES = "import/captures"
IMPORT_RECORDS = "import/records"


def reparse_skipped(reason: str) -> str:
    return f"reparse/skipped/{reason}"


def reparse_skips(stats: dict) -> dict[str, int]:
    """{reason: count} of the captures reparse skipped."""
    prefix = "reparse/skipped/"
    return {key[len(prefix):]: value for key, value in sorted(stats.items()) if key.startswith(prefix)}


def dropped_total(stats: dict) -> int:
    """Every item and row dropped, whatever the stage and reason."""
    return sum(v for k, v in stats.items() if "/dropped/" in k and isinstance(v, int))


class Stats:
    """A stats collector for work done outside Scrapy (reparse, imports): the part of Scrapy's
    StatsCollector interface that newsarchive uses, so the same code counts in both."""

    def __init__(self):
        self._values: dict = {}

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        self._values[key] = self._values.get(key, start) + count

    def set_value(self, key: str, value) -> None:
        self._values[key] = value

    def get_value(self, key: str, default=None):
        return self._values.get(key, default)

    def get_stats(self) -> dict:
        return dict(self._values)
