#!/usr/bin/env python
"""Re-parse benchmark (not a timed test): `newsarchive reparse` over a crawl's WARC captures.

Usage: .venv/bin/python bench/reparse_bench.py [--pages 2000] [--out bench/out] [--keep]
       [--repeat 1] [--timeout 600] [--set NAME=VALUE ...]

1. Generates the crawl benchmark's Maghress-style site (bench/sitegen.py), serves it on
   127.0.0.1 (bench/serve_site.py) and runs one real crawl into a fresh archive:
   `newsarchive crawl --live --seeds SEEDS --db <tmp>/crawl/archive.db ...` (same settings as
   crawl_bench.py's run (b)), which keeps every response in <tmp>/crawl/archive-warc/.
   Then stops the server: re-parsing reads the WARC files only.
2. Runs, each in its own process (psutil polling for peak RSS):
   (r0) `newsarchive reparse --url <matches nothing>`: process start, imports, archive open;
   (r1) `newsarchive reparse --db <archive>` over the archive as it is (idempotent pass);
   (r2) the rebuild: a copy of the archive with articles, article_versions, headlines and
        headline_sightings emptied, then `newsarchive reparse --db <copy>`.
3. Checks that r1 changes no row and that r2 gives back the crawl's row counts, prints a
   Markdown table (captures/s, pages/s, peak MB, against the crawl's own pages/s) and writes
   <out>/reparse_results.json. Exit status 0 whatever the speed; 1 only if the crawl or a
   re-parse run fails (exit status, time-out, no summary line, or rows not as expected).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench import crawl_bench  # the crawl benchmark: its site, server and child-process helpers
from bench import sitegen
from bench.crawl_bench import (
    check_page, log, newsarchive_command, run_child, run_newsarchive, start_server, stop,
    summarize, tail,
)

EXTRACTED = ("articles", "article_versions", "headlines", "headline_sightings")
NO_MATCH = "http://no-such-host.invalid/*"  # r0's --url: selects no capture
SUMMARY = re.compile(
    r"^reparse: (?P<captures>\d+) captures, (?P<pages>\d+) pages parsed, (?P<articles>\d+) articles written "
    r"\((?P<versions>\d+) new versions\), (?P<headlines>\d+) new headlines, (?P<sightings>\d+) sightings written; "
    r"skipped: (?P<skipped>.*) -> "
)
# Rows compared between the crawl's archive and the rebuild: every column but the tables' own
# integer ids (a sighting names its headline by key).
FINGERPRINT_SQL = {
    "articles": "SELECT * FROM articles ORDER BY url",
    "article_versions": "SELECT url, version, title, publisher, published, language, body, original_url, image_url,"
                        " content_hash, first_seen, last_seen, capture, parser_version"
                        " FROM article_versions ORDER BY url, version",
    "headlines": "SELECT text, key, url, first_seen, last_seen, capture, parser_version FROM headlines ORDER BY key",
    "headline_sightings": "SELECT h.key, s.crawl, s.position, s.page_url, s.seen_at, s.capture, s.parser_version"
                          " FROM headline_sightings s JOIN headlines h ON h.id = s.headline ORDER BY h.key, s.crawl",
}


# --- the archive ----------------------------------------------------------------------------------
def archive_state(db: Path) -> dict:
    """Row counts (extracted tables, captures, crawls) and a digest of each extracted table's rows."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in (*EXTRACTED, "captures", "crawls")}
        digests = {}
        for table, sql in FINGERPRINT_SQL.items():
            h = hashlib.sha256()
            try:
                for row in conn.execute(sql):
                    h.update(repr(row).encode("utf-8"))
                digests[table] = h.hexdigest()[:16]
            except sqlite3.Error as exc:  # a column this script expects is not there: counts only
                digests[table] = f"n/a ({exc})"
        return {"counts": counts, "digests": digests}
    finally:
        conn.close()


def empty_copy(db: Path, copy: Path) -> float:
    """Copy the archive (SQLite backup API: safe in WAL mode) and empty its extracted tables.

    The copy stays in the archive's folder, because the captures table names WARC files relative
    to it (archive-warc/...): the copy reads the original's WARC files, nothing is duplicated.
    Returns the seconds it took (not part of any timing).
    """
    t0 = time.perf_counter()
    src = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    dst = sqlite3.connect(copy)
    try:
        src.backup(dst)
        with dst:
            dst.executescript(
                "DELETE FROM headline_sightings; DELETE FROM headlines; "
                "DELETE FROM article_versions; DELETE FROM articles;"
            )
    finally:
        src.close()
        dst.close()
    return time.perf_counter() - t0


def counts_text(counts: dict, tables) -> str:
    return ", ".join(f"{t} {counts[t]}" for t in tables)


def du(path: Path) -> float:
    """Megabytes of a file or a folder's files."""
    if path.is_file():
        return path.stat().st_size / 2**20
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20 if path.exists() else 0.0


# --- the re-parse runs ----------------------------------------------------------------------------
def run_reparse(work: Path, db: Path, tag: str, label: str, timeout: float, extra: list[str] = ()) -> dict:
    cmd = newsarchive_command() + ["reparse", "--db", str(db), *extra]
    out, err = work / f"{tag}.stdout", work / f"{tag}.stderr"
    proc = run_child(cmd, cwd=work, stdout=out, stderr=err, timeout=timeout)
    lines = err.read_text(encoding="utf-8", errors="replace").splitlines()
    found = next((m for m in map(SUMMARY.match, reversed(lines)) if m), None)
    counters = {k: (v if k == "skipped" else int(v)) for k, v in found.groupdict().items()} if found else {}
    wall = proc["wall_seconds"]
    result = {
        "run": label, "tag": tag, "command": " ".join(cmd), **proc, "counters": counters,
        "summary_line": found.group(0) if found else None,
        "captures": counters.get("captures", 0), "pages": counters.get("pages", 0),
        "captures_per_second": counters.get("captures", 0) / wall if wall else 0.0,
        "pages_per_second": counters.get("pages", 0) / wall if wall else 0.0,
        "stderr_tail": tail(err),
    }
    result["ok"] = proc["returncode"] == 0 and not proc["timed_out"] and found is not None
    return result


def net(result: dict, startup: float | None) -> None:
    """Seconds and pages/s less r0's wall time (process start, imports, archive open)."""
    if startup is None or result["wall_seconds"] <= startup:
        result["net_seconds"] = result["net_pages_per_second"] = None
        return
    result["net_seconds"] = result["wall_seconds"] - startup
    result["net_pages_per_second"] = result["pages"] / result["net_seconds"]


# --- report ---------------------------------------------------------------------------------------
def _f(value, fmt: str) -> str:
    return "—" if value is None else format(value, fmt)


def table(crawl: dict, runs: list[dict], numbered: bool = False) -> str:
    lines = [
        "| run | captures | pages | wall s | captures/s | pages/s | net s | net pages/s | peak MB | CPU s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    w = crawl["wall_seconds"]
    lines.append(
        f"| (c) crawl | {crawl['captures']} | {crawl['responses']} | {w:.2f} | {_f(crawl['captures'] / w, '.1f')} | "
        f"{crawl['pages_per_wall_second']:.1f} | {crawl['crawl_seconds']:.2f} | {crawl['pages_per_second']:.1f} | "
        f"{crawl['peak_rss_mb']:.0f} | {crawl['cpu_seconds']:.1f} |"
    )
    for r in runs:
        name = f"{r['run']} #{r['repeat']}" if numbered and "repeat" in r else r["run"]
        lines.append(
            f"| {name} | {r['captures']} | {r['pages']} | {r['wall_seconds']:.2f} | "
            f"{r['captures_per_second']:.1f} | {r['pages_per_second']:.1f} | {_f(r.get('net_seconds'), '.2f')} | "
            f"{_f(r.get('net_pages_per_second'), '.1f')} | {r['peak_rss_mb']:.0f} | {r['cpu_seconds']:.1f} |"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000, help="article pages to generate and crawl [2000]")
    parser.add_argument("--out", type=Path, default=crawl_bench.BENCH / "out", help="folder for reparse_results.json [bench/out]")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (site, archives, WARC, logs)")
    parser.add_argument("--repeat", type=int, default=1, help="run r1 and r2 this many times, alternately [1]")
    parser.add_argument("--processes", type=lambda v: [int(x) for x in v.split(",")], default=[1, (os.cpu_count() or 1) + 1],
                        help="reparse --processes values to run side by side, comma-separated [1,<CPUs + 1>]")
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="seconds before a crawl or re-parse is killed [600]")
    parser.add_argument("--seed", type=int, default=20250822, help="random seed of the generated site")
    parser.add_argument("--page-kb", type=int, default=80, help="size of each page in KB [80]")
    parser.add_argument("--ticker", type=int, default=50, help="headlines in each page's ticker [50]")
    parser.add_argument("--pool", type=int, default=300, help="distinct ticker headlines in the site [300]")
    parser.add_argument("-s", "--set", dest="settings", action="append", default=[], metavar="NAME=VALUE",
                        help="one more Scrapy setting for the crawl")
    args = parser.parse_args(argv)
    crawl_bench.check_args(parser, args)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = crawl_bench.start_run(args)
    work = Path(tempfile.mkdtemp(prefix="newsarchive-reparse-bench-"))
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    server = None
    failures: list[str] = []
    runs: list[dict] = []
    try:
        # 1. The site, the server, one real crawl.
        log(f"Generating {args.pages} pages into {work / 'site'} ...")
        t0 = time.perf_counter()
        paths = sitegen.generate_site(work / "site", args.pages, seed=args.seed, ticker_size=args.ticker,
                                      pool_size=args.pool, page_kb=args.page_kb)
        site = {"pages": len(paths), "seed": args.seed, "ticker_headlines": args.ticker, "headline_pool": args.pool,
                "page_kb": args.page_kb, "total_mb": du(work / "site"), "generate_seconds": time.perf_counter() - t0}
        log(f"  {site['pages']} pages, {site['total_mb']:.0f} MB, {site['generate_seconds']:.1f} s")
        server, port = start_server(work / "site", args.timeout + 300)
        log(f"Serving it at http://127.0.0.1:{port}/ (pid {server.pid})")
        page_check = check_page(port, paths[0])
        log(f"  page check: {page_check}")
        seeds = work / "seeds.txt"
        seeds.write_text("".join(f"http://127.0.0.1:{port}{p}\n" for p in paths), encoding="utf-8")

        log("Crawl (c) into a fresh archive ...")
        crawl = summarize(run_newsarchive(work, seeds, settings, args.timeout, "crawl"))
        crawl["run"] = "(c) newsarchive crawl"
        stop(server)  # re-parsing must not need it
        server = None
        db = work / "crawl" / "archive.db"
        crawl["command"] = " ".join(newsarchive_command() + crawl_bench.crawl_args(seeds, db, settings))
        log(f"  {crawl['responses']} pages in {crawl['crawl_seconds']:.2f} s = {crawl['pages_per_second']:.1f} pages/s "
            f"(wall {crawl['wall_seconds']:.2f} s), peak {crawl['peak_rss_mb']:.0f} MB, "
            f"finish reason {crawl['finish_reason']}")
        if not db.exists() or crawl["returncode"] != 0 or crawl["finish_reason"] != "finished":
            failures.append(f"crawl: exit status {crawl['returncode']}, finish reason {crawl['finish_reason']}")
            log(f"  FAILED; stderr:\n{crawl['stderr_tail']}")
            raise _Abort
        after_crawl = archive_state(db)
        crawl["captures"] = after_crawl["counts"]["captures"]
        archive_sizes = {"db_mb": du(db), "warc_mb": du(work / "crawl" / "archive-warc"),
                         "warc_files": len(list((work / "crawl" / "archive-warc").glob("*")))}
        log(f"  archive: {after_crawl['counts']}; {archive_sizes['db_mb']:.0f} MB SQLite, "
            f"{archive_sizes['warc_mb']:.0f} MB WARC in {archive_sizes['warc_files']} file(s)")
        if after_crawl["counts"]["articles"] < len(paths):
            log(f"  WARNING: only {after_crawl['counts']['articles']} of {len(paths)} articles archived")

        # 2. The copies for r2, emptied before any re-parse touches the archive.
        copies = {}
        for i in range(1, args.repeat + 1):
            for procs in args.processes:
                copy = work / "crawl" / f"rebuild-{i}-p{procs}.db"
                seconds = empty_copy(db, copy)
                copies[i, procs] = copy
                log(f"  copy {copy.name}: extracted tables emptied in {seconds:.2f} s")

        # 3. The re-parse runs: r0 once, then r1 and r2 alternately.
        log("Run (r0): reparse selecting no capture (process start) ...")
        r0 = run_reparse(work, db, "r0", "(r0) startup, no capture", args.timeout, ["--url", NO_MATCH])
        runs.append(r0)
        startup = r0["wall_seconds"] if r0["ok"] else None
        log(f"  {r0['wall_seconds']:.2f} s wall, peak {r0['peak_rss_mb']:.0f} MB: {r0['summary_line']}")
        if not r0["ok"]:
            failures.append(f"r0: exit status {r0['returncode']}")
            log(f"  FAILED; stderr:\n{r0['stderr_tail']}")
        runs_to_make = [(i, kind, procs) for i in range(1, args.repeat + 1) for procs in args.processes
                        for kind in ("r1", "r2")]
        for i, kind, procs in runs_to_make:
            target = db if kind == "r1" else copies[i, procs]
            label = ("(r1) reparse, archive as is" if kind == "r1" else "(r2) rebuild, tables emptied") + \
                f", --processes {procs}"
            log(f"Run {label} #{i} ...")
            r = run_reparse(work, target, f"{kind}-{i}-p{procs}", label, args.timeout,
                            ["--processes", str(procs)])
            r["processes"] = procs
            r["repeat"] = i
            net(r, startup)
            runs.append(r)
            log(f"  {r['pages']} pages in {r['wall_seconds']:.2f} s wall = {r['pages_per_second']:.1f} pages/s, "
                f"peak {r['peak_rss_mb']:.0f} MB, exit status {r['returncode']}")
            log(f"  {r['summary_line']}")
            if not r["ok"]:
                failures.append(f"{kind}#{i}: exit status {r['returncode']}"
                                f"{', timed out' if r['timed_out'] else ''}"
                                f"{'' if r['summary_line'] else ', no summary line'}")
                log(f"  FAILED: {' '.join(r['command'].split()[1:])}\n{r['stderr_tail']}")
                continue
            state = archive_state(target)
            r["archive"] = state
            expected = after_crawl  # r1: nothing changes; r2: the crawl's rows come back
            r["counts_match"] = all(state["counts"][t] == expected["counts"][t] for t in EXTRACTED)
            r["rows_identical"] = {t: state["digests"][t] == expected["digests"][t] for t in EXTRACTED}
            if not r["counts_match"]:
                diff = {t: (expected["counts"][t], state["counts"][t]) for t in EXTRACTED
                        if state["counts"][t] != expected["counts"][t]}
                failures.append(f"{kind}#{i}: row counts (crawl, after) differ: {diff}")
                log(f"  ROW COUNTS DIFFER from the crawl's (crawl, after): {diff}")
            else:
                log("  row counts as after the crawl: " + counts_text(state["counts"], EXTRACTED))
            different = [t for t, same in r["rows_identical"].items() if not same]
            if different:
                log(f"  note: rows not identical to the crawl's in {', '.join(different)}")
    except _Abort:
        pass
    except (KeyboardInterrupt, SystemExit):
        log("Interrupted: stopping what the benchmark started.")
        raise
    finally:
        if server is not None:
            stop(server)
        for proc in list(crawl_bench._children):
            stop(proc)
        if args.keep:
            log(f"Kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    if failures and not runs:
        log("The crawl failed: nothing to re-parse. " + "; ".join(failures))
        return 1

    # 4. The report.
    timed = [r for r in runs if r["run"].startswith(("(r1)", "(r2)")) and r["ok"]]
    rate = {f"{kind} --processes {procs}": statistics.median(
                r["pages_per_second"] for r in timed if r["tag"].startswith(kind) and r["processes"] == procs)
            for kind in ("r1", "r2") for procs in args.processes
            if any(r["tag"].startswith(kind) and r["processes"] == procs for r in timed)}
    print()
    print(table(crawl, runs, numbered=args.repeat > 1))
    print("\ncaptures: capture rows read (robots.txt included); pages: pages parsed (for (c): responses received); "
          "wall s: the whole process; captures/s, pages/s: over wall s; net s: (c) Scrapy's elapsed_time_seconds, "
          "(r1)/(r2) wall s less (r0)'s; peak MB: RSS of the process (psutil polling, ru_maxrss).")
    print()
    medians = " medians of " + str(args.repeat) if args.repeat > 1 else ""
    for kind, value in rate.items():
        print(f"{kind}: {value:.1f} pages/s{medians} = {value / crawl['pages_per_second']:.1f}x the crawl's own "
              f"{crawl['pages_per_second']:.1f} pages/s ({value / crawl['pages_per_wall_second']:.1f}x its "
              f"{crawl['pages_per_wall_second']:.1f} pages/wall s)")
    print(f"Crawl archive: {counts_text(after_crawl['counts'], (*EXTRACTED, 'captures'))}; "
          f"{archive_sizes['db_mb']:.0f} MB SQLite + {archive_sizes['warc_mb']:.0f} MB WARC.")
    for r in runs:
        if "counts_match" in r:
            different = [t for t, same in r["rows_identical"].items() if not same]
            print(f"{r['tag']}: row counts {'same as the crawl' if r['counts_match'] else 'DIFFER'}; rows identical "
                  f"in {len(EXTRACTED) - len(different)}/{len(EXTRACTED)} tables"
                  + (f" (not: {', '.join(different)})" if different else ""))
    if failures:
        print("FAILED: " + "; ".join(failures))

    for r in runs:
        r.pop("stderr_tail", None)
    crawl.pop("stderr_tail", None)
    results = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "scrapy": crawl_bench._version("scrapy")},
        "settings": settings,
        "site": site,
        "page_check": page_check,
        "crawl": crawl,
        "archive_after_crawl": {**after_crawl, **archive_sizes},
        "runs": runs,
        "pages_per_second": rate,
        "crawl_pages_per_second": crawl["pages_per_second"],
        "failures": failures,
    }
    (out / "reparse_results.json").write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nWrote {out / 'reparse_results.json'}")
    return 1 if failures else 0


class _Abort(Exception):
    """The crawl failed: skip to the clean-up."""


if __name__ == "__main__":
    sys.exit(main())
