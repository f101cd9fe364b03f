"""Extraction health in Datasette: the page /-/health and the home page's box.

What they show comes from extraction_health and extraction_drift (m011; crawler/processing/
health.py explains every column): per site, its last CRAWLS crawls, one row per crawl and parser,
with the shares of article pages that gave an article and of articles with each field, the drift
a crawl showed (the measure, its recent level and its value then), and a chart of the site's
extracted share and the share read by its own page object over those crawls.

Bounded: the sites are found by seeks on the index extraction_health_site (site, crawl), one per
site; a site's rows are the index range of its last CRAWLS crawls; the drift rows are primary key
seeks of those crawls. Both tables hold one row per crawl, site and parser (or measure): nothing
here reads a table that grows with the articles.
"""

from __future__ import annotations

import json

from crawler.core.extraction import FIELDS, is_fallback
from crawler.publish import i18n
from crawler.publish.charts import share_lines
from crawler.sites import registry

CRAWLS = 30  # the crawls of each site shown
MAX_SITES = 200  # sites listed (a registry holds a handful)

# The sites with health rows: one index seek per site (a skip scan of extraction_health_site).
SITES = """
    WITH RECURSIVE s(site, n) AS (
        SELECT (SELECT min(site) FROM extraction_health), 0
        UNION ALL
        SELECT (SELECT min(site) FROM extraction_health WHERE site > s.site), n + 1
        FROM s WHERE s.site IS NOT NULL AND n < :max_sites)
    SELECT site FROM s WHERE site IS NOT NULL ORDER BY site
"""
# A site's rows of its last :crawls crawls, newest first, with when each crawl started.
SITE_ROWS = """
    WITH last AS (SELECT DISTINCT crawl FROM extraction_health WHERE site = :site
                  ORDER BY crawl DESC LIMIT :crawls)
    SELECT h.*, c.started
    FROM extraction_health h LEFT JOIN crawls c ON c.id = h.crawl
    WHERE h.site = :site AND h.crawl >= coalesce((SELECT min(crawl) FROM last), 0)
    ORDER BY h.crawl DESC, h.parser
"""
# The drift of a site in its crawls from :lowest on.
SITE_DRIFT = """
    SELECT crawl, measure, recent, now FROM extraction_drift
    WHERE site = :site AND crawl >= :lowest
    ORDER BY crawl DESC, measure = 'extracted' DESC, measure = 'own_parser' DESC, measure
"""
# Each site's last crawl: its shares (over its parsers) and whether it drifted.
LAST_CRAWLS = """
    WITH RECURSIVE s(site, n) AS (
        SELECT (SELECT min(site) FROM extraction_health), 0
        UNION ALL
        SELECT (SELECT min(site) FROM extraction_health WHERE site > s.site), n + 1
        FROM s WHERE s.site IS NOT NULL AND n < :max_sites),
    last AS (SELECT site, (SELECT max(crawl) FROM extraction_health h WHERE h.site = s.site) AS crawl
             FROM s WHERE site IS NOT NULL)
    SELECT last.site, last.crawl, c.started,
           sum(h.article_pages) AS article_pages, sum(h.articles) AS articles, sum(h.fallbacks) AS fallbacks,
           (SELECT count(*) FROM extraction_drift d WHERE d.crawl = last.crawl AND d.site = last.site) AS drifts
    FROM last
    JOIN extraction_health h ON h.site = last.site AND h.crawl = last.crawl
    LEFT JOIN crawls c ON c.id = last.crawl
    GROUP BY last.site, last.crawl
    ORDER BY last.site
"""
# The SQL of this module, by name (tests check their query plans).
QUERIES = {"SITES": SITES, "SITE_ROWS": SITE_ROWS, "SITE_DRIFT": SITE_DRIFT, "LAST_CRAWLS": LAST_CRAWLS}

FIELD_LABELS = {"title": "title", "authors": "authors", "published": "date", "published_at": "time",
                "language": "language", "image_url": "image", "publisher": "publisher"}
MEASURE_LABELS = {"extracted": "extracted", "own_parser": "own parser"}
DRIFT_MARK = "⚠ Drift"


def percent(n, of) -> str:
    """A share as a whole percentage ("100%", "67%"), or "–" when there is nothing to divide by
    (the rounding of `newsarchive status`)."""
    return f"{n / of:.0%}" if of else "–"


def measure_label(measure: str) -> str:
    if measure.startswith("field:"):
        name = measure.split(":", 1)[1]
        return f"with {FIELD_LABELS.get(name, name)}"
    return MEASURE_LABELS.get(measure, measure)


def drift_text(drop: dict) -> str:
    """One drift row as read: "extracted 100% → 0%"."""
    return f"{measure_label(drop['measure'])} {drop['recent']:.0%} → {drop['now']:.0%}"


def site_title(name: str) -> str | None:
    try:
        return registry.site(name).title
    except registry.UnknownSite:
        return None


def rejected_text(raw: str | None) -> str:
    """The rejected pages by reason ("soft_404 8, bot_wall 1"), or "" for none."""
    try:
        reasons = json.loads(raw) if raw else {}
    except ValueError:
        return raw or ""
    if not isinstance(reasons, dict):
        return str(reasons)
    return ", ".join(f"{k} {v}" for k, v in sorted(reasons.items(), key=lambda kv: (-(kv[1] or 0), kv[0])))


def table_row(row: dict) -> dict:
    """An extraction_health row as the page shows it."""
    return {
        **row,
        "extracted": percent(row["articles"], row["article_pages"]),
        "fields": [percent(row[f"with_{name}"], row["articles"]) for name in FIELDS],
        "rejected_text": rejected_text(row["rejected"]),
        "fallback": is_fallback(row["parser"]),
    }


def crawl_shares(rows: list[dict]) -> dict:
    """One crawl of a site over all its parsers: the share of article pages that gave an article,
    and of those read by the site's own page object (crawler.processing.health.site_shares)."""
    pages = sum(r["article_pages"] or 0 for r in rows)
    articles = sum(r["articles"] or 0 for r in rows)
    fallbacks = sum(r["fallbacks"] or 0 for r in rows)
    return {"article_pages": pages, "articles": articles,
            "extracted": articles / pages if pages else None,
            "own_parser": (articles - fallbacks) / pages if pages else None}


async def _rows(db, sql: str, params: dict) -> list[dict]:
    return [dict(r) for r in (await db.execute(sql, params)).rows]


async def site_health(db, site: str) -> dict:
    """A site's section of /-/health: its crawls (newest first), each with its rows and drift,
    and the chart of its shares (oldest crawl left)."""
    rows = await _rows(db, SITE_ROWS, {"site": site, "crawls": CRAWLS})
    lowest = min((r["crawl"] for r in rows), default=0)
    drops = await _rows(db, SITE_DRIFT, {"site": site, "lowest": lowest})
    crawls: dict[int, dict] = {}
    for row in rows:
        crawl = crawls.setdefault(row["crawl"], {"crawl": row["crawl"], "started": row["started"], "rows": [],
                                                 "drift": []})
        crawl["rows"].append(table_row(row))
    for drop in drops:
        if drop["crawl"] in crawls:
            crawls[drop["crawl"]]["drift"].append({**drop, "text": drift_text(drop)})
    ordered = list(crawls.values())
    for crawl in ordered:
        crawl.update(crawl_shares(crawl["rows"]))
    points = [{"crawl": c["crawl"], "label": f"#{c['crawl']}", "started": c["started"] or "",
               "extracted": c["extracted"], "own parser": c["own_parser"], "drift": bool(c["drift"])}
              for c in reversed(ordered)]
    title = site_title(site)
    chart_title = i18n.text("{site}: share of article pages extracted, and read by its own parser, per crawl",
                            site=title or site)
    return {
        "site": site, "title": title, "crawls": ordered, "drifted": sum(bool(c["drift"]) for c in ordered),
        "chart": share_lines(points, "label", ["extracted", "own parser"], chart_title),
    }


async def health_context(db) -> dict:
    """Everything /-/health shows for an archive."""
    sites = [r["site"] for r in await _rows(db, SITES, {"max_sites": MAX_SITES})]
    return {"sites": [await site_health(db, site) for site in sites], "crawls_shown": CRAWLS,
            "fields": [FIELD_LABELS[name] for name in FIELDS], "drift_mark": DRIFT_MARK}


async def home_box(db) -> list[dict]:
    """The home page's box: each site's last crawl, its extracted share, and whether it drifted."""
    out = []
    for row in await _rows(db, LAST_CRAWLS, {"max_sites": MAX_SITES}):
        out.append({**row, "title": site_title(row["site"]),
                    "extracted": percent(row["articles"], row["article_pages"]),
                    "drifted": bool(row["drifts"])})
    return out
