"""A local mirror of saved pages laid out by URL, as replay reads it (no Scrapy here).

https://www.maghress.com/fr/marocdiplomatique/25429 is looked up as
<mirror>/www.maghress.com/fr/marocdiplomatique/25429 (the exact file, as for robots.txt),
then with the extensions .html, .htm and .txt, then as <path>/index.<ext>. A URL with a
query string adds "?<query>" to the file name. A URL missing from the mirror is skipped
with the reason "not_in_mirror" and never fetched.

A mirror may record when its pages were captured, in captures.tsv at its root: a header
line "path<TAB>captured_at", then one line per file, path relative to the mirror root and
an ISO 8601 UTC time. Replayed pages take that time as when they were seen.
"""

from __future__ import annotations

import csv
from pathlib import Path
from urllib.parse import unquote, urlsplit

EXTENSIONS = (".html", ".htm", ".txt")
CONTENT_TYPES = {".html": "text/html", ".htm": "text/html", ".txt": "text/plain"}
CAPTURES_FILE = "captures.tsv"


class MirrorError(Exception):
    pass


class Mirror:
    """A folder of saved pages laid out by URL (no Scrapy here)."""

    def __init__(self, root: str | Path):
        self.root = Path(root).resolve()
        if not self.root.is_dir():
            raise MirrorError(f"mirror folder not found: {root}")
        self.captures = self._read_captures()

    def _read_captures(self) -> dict[str, str]:
        path = self.root / CAPTURES_FILE
        if not path.is_file():
            return {}
        with path.open(encoding="utf-8", newline="") as f:
            return {row["path"]: row["captured_at"] for row in csv.DictReader(f, delimiter="\t")}

    def candidates(self, url: str) -> list[Path]:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
        path = unquote(parts.path).lstrip("/")
        base = self.root / host / path if path else self.root / host / "index"
        if parts.query:
            base = base.with_name(base.name + "?" + parts.query)
        found = [base] + [base.with_name(base.name + ext) for ext in EXTENSIONS]
        found += [base / ("index" + ext) for ext in EXTENSIONS]
        return found

    def find(self, url: str) -> Path | None:
        for path in self.candidates(url):
            resolved = path.resolve()
            if resolved.is_file() and resolved.is_relative_to(self.root):
                return resolved
        return None

    def captured_at(self, path: Path) -> str | None:
        return self.captures.get(path.relative_to(self.root).as_posix())
