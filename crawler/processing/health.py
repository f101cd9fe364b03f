"""Extraction health: how well each site's pages were read in a crawl, and when that drops.

Pure: parsed pages in, rows out; no Scrapy, no I/O. Whoever parses pages in a crawl (the spider,
or the processing stage of a two-process crawl, or `reparse`) observes each parsed page into a
`HealthTally`; at the end of the crawl the archive stores `tally.rows(crawl_id)` (one row per
site and parser) and `drift(rows, recent)` compares them with the site's recent crawls.

A row counts, for one site and one parser in one crawl: the pages parsed, the article pages
(pages at an article URL of the site, or where an article was found), the articles extracted,
how many of them have each field (FIELDS), their median body length in characters, the
fallbacks to the generic page object, the paywall teasers (partial), and the pages rejected
as not articles after all, by reason (soft_404, bot_wall, consent_wall). The parser of a page
is its article's (maghress/2, generic/1, "generic/1 (fallback from maghress/2)"), else the page
object that read it.
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from crawler.core.extraction import FIELDS, is_fallback
from crawler.core.items import Article, Page

# Drift: a site's share (of article pages giving an article, of articles with a field...) is
# compared with its mean over its last RECENT_CRAWLS crawls that had at least MIN_ARTICLE_PAGES
# article pages. It has drifted when it fell by at least DRIFT_DROP (absolute) and to less
# than DRIFT_RATIO of that level: 95% -> 40% drifts, 95% -> 85% does not, nor 10% -> 0%.
RECENT_CRAWLS = 5
MIN_ARTICLE_PAGES = 2
DRIFT_DROP = 0.25
DRIFT_RATIO = 0.75


@dataclass
class _Counts:
    pages: int = 0
    article_pages: int = 0
    articles: int = 0
    fallbacks: int = 0
    partial: int = 0
    fields: dict = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    rejected: dict = field(default_factory=dict)
    body_chars: list = field(default_factory=list)


def present(article: Article, name: str) -> bool:
    value = getattr(article, name, None)
    return bool(value)


class HealthTally:
    """Counts per (site, parser) of the pages parsed in one crawl."""

    def __init__(self):
        self.counts: dict[tuple[str, str], _Counts] = defaultdict(_Counts)

    def observe(self, site: str | None, page: Page, *, article_url: bool) -> None:
        """One parsed page of `site` (its name; None: a page of no site, not counted).
        `article_url`: whether the page's URL is one of the site's article URLs."""
        if not site:
            return
        article = page.article
        parser = (article.parser_version if article is not None else None) or page.parser_version or "-"
        counts = self.counts[(site, parser)]
        counts.pages += 1
        if article_url or article is not None or page.rejected:
            counts.article_pages += 1
        if page.rejected:
            counts.rejected[page.rejected] = counts.rejected.get(page.rejected, 0) + 1
        if article is None:
            return
        counts.articles += 1
        counts.fallbacks += is_fallback(parser)
        counts.partial += bool(article.partial)
        for name in FIELDS:
            counts.fields[name] += present(article, name)
        counts.body_chars.append(sum(len(p) for p in article.paragraphs))

    # --- across processes (the processing stage reports its tally with its stats) ---------------
    def to_json(self) -> list:
        return [[site, parser, c.pages, c.article_pages, c.articles, c.fallbacks, c.partial, c.fields, c.rejected,
                 c.body_chars] for (site, parser), c in self.counts.items()]

    def merge(self, data: list) -> None:
        for site, parser, pages, article_pages, articles, fallbacks, partial, fields, rejected, body_chars in data:
            c = self.counts[(site, parser)]
            c.pages += pages
            c.article_pages += article_pages
            c.articles += articles
            c.fallbacks += fallbacks
            c.partial += partial
            for name, n in fields.items():
                c.fields[name] = c.fields.get(name, 0) + n
            for reason, n in rejected.items():
                c.rejected[reason] = c.rejected.get(reason, 0) + n
            c.body_chars.extend(body_chars)

    def __bool__(self) -> bool:
        return bool(self.counts)

    # --- what the archive stores ----------------------------------------------------------------
    def rows(self, crawl_id: int | None) -> list[dict]:
        """The extraction_health rows of a crawl, one per site and parser."""
        out = []
        for (site, parser), c in sorted(self.counts.items()):
            row = {"crawl": crawl_id, "site": site, "parser": parser, "pages": c.pages,
                   "article_pages": c.article_pages, "articles": c.articles, "fallbacks": c.fallbacks,
                   "partial": c.partial,
                   "median_body_chars": int(statistics.median(c.body_chars)) if c.body_chars else None,
                   "rejected": json.dumps(c.rejected, sort_keys=True) if c.rejected else None}
            row.update({f"with_{name}": c.fields.get(name, 0) for name in FIELDS})
            out.append(row)
        return out


# --- drift ----------------------------------------------------------------------------------------
def site_shares(rows: list[dict]) -> dict[str, dict[str, float]]:
    """Per site, over all its parsers' rows of one crawl: the share of article pages that gave an
    article ("extracted"), of article pages read by the site's own page object ("own_parser":
    not a fallback), and of articles with each field ("field:<name>"). Sites with fewer than
    MIN_ARTICLE_PAGES article pages are left out (too few to judge)."""
    totals: dict[str, dict] = {}
    for row in rows:
        t = totals.setdefault(row["site"], {"article_pages": 0, "articles": 0, "fallbacks": 0,
                                            **{name: 0 for name in FIELDS}})
        t["article_pages"] += row["article_pages"] or 0
        t["articles"] += row["articles"] or 0
        t["fallbacks"] += row["fallbacks"] or 0
        for name in FIELDS:
            t[name] += row.get(f"with_{name}") or 0
    shares = {}
    for site, t in totals.items():
        if t["article_pages"] < MIN_ARTICLE_PAGES:
            continue
        s = {"extracted": t["articles"] / t["article_pages"],
             "own_parser": (t["articles"] - t["fallbacks"]) / t["article_pages"]}
        if t["articles"]:
            s.update({f"field:{name}": t[name] / t["articles"] for name in FIELDS})
        shares[site] = s
    return shares


def drift(rows: list[dict], recent: list[list[dict]]) -> list[dict]:
    """The drops of one crawl's shares (its rows) below the site's recent level (`recent`: the
    rows of earlier crawls, one list per crawl, newest first): one dict per site and measure,
    {site, measure, recent, now}."""
    now = site_shares(rows)
    past = [site_shares(crawl_rows) for crawl_rows in recent]
    found = []
    for site, shares in sorted(now.items()):
        history = [p[site] for p in past if site in p][:RECENT_CRAWLS]
        if not history:
            continue
        for measure, value in shares.items():
            levels = [h[measure] for h in history if measure in h]
            if not levels:
                continue
            level = sum(levels) / len(levels)
            if level - value >= DRIFT_DROP and value < DRIFT_RATIO * level:
                found.append({"site": site, "measure": measure, "recent": round(level, 4), "now": round(value, 4)})
    return found


def describe(drops: list[dict]) -> str:
    """One line for a crawl's summary and `status`: "drift: maghress extracted 100% -> 40%, ..."."""
    return "drift: " + ", ".join(
        f"{d['site']} {d['measure']} {d['recent']:.0%} -> {d['now']:.0%}" for d in drops
    )
