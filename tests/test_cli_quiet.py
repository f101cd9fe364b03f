"""The quiet, honest command line (issue 14): what a user sees of `crawl`, `schedule`, `parse`,
`serve` and `reparse --warc`, run as a user runs them (real processes, loopback only)."""

import os
import shutil
import signal
import subprocess
import time

import httpx

from tests.conftest import CLI, MIRROR, ROOT, SEED_PAGE, SEED_URL, free_port, query, run_cli

NO_NETWORK = "Error: nothing was fetched: every URL the crawl tried failed (is the network up? -v shows each failure)"


def summary(db, crawl=1, pages=10, new=8, headlines=60, missing=9, failed=""):
    return (f"crawl {crawl} finished: {pages} pages, {new} new articles, 0 unchanged, 0 changed, {headlines} new "
            f"headlines, 0 items dropped, {missing} URLs not in mirror{failed} -> {db}")


# --- crawl: one summary line, the log with -v ---------------------------------------------------
def test_a_replay_prints_its_summary_only_and_v_brings_scrapys_log_back(tmp_path):
    db = tmp_path / "archive.db"
    quiet = run_cli("crawl", "--site", "maghress", "--db", db)
    assert quiet.returncode == 0, quiet.stderr[-2000:]
    assert (quiet.stdout, quiet.stderr.splitlines()) == ("", [summary(db)])

    verbose = run_cli("crawl", "--site", "maghress", "--db", tmp_path / "v.db", "-v")
    assert verbose.returncode == 0
    lines = verbose.stderr.splitlines()
    assert len(lines) > 100  # the versions, the settings, the middlewares, the stats dump
    assert "[scrapy.statscollectors] INFO: Dumping Scrapy stats:" in verbose.stderr
    assert lines[-1] == summary(tmp_path / "v.db")


def test_every_site_is_one_line_each(tmp_path):
    db = tmp_path / "archive.db"
    result = run_cli("crawl", "--db", db)
    assert result.returncode == 0
    assert [line.split(":")[0] for line in result.stderr.splitlines()] == ["apnews", "maghress", "physorg"]


def closed_port_seeds(tmp_path):
    """Seeds on 127.0.0.1 at a port nothing listens on: every request fails, as with no network."""
    seeds = tmp_path / "seeds.txt"
    port = free_port()
    seeds.write_text(f"http://127.0.0.1:{port}/fr/lesechos/1\nhttp://127.0.0.1:{port}/fr/lesechos/2\n")
    return seeds


LOCAL = ("-s", "NEWSARCHIVE_ALLOW_PRIVATE=127.0.0.1", "-s", "RETRY_TIMES=0", "-s", "DOWNLOAD_DELAY=0")


def test_a_crawl_where_every_request_failed_says_why_and_exits_4(tmp_path):
    db = tmp_path / "archive.db"
    seeds = closed_port_seeds(tmp_path)
    result = run_cli("crawl", "--live", "--seeds", seeds, "--db", db, *LOCAL)
    assert result.returncode == 4
    assert result.stderr.splitlines() == [
        summary(db, pages=0, new=0, headlines=0, missing=0, failed=", 2 URLs failed (robots_unavailable 2)"),
        NO_NETWORK,
    ]
    # robots.txt not asked for: the pages' own requests fail, counted by their exception
    unobeyed = run_cli("crawl", "--live", "--seeds", seeds, "--db", db, *LOCAL, "-s", "ROBOTSTXT_OBEY=False")
    assert unobeyed.returncode == 4
    assert unobeyed.stderr.splitlines() == [
        summary(db, crawl=2, pages=0, new=0, headlines=0, missing=0,
                failed=", 2 URLs failed (download_connection_refused_error 2)"),
        NO_NETWORK,
    ]
    row = query(db, "SELECT trigger, failed FROM crawls WHERE id = 2")[0]
    assert row == {"trigger": "manual", "failed": '{"download_connection_refused_error": 2}'}


def test_bad_settings_are_one_line_errors_and_nothing_is_written(tmp_path):
    db = tmp_path / "archive.db"
    cases = {
        "DOWNLOAD_DELAY=abc": "Error: bad --set DOWNLOAD_DELAY=abc: expected a number",
        "CLOSESPIDER_PAGECOUNT=1.5": "Error: bad --set CLOSESPIDER_PAGECOUNT=1.5: expected a whole number",
        "ROBOTSTXT_OBEY=maybe": "Error: bad --set ROBOTSTXT_OBEY=maybe: expected True or False (or 1 or 0)",
        "LOG_LEVEL=LOUD": "Error: bad --set LOG_LEVEL=LOUD: expected one of CRITICAL, ERROR, WARNING, INFO, DEBUG",
        "DOWNLOAD_DELAY": "Error: bad --set 'DOWNLOAD_DELAY': expected NAME=VALUE",
    }
    for setting, message in cases.items():
        result = run_cli("crawl", "--site", "maghress", "--db", db, "-s", setting)
        assert (result.returncode, result.stdout, result.stderr) == (1, "", message + "\n"), setting
    assert list(tmp_path.iterdir()) == []
    late = run_cli("crawl", "--site", "maghress", "--db", db, "-s", "NEWSARCHIVE_PROCESSES=3")
    assert (late.returncode, late.stderr) == (
        1, "Error: NEWSARCHIVE_PROCESSES is 3: 1 (one process) or 2 (capture and processing)\n")


def test_a_file_that_is_not_an_archive_is_refused_and_nothing_left_beside_it(tmp_path):
    notes = tmp_path / "README.md"
    notes.write_text("# notes\n", encoding="utf-8")
    for command in ("crawl", "reparse"):
        result = run_cli(command, "--db", notes)
        assert (result.returncode, result.stderr) == (1, f"Error: cannot open archive {notes}: file is not a database\n")
        assert sorted(p.name for p in tmp_path.iterdir()) == ["README.md"], command
    assert notes.read_text(encoding="utf-8") == "# notes\n"


# --- schedule: each run is its summary line ----------------------------------------------------
def test_a_scheduled_run_relays_one_line(tmp_path):
    db = tmp_path / "archive.db"
    result = run_cli("schedule", "--every", "10s", "--max-runs", "1", "--db", db, "--", "--site", "maghress")
    assert result.returncode == 0
    lines = result.stderr.splitlines()
    assert len(lines) == 5, lines
    assert lines[0].startswith("schedule: running ")
    assert lines[1].startswith("schedule: run 1 started at ")
    assert lines[2] == summary(db)
    assert lines[3].startswith("schedule: run 1 finished with exit code 0 in ")
    assert lines[4] == "schedule: 1 runs, 0 failed"


# --- parse: the URL from the mirror, bad URLs refused ------------------------------------------
def test_parse_takes_the_url_of_a_page_in_a_mirror_from_its_path(tmp_path):
    inferred = run_cli("parse", SEED_PAGE, check=True)
    given = run_cli("parse", SEED_PAGE, "--url", SEED_URL, check=True)
    assert inferred.stdout == given.stdout
    assert inferred.stdout.startswith('{\n  "url": "https://www.maghress.com/fr/marocdiplomatique/25429",')
    # Any mirror (a copy elsewhere), an index page, and several pages at once: one line each
    mirror = tmp_path / "mirror"
    shutil.copytree(MIRROR, mirror)
    index = run_cli("parse", mirror / "apnews.com" / "index.html", check=True)
    assert '"url": "https://apnews.com/"' in index.stdout
    many = run_cli("parse", "www.maghress.com/fr/lesechos/101.html", "phys.org/index.html", cwd=mirror, check=True)
    assert [line.startswith('{"path": ') for line in many.stdout.splitlines()] == [True, True]
    assert [line.split('"url": ')[1].split(",")[0] for line in many.stdout.splitlines()] == [
        '"https://www.maghress.com/fr/lesechos/101"', '"https://phys.org/"']


def test_parse_outside_a_mirror_needs_a_url_and_a_bad_url_is_one_line(tmp_path):
    page = tmp_path / "page.txt"
    shutil.copy(SEED_PAGE, page)
    result = run_cli("parse", page)
    assert (result.returncode, result.stdout, result.stderr) == (
        1, "", "Error: give the page's URL: --url URL (or --urls MAP.tsv for many pages)\n")
    for url in ("notaurl", "file:///etc/passwd", "https://"):
        result = run_cli("parse", SEED_PAGE, "--url", url)
        assert (result.returncode, result.stdout, result.stderr) == (
            1, "", f"Error: bad --url {url!r}: expected an http or https URL (https://host/path)\n"), url
    both = run_cli("parse", page, SEED_PAGE)
    assert both.returncode == 1
    assert both.stderr.splitlines() == [f"Error: {page}: in no mirror: give its URL with --urls MAP.tsv",
                                        "Error: 1 of 2 page(s) could not be parsed"]
    assert len(both.stdout.splitlines()) == 1  # the page in the mirror, still parsed
    tsv = tmp_path / "urls.tsv"
    tsv.write_text("page.txt\tnotaurl\n", encoding="utf-8")
    mapped = run_cli("parse", page, "--urls", tsv)
    assert mapped.stderr == f"Error: {tsv}:1: bad URL 'notaurl': expected an http or https URL (https://host/path)\n"


# --- serve leaves nothing behind ----------------------------------------------------------------
def serve_then_stop(db, temp, sig):
    """`newsarchive serve` with its own temp folder, until it answers; then `sig`: its exit status."""
    port = free_port()
    env = {**os.environ, "TMPDIR": str(temp), "TMP": str(temp), "TEMP": str(temp)}
    proc = subprocess.Popen([*CLI, "serve", "--db", db, "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/-/versions.json")
                break
            except httpx.ConnectError:
                assert proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.2)
        proc.send_signal(sig)
        return proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_serve_leaves_no_file_in_the_temp_folder(tmp_path):
    db = tmp_path / "archive.db"
    run_cli("crawl", "--site", "maghress", "--db", db, check=True)
    for sig in (signal.SIGINT, signal.SIGTERM):
        temp = tmp_path / f"tmp-{sig.name}"
        temp.mkdir()
        serve_then_stop(db, temp, sig)
        assert list(temp.iterdir()) == [], sig.name


# --- reparse --warc: an import, as status shows it ----------------------------------------------
def test_an_import_is_recorded_with_its_trigger_and_counts(tmp_path):
    db = tmp_path / "archive.db"
    run_cli("crawl", "--site", "maghress", "--db", db, check=True)
    imported = tmp_path / "imported.db"
    run_cli("reparse", "--warc", tmp_path / "archive-warc", "--db", imported, check=True)
    row = query(imported, "SELECT trigger, pages_fetched, pages_parsed, new_articles, new_headlines, sightings, "
                          "skipped, finish_reason FROM crawls")
    assert row == [{"trigger": "import", "pages_fetched": 11, "pages_parsed": 10, "new_articles": 8,
                    "new_headlines": 60, "sightings": 60, "skipped": '{"robots_txt": 1}', "finish_reason": "finished"}]
    status = run_cli("status", "--db", imported, check=True).stdout.splitlines()
    assert status[1].split()[3:] == ["import", "11", "0", "0", "1", "8", "0", "60", "60"]
    assert status[2].strip() == "robots_txt 1"


def test_dist_is_ignored_by_git():
    result = subprocess.run(["git", "check-ignore", "-q", "dist/archive.db"], cwd=ROOT)
    assert result.returncode == 0
