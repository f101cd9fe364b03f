"""What SQL on an archive's Datasette connections may read, and how much (the prepare_connection
hook calls guard_connection on every connection Datasette opens to an archive; other databases
get none of it).

- The internal tables (INTERNAL_TABLES: the frontier `urls`, the WARC index `captures`, the
  near-duplicate signatures, the migrations) cannot be read by any SQL on these connections: an
  SQLite authorizer denies every read of any of their columns, rowid included (SQLITE_DENY:
  "access to urls.url is prohibited"), whatever the query (arbitrary SQL, a table page, a view,
  a CTE named like anything). So no canned query and no page of the plugin may read them. Only
  their row counts remain (count(*) reads no column), on an archive under LARGE_BYTES. On a
  larger one no table but the summaries can be counted that way (`uncounted`), since a count(*)
  reads a table (or its smallest index) whole in one step that no time limit stops, and
  Datasette's database page counts every table on every view (it then lists them without a
  count, and logs each refusal); the table pages show the counts of summary_table_rows
  (crawler.publish.tables), and `count(column)` or a WHERE clause still counts, within the time
  limit. The raw-page virtual table dbstat is denied too. Their foreign keys are not reported (PRAGMA foreign_key_list of them is a no-op),
  so that Datasette's row pages do not count rows in them. The search index (search_fts and its
  shadow tables) stays readable: it holds folded copies of public text, and the search and the
  table search read it; it is not listed and has no table page (hooks.permission_allowed).
- SQLite's limits on the connection (SQLITE_LIMITS, after SQLite's "Defense Against The Dark
  Arts"): no string or blob over MAX_VALUE_BYTES (`select randomblob(1000000000)` and
  `zeroblob(2000000000)` fail at once: "string or blob too big"), at most MAX_COLUMNS columns
  (a row is at most MAX_COLUMNS x MAX_VALUE_BYTES), SQL text of at most MAX_SQL_BYTES, LIKE and
  GLOB patterns of at most MAX_LIKE_PATTERN bytes, no ATTACH.
- The rows one statement returns hold at most MAX_RESULT_BYTES of values (counted as they are
  fetched; past it the statement fails with ResultTooLarge, before more is held in memory).
- trim, ltrim and rtrim with two arguments are replaced by linear-time versions: SQLite's own
  compare each character of the text with each character of the set, which on two 1 MB strings
  runs for most of an hour in one step that no time limit interrupts.

Datasette's sql_time_limit_ms (3 s) stops a statement between steps; one step runs to its end.
The slowest single steps left, on values at the length limit, are instr() and replace() (about
5 s on this project's test machine for two 1 MB strings) and LIKE/GLOB (about 2 s): a statement
can run that much past the limit, no more.
"""

from __future__ import annotations

import functools
import sqlite3
import threading
import weakref

LARGE_BYTES = 100 * 1024 * 1024  # an archive file this large: Datasette's own limit for counting rows on its home page
INTERNAL_TABLES = frozenset({"urls", "captures", "group_signatures", "group_bands", "_sqlite_migrations"})
RAW_TABLES = frozenset({"dbstat", "sqlite_dbpage"})  # page-level views of the file
SEARCH_INDEX = "search_fts"  # readable by SQL; neither listed nor a table page
SUMMARY_PREFIX = "summary_"  # the summary tables (m010): small, counted as ever

MAX_VALUE_BYTES = 1_000_000  # SQLITE_LIMIT_LENGTH: the longest string or blob
MAX_COLUMNS = 100  # SQLITE_LIMIT_COLUMN: columns of a result, table, index, GROUP BY, ORDER BY
MAX_SQL_BYTES = 100_000  # SQLITE_LIMIT_SQL_LENGTH: the longest SQL text
MAX_LIKE_PATTERN = 1_000  # SQLITE_LIMIT_LIKE_PATTERN_LENGTH: the longest LIKE or GLOB pattern
MAX_RESULT_BYTES = 25_000_000  # the values of the rows one statement returns, in all
SQLITE_LIMITS = {
    sqlite3.SQLITE_LIMIT_LENGTH: MAX_VALUE_BYTES,
    sqlite3.SQLITE_LIMIT_COLUMN: MAX_COLUMNS,
    sqlite3.SQLITE_LIMIT_SQL_LENGTH: MAX_SQL_BYTES,
    sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH: MAX_LIKE_PATTERN,
    sqlite3.SQLITE_LIMIT_ATTACHED: 0,
}


class ResultTooLarge(sqlite3.OperationalError):
    """A statement's rows would hold more than MAX_RESULT_BYTES. An OperationalError, so that
    Datasette answers it as a bad query (400), with this message."""


def is_internal(table: str) -> bool:
    """A table neither listed nor shown as a table page: the internal tables, the search index
    and its shadow tables, the raw-page virtual tables."""
    name = table.lower()
    return name in INTERNAL_TABLES or name in RAW_TABLES or name == SEARCH_INDEX or name.startswith(SEARCH_INDEX + "_")


def denied_to_sql(table: str | None) -> bool:
    """A table no SQL on an archive connection may read."""
    return bool(table) and (table.lower() in INTERNAL_TABLES or table.lower() in RAW_TABLES)


def uncounted(table: str | None) -> bool:
    """A table whose rows no SQL may count on a large archive (count(*), `select 1 from t`: a read
    of no column): every table but the summaries (summary_*, their counts are in
    summary_table_rows). Counting a table reads it, or its smallest index, whole, in one step no
    time limit interrupts (SQLite's count(*)): gigabytes at a million articles, and Datasette's
    database page counts every table on every view."""
    return not (table or "").lower().startswith(SUMMARY_PREFIX)


def authorizer(action: int, arg1, arg2, db_name, source, *, large: bool = False) -> int:
    if action == sqlite3.SQLITE_READ and denied_to_sql(arg1):
        # A read of no column (count(*), `select 1 from t`) reads no content: allowed on a small
        # archive, so that Datasette's table counts do not log an error for each internal table on
        # every page; not on a large one (uncounted).
        return sqlite3.SQLITE_DENY if arg2 != "" or large else sqlite3.SQLITE_IGNORE
    if action == sqlite3.SQLITE_READ and arg2 == "" and large and uncounted(arg1):
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_PRAGMA and arg1 and arg1.lower() == "foreign_key_list" and denied_to_sql(arg2):
        return sqlite3.SQLITE_IGNORE  # their foreign keys are not reported
    return sqlite3.SQLITE_OK


def _value_size(value) -> int:
    if isinstance(value, (str, bytes)):
        return len(value)
    return 8


def bounded_rows(row_factory):
    """A row factory that counts the bytes of the values each cursor has fetched and fails past
    MAX_RESULT_BYTES (Datasette uses a fresh cursor per query)."""
    fetched: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def factory(cursor, row):
        total = fetched.get(cursor, 0) + sum(_value_size(v) for v in row)
        if total > MAX_RESULT_BYTES:
            raise ResultTooLarge(
                f"This query returns more than {MAX_RESULT_BYTES // 1_000_000} MB of data: "
                "ask for fewer rows or columns (LIMIT, _size, _col), or shorter values")
        fetched[cursor] = total
        return row_factory(cursor, row) if row_factory is not None else row

    return factory


# --- trim, ltrim, rtrim in linear time ------------------------------------------------------------
_builtin = threading.local()
SMALL_WORK = 10_000_000  # len(text) x len(set) that SQLite's own trim does quickly


def _sqlite_builtin(sql: str, *args):
    """One of SQLite's own functions, on a private in-memory connection of this thread (for
    arguments the linear versions do not handle: numbers, blobs)."""
    conn = getattr(_builtin, "conn", None)
    if conn is None:
        conn = _builtin.conn = sqlite3.connect(":memory:")
        for limit, value in SQLITE_LIMITS.items():
            conn.setlimit(limit, value)
    return conn.execute(sql, args).fetchone()[0]


def _trim_function(name: str, left: bool, right: bool):
    def trim(text, chars):
        if text is None or chars is None:
            return None
        if isinstance(text, str) and isinstance(chars, str):
            drop = set(chars)
            start, end = 0, len(text)
            if left:
                while start < end and text[start] in drop:
                    start += 1
            if right:
                while end > start and text[end - 1] in drop:
                    end -= 1
            return text[start:end]
        if _value_size(text) * _value_size(chars) > SMALL_WORK:
            raise ValueError(f"{name}() of a blob this long is not allowed here")
        return _sqlite_builtin(f"SELECT {name}(?, ?)", text, chars)

    return trim


def guard_connection(conn: sqlite3.Connection, *, large: bool = False) -> None:
    """Every limit above, on one archive connection (after Datasette set its row factory); `large`:
    the archive file is over LARGE_BYTES when the connection opens (its internal tables and the
    search index's shadow tables then cannot be counted either)."""
    for limit, value in SQLITE_LIMITS.items():
        conn.setlimit(limit, value)
    conn.set_authorizer(functools.partial(authorizer, large=large))
    conn.row_factory = bounded_rows(conn.row_factory)
    for name, left, right in (("trim", True, True), ("ltrim", True, False), ("rtrim", False, True)):
        conn.create_function(name, 2, _trim_function(name, left, right), deterministic=True)
