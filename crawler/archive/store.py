"""The archive: one SQLite file, through sqlite-utils.

`Archive(path)` opens it (WAL, foreign keys, a busy timeout); `migrate()` brings its schema up
to date (crawler.archive.schema), once, by whoever owns the process; the methods below are the
archive's batched writes and the reads the crawl needs. A batch is one transaction; a batch
that fails is retried row by row, so an invalid row costs only itself.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

import sqlite_utils

from crawler.archive import schema
from crawler.archive.schema import index_article, index_headline, index_signature, migrations
SQL_VARIABLES = 500  # values bound in one "IN (...)": well under SQLite's limit of 32,766


CAPTURE_PAGE = 1000  # captures read at a time
PaperRule = Callable[[str | None, str | None], str | None]  # (url, site name) -> the paper it credits
BucketRule = Callable[[bytes], list[int]]  # a group's signature -> its LSH buckets


class ArchiveError(Exception):
    """The archive file cannot be opened or used."""


class ArchiveWriteError(ArchiveError):
    """A write failed for a reason no row is to blame for (disk full, I/O error, the file gone or
    replaced, read-only): the transaction is rolled back and no later write may go on, or a
    URL could be marked done while what it gave is not stored."""


# The errors a bad row causes (a constraint, a value too big): that row is refused, the batch
# goes on. Any other sqlite3.Error is the archive's, not the row's: ArchiveWriteError.
ROW_ERRORS = (sqlite3.IntegrityError, sqlite3.DataError)


@dataclass
class BatchResult:
    written: int = 0
    rejected: list[tuple[dict, str]] = field(default_factory=list)  # (row, reason)
    versions: int = 0  # articles only: changed texts appended as a new version (not first versions)
    new: int = 0  # headlines only: keys the archive did not hold before


def _reason(exc: sqlite3.Error) -> str:
    return str(exc).split(":")[0].strip().lower().replace(" ", "_")[:60] or "sqlite_error"


SQLITE_HEADER = b"SQLite format 3\x00"


def check_file(path: str | Path) -> None:
    """ArchiveError unless `path` is an SQLite file or nothing yet (a new archive): a check of
    the file's first bytes, without opening it. An empty file is refused too: it is not an
    archive (a new archive is a path where nothing is yet)."""
    path = Path(path)
    try:
        with path.open("rb") as f:
            header = f.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return
    except OSError as exc:
        raise ArchiveError(f"cannot open archive {path}: {exc.strerror or exc}") from None
    if not header:
        raise ArchiveError(f"cannot open archive {path}: the file is empty (0 bytes), not an archive; "
                           "remove it to start a new archive there")
    if header != SQLITE_HEADER:
        raise ArchiveError(f"cannot open archive {path}: file is not a database")


def file_identity(path: str | Path) -> tuple[int, int] | None:
    """(device, inode) of a file, None if there is none: the same for every hard link to it,
    another for a file put in its place."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino


class Archive:
    """An archive file: open it, migrate it (once, explicitly), read from it, write to it in batches.

    One connection, used from one thread at a time: a crawl opens it once, on its writer thread
    (crawler.crawl.extension), and hands it to what needs it.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        check_file(self.path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite_utils.Database(self.path)
            self.db.execute("PRAGMA busy_timeout = 10000")
            self.db.enable_wal()
            self.db.execute("PRAGMA foreign_keys = ON")
            # Read the schema: a file whose first pages are damaged fails here, not mid-crawl.
            self.db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except (sqlite3.Error, OSError) as exc:
            raise ArchiveError(f"cannot open archive {self.path}: {exc}") from None
        self.identity = file_identity(self.path)

    def check_identity(self) -> None:
        """ArchiveWriteError if the archive's file was deleted or replaced since it was opened
        (SQLite would go on writing to the unlinked file, and everything written would be lost)."""
        now = file_identity(self.path)
        if now is None:
            raise ArchiveWriteError(f"the archive {self.path} was deleted while it was being written")
        if now != self.identity:
            raise ArchiveWriteError(f"the archive {self.path} was replaced by another file while it was being written")

    def migrate(self, paper_of: PaperRule | None = None, buckets_of: BucketRule | None = None,
                progress: Callable[[str], None] | None = None) -> Archive:
        """Bring the schema up to date (the migrations not applied yet, in order).

        The rules migrations need to fill in what older archives lack, given by the host (the
        archive knows no site and no grouping): `paper_of(url, site name)`, the paper an article
        URL credits (crawler.sites.registry.paper_by_site_name), and `buckets_of(signature)`, the
        LSH buckets of a group's signature (crawler.grouping.articles.signature_buckets; a
        signature it refuses with ValueError gets none). Without them, rows stored before stay
        without a paper, and groups stored before are not found by later crawls' near copies."""
        self.db.conn.create_function("newsarchive_paper", 2, paper_of or (lambda url, site: None))

        def buckets(signature):
            try:
                return json.dumps(buckets_of(signature) if buckets_of else [])
            except ValueError:
                return "[]"

        self.db.conn.create_function("newsarchive_buckets", 1, buckets)
        pending = [m.name for m in migrations.pending(self.db)]
        if progress is not None and pending and self.db["articles"].exists():
            progress(f"migrating archive {self.path}: {', '.join(pending)}")
        schema.report = progress
        try:
            migrations.apply(self.db)
        except sqlite3.Error as exc:
            raise ArchiveError(f"cannot migrate archive {self.path}: {exc}") from None
        finally:
            schema.report = None
        return self

    @classmethod
    def open(cls, path: str | Path, *, paper_of: PaperRule | None = None,
             buckets_of: BucketRule | None = None, progress: Callable[[str], None] | None = None) -> Archive:
        """Open an archive and bring its schema up to date: what a process that owns it does first.
        `progress`, if given, is told which migrations run and how far the long ones are."""
        archive = cls(path)
        try:
            return archive.migrate(paper_of, buckets_of, progress)
        except ArchiveError:
            archive.close()
            raise

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # --- crawls ---------------------------------------------------------------------------------
    def start_crawl(self, started: str, source: str, site: str | None = None) -> int:
        with self.transaction():
            return self.db["crawls"].insert({"started": started, "source": source, "site": site}).last_pk

    def finish_crawl(self, crawl_id: int, finished: str, stats: dict, summary: dict | None = None) -> None:
        """Close a crawl's row: when, its Scrapy stats as JSON, and its summary columns."""
        with self.transaction():
            self.db["crawls"].update(
                crawl_id,
                {"finished": finished, "stats": json.dumps(stats, default=str, sort_keys=True), **(summary or {})},
            )

    def crawl_sites(self) -> dict[int, str | None]:
        """crawl id -> the site it crawled (None: an import of another tool's WARC files; crawls
        made before sites were recorded give "")."""
        return {
            row["id"]: None if (row["source"] or "").startswith("import:") else (row["site"] or "")
            for row in self.db.query("SELECT id, source, site FROM crawls")
        }

    # --- batched writes ---------------------------------------------------------------------
    def _write(self, rows: list[dict], write_one, on_retry=None) -> BatchResult:
        """Write rows in one transaction (a savepoint, inside the caller's transaction); if a row
        is refused (ROW_ERRORS), write them again row by row, so only bad rows are lost. Any other
        error is the archive's: ArchiveWriteError, and the caller's transaction is rolled back."""
        result = BatchResult()
        if not rows:
            return result
        try:
            try:
                with self.db.atomic():
                    for row in rows:
                        write_one(row)
                result.written = len(rows)
                return result
            except ROW_ERRORS:
                if on_retry is not None:
                    on_retry()  # the batch was rolled back: forget what its rows did
            for row in rows:
                try:
                    with self.db.atomic():
                        write_one(row)
                    result.written += 1
                except ROW_ERRORS as exc:
                    result.rejected.append((row, _reason(exc)))
        except sqlite3.Error as exc:
            raise ArchiveWriteError(f"cannot write the archive {self.path}: {exc}") from None
        return result

    def save_articles(self, rows: list[dict]) -> BatchResult:
        """Store articles with their history: a text never seen for a URL becomes a new version.

        A row (url, title, publisher, published, language, body, original_url, image_url,
        content_hash, seen_at, capture, parser_version) whose title and body match one of the
        URL's versions only widens that version's first_seen/last_seen; otherwise it is appended
        as the URL's next version. Nothing is overwritten: the articles row shows the version
        seen last, and every earlier text stays in article_versions.
        """
        added: list[str] = []  # URLs given a new version (appended once a row is fully written)

        def write(row: dict) -> None:
            row = {"capture": None, "parser_version": None, "fetched_url": None, "published_problem": None,
                   "paper": None, "authors": None, "published_at": None, "partial": 0, **row}
            if isinstance(row["authors"], list):  # stored as a JSON array, NULL for none
                row["authors"] = json.dumps(row["authors"], ensure_ascii=False) if row["authors"] else None
            new_version = False
            stored = self.db.execute("SELECT 1 FROM articles WHERE url = :url", row).fetchone() is not None
            self.db.execute(
                """
                INSERT INTO articles (url, title, publisher, published, language, body, original_url,
                                      image_url, content_hash, first_seen, last_seen, version, capture,
                                      parser_version, fetched_url, published_problem, paper, authors,
                                      published_at, partial)
                VALUES (:url, :title, :publisher, :published, :language, :body, :original_url,
                        :image_url, :content_hash, :seen_at, :seen_at, 1, :capture, :parser_version,
                        :fetched_url, :published_problem, :paper, :authors, :published_at, :partial)
                ON CONFLICT (url) DO UPDATE SET
                    fetched_url = coalesce(fetched_url, excluded.fetched_url),
                    paper = coalesce(paper, excluded.paper),
                    first_seen = min(first_seen, excluded.first_seen),
                    last_seen = max(last_seen, excluded.last_seen)
                """,
                row,
            )
            if not stored:  # an article new to the archive: its first version, nothing to compare
                self.db.execute(
                    """
                    INSERT INTO article_versions (url, version, title, publisher, published, language,
                        body, original_url, image_url, content_hash, first_seen, last_seen, capture,
                        parser_version, published_problem, authors, published_at, partial)
                    VALUES (:url, 1, :title, :publisher, :published, :language, :body, :original_url,
                            :image_url, :content_hash, :seen_at, :seen_at, :capture, :parser_version,
                            :published_problem, :authors, :published_at, :partial)
                    """,
                    row,
                )
                index_article(self.db, row["url"], row["title"], row["body"])
                return
            same = self.db.execute(
                "SELECT version FROM article_versions WHERE url = :url AND title = :title"
                " AND content_hash = :content_hash",
                row,
            ).fetchone()
            if same:
                self.db.execute(
                    """
                    UPDATE article_versions SET
                        first_seen = min(first_seen, :seen_at), last_seen = max(last_seen, :seen_at),
                        original_url = coalesce(original_url, :original_url),
                        image_url = coalesce(image_url, :image_url),
                        authors = coalesce(authors, :authors),
                        published_at = coalesce(published_at, :published_at),
                        -- a version's parser is the one that read its capture: re-parsed (the same
                        -- capture), it is the new one; seen again in another capture, the first
                        parser_version = CASE WHEN capture IS :capture OR capture IS NULL
                                              THEN coalesce(:parser_version, parser_version)
                                              ELSE parser_version END
                    WHERE url = :url AND version = :version
                    """,
                    {**row, "version": same[0]},
                )
            else:
                earlier = self.db.execute(
                    "SELECT count(*) FROM article_versions WHERE url = :url", row
                ).fetchone()[0]
                self.db.execute(
                    """
                    INSERT INTO article_versions (url, version, title, publisher, published, language,
                        body, original_url, image_url, content_hash, first_seen, last_seen, capture,
                        parser_version, published_problem, authors, published_at, partial)
                    VALUES (:url, (SELECT coalesce(max(version), 0) + 1 FROM article_versions
                                   WHERE url = :url),
                            :title, :publisher, :published, :language, :body, :original_url,
                            :image_url, :content_hash, :seen_at, :seen_at, :capture, :parser_version,
                            :published_problem, :authors, :published_at, :partial)
                    """,
                    row,
                )
                new_version = earlier > 0  # a changed text, not an article's first version
            # The articles row shows the version seen last (ties: the newer version).
            self.db.execute(
                """
                UPDATE articles SET (title, publisher, published, language, body, original_url,
                                     image_url, content_hash, version, capture, parser_version,
                                     published_problem, authors, published_at, partial) = (
                    SELECT title, publisher, published, language, body, original_url, image_url,
                           content_hash, version, capture, parser_version, published_problem, authors,
                           published_at, partial
                    FROM article_versions WHERE url = :url ORDER BY last_seen DESC, version DESC LIMIT 1)
                WHERE url = :url
                """,
                row,
            )
            if same is not None and row["capture"] is not None:
                # The text was known; the articles row says which capture and parser read the
                # URL last (its version keeps the first that found that text).
                self.db.execute(
                    """UPDATE articles SET capture = :capture, parser_version = :parser_version
                       WHERE url = :url AND last_seen = :seen_at
                         AND (capture IS NOT :capture OR parser_version IS NOT :parser_version)""",
                    row,
                )
            if same is None:  # a text new to this URL: the index follows the articles row
                current = self.db.execute("SELECT title, body FROM articles WHERE url = :url", row).fetchone()
                index_article(self.db, row["url"], current[0], current[1])
            if new_version:
                added.append(row["url"])

        result = self._write(rows, write, on_retry=added.clear)
        result.versions = len(added)
        return result

    def save_headlines(self, rows: list[dict]) -> tuple[BatchResult, dict[str, int]]:
        """Insert or touch headlines by key (text, url, seen_at); returns their ids by key.

        A known headline keeps its first text and gains a URL if it had none.
        """

        def write(row: dict) -> None:
            self.db.execute(
                """
                INSERT INTO headlines (text, key, url, first_seen, last_seen, capture, parser_version, paper)
                VALUES (:text, :key, :url, :seen_at, :seen_at, :capture, :parser_version, :paper)
                ON CONFLICT (key) DO UPDATE SET
                    url = coalesce(url, excluded.url),
                    paper = coalesce(paper, excluded.paper),
                    first_seen = min(first_seen, excluded.first_seen),
                    last_seen = max(last_seen, excluded.last_seen),
                    capture = coalesce(capture, excluded.capture),
                    parser_version = coalesce(excluded.parser_version, parser_version)
                """,
                {"capture": None, "parser_version": None, "paper": None, **row},
            )

        keys = [row["key"] for row in rows]
        known = set(self._headline_ids(keys))
        result = self._write(rows, write)
        ids = self._headline_ids(keys)
        new = [key for key in ids if key not in known]
        result.new = len(new)
        if new:
            texts = {row["key"]: row["text"] for row in rows}
            with self.db.atomic():
                for key in new:
                    index_headline(self.db, ids[key], texts[key])
        return result, ids

    def _headline_ids(self, keys: list[str]) -> dict[str, int]:
        ids: dict[str, int] = {}
        for start in range(0, len(keys), SQL_VARIABLES):
            chunk = keys[start : start + SQL_VARIABLES]
            marks = ",".join("?" * len(chunk))
            for row in self.db.query(f"SELECT id, key FROM headlines WHERE key IN ({marks})", chunk):
                ids[row["key"]] = row["id"]
        return ids

    def save_sightings(self, rows: list[dict]) -> BatchResult:
        """One sighting per headline per crawl: (headline, crawl, position, page_url, seen_at)."""

        def write(row: dict) -> None:
            self.db.execute(
                """
                INSERT INTO headline_sightings (headline, crawl, position, page_url, seen_at, capture,
                                                parser_version)
                VALUES (:headline, :crawl, :position, :page_url, :seen_at, :capture, :parser_version)
                ON CONFLICT (headline, crawl) DO UPDATE SET
                    position = min(position, excluded.position),
                    capture = coalesce(capture, excluded.capture),
                    parser_version = coalesce(excluded.parser_version, parser_version)
                """,
                {"capture": None, "parser_version": None, **row},
            )

        return self._write(rows, write)

    # --- groups and stories ---------------------------------------------------------------------------
    def save_groups(self, rows: list[dict]) -> BatchResult:
        """Article group rows (url, grp, similarity, method, first_seen, signature or None, and
        with a signature its LSH buckets); an article keeps the group it was first given."""

        def write(row: dict) -> None:
            self.db.execute(
                """INSERT INTO article_groups (url, grp, similarity, method, first_seen)
                   VALUES (:url, :grp, :similarity, :method, :first_seen) ON CONFLICT (url) DO NOTHING""",
                row,
            )
            if row.get("signature") is not None:
                cursor = self.db.execute(
                    "INSERT INTO group_signatures (grp, signature) VALUES (:grp, :signature)"
                    " ON CONFLICT (grp) DO NOTHING",
                    row,
                )
                if cursor.rowcount:  # a new group: its LSH buckets, for later crawls to find it
                    index_signature(self.db, cursor.lastrowid, row.get("buckets") or [])

        return self._write(rows, write)

    def save_stories(self, rows: list[dict]) -> BatchResult:
        """Story rows (key, story key, similarity) of headlines already stored; a headline keeps
        the story it was first given."""
        ids = self._headline_ids(sorted({r["key"] for r in rows} | {r["story"] for r in rows}))

        def write(row: dict) -> None:
            self.db.execute(
                "INSERT INTO stories (headline, story, similarity) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                [ids[row["key"]], ids[row["story"]], row["similarity"]],
            )

        return self._write([r for r in rows if r["key"] in ids and r["story"] in ids], write)

    # --- the frontier -------------------------------------------------------------------------------
    def save_url_marks(self, marks: list[dict]) -> BatchResult:
        """Record what happened to URLs (url, kind, status, reason, at, and as known: last_status,
        etag, last_modified, next_due, depth, crawl, fetched (bool), failed (bool), gone (bool)).

        "discovered" never downgrades a URL the table already knows; a fetch counts a check and
        clears the failed attempts; a failure counts an attempt; a gone article keeps its versions
        and gets gone_since.
        """

        def write(mark: dict) -> None:
            mark = {"reason": None, "last_status": None, "etag": None, "last_modified": None,
                    "next_due": None, "depth": 0, "crawl": None, **mark}
            if mark["status"] == "discovered":
                self.db.execute(
                    """INSERT INTO urls (url, kind, status, first_seen, next_due, depth, crawl)
                       VALUES (:url, :kind, 'discovered', :at, :at, :depth, :crawl)
                       ON CONFLICT (url) DO NOTHING""",
                    mark,
                )
                return
            fetched = mark["status"] == "fetched"
            failed = mark["status"] == "failed"
            self.db.execute(
                f"""INSERT INTO urls (url, kind, status, reason, attempts, checks, last_status, etag,
                                     last_modified, first_seen, last_fetched, next_due, depth, crawl)
                    VALUES (:url, :kind, :status, :reason, {int(failed)}, {int(fetched)}, :last_status,
                            :etag, :last_modified, :at, {":at" if fetched else "NULL"}, :next_due,
                            :depth, :crawl)
                    ON CONFLICT (url) DO UPDATE SET
                        kind = excluded.kind, status = excluded.status, reason = excluded.reason,
                        attempts = {"attempts + 1" if failed else "0"},
                        checks = checks + {int(fetched)},
                        last_status = coalesce(excluded.last_status, last_status),
                        etag = {"coalesce(excluded.etag, etag)" if fetched else "etag"},
                        last_modified = {"coalesce(excluded.last_modified, last_modified)" if fetched else "last_modified"},
                        last_fetched = {"excluded.last_fetched" if fetched else "last_fetched"},
                        next_due = excluded.next_due, crawl = excluded.crawl""",
                mark,
            )
            if mark.get("gone"):
                self.db.execute("UPDATE urls SET gone_since = coalesce(gone_since, :at) WHERE url = :url", mark)
                self.db.execute("UPDATE articles SET gone_since = coalesce(gone_since, :at) WHERE url = :url", mark)
            elif fetched and mark["last_status"] != 304:
                # only where it was set: an UPDATE of an articles row costs its indexes a write
                self.db.execute("UPDATE urls SET gone_since = NULL WHERE url = :url AND gone_since IS NOT NULL", mark)
                self.db.execute("UPDATE articles SET gone_since = NULL WHERE url = :url AND gone_since IS NOT NULL",
                                mark)

        return self._write(marks, write)

    @contextlib.contextmanager
    def transaction(self):
        """One transaction around several batches (nested batches become savepoints), on the
        archive's file as it was opened: all of it is written, or none (ArchiveWriteError)."""
        self.check_identity()
        try:
            with self.db.atomic():
                yield
                self.check_identity()  # deleted meanwhile: do not report a commit that is lost
        except ArchiveWriteError:
            raise
        except sqlite3.Error as exc:
            raise ArchiveWriteError(f"cannot write the archive {self.path}: {exc}") from None

    # --- extraction health ------------------------------------------------------------------------
    def save_health(self, crawl_id: int, rows: list[dict], drops: list[dict] | None = None) -> None:
        """A crawl's extraction health rows (crawler.processing.health), replacing any it had (a
        re-parse recomputes them), and its drift (None: left as it is)."""
        try:
            with self.db.atomic():
                self.db.execute("DELETE FROM extraction_health WHERE crawl = ?", [crawl_id])
                if rows:
                    self.db["extraction_health"].insert_all(rows)
                if drops is not None:
                    self.db.execute("DELETE FROM extraction_drift WHERE crawl = ?", [crawl_id])
                    if drops:
                        self.db["extraction_drift"].insert_all({"crawl": crawl_id, **d} for d in drops)
        except sqlite3.Error as exc:
            raise ArchiveWriteError(f"cannot write the archive {self.path}: {exc}") from None

    def recent_health(self, sites: list[str], *, before: int, crawls: int) -> list[list[dict]]:
        """The health rows of the last `crawls` crawls before `before` that read one of `sites`,
        one list per crawl, newest first."""
        marks = ", ".join("?" * len(sites))
        ids = [r[0] for r in self.db.execute(
            f"SELECT DISTINCT crawl FROM extraction_health WHERE site IN ({marks}) AND crawl < ?"
            " ORDER BY crawl DESC LIMIT ?", [*sites, before, crawls])]
        if not ids:
            return []
        rows = self.db.query(
            f"SELECT * FROM extraction_health WHERE crawl IN ({', '.join('?' * len(ids))})", ids)
        by_crawl: dict[int, list[dict]] = {i: [] for i in ids}
        for row in rows:
            by_crawl[row["crawl"]].append(row)
        return [by_crawl[i] for i in ids]

    def health_of(self, crawl_id: int) -> tuple[list[dict], list[dict]]:
        """A crawl's extraction health rows and its drift rows."""
        return (list(self.db.query("SELECT * FROM extraction_health WHERE crawl = ? ORDER BY site, parser",
                                   [crawl_id])),
                list(self.db.query("SELECT * FROM extraction_drift WHERE crawl = ? ORDER BY site, measure",
                                   [crawl_id])))

    def last_crawl_by_site(self) -> dict[str, dict]:
        """Per site: its last crawl's id, start and finish reason."""
        return {row["site"]: row for row in self.db.query(
            """SELECT site, id, started, finish_reason FROM crawls
               WHERE id IN (SELECT max(id) FROM crawls WHERE site IS NOT NULL GROUP BY site)""")}

    def last_runs(self, n: int) -> list[dict]:
        return list(self.db.query("SELECT * FROM crawls ORDER BY id DESC LIMIT ?", [n]))

    def due_summary(self, now: str) -> list[dict]:
        """Per kind: URLs due now, and the next due time of the others."""
        return list(self.db.query(
            """SELECT kind, count(*) AS urls,
                      sum(status = 'discovered') AS discovered,
                      sum(next_due IS NOT NULL AND next_due <= :now) AS due_now,
                      min(CASE WHEN next_due > :now THEN next_due END) AS next_due,
                      sum(status = 'failed') AS failed, sum(gone_since IS NOT NULL) AS gone
               FROM urls GROUP BY kind ORDER BY kind""",
            {"now": now},
        ))

    # --- captures ---------------------------------------------------------------------------------
    def save_captures(self, rows: list[dict]) -> BatchResult:
        """Index WARC records: (id, crawl, url, canonical_url, fetched_at, status, content_type,
        payload_digest, record_type, refers_to, warc_file, warc_offset, warc_length, and
        tls_problem: what was wrong with an https response's certificate, or None)."""

        def write(row: dict) -> None:
            self.db.execute(
                """
                INSERT OR IGNORE INTO captures (id, crawl, url, canonical_url, fetched_at, status,
                    content_type, payload_digest, record_type, refers_to, warc_file, warc_offset, warc_length,
                    tls_problem)
                VALUES (:id, :crawl, :url, :canonical_url, :fetched_at, :status, :content_type,
                    :payload_digest, :record_type, :refers_to, :warc_file, :warc_offset, :warc_length,
                    :tls_problem)
                """,
                {"tls_problem": None, **row},
            )

        return self._write(rows, write)

    def captures(self, *, since: str | None = None, url_glob: str | None = None,
                 crawl: int | None = None, after: int = 0) -> Iterator[dict]:
        """Captures in the order they were made, with the WARC record holding each one's payload,
        read a page at a time (an archive's captures are never all in memory); each with its
        `seq` (its rowid: `after` gives the captures made after that one).

        `since`: fetched_at at or after this ISO date or time; `url_glob`: a shell-style pattern
        (* and ?) matched against the URL or the canonical URL.
        """
        where, params = self._capture_filter(since=since, url_glob=url_glob, crawl=crawl)
        params["after"] = after
        sql = """
            SELECT c.rowid AS seq, c.id, c.crawl, c.url, c.canonical_url, c.fetched_at, c.status,
                   c.content_type, c.record_type, coalesce(o.warc_file, c.warc_file) AS payload_file,
                   coalesce(o.warc_offset, c.warc_offset) AS payload_offset
            FROM captures c LEFT JOIN captures o ON o.id = c.refers_to
            WHERE c.rowid > :after"""
        sql += "".join(f" AND {w}" for w in where) + f" ORDER BY c.rowid LIMIT {CAPTURE_PAGE}"
        while True:
            rows = list(self.db.query(sql, params))
            for row in rows:
                params["after"] = row["seq"]
                yield row
            if len(rows) < CAPTURE_PAGE:
                return

    def count_captures(self, *, since: str | None = None, url_glob: str | None = None,
                       crawl: int | None = None) -> int:
        """How many captures `captures()` gives for the same selection."""
        where, params = self._capture_filter(since=since, url_glob=url_glob, crawl=crawl)
        sql = "SELECT count(*) FROM captures c" + (" WHERE " + " AND ".join(where) if where else "")
        return self.db.execute(sql, params).fetchone()[0]

    @staticmethod
    def _capture_filter(*, since, url_glob, crawl) -> tuple[list[str], dict]:
        where, params = [], {}
        if crawl is not None:
            where.append("c.crawl = :crawl")
            params["crawl"] = crawl
        if since:
            where.append("c.fetched_at >= :since")
            params["since"] = since
        if url_glob:
            where.append("(c.url GLOB :glob OR c.canonical_url GLOB :glob)")
            params["glob"] = url_glob
        return where, params

    def count(self, table: str) -> int:
        return self.db[table].count

    def query(self, sql: str, params: Iterable | dict | None = None) -> list[dict]:
        return list(self.db.query(sql, params))
