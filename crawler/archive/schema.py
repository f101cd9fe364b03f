"""The archive's schema, as sqlite-utils migrations applied in order (crawler.archive.store
applies them: Archive.migrate()). A migration, once shipped, never changes: a new one follows.
"""

from __future__ import annotations

import json
import sqlite3

import sqlite_utils
from sqlite_utils.migrations import Migrations

from crawler.core import stats as keys
from crawler.core.fold import fold

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


@migrations()
def m002_captures_and_versions(db: sqlite_utils.Database) -> None:
    """Every WARC record of a response indexed; article history; each extracted row's provenance."""
    db.execute(
        """
        CREATE TABLE captures (
            id TEXT PRIMARY KEY,
            crawl INTEGER REFERENCES crawls (id),
            url TEXT NOT NULL,
            canonical_url TEXT NOT NULL,
            fetched_at TEXT NOT NULL,
            status INTEGER,
            content_type TEXT,
            payload_digest TEXT NOT NULL,
            record_type TEXT NOT NULL CHECK (record_type IN ('response', 'revisit', 'resource')),
            refers_to TEXT,
            warc_file TEXT NOT NULL,
            warc_offset INTEGER NOT NULL,
            warc_length INTEGER NOT NULL
        )"""
    )
    db.execute("CREATE INDEX captures_canonical_url ON captures (canonical_url, fetched_at)")
    db.execute("CREATE INDEX captures_fetched_at ON captures (fetched_at)")
    db.execute("CREATE INDEX captures_crawl ON captures (crawl)")
    db.execute(
        """
        CREATE TABLE article_versions (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL REFERENCES articles (url),
            version INTEGER NOT NULL CHECK (version >= 1),
            title TEXT NOT NULL,
            publisher TEXT NOT NULL,
            published TEXT NOT NULL,
            language TEXT NOT NULL,
            body TEXT NOT NULL,
            original_url TEXT,
            image_url TEXT,
            content_hash TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            capture TEXT,
            parser_version TEXT,
            UNIQUE (url, version)
        )"""
    )
    for table, column in (
        ("articles", "version"), ("articles", "capture"), ("articles", "parser_version"),
        ("headlines", "capture"), ("headlines", "parser_version"),
        ("headline_sightings", "capture"), ("headline_sightings", "parser_version"),
    ):
        db[table].add_column(column, int if column == "version" else str)
    # Articles stored before this migration become their own first version.
    db.execute(
        """
        INSERT INTO article_versions (url, version, title, publisher, published, language, body,
                                      original_url, image_url, content_hash, first_seen, last_seen)
        SELECT url, 1, title, publisher, published, language, body, original_url, image_url,
               content_hash, first_seen, last_seen FROM articles"""
    )
    db.execute("UPDATE articles SET version = 1")


@migrations()
def m003_frontier_and_runs(db: sqlite_utils.Database) -> None:
    """The crawl's memory (urls), what each run did (crawls), articles gone from the site."""
    db.execute(
        """
        CREATE TABLE urls (
            url TEXT PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('front', 'listing', 'article', 'feed', 'sitemap', 'other')),
            status TEXT NOT NULL CHECK (status IN ('discovered', 'fetched', 'failed', 'skipped')),
            reason TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            checks INTEGER NOT NULL DEFAULT 0,
            last_status INTEGER,
            etag TEXT,
            last_modified TEXT,
            first_seen TEXT NOT NULL,
            last_fetched TEXT,
            next_due TEXT,
            depth INTEGER NOT NULL DEFAULT 0,
            gone_since TEXT,
            crawl INTEGER REFERENCES crawls (id)
        )"""
    )
    db.execute("CREATE INDEX urls_next_due ON urls (next_due)")
    db.execute("CREATE INDEX urls_status ON urls (status, reason)")
    for column, kind in (
        ("trigger", str), ("pages_fetched", int), ("not_modified", int), ("failed", str), ("skipped", str),
        ("new_articles", int), ("new_versions", int), ("new_headlines", int), ("sightings", int),
    ):
        db["crawls"].add_column(column, kind)
    db["articles"].add_column("gone_since", str)
    db.execute(
        """
        CREATE VIEW headline_timeline AS
        SELECT h.id, h.text, h.url, h.first_seen, h.last_seen,
               count(s.crawl) AS crawls, min(s.position) AS best_position,
               round((julianday(h.last_seen) - julianday(h.first_seen)) * 24, 2) AS hours_on_ticker
        FROM headlines h LEFT JOIN headline_sightings s ON s.headline = h.id
        GROUP BY h.id"""
    )


@migrations()
def m004_folded_search(db: sqlite_utils.Database) -> None:
    """One search index over articles and headlines, of folded text (crawler.core.fold): French
    accents and Arabic letter variants, tatweel and diacritics folded; queries are folded alike."""
    db.execute(
        """CREATE VIRTUAL TABLE search_fts USING fts5(
               kind UNINDEXED, ref UNINDEXED, title, body, tokenize = "unicode61 remove_diacritics 2")"""
    )
    for row in db.query("SELECT url, title, body FROM articles"):
        index_article(db, row["url"], row["title"], row["body"])
    for row in db.query("SELECT id, text FROM headlines"):
        index_headline(db, row["id"], row["text"])


# search_fts rowids: an article's rowid in articles, a headline's id negated (one lookup each).
def index_article(db: sqlite_utils.Database, url: str, title: str, body: str) -> None:
    rowid = db.execute("SELECT rowid FROM articles WHERE url = ?", [url]).fetchone()[0]
    db.execute("DELETE FROM search_fts WHERE rowid = ?", [rowid])
    db.execute("INSERT INTO search_fts (rowid, kind, ref, title, body) VALUES (?, 'article', ?, ?, ?)",
               [rowid, url, fold(title), fold(body)])


def index_headline(db: sqlite_utils.Database, headline_id: int, text: str) -> None:
    db.execute("DELETE FROM search_fts WHERE rowid = ?", [-headline_id])
    db.execute("INSERT INTO search_fts (rowid, kind, ref, title, body) VALUES (?, 'headline', ?, ?, '')",
               [-headline_id, str(headline_id), fold(text)])


@migrations()
def m005_groups_and_stories(db: sqlite_utils.Database) -> None:
    """Duplicates grouped, not dropped: article groups (exact and near copies), headline stories."""
    db.execute(
        """
        CREATE TABLE article_groups (
            url TEXT PRIMARY KEY REFERENCES articles (url),
            grp TEXT NOT NULL,
            similarity REAL NOT NULL,
            method TEXT NOT NULL CHECK (method IN ('first', 'exact', 'near')),
            first_seen TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX article_groups_grp ON article_groups (grp)")
    # The near-duplicate index: one MinHash signature per group (its first-seen member).
    db.execute("CREATE TABLE group_signatures (grp TEXT PRIMARY KEY, signature BLOB NOT NULL)")
    db.execute(
        """
        CREATE TABLE stories (
            headline INTEGER PRIMARY KEY REFERENCES headlines (id),
            story INTEGER NOT NULL,
            similarity REAL NOT NULL
        )"""
    )
    db.execute("CREATE INDEX stories_story ON stories (story)")
    # The URL as it was found (link, feed, seed) beside the canonical one (articles.url).
    db["articles"].add_column("fetched_url", str)
    # Articles stored before: each its own group, except copies of the same text.
    db.execute(
        """
        INSERT INTO article_groups (url, grp, similarity, method, first_seen)
        SELECT a.url, f.url, 1.0, CASE WHEN a.url = f.url THEN 'first' ELSE 'exact' END, a.first_seen
        FROM articles a JOIN articles f ON f.url = (
            SELECT url FROM articles WHERE content_hash = a.content_hash ORDER BY first_seen, url LIMIT 1)"""
    )


@migrations()
def m006_one_search_index(db: sqlite_utils.Database) -> None:
    """One full-text index (search_fts, folded) instead of three: articles_fts and headlines_fts,
    kept by sqlite-utils' triggers, held the same text again. Datasette's table search uses
    search_fts too: an article's row there is its rowid, a headline's is -id, which the headlines
    table exposes as the generated column search_rowid. The crawls table keeps the figures its
    pages and queries show as columns (pages parsed, finish reason, the site crawled), so that no
    SQL reads the stats JSON."""
    for table in ("articles", "headlines"):
        if db[f"{table}_fts"].exists():
            db[table].disable_fts()
    db.execute("ALTER TABLE headlines ADD COLUMN search_rowid INTEGER GENERATED ALWAYS AS (-id) VIRTUAL")
    for column, kind in (("pages_parsed", int), ("finish_reason", str), ("site", str)):
        db["crawls"].add_column(column, kind)
    for row in list(db.query("SELECT id, stats FROM crawls WHERE stats IS NOT NULL")):
        try:
            stats = json.loads(row["stats"])
        except ValueError:
            continue
        if isinstance(stats, dict):
            db.execute("UPDATE crawls SET pages_parsed = ?, finish_reason = ? WHERE id = ?",
                       [stats.get(keys.PAGES), stats.get("finish_reason"), row["id"]])


@migrations(transactional=False)
def m007_dates_may_be_unknown(db: sqlite_utils.Database) -> None:
    """An article whose date is impossible or implausible is stored with published NULL and the
    reason in published_problem, not dropped. SQLite cannot relax a column's constraint in place,
    so articles and article_versions are rebuilt (rowids and ids kept: search_fts and the
    foreign keys still point at the same rows), with foreign keys off, as SQLite's documentation
    prescribes: in a transaction of its own, so it runs again whole if it is ever cut short.
    The rebuilt articles table no longer fixes the languages (fr, ar: the first site's): any
    registered site's language is stored (validation checks it against crawler.sites)."""
    if "published_problem" in db["articles"].columns_dict:
        return  # rebuilt already, the record of it not written
    db.execute("PRAGMA foreign_keys = OFF")
    try:
        with db.atomic():
            _rebuild_with_unknown_dates(db)
            problems = db.execute("PRAGMA foreign_key_check").fetchall()
            if problems:
                raise sqlite3.IntegrityError(f"foreign keys broken by the rebuild: {problems[:3]}")
    finally:
        db.execute("PRAGMA foreign_keys = ON")


def _rebuild_with_unknown_dates(db: sqlite_utils.Database) -> None:
    columns = ("url, title, publisher, published, language, body, original_url, image_url, content_hash, "
               "first_seen, last_seen, version, capture, parser_version, gone_since, fetched_url")
    db.execute(
        """
        CREATE TABLE articles_rebuilt (
            url TEXT PRIMARY KEY,
            title TEXT NOT NULL CHECK (title <> ''),
            publisher TEXT NOT NULL CHECK (publisher <> ''),
            published TEXT CHECK (published IS NULL OR published GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
            language TEXT NOT NULL CHECK (language <> ''),  -- any site's language (crawler.sites)
            body TEXT NOT NULL CHECK (body <> ''),
            original_url TEXT,
            image_url TEXT,
            content_hash TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            version INTEGER,
            capture TEXT,
            parser_version TEXT,
            gone_since TEXT,
            fetched_url TEXT,
            published_problem TEXT,
            CHECK ((published IS NULL) = (published_problem IS NOT NULL))
        )"""
    )
    db.execute(f"INSERT INTO articles_rebuilt (rowid, {columns}) SELECT rowid, {columns} FROM articles")
    db.execute("DROP TABLE articles")
    db.execute("ALTER TABLE articles_rebuilt RENAME TO articles")
    db.execute("CREATE INDEX articles_content_hash ON articles (content_hash)")
    db.execute("CREATE INDEX articles_publisher_published ON articles (publisher, published)")
    columns = ("id, url, version, title, publisher, published, language, body, original_url, image_url, "
               "content_hash, first_seen, last_seen, capture, parser_version")
    db.execute(
        """
        CREATE TABLE article_versions_rebuilt (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL REFERENCES articles (url),
            version INTEGER NOT NULL CHECK (version >= 1),
            title TEXT NOT NULL,
            publisher TEXT NOT NULL,
            published TEXT,
            language TEXT NOT NULL,
            body TEXT NOT NULL,
            original_url TEXT,
            image_url TEXT,
            content_hash TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            capture TEXT,
            parser_version TEXT,
            published_problem TEXT,
            UNIQUE (url, version)
        )"""
    )
    db.execute(f"INSERT INTO article_versions_rebuilt ({columns}) SELECT {columns} FROM article_versions")
    db.execute("DROP TABLE article_versions")
    db.execute("ALTER TABLE article_versions_rebuilt RENAME TO article_versions")


@migrations()
def m008_certificate_problems(db: sqlite_utils.Database) -> None:
    """captures.tls_problem: what was wrong with an https response's certificate when it was
    fetched (hostname_mismatch, expired, no_certificate; comma-separated), NULL when nothing was.
    Such pages are archived all the same; this says which ones to doubt."""
    db["captures"].add_column("tls_problem", str)


@migrations()
def m009_state_by_query(db: sqlite_utils.Database) -> None:
    """What a crawl needs of the archive is queried as needed, not loaded whole, so that its
    memory does not grow with the archive: the near-duplicate index as a table of LSH buckets
    (group_bands: one row per band of each group's signature, crawler.grouping.articles.band_keys),
    and the paper an article or headline URL credits stored as a column (articles.paper,
    headlines.paper), written with the row, instead of computed per row by every query."""
    from crawler.sites import registry

    db.execute("CREATE TABLE group_bands (bucket INTEGER NOT NULL, sig INTEGER NOT NULL,"
               " PRIMARY KEY (bucket, sig)) WITHOUT ROWID")
    for sig, signature in db.execute("SELECT rowid, signature FROM group_signatures").fetchall():
        index_signature(db, sig, signature)
    site = db.execute("SELECT site FROM crawls WHERE site IS NOT NULL AND site <> '' ORDER BY id LIMIT 1").fetchone()
    try:
        default = registry.site(site[0]) if site else None
    except KeyError:
        default = None
    db.conn.create_function("newsarchive_paper", 1, lambda url: registry.paper_of(url, default=default),
                            deterministic=True)
    for table in ("articles", "headlines"):
        db.execute(f"ALTER TABLE {table} ADD COLUMN paper TEXT")
        db.execute(f"UPDATE {table} SET paper = newsarchive_paper(url) WHERE url IS NOT NULL")
    # The crawl's point reads: a content hash's first URL, a headline's story.
    db.execute("CREATE INDEX IF NOT EXISTS captures_payload ON captures (canonical_url, payload_digest)")


def index_signature(db: sqlite_utils.Database, sig: int, signature: bytes) -> None:
    """A group signature's LSH buckets into group_bands (`sig`: its rowid in group_signatures);
    a signature of another format is left out (never a candidate, as ArticleGroups refuses it)."""
    from crawler.grouping.articles import signature_buckets

    try:
        buckets = signature_buckets(signature)
    except ValueError:
        return
    db.execute("INSERT OR IGNORE INTO group_bands (bucket, sig) VALUES " + ",".join(["(?, ?)"] * len(buckets)),
               [v for bucket in buckets for v in (bucket, sig)])
