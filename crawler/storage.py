"""The archive: the only module that imports sqlite_utils.

Schema by migrations (sqlite-utils' Migrations), WAL mode, one writer, batched writes inside
transactions. A batch that fails is retried row by row, so an invalid row costs only itself.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import sqlite_utils
from sqlite_utils.migrations import Migrations

FTS_TOKENIZE = "unicode61 remove_diacritics 2"  # folds accents: "metropole" finds "métropole"
migrations = Migrations("newsarchive")


@migrations()
def m001_initial(db: sqlite_utils.Database) -> None:
    db.execute(
        """
        CREATE TABLE crawls (
            id INTEGER PRIMARY KEY,
            started TEXT NOT NULL,
            finished TEXT,
            source TEXT,
            stats TEXT
        )"""
    )
    db.execute(
        """
        CREATE TABLE articles (
            url TEXT PRIMARY KEY,
            title TEXT NOT NULL CHECK (title <> ''),
            publisher TEXT NOT NULL CHECK (publisher <> ''),
            published TEXT NOT NULL CHECK (published GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
            language TEXT NOT NULL CHECK (language IN ('fr', 'ar')),
            body TEXT NOT NULL CHECK (body <> ''),
            original_url TEXT,
            image_url TEXT,
            content_hash TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX articles_content_hash ON articles (content_hash)")
    db.execute("CREATE INDEX articles_publisher_published ON articles (publisher, published)")
    db.execute(
        """
        CREATE TABLE headlines (
            id INTEGER PRIMARY KEY,
            text TEXT NOT NULL CHECK (text <> ''),
            key TEXT NOT NULL UNIQUE,
            url TEXT,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL
        )"""
    )
    db.execute(
        """
        CREATE TABLE headline_sightings (
            headline INTEGER NOT NULL REFERENCES headlines (id),
            crawl INTEGER NOT NULL REFERENCES crawls (id),
            position INTEGER NOT NULL CHECK (position >= 1),
            page_url TEXT NOT NULL,
            seen_at TEXT NOT NULL,
            PRIMARY KEY (headline, crawl)
        )"""
    )
    db.execute("CREATE INDEX headline_sightings_crawl ON headline_sightings (crawl)")
    db["articles"].enable_fts(["title", "body"], create_triggers=True, tokenize=FTS_TOKENIZE)
    db["headlines"].enable_fts(["text"], create_triggers=True, tokenize=FTS_TOKENIZE)


class ArchiveError(Exception):
    """The archive file cannot be opened or used."""


@dataclass
class BatchResult:
    written: int = 0
    rejected: list[tuple[dict, str]] = field(default_factory=list)  # (row, reason)


def _reason(exc: sqlite3.Error) -> str:
    return str(exc).split(":")[0].strip().lower().replace(" ", "_")[:60] or "sqlite_error"


class Archive:
    """An archive file: open it (migrating the schema), read from it, write to it in batches."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite_utils.Database(self.path)
            self.db.execute("PRAGMA busy_timeout = 10000")
            self.db.enable_wal()
            self.db.execute("PRAGMA foreign_keys = ON")
            migrations.apply(self.db)
        except (sqlite3.Error, OSError) as exc:
            raise ArchiveError(f"cannot open archive {self.path}: {exc}") from None

    def close(self) -> None:
        self.db.close()

    # --- crawls ---------------------------------------------------------------------------------
    def start_crawl(self, started: str, source: str) -> int:
        with self.db.atomic():
            return self.db["crawls"].insert({"started": started, "source": source}).last_pk

    def finish_crawl(self, crawl_id: int, finished: str, stats: dict) -> None:
        with self.db.atomic():
            self.db["crawls"].update(
                crawl_id, {"finished": finished, "stats": json.dumps(stats, default=str, sort_keys=True)}
            )

    # --- reads used by deduplication --------------------------------------------------------
    def article_hashes(self) -> dict[str, str]:
        """url -> content hash of every stored article."""
        return {row["url"]: row["content_hash"] for row in self.db.query("SELECT url, content_hash FROM articles")}

    def headline_ids(self) -> dict[str, tuple[int, str | None]]:
        """headline key -> (id, url) of every stored headline."""
        return {row["key"]: (row["id"], row["url"]) for row in self.db.query("SELECT id, key, url FROM headlines")}

    # --- batched writes ---------------------------------------------------------------------
    def _write(self, rows: list[dict], write_one) -> BatchResult:
        """Write rows in one transaction; if it fails, row by row, so only bad rows are lost."""
        result = BatchResult()
        if not rows:
            return result
        try:
            with self.db.atomic():
                for row in rows:
                    write_one(row)
            result.written = len(rows)
            return result
        except sqlite3.Error:
            pass
        for row in rows:
            try:
                with self.db.atomic():
                    write_one(row)
                result.written += 1
            except sqlite3.Error as exc:
                result.rejected.append((row, _reason(exc)))
        return result

    def save_articles(self, rows: list[dict]) -> BatchResult:
        """Insert new articles; for known URLs update the fields and last_seen, keep first_seen."""

        def write(row: dict) -> None:
            self.db.execute(
                """
                INSERT INTO articles (url, title, publisher, published, language, body, original_url,
                                      image_url, content_hash, first_seen, last_seen)
                VALUES (:url, :title, :publisher, :published, :language, :body, :original_url,
                        :image_url, :content_hash, :seen_at, :seen_at)
                ON CONFLICT (url) DO UPDATE SET
                    title = excluded.title, publisher = excluded.publisher,
                    published = excluded.published, language = excluded.language,
                    body = excluded.body, original_url = coalesce(excluded.original_url, original_url),
                    image_url = coalesce(excluded.image_url, image_url),
                    content_hash = excluded.content_hash,
                    first_seen = min(first_seen, excluded.first_seen),
                    last_seen = max(last_seen, excluded.last_seen)
                """,
                row,
            )

        return self._write(rows, write)

    def save_headlines(self, rows: list[dict]) -> tuple[BatchResult, dict[str, int]]:
        """Insert or touch headlines by key (text, url, seen_at); returns their ids by key.

        A known headline keeps its first text and gains a URL if it had none.
        """

        def write(row: dict) -> None:
            self.db.execute(
                """
                INSERT INTO headlines (text, key, url, first_seen, last_seen)
                VALUES (:text, :key, :url, :seen_at, :seen_at)
                ON CONFLICT (key) DO UPDATE SET
                    url = coalesce(url, excluded.url),
                    first_seen = min(first_seen, excluded.first_seen),
                    last_seen = max(last_seen, excluded.last_seen)
                """,
                row,
            )

        result = self._write(rows, write)
        keys = [row["key"] for row in rows]
        ids: dict[str, int] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self.db.query(f"SELECT id, key FROM headlines WHERE key IN ({marks})", chunk):
                ids[row["key"]] = row["id"]
        return result, ids

    def save_sightings(self, rows: list[dict]) -> BatchResult:
        """One sighting per headline per crawl: (headline, crawl, position, page_url, seen_at)."""

        def write(row: dict) -> None:
            self.db.execute(
                """
                INSERT INTO headline_sightings (headline, crawl, position, page_url, seen_at)
                VALUES (:headline, :crawl, :position, :page_url, :seen_at)
                ON CONFLICT (headline, crawl) DO UPDATE SET position = min(position, excluded.position)
                """,
                row,
            )

        return self._write(rows, write)

    def query(self, sql: str, params: Iterable | dict | None = None) -> list[dict]:
        return list(self.db.query(sql, params))
