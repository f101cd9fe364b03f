"""The crawl's state, read from the archive as needed: point queries on its indexes, never the
archive loaded whole, so that a crawl's memory does not grow with the archive.

`ArchiveState` answers the grouping core (crawler.processing.group.ArchiveView: content hashes,
hash holders, groups, near-duplicate candidates through the LSH buckets of group_bands,
headlines in a story, the recent stories), the frontier (a URL's row, the URLs due) and the
WARC writer (`PayloadHolders`: the first capture of a payload, for revisit records).

In a crawl it reads through a connection of its own (SQLite's WAL lets it read while the
writer thread writes); `reparse` hands it the archive's connection.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

from crawler.core import clock

STORY_WINDOW = timedelta(days=30)
"""How long a story stays open: a new headline may join the stories whose first headline was
on the ticker in the last 30 days (before the crawl); older stories are closed. Memory then
follows the ticker's rate, not the archive's age."""

PAGE_ROWS = 1000  # rows of the urls table read at a time when listing the URLs due

FRONTIER_COLUMNS = """url, kind, status, reason, attempts, checks, last_status, first_seen, last_fetched,
    next_due, depth, gone_since, crawl,
    CASE WHEN kept THEN etag END AS etag, CASE WHEN kept THEN last_modified END AS last_modified"""
# A URL's validators (etag, last_modified) are given only when the archive holds a capture of its
# page (a 200): a conditional request for a page whose capture was lost would be answered 304
# and the page never fetched again.
KEPT = "EXISTS (SELECT 1 FROM captures c WHERE c.canonical_url = urls.url AND c.status = 200) AS kept"


def read_connection(path: str | Path) -> sqlite3.Connection:
    """A connection that reads the archive beside its writer (WAL), for the crawl's thread."""
    conn = sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 10000")
    return conn


class ArchiveState:
    """Point queries on the archive for one crawl (or one re-parsed crawl)."""

    def __init__(self, conn: sqlite3.Connection, *, as_of: str | None = None):
        self.conn = conn
        self.as_of = as_of or clock.timestamp()  # the crawl's start: the stories window ends there

    def _one(self, sql: str, params) -> tuple | None:
        return self.conn.execute(sql, params).fetchone()

    def _dicts(self, sql: str, params) -> list[dict]:
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    # --- grouping (crawler.processing.group.ArchiveView) ---------------------------------------
    def content_hash(self, url: str) -> str | None:
        row = self._one("SELECT content_hash FROM articles WHERE url = ?", [url])
        return row[0] if row else None

    def hash_holder(self, content_hash: str) -> str | None:
        row = self._one("SELECT min(url) FROM articles WHERE content_hash = ?", [content_hash])
        return row[0] if row else None

    def group_of(self, url: str) -> str | None:
        row = self._one("SELECT grp FROM article_groups WHERE url = ?", [url])
        return row[0] if row else None

    def near_candidates(self, buckets: list[int]) -> list[tuple[str, bytes]]:
        marks = ",".join("?" * len(buckets))
        return [(r[0], r[1]) for r in self.conn.execute(
            f"""SELECT grp, signature FROM group_signatures WHERE rowid IN
                    (SELECT sig FROM group_bands WHERE bucket IN ({marks})) ORDER BY rowid""", buckets)]

    def in_story(self, key: str) -> bool:
        return self._one("SELECT 1 FROM headlines h JOIN stories s ON s.headline = h.id WHERE h.key = ?",
                         [key]) is not None

    def recent_stories(self) -> list[tuple[str, str, str, str]]:
        since = clock.format(clock.parse(self.as_of) - STORY_WINDOW)
        # A story's last sighting: its headlines' latest last_seen (summary_stories keeps it).
        return [(r[0], r[0], r[1], r[2]) for r in self.conn.execute(
            """SELECT h.key, h.text, coalesce(ss.last_seen, h.last_seen) FROM stories s
               JOIN headlines h ON h.id = s.headline LEFT JOIN summary_stories ss ON ss.story = s.story
               WHERE s.story = s.headline AND h.last_seen >= ? ORDER BY s.headline""", [since])]

    # --- the frontier ------------------------------------------------------------------------------
    def url_row(self, url: str) -> dict | None:
        """The URL's row in the urls table (validators only when a capture is kept)."""
        rows = self._dicts(f"SELECT {FRONTIER_COLUMNS} FROM (SELECT *, {KEPT} FROM urls WHERE url = ?)", [url])
        return rows[0] if rows else None

    def due(self, now: str, *, every_known: bool = False) -> Iterator[dict]:
        """The URLs due at `now` (next_due reached), oldest due first, as (url, kind, status,
        depth, next_due) rows; with `every_known`, also every URL not skipped (a full, not
        incremental, crawl). Read a page at a time, so that no read stays open for the crawl's
        length; without the validators (url_row gives them, for the URLs scheduled)."""
        if every_known:
            where, order, key = "(next_due <= :now OR status <> 'skipped') AND rowid > :after", "rowid", ("rowid",)
        else:
            where, order, key = ("next_due <= :now AND (next_due, rowid) > (:due, :after)",
                                 "next_due, rowid", ("next_due", "rowid"))
        params = {"now": now, "due": "", "after": 0}
        while True:
            rows = self._dicts(
                f"""SELECT url, kind, status, depth, next_due, rowid AS rowid_ FROM urls
                    WHERE {where} ORDER BY {order} LIMIT {PAGE_ROWS}""", params)
            for row in rows:
                params["after"] = row.pop("rowid_")
                yield row
            if len(rows) < PAGE_ROWS:
                return
            last = rows[-1]
            if "next_due" in key:
                params["due"] = last["next_due"]


class PayloadHolders:
    """(canonical URL, payload digest) -> the first capture holding that payload (id, url,
    fetched_at): the captures of this crawl in memory, earlier ones queried from the archive
    (on the writer thread, through its connection)."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.crawl: dict[tuple[str, str], dict] = {}

    def get(self, key: tuple[str, str]) -> dict | None:
        holder = self.crawl.get(key)
        if holder is not None:
            return holder
        row = self.conn.execute(
            """SELECT id, url, fetched_at FROM captures WHERE canonical_url = ? AND payload_digest = ?
               AND record_type = 'response' AND status = 200 ORDER BY rowid LIMIT 1""", list(key)).fetchone()
        return {"id": row[0], "url": row[1], "fetched_at": row[2]} if row is not None else None

    def __setitem__(self, key: tuple[str, str], row: dict) -> None:
        self.crawl[key] = {"id": row["id"], "url": row["url"], "fetched_at": row["fetched_at"]}
