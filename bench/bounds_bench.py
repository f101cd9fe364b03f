"""Bounds benchmark (not a test): what a crawl costs when a site serves pages far over the bounds.

Usage: .venv/bin/python -m bench.bounds_bench [--big-mb 300] [--bomb-mb 2048] [--out bench/out]

Serves, on 127.0.0.1, three article pages in the site's template, each gzip-compressed:
- `/fr/lesechos/1`: a normal page (about 10 KB once decompressed);
- `/fr/lesechos/2`: the same page with a body of `--big-mb` MB of varied text (a "300 MB page");
- `/fr/lesechos/3`: a gzip bomb, `--bomb-mb` MB of spaces once decompressed;
then runs `newsarchive crawl --live` on them into a fresh archive, in its own process, twice
(the second run shows that the pages over the bound are not fetched again), and reports per run
the wall time, peak RSS and CPU of the crawl process, what the archive holds and the reasons
recorded. Before the bounds (issue 11), the 300 MB page took 183 s and 7.5 GB and the bomb was
cut at 1 GiB with 1.18 GB of memory; the aim is a peak RSS under 300 MB. Exit status 0 unless the
benchmark itself cannot run.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sqlite3
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bench import crawl_bench

PAGE = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"></head><body>
<div class="ticker"><a href="/fr/lesechos/1">Un</a> <a href="/fr/lesechos/2">Deux</a> <a href="/fr/lesechos/3">Trois</a></div>
<span class="articletitle">Article {n}</span>
<span class="articlenewspaper">Publié dans <a href="/fr/lesechos">Les Echos</a> le 04 - 09 - 2025</span>
<span class="articlecontent">"""
TAIL = """</span>
<div>Cliquez <a href="https://lesechos.ma/{n}">ici</a> pour lire l'article depuis sa source.</div>
</body></html>"""


def gzip_stream(head: bytes, filler, size: int, tail: bytes, path: Path) -> None:
    """Write head + `size` bytes from filler(n) + tail, gzip-compressed, to path, in chunks."""
    with gzip.open(path, "wb", compresslevel=6) as out:
        out.write(head)
        written = 0
        while written < size:
            chunk = filler(min(1 << 20, size - written))
            out.write(chunk)
            written += len(chunk)
        out.write(tail)


def make_pages(root: Path, big_mb: int, bomb_mb: int) -> dict[str, Path]:
    rng = random.Random(11)
    words = [("".join(rng.choice("abcdefghijklmnopqrstuvwxyzéè") for _ in range(rng.randint(2, 9)))).encode()
             for _ in range(5000)]

    def text(n: int) -> bytes:
        out = bytearray()
        while len(out) < n:
            out += b" ".join(rng.choices(words, k=200)) + b".<br>"
        return bytes(out[:n])

    pages = {}
    for n, size, filler in ((1, 10_000, text), (2, big_mb << 20, text), (3, bomb_mb << 20, lambda k: b" " * k)):
        path = root / f"{n}.html.gz"
        gzip_stream(PAGE.format(n=n).encode(), filler, size, TAIL.format(n=n).encode(), path)
        pages[f"/fr/lesechos/{n}"] = path
    return pages


def serve(pages: dict[str, Path]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            if self.path == "/robots.txt":
                body = b"User-agent: *\nAllow: /\n"
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            path = pages.get(self.path)
            if path is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(path.stat().st_size))
            self.end_headers()
            with path.open("rb") as f:
                while chunk := f.read(1 << 20):
                    try:
                        self.wfile.write(chunk)
                    except (BrokenPipeError, ConnectionResetError):
                        return

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def archive_facts(db: Path) -> dict:
    conn = sqlite3.connect(db)
    try:
        return {
            "articles": [r[0] for r in conn.execute("SELECT url FROM articles ORDER BY url")],
            "body_bytes": conn.execute("SELECT coalesce(max(length(body)), 0) FROM articles").fetchone()[0],
            "marks": {r[0]: f"{r[1]}/{r[2]}" for r in conn.execute("SELECT url, status, reason FROM urls")},
            "db_mb": round(db.stat().st_size / 2**20, 2),
        }
    finally:
        conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--big-mb", type=int, default=300, help="the big page's body, MB decompressed [300]")
    parser.add_argument("--bomb-mb", type=int, default=2048, help="the gzip bomb, MB decompressed [2048]")
    parser.add_argument("--out", type=Path, default=crawl_bench.BENCH / "out")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="newsarchive-bounds-"))
    crawl_bench.log(f"Writing the pages into {work} ...")
    pages = make_pages(work, args.big_mb, args.bomb_mb)
    sizes = {p: round(f.stat().st_size / 2**20, 2) for p, f in pages.items()}
    server = serve(pages)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    seeds = work / "seeds.txt"
    seeds.write_text("".join(f"{base}{p}\n" for p in pages))
    db = work / "archive.db"
    runs = []
    for run in (1, 2):
        cmd = crawl_bench.newsarchive_command() + [
            "crawl", "--live", "--seeds", str(seeds), "--db", str(db), "-s", "NEWSARCHIVE_ALLOW_PRIVATE=127.0.0.1",
            "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=WARNING"]
        result = crawl_bench.run_child(cmd, cwd=work, stdout=work / f"run{run}.out", stderr=work / f"run{run}.err",
                                       timeout=args.timeout)
        facts = archive_facts(db)
        runs.append({"run": run, **{k: result[k] for k in ("returncode", "wall_seconds", "peak_rss_mb", "cpu_seconds")},
                     **facts})
        crawl_bench.log(f"run {run}: exit {result['returncode']}, {result['wall_seconds']:.1f} s, "
                        f"peak {result['peak_rss_mb']:.0f} MB, CPU {result['cpu_seconds']:.1f} s")
    server.shutdown()
    print(f"Pages (gzip on the wire): {sizes} MB; decompressed: 1 -> 10 KB, 2 -> {args.big_mb} MB, "
          f"3 -> {args.bomb_mb} MB")
    print("\n| run | exit | wall s | peak MB | CPU s | articles stored | largest body | archive MB |")
    print("| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |")
    for r in runs:
        print(f"| {r['run']} | {r['returncode']} | {r['wall_seconds']:.1f} | {r['peak_rss_mb']:.0f} | "
              f"{r['cpu_seconds']:.1f} | {len(r['articles'])} | {r['body_bytes']:,} | {r['db_mb']} |")
    print("\nMarks after run 2:", json.dumps(runs[-1]["marks"], indent=None))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bounds_results.json").write_text(json.dumps({"pages_mb": sizes, "runs": runs}, indent=2))
    print(f"\nWrote {args.out / 'bounds_results.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
