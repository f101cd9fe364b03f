"""The archive's schema, as sqlite-utils migrations applied in order (crawler.archive.store
applies them: Archive.migrate()). A migration, once shipped, never changes: a new one follows.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable

import sqlite_utils
from sqlite_utils.migrations import Migrations

from crawler.core import stats as keys
from crawler.core.fold import search_text

FTS_TOKENIZE = "unicode61 remove_diacritics 2"  # folds accents: "metropole" finds "métropole"
migrations = Migrations("newsarchive")

# Where the long migrations (those that rewrite every row) say how far they are: set by
# Archive.migrate(progress=...) for the time of the migration; None, silent.
report: Callable[[str], None] | None = None
REPORT_EVERY = 10.0  # seconds between two progress lines


def counted(db: sqlite_utils.Database, name: str, fn: Callable, what: str, total: int) -> None:
    """Register `fn` as the SQL function `name`, counting its calls: every REPORT_EVERY seconds
    the migration reports "<what>: n of total values (p%), about t left" (a row-by-row INSERT ...
    SELECT gives no other sign of life, and on a million articles it runs for many minutes)."""
    done, started, last = 0, 0.0, 0.0

    def wrapped(value):
        nonlocal done, started, last
        done += 1
        now = time.monotonic()
        if done == 1:  # the clock starts at the first value (the statement may have work before it)
            started = last = now
        elif report is not None and now - last >= REPORT_EVERY:
            last = now
            rate = done / max(now - started, 1e-9)
            left = max(total - done, 0) / rate if rate else 0
            report(f"{what}: {min(done, total):,} of {total:,} values ({min(done, total) / max(total, 1):.0%}), "
                   f"about {f'{left / 60:.0f} min' if left >= 120 else f'{left:.0f} s'} left")
        return fn(value)

    db.conn.create_function(name, 1, wrapped, deterministic=True)


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
# What is indexed is crawler.core.fold.search_text (folded, French elision dropped, Arabic prefixed
# words followed by their stems: m012); index_article and index_headline write today's form.
def index_article(db: sqlite_utils.Database, url: str, title: str, body: str) -> None:
    rowid = db.execute("SELECT rowid FROM articles WHERE url = ?", [url]).fetchone()[0]
    db.execute("DELETE FROM search_fts WHERE rowid = ?", [rowid])
    db.execute("INSERT INTO search_fts (rowid, kind, ref, title, body) VALUES (?, 'article', ?, ?, ?)",
               [rowid, url, search_text(title), search_text(body)])


def index_headline(db: sqlite_utils.Database, headline_id: int, text: str) -> None:
    db.execute("DELETE FROM search_fts WHERE rowid = ?", [-headline_id])
    db.execute("INSERT INTO search_fts (rowid, kind, ref, title, body) VALUES (?, 'headline', ?, ?, '')",
               [-headline_id, str(headline_id), search_text(text)])


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
    db.execute("CREATE TABLE group_bands (bucket INTEGER NOT NULL, sig INTEGER NOT NULL,"
               " PRIMARY KEY (bucket, sig)) WITHOUT ROWID")
    # newsarchive_buckets(signature): the JSON list of a signature's LSH buckets (the grouping
    # core's rule, crawler.grouping.articles.signature_buckets), registered by Archive.migrate.
    db.execute("""INSERT OR IGNORE INTO group_bands (bucket, sig)
                  SELECT j.value, g.rowid FROM group_signatures g, json_each(newsarchive_buckets(g.signature)) j""")
    # newsarchive_paper(url, site): the rule of the sites (crawler.sites), registered on the
    # connection by Archive.migrate; the archive's site (its first crawl's) for URLs no site claims.
    site = db.execute("SELECT site FROM crawls WHERE site IS NOT NULL AND site <> '' ORDER BY id LIMIT 1").fetchone()
    for table in ("articles", "headlines"):
        db.execute(f"ALTER TABLE {table} ADD COLUMN paper TEXT")
        db.execute(f"UPDATE {table} SET paper = newsarchive_paper(url, ?) WHERE url IS NOT NULL",
                   [site[0] if site else None])
    # The crawl's point reads: a content hash's first URL, a headline's story.
    db.execute("CREATE INDEX IF NOT EXISTS captures_payload ON captures (canonical_url, payload_digest)")


def index_signature(db: sqlite_utils.Database, sig: int, buckets: list[int]) -> None:
    """A group signature's LSH buckets into group_bands (`sig`: its rowid in group_signatures)."""
    if buckets:
        db.execute("INSERT OR IGNORE INTO group_bands (bucket, sig) VALUES " + ",".join(["(?, ?)"] * len(buckets)),
                   [v for bucket in buckets for v in (bucket, sig)])


@migrations()
def m010_summaries_for_serving(db: sqlite_utils.Database) -> None:
    """What the Datasette pages read stays fast as the archive grows: summary tables kept up to
    date by triggers within every write's own transaction (whoever writes: a crawl, reparse, plain
    SQL), and indexes on what the pages filter and sort on. Backfilled here from the rows stored.

    - summary_table_rows: the rows of each big table (the table pages show it instead of counting);
    - summary_articles_by_paper: articles per paper, publisher, language and host (the home page);
    - summary_articles_by_day, summary_articles_by_month: articles per published day or month per
      publisher ('' for an unknown date);
    - summary_headlines_by_day: distinct headlines on the ticker per day (UTC, of the sighting) per
      paper of the headline ('' for none), and summary_headline_days the days each headline was seen;
    - summary_headline_sightings: per headline, the crawls that saw it and its best position;
    - summary_stories: per story, its headlines, papers (distinct), crawls that saw one of them,
      first and last sighting, first headline and all of them (what most_reported_stories shows);
    - summary_groups: per duplicate group, its articles, papers (distinct publishers) and their
      names, first and last member's first_seen, lowest similarity, the first member's title;
    - summary_failures: per outcome (failed, skipped) and reason of crawls.failed / crawls.skipped,
      the crawls that had it, the URLs in all and the last crawl that had it.

    The triggers are named <table>_summary_<insert|update|delete>. A migration that rebuilds one
    of these tables (DROP and rename) drops its triggers with it and must create them again.
    headline_timeline (m003) is redefined on summary_headline_sightings."""
    host = ("substr(substr({r}.url, instr({r}.url, '//') + 2), 1,"
            " instr(substr({r}.url, instr({r}.url, '//') + 2) || '/', '/') - 1)")
    # The figures of a story (of the summary_stories row being written), from its headlines.
    headlines_of = "FROM stories x JOIN headlines h ON h.id = x.headline WHERE x.story = summary_stories.story"
    story_crawls = ("(SELECT count(DISTINCT y.crawl) FROM stories x JOIN headline_sightings y ON y.headline = x.headline"
                    " WHERE x.story = summary_stories.story)")
    story_first_seen = f"(SELECT min(h.first_seen) {headlines_of})"
    story_last_seen = f"(SELECT max(h.last_seen) {headlines_of})"
    story_figures = ", ".join((
        "headlines = (SELECT count(*) FROM stories x WHERE x.story = summary_stories.story)",
        f"papers = (SELECT count(DISTINCT h.paper) {headlines_of})", f"crawls = {story_crawls}",
        f"first_seen = {story_first_seen}", f"last_seen = {story_last_seen}",
        "first_headline = (SELECT text FROM headlines WHERE id = summary_stories.story)",
        f"all_headlines = (SELECT group_concat(h.text, ' | ') {headlines_of})"))
    # The figures of a duplicate group (of the summary_groups row being written), from its members.
    members = "FROM article_groups g WHERE g.grp = summary_groups.grp"
    members_articles = "FROM article_groups g JOIN articles a ON a.url = g.url WHERE g.grp = summary_groups.grp"
    group_figures = ", ".join((
        f"articles = (SELECT count(*) {members})", f"papers = (SELECT count(DISTINCT a.publisher) {members_articles})",
        f"first_seen = (SELECT min(g.first_seen) {members})", f"last_copy_seen = (SELECT max(g.first_seen) {members})",
        f"min_similarity = (SELECT min(g.similarity) {members})",
        f"paper_names = (SELECT group_concat(DISTINCT a.publisher) {members_articles})",
        "title = (SELECT title FROM articles WHERE url = summary_groups.grp)"))
    for sql in (
        "CREATE TABLE summary_table_rows (tbl TEXT PRIMARY KEY, row_count INTEGER NOT NULL) WITHOUT ROWID",
        """CREATE TABLE summary_articles_by_paper (paper TEXT NOT NULL, publisher TEXT NOT NULL,
               language TEXT NOT NULL, host TEXT NOT NULL, articles INTEGER NOT NULL,
               PRIMARY KEY (paper, publisher, language, host)) WITHOUT ROWID""",
        """CREATE TABLE summary_articles_by_day (published TEXT NOT NULL, publisher TEXT NOT NULL,
               articles INTEGER NOT NULL, PRIMARY KEY (published, publisher)) WITHOUT ROWID""",
        """CREATE TABLE summary_articles_by_month (month TEXT NOT NULL, publisher TEXT NOT NULL,
               articles INTEGER NOT NULL, PRIMARY KEY (month, publisher)) WITHOUT ROWID""",
        """CREATE TABLE summary_headlines_by_day (day TEXT NOT NULL, paper TEXT NOT NULL,
               headlines INTEGER NOT NULL, PRIMARY KEY (day, paper)) WITHOUT ROWID""",
        """CREATE TABLE summary_headline_days (headline INTEGER NOT NULL, day TEXT NOT NULL,
               PRIMARY KEY (headline, day)) WITHOUT ROWID""",
        """CREATE TABLE summary_headline_sightings (headline INTEGER PRIMARY KEY, crawls INTEGER NOT NULL,
               best_position INTEGER)""",
        "CREATE INDEX summary_headline_sightings_rank ON summary_headline_sightings (crawls DESC, best_position)",
        """CREATE TABLE summary_stories (story INTEGER PRIMARY KEY, headlines INTEGER NOT NULL, papers INTEGER,
               crawls INTEGER, first_seen TEXT, last_seen TEXT, first_headline TEXT, all_headlines TEXT)""",
        "CREATE INDEX summary_stories_rank ON summary_stories (headlines DESC, papers DESC, crawls DESC, last_seen DESC)",
        """CREATE TABLE summary_groups (grp TEXT PRIMARY KEY, articles INTEGER NOT NULL, papers INTEGER NOT NULL,
               first_seen TEXT, last_copy_seen TEXT, min_similarity REAL, paper_names TEXT, title TEXT)""",
        "CREATE INDEX summary_groups_rank ON summary_groups (articles DESC, papers DESC, first_seen DESC)",
        """CREATE TABLE summary_failures (outcome TEXT NOT NULL, reason TEXT NOT NULL, crawls INTEGER NOT NULL,
               urls NUMERIC, last_crawl INTEGER, PRIMARY KEY (outcome, reason)) WITHOUT ROWID""",
        # What the pages sort and filter on (IF NOT EXISTS: an archive given them by hand keeps them).
        "CREATE INDEX IF NOT EXISTS articles_published ON articles (published)",
        "CREATE INDEX IF NOT EXISTS articles_first_seen ON articles (first_seen)",
        "CREATE INDEX IF NOT EXISTS articles_last_seen ON articles (last_seen)",
        "CREATE INDEX IF NOT EXISTS articles_language_published ON articles (language, published)",
        "CREATE INDEX IF NOT EXISTS articles_published_date ON articles (date(published))",  # the date facet and its links
        "CREATE INDEX IF NOT EXISTS article_versions_first_seen ON article_versions (first_seen)",
        "CREATE INDEX IF NOT EXISTS article_versions_last_seen ON article_versions (last_seen)",
        "CREATE INDEX IF NOT EXISTS article_versions_changes ON article_versions (first_seen) WHERE version > 1",
        "CREATE INDEX IF NOT EXISTS article_versions_parser_version ON article_versions (parser_version)",
        "CREATE INDEX IF NOT EXISTS headlines_last_seen ON headlines (last_seen)",
        "CREATE INDEX IF NOT EXISTS headlines_url ON headlines (url)",
        "CREATE INDEX IF NOT EXISTS headlines_hours_on_ticker ON headlines"
        " (round((julianday(last_seen) - julianday(first_seen)) * 24, 2))",
        "CREATE INDEX IF NOT EXISTS crawls_started ON crawls (started)",
        "CREATE INDEX IF NOT EXISTS crawls_site ON crawls (site)",
        "CREATE INDEX IF NOT EXISTS article_groups_method ON article_groups (method)",
    ):
        db.execute(sql)

    # --- the backfill -------------------------------------------------------------------------------
    # Set by set, each table read once in its own order (the order its pages mostly have in the
    # file): a row-by-row backfill seeks all over the file, hours for a million articles on a slow
    # disk. The articles are read once, into a temporary table of what the summaries need.
    for table in ("articles", "article_versions", "headlines", "headline_sightings", "crawls",
                  "article_groups", "stories"):
        db.execute(f"INSERT INTO summary_table_rows (tbl, row_count) SELECT '{table}', count(*) FROM {table}")
    db.execute(f"""CREATE TEMP TABLE m010_articles AS
                   SELECT url, coalesce(paper, '') AS paper, publisher, language, {host.format(r='articles')} AS host,
                          coalesce(published, '') AS published, title
                   FROM articles ORDER BY rowid""")
    db.execute("""INSERT INTO summary_articles_by_paper (paper, publisher, language, host, articles)
                  SELECT paper, publisher, language, host, count(*) FROM temp.m010_articles GROUP BY 1, 2, 3, 4""")
    db.execute("""INSERT INTO summary_articles_by_day (published, publisher, articles)
                  SELECT published, publisher, count(*) FROM temp.m010_articles GROUP BY 1, 2""")
    db.execute("""INSERT INTO summary_articles_by_month (month, publisher, articles)
                  SELECT substr(published, 1, 7), publisher, count(*) FROM temp.m010_articles GROUP BY 1, 2""")
    db.execute("""INSERT INTO summary_groups (grp, articles, papers, first_seen, last_copy_seen, min_similarity,
                                              paper_names, title)
                  SELECT g.grp, count(*), count(DISTINCT a.publisher), min(g.first_seen), max(g.first_seen),
                         min(g.similarity), group_concat(DISTINCT a.publisher),
                         max(CASE WHEN a.url = g.grp THEN a.title END)
                  FROM temp.m010_articles a CROSS JOIN article_groups g ON g.url = a.url GROUP BY g.grp""")
    db.execute("""UPDATE summary_groups SET title = (SELECT title FROM articles WHERE url = summary_groups.grp)
                  WHERE title IS NULL""")  # a group whose first article is not one of its members
    db.execute("DROP TABLE temp.m010_articles")
    db.execute("""INSERT INTO summary_headline_days (headline, day)
                  SELECT DISTINCT headline, substr(seen_at, 1, 10) FROM headline_sightings""")
    db.execute("""INSERT INTO summary_headlines_by_day (day, paper, headlines)
                  SELECT d.day, coalesce(h.paper, ''), count(*)
                  FROM summary_headline_days d LEFT JOIN headlines h ON h.id = d.headline GROUP BY 1, 2""")
    db.execute("""INSERT INTO summary_headline_sightings (headline, crawls, best_position)
                  SELECT headline, count(*), min(position) FROM headline_sightings GROUP BY headline""")
    db.execute("""INSERT INTO summary_stories (story, headlines, papers, crawls, first_seen, last_seen, first_headline,
                                               all_headlines)
                  SELECT x.story, count(*), count(DISTINCT h.paper), 0, min(h.first_seen), max(h.last_seen),
                         max(CASE WHEN h.id = x.story THEN h.text END), group_concat(h.text, ' | ')
                  FROM headlines h CROSS JOIN stories x ON x.headline = h.id GROUP BY x.story""")
    db.execute("""UPDATE summary_stories SET first_headline = (SELECT text FROM headlines WHERE id = summary_stories.story)
                  WHERE first_headline IS NULL""")  # a story whose first headline is not one of its own
    db.execute("""UPDATE summary_stories SET crawls = c.n
                  FROM (SELECT x.story, count(DISTINCT y.crawl) AS n FROM stories x
                        JOIN headline_sightings y ON y.headline = x.headline GROUP BY x.story) AS c
                  WHERE c.story = summary_stories.story""")
    for outcome in ("failed", "skipped"):
        db.execute(f"""INSERT INTO summary_failures (outcome, reason, crawls, urls, last_crawl)
                       SELECT '{outcome}', j.key, count(*), total(j.value), max(c.id)
                       FROM crawls c, json_each(CASE WHEN json_valid(c.{outcome}) THEN c.{outcome} ELSE '{{}}' END) j
                       GROUP BY j.key""")

    # --- the triggers ----------------------------------------------------------------------------------
    def rows(table: str, change: str) -> str:
        return (f"INSERT INTO summary_table_rows (tbl, row_count) VALUES ('{table}', {change})"
                f" ON CONFLICT (tbl) DO UPDATE SET row_count = row_count + ({change});")

    def add_article(r: str) -> str:
        return f"""
            INSERT INTO summary_articles_by_paper (paper, publisher, language, host, articles)
            VALUES (coalesce({r}.paper, ''), {r}.publisher, {r}.language, {host.format(r=r)}, 1)
            ON CONFLICT (paper, publisher, language, host) DO UPDATE SET articles = articles + 1;
            INSERT INTO summary_articles_by_day (published, publisher, articles)
            VALUES (coalesce({r}.published, ''), {r}.publisher, 1)
            ON CONFLICT (published, publisher) DO UPDATE SET articles = articles + 1;
            INSERT INTO summary_articles_by_month (month, publisher, articles)
            VALUES (coalesce(substr({r}.published, 1, 7), ''), {r}.publisher, 1)
            ON CONFLICT (month, publisher) DO UPDATE SET articles = articles + 1;"""

    def remove_article(r: str) -> str:
        keys = {
            "summary_articles_by_paper": f"paper = coalesce({r}.paper, '') AND publisher = {r}.publisher"
                                         f" AND language = {r}.language AND host = {host.format(r=r)}",
            "summary_articles_by_day": f"published = coalesce({r}.published, '') AND publisher = {r}.publisher",
            "summary_articles_by_month": f"month = coalesce(substr({r}.published, 1, 7), '') AND publisher = {r}.publisher",
        }
        return "".join(f"""
            UPDATE {table} SET articles = articles - 1 WHERE {where};
            DELETE FROM {table} WHERE {where} AND articles <= 0;""" for table, where in keys.items())

    def group_refresh(grp: str) -> str:  # a group's figures, from its members
        return f"""
            UPDATE summary_groups SET {group_figures} WHERE grp = {grp};"""

    def story_refresh(story: str, figures: str = story_figures, when: str = "1") -> str:  # from its headlines
        return f"""
            UPDATE summary_stories SET {figures} WHERE story = {story} AND {when};"""

    def add_sighting(r: str) -> str:
        # A headline counts once per day: only its first sighting that day adds it.
        day = f"substr({r}.seen_at, 1, 10)"
        return f"""
            INSERT INTO summary_headline_sightings (headline, crawls, best_position) VALUES ({r}.headline, 1, {r}.position)
            ON CONFLICT (headline) DO UPDATE SET crawls = crawls + 1, best_position = min(best_position, excluded.best_position);
            INSERT INTO summary_headlines_by_day (day, paper, headlines)
            SELECT {day}, coalesce((SELECT paper FROM headlines WHERE id = {r}.headline), ''), 1
            WHERE NOT EXISTS (SELECT 1 FROM summary_headline_days WHERE headline = {r}.headline AND day = {day})
            ON CONFLICT (day, paper) DO UPDATE SET headlines = headlines + 1;
            INSERT OR IGNORE INTO summary_headline_days (headline, day) VALUES ({r}.headline, {day});"""

    def remove_sighting(r: str, other: str) -> str:
        day = f"substr({r}.seen_at, 1, 10)"
        day_key = f"day = {day} AND paper = coalesce((SELECT paper FROM headlines WHERE id = {r}.headline), '')"
        none_left = (f"NOT EXISTS (SELECT 1 FROM headline_sightings s WHERE s.headline = {r}.headline"
                     f" AND s.rowid <> {other} AND substr(s.seen_at, 1, 10) = {day})")
        return f"""
            UPDATE summary_headline_sightings SET crawls = crawls - 1,
                best_position = (SELECT min(position) FROM headline_sightings WHERE headline = {r}.headline)
            WHERE headline = {r}.headline;
            DELETE FROM summary_headline_sightings WHERE headline = {r}.headline AND crawls <= 0;
            UPDATE summary_headlines_by_day SET headlines = headlines - 1 WHERE {day_key} AND {none_left};
            DELETE FROM summary_headlines_by_day WHERE {day_key} AND headlines <= 0;
            DELETE FROM summary_headline_days WHERE headline = {r}.headline AND day = {day} AND {none_left};"""

    def headline_days(r: str, change: str) -> str:
        """Move a headline's days to or from its paper."""
        paper = f"coalesce({r}.paper, '')"
        days = f"(SELECT day FROM summary_headline_days WHERE headline = {r}.id)"
        if change == "+1":
            return f"""
            INSERT INTO summary_headlines_by_day (day, paper, headlines)
            SELECT day, {paper}, 1 FROM summary_headline_days WHERE headline = {r}.id
            ON CONFLICT (day, paper) DO UPDATE SET headlines = headlines + 1;"""
        return f"""
            UPDATE summary_headlines_by_day SET headlines = headlines - 1 WHERE paper = {paper} AND day IN {days};
            DELETE FROM summary_headlines_by_day WHERE paper = {paper} AND day IN {days} AND headlines <= 0;"""

    def failures(r: str, change: str) -> str:
        out = []
        for outcome in ("failed", "skipped"):
            each = f"json_each(CASE WHEN json_valid({r}.{outcome}) THEN {r}.{outcome} ELSE '{{}}' END)"
            if change == "+1":
                out.append(f"""
            INSERT INTO summary_failures (outcome, reason, crawls, urls, last_crawl)
            SELECT '{outcome}', j.key, count(*), total(j.value), {r}.id FROM {each} j WHERE true GROUP BY j.key
            ON CONFLICT (outcome, reason) DO UPDATE SET crawls = crawls + excluded.crawls,
                urls = urls + excluded.urls, last_crawl = max(last_crawl, excluded.last_crawl);""")
            else:
                out.append(f"""
            UPDATE summary_failures SET crawls = crawls - j.n, urls = urls - j.v
            FROM (SELECT key, count(*) AS n, total(value) AS v FROM {each} GROUP BY key) AS j
            WHERE summary_failures.outcome = '{outcome}' AND summary_failures.reason = j.key;
            DELETE FROM summary_failures WHERE outcome = '{outcome}' AND crawls <= 0;
            UPDATE summary_failures SET last_crawl = (
                SELECT max(c.id) FROM crawls c,
                       json_each(CASE WHEN json_valid(c.{outcome}) THEN c.{outcome} ELSE '{{}}' END) j
                WHERE j.key = summary_failures.reason AND c.id <> {r}.id)
            WHERE outcome = '{outcome}' AND last_crawl = {r}.id;""")
        return "".join(out)

    def group_member(r: str, change: str) -> str:
        if change == "+1":
            return f"""
            INSERT INTO summary_groups (grp, articles, papers) VALUES ({r}.grp, 0, 0) ON CONFLICT (grp) DO NOTHING;
            {group_refresh(f"{r}.grp")}"""
        return f"""
            {group_refresh(f"{r}.grp")}
            DELETE FROM summary_groups WHERE grp = {r}.grp AND articles <= 0;"""

    def story_member(r: str, change: str) -> str:
        if change == "+1":
            return f"""
            INSERT INTO summary_stories (story, headlines) VALUES ({r}.story, 0) ON CONFLICT (story) DO NOTHING;
            {story_refresh(f"{r}.story")}"""
        return f"""
            {story_refresh(f"{r}.story")}
            DELETE FROM summary_stories WHERE story = {r}.story AND headlines <= 0;"""

    story_of = "(SELECT story FROM stories WHERE headline = {h})"

    article_columns = ("paper", "publisher", "published", "language", "url")
    triggers = {
        "articles_summary_insert": ("AFTER INSERT ON articles", rows("articles", "+1") + add_article("NEW")),
        "articles_summary_update": (
            f"AFTER UPDATE OF {', '.join(article_columns)} ON articles WHEN "
            + " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in article_columns),
            remove_article("OLD") + add_article("NEW")),
        # The group of an article whose publisher or title changed (a new version).
        "articles_summary_group": (
            "AFTER UPDATE OF publisher, title ON articles WHEN OLD.publisher IS NOT NEW.publisher"
            " OR OLD.title IS NOT NEW.title",
            group_refresh("(SELECT grp FROM article_groups WHERE url = NEW.url)")),
        "articles_summary_delete": ("AFTER DELETE ON articles", rows("articles", "-1") + remove_article("OLD")),
        "article_versions_summary_insert": ("AFTER INSERT ON article_versions", rows("article_versions", "+1")),
        "article_versions_summary_delete": ("AFTER DELETE ON article_versions", rows("article_versions", "-1")),
        "headlines_summary_insert": ("AFTER INSERT ON headlines", rows("headlines", "+1")),
        "headlines_summary_update": ("AFTER UPDATE OF paper ON headlines WHEN OLD.paper IS NOT NEW.paper",
                                     headline_days("OLD", "-1") + headline_days("NEW", "+1")
                                     + story_refresh(story_of.format(h="NEW.id"))),
        # Seen again (Archive.save_headlines widens first_seen and last_seen), or its text changed.
        "headlines_summary_seen": (
            "AFTER UPDATE OF first_seen, last_seen, text ON headlines WHEN OLD.first_seen IS NOT NEW.first_seen"
            " OR OLD.last_seen IS NOT NEW.last_seen OR OLD.text IS NOT NEW.text",
            f"""
            UPDATE summary_stories SET
                first_seen = CASE WHEN NEW.first_seen <= OLD.first_seen THEN min(first_seen, NEW.first_seen)
                                  ELSE {story_first_seen} END,
                last_seen = CASE WHEN NEW.last_seen >= OLD.last_seen THEN max(last_seen, NEW.last_seen)
                                 ELSE {story_last_seen} END
            WHERE story = {story_of.format(h="NEW.id")} AND OLD.text IS NEW.text;"""
            + story_refresh(story_of.format(h="NEW.id"), when="OLD.text IS NOT NEW.text")),
        "headlines_summary_delete": ("AFTER DELETE ON headlines", rows("headlines", "-1")),
        "headline_sightings_summary_insert": (
            "AFTER INSERT ON headline_sightings",
            rows("headline_sightings", "+1") + add_sighting("NEW") + f"""
            UPDATE summary_stories SET crawls = crawls + 1
            WHERE story = {story_of.format(h="NEW.headline")}
              AND NOT EXISTS (SELECT 1 FROM stories x JOIN headline_sightings y ON y.headline = x.headline
                              WHERE x.story = summary_stories.story AND x.headline <> NEW.headline
                                AND y.crawl = NEW.crawl);"""),
        "headline_sightings_summary_update": (
            "AFTER UPDATE OF headline, crawl, seen_at ON headline_sightings WHEN OLD.headline IS NOT NEW.headline"
            " OR OLD.crawl IS NOT NEW.crawl OR OLD.seen_at IS NOT NEW.seen_at",
            remove_sighting("OLD", "NEW.rowid") + add_sighting("NEW")
            + story_refresh(story_of.format(h="OLD.headline"), f"crawls = {story_crawls}")
            + story_refresh(story_of.format(h="NEW.headline"), f"crawls = {story_crawls}")),
        # A better position seen again in the same crawl (Archive.save_sightings keeps the best).
        "headline_sightings_summary_position": (
            "AFTER UPDATE OF position ON headline_sightings WHEN OLD.position IS NOT NEW.position"
            " AND OLD.headline IS NEW.headline AND OLD.crawl IS NEW.crawl AND OLD.seen_at IS NEW.seen_at",
            """
            UPDATE summary_headline_sightings SET best_position = CASE
                WHEN NEW.position <= best_position THEN NEW.position
                WHEN OLD.position > best_position THEN best_position
                ELSE (SELECT min(position) FROM headline_sightings WHERE headline = NEW.headline) END
            WHERE headline = NEW.headline;"""),
        "headline_sightings_summary_delete": (
            "AFTER DELETE ON headline_sightings",
            rows("headline_sightings", "-1") + remove_sighting("OLD", "OLD.rowid")
            + story_refresh(story_of.format(h="OLD.headline"), f"crawls = {story_crawls}")),
        "crawls_summary_insert": ("AFTER INSERT ON crawls", rows("crawls", "+1") + failures("NEW", "+1")),
        "crawls_summary_update": (
            "AFTER UPDATE OF failed, skipped ON crawls WHEN OLD.failed IS NOT NEW.failed OR OLD.skipped IS NOT NEW.skipped",
            failures("OLD", "-1") + failures("NEW", "+1")),
        "crawls_summary_delete": ("AFTER DELETE ON crawls", rows("crawls", "-1") + failures("OLD", "-1")),
        "article_groups_summary_insert": ("AFTER INSERT ON article_groups",
                                          rows("article_groups", "+1") + group_member("NEW", "+1")),
        "article_groups_summary_update": (
            "AFTER UPDATE OF grp, url, first_seen ON article_groups WHEN OLD.grp IS NOT NEW.grp"
            " OR OLD.url IS NOT NEW.url OR OLD.first_seen IS NOT NEW.first_seen",
            group_member("OLD", "-1") + group_member("NEW", "+1")),
        "article_groups_summary_delete": ("AFTER DELETE ON article_groups",
                                          rows("article_groups", "-1") + group_member("OLD", "-1")),
        "stories_summary_insert": ("AFTER INSERT ON stories", rows("stories", "+1") + story_member("NEW", "+1")),
        "stories_summary_update": ("AFTER UPDATE OF story ON stories WHEN OLD.story IS NOT NEW.story",
                                   story_member("OLD", "-1") + story_member("NEW", "+1")),
        "stories_summary_delete": ("AFTER DELETE ON stories", rows("stories", "-1") + story_member("OLD", "-1")),
    }
    for name, (when, body) in triggers.items():
        db.execute(f"CREATE TRIGGER {name} {when} BEGIN {body}\n END")

    db.execute("DROP VIEW headline_timeline")
    db.execute(
        """
        CREATE VIEW headline_timeline AS
        SELECT h.id, h.text, h.url, h.first_seen, h.last_seen,
               coalesce(c.crawls, 0) AS crawls, c.best_position,
               round((julianday(h.last_seen) - julianday(h.first_seen)) * 24, 2) AS hours_on_ticker
        FROM headlines h LEFT JOIN summary_headline_sightings c ON c.headline = h.id"""
    )


@migrations()
def m011_authors_and_times(db: sqlite_utils.Database) -> None:
    """The people an article credits (authors: a JSON array of names, NULL when the page names
    none), its full publication timestamp where the page gives one (published_at, ISO 8601), and
    whether the page showed only part of it (partial: 1 for a paywall teaser), on articles and on
    each of their versions. Articles parsed before have NULL in all three."""
    for table in ("articles", "article_versions"):
        columns = db[table].columns_dict
        for column, kind in (("authors", str), ("published_at", str), ("partial", int)):
            if column not in columns:
                db[table].add_column(column, kind)
    # Extraction health (crawler.processing.health): per crawl, site and parser, how its pages
    # were read; and the drops below a site's recent level that a crawl showed (drift).
    db.execute(
        """
        CREATE TABLE IF NOT EXISTS extraction_health (
            crawl INTEGER NOT NULL REFERENCES crawls (id),
            site TEXT NOT NULL,
            parser TEXT NOT NULL,
            pages INTEGER NOT NULL,  -- pages parsed
            article_pages INTEGER NOT NULL,  -- at an article URL, or where an article was found
            articles INTEGER NOT NULL,  -- articles extracted
            fallbacks INTEGER NOT NULL,  -- of which read by the generic page object instead of the site's
            partial INTEGER NOT NULL,  -- of which paywall teasers
            median_body_chars INTEGER,
            rejected TEXT,  -- JSON {reason: pages}: soft_404, bot_wall, consent_wall
            with_title INTEGER NOT NULL, with_authors INTEGER NOT NULL, with_published INTEGER NOT NULL,
            with_published_at INTEGER NOT NULL, with_language INTEGER NOT NULL, with_image_url INTEGER NOT NULL,
            with_publisher INTEGER NOT NULL,
            PRIMARY KEY (crawl, site, parser)
        )"""
    )
    db.execute("CREATE INDEX IF NOT EXISTS extraction_health_site ON extraction_health (site, crawl)")
    db.execute(
        """
        CREATE TABLE IF NOT EXISTS extraction_drift (
            crawl INTEGER NOT NULL REFERENCES crawls (id),
            site TEXT NOT NULL,
            measure TEXT NOT NULL,  -- extracted, own_parser, field:<name>
            recent REAL NOT NULL,  -- the share over the site's recent crawls
            now REAL NOT NULL,  -- the share in this crawl
            PRIMARY KEY (crawl, site, measure)
        )"""
    )


@migrations()
def m012_search_prefixes_and_elision(db: sqlite_utils.Database) -> None:
    """The search index rebuilt in today's form (crawler.core.fold.search_text): French elision
    dropped (l'État is indexed "etat") and each Arabic word with an attached prefix (و ف ب ك ل, the
    article ال and their combinations) followed by its stem ("والاشخاص اشخاص"), so that حكومة finds
    الحكومة and "etat" finds "l'État". Set-based, in rowid order: the index dropped and made again
    (deleting a million rows from an FTS5 table one by one costs more than writing them), then two
    INSERT ... SELECT through the SQL function newsarchive_search_text (registered here), the
    articles, then the headlines; no Python loop over the rows."""
    # Two values per article (title, body) and one per headline.
    total = 2 * db.execute("SELECT count(*) FROM articles").fetchone()[0] + db.execute(
        "SELECT count(*) FROM headlines").fetchone()[0]
    counted(db, "newsarchive_search_text", search_text, "rebuilding the search index", total)
    db.execute("DROP TABLE IF EXISTS search_fts")
    db.execute(
        """CREATE VIRTUAL TABLE search_fts USING fts5(
               kind UNINDEXED, ref UNINDEXED, title, body, tokenize = "unicode61 remove_diacritics 2")"""
    )
    db.execute("""INSERT INTO search_fts (rowid, kind, ref, title, body)
                  SELECT rowid, 'article', url, newsarchive_search_text(title), newsarchive_search_text(body)
                  FROM articles ORDER BY rowid""")
    db.execute("""INSERT INTO search_fts (rowid, kind, ref, title, body)
                  SELECT -id, 'headline', CAST(id AS TEXT), newsarchive_search_text(text), ''
                  FROM headlines ORDER BY id DESC""")


@migrations()
def m013_url_lookups(db: sqlite_utils.Database) -> None:
    """Indexes on the two other addresses of an article a reader may hold (the reader page's
    /-/article?url= looks them up: crawler.publish.lookup): the URL it was fetched at
    (fetched_url, when it differs from its canonical one) and the original paper's URL it credits
    (original_url). Partial: only rows that have one."""
    db.execute("CREATE INDEX IF NOT EXISTS articles_fetched_url ON articles (fetched_url) WHERE fetched_url IS NOT NULL")
    db.execute("CREATE INDEX IF NOT EXISTS articles_original_url ON articles (original_url) WHERE original_url IS NOT NULL")
