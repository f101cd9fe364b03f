"""Every response kept as WARC and indexed in the captures table; replay from WARC."""

import base64
import gzip
import hashlib
import http.server
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.sites.maghress.page import PARSER_VERSION
from tests.conftest import count, query, run_cli

WARCIO = [sys.executable, "-m", "warcio.cli"]
MIRROR_URLS = {  # what the bundled mirror serves: robots.txt and 10 pages
    "https://www.maghress.com/robots.txt",
    "https://www.maghress.com/fr",
    "https://www.maghress.com/fr/lopinion",
    "https://www.maghress.com/fr/marocdiplomatique/25429",
    "https://www.maghress.com/fr/lesechos/101",
    "https://www.maghress.com/fr/lesechos/102",
    "https://www.maghress.com/fr/lagazette/202",
    "https://www.maghress.com/fr/aujourdhui/303",
    "https://www.maghress.com/fr/albayane/404",
    "https://www.maghress.com/fr/lopinion/505",
    "https://www.maghress.com/hespress/606",
}


def warc_files(db: Path) -> list[Path]:
    return sorted(db.with_name(db.stem + "-warc").glob("*.warc.gz"))


def sha1_digest(body: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode()


def records(path: Path) -> list:
    """(type, uri, headers dict, payload) of every record, read with warcio alone."""
    out = []
    with path.open("rb") as f:
        for record in ArchiveIterator(f):
            out.append((
                record.rec_type,
                record.rec_headers.get_header("WARC-Target-URI"),
                dict(record.rec_headers.headers),
                record.content_stream().read(),
            ))
    return out


def test_each_crawl_writes_a_warc_file_that_warcio_checks_and_indexes(bundled):
    db = bundled[0]
    files = warc_files(db)
    assert len(files) == 2  # one per crawl
    for path in files:
        check = subprocess.run([*WARCIO, "check", str(path)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
        index = subprocess.run([*WARCIO, "index", str(path)], capture_output=True, text=True, check=True)
        indexed = {json.loads(line).get("warc-target-uri") for line in index.stdout.splitlines()}
        assert MIRROR_URLS <= indexed


def test_warcio_finds_every_captured_url_with_request_and_metadata(bundled):
    db = bundled[0]
    first = records(warc_files(db)[0])
    assert first[0][0] == "warcinfo"
    responses = {uri for kind, uri, _, _ in first if kind == "response"}
    assert responses == MIRROR_URLS == {r["url"] for r in query(db, "SELECT url FROM captures WHERE crawl = 1")}
    assert {uri for kind, uri, _, _ in first if kind == "request"} == MIRROR_URLS
    metadata = [payload.decode() for kind, uri, _, payload in first if kind == "metadata"]
    assert len(metadata) == 11
    assert all("crawl: 1\r\n" in m and f"parser-version: {PARSER_VERSION}\r\n" in m for m in metadata)


def test_the_raw_payload_is_kept_with_its_digest(bundled):
    db = bundled[0]
    seed = "https://www.maghress.com/fr/marocdiplomatique/25429"
    saved = (Path(__file__).parent.parent / "seeds/site/www.maghress.com/fr/marocdiplomatique/25429.txt").read_bytes()
    (payload,) = [p for kind, uri, _, p in records(warc_files(db)[0]) if kind == "response" and uri == seed]
    assert payload == saved
    row = query(db, "SELECT * FROM captures WHERE url = ? AND crawl = 1", (seed,))[0]
    assert row["payload_digest"] == sha1_digest(saved)
    assert (row["status"], row["content_type"], row["record_type"]) == (200, "text/plain", "response")
    assert row["fetched_at"] == "2025-09-04T00:00:00Z"  # the mirror's capture time
    assert row["warc_file"] == "archive-warc/" + warc_files(db)[0].name
    # offset and length locate the record: it decompresses to a WARC record of that URL
    with warc_files(db)[0].open("rb") as f:
        f.seek(row["warc_offset"])
        member = gzip.decompress(f.read(row["warc_length"]))
    assert member.startswith(b"WARC/1.") and f"WARC-Target-URI: {seed}".encode() in member


def test_an_unchanged_payload_is_written_as_a_revisit(bundled):
    db = bundled[0]
    assert query(db, "SELECT crawl, record_type, count(*) AS n FROM captures GROUP BY crawl, record_type") == [
        {"crawl": 1, "record_type": "response", "n": 11},
        {"crawl": 2, "record_type": "revisit", "n": 11},
    ]
    pairs = query(
        db,
        """SELECT r.url, o.url AS original_url, r.payload_digest = o.payload_digest AS same_digest,
                  o.crawl AS original_crawl
           FROM captures r JOIN captures o ON o.id = r.refers_to WHERE r.crawl = 2""",
    )
    assert len(pairs) == 11
    assert all(p["url"] == p["original_url"] and p["same_digest"] and p["original_crawl"] == 1 for p in pairs)
    second = records(warc_files(db)[1])
    revisits = [headers for kind, _, headers, payload in second if kind == "revisit"]
    assert len(revisits) == 11
    assert all(
        h["WARC-Profile"] == "http://netpreserve.org/warc/1.0/revisit/identical-payload-digest" for h in revisits
    )
    assert all(payload == b"" for kind, _, _, payload in second if kind == "revisit")


def test_every_extracted_row_names_its_capture_and_parser_version(bundled):
    db = bundled[0]
    for table in ("articles", "article_versions", "headlines", "headline_sightings"):
        rows = query(db, f"SELECT capture, parser_version FROM {table}")
        assert rows and all(r["parser_version"] == PARSER_VERSION for r in rows), table
        assert all(r["capture"] for r in rows), table
    # the capture an article came from is a capture of its own URL
    assert query(
        db, "SELECT count(*) AS n FROM articles a JOIN captures c ON c.id = a.capture AND c.canonical_url = a.url"
    ) == [{"n": 8}]
    # a sighting points at a capture of the page it was seen on, in its crawl
    assert query(
        db,
        """SELECT count(*) AS n FROM headline_sightings s
           JOIN captures c ON c.id = s.capture AND c.canonical_url = s.page_url AND c.crawl = s.crawl""",
    ) == [{"n": 120}]


def test_replay_from_warc_files_rebuilds_the_same_archive(bundled, tmp_path):
    db = bundled[0]
    copy = tmp_path / "copy.db"
    result = run_cli("crawl", "--replay", db.with_name("archive-warc"), "--db", copy, check=True)
    assert "crawl 1 finished: 10 pages, 8 new articles" in result.stderr
    assert {t: count(copy, t) for t in ("articles", "headlines", "headline_sightings")} == {
        "articles": 8, "headlines": 60, "headline_sightings": 60,
    }
    seed = query(copy, "SELECT first_seen FROM articles WHERE url LIKE '%/25429'")[0]
    assert seed["first_seen"] == "2025-09-04T00:00:00Z"  # the capture's time, not now


def test_replay_of_a_file_that_is_not_warc_is_a_one_line_error(tmp_path):
    bogus = tmp_path / "notes.warc.gz"
    bogus.write_text("just some text\n")
    result = run_cli("crawl", "--replay", bogus, "--db", tmp_path / "a.db")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "Error: notes.warc.gz is not a WARC file: it starts with b'just some text\\n'"
    ]


# --- A live crawl: redirects, errors and compressed bodies are captured as received ----------
PAGE = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"></head><body>
<div class="ticker"><a href="/fr/lesechos/1">Un</a> <a href="/fr/lesechos/2">Deux</a>
<a href="/fr/absent/3">Trois</a> <a href="/ancien/4">Quatre</a>
<a href="/fr/lesechos/5">Cinq</a> <a href="/fr/lesechos/6">Six</a></div>
<span class="articletitle">Article {n}</span>
<span class="articlenewspaper">Publié dans <a href="/fr/lesechos">Les Echos</a> le 0{n} - 09 - 2025</span>
<span class="articlecontent">Texte de l'article {n}.</span>
</body></html>"""


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/robots.txt":
            return self._send(200, b"User-agent: *\nAllow: /\n", "text/plain")
        if self.path == "/fr/lesechos/1":  # sent gzip-compressed
            return self._send(200, gzip.compress(PAGE.format(n=1).encode(), mtime=0), "text/html; charset=utf-8",
                              {"Content-Encoding": "gzip"})
        if self.path == "/fr/lesechos/2":
            return self._send(200, PAGE.format(n=2).encode(), "text/html; charset=utf-8")
        if self.path == "/fr/lesechos/5":  # cut off: fewer bytes than announced, then the connection closes
            body = PAGE.format(n=5).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[:100])
            self.close_connection = True
            return None
        if self.path == "/fr/lesechos/6":  # says gzip, is not: a body that cannot be decoded
            return self._send(200, b"this is not gzip data", "text/html", {"Content-Encoding": "gzip"})
        if self.path == "/fr/lesechos/22":  # an old address, moved
            return self._send(301, b"", "text/html", {"Location": "/fr/lesechos/2"})
        return self._send(404, b"<h1>Introuvable</h1>", "text/html")

    def _send(self, status, body, content_type, extra=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_live_crawl_captures_redirects_errors_and_raw_compressed_bodies(server, tmp_path):
    seeds = tmp_path / "seeds.txt"
    seeds.write_text(f"{server}/fr/lesechos/1\n{server}/fr/lesechos/22\n")
    db = tmp_path / "archive.db"
    result = run_cli("crawl", "--live", "-v", "--seeds", seeds, "--db", db, "-s", "DOWNLOAD_DELAY=0",
                     "-s", "NEWSARCHIVE_ALLOW_PRIVATE=127.0.0.1",
                     "-s", "AUTOTHROTTLE_START_DELAY=0", "-s", "RETRY_TIMES=0", check=True)
    rows = query(db, "SELECT url, status, record_type FROM captures ORDER BY url")
    assert rows == [
        {"url": f"{server}/ancien/4", "status": 404, "record_type": "response"},
        {"url": f"{server}/fr/absent/3", "status": 404, "record_type": "response"},
        {"url": f"{server}/fr/lesechos/1", "status": 200, "record_type": "response"},
        {"url": f"{server}/fr/lesechos/2", "status": 200, "record_type": "response"},
        {"url": f"{server}/fr/lesechos/22", "status": 301, "record_type": "response"},
        {"url": f"{server}/fr/lesechos/6", "status": 200, "record_type": "response"},
        {"url": f"{server}/robots.txt", "status": 200, "record_type": "response"},
    ]
    assert [r["title"] for r in query(db, "SELECT title FROM articles ORDER BY url")] == ["Article 1", "Article 2"]
    # The cut-off response never arrived whole: logged, not captured, not parsed.
    assert f"Failed {server}/fr/lesechos/5: response_data_loss_error" in result.stderr
    assert query(db, "SELECT url, status, reason, attempts, last_status FROM urls ORDER BY url") == [
        {"url": f"{server}/ancien/4", "status": "failed", "reason": "gone_404", "attempts": 1, "last_status": 404},
        {"url": f"{server}/fr/absent/3", "status": "failed", "reason": "gone_404", "attempts": 1, "last_status": 404},
        {"url": f"{server}/fr/lesechos/1", "status": "fetched", "reason": None, "attempts": 0, "last_status": 200},
        {"url": f"{server}/fr/lesechos/2", "status": "fetched", "reason": None, "attempts": 0, "last_status": 200},
        {"url": f"{server}/fr/lesechos/22", "status": "fetched", "reason": "redirect", "attempts": 0,
         "last_status": 301},
        {"url": f"{server}/fr/lesechos/5", "status": "failed", "reason": "response_data_loss_error",
         "attempts": 1, "last_status": None},
        {"url": f"{server}/fr/lesechos/6", "status": "failed", "reason": "bad_gzip_file", "attempts": 1,
         "last_status": None},
    ]
    # The undecodable one is kept as received; neither breaks the crawl.
    assert "crawl 1 finished" in result.stderr
    (path,) = warc_files(db)
    by_uri = {uri: (headers, payload) for kind, uri, headers, payload in records(path) if kind == "response"}
    # warcio decodes Content-Encoding when asked for the content; the raw record keeps the gzip bytes
    with path.open("rb") as f:
        raw = next(r.raw_stream.read() for r in ArchiveIterator(f) if r.rec_type == "response"
                   and r.rec_headers.get_header("WARC-Target-URI").endswith("/fr/lesechos/1"))
    assert raw == gzip.compress(PAGE.format(n=1).encode(), mtime=0)
    assert b"Introuvable" in by_uri[f"{server}/fr/absent/3"][1]
    check = subprocess.run([*WARCIO, "check", str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_reparse_skips_a_body_that_cannot_be_decoded(server, tmp_path):
    seeds = tmp_path / "seeds.txt"
    seeds.write_text(f"{server}/fr/lesechos/2\n")
    db = tmp_path / "archive.db"
    run_cli("crawl", "--live", "--seeds", seeds, "--db", db, "-s", "DOWNLOAD_DELAY=0",
            "-s", "NEWSARCHIVE_ALLOW_PRIVATE=127.0.0.1",
            "-s", "AUTOTHROTTLE_START_DELAY=0", "-s", "RETRY_TIMES=0", check=True)
    before = query(db, "SELECT * FROM articles ORDER BY url")
    result = run_cli("reparse", "--db", db, check=True)
    assert "undecodable_body 1" in result.stderr.splitlines()[-1]
    assert query(db, "SELECT * FROM articles ORDER BY url") == before


def test_the_warc_gzip_level_is_a_setting(tmp_path):
    sizes = {}
    for level in (0, 9):
        db = tmp_path / f"level{level}" / "archive.db"
        run_cli("crawl", "--site", "maghress", "--db", db, "-s", f"NEWSARCHIVE_WARC_GZIP_LEVEL={level}", check=True)
        sizes[level] = sum(p.stat().st_size for p in db.with_name("archive-warc").glob("*.warc.gz"))
        assert count(db, "articles") == 8
    assert sizes[9] < sizes[0] / 2  # level 0 stores, level 9 compresses
    bad = run_cli("crawl", "--site", "maghress", "--db", tmp_path / "bad.db", "-s", "NEWSARCHIVE_WARC_GZIP_LEVEL=12")
    assert bad.returncode != 0 and "NEWSARCHIVE_WARC_GZIP_LEVEL is 12: a gzip level, 0 to 9" in bad.stderr
