"""Nothing lost: a write that fails (disk full, the archive deleted) stops the crawl with a one-line
error and nothing marked done that is not stored; the next crawl fetches what was lost; one lock
per archive file whatever its path; damaged or empty archives refused by every command; a junk
file among WARC files skipped, the rest read."""

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from crawler.archive.lock import ArchiveLock
from tests.conftest import CLI, MIRROR, ROOT, count, query, run_cli, served_folder

ALLOW = ("-s", "NEWSARCHIVE_ALLOW_PRIVATE=127.0.0.1")  # the test servers are on 127.0.0.1
FAST = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8",
        *ALLOW)
PAGE = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"></head><body>
<div class="ticker">{ticker}</div>
<span class="articletitle">Article numéro {n}</span>
<span class="articlenewspaper">Publié dans <a href="/fr/lesechos">Les Echos</a> le 04 - 09 - 2025</span>
<span class="articlecontent">{body}</span>
<div>Cliquez <a href="https://lesechos.ma/{n}">ici</a> pour lire l'article depuis sa source.</div>
</body></html>"""
# Lost articles: URLs the archive says were fetched as articles but whose article is not stored.
LOST = """SELECT count(*) AS n FROM urls u WHERE u.kind = 'article' AND u.status = 'fetched'
          AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.url = u.url)"""


def make_site(root: Path, articles: int, words: int = 60) -> Path:
    """A front page linking every article, and the articles (each with a body of distinct words)."""
    links = " ".join(f'<a href="/fr/lesechos/{n}">Titre {n}</a>' for n in range(1, articles + 1))
    (root / "fr").mkdir(parents=True)
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    (root / "fr" / "index.html").write_text(f"<html><body><div class='ticker'>{links}</div></body></html>")
    (root / "fr" / "lesechos").mkdir()
    for n in range(1, articles + 1):
        body = " ".join(f"mot{n}x{i}" for i in range(words))
        ticker = " ".join(f'<a href="/fr/lesechos/{m}">Titre {m}</a>' for m in range(n, n + 3))
        (root / "fr" / "lesechos" / str(n)).write_text(PAGE.format(n=n, body=body, ticker=ticker), encoding="utf-8")
    return root


@pytest.fixture
def site(tmp_path):
    with served_folder(make_site(tmp_path / "site", 300)) as base:
        seeds = tmp_path / "seeds.txt"
        seeds.write_text(f"{base}/fr/\n")
        yield base, seeds


def last_line(result) -> str:
    return result.stderr.strip().splitlines()[-1]


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root (CI runs as root)")
def test_disk_full_stops_the_crawl_loses_nothing_and_the_next_crawl_fetches_what_was_lost(site, tmp_path):
    base, seeds = site
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)], check=True)
    try:
        db = disk / "archive.db"
        full = run_cli("crawl", "--live", "--seeds", seeds, "--db", db, *FAST, "-s", "NEWSARCHIVE_BATCH_SIZE=20")
        assert full.returncode == 1
        assert last_line(full).startswith("Error: the crawl stopped, nothing after this was stored: ")
        assert "No space left on device" in last_line(full) or "database or disk is full" in last_line(full)
        stored = count(db, "articles")
        assert 0 < stored < 300  # it stopped part of the way
        assert query(db, LOST) == [{"n": 0}]  # nothing marked fetched that is not stored
        subprocess.run(["mount", "-o", "remount,size=64m", "tmpfs", str(disk)], check=True)  # space is back
        again = run_cli("crawl", "--live", "--seeds", seeds, "--db", db, *FAST)
        assert again.returncode == 0, again.stderr[-2000:]
        assert count(db, "articles") == count(db, "article_versions") == 300
        assert query(db, LOST) == [{"n": 0}]
        assert query(db, "SELECT count(*) AS n FROM urls WHERE kind = 'article' AND status = 'fetched'") == [{"n": 300}]
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def test_the_archive_deleted_during_a_crawl_stops_it_with_an_error(tmp_path):
    with served_folder(make_site(tmp_path / "site", 120)) as base:
        seeds = tmp_path / "seeds.txt"
        seeds.write_text(f"{base}/fr/\n")
        folder = tmp_path / "data"
        db = folder / "archive.db"
        args = [*CLI, "crawl", "--live", "--seeds", str(seeds), "--db", str(db), *FAST,
                "-s", "NEWSARCHIVE_BATCH_SIZE=5", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1", "-s", "DOWNLOAD_DELAY=0.05"]
        proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            time.sleep(0.1)
            try:
                if db.exists() and count(db, "articles") >= 5:
                    break
            except Exception:  # noqa: BLE001 - not migrated yet, or locked
                pass
        shutil.rmtree(folder)  # the archive's folder, deleted mid-crawl
        _, err = proc.communicate(timeout=120)
    lines = err.decode().strip().splitlines()
    assert proc.returncode == 1
    assert lines[-1] == (f"Error: the crawl stopped, nothing after this was stored: "
                         f"the archive {db} was deleted while it was being written")


def test_one_lock_per_archive_file_whatever_its_path(tmp_path):
    db = tmp_path / "a" / "archive.db"
    run_cli("crawl", "--site", "maghress", "--db", db, check=True)
    link = tmp_path / "b" / "same.db"
    link.parent.mkdir()
    os.link(db, link)
    holder = ArchiveLock(db, command="a crawl of the first path")
    holder.acquire()
    try:
        refused = run_cli("crawl", "--site", "maghress", "--db", link, "--full")
        assert refused.returncode == 1
        assert last_line(refused).startswith(f"Error: another crawl is writing {link}")
        refused = run_cli("reparse", "--db", link)
        assert refused.returncode == 1 and "another crawl is writing" in last_line(refused)
    finally:
        holder.release()
    assert count(db, "crawls") == 1  # the refused crawl wrote nothing, not even its row


@pytest.fixture(scope="module")
def damaged_bytes(tmp_path_factory) -> bytes:
    """The bundled archive crawled, then its pages after the first overwritten with junk."""
    tmp = tmp_path_factory.mktemp("damaged")
    run_cli("crawl", "--site", "maghress", "--db", tmp / "archive.db", check=True)
    run_cli("publish", tmp / "snapshot.db", "--db", tmp / "archive.db", check=True)  # one file, no WAL
    data = bytearray((tmp / "snapshot.db").read_bytes())
    page = int.from_bytes(data[16:18], "big") or 65536
    data[page:] = b"\xde\xad\xbe\xef" * ((len(data) - page) // 4) + b"\0" * ((len(data) - page) % 4)
    return bytes(data)


@pytest.mark.parametrize("kind", ["empty", "damaged"])
@pytest.mark.parametrize("command", [["crawl"], ["status"], ["reparse"], ["serve", "--port", "1"],
                                     ["publish", "OUT"]])
def test_a_damaged_or_empty_archive_is_refused_by_every_command(tmp_path, damaged_bytes, kind, command):
    db = tmp_path / "archive.db"
    db.write_bytes(b"" if kind == "empty" else damaged_bytes)
    before = db.read_bytes()
    args = [str(tmp_path / "out.db") if a == "OUT" else a for a in command]
    result = run_cli(*args, "--db", db)
    assert result.returncode == 1
    line = last_line(result)
    if kind == "empty":
        assert line == (f"Error: cannot open archive {db}: the file is empty (0 bytes), not an archive; "
                        "remove it to start a new archive there")
    else:
        assert line.startswith(f"Error: the archive {db} is damaged: ") or line.startswith(
            f"Error: cannot open archive {db}: "), line
        assert "Traceback" not in result.stderr
    assert db.read_bytes() == before  # left as it was
    assert not (tmp_path / "out.db").exists()


def test_a_junk_file_among_warc_files_is_skipped_and_the_rest_replayed(tmp_path):
    db = tmp_path / "first.db"
    run_cli("crawl", "--site", "maghress", "--db", db, check=True)
    warcs = tmp_path / "warcs"
    shutil.copytree(tmp_path / "first-warc", warcs)
    (warcs / "aaa-junk.warc.gz").write_bytes(b"not a warc at all\n" * 10)
    replayed = run_cli("crawl", "-v", "--replay", warcs, "--db", tmp_path / "copy.db", check=True)  # -v: its log
    assert "crawl 1 finished: 10 pages, 8 new articles" in replayed.stderr
    assert "aaa-junk.warc.gz" in replayed.stderr  # said, not silent
    imported = run_cli("reparse", "--warc", warcs, "--db", tmp_path / "imported.db", check=True)
    assert "skipped damaged record aaa-junk.warc.gz@0: skipped the whole file: " in imported.stderr
    assert count(tmp_path / "imported.db", "articles") == 8


def test_a_url_whose_capture_is_missing_is_fetched_without_validators(tmp_path):
    """A page the archive says it fetched, but whose capture is gone, is asked for whole again:
    a conditional request would be answered 304 and the page never stored again."""
    with served_folder(make_site(tmp_path / "site", 3)) as base:
        seeds = tmp_path / "seeds.txt"
        seeds.write_text(f"{base}/fr/\n")
        db = tmp_path / "archive.db"
        run_cli("crawl", "--live", "--seeds", seeds, "--db", db, *FAST, check=True)
        lost = f"{base}/fr/lesechos/2"
        conn_rows = query(db, "SELECT last_modified FROM urls WHERE url = ?", (lost,))
        assert conn_rows[0]["last_modified"]  # the server sent one
        import sqlite3

        conn = sqlite3.connect(db)
        conn.execute("DELETE FROM captures WHERE canonical_url = ?", (lost,))
        conn.execute("DELETE FROM article_versions WHERE url = ?", (lost,))
        conn.execute("DELETE FROM article_groups WHERE url = ?", (lost,))
        conn.execute("DELETE FROM articles WHERE url = ?", (lost,))
        conn.execute("UPDATE urls SET next_due = '2000-01-01T00:00:00Z' WHERE kind = 'article'")
        conn.commit()
        conn.close()
        run_cli("crawl", "--live", "--seeds", seeds, "--db", db, *FAST, check=True)
    assert query(db, "SELECT url FROM articles ORDER BY url") == [
        {"url": f"{base}/fr/lesechos/{n}"} for n in (1, 2, 3)]
    statuses = {r["url"]: r["last_status"] for r in query(
        db, "SELECT url, last_status FROM urls WHERE kind = 'article' AND last_status <> 404")}  # 4, 5: linked, absent
    assert statuses == {f"{base}/fr/lesechos/1": 304, lost: 200, f"{base}/fr/lesechos/3": 304}


class FailOnSecondArticle:
    """A pipeline that fails (an error, not a drop) on one article: ITEM_PIPELINES in the test below."""

    def process_item(self, item):
        if getattr(item, "url", "").endswith("/fr/lesechos/2"):
            raise RuntimeError("a pipeline failed on this item")
        return item


def test_an_item_that_fails_in_the_pipelines_leaves_its_page_to_be_fetched_again(tmp_path):
    import json

    pipelines = json.dumps({"tests.test_durability.FailOnSecondArticle": 100, "pipelines.archive.ArchivePipeline": 300})
    with served_folder(make_site(tmp_path / "site", 3)) as base:
        seeds = tmp_path / "seeds.txt"
        seeds.write_text(f"{base}/fr/\n")
        db = tmp_path / "archive.db"
        run_cli("crawl", "--live", "--seeds", seeds, "--db", db, *FAST, "-s", f"ITEM_PIPELINES={pipelines}", check=True)
        failed = f"{base}/fr/lesechos/2"
        assert query(db, "SELECT url FROM articles ORDER BY url") == [
            {"url": f"{base}/fr/lesechos/1"}, {"url": f"{base}/fr/lesechos/3"}]
        row = query(db, "SELECT status, reason, next_due IS NOT NULL AS due FROM urls WHERE url = ?", (failed,))[0]
        assert row == {"status": "failed", "reason": "processing_error", "due": 1}
        import sqlite3

        conn = sqlite3.connect(db)
        conn.execute("UPDATE urls SET next_due = '2000-01-01T00:00:00Z' WHERE url = ?", (failed,))
        conn.commit()
        conn.close()
        run_cli("crawl", "--live", "--seeds", seeds, "--db", db, *FAST, check=True)
    assert [r["url"] for r in query(db, "SELECT url FROM articles ORDER BY url")] == [
        f"{base}/fr/lesechos/{n}" for n in (1, 2, 3)]
    assert query(db, "SELECT status, last_status FROM urls WHERE url = ?", (failed,)) == [
        {"status": "fetched", "last_status": 200}]  # asked for whole, not with its validators
