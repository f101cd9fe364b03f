#!/usr/bin/env python
"""Crawl benchmark (not a timed test): newsarchive's crawl against a bare Scrapy spider.

Usage: .venv/bin/python bench/crawl_bench.py [--pages 2000] [--out bench/out] [--keep]
       [--repeat 1] [--profile] [--set NAME=VALUE ...]

1. Generates a Maghress-style site (bench/sitegen.py): --pages article pages of about 80 KB,
   each with a 50-headline ticker, at /fr/<paper-slug>/<id>, and a robots.txt allowing all.
2. Serves it on 127.0.0.1 (bench/serve_site.py, twisted.web's static File, own process) and
   checks that the server alone is well above the crawl rates measured.
3. Writes a seeds file of every page URL, then runs, each in its own process:
   (a) bench/bare_spider.py: fetches every seed, parses nothing (the framework's ceiling);
   (b) `newsarchive crawl --live` into a fresh archive (or a copy of --archive), one process;
   (c) the same with NEWSARCHIVE_PROCESSES=2: the crawl process captures, a second process
       parses, groups and stores (crawler.ops.stage).
4. Prints a Markdown table (pages, seconds, pages/s, peak RSS of the crawl process and of its
   process tree, CPU s and CPU ms per page, stage included) and the ratios (b)/(a) and (c)/(a),
   and writes the same to <out>/results.json. Exit status 0 whatever the figures; 1 only if
   the benchmark itself could not run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import platform
import pstats
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from bench import sitegen

BENCH = Path(__file__).resolve().parent
PROJECT = BENCH.parent

TARGET_RATIO = 0.6
# Same engine settings for both runs. The first four are the flags of the issue; the others
# are already the project's defaults and are repeated so that (a) and (b) cannot drift apart.
RUN_SETTINGS = {
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0",
    "LOG_LEVEL": "WARNING",
    "CONCURRENT_REQUESTS": "16",
    "ROBOTSTXT_OBEY": "True",
    "TELNETCONSOLE_ENABLED": "False",
    "REMOTE_CONTROL_ENABLED": "False",
    "CONCURRENT_ITEMS": "8",  # the project's own setting: (a) gets it too, so (a) stays the ceiling
}
PROJECT_CODE = ("crawler", "pipelines")
ENTRY_POINT_SHARE = 0.9  # functions over this share of the profile wrap the whole crawl (cli, run_crawl)
# (label, file path suffix, function name): where the time of a crawl goes, for the profile's summary.
PROFILE_LANDMARKS = (
    ("spider callback ArchiveSpider.parse (page object, link loop)", "crawler/crawl/spiders.py", "parse"),
    ("  page object parse_page", "crawler/sites/maghress/page.py", "parse_page"),
    ("  link loop: canonicalize", "crawler/frontier/urls.py", "canonicalize"),
    ("  link loop: is_article (the site's article pattern)", "crawler/sites/spec.py", "is_article"),
    ("  link loop: Scrapy Request objects built (Request.__init__)", "scrapy/http/request/__init__.py",
     "__init__"),
    ("Scrapy: spider middlewares on yielded requests (referer)", "scrapy/spidermiddlewares/referer.py",
     "get_processed_request"),
    ("Scrapy: yielded requests scheduled (engine.crawl: offsite, dupefilter, queue)", "scrapy/core/engine.py",
     "crawl"),
    ("  of which dupefilter request_seen", "scrapy/dupefilters.py", "request_seen"),
    ("item pipelines (ArchivePipeline)", "scrapy/pipelines/__init__.py", "process_item_async"),
    ("  processing: normalise", "crawler/processing/normalize.py", "normalize"),
    ("  processing: validate", "crawler/processing/validate.py", "validate"),
    ("  processing: group articles", "crawler/processing/group.py", "article"),
    ("    content_hash", "crawler/core/text.py", "content_hash"),
    ("  processing: group headlines", "crawler/processing/group.py", "ticker"),
    ("  storage: batch (the SQLite writes run on the writer thread)", "crawler/archive/batch.py", "add"),
    ("Scrapy: spider output fan-out (CONCURRENT_ITEMS tasks per response)", "scrapy/utils/asyncio.py",
     "_parallel_asyncio"),
)

_children: list[subprocess.Popen] = []  # everything started, stopped in main()'s finally


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- child processes ------------------------------------------------------------------------------
def run_child(cmd: list[str], *, cwd: Path, stdout: Path, stderr: Path, timeout: float, poll: float = 0.02) -> dict:
    """Run cmd to completion (killed after `timeout` s); wall time, peak RSS and CPU of that process.

    Peak RSS is the larger of psutil polling (every `poll` s) and the kernel's ru_maxrss for the
    child, read with wait4 when it ends.
    """
    started = time.perf_counter()
    with open(stdout, "wb") as out, open(stderr, "wb") as err:
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
    _children.append(proc)
    watched = psutil.Process(proc.pid)
    polled = tree = 0
    timed_out = False
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        try:
            rss = watched.memory_info().rss
            polled = max(polled, rss)
            tree = max(tree, rss + sum(_rss(c) for c in watched.children(recursive=True)))
        except psutil.Error:
            pass
        if not timed_out and time.perf_counter() - started > timeout:
            log(f"  timeout after {timeout:.0f} s: killing {cmd[0]}")
            proc.kill()
            timed_out = True
        time.sleep(poll)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    _children.remove(proc)
    maxrss = usage.ru_maxrss * 1024  # kilobytes on Linux
    return {
        "returncode": proc.returncode,
        "timed_out": timed_out,
        "wall_seconds": wall,
        "peak_rss_mb": max(polled, maxrss) / 2**20,
        "polled_rss_mb": polled / 2**20,
        "tree_peak_rss_mb": max(tree, polled, maxrss) / 2**20,  # the crawl and its processing stage together
        "ru_maxrss_mb": maxrss / 2**20,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
    }


def _rss(proc: psutil.Process) -> int:
    try:
        return proc.memory_info().rss
    except psutil.Error:
        return 0


def start_server(root: Path, max_seconds: float) -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen(
        [sys.executable, str(BENCH / "serve_site.py"), str(root), "--max-seconds", str(int(max_seconds))],
        stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
    )
    _children.append(proc)
    import select

    ready, _, _ = select.select([proc.stdout], [], [], 30)
    line = proc.stdout.readline() if ready else b""
    if not line.strip().isdigit():
        raise RuntimeError(f"the server did not start (exit status {proc.poll()})")
    return proc, int(line)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def server_cpu(server: subprocess.Popen) -> float:
    times = psutil.Process(server.pid).cpu_times()
    return times.user + times.system


# --- the server check -----------------------------------------------------------------------------
def _fetch_all(args: tuple[int, list[str]]) -> tuple[int, int, int]:
    """In a worker process: GET every path over one keep-alive connection; (ok, bytes, errors)."""
    port, paths = args
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    ok = size = errors = 0
    for path in paths:
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            continue
        if response.status == 200:
            ok += 1
            size += len(body)
        else:
            errors += 1
    conn.close()
    return ok, size, errors


def check_server(server: subprocess.Popen, port: int, paths: list[str], workers: int = 4, rounds: int = 2) -> dict:
    """Throughput of the server alone: `workers` client processes fetch every page `rounds` times.

    The clients share the machine with the server, so the rate is a lower bound; the server's
    own CPU time per page gives its ceiling on one core (pages per server-CPU-second).
    """
    ctx = multiprocessing.get_context("fork")
    work = [(port, paths[i::workers] * rounds) for i in range(workers)]
    with ctx.Pool(workers) as pool:
        pool.map(_fetch_all, [(port, ["/robots.txt"])] * workers)  # connect and warm up
        cpu0, t0 = server_cpu(server), time.perf_counter()
        results = pool.map_async(_fetch_all, work).get(timeout=300)
        wall, cpu = time.perf_counter() - t0, server_cpu(server) - cpu0
    ok = sum(r[0] for r in results)
    return {
        "clients": workers,
        "requests": ok,
        "errors": sum(r[2] for r in results),
        "megabytes": sum(r[1] for r in results) / 2**20,
        "seconds": wall,
        "pages_per_second": ok / wall if wall else 0.0,
        "server_cpu_seconds": cpu,
        "pages_per_server_cpu_second": ok / cpu if cpu else float("inf"),
    }


def check_page(port: int, path: str) -> dict:
    """One page as the crawl gets it: status, type, size, and what the page object reads in it."""
    from crawler.core.text import decode_page
    from crawler.sites.parse import parse_text

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    content_type = response.getheader("Content-Type", "")
    page = parse_text(f"http://127.0.0.1:{port}{path}", decode_page(body, content_type), is_html=True,
                      site=sitegen.SITE)
    article = page.article
    return {
        "status": response.status,
        "content_type": content_type,
        "bytes": len(body),
        "headlines": len(page.headlines),
        "links": len(page.links),
        "article": bool(article and article.title and article.publisher and article.published and article.paragraphs),
        "paragraphs": len(article.paragraphs) if article else 0,
    }


# --- the two runs ---------------------------------------------------------------------------------
def setting_args(settings: dict) -> list[str]:
    return [arg for name, value in settings.items() for arg in ("-s", f"{name}={value}")]


def run_bare(work: Path, seeds: Path, settings: dict, timeout: float, tag: str) -> dict:
    cmd = [sys.executable, str(BENCH / "bare_spider.py"), "--seeds", str(seeds), *setting_args(settings)]
    out, err = work / f"{tag}.stdout", work / f"{tag}.stderr"
    proc = run_child(cmd, cwd=work, stdout=out, stderr=err, timeout=timeout)
    lines = out.read_text(encoding="utf-8").strip().splitlines()
    try:
        stats = json.loads(lines[-1])
    except (IndexError, ValueError):
        stats = {}
    return {"run": "(a) bare Scrapy spider", **proc, "stats": stats, "stderr_tail": tail(err)}


def newsarchive_command() -> list[str]:
    script = Path(sys.executable).with_name("newsarchive")
    if script.exists():
        return [str(script)]
    found = shutil.which("newsarchive")
    return [found] if found else [sys.executable, "-m", "crawler.cli"]


def crawl_args(seeds: Path, db: Path, settings: dict) -> list[str]:
    return ["crawl", "--live", "--seeds", str(seeds), "--db", str(db), "-s", "NEWSARCHIVE_ALLOW_PRIVATE=127.0.0.1",
            *setting_args(settings)]


def run_newsarchive(work: Path, seeds: Path, settings: dict, timeout: float, tag: str,
                    archive: Path | None = None, processes: int = 1) -> dict:
    db = work / tag / "archive.db"
    db.parent.mkdir(parents=True)
    if archive is not None:
        log(f"  copying {archive} ({archive.stat().st_size / 2**20:.0f} MB) ...")
        shutil.copyfile(archive, db)
    if processes != 1:
        settings = {**settings, "NEWSARCHIVE_PROCESSES": str(processes)}
    cmd = newsarchive_command() + crawl_args(seeds, db, settings)
    out, err = work / f"{tag}.stdout", work / f"{tag}.stderr"
    proc = run_child(cmd, cwd=work, stdout=out, stderr=err, timeout=timeout)
    stats, counts = read_archive(db)
    if archive is not None:
        shutil.rmtree(db.parent, ignore_errors=True)  # a copy of a big archive: gigabytes
    label = "(b) newsarchive crawl" if processes == 1 else f"(c) newsarchive crawl, {processes} processes"
    return {"run": label, **proc, "stats": stats, "archive": counts, "stderr_tail": tail(err)}


def run_two_processes(work: Path, seeds: Path, settings: dict, timeout: float, tag: str,
                      archive: Path | None = None) -> dict:
    return run_newsarchive(work, seeds, settings, timeout, tag, archive, processes=2)


def read_archive(db: Path) -> tuple[dict, dict]:
    """The last crawl's stats and the row counts of the archive (read-only)."""
    if not db.exists():
        return {}, {}
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT stats FROM crawls ORDER BY id DESC LIMIT 1").fetchone()
        stats = json.loads(row[0]) if row and row[0] else {}
        counts = {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("articles", "headlines", "headline_sightings", "crawls")
        }
    except sqlite3.Error as exc:
        log(f"  cannot read the archive {db}: {exc}")
        return {}, {}
    finally:
        conn.close()
    return stats, counts


def tail(path: Path, lines: int = 8) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-lines:])
    except OSError:
        return ""


def summarize(result: dict) -> dict:
    """Pages fetched, the crawl's own seconds and pages/s from its Scrapy stats."""
    stats = result["stats"]
    responses = int(stats.get("response_received_count") or 0)
    # newsarchive's crawls: until everything is stored (a two-process crawl's stage drains after
    # the spider closes); the bare spider: Scrapy's elapsed time.
    elapsed = float(stats.get("newsarchive/stored_seconds") or stats.get("elapsed_time_seconds") or 0.0)
    result["responses"] = responses
    result["robots_responses"] = int(stats.get("robotstxt/response_count") or 0)
    result["crawl_seconds"] = elapsed
    result["pages_per_second"] = responses / elapsed if elapsed else 0.0
    result["pages_per_wall_second"] = responses / result["wall_seconds"] if result["wall_seconds"] else 0.0
    result["cpu_ms_per_page"] = 1000 * result["cpu_seconds"] / responses if responses else 0.0
    result["finish_reason"] = stats.get("finish_reason")
    return result


# --- profile (optional) ---------------------------------------------------------------------------
def profile_newsarchive(work: Path, seeds: Path, settings: dict, timeout: float, out: Path, top: int = 20) -> dict:
    """One more (b) crawl under cProfile (slower: not timed); newsarchive's own hotspots."""
    db = work / "profile" / "archive.db"
    db.parent.mkdir(parents=True)
    prof = out / "crawl.prof"
    cmd = [sys.executable, "-m", "cProfile", "-o", str(prof), "-m", "crawler.cli", *crawl_args(seeds, db, settings)]
    proc = run_child(cmd, cwd=work, stdout=work / "profile.stdout", stderr=work / "profile.stderr", timeout=timeout)
    if not prof.exists():
        return {"error": f"no profile written (exit status {proc['returncode']})", **proc}
    stats = pstats.Stats(str(prof))
    total = stats.total_tt or 1.0
    rows = []
    for (filename, line, name), (_, calls, tottime, cumtime, _) in stats.stats.items():
        try:
            rel = Path(filename).resolve().relative_to(PROJECT)
        except ValueError:
            continue
        # newsarchive's functions, less the entry points that merely wrap the whole crawl
        if rel.parts and rel.parts[0] in PROJECT_CODE and cumtime / total < ENTRY_POINT_SHARE:
            rows.append(_profile_row(f"{rel.as_posix()}:{line}({name})", calls, tottime, cumtime, total))
    rows.sort(key=lambda r: r["cumulative_seconds"], reverse=True)
    return {"profile_file": str(prof), "profiled_seconds": total, **proc, "hotspots": rows[:top],
            "breakdown": breakdown(stats, total)}


def _profile_row(function: str, calls: int, tottime: float, cumtime: float, total: float) -> dict:
    return {"function": function, "calls": calls, "own_seconds": tottime, "cumulative_seconds": cumtime,
            "cumulative_share": cumtime / total, "own_share": tottime / total}


def breakdown(stats: pstats.Stats, total: float) -> list[dict]:
    """Time spent under a few landmarks of the crawl, newsarchive's and Scrapy's (they may nest)."""
    rows = []
    for label, suffix, name in PROFILE_LANDMARKS:
        found = [(calls, tt, ct) for (filename, _, fn), (_, calls, tt, ct, _) in stats.stats.items()
                 if fn == name and filename.replace(os.sep, "/").endswith(suffix)]
        if found:
            calls, tottime, cumtime = max(found, key=lambda f: f[2])
            rows.append(_profile_row(label, calls, tottime, cumtime, total))
    return rows


# --- report ---------------------------------------------------------------------------------------
def table(runs: list[dict]) -> str:
    lines = [
        "| run | pages | seconds | pages/s | wall s | pages/wall s | peak MB | tree peak MB | CPU s | CPU ms/page |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in runs:
        lines.append(
            f"| {r['run']} | {r['responses']} | {r['crawl_seconds']:.2f} | {r['pages_per_second']:.1f} | "
            f"{r['wall_seconds']:.2f} | {r['pages_per_wall_second']:.1f} | {r['peak_rss_mb']:.0f} | "
            f"{r.get('tree_peak_rss_mb', r['peak_rss_mb']):.0f} | {r['cpu_seconds']:.1f} | "
            f"{r.get('cpu_ms_per_page', 0):.2f} |"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000, help="article pages to generate [2000]")
    parser.add_argument("--out", type=Path, default=BENCH / "out", help="folder for results.json [bench/out]")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (site, archive, logs)")
    parser.add_argument("--seed", type=int, default=20250822, help="random seed of the generated site")
    parser.add_argument("--page-kb", type=int, default=80, help="size of each page in KB [80]")
    parser.add_argument("--ticker", type=int, default=50, help="headlines in each page's ticker [50]")
    parser.add_argument("--pool", type=int, default=300, help="distinct ticker headlines in the site [300]")
    parser.add_argument("--repeat", type=int, default=1, help="run (a), (b) and (c) this many times, alternately [1]")
    parser.add_argument("--runs", default="abc", help="which runs: a (bare spider), b (one process), "
                        "c (two processes) [abc]")
    parser.add_argument("--archive", type=Path, default=None,
                        help="crawl (b) and (c) into a copy of this archive instead of an empty one "
                             "(bench/archivegen.py builds big ones)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds before a crawl is killed [600]")
    parser.add_argument("--profile", action="store_true",
                        help="then run (b) once more under cProfile and list newsarchive's hotspots")
    parser.add_argument("-s", "--set", dest="settings", action="append", default=[], metavar="NAME=VALUE",
                        help="one more Scrapy setting for both runs (e.g. CONCURRENT_ITEMS=10)")
    args = parser.parse_args(argv)
    check_args(parser, args)
    if "a" not in args.runs or set(args.runs) - set("abc"):
        parser.error("--runs: letters among a, b, c, with a (the ratios are against it)")
    if args.archive is not None and not args.archive.is_file():
        parser.error(f"--archive {args.archive}: no such file")
    return args


def check_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """The checks every benchmark makes of its options (--pages, --repeat, --set)."""
    if args.pages < 1:
        parser.error("--pages must be at least 1")
    if getattr(args, "repeat", 1) < 1:
        parser.error("--repeat must be at least 1")
    for pair in args.settings:
        if "=" not in pair:
            parser.error(f"bad --set {pair!r}: expected NAME=VALUE")


def _terminate(signum, frame):
    raise SystemExit(128 + signum)


def start_run(args: argparse.Namespace) -> dict:
    """SIGTERM ends the run cleanly (children stopped); the settings of the runs, --set included."""
    signal.signal(signal.SIGTERM, _terminate)
    settings = dict(RUN_SETTINGS)
    settings.update(pair.split("=", 1) for pair in args.settings)
    return settings


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = start_run(args)
    work = Path(tempfile.mkdtemp(prefix="newsarchive-bench-"))
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    server = None
    try:
        # 1. The site.
        log(f"Generating {args.pages} pages into {work / 'site'} ...")
        t0 = time.perf_counter()
        paths = sitegen.generate_site(work / "site", args.pages, seed=args.seed, ticker_size=args.ticker,
                                      pool_size=args.pool, page_kb=args.page_kb)
        sizes = [(work / "site" / p.lstrip("/")).stat().st_size for p in paths]
        site = {
            "pages": len(paths), "seed": args.seed, "ticker_headlines": args.ticker, "headline_pool": args.pool,
            "mean_page_kb": statistics.mean(sizes) / 1000, "min_page_kb": min(sizes) / 1000,
            "max_page_kb": max(sizes) / 1000, "total_mb": sum(sizes) / 2**20,
            "generate_seconds": time.perf_counter() - t0,
        }
        log(f"  {site['pages']} pages, {site['mean_page_kb']:.1f} KB each on average "
            f"({site['min_page_kb']:.1f}-{site['max_page_kb']:.1f}), {site['generate_seconds']:.1f} s")

        # 2. The server, and its own throughput.
        budget = (3 * args.repeat + int(args.profile)) * args.timeout + 900
        server, port = start_server(work / "site", budget)
        log(f"Serving it at http://127.0.0.1:{port}/ (twisted.web static File, pid {server.pid})")
        page_check = check_page(port, paths[0])
        log(f"  page check: {page_check}")
        if not page_check["article"] or page_check["headlines"] != min(args.ticker, args.pages):
            log("  WARNING: the page object does not read the generated page as expected")
        server_check = check_server(server, port, paths)
        log(f"  server alone: {server_check['pages_per_second']:.0f} pages/s with {server_check['clients']} "
            f"keep-alive clients ({server_check['requests']} pages, {server_check['errors']} errors); "
            f"{server_check['pages_per_server_cpu_second']:.0f} pages per server CPU-second")
        seeds = work / "seeds.txt"
        seeds.write_text("".join(f"http://127.0.0.1:{port}{p}\n" for p in paths), encoding="utf-8")

        # 3. The runs, alternately.
        runs = []
        for i in range(1, args.repeat + 1):
            for label, runner in (("a", run_bare), ("b", run_newsarchive), ("c", run_two_processes)):
                if label not in args.runs:
                    continue
                tag = f"{label}{i}"
                log(f"Run ({label}) #{i} ...")
                extra = (args.archive,) if label != "a" else ()
                cpu0 = server_cpu(server)
                result = summarize(runner(work, seeds, settings, args.timeout, tag, *extra))
                busy_over = result["crawl_seconds"] or result["wall_seconds"]
                result["server_busy"] = (server_cpu(server) - cpu0) / busy_over if busy_over else 0.0
                result["repeat"] = i
                runs.append(result)
                log(f"  {result['responses']} pages in {result['crawl_seconds']:.2f} s = "
                    f"{result['pages_per_second']:.1f} pages/s (wall {result['wall_seconds']:.2f} s), "
                    f"peak {result['peak_rss_mb']:.0f} MB, finish reason {result['finish_reason']}, "
                    f"server busy {100 * result['server_busy']:.0f}%")
                if result["returncode"] != 0 or result["finish_reason"] != "finished":
                    log(f"  WARNING: exit status {result['returncode']}; stderr:\n{result['stderr_tail']}")
                if label != "a":
                    counts = result["archive"]
                    log(f"  archive: {counts.get('articles', 0)} articles, {counts.get('headlines', 0)} headlines, "
                        f"{counts.get('headline_sightings', 0)} sightings, {counts.get('crawls', 0)} crawl(s)")
                    if counts.get("articles", 0) < len(paths) and args.archive is None:
                        log(f"  WARNING: only {counts.get('articles', 0)} of {len(paths)} articles archived")
                    summary = [line for line in result["stderr_tail"].splitlines() if line.startswith("crawl ")]
                    if summary:
                        log(f"  {summary[-1]}")

        profile = None
        if args.profile:
            log("Profiling (b) under cProfile (not timed) ...")
            profile = profile_newsarchive(work, seeds, settings, args.timeout, out)
    except (KeyboardInterrupt, SystemExit):
        log("Interrupted: stopping what the benchmark started.")
        raise
    finally:
        if server is not None:
            stop(server)
        for proc in list(_children):
            stop(proc)
        if args.keep:
            log(f"Kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    # 4. The report.
    rate = {label: statistics.median(r["pages_per_second"] for r in runs if r["run"].startswith(f"({label})"))
            for label in ("a", "b", "c") if any(r["run"].startswith(f"({label})") for r in runs)}
    cpu = {label: statistics.median(r["cpu_ms_per_page"] for r in runs if r["run"].startswith(f"({label})"))
           for label in rate}
    ratios = {f"{label}/a": rate[label] / rate["a"] for label in ("b", "c") if label in rate and rate.get("a")}
    ratio = ratios.get("b/a", 0.0)
    met = ratio >= TARGET_RATIO
    print()
    print(table(runs))
    print("\npages: responses received (robots.txt included); seconds and pages/s: from the spider's "
          "start to everything stored (newsarchive/stored_seconds; (a): elapsed_time_seconds); wall: including process start; peak MB: RSS of the crawl process; tree: "
          "with its processing stage; CPU: the crawl's process and its children, per page received.")
    print()
    medians = f", medians of {args.repeat} runs each" if args.repeat > 1 else ""
    for name, value in ratios.items():
        label = name[0]
        print(f"Ratio ({label})/(a): {value:.2f} ({rate[label]:.1f} / {rate['a']:.1f} pages/s{medians}); "
              f"CPU per page ({label}) {cpu[label]:.2f} ms, (a) {cpu['a']:.2f} ms.")
    for label in ("b", "c"):
        last = [r for r in runs if r["run"].startswith(f"({label})")]
        if last:
            a = last[-1]["archive"]
            print(f"Archive of ({label}): {a.get('articles', 0)} articles, {a.get('headlines', 0)} headlines, "
                  f"{a.get('headline_sightings', 0)} headline sightings.")
    print(f"Server alone: {server_check['pages_per_second']:.0f} pages/s "
          f"({server_check['pages_per_server_cpu_second']:.0f} pages per server CPU-second); "
          f"server busy during the runs: " + ", ".join(
              f"{r['run'][:3]}#{r['repeat']} {100 * r['server_busy']:.0f}%" for r in runs))
    if profile and profile.get("hotspots"):
        print()
        print(f"newsarchive hotspots under cProfile ({profile['profiled_seconds']:.1f} s profiled, "
              f"{profile['profile_file']}):")
        print("| function | calls | cumulative s | share | own s |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for h in profile["hotspots"]:
            print(f"| {h['function']} | {h['calls']} | {h['cumulative_seconds']:.2f} | "
                  f"{100 * h['cumulative_share']:.1f}% | {h['own_seconds']:.2f} |")
        print()
        print("Where the crawl's time goes (landmarks; indented rows are part of the row above):")
        print("| landmark | calls | cumulative s | share |")
        print("| --- | ---: | ---: | ---: |")
        for h in profile["breakdown"]:
            print(f"| {h['function']} | {h['calls']} | {h['cumulative_seconds']:.2f} | "
                  f"{100 * h['cumulative_share']:.1f}% |")
    elif profile:
        print(f"Profile: {profile.get('error')}")

    for r in runs:
        r.pop("stderr_tail", None)
    results = {
        "machine": {
            "cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "scrapy": _version("scrapy"), "twisted": _version("twisted"),
        },
        "settings": settings,
        "site": site,
        "page_check": page_check,
        "server_check": server_check,
        "runs": runs,
        "pages_per_second": rate,
        "cpu_ms_per_page": cpu,
        "archive": str(args.archive) if args.archive else None,
        "ratios": ratios,
        "ratio": ratio,
        "target": TARGET_RATIO,
        "target_met": met,
        "profile": profile,
    }
    (out / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nWrote {out / 'results.json'}")
    return 0


def _version(package: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return None


if __name__ == "__main__":
    sys.exit(main())
