#!/usr/bin/env python
"""CPU per page, in process (not a timed test): parse, fold and WARC capture, step by step.

Usage: .venv/bin/python -m bench.cpu_bench [--pages 300] [--repeat 5] [--json PATH]
       [--clock cpu|wall] [--gzip-level N] [--site DIR] [--keep]

1. Generates the crawl benchmark's Maghress-style pages (bench/sitegen.py: about 80 KB each,
   a ticker of 50 headlines) into a temporary folder, or reads them from --site DIR (a folder
   sitegen.py wrote).
2. Times each step on every page, `--repeat` rounds (pages in the same order each round), around
   the one call: the CPU time of the thread (time.thread_time, the default: what the step costs,
   steadier than wall time on a busy machine) or, with `--clock wall`, time.perf_counter:
   - parse: `crawler.sites.parse.parse_bytes(url, body, "text/html; charset=utf-8")`, the page
     object as the crawl and `reparse` call it (decoding included);
   - fold: `crawler.core.fold.fold(body)`, the article body as the search index folds it
     (its paragraphs joined by blank lines, crawler/archive/batch.py);
   - warc: `crawler.warc.capture.CaptureWriter.write(...)` into a temporary folder: the
     response, request and metadata records of one exchange (digest, revisit check, gzip,
     write, the captures row), as the crawl's archive extension calls it. Each round writes to
     a fresh folder with a fresh writer, so no page is a revisit.
3. Prints the median, mean and 90th percentile in ms per page of each step (over every page of
   every round), the WARC bytes written per page, and with --json writes the figures there.

Nothing is asserted about speed; the exit status is 0 unless the benchmark cannot run.
"""

from __future__ import annotations

import argparse
import gc
import inspect
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench import sitegen

REQUEST_HEADERS = [
    ("User-Agent", "newsarchive (+https://example.org/newsarchive)"),
    ("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
    ("Accept-Language", "fr,ar;q=0.9,en;q=0.5"),
    ("Accept-Encoding", "gzip, deflate"),
]


def response_headers(length: int) -> list[tuple[str, str]]:
    return [
        ("Date", "Tue, 02 Dec 2025 10:00:00 GMT"),
        ("Server", "TwistedWeb/24.11.0"),
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Length", str(length)),
        ("Last-Modified", "Tue, 02 Dec 2025 09:00:00 GMT"),
        ("Accept-Ranges", "bytes"),
    ]


def load_pages(root: Path, paths: list[str] | None = None) -> list[tuple[str, bytes]]:
    """(URL, body) of every generated article page under root, in path order."""
    if paths is None:
        paths = sorted("/" + p.relative_to(root).as_posix() for p in root.rglob("*")
                       if p.is_file() and p.name != "robots.txt")
    return [(f"https://www.maghress.com{path}", (root / path.lstrip("/")).read_bytes()) for path in paths]


def stats(samples: list[float]) -> dict:
    ms = sorted(s * 1000 for s in samples)
    return {"median_ms": statistics.median(ms), "mean_ms": statistics.fmean(ms),
            "p90_ms": ms[int(0.9 * (len(ms) - 1))], "samples": len(ms)}


def run(pages: list[tuple[str, bytes]], repeat: int, gzip_level: int | None, workdir: Path,
        clock_name: str = "cpu") -> dict:
    from crawler.core.fold import fold
    from crawler.sites.parse import parse_bytes, parser_version
    from crawler.warc.capture import CaptureWriter

    writer_options = {}
    if gzip_level is not None:
        if "gzip_level" not in inspect.signature(CaptureWriter).parameters:
            sys.exit("this version of CaptureWriter takes no gzip_level")
        writer_options["gzip_level"] = gzip_level
    content_type = "text/html; charset=utf-8"
    bodies = {}
    for url, body in pages:  # once, untimed: the folded text is the parsed body
        article = parse_bytes(url, body, content_type).article
        bodies[url] = "\n\n".join(article.paragraphs) if article else ""
    times: dict[str, list[float]] = {"parse": [], "fold": [], "warc": []}
    warc_bytes = 0
    clock = time.thread_time if clock_name == "cpu" else time.perf_counter
    for round_ in range(repeat):
        out = workdir / f"round{round_}"
        captures = CaptureWriter(out / "archive.db", out / "archive-warc", crawl_id=1, max_size=1_000_000_000,
                                 **writer_options)
        gc.collect()
        for url, body in pages:
            start = clock()
            parse_bytes(url, body, content_type)
            times["parse"].append(clock() - start)

            text = bodies[url]
            start = clock()
            fold(text)
            times["fold"].append(clock() - start)

            exchange = dict(url=url, method="GET", request_headers=REQUEST_HEADERS, status=200, reason="OK",
                            response_headers=response_headers(len(body)), body=body,
                            fetched_at="2025-12-02T10:00:00Z", http_version="HTTP/1.1")
            record_id = f"<urn:uuid:{uuid.uuid4()}>"
            version = parser_version(url)
            start = clock()
            captures.write(record_id, exchange, version)
            times["warc"].append(clock() - start)
        captures.close()
        size = sum(p.stat().st_size for p in (out / "archive-warc").iterdir())
        warc_bytes = size if round_ == 0 else warc_bytes
        shutil.rmtree(out)
    result = {step: stats(samples) for step, samples in times.items()}
    result["total_median_ms"] = sum(result[step]["median_ms"] for step in times)
    result["warc_bytes_per_page"] = warc_bytes / len(pages)
    result["body_bytes_per_page"] = sum(len(b) for _, b in pages) / len(pages)
    result["body_chars_folded_per_page"] = sum(len(t) for t in bodies.values()) / len(pages)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cpu_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=300, help="pages generated and timed (default 300)")
    parser.add_argument("--repeat", type=int, default=5, help="rounds over the pages (default 5)")
    parser.add_argument("--seed", type=int, default=20250822)
    parser.add_argument("--page-kb", type=int, default=80)
    parser.add_argument("--ticker", type=int, default=50)
    parser.add_argument("--clock", choices=("cpu", "wall"), default="cpu",
                        help="time each step by the thread's CPU time (default) or by wall time")
    parser.add_argument("--gzip-level", type=int, default=None,
                        help="WARC gzip level (default: the writer's own, crawler.warc.writer.GZIP_LEVEL)")
    parser.add_argument("--site", type=Path, default=None, help="read the pages from this folder instead")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures to this file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="cpu_bench-"))
    try:
        if args.site:
            pages = load_pages(args.site)[: args.pages]
        else:
            started = time.perf_counter()
            paths = sitegen.generate_site(tmp / "site", args.pages, seed=args.seed, ticker_size=args.ticker,
                                          page_kb=args.page_kb)
            pages = load_pages(tmp / "site", paths)
            print(f"generated {len(pages)} pages in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        if not pages:
            sys.exit("no pages")
        result = run(pages, args.repeat, args.gzip_level, tmp / "work", args.clock)
    finally:
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    import crawler.warc.writer as warc_writer
    level = args.gzip_level if args.gzip_level is not None else getattr(warc_writer, "GZIP_LEVEL", None)
    print(f"{len(pages)} pages x {args.repeat} rounds; {result['body_bytes_per_page'] / 1000:.1f} KB per page, "
          f"{result['body_chars_folded_per_page']:.0f} body characters folded; WARC gzip level {level}; "
          f"{'CPU' if args.clock == 'cpu' else 'wall'} time")
    print()
    print("| step | median ms/page | mean | p90 |")
    print("| --- | ---: | ---: | ---: |")
    for step in ("parse", "fold", "warc"):
        s = result[step]
        print(f"| {step} | {s['median_ms']:.3f} | {s['mean_ms']:.3f} | {s['p90_ms']:.3f} |")
    print(f"| sum of medians | {result['total_median_ms']:.3f} | | |")
    print()
    print(f"WARC written: {result['warc_bytes_per_page'] / 1000:.1f} KB per page "
          f"({result['warc_bytes_per_page'] / result['body_bytes_per_page']:.1%} of the body)")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        result.update(pages=len(pages), repeat=args.repeat, gzip_level=level, clock=args.clock,
                      python=sys.version.split()[0],
                      machine=platform.machine(), cpus=os.cpu_count())
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
