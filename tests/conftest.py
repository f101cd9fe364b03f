import contextlib
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MIRROR = ROOT / "seeds" / "site"
SEED_URL = "https://www.maghress.com/fr/marocdiplomatique/25429"
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
    """The bundled mirror crawled twice into one archive: `newsarchive crawl`, then a full re-crawl."""
    db = tmp_path_factory.mktemp("bundled") / "archive.db"
    first = run_cli("crawl", "--db", db, check=True)
    after_first = {t: count(db, t) for t in ("articles", "headlines", "headline_sightings", "crawls")}
    second = run_cli("crawl", "--db", db, "--full", check=True)
    return db, first, after_first, second




def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def served(db):
    """The real `newsarchive serve` on an archive, on a free port of 127.0.0.1: its base URL."""
    import httpx

    port = free_port()
    proc = subprocess.Popen([*CLI, "serve", "--db", str(db), "--port", str(port)], cwd=ROOT,
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
                assert time.monotonic() < deadline, "datasette did not start"
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
