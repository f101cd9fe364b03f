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

# The sites the archive's crawls crawled (crawls.site, m006), the first crawled first: one index
# seek per site (crawls_site, m010) rather than a scan of the crawls (and their stats JSON).
CRAWLED_SITES = """
    WITH RECURSIVE sites (site) AS (
        SELECT min(site) FROM crawls WHERE site > ''
        UNION ALL
        SELECT (SELECT min(site) FROM crawls WHERE site > sites.site) FROM sites WHERE sites.site IS NOT NULL)
    SELECT site FROM sites WHERE site IS NOT NULL
    ORDER BY (SELECT min(id) FROM crawls WHERE crawls.site = sites.site)
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
# An article's row in search_fts has the article's rowid, a headline's the headline's id negated: the
# kind of a match is the sign of its rowid, so that counting and ranking read the index only, and
# the rows are joined once the top ones are known.
# bm25 weights per search_fts column: kind and ref count nothing, a title match 4 times a body match.
BM25 = "bm25(search_fts, 0.0, 0.0, 4.0, 1.0)"
RANKED = 2_000  # a search ranks at most the RANKED matches of each kind archived last
ARTICLE_ROWIDS = (1, 2 ** 63 - 1)
HEADLINE_ROWIDS = (-(2 ** 63), -1)

# The matches of each kind, counted up to :cap + 1 (more than :cap: "more than").
SEARCH_COUNTS = """
    SELECT (SELECT count(*) FROM (SELECT 1 FROM search_fts WHERE search_fts MATCH :match AND rowid > 0
                                  LIMIT :cap + 1)) AS article,
           (SELECT count(*) FROM (SELECT 1 FROM search_fts WHERE search_fts MATCH :match AND rowid < 0
                                  LIMIT :cap + 1)) AS headline
"""
# The rowid bounding the RANKED matches archived last: articles from it up, headlines from it down.
SEARCH_ARTICLE_FLOOR = """
    SELECT rowid FROM search_fts WHERE search_fts MATCH :match AND rowid > 0
    ORDER BY rowid DESC LIMIT 1 OFFSET :cap - 1
"""
SEARCH_HEADLINE_CEILING = """
    SELECT rowid FROM search_fts WHERE search_fts MATCH :match AND rowid < 0
    ORDER BY rowid LIMIT 1 OFFSET :cap - 1
"""
# One kind's matches with rowids in [:low, :high], ranked inside the index (the best :top by bm25),
# then joined to their rows and ordered (ties: the original before its copies).
SEARCH = f"""
    WITH top AS (
        SELECT rowid AS rid, {BM25} AS score FROM search_fts
        WHERE search_fts MATCH :match AND rowid BETWEEN :low AND :high
        ORDER BY score LIMIT :top)
    SELECT CASE WHEN top.rid > 0 THEN 'article' ELSE 'headline' END AS kind,
           CASE WHEN top.rid > 0 THEN a.url ELSE CAST(-top.rid AS TEXT) END AS ref, top.score AS score,
           coalesce(a.title, h.text) AS title, a.body AS body, a.publisher AS publisher,
           a.published AS published, a.language AS language, coalesce(a.url, h.url) AS url,
           coalesce(a.first_seen, h.first_seen) AS first_seen, h.last_seen AS last_seen,
           (SELECT 1 FROM articles x WHERE x.url = h.url) AS headline_archived
    FROM top
    LEFT JOIN articles a ON top.rid > 0 AND a.rowid = top.rid
    LEFT JOIN headlines h ON top.rid < 0 AND h.id = -top.rid
    ORDER BY score, first_seen, url
    LIMIT :limit OFFSET :offset
"""
# The /-/search page's articles: one entry per duplicate group (article_groups). The best :top
# matches with rowids in [:low, :high] are ranked inside the index as in SEARCH, then joined, and
# of each group's matches among them the best ranked stands for the group (ties: the first seen).
# entries: how many entries the :top matches make.
SEARCH_ARTICLE_ENTRIES = f"""
    WITH top AS (
        SELECT rowid AS rid, {BM25} AS score FROM search_fts
        WHERE search_fts MATCH :match AND rowid BETWEEN :low AND :high
        ORDER BY score LIMIT :top),
    joined AS (
        SELECT top.score, a.url, a.title, a.body, a.publisher, a.published, a.language, a.first_seen,
               coalesce(g.grp, a.url) AS grp
        FROM top JOIN articles a ON a.rowid = top.rid LEFT JOIN article_groups g ON g.url = a.url),
    firsts AS (
        SELECT *, row_number() OVER (PARTITION BY grp ORDER BY score, first_seen, url) AS nth FROM joined)
    SELECT 'article' AS kind, url AS ref, score, title, body, publisher, published, language, url, first_seen,
           NULL AS last_seen, NULL AS headline_archived, grp, count(*) OVER () AS entries
    FROM firsts WHERE nth = 1
    ORDER BY score, first_seen, url
    LIMIT :limit OFFSET :offset
"""
# How many entries (duplicate groups) the articles' :top best matches in [:low, :high] make.
SEARCH_ARTICLE_ENTRY_COUNT = f"""
    WITH top AS (
        SELECT rowid AS rid, {BM25} AS score FROM search_fts
        WHERE search_fts MATCH :match AND rowid BETWEEN :low AND :high
        ORDER BY score LIMIT :top)
    SELECT count(DISTINCT coalesce(g.grp, a.url)) FROM top JOIN articles a ON a.rowid = top.rid
    LEFT JOIN article_groups g ON g.url = a.url
"""
# The other matches of the groups shown (:groups, :shown: JSON arrays of group keys and of the
# URLs shown): the members of those groups, but the articles shown, that the search matches among
# its ranked rowids (each tested by rowid inside the index), the first seen first.
SEARCH_ALSO = """
    SELECT m.grp, m.url, a.publisher, a.first_seen
    FROM article_groups m JOIN articles a ON a.url = m.url
    WHERE m.grp IN (SELECT value FROM json_each(:groups))
      AND m.url NOT IN (SELECT value FROM json_each(:shown))
      AND a.rowid BETWEEN :low AND :high
      AND EXISTS (SELECT 1 FROM search_fts WHERE search_fts MATCH :match AND rowid = a.rowid)
    ORDER BY m.first_seen, m.url
"""

# --- one article -------------------------------------------------------------------------------------
ARTICLE = "SELECT * FROM articles WHERE url = :url"
# The article a URL a reader gives leads to (frontier.urls.lookup_forms gives the forms :f0 to :f11,
# unused ones empty): an article's own URL first, then the URL it was fetched at, then the
# original paper's URL it credits; within each, the forms in their order.
LOOKUP_FORMS = 12
_FORMS = ", ".join(f":f{i}" for i in range(LOOKUP_FORMS))
_FORM_RANK = " ".join(f"WHEN :f{i} THEN {i}" for i in range(LOOKUP_FORMS))
ARTICLE_LOOKUP = f"""
    SELECT url, how FROM (
        SELECT url, 1 AS how, CASE url {_FORM_RANK} END AS form FROM articles WHERE url IN ({_FORMS})
        UNION ALL
        SELECT url, 2, CASE fetched_url {_FORM_RANK} END FROM articles WHERE fetched_url IN ({_FORMS})
        UNION ALL
        SELECT url, 3, CASE original_url {_FORM_RANK} END FROM articles WHERE original_url IN ({_FORMS}))
    ORDER BY how, form, url LIMIT 1
"""
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

# --- the home page: summary tables (m010) and index seeks, nothing that grows with the archive ---------
HOME_FIGURES = """
    SELECT (SELECT row_count FROM summary_table_rows WHERE tbl = 'articles') AS articles,
           (SELECT total(articles) FROM summary_articles_by_paper WHERE language = 'fr') AS articles_fr,
           (SELECT total(articles) FROM summary_articles_by_paper WHERE language = 'ar') AS articles_ar,
           (SELECT row_count FROM summary_table_rows WHERE tbl = 'article_versions') AS versions,
           (SELECT count(DISTINCT publisher) FROM summary_articles_by_paper) AS publishers,
           (SELECT row_count FROM summary_table_rows WHERE tbl = 'headlines') AS headlines,
           (SELECT row_count FROM summary_table_rows WHERE tbl = 'headline_sightings') AS sightings,
           (SELECT row_count FROM summary_table_rows WHERE tbl = 'crawls') AS crawls,
           (SELECT min(published) FROM articles) AS published_from,
           (SELECT max(published) FROM articles) AS published_to,
           (SELECT min(first_seen) FROM articles) AS archived_from,
           (SELECT max(last_seen) FROM articles) AS archived_to
"""
# The hosts the archive was crawled from: those of its articles (host), and of the first headline
# URL (url).
HOME_HOSTS = """
    SELECT host, NULL AS url FROM (SELECT DISTINCT host FROM summary_articles_by_paper)
    UNION ALL SELECT NULL, min(url) FROM headlines WHERE url IS NOT NULL
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

# --- charts: the last :bars days or months of the summaries -----------------------------------------
# The papers and publishers of the archived articles (one row per paper slug, '' when the URL names
# none, and publisher name): the charts name each paper and give it its colour from this summary.
CHART_PAPERS = """
    SELECT paper, publisher, sum(articles) AS articles FROM summary_articles_by_paper
    GROUP BY paper, publisher
"""
# The paper slug of the headlines seen each day ('' when their link names no paper), the last :bars days.
CHART_HEADLINES_PER_DAY = """
    WITH days AS (SELECT DISTINCT day FROM summary_headlines_by_day ORDER BY day DESC LIMIT :bars)
    SELECT day, paper, headlines FROM summary_headlines_by_day
    WHERE day >= (SELECT min(day) FROM days)
"""
# Articles per month and publisher, the last :bars months with articles, and those with no published
# month (month NULL).
CHART_ARTICLES_PER_MONTH = """
    WITH months AS (SELECT DISTINCT month FROM summary_articles_by_month WHERE month <> ''
                    ORDER BY month DESC LIMIT :bars)
    SELECT nullif(month, '') AS month, publisher, articles FROM summary_articles_by_month
    WHERE month >= (SELECT min(month) FROM months) OR month = ''
"""
CHART_CRAWL_VOLUME = """
    SELECT id AS crawl, started, coalesce(pages_fetched, pages_parsed, 0) AS pages,
           CASE WHEN json_valid(failed) THEN (SELECT coalesce(sum(value), 0) FROM json_each(failed)) ELSE 0 END AS failed,
           CASE WHEN json_valid(skipped) THEN (SELECT coalesce(sum(value), 0) FROM json_each(skipped)) ELSE 0 END AS skipped
    FROM crawls ORDER BY id DESC LIMIT :bars
"""
