"""Regenerate the README's screenshots: the bundled demo archive (the same crawl `make run` does)
served by `newsarchive serve` on 127.0.0.1, photographed in headless Chromium (Debian's chromium,
through Playwright) in French and in Arabic: the home page, a search, an article and the charts.

    .venv/bin/python -m bench.screenshots                 # writes bench/screenshots/*.png
    .venv/bin/python -m bench.screenshots --out /tmp/shots --width 390

Review the images as a diff (git shows which changed) before committing them. Nothing is fetched
from the network: the crawl replays the bundled mirror.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "screenshots"
CHROMIUM = os.environ.get("NEWSARCHIVE_CHROMIUM", "/usr/bin/chromium")
CLI = [sys.executable, "-m", "crawler.cli"]
# (name, path) per language: what a reader of that language would open.
PAGES = {
    "fr": [("home", "/"), ("search", "/-/search?q=" + quote("métropole")),
           ("article", "/-/article?url=" + quote("https://www.maghress.com/fr/marocdiplomatique/25429", safe="")),
           ("charts", "/-/charts")],
    "ar": [("home", "/"), ("search", "/-/search?q=" + quote("الحكومة")),
           ("article", "/-/article?url=" + quote("https://www.maghress.com/hespress/606", safe="")),
           ("charts", "/-/charts")],
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(db: Path):
    port = free_port()
    proc = subprocess.Popen([*CLI, "serve", "--db", str(db), "--port", str(port)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("Error: newsarchive serve did not start")
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="folder of the PNG files (default bench/screenshots)")
    parser.add_argument("--width", type=int, default=1280, help="viewport width in CSS pixels (default 1280)")
    parser.add_argument("--height", type=int, default=900, help="viewport height (default 900)")
    args = parser.parse_args(argv)
    if not os.path.exists(CHROMIUM):
        print(f"Error: no Chromium at {CHROMIUM} (apt-get install chromium, or set NEWSARCHIVE_CHROMIUM)", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "archive.db"
        print("crawling the bundled mirror ...", file=sys.stderr)
        crawl = subprocess.run([*CLI, "crawl", "--db", str(db)], cwd=ROOT, capture_output=True, text=True)
        if crawl.returncode != 0:
            print(f"Error: the crawl failed ({crawl.returncode}): {crawl.stderr.strip()[-500:]}", file=sys.stderr)
            return 1
        with serving(db) as base, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
            try:
                for lang, pages in PAGES.items():
                    context = browser.new_context(viewport={"width": args.width, "height": args.height},
                                                  locale=lang, extra_http_headers={"Accept-Language": lang})
                    page = context.new_page()
                    for name, path in pages:
                        page.goto(base + path)
                        target = args.out / f"{name}-{lang}.png"
                        page.screenshot(path=target)
                        print(f"{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}", file=sys.stderr)
                    context.close()
            finally:
                browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
