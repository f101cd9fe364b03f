"""Scrapy settings of the newsarchive project (polite by default)."""

BOT_NAME = "newsarchive"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = "newsarchive/0.1 (archival news crawler; +https://github.com/newsarchive/newsarchive)"
ROBOTSTXT_OBEY = True

# Politeness: one request at a time per host, AutoThrottle adapting the delay to the server.
CONCURRENT_REQUESTS = 16
# The spider yields a handful of objects per page (an article, a ticker, new links); Scrapy's
# default of 100 concurrent output tasks per response costs more than the work itself
# (measured: +30% pages per second with 8, see bench/).
CONCURRENT_ITEMS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DEPTH_LIMIT = 0  # the spider applies NEWSARCHIVE_DEPTH_LIMIT itself, recording what it skips
NEWSARCHIVE_DEPTH_LIMIT = 10
URLLENGTH_LIMIT = 2000
CLOSESPIDER_PAGECOUNT = 5000  # the per-run page budget; what is left is done by the next run
RETRY_TIMES = 2
# 503 and 429 are not retried now: the spider records them, and Retry-After says when to retry.
RETRY_HTTP_CODES = [500, 502, 504, 522, 524, 408]
DOWNLOAD_TIMEOUT = 30

# Only http(s) is ever fetched: no handler for file:, data:, ftp: or s3:.
DOWNLOAD_HANDLERS = {"file": None, "data": None, "ftp": None, "s3": None}

DOWNLOADER_MIDDLEWARES = {
    # robots.txt obeyed, and one that answers 5xx means "not now" for its host, not "allow all".
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.PoliteRobotsTxtMiddleware": 100,
    "crawler.middlewares.MirrorDownloaderMiddleware": 950,
    # Next to the downloader: responses as received, before decompression, redirects, retries.
    "crawler.middlewares.CaptureDownloaderMiddleware": 990,
}
ITEM_PIPELINES = {
    "pipelines.normalize.NormalizePipeline": 100,
    "pipelines.validate.ValidatePipeline": 200,
    "pipelines.deduplicate.DeduplicatePipeline": 300,
    "pipelines.store.StorePipeline": 400,
}

TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # no listening port of any kind
LOG_FORMATTER = "crawler.logformatter.LogFormatter"
LOGSTATS_INTERVAL = 15.0  # progress: pages and items so far, every 15 s
LOG_LEVEL = "INFO"
DEFAULT_DROPITEM_LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"

# newsarchive's own settings
NEWSARCHIVE_DB = "data/archive.db"
NEWSARCHIVE_REPLAY = None  # a mirror folder: answer every request from it, fetch nothing
NEWSARCHIVE_SEEDS = None  # a file of start URLs, one a line
NEWSARCHIVE_BATCH_SIZE = 500
NEWSARCHIVE_INCREMENTAL = True  # fetch only what is new or due; False: every known URL
NEWSARCHIVE_TRIGGER = "manual"  # recorded in the crawls table ("schedule" when the scheduler runs it)
NEWSARCHIVE_CAPTURE = True  # keep every response as WARC, indexed in the captures table
NEWSARCHIVE_WARC_DIR = None  # default: beside the archive, data/archive.db -> data/archive-warc/
NEWSARCHIVE_WARC_MAX_SIZE = 1_000_000_000  # bytes: a new WARC file is started past this size
