"""The stats vocabulary: every key newsarchive counts, as named constants.

Keys are "<component>/<event>[/<reason>]", kept in the crawl's Scrapy stats and, at the end of
a crawl, in the `crawls` table (column `stats`, JSON). The crawl and `reparse` count through
the same keys, so a figure means the same wherever it appears. Keys with a reason are built by
the functions below, never by hand.
"""

from __future__ import annotations

import json

# --- the spider: what came back and what it did with it
PAGES = "spider/pages"  # pages parsed by a page object
NOT_MODIFIED = "spider/not_modified"  # 304 answers
REDIRECTS = "spider/redirects"
FEED_LINKS = "spider/feed_links"
SITEMAP_LINKS = "spider/sitemap_links"
SITEMAPS_FROM_ROBOTS = "spider/sitemaps_from_robots"
REFUSED_SCHEME = "spider/refused/scheme"  # seeds that are not http(s)
SKIPPED_NOT_TEXT = "spider/skipped/not_text"
DECODING_UNCLEAN = "spider/decoding/unclean"  # pages no encoding read without signs of a wrong reading
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


def truncated(field: str) -> str:
    """A field cut at its cap (a URL over it dropped): title, body, headline, original_url..."""
    return f"normalize/truncated/{field}"

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


ROBOTS_UNAVAILABLE_REASON = "robots_unavailable"  # skipped because the host's robots.txt could not be had


def failures(stats: dict) -> dict[str, int]:
    """{reason: count} of the URLs a crawl could not get: those that failed (frontier/failed/<reason>:
    download_connection_refused_error, cannot_resolve_host_error, http_503, soft_404...) and those
    skipped because their host's robots.txt could not be had (robots_unavailable: with no network,
    the only thing that happens is that robots.txt fails)."""
    out = by_reason(stats, "failed")
    unavailable = stats.get(frontier("skipped", ROBOTS_UNAVAILABLE_REASON), 0)
    if unavailable:
        out[ROBOTS_UNAVAILABLE_REASON] = unavailable
    return dict(sorted(out.items()))


def failed_entirely(stats: dict) -> bool:
    """Whether a crawl got nothing at all: no page fetched (a 304 counts as fetched) or parsed,
    and URLs that failed. A crawl with nothing due fetches nothing either, but fails nothing."""
    return bool(failures(stats)) and not stats.get(frontier("fetched")) and not stats.get(PAGES)


def run_summary(stats: dict, trigger: str) -> dict:
    """The crawls row's columns of a run, from its stats (what `newsarchive status` shows)."""
    return {
        "trigger": trigger,
        "pages_fetched": stats.get(frontier("fetched"), 0),
        "not_modified": stats.get(frontier("fetched", "not_modified"), 0),
        "failed": json.dumps(by_reason(stats, "failed")),
        "skipped": json.dumps(by_reason(stats, "skipped")),
        "new_articles": stats.get(ARTICLES_NEW, 0),
        "new_versions": stats.get(NEW_VERSIONS, 0),
        "new_headlines": stats.get(HEADLINES_NEW, 0),
        "sightings": stats.get(SIGHTINGS_WRITTEN, 0),
        "pages_parsed": stats.get(PAGES, 0),
        "finish_reason": stats.get("finish_reason"),
    }


# --- the archive's writer
CRAWL_ID = "newsarchive/crawl_id"
PROCESSING_ERRORS = "newsarchive/processing_errors"  # pages an item of which failed in the pipelines
WRITE_ERRORS = "newsarchive/write_errors"
WRITE_ERROR = "newsarchive/write_error"  # the message of the write that failed (the crawl then stops)

# --- reparse and WARC import
REPARSE_CAPTURES = "reparse/captures"
REPARSE_PAGES = "reparse/pages"
IMPORT_CAPTURES = "import/captures"
IMPORT_RECORDS = "import/records"
IMPORT_BAD_FILES = "import/bad_files"  # files of the folder that are not WARC files at all


def reparse_skipped(reason: str) -> str:
    return f"reparse/skipped/{reason}"


STORED_SECONDS = "newsarchive/stored_seconds"  # from the spider's start to everything stored (the stage's too)

# The processing stage of a two-process crawl (crawler.ops.stage): captures it did not parse, by reason.
STAGE_CAPTURES = "stage/captures"  # captures the processing stage read
STAGE_ERRORS = "stage/errors"  # a processing stage that failed (its error in STAGE_ERROR)
STAGE_ERROR = "stage/error"


def stage_skipped(reason: str) -> str:
    return f"stage/skipped/{reason}"


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


# --- where requests go, and bounded work (the gate, the size limit, the spider's caps)
BAD_SEEDS = "spider/refused/bad_url"  # seeds that canonicalize() or Request() rejects (bad port, IPv6...)
BAD_LINKS = "spider/refused/bad_link"  # links, redirects and Sitemap lines that are no URL
OFFSITE_REDIRECTS = "spider/refused/offsite_redirect"  # redirects to a host that is not the crawl's
NO_ARTICLE = "spider/failed/no_article"  # an article URL whose page gave no article: retried with back-off
FAILED_UNPARSEABLE = "spider/failed/unparseable"  # a page its page object cannot read: retried with back-off
LIMIT_ROBOTS_SITEMAPS = "spider/limit/robots_sitemaps"  # Sitemap lines of a robots.txt beyond the per-host cap
LIMIT_SITEMAPS = "spider/limit/sitemaps"  # sitemaps beyond the per-run cap
LIMIT_SITEMAP_URLS = "spider/limit/sitemap_urls"  # URLs of a sitemap beyond the per-sitemap cap
LIMIT_PAGE_LINKS = "spider/limit/page_links"  # links of a page or feed beyond the per-page cap
VALIDATOR_TOO_LONG = "spider/limit/validator"  # ETag or Last-Modified values over the cap: not kept
ROBOTS_TRUNCATED = "robotstxt/truncated"  # robots.txt bodies parsed only up to the parse limit


def gate_refused(reason: str) -> str:
    """A request the gate refused: "gate/refused/offsite", "gate/refused/private_address"."""
    return f"gate/refused/{reason}"


def tls_problem(problem: str) -> str:
    """An https response whose certificate has a problem: "tls/hostname_mismatch", "tls/expired"."""
    return f"tls/{problem}"


# --- validate: articles stored without a date, because the one their page gives cannot be true
UNKNOWN_DATE = "validate/articles/unknown_date"  # every such article (the sum of the reasons)


def unknown_date(problem: str) -> str:
    """Such articles by reason: "validate/articles/unknown_date/impossible_date", ".../implausible_date"."""
    return f"{UNKNOWN_DATE}/{problem}"


# --- extraction health (crawler.processing.health): pages that were not articles after all
def rejected_page(reason: str) -> str:
    """A page taken for an article that is not one: "spider/failed/rejected/soft_404",
    ".../bot_wall", ".../consent_wall" (retried with back-off, as a page with no article)."""
    return f"spider/failed/rejected/{reason}"


PARTIAL_ARTICLES = "spider/articles/partial"  # paywall teasers: stored, flagged partial
DRIFT = "health/drift"  # the drops of this crawl's extraction below its site's recent level (a count)
DRIFT_LINE = "health/drift_line"  # the same, said in one line (crawler.processing.health.describe)
STAGE_HEALTH = "stage/health"  # the processing stage's HealthTally (JSON), merged into the crawl's
