"""The plugin's gate in front of Datasette (its asgi_wrapper hook) and its exception handler
(handle_exception): what a request is refused, and how, before or instead of a 500.

- A path that starts with two slashes or backslashes (`//example.com/`, `/\\example.com/`, or
  their percent-encoded forms) answers 404. Datasette 0.65 redirects a path ending in "/" to the
  same path without it, and `Location: /\\example.com` (or `//example.com`) sends a browser to
  another site: an open redirect. Any Datasette where newsarchive is installed gets this guard
  (it touches no database).
- A database SQLite cannot read (crawler.publish.archives.problem) answers 503 with a page that
  says so, on its own pages, on the home page and on the plugin's pages, instead of a 500.
- For archive databases only:
  - the download of the database file (/<db>.db) answers 403: the file holds the internal
    tables, which are not public (`newsarchive publish` makes a copy, for its owner);
  - table and query pages with a parameter Datasette would fail on (an unknown _sort column,
    _sort with _sort_desc, a _next that is no offset on a view, a malformed _through or _facet,
    a _timelimit that is no number of milliseconds, ...) answer 400 with a short message;
    handle_exception turns what is left of Datasette's input errors (a number too large for
    SQLite, a malformed filter value) into 400s as well;
  - an unfiltered page of a big table, or a table search, is counted by the plugin, not by
    Datasette (crawler.publish.tables: the `_nocount=summary` mark); no table page gets
    Datasette's facet suggestions (`_nosuggest=1`);
  - a response body over MAX_RESPONSE_BYTES is replaced by a 400 (or, once streaming, cut off
    with a last line that says so). Streamed CSV (_stream=1) is Datasette's to limit
    (max_csv_mb).
"""

from __future__ import annotations

import json
import re
import sqlite3
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, unquote

from datasette.utils import tilde_decode
from datasette.utils.asgi import Response

from crawler.publish import archives, tables

MAX_RESPONSE_BYTES = 50_000_000  # the body of one response about an archive (not a CSV stream)
MAX_TIMELIMIT_MS = 10 ** 9  # _timelimit: Datasette takes the smaller of it and sql_time_limit_ms
PLUGIN_PAGES = ("/-/search", "/-/article", "/-/charts", "/-/health")
DOWNLOAD_REFUSED = (
    "Downloads of a newsarchive archive are off: its file holds internal tables (the crawl's "
    "frontier, the index of its WARC files) that are not public. The tables and queries here are "
    "JSON and CSV; the archive's owner makes a copy with `newsarchive publish`.")

# Datasette 0.65's routes (datasette/app.py), after base_url is stripped.
_ROUTES = [
    ("index", re.compile(r"^/(\.(?P<format>jsono?))?$")),
    ("download", re.compile(r"^/(?P<database>[^/.]+)\.db$")),
    ("database", re.compile(r"^/(?P<database>[^/.]+)(\.(?P<format>\w+))?$")),
    ("table", re.compile(r"^/(?P<database>[^/.]+)/(?P<table>[^/.]+)(\.(?P<format>\w+))?$")),
    ("row", re.compile(r"^/(?P<database>[^/.]+)/(?P<table>[^/]+?)/(?P<pks>[^/]+?)(\.(?P<format>\w+))?$")),
]


@dataclass(frozen=True)
class Route:
    kind: str  # index, page (the plugin's), download, database, table, row, other
    path: str  # the path routed (base_url stripped), without its query
    database: str | None = None  # a served database's name
    table: str | None = None
    format: str | None = None


# The route of the request being answered, for hooks that Datasette calls without the request
# (render_cell in 0.65): set by the gate, in the request's task, before Datasette runs.
CURRENT_ROUTE: ContextVar[Route | None] = ContextVar("newsarchive_route", default=None)


def _raw_path(scope) -> str:
    raw = scope.get("raw_path") or scope.get("path", "").encode("utf-8")
    return raw.partition(b"?")[0].decode("latin-1")


def leaves_origin(scope) -> bool:
    """Whether a request's path starts like a URL of another host (// or /\\, or the same
    percent-encoded, however many times; tabs and newlines, which browsers drop, ignored)."""
    path = _raw_path(scope)
    for _ in range(5):
        decoded = unquote(path)
        if decoded == path:
            break
        path = decoded
    path = re.sub(r"[\t\n\r]", "", path)
    return len(path) >= 2 and path[0] in "/\\" and path[1] in "/\\"


def route_of(datasette, scope) -> Route:
    path = _raw_path(scope)
    base_url = datasette.setting("base_url") or "/"
    if base_url != "/" and path.startswith(base_url):
        path = "/" + path[len(base_url):]
    if path in PLUGIN_PAGES:
        return Route("page", path)
    for kind, pattern in _ROUTES:
        match = pattern.match(path)
        if not match:
            continue
        groups = match.groupdict()
        if kind == "index":
            return Route(kind, path, format=groups.get("format"))
        segment = groups["database"]
        if segment == "-":
            break
        try:
            name = datasette.get_database(route=tilde_decode(segment)).name
        except KeyError:
            return Route("other", path)
        table = tilde_decode(groups["table"]) if groups.get("table") else None
        return Route(kind, path, name, table, groups.get("format"))
    return Route("other", path)


async def error_response(datasette, route_path: str, status: int, message: str, title: str | None = None) -> Response:
    """An error as Datasette shows one: JSON for a .json path, else its error page."""
    info = {"ok": False, "error": message, "status": status, "title": title}
    if route_path.endswith(".json"):
        return Response.json(info, status=status)
    template = datasette.jinja_env.select_template([f"{status}.html", "error.html"])
    html = await template.render_async(dict(
        info, urls=datasette.urls, app_css_hash=datasette.app_css_hash(), menu_links=lambda: []))
    return Response.html(html, status=status)


# --- parameters Datasette would answer with a 500 ----------------------------------------------------
def _args(scope) -> list[tuple[str, str]]:
    return parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)


def _shown(value: str) -> str:
    """A value as an error message quotes it: at most 40 characters."""
    return value if len(value) <= 40 else value[:37] + "..."


def _is_whole(value: str, low: int, high: int) -> bool:
    # len() first: Python will not read an int of more than 4300 digits (ValueError).
    return value.isascii() and value.isdigit() and len(value) <= 30 and low <= int(value) <= high


async def _table_kind(db, table: str) -> str | None:
    if table in await db.table_names():
        return "table"
    if table in await db.view_names():
        return "view"
    return None


async def bad_parameter(datasette, route: Route, scope) -> str | None:
    """What is wrong with a request's parameters for an archive's table or query page, or None."""
    args = _args(scope)
    values: dict[str, list[str]] = {}
    for key, value in args:
        values.setdefault(key, []).append(value)
    for value in values.get("_timelimit", []):
        if not _is_whole(value, 1, MAX_TIMELIMIT_MS):
            return "_timelimit must be a whole number of milliseconds (1 or more)"
    for key in ("_json_infinity", "_labels"):
        for value in values.get(key, []):
            if value and value.lower() not in ("on", "off", "true", "false", "1", "0"):
                return f"{key} must be on or off (1 or 0)"
    for key, vals in values.items():
        if not key.startswith("_facet"):
            continue
        for value in vals:
            if key == "_facet_size":
                if value and value != "max" and not _is_whole(value, 0, 10 ** 9):
                    return "_facet_size must be a whole number, or max"
            elif value.startswith("{"):
                try:
                    config = json.loads(value)
                except ValueError:
                    config = None
                if not isinstance(config, dict) or not isinstance(config.get("simple"), str):
                    return f'{key} takes a column name (or JSON like {{"simple": "column"}})'
    if route.kind != "table" or route.table is None:
        return None
    for key, value in args:
        if "__" not in key or key.startswith("_"):
            continue
        digits = value.strip().lstrip("+-")
        if value.isascii() and re.fullmatch(r"[+-]?\d+", value.strip()) and (len(digits) > 19 or int(digits) > 2 ** 63 - 1):
            return f"{key}={_shown(value)}: the number is too large (SQLite's integers stop at {2 ** 63 - 1})"
        if key.endswith(("__in", "__notin")) and value.lstrip().startswith("["):
            try:
                listed = json.loads(value)
            except ValueError:
                listed = None
            if not isinstance(listed, list):
                return f"{key} takes a JSON list, or values separated by commas"
    if not any(values.get(key) for key in ("_sort", "_sort_desc", "_next", "_through")):
        return None
    db = datasette.get_database(route.database)
    kind = await _table_kind(db, route.table)
    if kind is None:
        return None  # a canned query, or no such table: Datasette answers
    if values.get("_sort") and values.get("_sort_desc"):
        return "Use _sort or _sort_desc, not both"
    sortable = None
    for key in ("_sort", "_sort_desc"):
        for value in values.get(key, []):
            if not value:
                continue
            if sortable is None:
                sortable = list(await db.table_columns(route.table))
                if kind == "table" and not await db.primary_keys(route.table):
                    sortable.append("rowid")
            if value not in sortable:
                return f"Cannot sort {route.table} by {_shown(value)}: {key} takes one of its columns ({', '.join(sortable)})"
    if kind == "view":
        for value in values.get("_next", []):
            if value and not _is_whole(value, 0, 2 ** 63 - 1):
                return "_next must be a whole number (the offset of the next page) for a view"
    for value in values.get("_through", []):
        try:
            through = json.loads(value)
        except ValueError:
            through = None
        if not (isinstance(through, dict) and isinstance(through.get("table"), str)
                and isinstance(through.get("column"), str) and "value" in through
                and isinstance(through["value"], (str, int, float))
                and not isinstance(through["value"], bool)):
            return '_through must be JSON like {"table": "...", "column": "...", "value": "..."}'
    return None


# --- the response size --------------------------------------------------------------------------------
def capped(datasette, route: Route, send, limit: int = MAX_RESPONSE_BYTES):
    """An ASGI send that lets at most `limit` bytes of body through: a larger first chunk becomes
    a 400 (nothing was sent yet); past it while streaming, a last line says the rest was cut."""
    held = None
    total = 0
    done = False
    message_text = (f"This response is larger than {limit // 1_000_000} MB: ask for fewer rows or "
                    "columns (LIMIT, _size, _col)")

    async def capped_send(message):
        nonlocal held, total, done
        if done:
            return
        if message["type"] == "http.response.start":
            held = message
            return
        if message["type"] != "http.response.body":
            return await send(message)
        total += len(message.get("body", b""))
        if total > limit:
            done = True
            if held is not None:
                response = await error_response(datasette, route.path, 400, message_text, "Response too large")
                return await response.asgi_send(send)
            return await send({"type": "http.response.body", "body": f"\n{message_text}\n".encode(), "more_body": False})
        if held is not None:
            await send(held)
            held = None
        await send(message)

    return capped_send


# --- what a table page counts (crawler.publish.tables) ------------------------------------------------------
def counted_scope(scope, route: Route):
    """The request as Datasette gets it: with the plugin's _nocount mark set on an unfiltered page of
    a big table or a table search (its count is the summary's or the search index's), taken away on
    any other page; and what the page counts, for the template (tables.SCOPE_KEY)."""
    args = _args(scope)
    kept, counted = tables.count_mark(route.table, args)
    if kept == args and counted is None:
        return scope
    # The query string edited as it came (the other arguments byte for byte): the mark taken out,
    # and put back at the end when the page is counted by the plugin.
    mark = f"_nocount={tables.MARK}".encode()
    parts = [p for p in scope.get("query_string", b"").split(b"&") if p and p != mark]
    if ("_nocount", tables.MARK) in kept:
        parts.append(mark)
    return {**scope, "query_string": b"&".join(parts), tables.SCOPE_KEY: counted}


def unsuggested_scope(scope):
    """The request with `_nosuggest=1`: Datasette's facet suggestions are off on an archive's
    table pages. They try every column (body, content_hash among them) and, on a page the
    plugin counts, count the table's rows first, which the guard of a big archive refuses (500
    under a stock `datasette` that has suggest_facets on). The facets an archive's tables offer are
    in its metadata (crawler/publish/datasette.yaml)."""
    if any(k == "_nosuggest" for k, _ in _args(scope)):
        return scope
    query = scope.get("query_string", b"")
    return {**scope, "query_string": query + (b"&" if query else b"") + b"_nosuggest=1"}


# --- the gate ----------------------------------------------------------------------------------------------
def unreadable_page(datasette, route: Route, why: str):
    return error_response(datasette, route.path, 503, archives.unreadable_message(why), archives.UNREADABLE_TITLE)


def gate(datasette, app):
    """ASGI middleware: the refusals above, then Datasette (through the CSV guard)."""

    async def gated(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        if leaves_origin(scope):
            response = await error_response(datasette, "", 404, "Not found", "Not found")
            return await response.asgi_send(send)
        route = route_of(datasette, scope)
        CURRENT_ROUTE.set(route)
        if route.kind == "index":
            broken = archives.problems(datasette)
            if broken:
                response = await unreadable_page(datasette, route, "; ".join(broken.values()))
                return await response.asgi_send(send)
        elif route.database is not None:
            why = archives.problem(datasette, route.database)
            if why:
                return await (await unreadable_page(datasette, route, why)).asgi_send(send)
            if archives.is_archive(datasette, route.database):
                if route.kind == "download":
                    response = await error_response(datasette, route.path, 403, DOWNLOAD_REFUSED, "Download refused")
                    return await response.asgi_send(send)
                if route.kind in ("database", "table", "row"):
                    bad = await bad_parameter(datasette, route, scope)
                    if bad:
                        response = await error_response(datasette, route.path, 400, bad, "Bad request")
                        return await response.asgi_send(send)
                if route.kind == "table":
                    scope = unsuggested_scope(counted_scope(scope, route))
                streaming = any(k == "_stream" and v not in ("", "0", "off", "false") for k, v in _args(scope))
                if not streaming:
                    send = capped(datasette, route, send)
        return await app(scope, receive, send)

    return gated


# --- what is left: Datasette's exceptions ----------------------------------------------------------------
def about_archive(datasette, route: Route) -> bool:
    return route.kind == "page" or (route.database is not None and archives.is_archive(datasette, route.database))


async def exception_response(datasette, request, exception) -> Response | None:
    """The response for an exception Datasette would answer with a 500, or None to let Datasette
    answer: a database that cannot be read (503), an input error on an archive's pages (400)."""
    from datasette.views.base import DatasetteError

    route = route_of(datasette, request.scope)
    if archives.unreadable_error(exception):
        files = [db for db in datasette.databases.values() if db.path and not db.is_memory]
        db = datasette.databases.get(route.database) if route.database else (files[0] if len(files) == 1 else None)
        name = Path(db.path).name if db is not None and db.path else "A database served here"
        why = f"{name} is damaged or is no SQLite database (SQLite says: {exception})"
        return await unreadable_page(datasette, route, why)
    if not about_archive(datasette, route) or route.kind == "page":
        return None
    if isinstance(exception, DatasetteError) and exception.status == 500:
        # Datasette 0.65 raises these, with the default status, for bad input only (an unknown
        # sort column, _sort with _sort_desc, a _through without a foreign key).
        return await error_response(datasette, route.path, 400, exception.message, exception.title or "Bad request")
    if isinstance(exception, (ValueError, OverflowError, sqlite3.ProgrammingError, sqlite3.InterfaceError)):
        detail = str(exception).strip()
        return await error_response(
            datasette, route.path, 400,
            "A value in this request cannot be used here" + (f": {detail}" if detail else ""), "Bad request")
    return None
