"""CSV exports of an archive safe against spreadsheet formula injection: a cell starting with
= + - @, a tab or a carriage return (and not a plain number) is prefixed with a single quote.

An ASGI middleware (Datasette's asgi_wrapper hook) rewrites the CSV responses of archive
databases only, as they stream; other databases' CSV passes through untouched.
"""

from __future__ import annotations

import codecs
import csv
import io
import re

from datasette.utils import tilde_decode

from crawler.publish.archives import is_archive

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralise(cell: str) -> str:
    """A CSV cell a spreadsheet will not run as a formula: quote-prefixed if it starts like one."""
    if cell.startswith(_FORMULA_START) and not _NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


class CsvGuard:
    """Rewrites a CSV byte stream record by record, neutralising formula-like cells.

    Records are found by counting quotes (a newline inside a quoted field does not end a record),
    so a record split across chunks is held back until it is complete.
    """

    def __init__(self):
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.pending = ""  # text of the current, incomplete record
        self.quotes = 0  # quote characters in self.pending

    def feed(self, data: bytes, final: bool = False) -> bytes:
        text = self.decoder.decode(data, final=final)
        out = []
        for line in text.splitlines(keepends=True):
            self.pending += line
            self.quotes += line.count('"')
            if line.endswith("\n") and self.quotes % 2 == 0:
                out.append(self._record(self.pending))
                self.pending, self.quotes = "", 0
        if final and self.pending:
            out.append(self._record(self.pending))
            self.pending, self.quotes = "", 0
        return "".join(out).encode("utf-8")

    @staticmethod
    def _record(record: str) -> str:
        try:
            cells = next(csv.reader(io.StringIO(record, newline="")), [])
        except csv.Error:
            return record
        safe = [neutralise(c) for c in cells]
        if safe == cells:
            return record
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerow(safe)
        return buf.getvalue() if record.endswith("\n") else buf.getvalue().rstrip("\r\n")


def _is_csv_request(scope) -> bool:
    path = scope.get("path", "")
    return path.endswith(".csv") or b"_format=csv" in scope.get("query_string", b"")


def database_route(datasette, scope) -> str | None:
    """The name of the database a request is about (its first path segment, as Datasette routes
    it: base_url stripped, tilde-decoded, without a .format), or None."""
    path = scope.get("raw_path") or scope.get("path", "").encode("utf-8")
    path = path.decode("ascii", "replace").partition("?")[0]
    base_url = datasette.setting("base_url") or "/"
    if base_url != "/" and path.startswith(base_url):
        path = "/" + path[len(base_url):]
    segment = path.lstrip("/").split("/", 1)[0].split(".", 1)[0]
    if not segment or segment == "-":
        return None
    try:
        return datasette.get_database(route=tilde_decode(segment)).name
    except KeyError:
        return None


def csv_guard(datasette, app):
    """ASGI middleware: the CSV responses about archive databases, neutralised as they stream."""

    async def guarded(scope, receive, send):
        if (scope["type"] != "http" or not _is_csv_request(scope)
                or not is_archive(datasette, database_route(datasette, scope))):
            return await app(scope, receive, send)
        guard = None

        async def guarded_send(message):
            nonlocal guard
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers") or [])
                ctype = headers.get(b"content-type", b"").decode("latin-1")
                if ctype.startswith(("text/csv", "text/plain")):
                    guard = CsvGuard()
                    message = {**message, "headers": [
                        (k, v) for k, v in message.get("headers") or [] if k.lower() != b"content-length"]}
            elif message["type"] == "http.response.body" and guard is not None:
                more = message.get("more_body", False)
                message = {**message, "body": guard.feed(message.get("body", b""), final=not more)}
            await send(message)

        return await app(scope, receive, guarded_send)

    return guarded
