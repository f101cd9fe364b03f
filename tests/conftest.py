import contextlib
import http.server
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from functools import partial
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MIRROR = ROOT / "seeds" / "site"
SEED_URL = "https://www.maghress.com/fr/marocdiplomatique/25429"
# The article pages of Maghress's bundled mirror, in URL order: what a crawl of it archives.
MAGHRESS_ARTICLES = [
    "https://www.maghress.com/fr/albayane/404",
    "https://www.maghress.com/fr/aujourdhui/303",
    "https://www.maghress.com/fr/lagazette/202",
    "https://www.maghress.com/fr/lesechos/101",
    "https://www.maghress.com/fr/lesechos/102",
    "https://www.maghress.com/fr/lopinion/505",
    SEED_URL,
    "https://www.maghress.com/hespress/606",
]
SEED_PAGE = MIRROR / "www.maghress.com" / "fr" / "marocdiplomatique" / "25429.txt"
CLI = [sys.executable, "-m", "crawler.cli"]


def run_cli(*args, cwd=ROOT, timeout=120, check=False):
    """Run the real `newsarchive` command line in a subprocess (a fresh Twisted reactor each time)."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.run(
        [*CLI, *map(str, args)], cwd=cwd, capture_output=True, timeout=timeout, env=env
    )
    out = subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8"))
    if check and proc.returncode != 0:
        raise AssertionError(f"{args} exited {proc.returncode}:\n{out.stderr[-3000:]}")
    return out


@pytest.fixture
def seed_text():
    return SEED_PAGE.read_text(encoding="utf-8")


def query(db, sql, params=()):
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


def count(db, table):
    return query(db, f"SELECT count(*) AS n FROM {table}")[0]["n"]


@pytest.fixture(scope="session")
def bundled(tmp_path_factory):
    """Maghress's bundled mirror crawled twice into one archive: `newsarchive crawl --site
    maghress`, then a full re-crawl."""
    db = tmp_path_factory.mktemp("bundled") / "archive.db"
    first = run_cli("crawl", "--site", "maghress", "--db", db, check=True)
    after_first = {t: count(db, t) for t in ("articles", "headlines", "headline_sightings", "crawls")}
    second = run_cli("crawl", "--site", "maghress", "--db", db, "--full", check=True)
    return db, first, after_first, second


@pytest.fixture(scope="session")
def bundled_sites(tmp_path_factory):
    """Every site's bundled mirror crawled twice into one archive: `newsarchive crawl` (apnews,
    maghress, physorg in turn), then a full re-crawl: crawls 1 to 6."""
    db = tmp_path_factory.mktemp("bundled_sites") / "archive.db"
    first = run_cli("crawl", "--db", db, check=True)
    second = run_cli("crawl", "--db", db, "--full", check=True)
    return db, first, second




def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running(*command, cwd=ROOT):
    """A server command (its --port added: a free one, on 127.0.0.1 by default) until it answers:
    its base URL."""
    import httpx

    port = free_port()
    proc = subprocess.Popen([*map(str, command), "--port", str(port)], cwd=cwd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(base + "/-/versions.json")
                break
            except httpx.ConnectError:
                assert proc.poll() is None, proc.stderr.read().decode()
                assert time.monotonic() < deadline, f"{command} did not start"
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def served(db):
    """The real `newsarchive serve` on an archive, on a free port of 127.0.0.1: its base URL."""
    return running(*CLI, "serve", "--db", db)


class _FolderHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {"": "text/html; charset=utf-8", ".html": "text/html; charset=utf-8",
                      ".txt": "text/plain; charset=utf-8"}

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def served_folder(root):
    """A real HTTP server on 127.0.0.1 serving a folder (extension-less files as HTML): its base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_FolderHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# --- Datasette in this process: the one way tests build it -------------------------------------
def datasette(*dbs, immutable=False, allow_sql=True):
    """A Datasette in this process on database files, as any Datasette where newsarchive is
    installed runs: the plugin loaded by Datasette from its `datasette` entry point (nothing
    registered by hand, no metadata, no template folder), with the project's settings (those
    `newsarchive serve` passes; allow_sql=False is its --no-sql)."""
    from datasette.app import Datasette
    from datasette.plugins import pm

    import crawler.publish
    from crawler.publish.config import settings

    if pm.get_plugin("newsarchive") is not crawler.publish:
        raise AssertionError("Datasette did not load the newsarchive plugin (crawler.publish) from its entry point: "
                             "reinstall the project (pip install -e '.[test]')")
    files = [str(db) for db in dbs]
    return Datasette(**({"immutables": files} if immutable else {"files": files}), settings=settings(allow_sql=allow_sql))


def fetch(db, *paths, **options):
    """GET each path from a fresh datasette() on db (a database file, or a list of them): the
    response, or the list of responses when several paths are given."""
    import asyncio

    dbs = list(db) if isinstance(db, (list, tuple)) else [db]

    async def run():
        ds = datasette(*dbs, **options)
        try:
            return [await ds.client.get(path) for path in paths]
        finally:
            for database in ds.databases.values():
                database.close()

    responses = asyncio.run(run())
    return responses[0] if len(paths) == 1 else responses
