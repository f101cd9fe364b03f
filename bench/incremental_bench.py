#!/usr/bin/env python
"""Incremental crawl benchmark (not a timed test): first crawl, second crawl, re-check, --full.

Usage: .venv/bin/python bench/incremental_bench.py [--pages 1000] [--out bench/out] [--keep]
       [--timeout 600] [--set NAME=VALUE ...]

1. Generates the crawl benchmark's Maghress-style site (bench/sitegen.py), serves it on
   127.0.0.1 (bench/serve_site.py: twisted.web's static File, which answers If-Modified-Since
   with 304 from the file's mtime) and writes a seeds file of every page URL.
2. Runs five crawls into ONE archive, each in its own process, with the settings of
   crawl_bench.py's run (b):
   (1) first crawl: everything is new;
   (2) second crawl at once, the site unchanged: incremental, nothing is due;
   (3) re-check: every article's next_due set in the past with sqlite3
       (UPDATE urls SET next_due='2000-01-01T00:00:00Z' WHERE kind='article', as if an hour
       had passed), then a crawl: conditional requests, 304 expected;
   (4) `--full`: every known URL requested again (with the stored validators, as the crawl sends
       them);
   (5) `--full` again after clearing the stored ETag / Last-Modified with sqlite3
       (UPDATE urls SET etag=NULL, last_modified=NULL WHERE kind='article'): every page comes
       back whole and is parsed again, the cost of a re-fetch without conditional requests.
3. Prints a Markdown table (wall s, the crawl's own elapsed_time_seconds, responses, pages
   fetched and 304 from the crawls row, peak RSS) with the ratios of each run to (1),
   and writes <out>/incremental_results.json. Exit status 0 whatever the speed; 1 only if a
   run fails (exit status, time-out, finish reason not "finished", no crawls row).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from bench import crawl_bench  # the crawl benchmark: its site, server and child-process helpers
from bench import sitegen
from bench.crawl_bench import (
    check_page, log, newsarchive_command, run_child, server_cpu, setting_args, start_server, stop,
    tail,
)

RECHECK_SQL = "UPDATE urls SET next_due='2000-01-01T00:00:00Z' WHERE kind='article'"
FORGET_SQL = "UPDATE urls SET etag=NULL, last_modified=NULL WHERE kind='article'"
CRAWL_COLUMNS = ("id", "started", "finished", "trigger", "pages_fetched", "not_modified", "failed", "skipped",
                 "new_articles", "new_versions", "new_headlines", "sightings")
COUNTED = ("articles", "article_versions", "headlines", "headline_sightings", "captures", "urls", "crawls")
# (tag, label, extra crawl options, SQL run on the archive first, not timed)
RUNS = (
    ("1", "(1) first crawl", [], None),
    ("2", "(2) second crawl, unchanged", [], None),
    ("3", "(3) re-check, all due", [], RECHECK_SQL),
    ("4", "(4) --full", ["--full"], None),
    # --full sends the stored validators too: (5) forgets them first, so every page comes back
    # whole (200) and is parsed again: what re-fetching everything costs without conditional requests.
    ("5", "(5) --full, validators cleared", ["--full"], FORGET_SQL),
)


# --- the archive ----------------------------------------------------------------------------------
def read_state(db: Path) -> dict:
    """The last crawls row (its columns and stats), row counts, and the urls table by kind/status/due."""
    if not db.exists():
        return {}
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        row = conn.execute("SELECT * FROM crawls ORDER BY id DESC LIMIT 1").fetchone()
        crawl = {k: row[k] for k in CRAWL_COLUMNS if row is not None and k in row.keys()}
        stats = json.loads(row["stats"]) if row is not None and row["stats"] else {}
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in COUNTED}
        urls = {f"{r['kind']}/{r['status']}": r["n"] for r in
                conn.execute("SELECT kind, status, count(*) AS n FROM urls GROUP BY kind, status")}
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        due = conn.execute("SELECT sum(next_due IS NOT NULL AND next_due <= ?), min(next_due) FROM urls",
                           (now,)).fetchone()
    except sqlite3.Error as exc:
        log(f"  cannot read the archive {db}: {exc}")
        return {}
    finally:
        conn.close()
    for key in ("failed", "skipped"):  # JSON objects of counts by reason
        try:
            crawl[key] = json.loads(crawl[key]) if crawl.get(key) else {}
        except (TypeError, ValueError):
            pass
    return {"crawl": crawl, "stats": stats, "counts": counts, "urls": urls,
            "due_now": due[0] or 0, "earliest_next_due": due[1]}


def prepare(db: Path, sql: str) -> int:
    """RECHECK_SQL (every article due, as if an hour had passed) or FORGET_SQL; rows changed."""
    conn = sqlite3.connect(db)
    try:
        with conn:
            changed = conn.execute(sql).rowcount
    finally:
        conn.close()
    return changed


def du(path: Path) -> float:
    """Megabytes of a file or a folder's files."""
    if path.is_file():
        return path.stat().st_size / 2**20
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20 if path.exists() else 0.0


# --- one run --------------------------------------------------------------------------------------
def run_crawl(work: Path, seeds: Path, db: Path, settings: dict, extra: list[str], tag: str, label: str,
              timeout: float, server) -> dict:
    cmd = newsarchive_command() + ["crawl", "--live", *extra, "--seeds", str(seeds), "--db", str(db),
                                   "-s", "NEWSARCHIVE_ALLOW_PRIVATE=127.0.0.1", *setting_args(settings)]
    crawls_before = (read_state(db).get("counts") or {}).get("crawls", 0)
    out, err = work / f"run{tag}.stdout", work / f"run{tag}.stderr"
    cpu0 = server_cpu(server)
    proc = run_child(cmd, cwd=work, stdout=out, stderr=err, timeout=timeout)
    server_seconds = server_cpu(server) - cpu0
    state = read_state(db)
    stats = state.get("stats") or {}
    crawl = state.get("crawl") or {}
    responses = int(stats.get("response_received_count") or 0)
    elapsed = float(stats.get("elapsed_time_seconds") or 0.0)
    wall = proc["wall_seconds"]
    summary = [line for line in tail(err, 20).splitlines() if line.startswith("crawl ")]
    result = {
        "run": label, "tag": tag, "command": " ".join(cmd), **proc,
        "crawl_seconds": elapsed,
        "responses": responses,
        "robots_responses": int(stats.get("robotstxt/response_count") or 0),
        "status_304": int(stats.get("downloader/response_status_count/304") or 0),
        "status_200": int(stats.get("downloader/response_status_count/200") or 0),
        "pages_fetched": crawl.get("pages_fetched"),
        "not_modified": crawl.get("not_modified"),
        "new_articles": crawl.get("new_articles"),
        "new_versions": crawl.get("new_versions"),
        "failed": crawl.get("failed"),
        "skipped": crawl.get("skipped"),
        "pages_per_second": responses / elapsed if elapsed else None,
        "pages_per_wall_second": responses / wall if wall else None,
        "response_megabytes": (stats.get("downloader/response_bytes") or 0) / 2**20,
        "finish_reason": stats.get("finish_reason"),
        "server_cpu_seconds": server_seconds,
        "crawl_row": crawl,
        "archive": {k: v for k, v in state.items() if k not in ("stats", "crawl")},
        "stats": stats,
        "summary_line": summary[-1] if summary else None,
        "stderr_tail": tail(err),
    }
    problems = []
    if proc["timed_out"]:
        problems.append("timed out")
    if proc["returncode"] != 0:
        problems.append(f"exit status {proc['returncode']}")
    if (state.get("counts") or {}).get("crawls", 0) <= crawls_before:
        problems.append("no new crawls row")
    elif result["finish_reason"] != "finished":
        problems.append(f"finish reason {result['finish_reason']}")
    result["problems"] = problems
    result["ok"] = not problems
    return result


# --- report ---------------------------------------------------------------------------------------
def _f(value, fmt: str) -> str:
    return "—" if value is None else format(value, fmt)


def table(runs: list[dict]) -> str:
    lines = [
        "| run | wall s | crawl s | responses | pages/s | pages/wall s | fetched | 304 | new articles "
        "| wall / (1) | crawl s / (1) | peak MB | CPU s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in runs:
        lines.append(
            f"| {r['run']} | {r['wall_seconds']:.2f} | {r['crawl_seconds']:.2f} | {r['responses']} | "
            f"{_f(r['pages_per_second'] if r['responses'] else None, '.1f')} | "
            f"{_f(r['pages_per_wall_second'] if r['responses'] else None, '.1f')} | "
            f"{_f(r['pages_fetched'], 'd')} | {_f(r['not_modified'], 'd')} | {_f(r['new_articles'], 'd')} | "
            f"{_f(r.get('wall_ratio'), '.2f')} | {_f(r.get('crawl_ratio'), '.3f')} | "
            f"{r['peak_rss_mb']:.0f} | {r['cpu_seconds']:.1f} |"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000, help="article pages to generate and crawl [1000]")
    parser.add_argument("--out", type=Path, default=crawl_bench.BENCH / "out",
                        help="folder for incremental_results.json [bench/out]")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (site, archive, WARC, logs)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds before a crawl is killed [600]")
    parser.add_argument("--seed", type=int, default=20250822, help="random seed of the generated site")
    parser.add_argument("--page-kb", type=int, default=80, help="size of each page in KB [80]")
    parser.add_argument("--ticker", type=int, default=50, help="headlines in each page's ticker [50]")
    parser.add_argument("--pool", type=int, default=300, help="distinct ticker headlines in the site [300]")
    parser.add_argument("-s", "--set", dest="settings", action="append", default=[], metavar="NAME=VALUE",
                        help="one more Scrapy setting for every crawl")
    args = parser.parse_args(argv)
    crawl_bench.check_args(parser, args)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = crawl_bench.start_run(args)
    work = Path(tempfile.mkdtemp(prefix="newsarchive-incremental-bench-"))
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    server = None
    runs: list[dict] = []
    failures: list[str] = []
    prepared = {}
    try:
        # 1. The site, the server, the seeds.
        log(f"Generating {args.pages} pages into {work / 'site'} ...")
        t0 = time.perf_counter()
        paths = sitegen.generate_site(work / "site", args.pages, seed=args.seed, ticker_size=args.ticker,
                                      pool_size=args.pool, page_kb=args.page_kb)
        site = {"pages": len(paths), "seed": args.seed, "ticker_headlines": args.ticker, "headline_pool": args.pool,
                "page_kb": args.page_kb, "total_mb": du(work / "site"), "generate_seconds": time.perf_counter() - t0}
        log(f"  {site['pages']} pages, {site['total_mb']:.0f} MB, {site['generate_seconds']:.1f} s")
        server, port = start_server(work / "site", len(RUNS) * args.timeout + 300)
        log(f"Serving it at http://127.0.0.1:{port}/ (twisted.web static File, pid {server.pid})")
        page_check = check_page(port, paths[0])
        log(f"  page check: {page_check}")
        seeds = work / "seeds.txt"
        seeds.write_text("".join(f"http://127.0.0.1:{port}{p}\n" for p in paths), encoding="utf-8")
        db = work / "archive" / "archive.db"
        db.parent.mkdir()

        # 2. The runs, into one archive.
        for tag, label, extra, sql in RUNS:
            if sql:
                t0 = time.perf_counter()
                changed = prepare(db, sql)
                prepared[tag] = {"sql": sql, "rows": changed, "seconds": time.perf_counter() - t0}
                log(f"  {sql}: {changed} rows ({prepared[tag]['seconds']:.2f} s, not timed)")
            log(f"Run {label} ...")
            r = run_crawl(work, seeds, db, settings, extra, tag, label, args.timeout, server)
            runs.append(r)
            log(f"  wall {r['wall_seconds']:.2f} s, crawl {r['crawl_seconds']:.2f} s, {r['responses']} responses "
                f"({r['status_200']} x 200, {r['status_304']} x 304), crawls row: {r['pages_fetched']} fetched, "
                f"{r['not_modified']} not modified, {r['new_articles']} new articles; peak {r['peak_rss_mb']:.0f} MB, "
                f"finish reason {r['finish_reason']}")
            if r["summary_line"]:
                log(f"  {r['summary_line']}")
            counts = (r["archive"].get("counts") or {})
            log(f"  archive: {counts}; due now {r['archive'].get('due_now')}, "
                f"earliest next_due {r['archive'].get('earliest_next_due')}")
            if not r["ok"]:
                failures.append(f"run {label}: {', '.join(r['problems'])}")
                log(f"  FAILED ({', '.join(r['problems'])}): {r['command']}\n{r['stderr_tail']}")
                if tag == "1":
                    break  # nothing to compare the other runs with
        archive_sizes = {"db_mb": du(db), "warc_mb": du(db.parent / "archive-warc")}
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

    # 3. The report.
    first = runs[0] if runs else None
    for r in runs:
        r["wall_ratio"] = r["wall_seconds"] / first["wall_seconds"] if first and first["wall_seconds"] else None
        r["crawl_ratio"] = r["crawl_seconds"] / first["crawl_seconds"] if first and first["crawl_seconds"] else None
    n = len(paths)
    expected = {"1": (n, 0), "2": (0, 0), "3": (n, n), "5": (n, 0)}  # (fetched, 304) of the crawls row
    notes = []
    for r in runs:
        if r["tag"] in expected and r["ok"]:
            fetched, not_modified = expected[r["tag"]]
            if (r["pages_fetched"], r["not_modified"]) != (fetched, not_modified):
                notes.append(f"{r['run']}: {r['pages_fetched']} fetched, {r['not_modified']} not modified "
                             f"(expected {fetched} and {not_modified})")
    print()
    print(table(runs))
    print("\nwall s: the whole process, start to exit; crawl s: the crawl's own elapsed_time_seconds (Scrapy stats "
          "in the crawls table, spider opened to closed); responses: response_received_count (robots.txt "
          "included); pages/s: responses / crawl s; fetched, 304, new articles: the crawls row (pages_fetched, "
          "not_modified, new_articles; a 304 counts as fetched); wall / (1), crawl s / (1): ratio to the first "
          "crawl; peak MB: RSS of the crawl process.")
    by_tag = {r["tag"]: r for r in runs}
    if first and "2" in by_tag:
        second = by_tag["2"]
        print(f"\nSecond, incremental crawl of the unchanged {len(paths)}-page site: {second['wall_seconds']:.2f} s "
              f"against {first['wall_seconds']:.2f} s for the first ({100 * second['wall_ratio']:.1f}% of its time, "
              f"{first['wall_seconds'] / second['wall_seconds']:.1f} times faster), wall clock; the crawl's own "
              f"time (elapsed_time_seconds) {second['crawl_seconds']:.2f} s against {first['crawl_seconds']:.2f} s, "
              f"so {second['wall_seconds'] - second['crawl_seconds']:.2f} s of the second run is process start, "
              f"archive open and shutdown.")
    if first and "3" in by_tag:
        r3 = by_tag["3"]
        print(f"Re-check with every article due: {r3['wall_seconds']:.2f} s wall ({100 * r3['wall_ratio']:.0f}% of "
              f"the first), {r3['pages_fetched']} fetched of which {r3['not_modified']} not modified (304).")
    for tag in ("4", "5"):
        if first and tag in by_tag:
            r = by_tag[tag]
            print(f"{r['run']}: {r['wall_seconds']:.2f} s wall ({100 * r['wall_ratio']:.0f}% of the first), "
                  f"{r['pages_fetched']} fetched of which {r['not_modified']} not modified (304), "
                  f"{r['status_200']} x 200.")
    for note in notes:
        print(f"note: {note}")
    if failures:
        print("FAILED: " + "; ".join(failures))

    for r in runs:
        r.pop("stderr_tail", None)
    results = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "scrapy": crawl_bench._version("scrapy"), "twisted": crawl_bench._version("twisted"),
                    "load_average": os.getloadavg()},
        "settings": settings,
        "site": site,
        "page_check": page_check,
        "prepared": prepared,
        "runs": runs,
        "second_over_first_wall": by_tag["2"]["wall_ratio"] if first and "2" in by_tag else None,
        "second_over_first_crawl": by_tag["2"]["crawl_ratio"] if first and "2" in by_tag else None,
        "archive_sizes": archive_sizes if runs else None,
        "notes": notes,
        "failures": failures,
    }
    (out / "incremental_results.json").write_text(json.dumps(results, indent=2, default=str) + "\n",
                                                  encoding="utf-8")
    print(f"\nWrote {out / 'incremental_results.json'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
