"""Scrapy settings of the newsarchive project (polite by default): scrapy.cfg points here, and
`newsarchive crawl` starts from them too, so `scrapy crawl <site>` and `newsarchive crawl` run
the same crawl."""

from crawler.archive import batch as _batch
from crawler.core import items as _items
from crawler.frontier import sitemaps as _sitemaps
from crawler.frontier import traps as _traps

BOT_NAME = "newsarchive"
# One spider per site of crawler/sites/ (`scrapy list`), made from its spec.
SPIDER_LOADER_CLASS = "crawler.crawl.spiders.SiteSpiderLoader"

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
URLLENGTH_LIMIT = _traps.MAX_URL_LENGTH
CLOSESPIDER_PAGECOUNT = 5000  # the per-run page budget; what is left is done by the next run
RETRY_TIMES = 2
# 503 and 429 are not retried now: the spider records them, and Retry-After says when to retry.
RETRY_HTTP_CODES = [500, 502, 504, 522, 524, 408]
DOWNLOAD_TIMEOUT = 30

# Only http(s) is ever fetched: no handler for file:, data:, ftp: or s3:.
DOWNLOAD_HANDLERS = {"file": None, "data": None, "ftp": None, "s3": None}

# --- Bounds: what one response, one robots.txt, one sitemap may cost -----------------------------
# A body over DOWNLOAD_MAXSIZE (as announced, as received, or once decompressed: a gzip bomb is
# inflated chunk by chunk and cut there) is not parsed: the URL is marked skipped, "too_large",
# and not fetched again before NEWSARCHIVE_TOO_LARGE_RECHECK_DAYS. Scrapy's default is 1 GiB.
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024  # bytes
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024  # bytes: a warning is logged past this size
NEWSARCHIVE_TOO_LARGE_RECHECK_DAYS = 30
# robots.txt: a host whose robots.txt does not answer within this many seconds (never retried)
# is "not now" for the run, as one that answers 5xx (RFC 9309: unreachable means disallow).
NEWSARCHIVE_ROBOTSTXT_TIMEOUT = 30
NEWSARCHIVE_ROBOTSTXT_MAXSIZE = 500 * 1024  # bytes of a robots.txt parsed (RFC 9309's minimum); the rest ignored
NEWSARCHIVE_ROBOTS_SITEMAPS = 10  # Sitemap lines of a host's robots.txt used; the others ignored (counted)
NEWSARCHIVE_SITEMAPS_PER_RUN = 100  # sitemaps fetched in one run (from robots.txt, indexes, seeds, the frontier)
NEWSARCHIVE_SITEMAP_URLS = _sitemaps.MAX_SITEMAP_URLS  # URLs taken from one sitemap or index (sitemaps.org's limit)
NEWSARCHIVE_SITEMAP_MAXSIZE = _sitemaps.MAX_SITEMAP_BYTES  # a sitemap's DOWNLOAD_MAXSIZE (sitemaps.org's 50 MB)
NEWSARCHIVE_PAGE_LINKS = 5000  # links of one page or feed looked at; the others ignored (counted)

# --- Where requests go: every request passes the gate (crawler/crawl/middlewares/gate.py) -------
# Hosts: the seeds' hosts (a site's hosts counting as one) and these ("cdn.example.org",
# "example.org:8080"; without a port, any port). The spider follows links to them too.
NEWSARCHIVE_ALLOWED_HOSTS = []
# Addresses: private, loopback, link-local (169.254.169.254...), shared, multicast and reserved
# addresses are refused, as IP literals or as what a host name resolves to, unless listed here
# (addresses or networks: "127.0.0.1", "10.0.0.0/8", "::1"; on the command line
# -s NEWSARCHIVE_ALLOW_PRIVATE=127.0.0.1,10.0.0.0/8). The tests allow 127.0.0.1.
NEWSARCHIVE_ALLOW_PRIVATE = []
# The spider follows redirects itself (each URL gets its own mark, the target must be on the
# crawl's hosts) and the robots.txt middleware follows its own (same host only): Scrapy's
# redirect middlewares are off, and no meta refresh is ever followed.
REDIRECT_ENABLED = False
METAREFRESH_ENABLED = False

DOWNLOADER_MIDDLEWARES = {
    # The gate: the crawl's hosts only, no private addresses (see above). Before robots.txt, so
    # that a refused host's robots.txt is not fetched either.
    "crawler.crawl.middlewares.gate.RequestGate": 60,
    # robots.txt obeyed, and one that answers 5xx or not at all means "not now" for its host.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.crawl.middlewares.robots.RobotsTxtMiddleware": 100,
    # Scrapy's decompression, with a body over DOWNLOAD_MAXSIZE as its own reason ("too_large").
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.crawl.middlewares.size.ResponseSizeMiddleware": 590,
    "crawler.crawl.middlewares.replay.ReplayDownloaderMiddleware": 950,
    # Next to the downloader: responses as received, before decompression, redirects, retries.
    "crawler.crawl.middlewares.capture.CaptureDownloaderMiddleware": 990,
}
# The archive: its lock, its one connection and writer thread, the crawl's row, the captures.
EXTENSIONS = {"crawler.crawl.extension.ArchiveExtension": 500}
# The processing core (normalise, validate, group), then storage, for every item.
ITEM_PIPELINES = {"pipelines.archive.ArchivePipeline": 300}

TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # no listening port of any kind
LOG_FORMATTER = "crawler.crawl.logformatter.LogFormatter"
LOGSTATS_INTERVAL = 15.0  # progress: pages and items so far, every 15 s
LOG_LEVEL = "INFO"
DEFAULT_DROPITEM_LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
# `-O out.csv`: one header for articles and tickers (JSON exports give each item its fields).
FEED_EXPORT_FIELDS = list(_items.EXPORT_FIELDS)

# newsarchive's own settings
NEWSARCHIVE_SITE = "maghress"  # the default site of `newsarchive crawl` (--site)
NEWSARCHIVE_DB = "data/archive.db"
NEWSARCHIVE_LIVE = False  # fetch from the web (`scrapy crawl <site> -a live=1`); else replay
NEWSARCHIVE_REPLAY = None  # a mirror folder or WARC files to replay; None: the site's bundled mirror
NEWSARCHIVE_SEEDS = None  # a file of start URLs, one a line; None: the site's
NEWSARCHIVE_BATCH_SIZE = _batch.BATCH_SIZE
NEWSARCHIVE_INCREMENTAL = True  # fetch only what is new or due; False: every known URL
NEWSARCHIVE_TRIGGER = "manual"  # recorded in the crawls table ("schedule" when the scheduler runs it)
NEWSARCHIVE_LOCK_WAIT = 0  # seconds to wait for another crawl of the same archive to finish
NEWSARCHIVE_CAPTURE = True  # keep every response as WARC, indexed in the captures table
# 1: one process fetches, captures, parses, groups and stores. 2: the crawl process fetches,
# follows links and captures; a second process (crawler.ops.stage) parses, groups and stores
# what it captured, as `reparse` does: a crawl that uses two cores.
NEWSARCHIVE_PROCESSES = 1
NEWSARCHIVE_WARC_DIR = None  # default: beside the archive, data/archive.db -> data/archive-warc/
NEWSARCHIVE_WARC_MAX_SIZE = 1_000_000_000  # bytes: a new WARC file is started past this size
# gzip level of each WARC record: 1 is about 3 times faster than 6 for files about 15% larger
NEWSARCHIVE_WARC_GZIP_LEVEL = 1
