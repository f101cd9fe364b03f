"""Re-parsing from the WARC files alone, article history, and damaged or foreign WARC input."""

import shutil
from io import BytesIO
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.sites.maghress.page import PARSER_VERSION
from tests.conftest import MIRROR, count, query, run_cli

EXTRACTED = ("headline_sightings", "headlines", "article_versions", "articles")
ORDER = {
    "articles": "url", "article_versions": "url, version", "headlines": "id",
    "headline_sightings": "headline, crawl",
}


def snapshot(db) -> dict:
    return {t: query(db, f"SELECT * FROM {t} ORDER BY {ORDER[t]}") for t in EXTRACTED}


def copy_archive(db: Path, target: Path) -> Path:
    """The archive and its WARC folder, copied (the session's archive stays as it is)."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(db, target / db.name)
    shutil.copytree(db.with_name(db.stem + "-warc"), target / (db.stem + "-warc"))
    return target / db.name


def delete_extracted(db):
    import sqlite3

    conn = sqlite3.connect(db)
    with conn:
        for table in EXTRACTED:
            conn.execute(f"DELETE FROM {table}")
    conn.close()


def test_extracted_tables_rebuilt_from_the_warc_files_alone_are_identical(bundled, tmp_path):
    db = copy_archive(bundled[0], tmp_path)
    before = snapshot(db)
    assert {t: len(rows) for t, rows in before.items()} == {
        "headline_sightings": 120, "headlines": 60, "article_versions": 8, "articles": 8,
    }
    delete_extracted(db)
    assert count(db, "articles") == 0
    result = run_cli("reparse", "--db", db, check=True)
    assert snapshot(db) == before
    assert result.stderr.splitlines()[-1] == (
        f"reparse: 22 captures, 20 pages parsed, 16 articles written (0 new versions), 60 new headlines, "
        f"120 sightings written; skipped: robots_txt 2 -> {db}"
    )
    assert "reparse: 22/22 captures (100%)" in result.stderr


@pytest.mark.parametrize("processes", [1, 3])
def test_rebuilt_rows_are_the_same_whatever_the_processes(bundled, tmp_path, monkeypatch, processes):
    """Pages parsed in other processes come back in capture order: the same rows (windows of 3
    captures here, so that several windows are in flight)."""
    from crawler.archive.store import Archive
    from crawler.ops import reparse as module
    from crawler.sites import registry

    monkeypatch.setattr(module, "PARSE_WINDOW", 3)
    monkeypatch.setattr(module, "PARSE_CHUNK", 1)
    db = copy_archive(bundled[0], tmp_path)
    before = snapshot(db)
    delete_extracted(db)
    with Archive.open(db) as archive:
        stats = module.reparse(archive, default_site=registry.site("maghress"), processes=processes)
    assert snapshot(db) == before
    assert (stats["reparse/captures"], stats["reparse/pages"], stats["reparse/skipped/robots_txt"]) == (22, 20, 2)


def test_reparse_twice_changes_nothing_the_second_time(bundled, tmp_path):
    db = copy_archive(bundled[0], tmp_path)
    before = snapshot(db)
    first = run_cli("reparse", "--db", db, check=True)
    assert snapshot(db) == before  # the crawl's own rows, reproduced
    assert "(0 new versions), 0 new headlines" in first.stderr
    run_cli("reparse", "--db", db, check=True)
    assert snapshot(db) == before


def test_reparse_selects_captures_by_url_pattern_and_date(bundled, tmp_path):
    db = copy_archive(bundled[0], tmp_path)
    by_url = run_cli("reparse", "--db", db, "--url", "*/fr/lesechos/*", check=True)
    assert "reparse: 4 captures, 4 pages parsed, 4 articles written" in by_url.stderr  # 101 and 102, twice
    future = run_cli("reparse", "--db", db, "--since", "2999-01-01", check=True)
    assert "reparse: 0 captures, 0 pages parsed" in future.stderr
    bad = run_cli("reparse", "--db", db, "--since", "yesterday")
    assert bad.returncode == 2 or bad.returncode == 1
    assert bad.stderr.strip().splitlines()[-1] == (
        "Error: bad --since 'yesterday': expected a date (2025-09-04) or a UTC time (2025-09-04T12:00:00Z)"
    )


def test_reparse_without_an_archive_is_a_one_line_error(tmp_path):
    result = run_cli("reparse", "--db", tmp_path / "none.db")
    assert result.returncode == 1
    assert result.stderr.strip() == f"Error: no archive at {tmp_path / 'none.db'}: run `newsarchive crawl --db {tmp_path / 'none.db'}` first"


# --- History -----------------------------------------------------------------------------------
ARTICLE = MIRROR / "www.maghress.com" / "fr" / "lesechos" / "101.html"
URL_101 = "https://www.maghress.com/fr/lesechos/101"


@pytest.fixture
def mirror(tmp_path):
    root = tmp_path / "site"
    shutil.copytree(MIRROR, root)
    return root


def crawl(mirror, db):
    return run_cli("crawl", "--replay", mirror, "--db", db, "--full", check=True)


def test_an_edited_article_becomes_a_second_version_and_no_text_is_lost(mirror, tmp_path):
    db = tmp_path / "archive.db"
    page = mirror / ARTICLE.relative_to(MIRROR)
    crawl(mirror, db)
    original = query(db, "SELECT body, title FROM articles WHERE url = ?", (URL_101,))[0]
    page.write_text(page.read_text(encoding="utf-8").replace("1,9&nbsp;million", "2,1&nbsp;millions"), encoding="utf-8")
    second = crawl(mirror, db)
    assert "0 new articles, 7 unchanged, 1 changed" in second.stderr
    versions = query(db, "SELECT version, body, title, capture FROM article_versions WHERE url = ? ORDER BY version", (URL_101,))
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[0]["body"] == original["body"]
    assert "près de 1,9 million de touristes" in versions[0]["body"]
    assert "près de 2,1 millions de touristes" in versions[1]["body"]
    assert versions[0]["body"].replace("1,9 million", "2,1 millions") == versions[1]["body"]
    current = query(db, "SELECT version, body FROM articles WHERE url = ?", (URL_101,))[0]
    assert current == {"version": 2, "body": versions[1]["body"]}
    # each version names the capture it was parsed from, in the crawl that saw it
    crawls = [query(db, "SELECT crawl FROM captures WHERE id = ?", (v["capture"],))[0]["crawl"] for v in versions]
    assert crawls == [1, 2]
    # the other articles did not change: one version each
    assert query(db, "SELECT count(*) AS n FROM article_versions WHERE url <> ?", (URL_101,)) == [{"n": 7}]

    # An error page, then an empty 200, where the article was: the good version stays.
    page.write_text("<html><body><h1>Erreur 500</h1><p>Service indisponible</p></body></html>", encoding="utf-8")
    crawl(mirror, db)
    page.write_text("", encoding="utf-8")
    crawl(mirror, db)
    assert query(db, "SELECT version, body FROM articles WHERE url = ?", (URL_101,))[0] == current
    assert count(db, "article_versions") == 9

    # Re-parsing every capture of the four crawls keeps the same history.
    before = snapshot(db)
    delete_extracted(db)
    run_cli("reparse", "--db", db, check=True)
    assert snapshot(db) == before


def test_a_text_seen_again_after_an_edit_is_not_a_new_version(mirror, tmp_path):
    db = tmp_path / "archive.db"
    page = mirror / ARTICLE.relative_to(MIRROR)
    text = page.read_text(encoding="utf-8")
    crawl(mirror, db)
    page.write_text(text.replace("1,9&nbsp;million", "2,1&nbsp;millions"), encoding="utf-8")
    crawl(mirror, db)
    page.write_text(text, encoding="utf-8")  # the paper reverted its edit
    crawl(mirror, db)
    versions = query(db, "SELECT version, first_seen <= last_seen AS ok FROM article_versions WHERE url = ?", (URL_101,))
    assert [v["version"] for v in versions] == [1, 2]
    assert query(db, "SELECT version FROM articles WHERE url = ?", (URL_101,)) == [{"version": 1}]


# --- Damaged and foreign WARC files ------------------------------------------------------------
def test_a_warc_cut_off_by_a_crash_keeps_every_earlier_record(bundled, tmp_path):
    source = sorted(bundled[0].with_name("archive-warc").glob("*.warc.gz"))[0]
    rows = query(bundled[0], "SELECT url, warc_offset, warc_length FROM captures WHERE crawl = 1 ORDER BY warc_offset")
    last = rows[-1]
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(source.read_bytes()[: last["warc_offset"] + last["warc_length"] // 2])
    db = tmp_path / "imported.db"
    result = run_cli("reparse", "--warc", cut, "--db", db, check=True)
    assert f"indexed 10 captures from {cut} as crawl 1" in result.stderr
    assert "skipped damaged record cut.warc.gz@" in result.stderr
    assert sorted(r["url"] for r in query(db, "SELECT url FROM captures")) == sorted(r["url"] for r in rows[:-1])
    # and replay from the damaged file serves what it holds
    replayed = run_cli("crawl", "--replay", cut, "--db", tmp_path / "replayed.db", check=True)
    assert "Traceback" not in replayed.stderr


def write_foreign_warc(path: Path) -> None:
    """A WARC as another tool writes it: uncompressed, plain warcio, mixed content."""
    article = ARTICLE.read_bytes()
    entries = [
        ("https://www.maghress.com/fr/lesechos/101?utm_source=rss", "200 OK", "text/html; charset=utf-8", article),
        ("https://example.org/news/1", "200 OK", "text/html", b"<html><body><p>Autre site</p></body></html>"),
        ("https://www.maghress.com/fr/lesechos/777", "404 Not Found", "text/html", b"<h1>404</h1>"),
        ("https://images.maghress.com/logo.png", "200 OK", "image/png", b"\x89PNG\r\n\x1a\n" + b"\0" * 32),
    ]
    with path.open("wb") as f:
        writer = WARCWriter(f, gzip=False)
        for url, status, content_type, body in entries:
            headers = StatusAndHeaders(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))],
                                       protocol="HTTP/1.0")
            writer.write_record(writer.create_warc_record(url, "response", payload=BytesIO(body), http_headers=headers))


def test_reparse_of_another_tools_warc_parses_what_a_page_object_handles(tmp_path):
    foreign = tmp_path / "other.warc"
    write_foreign_warc(foreign)
    db = tmp_path / "imported.db"
    result = run_cli("reparse", "--warc", foreign, "--db", db, check=True)
    assert f"indexed 4 captures from {foreign} as crawl 1" in result.stderr
    assert result.stderr.splitlines()[-1].endswith(
        "skipped: no_page_object_for_site 2, status_404 1 -> " + str(db)
    )
    article = query(db, "SELECT url, title, publisher, published FROM articles")
    assert article == [{
        "url": URL_101,
        "title": "Tourisme : Marrakech enregistre une hausse de 12% des arrivées au premier semestre",
        "publisher": "Les Echos",
        "published": "2025-08-22",
    }]
    assert query(db, "SELECT source FROM crawls")[0]["source"] == f"import:{foreign.resolve()}"


def test_datasette_shows_changed_articles_side_by_side_and_one_articles_history(mirror, tmp_path):
    from tests.conftest import fetch as get

    db = tmp_path / "archive.db"
    page = mirror / ARTICLE.relative_to(MIRROR)
    crawl(mirror, db)
    page.write_text(page.read_text(encoding="utf-8").replace("1,9&nbsp;million", "2,1&nbsp;millions"), encoding="utf-8")
    crawl(mirror, db)
    changed = get(db, "/archive/changed_articles.json?_shape=array").json()
    assert [(r["url"], r["old_version"], r["new_version"]) for r in changed] == [(URL_101, 1, 2)]
    assert "1,9 million" in changed[0]["old_body"] and "2,1 millions" in changed[0]["new_body"]
    history = get(db, f"/archive/article_history.json?_shape=array&url={URL_101}").json()
    assert [(r["version"], r["parser_version"]) for r in history] == [(1, PARSER_VERSION), (2, PARSER_VERSION)]
    # Each version names the WARC record it was parsed from (the captures index itself is internal).
    captures = {r["id"]: r["warc_file"] for r in query(db, "SELECT id, warc_file FROM captures")}
    assert all(captures[r["capture"]].startswith("archive-warc/newsarchive-") for r in history)


def test_a_payload_seen_before_is_a_revisit_and_warc_files_rotate(mirror, tmp_path):
    db = tmp_path / "archive.db"
    page = mirror / ARTICLE.relative_to(MIRROR)
    text = page.read_text(encoding="utf-8")
    small = ("-s", "NEWSARCHIVE_WARC_MAX_SIZE=8000")
    run_cli("crawl", "--replay", mirror, "--db", db, "--full", *small, check=True)
    page.write_text(text.replace("1,9&nbsp;million", "2,1&nbsp;millions"), encoding="utf-8")
    run_cli("crawl", "--replay", mirror, "--db", db, "--full", *small, check=True)
    page.write_text(text, encoding="utf-8")
    run_cli("crawl", "--replay", mirror, "--db", db, "--full", *small, check=True)
    rows = query(db, "SELECT c.crawl, c.record_type, o.crawl AS original FROM captures c"
                     " LEFT JOIN captures o ON o.id = c.refers_to WHERE c.url = ? ORDER BY c.crawl", (URL_101,))
    assert rows == [
        {"crawl": 1, "record_type": "response", "original": None},
        {"crawl": 2, "record_type": "response", "original": None},
        {"crawl": 3, "record_type": "revisit", "original": 1},  # the first text again
    ]
    files = sorted(db.with_name("archive-warc").glob("*.warc.gz"))
    assert len(files) > 3  # rotated past 8,000 bytes
    assert {r["warc_file"] for r in query(db, "SELECT DISTINCT warc_file FROM captures")} == {
        f"archive-warc/{f.name}" for f in files
    }
    before = snapshot(db)
    delete_extracted(db)
    run_cli("reparse", "--db", db, check=True)
    assert snapshot(db) == before


def test_reparse_skips_a_captured_gzip_bomb_without_inflating_it(tmp_path):
    """The WARC keeps a body as received, compressed: re-parsing inflates it only up to the crawl's
    size limit (10 MiB) and skips it as too_large past that."""
    import gzip

    bomb = gzip.compress(b"<html><body>" + b" " * (64 * 1024 * 1024) + b"</body></html>", compresslevel=9)
    path = tmp_path / "bomb.warc"
    with path.open("wb") as f:
        writer = WARCWriter(f, gzip=False)
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html"), ("Content-Encoding", "gzip"),
                                              ("Content-Length", str(len(bomb)))], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record("https://www.maghress.com/fr/lesechos/9", "response",
                                                      payload=BytesIO(bomb), http_headers=headers))
    db = tmp_path / "bomb.db"
    result = run_cli("reparse", "--warc", path, "--db", db, check=True)
    assert result.stderr.splitlines()[-1] == (
        "reparse: 1 captures, 0 pages parsed, 0 articles written (0 new versions), 0 new headlines, "
        f"0 sightings written; skipped: too_large 1 -> {db}")
