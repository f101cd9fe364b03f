"""Time every page a reader visits on `newsarchive serve`, warm and with a cold page cache.

Usage (from the repository root, with the project's virtualenv):

    .venv/bin/python -m bench.serve_bench ARCHIVE.db [ARCHIVE2.db ...] [--repeat 3] [--out bench/out]
        [--no-cold] [--drop-caches] [--timeout 120]

For each archive (built by bench/archivegen.py, or any archive):

1. Reads from the file (read-only) what the routes need: the database name Datasette gives it,
   an article URL (one with a second version when there is one), a crawl time for ticker_at,
   the number of articles; then checkpoints its WAL (`PRAGMA wal_checkpoint(TRUNCATE)`).
2. For each route (below): stops the server, evicts the archive from the OS page cache (fsync,
   then posix_fadvise(POSIX_FADV_DONTNEED) on the database file and its -wal file; or, with
   --drop-caches, `echo 1 > /proc/sys/vm/drop_caches`, which empties the whole machine's page
   cache), starts `newsarchive serve --db ARCHIVE --port <free port>` (127.0.0.1) and waits until
   /-/versions.json answers (that touches no archive table), then times the route's first request
   (cold), then --repeat more requests (warm: their median). With --no-cold one server serves
   every route and only the warm figures are taken.
3. A request is timed with httpx from sending it to its last byte; the HTTP status and the body
   size are recorded. A 500 (or a query stopped by Datasette's time limit) is a result, not a
   failure of the benchmark.

The routes: the home page `/`, the database page, `/-/search?q=` a common French word and an
Arabic one, the articles table (its facets: crawler/publish/datasette.yaml) and the same with
`?_search=`, `/-/charts`, one `/-/article?url=` page, the tables headlines, headline_sightings,
article_versions, article_groups, stories and crawls, the view headline_timeline, every canned
query of crawler/publish/queries.yaml (HTML, parameters filled in: url = the article above,
at = a crawl's start, q = the French word) and the two Atom feeds, and any other route
crawler/publish/hooks.py registers (a literal path is requested as is).

Output: a Markdown table (route x archive: warm s, cold s, status, size) on stdout and in
<out>/serve_bench.md, and everything measured in <out>/serve_bench.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote, urlencode

import httpx

PROJECT = Path(__file__).resolve().parent.parent
FRENCH_WORD = "maroc"
ARABIC_WORD = "المغرب"
TABLES = ("headlines", "headline_sightings", "article_versions", "article_groups", "stories", "crawls",
          "headline_timeline")
FEEDS = ("latest_articles_feed", "search_feed")
START_TIMEOUT = 120.0  # seconds for a server to answer /-/versions.json


# --- the archive -----------------------------------------------------------------------------------
def database_name(path: Path) -> str:
    """The name Datasette gives a database file: its stem."""
    return Path(path).stem


def archive_facts(path: Path) -> dict:
    """What the routes need from an archive, read from the file (read-only)."""
    conn = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)
    try:
        def one(sql, default=None):
            row = conn.execute(sql).fetchone()
            return row[0] if row and row[0] is not None else default

        articles = one("SELECT count(*) FROM articles", 0)
        url = one("SELECT url FROM article_versions WHERE version = 2 ORDER BY id LIMIT 1") or one(
            "SELECT url FROM articles ORDER BY rowid LIMIT 1")
        crawls = one("SELECT count(*) FROM crawls", 0)
        at = one(f"SELECT started FROM crawls ORDER BY id LIMIT 1 OFFSET {max(0, crawls // 2)}")
        return {"articles": articles, "crawls": crawls, "article_url": url, "at": at,
                "headlines": one("SELECT count(*) FROM headlines", 0),
                "sightings": one("SELECT count(*) FROM headline_sightings", 0)}
    finally:
        conn.close()


def migrate(path: Path) -> list[str]:
    """Bring the archive's schema up to date once, before any timing (`newsarchive serve` does it
    at every start: a migration would otherwise run in the first server start and read the whole
    file). Returns the migrations applied now."""
    from crawler.archive.schema import migrations
    from crawler.archive.store import Archive

    with Archive(path) as archive:
        pending = [m.name for m in migrations.pending(archive.db)]
    if pending:
        try:  # as `newsarchive serve` opens it: with the rules its migrations may need
            from crawler.cli import open_archive
        except ImportError:
            open_archive = Archive.open
        open_archive(path).close()
    return pending


def checkpoint(path: Path) -> None:
    """Fold the WAL into the database file (nothing else may be writing it)."""
    conn = sqlite3.connect(str(path), timeout=30)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    finally:
        conn.close()


def archive_files(path: Path) -> list[Path]:
    return [p for p in (Path(path), Path(f"{path}-wal")) if p.exists()]


def evict(path: Path, *, drop_caches: bool = False) -> str:
    """Take the archive out of the OS page cache; returns how."""
    if drop_caches:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("1\n")
        return "drop_caches"
    for file in archive_files(path):
        fd = os.open(file, os.O_RDONLY)
        try:
            os.fsync(fd)  # dirty pages cannot be dropped
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
    return "posix_fadvise"


def resident_bytes(path: Path) -> int | None:
    """Bytes of the archive's files in the page cache (util-linux fincore), None without it."""
    if not shutil.which("fincore"):
        return None
    total = 0
    for file in archive_files(path):
        out = subprocess.run(["fincore", "--bytes", "--noheadings", "--output", "RES", str(file)],
                             capture_output=True, text=True)
        if out.returncode != 0 or not out.stdout.strip():
            return None
        total += int(out.stdout.split()[0])
    return total


# --- the routes ------------------------------------------------------------------------------------
_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
_STRING = re.compile(r"'(?:[^']|'')*'")


def query_parameters(sql: str) -> list[str]:
    """The named parameters of a canned query (as Datasette derives them), in order."""
    return list(dict.fromkeys(_PARAM.findall(_STRING.sub("''", sql))))


def plugin_routes() -> list[str]:
    """The path patterns crawler/publish/hooks.py registers."""
    from crawler.publish import hooks

    return [pattern for pattern, _ in hooks.register_routes()]


def routes(path: Path, facts: dict) -> list[tuple[str, str]]:
    """(label, path and query) of every page timed on an archive."""
    from crawler.publish.config import queries

    db = quote(database_name(path))
    known = {"url": facts["article_url"] or "", "at": facts["at"] or "", "q": FRENCH_WORD}
    out = [
        ("home /", "/"),
        ("database page", f"/{db}"),
        (f"/-/search?q={FRENCH_WORD}", "/-/search?" + urlencode({"q": FRENCH_WORD})),
        (f"/-/search?q={ARABIC_WORD}", "/-/search?" + urlencode({"q": ARABIC_WORD})),
        ("articles table (facets)", f"/{db}/articles"),
        (f"articles ?_search={FRENCH_WORD}", f"/{db}/articles?" + urlencode({"_search": FRENCH_WORD})),
        ("/-/charts", "/-/charts"),
        ("/-/article?url=", "/-/article?" + urlencode({"url": known["url"]})),
    ]
    out += [(f"table {t}", f"/{db}/{t}") for t in TABLES]
    for name, query in queries().items():
        params = {p: known.get(p, "") for p in query_parameters(query["sql"])}
        out.append((f"query {name}", f"/{db}/{name}" + ("?" + urlencode(params) if params else "")))
    for name in FEEDS:
        if name in queries():
            params = {p: known.get(p, "") for p in query_parameters(queries()[name]["sql"])}
            out.append((f"feed {name}.atom", f"/{db}/{name}.atom" + ("?" + urlencode(params) if params else "")))
    covered = {p.split("?")[0] for _, p in out} | REDIRECTS
    for pattern in plugin_routes():
        literal = pattern.removeprefix("^").removesuffix("$").replace("\\", "")
        if re.fullmatch(r"[\w/.-]+", literal) and literal not in covered:
            out.append((f"plugin route {literal}", literal))
    return out


# Plugin routes that only redirect (the language switch sets a cookie and goes back): no page to time.
REDIRECTS = {"/-/lang"}


# --- the server ------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`newsarchive serve --db ARCHIVE` on a free port of 127.0.0.1 (as the command line runs it)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.proc: subprocess.Popen | None = None
        self.base = ""
        self.started_in = 0.0

    def start(self) -> Server:
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "crawler.cli", "serve", "--db", str(self.path), "--host", "127.0.0.1",
             "--port", str(port)],
            cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = t0 + START_TIMEOUT
        while True:
            try:
                if httpx.get(self.base + "/-/versions.json", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError(f"newsarchive serve exited {self.proc.returncode}: "
                                   f"{self.proc.stderr.read().decode(errors='replace')[-2000:]}")
            if time.perf_counter() > deadline:
                self.stop()
                raise RuntimeError(f"newsarchive serve did not answer within {START_TIMEOUT:.0f} s")
            time.sleep(0.05)
        self.started_in = time.perf_counter() - t0
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None and self.proc.stderr:
            self.proc.stderr.close()
        self.proc = None

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def timed_get(client: httpx.Client, url: str) -> dict:
    """One GET, timed to its last byte: seconds, status, bytes (status None: no answer)."""
    t0 = time.perf_counter()
    try:
        response = client.get(url)
        body = response.content
        out = {"seconds": time.perf_counter() - t0, "status": response.status_code, "bytes": len(body)}
        if response.status_code >= 400:  # what the page says went wrong, in short
            text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.text[:20_000])).strip()
            out["error"] = text[:300]
        return out
    except httpx.HTTPError as exc:
        return {"seconds": time.perf_counter() - t0, "status": None, "bytes": 0,
                "error": f"{type(exc).__name__}: {exc}"[:200]}


def measure(path: Path, *, repeat: int = 3, cold: bool = True, drop_caches: bool = False,
            timeout: float = 120.0, only: list[str] | None = None, baseline: bool = False,
            log=sys.stderr) -> dict:
    """Time every route on one archive: the timing core. Returns the archive's facts and, per
    route, the cold request (if cold), the warm ones (median) and, with baseline, the first
    request of a restarted server with the archive still in the page cache (what the cold figure
    owes to the server's own start rather than to the disk)."""
    path = Path(path).resolve()
    migrated = migrate(path)
    checkpoint(path)
    facts = archive_facts(path)
    facts["migrated_now"] = migrated
    facts.update(bytes=sum(f.stat().st_size for f in archive_files(path)), path=str(path), name=database_name(path))
    results = []
    table = routes(path, facts)
    if only:
        table = [(label, url) for label, url in table if any(o in label for o in only)]
    server = None if cold else Server(path).start()
    try:
        for label, url in table:
            entry = {"route": label, "path": url}
            if cold and baseline:
                with Server(path) as fresh, httpx.Client(base_url=fresh.base, timeout=timeout) as client:
                    timed_get(client, url)  # the page cache holds what the route reads
                with Server(path) as fresh, httpx.Client(base_url=fresh.base, timeout=timeout) as client:
                    entry["restart"] = timed_get(client, url)
            if cold:
                evicted_by = evict(path, drop_caches=drop_caches)
                entry["resident_bytes_after_evict"] = resident_bytes(path)
                server = Server(path).start()
                entry["server_start_s"] = round(server.started_in, 3)
                entry["evicted_by"] = evicted_by
            try:
                with httpx.Client(base_url=server.base, timeout=timeout) as client:
                    if cold:
                        entry["cold"] = timed_get(client, url)
                    entry["warm_runs"] = [timed_get(client, url) for _ in range(repeat)]
            finally:
                if cold:
                    server.stop()
            warm = entry["warm_runs"]
            entry["warm_s"] = statistics.median(r["seconds"] for r in warm) if warm else None
            entry["cold_s"] = entry["cold"]["seconds"] if cold else None
            entry["restart_s"] = entry["restart"]["seconds"] if "restart" in entry else None
            first = entry["cold"] if cold else (warm[0] if warm else {})
            entry["status"] = first.get("status")
            entry["statuses"] = sorted({r["status"] for r in ([entry["cold"]] if cold else []) + warm},
                                       key=lambda s: (s is None, s))
            entry["bytes"] = first.get("bytes")
            results.append(entry)
            print(f"serve_bench: {facts['name']}: {label}: warm {_s(entry['warm_s'])}"
                  + (f", cold {_s(entry['cold_s'])}" if cold else "")
                  + (f", restart {_s(entry['restart_s'])}" if entry["restart_s"] is not None else "")
                  + f", status {'/'.join(map(str, entry['statuses']))}, {entry['bytes'] or 0:,} bytes",
                  file=log, flush=True)
    finally:
        if server is not None and not cold:
            server.stop()
    return {"archive": facts, "routes": results, "repeat": repeat, "cold": cold}


# --- reporting -------------------------------------------------------------------------------------
def _s(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds:.3f}" if seconds < 10 else f"{seconds:.1f}"


def _size(n: int | None) -> str:
    if n is None:
        return "-"
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.0f} KB" if n >= 1e3 else f"{n} B"


def markdown(runs: list[dict]) -> str:
    """One table: a row per route, for each archive its warm and cold seconds, status and size."""
    heads = [f"{r['archive']['articles']:,} articles" for r in runs]
    restart = any(e.get("restart_s") is not None for r in runs for e in r["routes"])
    columns = "warm s | cold s | " + ("restart s | " if restart else "") + "status | size"
    lines = ["| route | " + " | ".join(f"{h}: {columns}" for h in heads) + " |",
             "|---|" + ("---:|---:|" + ("---:|" if restart else "") + "---|---:|") * len(runs)]
    labels = list(dict.fromkeys(e["route"] for r in runs for e in r["routes"]))
    for label in labels:
        cells = []
        for r in runs:
            e = next((x for x in r["routes"] if x["route"] == label), None)
            if e is None:
                cells += [""] * (5 if restart else 4)
                continue
            status = "/".join(str(s) for s in e["statuses"])
            cells += [_s(e["warm_s"]), _s(e["cold_s"])] + ([_s(e.get("restart_s"))] if restart else []) + [
                status, _size(e["bytes"])]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    notes = []
    for r in runs:
        a = r["archive"]
        starts = [e["server_start_s"] for e in r["routes"] if "server_start_s" in e]
        resident = [e["resident_bytes_after_evict"] for e in r["routes"]
                    if e.get("resident_bytes_after_evict") is not None]
        notes.append(
            f"- {a['name']} ({a['path']}): {a['articles']:,} articles, {a['headlines']:,} headlines, "
            f"{a['sightings']:,} sightings, {a['crawls']:,} crawls, {_size(a['bytes'])}"
            + (f"; server start {min(starts):.1f}-{max(starts):.1f} s" if starts else "")
            + (f"; after eviction at most {_size(max(resident))} of it in the page cache" if resident else ""))
    return "\n".join(lines) + "\n\n" + "\n".join(notes) + "\n"


def code_state() -> dict:
    """The commit measured, and the files of crawler/ that differ from it (others' work in progress)."""
    def git(*args):
        out = subprocess.run(["git", *args], cwd=PROJECT, capture_output=True, text=True)
        return out.stdout.strip() if out.returncode == 0 else None

    changed = git("status", "--porcelain", "--", "crawler")
    return {"commit": git("rev-parse", "HEAD"), "crawler_changes": changed.splitlines() if changed else []}


def machine() -> dict:
    return {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
            "sqlite": sqlite3.sqlite_version, "load_average": os.getloadavg(),
            "when": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.serve_bench", description=__doc__.split("\n\n")[0])
    p.add_argument("archives", nargs="+", type=Path, help="archive files (each served on its own)")
    p.add_argument("--repeat", type=int, default=3, help="warm requests per route (their median; default 3)")
    p.add_argument("--out", type=Path, default=PROJECT / "bench" / "out", help="folder for serve_bench.json and .md")
    p.add_argument("--no-cold", action="store_true", help="warm figures only (one server per archive)")
    p.add_argument("--drop-caches", action="store_true",
                   help="evict with /proc/sys/vm/drop_caches (the whole machine) instead of posix_fadvise")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds a request may take (default 120)")
    p.add_argument("--baseline", action="store_true",
                   help="also time each route's first request on a restarted server without eviction")
    p.add_argument("--only", action="append", help="only routes whose label contains this (repeatable)")
    args = p.parse_args(argv)
    for path in args.archives:
        if not path.is_file():
            raise SystemExit(f"serve_bench: no archive at {path}")
    code = code_state()
    if code["crawler_changes"]:
        print(f"serve_bench: warning: crawler/ differs from {code['commit'][:10]}: "
              + ", ".join(code["crawler_changes"]), file=sys.stderr)
    runs = []
    for path in args.archives:
        runs.append(measure(path, repeat=args.repeat, cold=not args.no_cold, drop_caches=args.drop_caches,
                            timeout=args.timeout, only=args.only, baseline=args.baseline))
    table = markdown(runs)
    print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "serve_bench.md").write_text(table, encoding="utf-8")
    (args.out / "serve_bench.json").write_text(json.dumps({"machine": machine(), "code": code, "runs": runs}, indent=1,
                                                          ensure_ascii=False), encoding="utf-8")
    print(f"serve_bench: wrote {args.out / 'serve_bench.md'} and {args.out / 'serve_bench.json'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
