"""Incremental crawls of a local site that changes between runs; kill -9 and resume; the lock."""

import http.server
import json
import os
import signal
import sqlite3
import subprocess
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

from crawler.archive.lock import ArchiveLock
from crawler.ops.schedule import run_schedule
from tests.conftest import CLI, ROOT, count, query, run_cli

PAGE = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"></head><body>
<div class="ticker">{ticker}</div>
<span class="articletitle">{title}</span>
<span class="articlenewspaper">Publié dans <a href="/fr/lesechos">Les Echos</a> le {day:02d} - 09 - 2025</span>
<span class="articlecontent">{body}</span>
</body></html>"""
FRONT = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"></head><body>
<div class="ticker">{ticker}</div><h2>À la une</h2></body></html>"""
RSS = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Maghress</title>
<link>{base}/fr</link><description>fil</description>
<item><title>Cinq</title><link>{base}/fr/lagazette/5?utm_source=rss</link></item>
</channel></rss>"""
SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>{base}/fr/albayane/6</loc></url>
<url><loc>{base}/fr/a/b/a/b/a/b/7</loc></url><url><loc>{base}/fr/lopinion?page=999</loc></url></urlset>"""


class Site:
    """A small site whose pages a test changes between runs; it records every request."""

    def __init__(self):
        self.ticker = ["/fr/lesechos/1", "/fr/lesechos/2", "/fr/lesechos/3", "/fr/lesechos/4", "/fr/interdit/9"]
        self.bodies = {n: f"Texte de l'article {n}." for n in range(1, 8)}
        self.status = {}  # path -> (status, headers) answered instead of the page
        self.robots_status = 200
        self.requests: list[tuple[str, str | None]] = []  # (path, If-None-Match)
        self.delay = 0.0

    def ticker_html(self):
        return "".join(f'<a href="{p}">Titre {p.rsplit("/", 1)[1]}</a> ' for p in self.ticker)

    def answer(self, path, base):
        if path == "/robots.txt":
            if self.robots_status != 200:
                return self.robots_status, {}, b"unavailable"
            return 200, {"Content-Type": "text/plain"}, (
                "User-agent: *\nDisallow: /fr/interdit/\nSitemap: /sitemap.xml\n").encode()  # relative, as some sites write it
        if path in self.status:
            status, headers = self.status[path]
            return status, headers, b"<h1>indisponible</h1>"
        if path == "/fr":
            return 200, {"Content-Type": "text/html; charset=utf-8"}, FRONT.format(ticker=self.ticker_html()).encode()
        if path == "/fr/rss":
            return 200, {"Content-Type": "application/rss+xml"}, RSS.format(base=base).encode()
        if path == "/sitemap.xml":
            return 200, {"Content-Type": "application/xml"}, SITEMAP.format(base=base).encode()
        parts = path.strip("/").split("/")
        if len(parts) == 3 and parts[2].isdigit() and int(parts[2]) in self.bodies:
            n = int(parts[2])
            body = PAGE.format(ticker=self.ticker_html(), title=f"Article {n}", day=n % 28 + 1, body=self.bodies[n]).encode()
            etag = f'"v{abs(hash(self.bodies[n])) % 10**8}"'
            return 200, {"Content-Type": "text/html; charset=utf-8", "ETag": etag}, body
        return 404, {}, b"introuvable"


@pytest.fixture
def site():
    state = Site()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            state.requests.append((self.path, self.headers.get("If-None-Match")))
            if state.delay and self.path.startswith("/fr/") and self.path.count("/") == 3:
                time.sleep(state.delay)
            base = f"http://{self.headers['Host']}"
            status, headers, body = state.answer(self.path.split("?")[0], base)
            if status == 200 and headers.get("ETag") and self.headers.get("If-None-Match") == headers["ETag"]:
                status, body = 304, b""
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    state.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield state
    httpd.shutdown()
    httpd.server_close()


FAST = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_START_DELAY=0", "-s", "RETRY_TIMES=0",
        "-s", "NEWSARCHIVE_ALLOW_PRIVATE=127.0.0.1")


def crawl(site, tmp_path, *extra, check=True):
    seeds = tmp_path / "seeds.txt"
    seeds.write_text(f"{site.base}/fr\n{site.base}/fr/rss\n")
    site.requests.clear()
    return run_cli("crawl", "--live", "--seeds", seeds, "--db", tmp_path / "archive.db", *FAST, *extra, check=check)


def urls(db):
    return {r["url"]: r for r in query(db, "SELECT * FROM urls")}


def run_row(db, crawl_id):
    row = query(db, "SELECT * FROM crawls WHERE id = ?", (crawl_id,))[0]
    row["failed"], row["skipped"] = json.loads(row["failed"]), json.loads(row["skipped"])
    return row


def make_articles_due(db):
    """An hour goes by: the first re-check of every article is due."""
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE urls SET next_due = '2000-01-01T00:00:00Z' WHERE kind = 'article' AND next_due IS NOT NULL")
    conn.close()


def test_runs_of_a_changing_site(site, tmp_path):
    db = tmp_path / "archive.db"
    a = lambda n, paper="lesechos": f"{site.base}/fr/{paper}/{n}"  # noqa: E731

    # Run 1: seeds, the feed, the sitemap named by robots.txt, the ticker's articles.
    crawl(site, tmp_path)
    rows = urls(db)
    assert {u: (r["kind"], r["status"], r["reason"]) for u, r in rows.items()} == {
        f"{site.base}/fr": ("front", "fetched", None),
        f"{site.base}/fr/rss": ("feed", "fetched", None),
        f"{site.base}/sitemap.xml": ("sitemap", "fetched", None),
        a(1): ("article", "fetched", None), a(2): ("article", "fetched", None),
        a(3): ("article", "fetched", None), a(4): ("article", "fetched", None),
        a(5, "lagazette"): ("article", "fetched", None), a(6, "albayane"): ("article", "fetched", None),
        a(9, "interdit"): ("article", "skipped", "robots_forbidden"),
        f"{site.base}/fr/a/b/a/b/a/b/7": ("other", "skipped", "repeated_path_segment"),
        f"{site.base}/fr/lopinion?page=999": ("other", "skipped", "endless_pagination"),
    }
    assert "/fr/interdit/9" not in [p for p, _ in site.requests]
    assert rows[a(1)]["etag"] and rows[a(1)]["checks"] == 1 and rows[a(1)]["next_due"] > rows[a(1)]["last_fetched"]
    first = run_row(db, 1)
    assert (first["trigger"], first["pages_fetched"], first["new_articles"], first["new_versions"]) == ("manual", 9, 6, 0)
    assert first["skipped"] == {"endless_pagination": 1, "repeated_path_segment": 1, "robots_forbidden": 1}
    assert first["failed"] == {}
    assert count(db, "articles") == 6

    # Run 2 at once: nothing is due but the front page, the feed and the sitemap.
    crawl(site, tmp_path)
    fetched = sorted(p for p, _ in site.requests if p != "/robots.txt")
    assert fetched == ["/fr", "/fr/rss", "/sitemap.xml"]
    assert run_row(db, 2)["new_articles"] == 0

    # An hour later: the ticker changed (a new article 7), article 2 was edited, 3 is gone (410),
    # 4 answers 503 with Retry-After; 1, 5 and 6 have not changed (304 to If-None-Match).
    make_articles_due(db)
    site.ticker = ["/fr/lesechos/7", "/fr/lesechos/1", "/fr/lesechos/2"]
    site.bodies[2] = "Texte corrigé de l'article 2."
    site.status["/fr/lesechos/3"] = (410, {})
    site.status["/fr/lesechos/4"] = (503, {"Retry-After": "120"})
    before = datetime.now(timezone.utc)
    crawl(site, tmp_path)
    third = run_row(db, 3)
    assert (third["pages_fetched"], third["not_modified"], third["new_articles"], third["new_versions"]) == (8, 3, 1, 1)
    assert third["failed"] == {"gone_410": 1, "http_503": 1}
    assert sorted(p for p, etag in site.requests if etag) == ["/fr/albayane/6", "/fr/lagazette/5", "/fr/lesechos/1",
                                                               "/fr/lesechos/2", "/fr/lesechos/3", "/fr/lesechos/4"]
    rows = urls(db)
    assert (rows[a(1)]["status"], rows[a(1)]["reason"], rows[a(1)]["last_status"], rows[a(1)]["checks"]) == (
        "fetched", "not_modified", 304, 2)
    assert (rows[a(3)]["status"], rows[a(3)]["reason"], rows[a(3)]["next_due"]) == ("failed", "gone_410", None)
    gone = query(db, "SELECT gone_since, version FROM articles WHERE url = ?", (a(3),))[0]
    assert gone["gone_since"] == rows[a(3)]["gone_since"] and gone["version"] == 1  # kept, marked gone
    assert (rows[a(4)]["status"], rows[a(4)]["reason"], rows[a(4)]["attempts"]) == ("failed", "http_503", 1)
    retry = datetime.strptime(rows[a(4)]["next_due"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert before + timedelta(seconds=110) <= retry <= datetime.now(timezone.utc) + timedelta(seconds=121)
    assert query(db, "SELECT version FROM article_versions WHERE url = ? ORDER BY version", (a(2),)) == [
        {"version": 1}, {"version": 2}]
    assert rows[a(7)]["status"] == "fetched"
    assert [r["status"] for r in rows.values() if r["status"] == "discovered"] == []  # every URL ended somewhere
    # the ticker as this crawl saw it
    ticker = query(db, """SELECT s.position, h.text FROM headline_sightings s JOIN headlines h ON h.id = s.headline
                          WHERE s.crawl = 3 ORDER BY s.position""")
    assert ticker == [{"position": 1, "text": "Titre 7"}, {"position": 2, "text": "Titre 1"},
                      {"position": 3, "text": "Titre 2"}]

    # Run 4: robots.txt answers 503: "not now" for the host; nothing else is fetched there.
    # Nothing could be fetched: the crawl says so and exits 4 (cron and systemd see a failed run).
    site.robots_status = 503
    result = crawl(site, tmp_path, check=False)
    assert result.returncode == 4
    assert result.stderr.splitlines()[-1].startswith("Error: nothing was fetched")
    assert [p for p, _ in site.requests] == ["/robots.txt"]
    assert run_row(db, 4)["skipped"] == {"robots_unavailable": 3}
    assert urls(db)[f"{site.base}/fr"]["reason"] == "robots_unavailable"

    # Run 5: robots.txt is back; article 4 is still waiting for its Retry-After.
    site.robots_status = 200
    crawl(site, tmp_path)
    paths = [p for p, _ in site.requests]
    assert "/fr" in paths and "/fr/lesechos/4" not in paths
    assert count(db, "articles") == 7


def test_status_shows_the_runs_and_what_is_due(site, tmp_path):
    crawl(site, tmp_path)
    result = run_cli("status", "--db", tmp_path / "archive.db", check=True)
    lines = result.stdout.splitlines()
    assert lines[0].split()[:4] == ["crawl", "started", "finished", "trigger"]
    assert lines[1].split()[0] == "1" and " manual " in lines[1]
    assert "robots_forbidden 1" in lines[2] and "repeated_path_segment 1" in lines[2]
    start = lines.index("") + 2  # the table of URLs by kind, up to the extraction health's
    kinds = {line.split()[0]: line.split()[1:4] for line in lines[start:lines.index("", start)]}
    assert kinds["article"] == ["7", "0", "0"]  # known, discovered, due now
    assert kinds["front"] == ["1", "0", "1"]


def test_the_page_budget_leaves_the_rest_for_the_next_run(site, tmp_path):
    db = tmp_path / "archive.db"
    crawl(site, tmp_path, "-s", "CLOSESPIDER_PAGECOUNT=3", "-s", "CONCURRENT_REQUESTS=1")
    first = run_row(db, 1)
    assert first["skipped"].get("not_reached", 0) >= 3
    left = query(db, "SELECT count(*) AS n FROM urls WHERE reason = 'not_reached'")[0]["n"]
    assert left == first["skipped"]["not_reached"]
    crawl(site, tmp_path)
    assert query(db, "SELECT count(*) AS n FROM urls WHERE reason = 'not_reached'") == [{"n": 0}]
    assert count(db, "articles") == 6


def test_a_crawl_killed_with_sigkill_resumes_with_every_article_stored_once(site, tmp_path):
    site.ticker = [f"/fr/lesechos/{n}" for n in range(1, 41)]
    site.bodies = {n: f"Texte de l'article {n}." for n in range(1, 41)}
    site.delay = 0.05
    db = tmp_path / "archive.db"
    seeds = tmp_path / "seeds.txt"
    seeds.write_text(f"{site.base}/fr\n")
    args = [*CLI, "crawl", "--live", "--seeds", str(seeds), "--db", str(db), *FAST,
            "-s", "NEWSARCHIVE_BATCH_SIZE=3", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1"]
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        stored = 0
        while time.monotonic() < deadline and stored < 8:
            time.sleep(0.1)
            try:  # sqlite3 would create an empty file where the crawl has not yet made the archive
                stored = count(db, "articles") if db.exists() else 0
            except sqlite3.Error:
                pass  # not migrated yet, or locked
        assert stored >= 8, "the crawl did not get going"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    killed_at = count(db, "articles")
    assert killed_at < 40
    assert query(db, "SELECT finished FROM crawls") == [{"finished": None}]  # the killed run
    resumed = run_cli("crawl", "--live", "--seeds", seeds, "--db", db, *FAST, check=True)
    assert "crawl 2 finished" in resumed.stderr
    # 40 on the ticker, and /fr/albayane/6 from the sitemap: a copy of /fr/lesechos/6, grouped with it
    assert count(db, "articles") == 41
    assert count(db, "article_versions") == 41  # none stored twice
    copies = query(db, "SELECT grp, method FROM article_groups WHERE url LIKE '%/albayane/6' OR url LIKE '%/lesechos/6'"
                       " ORDER BY method")
    assert [c["method"] for c in copies] == ["exact", "first"] and copies[0]["grp"] == copies[1]["grp"]
    assert query(db, "SELECT count(*) AS n FROM urls WHERE kind = 'article' AND status = 'fetched'") == [{"n": 41}]
    assert query(db, "SELECT reason FROM urls WHERE status <> 'fetched' ORDER BY reason") == [
        {"reason": "endless_pagination"}, {"reason": "repeated_path_segment"}]  # the sitemap's two traps
    # the resumed run fetched only what the killed one had not committed
    assert query(db, "SELECT new_articles FROM crawls WHERE id = 2") == [{"new_articles": 41 - killed_at}]


def test_the_lock_keeps_two_crawls_from_writing_at_once(site, tmp_path):
    db = tmp_path / "archive.db"
    lock = ArchiveLock(db, command="test holder")
    lock.acquire()
    try:
        refused = crawl(site, tmp_path, check=False)
        assert refused.returncode == 1
        assert refused.stderr.strip().splitlines()[-1].startswith(
            f"Error: another crawl is writing {db} (pid {os.getpid()}, since ")
        # The lock made the archive (an empty database) to lock it; the refused crawl wrote nothing.
        assert query(db, "SELECT name FROM sqlite_master") == []
    finally:
        lock.release()


def test_scheduled_crawls_go_on_after_a_run_fails_on_the_lock(site, tmp_path):
    db = tmp_path / "archive.db"
    seeds = tmp_path / "seeds.txt"
    seeds.write_text(f"{site.base}/fr\n")
    command = [*CLI, "crawl", "--live", "--seeds", str(seeds), "--db", str(db), *FAST,
               "-s", "NEWSARCHIVE_TRIGGER=schedule"]
    lock = ArchiveLock(db, command="a crawl started by hand")
    lock.acquire()
    logged = []

    def on_run(index, code, started, finished):
        if index == 1:
            lock.release()  # the hand-started crawl is done: the next scheduled run may write

    codes = run_schedule(command, every=timedelta(seconds=1), max_runs=3, on_run=on_run, log=logged.append)
    assert codes == [1, 0, 0]
    assert query(db, "SELECT id, trigger FROM crawls ORDER BY id") == [
        {"id": 1, "trigger": "schedule"}, {"id": 2, "trigger": "schedule"}]
    assert any(line.startswith("schedule: run 1 failed with exit code 1 in ") for line in logged)
    assert any(line.startswith("schedule: run 3 finished with exit code 0 in ") for line in logged)
