"""crawler.warc: HTTP exchanges written as WARC and read back, checked with warcio's own tools."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.warc.reader import iter_captures, read_record
from crawler.warc.records import Capture, RecordRef, WarcError, payload_digest, warc_paths
from crawler.warc.writer import WarcWriter

WARCIO = Path(sys.executable).parent / "warcio"

ARTICLE_URL = "https://www.maghress.com/fr/marocdiplomatique/25429?ref=une"
ARTICLE_BODY = (
    "<!DOCTYPE html><html lang='fr'><head><meta charset='utf-8'>"
    "<title>Été à Fès : le café des élèves</title></head><body>"
    "<p>Où est passé l'œuvre ? Ça coûte très cher, dit-il à Noël.</p>"
    "<p dir='rtl'>المغرب: مرحبا بكم في فاس</p></body></html>"
).encode("utf-8")
ROBOTS_URL = "https://www.maghress.com/robots.txt"
ROBOTS_BODY = b"User-agent: *\nDisallow: /admin/\nSitemap: https://www.maghress.com/sitemap.xml\n"
MISSING_URL = "https://www.maghress.com/fr/introuvable"
MISSING_BODY = b"<html><body><h1>404 Not Found</h1></body></html>"

T1, T2, T3, T4 = "2025-03-01T10:00:00Z", "2025-03-01T10:00:05Z", "2025-03-01T10:00:09Z", "2025-03-08T10:00:00Z"
REQUEST_HEADERS = [("User-Agent", "newsarchive/0.1"), ("Accept-Language", "fr")]


def write_article(writer: WarcWriter, **overrides) -> dict[str, RecordRef]:
    """The HTML page, sent chunked with a header value that is not ASCII."""
    args = dict(
        url=ARTICLE_URL, method="GET", request_headers=REQUEST_HEADERS, status=200, reason="OK",
        response_headers=[("Content-Type", "text/html; charset=utf-8"),
                          ("Transfer-Encoding", "chunked"), ("X-Rédaction", "Fès")],
        body=ARTICLE_BODY, fetched_at=T1, metadata={"crawl-id": "7", "parser-version": "3"},
    )
    return writer.write_exchange(**{**args, **overrides})


def write_fixture_exchanges(writer: WarcWriter) -> list[dict[str, RecordRef]]:
    """Article 200, robots.txt 200, a 404 with a body, and a revisit of the article."""
    return [
        write_article(writer),
        writer.write_exchange(
            url=ROBOTS_URL, method="GET", request_headers=REQUEST_HEADERS, status=200, reason="OK",
            response_headers=[("Content-Type", "text/plain"), ("Content-Length", "999")],
            body=ROBOTS_BODY, fetched_at=T2),
        writer.write_exchange(
            url=MISSING_URL, method="GET", request_headers=REQUEST_HEADERS, status=404, reason="Not Found",
            response_headers=[("Content-Type", "text/html")], body=MISSING_BODY, fetched_at=T3),
        write_article(writer, fetched_at=T4, revisit_of=(ARTICLE_URL, T1), metadata=None),
    ]


@pytest.fixture
def archive(tmp_path):
    """One WARC file holding the four fixture exchanges: (path, refs)."""
    with WarcWriter(tmp_path / "warcs", info={"operator": "tests", "isPartOf": "newsarchive-test"}) as writer:
        refs = write_fixture_exchanges(writer)
    assert len(writer.paths) == 1
    return writer.paths[0], refs


def collect(path) -> tuple[list[Capture], list[tuple[str, int, str]]]:
    """All captures of a file, and the errors reported while reading it."""
    errors: list[tuple[str, int, str]] = []
    captures = list(iter_captures(path, on_error=lambda *args: errors.append(args)))
    return captures, errors


def warcio_cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([str(WARCIO), *map(str, args)], capture_output=True, text=True, timeout=60)


def raw_records(path) -> list:
    """(record type, target URI, WARC headers, HTTP headers, raw content) straight from warcio."""
    out = []
    with open(path, "rb") as fh:
        for record in ArchiveIterator(fh):
            out.append((record.rec_type, record.rec_headers.get_header("WARC-Target-URI"),
                        record.rec_headers, record.http_headers, record.content_stream().read()))
    return out


# --------------------------------------------------------------------------- round trip


def test_payload_digest_is_base32_sha1():
    assert payload_digest(b"") == "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ"
    assert payload_digest(ARTICLE_BODY) == "sha1:" + base64.b32encode(hashlib.sha1(ARTICLE_BODY).digest()).decode()


def test_exchanges_read_back_exactly(archive):
    path, refs = archive
    captures, errors = collect(path)

    assert errors == []
    assert [c.url for c in captures] == [ARTICLE_URL, ROBOTS_URL, MISSING_URL, ARTICLE_URL]
    assert [c.record_type for c in captures] == ["response", "response", "response", "revisit"]
    assert [c.status for c in captures] == [200, 200, 404, 200]
    assert [c.fetched_at for c in captures] == [T1, T2, T3, T4]
    assert [c.body for c in captures] == [ARTICLE_BODY, ROBOTS_BODY, MISSING_BODY, b""]
    assert [c.content_type for c in captures] == ["text/html; charset=utf-8", "text/plain", "text/html",
                                                  "text/html; charset=utf-8"]
    article = captures[0]
    assert article.body.decode("utf-8").count("Été à Fès") == 1
    assert "المغرب: مرحبا بكم في فاس" in article.body.decode("utf-8")
    for capture, body in zip(captures, [ARTICLE_BODY, ROBOTS_BODY, MISSING_BODY, ARTICLE_BODY]):
        assert capture.payload_digest == payload_digest(body)
        assert capture.payload_digest == "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode()
        assert capture.filename == path.name


def test_stored_headers_agree_with_the_stored_body(archive):
    path, _ = archive
    article, robots, missing, revisit = collect(path)[0]
    # chunked is gone (the body is stored de-chunked), Content-Length is the body's, the rest as sent
    assert article.headers == [("Content-Type", "text/html; charset=utf-8"), ("X-Rédaction", "Fès"),
                               ("Content-Length", str(len(ARTICLE_BODY)))]
    assert robots.headers == [("Content-Type", "text/plain"), ("Content-Length", str(len(ROBOTS_BODY)))]
    assert missing.headers == [("Content-Type", "text/html"), ("Content-Length", str(len(MISSING_BODY)))]
    assert revisit.headers == article.headers
    # a non-ASCII header value goes out in Latin-1, as HTTP sends it, not percent-encoded
    assert "X-Rédaction: Fès\r\n".encode("latin-1") in gzip.open(path).read()


def test_revisit_record_fields(archive):
    path, refs = archive
    revisit = collect(path)[0][3]
    assert (revisit.record_type, revisit.refers_to_uri, revisit.refers_to_date) == ("revisit", ARTICLE_URL, T1)
    assert revisit.payload_digest == payload_digest(ARTICLE_BODY)
    assert (revisit.status, revisit.body) == (200, b"")
    assert set(refs[3]) == {"revisit", "request"}
    warc_headers = raw_records(path)[-2][2]
    assert warc_headers.get_header("WARC-Type") == "revisit"
    assert warc_headers.get_header("WARC-Profile") == (
        "http://netpreserve.org/warc/1.0/revisit/identical-payload-digest")
    assert warc_headers.get_header("WARC-Refers-To-Target-URI") == ARTICLE_URL
    assert warc_headers.get_header("WARC-Refers-To-Date") == T1


def test_non_revisit_captures_have_no_refers_to(archive):
    captures = collect(archive[0])[0]
    assert [(c.refers_to_uri, c.refers_to_date) for c in captures[:3]] == [(None, None)] * 3


# --------------------------------------------------------------------------- warcio's view


def test_warcio_check_passes(archive):
    path, _ = archive
    result = warcio_cli("check", "-v", path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("digest pass") == 9  # all records but the revisit (not checked)
    assert "digest present but not checked (revisit)" in result.stdout


def test_warcio_index_lists_every_record(archive):
    path, refs = archive
    result = warcio_cli("index", "-f", "offset,length,warc-type,warc-target-uri,http:status", path)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["warc-type"], r.get("warc-target-uri"), r.get("http:status")) for r in rows] == [
        ("warcinfo", None, None),
        ("response", ARTICLE_URL, "200"), ("request", ARTICLE_URL, None), ("metadata", ARTICLE_URL, None),
        ("response", ROBOTS_URL, "200"), ("request", ROBOTS_URL, None),
        ("response", MISSING_URL, "404"), ("request", MISSING_URL, None),
        ("revisit", ARTICLE_URL, "200"), ("request", ARTICLE_URL, None),
    ]
    ours = [ref for exchange in refs for ref in exchange.values()]
    assert sorted((ref.offset, ref.length) for ref in ours) == sorted(
        (int(r["offset"]), int(r["length"])) for r in rows if r["warc-type"] != "warcinfo")


def test_refs_carry_the_record_ids(archive):
    path, refs = archive
    ids = [warc_headers.get_header("WARC-Record-ID") for _, _, warc_headers, _, _ in raw_records(path)[1:]]
    assert [ref.record_id for exchange in refs for ref in exchange.values()] == ids
    mains = [exchange.get("response") or exchange["revisit"] for exchange in refs]
    assert [c.record_id for c in collect(path)[0]] == [ref.record_id for ref in mains]
    assert re.fullmatch(r"<urn:uuid:[0-9a-f-]{36}>", ids[0])


def test_plain_warcio_iterator_sees_every_url_and_the_links(archive):
    path, _ = archive
    records = raw_records(path)
    assert [(kind, url) for kind, url, *_ in records] == [
        ("warcinfo", None),
        ("response", ARTICLE_URL), ("request", ARTICLE_URL), ("metadata", ARTICLE_URL),
        ("response", ROBOTS_URL), ("request", ROBOTS_URL),
        ("response", MISSING_URL), ("request", MISSING_URL),
        ("revisit", ARTICLE_URL), ("request", ARTICLE_URL),
    ]
    warcinfo, response, request, metadata = records[:4]
    assert warcinfo[4].decode() == (
        "software: newsarchive\r\nformat: WARC File Format 1.0\r\n"
        "operator: tests\r\nisPartOf: newsarchive-test\r\n")
    assert response[4] == ARTICLE_BODY
    assert request[3].protocol == "GET"
    assert request[3].statusline == "/fr/marocdiplomatique/25429?ref=une HTTP/1.1"
    assert request[3].headers == [("Host", "www.maghress.com"), *REQUEST_HEADERS]
    assert metadata[4] == b"crawl-id: 7\r\nparser-version: 3\r\n"
    assert metadata[2].get_header("Content-Type") == "application/warc-fields"
    response_id = response[2].get_header("WARC-Record-ID")
    assert request[2].get_header("WARC-Concurrent-To") == response_id
    assert metadata[2].get_header("WARC-Concurrent-To") == response_id
    for kind, _, warc_headers, _, _ in records[1:4]:
        assert warc_headers.get_header("WARC-Date") == T1
        assert warc_headers.get_header("WARC-Warcinfo-ID") == warcinfo[2].get_header("WARC-Record-ID")


def test_gzip_encoded_body_is_stored_raw(tmp_path):
    html = "<p>Le résumé du journal, édition du soir</p>".encode("utf-8") * 20
    wire = gzip.compress(html, mtime=0)
    with WarcWriter(tmp_path) as writer:
        refs = writer.write_exchange(
            url="https://fr.hespress.com/123.html", method="GET", request_headers=[], status=200,
            reason="OK", response_headers=[("Content-Type", "text/html"), ("Content-Encoding", "gzip")],
            body=wire, fetched_at=T1)
    [capture], errors = collect(writer.paths[0])
    assert errors == []
    assert capture.body == wire and gzip.decompress(capture.body) == html
    assert capture.payload_digest == payload_digest(wire)
    assert ("Content-Encoding", "gzip") in capture.headers
    assert ("Content-Length", str(len(wire))) in capture.headers
    assert read_record(tmp_path, refs["response"].filename, refs["response"].offset).body == wire
    # the headers are consistent with the body: warcio itself decodes it back to the page
    assert raw_records(writer.paths[0])[1][4] == html
    assert warcio_cli("check", writer.paths[0]).returncode == 0


# --------------------------------------------------------------------------- files


def test_writer_names_files_and_opens_them_lazily(tmp_path):
    writer = WarcWriter(tmp_path / "new" / "dir", prefix="maghress")
    assert (tmp_path / "new" / "dir").is_dir()
    assert (writer.current_path, writer.paths) == (None, [])
    write_article(writer)
    assert re.fullmatch(r"maghress-\d{14}-00000\.warc\.gz", writer.current_path.name)
    assert writer.paths == [writer.current_path]
    writer.close()
    assert writer.current_path is None
    with pytest.raises(ValueError, match="closed"):
        write_article(writer)


def test_rotation_keeps_exchanges_whole_and_in_order(tmp_path):
    directory = tmp_path / "warcs"
    urls = [f"https://www.maghress.com/fr/article/{i}" for i in range(12)]
    with WarcWriter(directory, max_size=2000) as writer:
        refs = [
            writer.write_exchange(url=url, method="GET", request_headers=REQUEST_HEADERS, status=200,
                                  reason="OK", response_headers=[("Content-Type", "text/html")],
                                  body=f"<p>Article n°{i} : déjà lu</p>".encode() * 10,
                                  fetched_at=T1, metadata={"crawl-id": "1"})
            for i, url in enumerate(urls)
        ]
    assert len(writer.paths) >= 3
    assert warc_paths(directory) == writer.paths == sorted(writer.paths)
    for exchange in refs:  # response, request and metadata of one exchange share a file
        assert len({ref.filename for ref in exchange.values()}) == 1
    for path in writer.paths:
        first = raw_records(path)[0]
        assert first[0] == "warcinfo" and first[2].get_header("WARC-Filename") == path.name
        assert warcio_cli("check", path).returncode == 0
    for path in writer.paths[:-1]:  # a file is only left once it has reached max_size
        assert path.stat().st_size >= 2000
    read = [c.url for path in warc_paths(directory) for c in iter_captures(path)]
    assert read == urls


def test_warc_paths(tmp_path, archive):
    path, _ = archive
    (path.parent / "notes.txt").write_text("x")
    (path.parent / "b.warc").write_bytes(b"")
    assert warc_paths(path.parent) == [path.parent / "b.warc", path]
    assert warc_paths(path) == [path]
    with pytest.raises(FileNotFoundError):
        warc_paths(tmp_path / "nowhere")


# --------------------------------------------------------------------------- damage


def cut(path: Path, size: int) -> Path:
    """A copy of `path` cut to `size` bytes, as a crash would leave it."""
    out = path.with_name("cut-" + path.name)
    out.write_bytes(path.read_bytes()[:size])
    return out


def test_file_cut_in_the_last_record(archive):
    path, refs = archive
    last = refs[3]["request"]
    for size in (last.offset + 1, last.offset + 12, last.offset + last.length // 2, last.offset + last.length - 9):
        captures, errors = collect(cut(path, size))
        assert [c.url for c in captures] == [ARTICLE_URL, ROBOTS_URL, MISSING_URL, ARTICLE_URL]
        assert len(errors) == 1, (size, errors)
        filename, offset, reason = errors[0]
        assert (filename, offset) == ("cut-" + path.name, last.offset)
        assert reason and "\n" not in reason


def test_file_cut_in_a_middle_record(archive):
    path, refs = archive
    middle = refs[2]["response"]  # the 404
    captures, errors = collect(cut(path, middle.offset + middle.length // 2))
    assert [c.url for c in captures] == [ARTICLE_URL, ROBOTS_URL]
    assert [(offset, reason) for _, offset, reason in errors] == [
        (middle.offset, f"unreadable or cut-off record ({middle.length // 2} bytes to the end of the file)")]


@pytest.mark.parametrize("where", ["gzip header", "middle", "gzip trailer"])
def test_damaged_record_is_skipped_and_reading_resumes(archive, where):
    path, refs = archive
    middle = refs[2]["response"]
    into = {"gzip header": 2, "middle": middle.length // 2, "gzip trailer": middle.length - 6}[where]
    hole = middle.offset + into
    data = path.read_bytes()
    damaged = path.with_name("damaged.warc.gz")
    damaged.write_bytes(data[:hole] + data[hole + 3:])  # 3 bytes lost inside the 404's record
    captures, errors = collect(damaged)
    assert [c.url for c in captures] == [ARTICLE_URL, ROBOTS_URL, ARTICLE_URL]
    assert captures[2].record_type == "revisit"
    assert [offset for _, offset, _ in errors] == [middle.offset]


def test_file_gzipped_whole_is_reported_not_misread(tmp_path):
    path = plain_warcio_file(tmp_path / "other.warc")
    whole = tmp_path / "whole.warc.gz"
    whole.write_bytes(gzip.compress(path.read_bytes()))
    assert collect(whole) == ([], [("whole.warc.gz", 0, "not one gzip member per record "
                                    "(a file gzipped whole? `warcio recompress` fixes that)")])


def test_every_record_is_on_disk_as_soon_as_it_is_written(tmp_path):
    writer = WarcWriter(tmp_path)
    write_article(writer)
    write_article(writer, fetched_at=T2)
    captures, errors = collect(writer.current_path)  # the writer is still open
    assert ([c.fetched_at for c in captures], errors) == ([T1, T2], [])
    writer.close()


def test_an_exchange_that_fails_midway_leaves_nothing_behind(tmp_path, monkeypatch):
    writer = WarcWriter(tmp_path)
    write_article(writer)
    size = writer.current_path.stat().st_size
    real_write = WARCWriter.write_record

    def failing_write(self, record, params=None):
        if record.rec_type == "request":
            raise OSError("disk full")
        return real_write(self, record, params)

    monkeypatch.setattr(WARCWriter, "write_record", failing_write)
    with pytest.raises(OSError, match="disk full"):
        write_article(writer, url="https://www.maghress.com/fr/autre", fetched_at=T2)
    assert writer.current_path.stat().st_size == size
    monkeypatch.setattr(WARCWriter, "write_record", real_write)
    write_article(writer, fetched_at=T3)
    writer.close()
    captures, errors = collect(writer.paths[0])
    assert ([(c.url, c.fetched_at) for c in captures], errors) == ([(ARTICLE_URL, T1), (ARTICLE_URL, T3)], [])


def test_default_on_error_logs_a_warning(archive, caplog):
    path, refs = archive
    with caplog.at_level(logging.WARNING, logger="newsarchive.warc"):
        captures = list(iter_captures(cut(path, refs[3]["request"].offset + 20)))
    assert len(captures) == 4
    [record] = caplog.records
    assert record.name == "newsarchive.warc" and record.levelno == logging.WARNING
    assert f"offset {refs[3]['request'].offset}" in record.getMessage()


def test_empty_file_yields_nothing(tmp_path):
    empty = tmp_path / "empty.warc.gz"
    empty.write_bytes(b"")
    assert collect(empty) == ([], [])


@pytest.mark.parametrize("content", [b"Hello, this is not a WARC file.\nSecond line\n",
                                     gzip.compress(b"just some gzipped text\n", mtime=0)], ids=["text", "gzip"])
def test_not_a_warc_file_raises_at_once(tmp_path, content):
    other = tmp_path / "notes.warc.gz"
    other.write_bytes(content)
    with pytest.raises(WarcError) as info:
        iter_captures(other)  # before any iteration
    message = str(info.value)
    assert message.startswith("notes.warc.gz is not a WARC file: ") and "\n" not in message
    assert isinstance(info.value, ValueError)


# --------------------------------------------------------------------------- other tools' files


def plain_warcio_file(path: Path, with_bad_http: bool = False) -> Path:
    """An uncompressed WARC/1.1 file written by warcio itself (microsecond dates, chunked body)."""
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=False, warc_version="1.1")
    writer.write_record(writer.create_warcinfo_record(path.name, {"software": "warcio"}))

    def response(url: str, http: bytes) -> None:
        record = writer.create_warc_record(url, "response", payload=io.BytesIO(http), length=len(http),
                                           warc_headers_dict={"WARC-Date": "2024-05-06T07:08:09.123456Z"})
        writer.write_record(record)

    response("https://example.org/chunked", b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
             b"Transfer-Encoding: chunked\r\n\r\n5\r\nBonjo\r\n7\r\nur, \xc3\xa9t\r\n2\r\n\xc3\xa9\r\n0\r\n\r\n")
    if with_bad_http:  # warcio refuses to write this one, so it is written by hand
        payload = b"this is no HTTP response\r\n\r\nat all"
        out.write(b"WARC/1.1\r\nWARC-Type: response\r\n"
                  b"WARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-000000000001>\r\n"
                  b"WARC-Date: 2024-05-06T07:08:10Z\r\nWARC-Target-URI: https://example.org/garbage\r\n"
                  b"Content-Type: application/http; msgtype=response\r\n"
                  b"Content-Length: %d\r\n\r\n%s\r\n\r\n" % (len(payload), payload))
    status = StatusAndHeaders("301 Moved Permanently", [("Location", "https://example.org/")], protocol="HTTP/1.0")
    writer.write_record(writer.create_warc_record("http://example.org/old", "response", http_headers=status))
    note = "Note en français".encode()
    writer.write_record(writer.create_warc_record(
        "https://example.org/note.txt", "resource", payload=io.BytesIO(note), length=len(note),
        warc_content_type="text/plain; charset=utf-8"))
    path.write_bytes(out.getvalue())
    return path


def test_uncompressed_warc_written_by_warcio(tmp_path):
    path = plain_warcio_file(tmp_path / "other.warc")
    captures, errors = collect(path)
    assert errors == []
    chunked, moved, note = captures
    assert (chunked.url, chunked.status) == ("https://example.org/chunked", 200)
    assert chunked.body == "Bonjour, été".encode()  # de-chunked
    assert chunked.fetched_at == "2024-05-06T07:08:09Z"
    assert ("Transfer-Encoding", "chunked") in chunked.headers  # headers as sent
    assert (moved.url, moved.status, moved.body, moved.headers) == (
        "http://example.org/old", 301, b"", [("Location", "https://example.org/")])
    assert (note.record_type, note.status, note.headers, note.body, note.content_type) == (
        "resource", None, [], "Note en français".encode(), "text/plain; charset=utf-8")
    assert note.payload_digest == payload_digest(note.body)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", note.fetched_at)
    assert read_record(path, path.name, moved.offset) == moved


def test_body_that_is_not_validly_chunked_is_kept_raw(tmp_path):
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=False)
    http = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nBonjour tout le monde"
    writer.write_record(writer.create_warc_record("https://example.org/", "response",
                                                  payload=io.BytesIO(http), length=len(http)))
    path = tmp_path / "odd.warc"
    path.write_bytes(out.getvalue())
    [capture], errors = collect(path)
    assert (capture.body, errors) == (b"5\r\nBonjour tout le monde", [])


def test_unparsable_http_response_is_skipped(tmp_path):
    path = plain_warcio_file(tmp_path / "other.warc", with_bad_http=True)
    captures, errors = collect(path)
    assert [c.url for c in captures] == [
        "https://example.org/chunked", "http://example.org/old", "https://example.org/note.txt"]
    [(filename, offset, reason)] = errors
    assert filename == "other.warc"
    assert reason == "unparsable HTTP status line 'this is no HTTP response'"
    assert path.read_bytes()[offset:].startswith(b"WARC/1.1\r\nWARC-Type: response")


def test_uncompressed_file_cut_mid_record(tmp_path):
    path = plain_warcio_file(tmp_path / "other.warc")
    note = collect(path)[0][2]
    captures, errors = collect(cut(path, note.offset + 100))
    assert [c.url for c in captures] == ["https://example.org/chunked", "http://example.org/old"]
    assert [offset for _, offset, _ in errors] == [note.offset]


# --------------------------------------------------------------------------- random access


def test_read_record_returns_the_same_capture(archive):
    path, refs = archive
    captures = collect(path)[0]
    mains = [exchange.get("response") or exchange["revisit"] for exchange in refs]
    assert [(ref.offset, ref.length) for ref in mains] == [(c.offset, c.length) for c in captures]
    for ref, capture in zip(mains, captures):
        assert ref.filename == path.name
        assert read_record(path.parent, ref.filename, ref.offset) == capture
        assert read_record(path, ref.filename, ref.offset) == capture


def test_read_record_at_a_wrong_place(archive):
    path, refs = archive
    request = refs[0]["request"]
    with pytest.raises(WarcError, match=f"the record at offset {request.offset} is a request record"):
        read_record(path.parent, path.name, request.offset)
    with pytest.raises(WarcError, match="unreadable WARC record at offset 5"):
        read_record(path.parent, path.name, 5)
    with pytest.raises(WarcError, match="no WARC record"):
        read_record(path.parent, path.name, path.stat().st_size)


# --------------------------------------------------------------------------- writer input


def test_writer_rejects_bad_input_before_writing(tmp_path):
    with WarcWriter(tmp_path) as writer:
        with pytest.raises(ValueError, match="fetched_at"):
            write_article(writer, fetched_at="2025-03-01 10:00:00")
        with pytest.raises(ValueError, match="metadata field name"):
            write_article(writer, metadata={"bad: name": "x"})
        assert writer.paths == []
        refs = write_article(writer, http_version="h2")
    [capture] = collect(writer.paths[0])[0]
    assert capture.url == ARTICLE_URL
    assert raw_records(writer.paths[0])[1][3].protocol == "HTTP/2"
    assert set(refs) == {"response", "request", "metadata"}
