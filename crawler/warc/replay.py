"""What replay answers requests from (no Scrapy here): a folder of saved pages laid out by
URL, or WARC files (the archive's own, or any other tool's).

https://www.example.com/fr/paper/25429 is looked up as
<mirror>/www.example.com/fr/paper/25429 (the exact file, as for robots.txt),
then with the extensions .html, .htm and .txt, then as <path>/index.<ext>. A URL with a
query string adds "?<query>" to the file name. A URL missing from the mirror is skipped
with the reason "not_in_mirror" and never fetched.

A mirror may record when its pages were captured, in captures.tsv at its root: a header
line "path<TAB>captured_at", then one line per file, path relative to the mirror root and
an ISO 8601 UTC time. Replayed pages take that time as when they were seen.

WARC replay answers each URL with its last capture (status, headers and the raw payload, a
revisit resolved to the record it refers to) and the capture's time. Revisits are resolved by
`resolved_captures`, which importing another tool's WARC files uses too.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator
from urllib.parse import unquote, urlsplit

from crawler.frontier.urls import canonicalize, is_fetchable
from crawler.warc.reader import iter_captures, read_record
from crawler.warc.records import Capture, ErrorHandler, WarcError, warc_paths

EXTENSIONS = (".html", ".htm", ".txt")
EXPECTED_SUFFIX = ".expected.json"  # the expected parse of a saved page, beside it
CONTENT_TYPES = {".html": "text/html", ".htm": "text/html", ".txt": "text/plain"}
CAPTURES_FILE = "captures.tsv"


class MirrorError(Exception):
    pass


@dataclass
class ReplayHit:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    captured_at: str | None


def open_replay(path: str | Path) -> Mirror | WarcReplay:
    """A mirror folder, or WARC files: a .warc/.warc.gz file or a folder holding some."""
    path = Path(path)
    if path.is_file() or (path.is_dir() and warc_paths(path)):
        return WarcReplay(path)
    return Mirror(path)


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

    def saved_pages(self) -> list[Path]:
        """Every saved page of the mirror (.html, .htm, .txt; robots.txt is not a page)."""
        return sorted(p for p in self.root.rglob("*") if p.suffix.lower() in CONTENT_TYPES and p.name != "robots.txt")

    def url_of(self, page: Path) -> str:
        """The URL a saved page was saved from: https://<host>/<path without extension>."""
        rel = Path(page).resolve().relative_to(self.root).with_suffix("").as_posix()
        return "https://" + rel.removesuffix("/index")

    def lookup(self, url: str) -> ReplayHit | None:
        path = self.find(url)
        if path is None:
            return None
        headers = [("Content-Type", CONTENT_TYPES.get(path.suffix, "application/octet-stream"))]
        return ReplayHit(200, headers, path.read_bytes(), self.captured_at(path))


class WarcReplay:
    """WARC files as a replay source: each canonical URL answered by its last capture."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            self.paths = warc_paths(self.path)
        except FileNotFoundError:
            raise MirrorError(f"replay source not found: {path}") from None
        if not self.paths:
            raise MirrorError(f"no WARC files in {path}")
        self.index: dict[str, tuple[Path, int, Path, int]] = {}  # url -> record, payload record
        self.skipped: list[str] = []
        bad_files: list[WarcError] = []

        def bad_file(warc: Path, exc: WarcError) -> None:
            bad_files.append(exc)
            self.skipped.append(f"{warc.name}: {exc}")

        for warc, capture, payload_warc, payload in resolved_captures(self.paths, on_error=self._skip,
                                                                      on_bad_file=bad_file):
            self.index[canonicalize(capture.url)] = (warc, capture.offset, payload_warc, payload.offset)
        if len(bad_files) == len(self.paths):  # nothing to replay: say why
            if len(bad_files) == 1:
                raise MirrorError(str(bad_files[0]))
            raise MirrorError(f"none of the {len(bad_files)} WARC files in {path} is a WARC file ({bad_files[0]})")

    def _skip(self, filename: str, offset: int, reason: str) -> None:
        self.skipped.append(f"{filename}@{offset}: {reason}")

    def lookup(self, url: str) -> ReplayHit | None:
        found = self.index.get(canonicalize(url))
        if found is None:
            return None
        warc, offset, payload_warc, payload_offset = found
        record = read_record(warc.parent, warc.name, offset)
        body = record.body
        if (payload_warc, payload_offset) != (warc, offset):
            body = read_record(payload_warc.parent, payload_warc.name, payload_offset).body
        return ReplayHit(record.status or 200, list(record.headers), body, record.fetched_at)


def resolved_captures(paths: Iterable[Path], *, on_error: ErrorHandler | None = None,
                      on_bad_file: Callable[[Path, WarcError], None] | None = None
                      ) -> Iterator[tuple[Path, Capture, Path, Capture]]:
    """(file, capture, file of its payload, the capture holding its payload) for every http(s)
    capture of WARC files read in order, a revisit resolved to the record it refers to: the
    same URL's earlier capture with that payload digest, else any earlier capture with it. A
    revisit that refers to no record read before is reported through on_error and skipped; a file
    that is not a WARC file at all through on_bad_file, and the other files are still read."""
    by_url: dict[tuple[str, str], tuple[Path, Capture]] = {}
    by_digest: dict[str, tuple[Path, Capture]] = {}
    for path in paths:
        try:
            captures = iter_captures(path, on_error=on_error)
        except WarcError as exc:  # not a WARC file at all: skipped, the others still read
            if on_bad_file is not None:
                on_bad_file(path, exc)
            continue
        for capture in captures:
            if not is_fetchable(capture.url):
                continue
            url, digest = canonicalize(capture.url), capture.payload_digest
            if capture.record_type == "revisit":
                holder = by_url.get((url, digest)) or by_digest.get(digest)
                if holder is None:
                    if on_error is not None:
                        on_error(path.name, capture.offset, f"revisit of {capture.url} refers to no record here")
                    continue
            else:
                holder = by_url[(url, digest)] = (path, capture)
                by_digest.setdefault(digest, holder)
            yield path, capture, *holder
