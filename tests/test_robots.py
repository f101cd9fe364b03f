"""crawler/crawl/middlewares/robots.py: robots.txt obeyed in real crawls.

Each test runs a real Scrapy crawl (its engine, downloader and middlewares) in a subprocess (a
Twisted reactor cannot be restarted in one process) against real HTTP servers on 127.0.0.1 that
record every path they are asked for. The spider is a minimal one, defined in CRAWL below, that
reports as JSON which requests were answered, which errbacked with which exception, the
robots_parsed signals it received and the robotstxt/* stats.

A robots.txt can be delayed by the server (ROBOTS_DELAY) so that all the requests of a host reach
the middleware while it is still being downloaded: that is the case Scrapy 2.19 gets wrong.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ROBOTS_DELAY = 0.5  # seconds the server holds robots.txt back, so that requests pile up waiting
DISALLOW_PRIVATE = b"User-agent: *\nDisallow: /private/\n"
OURS = "crawler.crawl.middlewares.robots.RobotsTxtMiddleware"
SCRAPYS = "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware"
# Scrapy's key for an exception is its repr ("<class '...'>"); 2.19 wraps Twisted's errors in its own.
REFUSED = "robotstxt/exception_count/<class 'scrapy.exceptions.DownloadConnectionRefusedError'>"
DROPPED = "robotstxt/exception_count/<class 'scrapy.exceptions.DownloadFailedError'>"

# The crawl, run as `python -c CRAWL CONFIG_JSON`: prints one JSON line on stdout at the end.
CRAWL = r'''
import json
import sys

import scrapy
from scrapy import signals
from scrapy.crawler import CrawlerProcess

config = json.loads(sys.argv[1])
report = {"responses": [], "errbacks": [], "robots_parsed": [], "stats": {}}


class ProbeSpider(scrapy.Spider):
    name = "probe"

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.on_robots_parsed, signal=signals.robots_parsed)
        return spider

    async def start(self):
        for url in config["urls"]:
            yield scrapy.Request(url, callback=self.parse, errback=self.errback, dont_filter=True)

    def parse(self, response):
        report["responses"].append(response.url)

    def errback(self, failure):
        report["errbacks"].append([failure.request.url, type(failure.value).__name__, str(failure.value)])

    def on_robots_parsed(self, robotparser, request):
        report["robots_parsed"].append({"request": request.url, "sitemaps": list(robotparser.rp.sitemaps)})

    def closed(self, reason):
        stats = self.crawler.stats.get_stats()
        report["stats"] = {k: v for k, v in stats.items() if k.startswith("robotstxt/")}


process = CrawlerProcess(settings={
    "DOWNLOADER_MIDDLEWARES": config["middlewares"],
    "ROBOTSTXT_OBEY": True,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "DOWNLOAD_DELAY": 0,
    "TELNETCONSOLE_ENABLED": False,
    "LOG_LEVEL": "WARNING",
    **config.get("settings", {}),
})
process.crawl(ProbeSpider)
process.start()
print(json.dumps(report))
'''


class Site:
    """A web site on 127.0.0.1 (its own port, so its own host for robots.txt): answers
    /robots.txt as configured and every other path with a small HTML page, and records every
    path requested. robots_status None: the server closes the connection without answering
    robots.txt."""

    def __init__(self, robots_status: int | None = 200, robots_body: bytes = b"", robots_delay: float = 0.0,
                 robots_headers: dict | None = None, robots_type: str = "text/plain"):
        self.paths: list[str] = []
        lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                with lock:
                    site.paths.append(self.path)
                if self.path == "/robots.txt":
                    time.sleep(robots_delay)
                    if robots_status is None:
                        self.close_connection = True
                        return
                    self._answer(robots_status, robots_type, robots_body, robots_headers or {})
                elif self.path == "/real-robots.txt":  # where a same-host redirect leads
                    self._answer(200, "text/plain", DISALLOW_PRIVATE)
                else:
                    self._answer(200, "text/html", b"<html><body><p>page</p></body></html>")

            def _answer(self, status, content_type, body, headers=None):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.netloc = f"127.0.0.1:{self.server.server_address[1]}"
        self.origin = f"http://{self.netloc}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return self.origin + path

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sites():
    """make(**options) -> a running Site; all are shut down after the test."""
    with ExitStack() as stack:
        def make(**options) -> Site:
            site = Site(**options)
            stack.callback(site.close)
            return site
        yield make


def dead_origin() -> str:
    """An http origin on 127.0.0.1 where nothing listens (connections are refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def crawl(urls: list[str], *, middleware: str = OURS, settings: dict | None = None) -> dict:
    """Crawl the URLs with a minimal spider and `middleware` as the robots.txt middleware: the
    spider's report (responses, errbacks, robots_parsed, stats) plus the crawl's stderr (log)."""
    middlewares = {SCRAPYS: None, OURS: None, middleware: 100}
    config = {"urls": urls, "middlewares": middlewares, "settings": settings or {}}
    proc = subprocess.run([sys.executable, "-c", CRAWL, json.dumps(config)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    report["log"] = proc.stderr
    return report


def paths_of(urls: list[str]) -> list[str]:
    return sorted("/" + u.split("/", 3)[3] for u in urls)


def waiting_scenario(site: Site) -> tuple[list[str], list[str]]:
    """5 allowed and 5 disallowed URLs of a site whose robots.txt (disallowing /private/) is
    delayed: all 10 requests reach the robots.txt middleware while it is being downloaded."""
    allowed = [site.url(f"/public/{i}") for i in range(5)]
    disallowed = [site.url(f"/private/{i}") for i in range(5)]
    return allowed, disallowed


def test_every_waiting_request_gets_the_parser(sites):
    site = sites(robots_body=DISALLOW_PRIVATE, robots_delay=ROBOTS_DELAY)
    allowed, disallowed = waiting_scenario(site)

    report = crawl(allowed + disallowed)

    assert not [p for p in site.paths if p.startswith("/private/")]
    assert sorted(site.paths) == sorted(["/robots.txt", *paths_of(allowed)])  # robots.txt once
    assert sorted(report["responses"]) == sorted(allowed)
    assert sorted(report["errbacks"]) == sorted(
        [url, "RobotsForbidden", "Forbidden by robots.txt"] for url in disallowed)
    assert report["stats"] == {
        "robotstxt/request_count": 1,
        "robotstxt/response_count": 1,
        "robotstxt/response_status_count/200": 1,
        "robotstxt/forbidden": 5,
    }
    assert len(report["robots_parsed"]) == 1


def test_robots_5xx_means_nothing_fetched_on_that_host(sites):
    down = sites(robots_status=503, robots_body=b"busy", robots_delay=ROBOTS_DELAY)
    up = sites(robots_body=b"User-agent: *\nDisallow:\n")
    down_urls = [down.url(f"/news/{i}") for i in range(5)]
    up_urls = [up.url(f"/news/{i}") for i in range(3)]

    report = crawl(down_urls + up_urls)

    # Only robots.txt was asked of the host that answered 503 (Scrapy's RetryMiddleware retries it).
    assert set(down.paths) == {"/robots.txt"}
    assert sorted(report["errbacks"]) == sorted(
        [url, "RobotsUnavailable", "robots.txt unavailable (HTTP 503): not now"] for url in down_urls)
    # The other host of the same crawl is crawled normally.
    assert sorted(up.paths) == sorted(["/robots.txt", *paths_of(up_urls)])
    assert sorted(report["responses"]) == sorted(up_urls)
    assert report["stats"]["robotstxt/unavailable"] == 1
    assert report["stats"]["robotstxt/response_status_count/503"] == 1
    assert report["stats"]["robotstxt/request_count"] == 2
    assert "robotstxt/forbidden" not in report["stats"]
    warning = f"robots.txt of {down.netloc} unavailable: HTTP 503; nothing fetched there this run"
    assert report["log"].count(warning) == 1
    assert [p["request"].startswith(up.origin) for p in report["robots_parsed"]] == [True]


def test_robots_404_allows_everything(sites):
    site = sites(robots_status=404, robots_body=b"<html>Not Found</html>", robots_delay=ROBOTS_DELAY)
    urls = [site.url(f"/private/{i}") for i in range(3)] + [site.url(f"/news/{i}") for i in range(3)]
    data_url = "data:text/plain,inline"  # data: URLs are never checked against robots.txt

    report = crawl(urls + [data_url])

    assert sorted(site.paths) == sorted(["/robots.txt", *paths_of(urls)])
    assert sorted(report["responses"]) == sorted(urls + [data_url])
    assert report["errbacks"] == []
    assert report["stats"] == {
        "robotstxt/request_count": 1,
        "robotstxt/response_count": 1,
        "robotstxt/response_status_count/404": 1,
    }


def test_robots_unreachable_means_nothing_fetched_on_that_host(sites):
    """RFC 9309, section 2.3.1.4: robots.txt unreachable (connection refused, dropped) means a
    complete disallow; here, "not now" for the host, for this run."""
    dead = dead_origin()
    dead_urls = [f"{dead}/news/{i}" for i in range(3)]
    mute = sites(robots_status=None)  # answers pages, but drops the connection for robots.txt
    mute_urls = [mute.url(f"/private/{i}") for i in range(3)]

    report = crawl(dead_urls + mute_urls, settings={"RETRY_ENABLED": False})

    assert sorted(report["errbacks"]) == sorted(
        [[url, "RobotsUnavailable", "robots.txt unavailable (DownloadConnectionRefusedError): not now"]
         for url in dead_urls]
        + [[url, "RobotsUnavailable", "robots.txt unavailable (DownloadFailedError): not now"] for url in mute_urls])
    assert report["responses"] == []
    assert mute.paths == ["/robots.txt"]  # asked once, never retried, and nothing else
    stats = report["stats"]
    assert stats["robotstxt/request_count"] == 2
    assert stats["robotstxt/unavailable"] == 2
    exception_keys = sorted(k for k in stats if k.startswith("robotstxt/exception_count/"))
    assert exception_keys == sorted([REFUSED, DROPPED])
    assert stats[REFUSED] == 1 and stats[DROPPED] == 1
    assert "robotstxt/response_count" not in stats and "robotstxt/forbidden" not in stats
    assert f"robots.txt of {dead.split('//')[1]} unavailable: DownloadConnectionRefusedError" in report["log"]
    assert f"robots.txt of {mute.netloc} unavailable: DownloadFailedError" in report["log"]
    assert "Traceback" not in report["log"]
    assert report["robots_parsed"] == []


def test_robots_that_never_answers_is_given_up_after_the_timeout(sites):
    slow = sites(robots_body=b"User-agent: *\nDisallow:\n", robots_delay=30)  # far longer than the timeout
    urls = [slow.url(f"/news/{i}") for i in range(3)]

    report = crawl(urls, settings={"NEWSARCHIVE_ROBOTSTXT_TIMEOUT": 1})

    assert sorted(report["errbacks"]) == sorted(
        [url, "RobotsUnavailable", "robots.txt unavailable (DownloadTimeoutError): not now"] for url in urls)
    assert slow.paths == ["/robots.txt"]  # not retried (RETRY_ENABLED is on here), pages not fetched
    assert report["stats"]["robotstxt/unavailable"] == 1
    assert "took longer than 1.0 seconds" in report["log"]


def test_robots_redirect_followed_on_its_host_only(sites):
    other = sites(robots_body=b"User-agent: *\nDisallow:\n")
    moved = sites(robots_status=301, robots_headers={"Location": "/real-robots.txt"})  # disallows /private/
    away = sites(robots_status=302, robots_headers={"Location": other.url("/robots.txt")})
    moved_urls = [moved.url("/news/1"), moved.url("/private/1")]
    away_urls = [away.url(f"/news/{i}") for i in range(2)]

    report = crawl(moved_urls + away_urls)

    # Same host: followed, and obeyed.
    assert sorted(moved.paths) == ["/news/1", "/real-robots.txt", "/robots.txt"]
    assert [moved.url("/private/1"), "RobotsForbidden", "Forbidden by robots.txt"] in report["errbacks"]
    # Another host (here another port of 127.0.0.1): not followed, that host never asked,
    # and the redirecting host is "not now".
    assert other.paths == []
    assert away.paths == ["/robots.txt"]
    unavailable = f"robots.txt unavailable (redirect to another host, {other.url('/robots.txt')}: not followed): not now"
    assert sorted(e for e in report["errbacks"] if e[0] in away_urls) == sorted(
        [url, "RobotsUnavailable", unavailable] for url in away_urls)
    assert report["responses"] == [moved.url("/news/1")]
    assert report["stats"]["robotstxt/unavailable"] == 1


def test_robots_meta_refresh_is_never_followed(sites):
    """Scrapy's MetaRefreshMiddleware is on in this crawl (Scrapy's defaults): the robots.txt
    request is not redirected by it all the same."""
    other = sites()
    refresh = sites(robots_type="text/html", robots_body=(
        f'<html><head><meta http-equiv="refresh" content="0; url={other.url("/admin")}"></head></html>').encode())

    report = crawl([refresh.url("/news/1")])

    assert other.paths == []
    assert sorted(refresh.paths) == ["/news/1", "/robots.txt"]
    assert report["responses"] == [refresh.url("/news/1")]


def test_robots_is_parsed_up_to_its_limit(sites):
    filler = b"".join(b"# comment line %d\n" % i for i in range(200))  # about 4 KB
    site = sites(robots_body=b"User-agent: *\nDisallow: /private/\n" + filler + b"Disallow: /late/\n")

    report = crawl([site.url("/private/1"), site.url("/late/1")], settings={"NEWSARCHIVE_ROBOTSTXT_MAXSIZE": 1024})

    assert report["errbacks"] == [[site.url("/private/1"), "RobotsForbidden", "Forbidden by robots.txt"]]
    assert report["responses"] == [site.url("/late/1")]  # its rule came after the first 1024 bytes
    assert report["stats"]["robotstxt/truncated"] == 1


def test_robots_parsed_signal_gives_the_sitemaps_once_per_host(sites):
    one = sites(robots_body=b"User-agent: *\nDisallow: /private/\nSitemap: /sitemap.xml\n"
                            b"Sitemap: http://example.org/news-sitemap.xml\n", robots_delay=ROBOTS_DELAY)
    two = sites(robots_body=b"Sitemap: /other.xml\n", robots_delay=ROBOTS_DELAY)
    urls = [site.url(f"/news/{i}") for site in (one, two) for i in range(4)]

    report = crawl(urls)

    # Sent once per host, with the request that triggered the robots.txt download.
    parsed = sorted((p["request"].rsplit("/", 2)[0], p["sitemaps"]) for p in report["robots_parsed"])
    assert parsed == sorted([
        (one.origin, ["/sitemap.xml", "http://example.org/news-sitemap.xml"]),
        (two.origin, ["/other.xml"]),
    ])
    assert all(p["request"] in urls for p in report["robots_parsed"])
    assert sorted(report["responses"]) == sorted(urls)


def test_scrapy_robots_waiters_bug_is_still_there(sites):
    """Scrapy 2.19's own middleware, same scenario as test_every_waiting_request_gets_the_parser:
    requests waiting for the robots.txt share one Deferred and all but the first get None, so
    disallowed URLs are fetched."""
    site = sites(robots_body=DISALLOW_PRIVATE, robots_delay=ROBOTS_DELAY)
    allowed, disallowed = waiting_scenario(site)

    crawl(allowed + disallowed, middleware=SCRAPYS)

    assert [p for p in site.paths if p.startswith("/private/")], (
        "Scrapy's RobotsTxtMiddleware now gives the parser to every waiting request: the bug "
        "newsarchive works around is fixed; crawler/crawl/middlewares/robots.py can go back to "
        "subclassing Scrapy's middleware")


def test_not_configured_without_robotstxt_obey():
    from scrapy.exceptions import NotConfigured
    from scrapy.utils.test import get_crawler

    from crawler.crawl.middlewares.robots import RobotsTxtMiddleware

    with pytest.raises(NotConfigured):
        RobotsTxtMiddleware.from_crawler(get_crawler(settings_dict={"ROBOTSTXT_OBEY": False}))
    assert RobotsTxtMiddleware.from_crawler(get_crawler(settings_dict={"ROBOTSTXT_OBEY": True}))
