"""The reads of the Datasette plugin (crawler.publish): named SQL, run through Datasette's
`db.execute` (named parameters), and two helpers, on a plain sqlite3 connection, that tell the
plugin whether a database is an archive (and how up to date) and which sites it crawled.

The canned queries are SQL too, but they are Datasette configuration: they are package data of
crawler.publish (queries.yaml), and run by Datasette itself.
"""

from __future__ import annotations

import sqlite3

import sqlite_utils

from crawler.archive.schema import migrations

# The sites the archive's crawls crawled (crawls.site, m006), the first crawled first.
CRAWLED_SITES = """
    SELECT site FROM crawls WHERE coalesce(site, '') <> '' GROUP BY site ORDER BY min(id)
"""


def archive_schema(conn: sqlite3.Connection) -> list[str] | None:
    """The archive migrations a database lacks (an empty list: it is up to date), or None when it
    is no archive: no row of the archive's migration set ("newsarchive") in _sqlite_migrations.
    Reads only (sqlite-utils' own reading of its migrations table)."""
    db = sqlite_utils.Database(conn)
    if not migrations.applied(db):
        return None
    return [m.name for m in migrations.pending(db)]


def crawled_sites(conn: sqlite3.Connection) -> list[str]:
    """The names of the sites an archive's crawls crawled (none for an archive never crawled)."""
    return [row[0] for row in conn.execute(CRAWLED_SITES)]


# --- search (search_fts: folded text; kind and ref UNINDEXED, then title and body) -----------------
# bm25 weights per search_fts column: kind and ref count nothing, a title match 4 times a body match.
BM25 = "bm25(search_fts, 0.0, 0.0, 4.0, 1.0)"

SEARCH = f"""
    SELECT search_fts.kind AS kind, search_fts.ref AS ref, {BM25} AS score,
           coalesce(a.title, h.text) AS title, a.body AS body, a.publisher AS publisher,
           a.published AS published, a.language AS language, coalesce(a.url, h.url) AS url,
           coalesce(a.first_seen, h.first_seen) AS first_seen, h.last_seen AS last_seen,
           (SELECT 1 FROM articles x WHERE x.url = h.url) AS headline_archived
    FROM search_fts
    LEFT JOIN articles a ON search_fts.kind = 'article' AND a.url = search_fts.ref
    LEFT JOIN headlines h ON search_fts.kind = 'headline' AND h.id = CAST(search_fts.ref AS INTEGER)
    WHERE search_fts MATCH :match AND (:kind = '' OR search_fts.kind = :kind)
    ORDER BY search_fts.kind = 'headline', score, first_seen, url  -- ties: the original before its copies
    LIMIT :limit OFFSET :offset
"""
SEARCH_COUNTS = """
    SELECT search_fts.kind, count(*) FROM search_fts
    WHERE search_fts MATCH :match GROUP BY search_fts.kind
"""

# --- one article -------------------------------------------------------------------------------------
ARTICLE = "SELECT * FROM articles WHERE url = :url"
ARTICLE_VERSIONS = """
    SELECT version, title, body, publisher, published, language, original_url, first_seen,
           last_seen, parser_version, capture
    FROM article_versions WHERE url = :url ORDER BY version
"""
# The other members of the article's duplicate group, the first seen first.
ARTICLE_GROUP = """
    SELECT m.url, m.similarity, m.method, m.first_seen, a.title, a.publisher, a.published,
           a.language, m.url = m.grp AS is_first
    FROM article_groups g JOIN article_groups m ON m.grp = g.grp AND m.url <> g.url
    LEFT JOIN articles a ON a.url = m.url
    WHERE g.url = :url ORDER BY m.first_seen, m.url
"""
ARTICLE_HEADLINES = "SELECT text, first_seen, last_seen FROM headlines WHERE url = :url ORDER BY first_seen"

# --- the home page -----------------------------------------------------------------------------------
HOME_FIGURES = """
    SELECT (SELECT count(*) FROM articles) AS articles,
           (SELECT count(*) FROM articles WHERE language = 'fr') AS articles_fr,
           (SELECT count(*) FROM articles WHERE language = 'ar') AS articles_ar,
           (SELECT count(*) FROM article_versions) AS versions,
           (SELECT count(DISTINCT publisher) FROM articles) AS publishers,
           (SELECT count(*) FROM headlines) AS headlines,
           (SELECT count(*) FROM headline_sightings) AS sightings,
           (SELECT count(*) FROM crawls) AS crawls,
           (SELECT min(published) FROM articles) AS published_from,
           (SELECT max(published) FROM articles) AS published_to,
           (SELECT min(first_seen) FROM articles) AS archived_from,
           (SELECT max(last_seen) FROM articles) AS archived_to
"""
# One URL per paper and one headline URL: their hosts are where the archive was crawled from.
HOME_HOST_URLS = """
    SELECT url FROM (SELECT min(url) AS url FROM articles GROUP BY paper(url))
    UNION SELECT url FROM (SELECT min(url) AS url FROM headlines WHERE url IS NOT NULL)
"""
LAST_CRAWL = """
    SELECT id, started, finished, trigger, source, coalesce(pages_fetched, pages_parsed) AS pages,
           CASE WHEN json_valid(failed) THEN (SELECT sum(value) FROM json_each(failed)) END AS failed,
           finish_reason
    FROM crawls ORDER BY id DESC LIMIT 1
"""
LATEST_ARTICLES = """
    SELECT url, title, publisher, published, language FROM articles
    ORDER BY first_seen DESC, published DESC, url LIMIT :limit
"""
