"""Hostile sites: real crawls (`newsarchive crawl --live`, in subprocesses) of real HTTP servers
on 127.0.0.1 that misbehave, and what a user finds afterwards: the rows stored, the reasons
counted in the crawl's row and stats, the exit code, and what other local services never got.

Every crawl allows 127.0.0.1 (NEWSARCHIVE_ALLOW_PRIVATE): private addresses are refused by
default. The servers' ports make them different hosts for the crawl (127.0.0.1:A is not
127.0.0.1:B), which stands for "another host" here.
"""

from __future__ import annotations

import datetime as dt
import gzip
import http.server
import json
import ssl
import threading
import time
from contextlib import ExitStack

import pytest

from crawler.core import clock
from crawler.crawl import settings as project_settings
from tests.conftest import count, query, run_cli

ALLOW_LOCAL = ("-s", "NEWSARCHIVE_ALLOW_PRIVATE=127.0.0.1")
FAST = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "RETRY_TIMES=0",
        "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8")
MB = 1024 * 1024

ARTICLE = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"></head><body>
<div class="ticker"><a href="/fr/lesechos/1">Un titre</a></div>
<span class="articletitle">{title}</span>
<span class="articlenewspaper">Publié dans <a href="/fr/lesechos">Les Echos</a> le 04 - 09 - 2025</span>
<span class="articlecontent">Premier paragraphe.<br>Second paragraphe.</span>
</body></html>"""
# The same page without its credit line ("Publié dans ... le ..."): no article in it.
NO_CREDIT = ARTICLE.replace('<span class="articlenewspaper">Publié dans <a href="/fr/lesechos">Les Echos</a> '
                            "le 04 - 09 - 2025</span>", "")
ALLOW_ALL = b"User-agent: *\nDisallow:\n"


class Server:
    """A web server on `host` (its own port): answers each path with its route, a function of
    the request handler, or the default (robots.txt allowing everything, an article page for
    /fr/<paper>/<n>, else 404), and records every path requested."""

    def __init__(self, routes: dict | None = None, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None):
        self.routes = routes or {}
        self.paths: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.paths.append(self.path)
                route = server.routes.get(self.path)
                try:
                    if route is not None:
                        route(self)
                    elif self.path == "/robots.txt":
                        send(self, 200, ALLOW_ALL, "text/plain")
                    elif self.path.startswith("/fr/") and self.path.rsplit("/", 1)[-1].isdigit():
                        send(self, 200, ARTICLE.format(title=f"Article {self.path}").encode())
                    else:
                        send(self, 404, b"<h1>introuvable</h1>")
                except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                    pass  # the crawler hung up (a body over its limit)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        scheme = "https" if tls is not None else "http"
        self.base = f"{scheme}://{host}:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return self.base + path

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def send(handler, status: int, body: bytes, content_type: str = "text/html; charset=utf-8", headers=None):
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


def redirect(location: str, status: int = 302):
    return lambda handler: send(handler, status, b"", headers={"Location": location})


def meta_refresh(location: str):
    page = f'<html><head><meta http-equiv="refresh" content="0; url={location}"></head><body></body></html>'
    return lambda handler: send(handler, 200, page.encode())


def text(body: bytes, content_type: str = "text/plain"):
    return lambda handler: send(handler, 200, body, content_type)


def stream(size: int, *, announce: bool):
    """A page of `size` bytes, sent in 64 KiB pieces, its length announced or not (then the
    connection's end ends it)."""
    def route(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        if announce:
            handler.send_header("Content-Length", str(size))
        handler.end_headers()
        piece = b"<p>" + b"a" * (64 * 1024 - 7) + b"</p>\n"
        for _ in range(size // len(piece)):
            handler.wfile.write(piece)
        handler.close_connection = True
    return route


def hang(seconds: float):
    return lambda handler: time.sleep(seconds)


@pytest.fixture
def servers():
    """make(routes, host=..., tls=...) -> a running Server; all are shut down after the test."""
    with ExitStack() as stack:
        def make(routes=None, **options) -> Server:
            server = Server(routes, **options)
            stack.callback(server.close)
            return server
        yield make


def crawl(tmp_path, seeds: list[str], *settings: str, db_name: str = "archive.db", allow_local: bool = True):
    """`newsarchive crawl --live -v` of the seeds into tmp_path/db_name (-v: with Scrapy's log, which
    the tests read): the finished process."""
    seeds_file = tmp_path / "seeds.txt"
    seeds_file.write_text("".join(f"{url}\n" for url in seeds), encoding="utf-8")
    return run_cli("crawl", "--live", "-v", "--seeds", seeds_file, "--db", tmp_path / db_name, *FAST,
                   *(ALLOW_LOCAL if allow_local else ()), *settings)


def last_run(db) -> dict:
    row = query(db, "SELECT * FROM crawls ORDER BY id DESC LIMIT 1")[0]
    return {**row, "stats": json.loads(row["stats"]), "failed": json.loads(row["failed"]),
            "skipped": json.loads(row["skipped"])}


def url_rows(db) -> dict[str, dict]:
    return {r["url"]: r for r in query(db, "SELECT url, kind, status, reason, attempts, next_due, crawl FROM urls")}


def later(at: str, **delta) -> str:
    return clock.format(clock.parse(at) + dt.timedelta(**delta))


def captured(db) -> list[str]:
    return [r["url"] for r in query(db, "SELECT url FROM captures ORDER BY url")]


# --- 5. requests go only where they should ------------------------------------------------------
def test_robots_txt_and_sitemaps_never_lead_to_another_service(servers, tmp_path):
    victim = servers()  # a local service that records whether it was hit
    secret = victim.url("/admin/secret")
    redirecting = servers({"/robots.txt": redirect(secret)})
    refreshing = servers({"/robots.txt": meta_refresh(secret)})
    sitemaps = servers({
        "/robots.txt": text(b"User-agent: *\nDisallow:\nSitemap: /moved-sitemap.xml\nSitemap: /refresh-sitemap.xml\n"
                            + f"Sitemap: {victim.url('/sitemap.xml')}\n".encode()),
        "/moved-sitemap.xml": redirect(victim.url("/sitemap.xml"), 301),
        "/refresh-sitemap.xml": meta_refresh(victim.url("/sitemap.xml")),
    })
    seeds = [redirecting.url("/fr/lesechos/1"), refreshing.url("/fr/lesechos/2"), sitemaps.url("/fr/lesechos/3")]

    result = crawl(tmp_path, seeds)

    assert result.returncode == 0, result.stderr[-3000:]
    assert victim.paths == []  # never reached, by robots.txt, by a sitemap or by a Sitemap line
    db = tmp_path / "archive.db"
    assert not [url for url in captured(db) if url.startswith(victim.base)]
    # A robots.txt redirected to another host: not followed, the host is "not now" for this run.
    assert redirecting.paths == ["/robots.txt"]
    rows = url_rows(db)
    assert (rows[seeds[0]]["status"], rows[seeds[0]]["reason"]) == ("skipped", "robots_unavailable")
    # A robots.txt answering a meta refresh: read as it is (no rules), nothing followed (the
    # pages are fetched, and the link of their ticker).
    assert sorted(refreshing.paths) == ["/fr/lesechos/1", "/fr/lesechos/2", "/robots.txt"]
    # The sitemaps: the redirect off the host is not followed, the meta refresh is not a sitemap.
    assert sorted(sitemaps.paths) == ["/fr/lesechos/1", "/fr/lesechos/3", "/moved-sitemap.xml",
                                      "/refresh-sitemap.xml", "/robots.txt"]
    moved = rows[sitemaps.url("/moved-sitemap.xml")]
    assert (moved["kind"], moved["status"], moved["reason"]) == ("sitemap", "fetched", "redirect")
    assert victim.url("/sitemap.xml") not in rows
    run = last_run(db)
    assert run["stats"]["spider/refused/offsite_redirect"] == 1
    assert run["skipped"] == {"robots_unavailable": 1}
    assert count(db, "articles") == 4


def test_private_addresses_are_refused_unless_allowed(servers, tmp_path):
    other = servers(host="127.0.0.2")  # a service on another loopback address
    site = servers({"/fr/lesechos/7": redirect(other.url("/fr/lesechos/7"))})
    seeds = [site.url("/fr/lesechos/1"), site.url("/fr/lesechos/7"), "http://169.254.169.254/latest/meta-data/"]

    # 127.0.0.2 is one of the crawl's hosts (so the spider follows the redirect to it), but only
    # 127.0.0.1 is an allowed private address.
    result = crawl(tmp_path, seeds, "-s", f"NEWSARCHIVE_ALLOWED_HOSTS={other.base.split('//')[1]}")

    assert result.returncode == 0, result.stderr[-3000:]
    assert other.paths == []
    db = tmp_path / "archive.db"
    rows = url_rows(db)
    started = query(db, "SELECT started FROM crawls")[0]["started"]
    for url in (other.url("/fr/lesechos/7"), "http://169.254.169.254/latest/meta-data/"):
        assert (rows[url]["status"], rows[url]["reason"]) == ("skipped", "private_address")
        assert rows[url]["next_due"] >= later(started, days=1)  # asked again a day later
    run = last_run(db)
    assert run["skipped"] == {"private_address": 2}
    assert run["stats"]["gate/refused/private_address"] == 2
    assert [r["url"] for r in query(db, "SELECT url FROM articles")] == [site.url("/fr/lesechos/1")]
    assert "Refused (private_address): http://169.254.169.254/latest/meta-data/" in result.stderr


def test_by_default_no_private_address_is_fetched_not_even_by_name(servers, tmp_path):
    site = servers()
    port = site.base.rsplit(":", 1)[1]
    seeds = [site.url("/fr/lesechos/1"), f"http://localhost:{port}/fr/lesechos/2"]  # localhost is 127.0.0.1

    result = crawl(tmp_path, seeds, allow_local=False)

    assert result.returncode == 0, result.stderr[-3000:]
    assert site.paths == []
    db = tmp_path / "archive.db"
    assert {url: (r["status"], r["reason"]) for url, r in url_rows(db).items()} == {
        url: ("skipped", "private_address") for url in seeds}
    assert last_run(db)["stats"]["gate/refused/private_address"] == 2


# --- 7. bounds: a body over the limit is recorded once, and not fetched again every run ---------
def test_bodies_over_the_limit_are_cut_recorded_once_and_left_alone(servers, tmp_path):
    bomb = gzip.compress(b"<html><body>" + b"\0" * (64 * MB), compresslevel=9)  # about 64 KB
    assert len(bomb) < MB
    site = servers({
        "/fr/lesechos/30": stream(30 * MB, announce=True),  # 30 MB, announced
        "/fr/lesechos/31": stream(12 * MB, announce=False),  # 12 MB, no Content-Length
        "/fr/lesechos/32": lambda h: send(h, 200, bomb, headers={"Content-Encoding": "gzip"}),  # 64 MB inflated
    })
    big = [site.url(f"/fr/lesechos/{n}") for n in (30, 31, 32)]
    seeds = [*big, site.url("/fr/lesechos/1")]

    first = crawl(tmp_path, seeds)

    assert first.returncode == 0, first.stderr[-3000:]
    db = tmp_path / "archive.db"
    rows = url_rows(db)
    started = query(db, "SELECT started FROM crawls")[0]["started"]
    for url in big:
        assert (rows[url]["status"], rows[url]["reason"]) == ("skipped", "too_large")
        assert rows[url]["next_due"] >= later(started, days=30)  # NEWSARCHIVE_TOO_LARGE_RECHECK_DAYS
    run = last_run(db)
    assert run["skipped"] == {"too_large": 3}
    assert run["stats"]["spider/skipped/too_large"] == 3
    assert [r["url"] for r in query(db, "SELECT url FROM articles")] == [site.url("/fr/lesechos/1")]
    assert "Too large, not fetched again before" in first.stderr

    site.paths.clear()
    second = crawl(tmp_path, seeds)

    assert second.returncode == 0, second.stderr[-3000:]
    assert not [p for p in site.paths if p.rsplit("/", 1)[-1] in ("30", "31", "32")]
    assert {url: r["crawl"] for url, r in url_rows(db).items() if url in big} == dict.fromkeys(big, 1)


def test_the_bounds_have_their_documented_defaults():
    assert project_settings.DOWNLOAD_MAXSIZE == 10 * MB
    assert project_settings.DOWNLOAD_WARNSIZE == 5 * MB
    assert project_settings.NEWSARCHIVE_TOO_LARGE_RECHECK_DAYS == 30
    assert project_settings.NEWSARCHIVE_ROBOTSTXT_TIMEOUT == 30
    assert project_settings.NEWSARCHIVE_ROBOTSTXT_MAXSIZE == 500 * 1024
    assert project_settings.NEWSARCHIVE_ROBOTS_SITEMAPS == 10
    assert project_settings.NEWSARCHIVE_SITEMAPS_PER_RUN == 100
    assert project_settings.NEWSARCHIVE_SITEMAP_URLS == 50_000
    assert project_settings.NEWSARCHIVE_SITEMAP_MAXSIZE == 50 * MB
    assert project_settings.NEWSARCHIVE_PAGE_LINKS == 5000
    assert project_settings.NEWSARCHIVE_ALLOW_PRIVATE == []
    assert project_settings.METAREFRESH_ENABLED is False and project_settings.REDIRECT_ENABLED is False


# --- 8. robots.txt that never answers; robots.txt and sitemaps that list too much --------------
def test_a_robots_txt_that_never_answers_means_not_now(servers, tmp_path):
    mute = servers({"/robots.txt": hang(30)})
    fine = servers()
    seeds = [mute.url("/fr/lesechos/1"), mute.url("/fr/lesechos/2"), fine.url("/fr/lesechos/3")]

    result = crawl(tmp_path, seeds, "-s", "NEWSARCHIVE_ROBOTSTXT_TIMEOUT=2")

    assert result.returncode == 0, result.stderr[-3000:]
    assert mute.paths == ["/robots.txt"]  # once, not retried; its pages not fetched
    db = tmp_path / "archive.db"
    rows = url_rows(db)
    started = query(db, "SELECT started FROM crawls")[0]["started"]
    for url in seeds[:2]:
        assert (rows[url]["status"], rows[url]["reason"]) == ("skipped", "robots_unavailable")
        assert rows[url]["next_due"] <= later(started, minutes=10)  # the next run asks again
    run = last_run(db)
    assert run["skipped"] == {"robots_unavailable": 2}
    assert run["stats"]["robotstxt/unavailable"] == 1
    assert [r["url"] for r in query(db, "SELECT url FROM articles ORDER BY url")] == [
        fine.url("/fr/lesechos/1"), fine.url("/fr/lesechos/3")]  # the other host's, and the link of its ticker
    assert "unavailable: DownloadTimeoutError" in result.stderr


def test_a_robots_txt_with_100000_sitemap_lines_gives_10_sitemaps(servers, tmp_path):
    robots = b"User-agent: *\nDisallow:\n" + b"".join(b"Sitemap: /sitemaps/%d.xml\n" % n for n in range(100_000))
    site = servers({"/robots.txt": text(robots)})

    result = crawl(tmp_path, [site.url("/fr/lesechos/1")])

    assert result.returncode == 0, result.stderr[-3000:]
    assert sorted(p for p in site.paths if p.startswith("/sitemaps/")) == sorted(f"/sitemaps/{n}.xml" for n in range(10))
    db = tmp_path / "archive.db"
    run = last_run(db)
    stats = run["stats"]
    assert stats["spider/sitemaps_from_robots"] == 10
    assert stats["robotstxt/truncated"] == 1  # only its first 500 KiB are read
    read = robots[: robots.rfind(b"\n", 0, 500 * 1024) + 1]  # cut at a line's end
    assert stats["spider/limit/robots_sitemaps"] == read.count(b"Sitemap:") - 10
    assert "not_reached" not in run["skipped"]
    assert query(db, "SELECT count(*) AS n FROM urls WHERE kind = 'sitemap'") == [{"n": 10}]


def test_sitemaps_are_taken_up_to_their_caps(servers, tmp_path):
    big = b"".join([b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
                    *(b"<url><loc>/fr/lesechos/%d</loc></url>\n" % n for n in range(100_000)), b"</urlset>"])
    index = b"".join([b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
                      *(b"<sitemap><loc>/sitemap-%d.xml</loc></sitemap>" % n for n in range(300)), b"</sitemapindex>"])
    site = servers({"/sitemap-big.xml": text(big, "application/xml"),
                    "/sitemap-index.xml": text(index, "application/xml")})
    seeds = [site.url("/sitemap-big.xml"), site.url("/sitemap-index.xml")]

    result = crawl(tmp_path, seeds, "-s", "NEWSARCHIVE_SITEMAP_URLS=20", "-s", "NEWSARCHIVE_SITEMAPS_PER_RUN=5")

    assert result.returncode == 0, result.stderr[-3000:]
    fetched_sitemaps = [p for p in site.paths if p.startswith("/sitemap")]
    assert len(fetched_sitemaps) == 5  # the two seeds and the first three of the index
    assert sorted(p for p in site.paths if p.startswith("/fr/")) == sorted(f"/fr/lesechos/{n}" for n in range(20))
    db = tmp_path / "archive.db"
    stats = last_run(db)["stats"]
    assert stats["spider/limit/sitemap_urls"] == 2  # both cut at 20 entries
    assert stats["spider/limit/sitemaps"] == 17  # the index's 20 children, less the 3 fetched
    assert stats["spider/sitemap_links"] == 20
    assert query(db, "SELECT count(*) AS n FROM urls") == [{"n": 25}]  # nothing else recorded


# --- 9. malformed seeds are skipped, the crawl goes on -----------------------------------------
def test_malformed_seeds_are_skipped_with_their_reason(servers, tmp_path):
    site = servers()
    bad = ["https://www.maghress.com:99999/x", "https://[::1/x"]
    seeds = [bad[0], site.url("/fr/lesechos/1"), bad[1]]

    result = crawl(tmp_path, seeds)

    assert result.returncode == 0, result.stderr[-3000:]
    assert "crawl 1 finished" in result.stderr
    db = tmp_path / "archive.db"
    assert [r["url"] for r in query(db, "SELECT url FROM articles")] == [site.url("/fr/lesechos/1")]
    rows = url_rows(db)
    assert {url: (rows[url]["status"], rows[url]["reason"], rows[url]["next_due"]) for url in bad} == {
        url: ("skipped", "bad_url", None) for url in bad}
    run = last_run(db)
    assert run["stats"]["spider/refused/bad_url"] == 2
    assert run["skipped"] == {"bad_url": 2}
    assert run["finish_reason"] == "finished"
    for url in bad:
        assert "Skipped seed URL (bad_url: " in result.stderr and url in result.stderr


# --- 4. pages that give no article are counted and tried again --------------------------------
def test_pages_without_an_article_are_counted_and_retried_with_back_off(servers, tmp_path):
    site = servers({"/fr/lesechos/2": text(NO_CREDIT.encode(), "text/html; charset=utf-8"),
                    "/fr/lesechos/3": text(b"", "text/html; charset=utf-8")})
    seeds = [site.url(f"/fr/lesechos/{n}") for n in (1, 2, 3)]

    result = crawl(tmp_path, seeds)

    assert result.returncode == 0, result.stderr[-3000:]
    db = tmp_path / "archive.db"
    rows = url_rows(db)
    started = query(db, "SELECT started FROM crawls")[0]["started"]
    no_article, unparseable = rows[seeds[1]], rows[seeds[2]]
    assert (no_article["status"], no_article["reason"], no_article["attempts"]) == ("failed", "no_article", 1)
    assert (unparseable["status"], unparseable["reason"], unparseable["attempts"]) == ("failed", "unparseable", 1)
    for row in (no_article, unparseable):  # crawler/frontier/recheck.py: 15 minutes after the first failure
        assert later(started, minutes=15) <= row["next_due"] <= later(started, minutes=20)
    run = last_run(db)
    assert run["failed"] == {"no_article": 1, "unparseable": 1}
    assert run["stats"]["spider/failed/no_article"] == 1
    assert run["stats"]["spider/failed/unparseable"] == 1
    assert count(db, "articles") == 1
    assert set(seeds) <= set(captured(db))  # kept as received all the same


# --- a certificate for the wrong name -----------------------------------------------------------
def wrong_name_tls(tmp_path) -> ssl.SSLContext:
    """A server TLS context with a self-signed certificate for wrong.example (not 127.0.0.1)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "wrong.example")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("wrong.example")]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context


def test_a_certificate_for_another_name_is_archived_and_flagged(servers, tmp_path):
    site = servers(tls=wrong_name_tls(tmp_path))
    seed = site.url("/fr/lesechos/1")

    result = crawl(tmp_path, [seed])

    assert result.returncode == 0, result.stderr[-3000:]
    db = tmp_path / "archive.db"
    assert [r["url"] for r in query(db, "SELECT url FROM articles")] == [seed]
    stats = last_run(db)["stats"]
    assert stats["tls/hostname_mismatch"] == 2  # robots.txt and the page
    assert f"TLS certificate of {seed}: hostname_mismatch (archived all the same)" in result.stderr
    assert query(db, "SELECT url, tls_problem FROM captures ORDER BY url") == [  # said in the archive too
        {"url": seed, "tls_problem": "hostname_mismatch"},
        {"url": site.url("/robots.txt"), "tls_problem": "hostname_mismatch"}]


def test_a_response_from_a_refused_address_is_refused_before_it_is_kept():
    """A name that resolved to a public address when asked, then answered from a private one
    (DNS rebinding): the gate's check_address, which the capture middleware calls before keeping
    a response, refuses it; an allowed address passes."""
    from ipaddress import ip_address

    from scrapy.http import HtmlResponse, Request
    from scrapy.utils.test import get_crawler

    from crawler.crawl.errors import PrivateAddress
    from crawler.crawl.middlewares.gate import RequestGate
    from crawler.crawl.spiders import spider_class
    from crawler.sites import registry

    spider = spider_class(registry.site("maghress"))
    request = Request("http://news.example.org/fr/lesechos/1")
    response = HtmlResponse(request.url, body=b"<html></html>", request=request, ip_address=ip_address("10.1.2.3"))
    gate = RequestGate(get_crawler(spider, {"NEWSARCHIVE_LIVE": True}))
    with pytest.raises(PrivateAddress, match="answered from 10.1.2.3"):
        gate.check_address(request, response)
    allowed = RequestGate(get_crawler(spider, {"NEWSARCHIVE_LIVE": True, "NEWSARCHIVE_ALLOW_PRIVATE": "10.0.0.0/8"}))
    allowed.check_address(request, response)  # no error


def test_in_two_processes_pages_without_an_article_are_counted_and_rechecked(servers, tmp_path):
    """The capture stage marks a page done once captured; the processing stage counts what it
    could not use, and the URL comes back on the article schedule (1 hour), its capture kept."""
    site = servers({"/fr/lesechos/2": text(NO_CREDIT.encode(), "text/html; charset=utf-8"),
                    "/fr/lesechos/3": text(b"", "text/html; charset=utf-8")})
    seeds = [site.url(f"/fr/lesechos/{n}") for n in (1, 2, 3)]

    result = crawl(tmp_path, seeds, "-s", "NEWSARCHIVE_PROCESSES=2")

    assert result.returncode == 0, result.stderr[-3000:]
    db = tmp_path / "archive.db"
    run = last_run(db)
    assert run["stats"]["spider/failed/no_article"] == 1
    assert run["stats"]["stage/skipped/unparseable"] == 1
    assert count(db, "articles") == 1
    rows = url_rows(db)
    started = query(db, "SELECT started FROM crawls")[0]["started"]
    for url in seeds[1:]:
        assert (rows[url]["status"], rows[url]["reason"]) == ("fetched", None)
        assert later(started, minutes=60) <= rows[url]["next_due"] <= later(started, minutes=65)
    assert set(seeds) <= set(captured(db))
