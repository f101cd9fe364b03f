"""The reader's pages of an archive (templates in crawler/publish/templates/):

- /-/search?q=... : folded full-text search over articles and headlines, ranked with bm25, the
  matched words highlighted in the original text. The index alone counts the matches (a match's
  kind is the sign of its rowid) and ranks them (the best of a page are found before any row is
  joined); a word matching more than reads.RANKED articles (or headlines) ranks the RANKED
  archived last, and the page says so. The query syntax is crawler.core.fold.parse_query's
  (words, OR, "phrases", -exclusions), the same as the table search's and the canned queries'.
  An article republished by several papers (a duplicate group) is one entry: its best-ranked
  match, "also published by" the others' papers;
- /-/article?url=... : an article as text (paragraphs, right-to-left for Arabic, publisher,
  date, original link, versions, duplicate group, ticker headlines);
- /-/charts : the charts (crawler.publish.charts);
- /-/health : extraction health, per site: its last crawls, their drift, a chart of its shares
  (crawler.publish.health);
- the home page's figures (index.html, filled through extra_template_vars), from the summary
  tables of m010 and index seeks: nothing the home page reads grows with the archive.

Each page shows the first archive served, or the one named by ?db=. The SQL is
crawler.archive.reads's; every stored text reaches HTML through Jinja's autoescaping or
markupsafe.escape.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode, urlsplit

from datasette.utils.asgi import BadRequest, NotFound, Response
from markupsafe import Markup

from crawler.archive import reads
from crawler.core.fold import parse_query
from crawler.publish.archives import (
    archive_for,
    archive_info,
    first_archive,
    site_title,
)
from crawler.publish import i18n, lookup
from crawler.publish.charts import PALETTE, build_charts
from crawler.publish.health import health_context, home_box
from crawler.publish.highlight import highlight, paragraphs, snippet

PAGE_SIZE = 20
TIE_SLACK = 20  # matches ranked beyond a page, so that ties in score across its end are ordered right
GROUP_WINDOW = 100  # articles' matches ranked at least, to group into entries (one per duplicate group)
LATEST = 8  # articles listed on the home page
HOME_LINKS = [  # (canned query, label): the views the home page points to
    ("latest_headlines", "Latest headlines on the ticker"),
    ("ticker_at", "What was on the ticker at a given time"),
    ("articles_per_publisher_per_day", "Articles per publisher per day"),
    ("articles_per_publisher_per_month", "Articles per publisher per month"),
    ("most_reported_stories", "The most reported stories"),
    ("duplicate_groups", "The same article in several papers"),
    ("changed_articles", "Articles that changed"),
    ("crawl_health", "Crawl health: the last runs"),
    ("failures_by_reason", "Failures and skips by reason"),
]


async def _rows(db, sql: str, params=None) -> list[dict]:
    return [dict(r) for r in (await db.execute(sql, params or {})).rows]


def _whole_arg(request, name: str, default: int | None) -> int | None:
    """A parameter that is a whole number from 1 (its default when absent or empty); anything
    else is a BadRequest (400)."""
    value = (request.args.get(name) or "").strip()
    if not value:
        return default
    if not (value.isascii() and value.isdigit()) or not value.strip("0"):
        raise BadRequest(f"{name} must be a whole number, 1 or more")
    return int(value) if len(value) <= 30 else 10 ** 30  # past any last page; Python reads at most 4300 digits


def page_url(datasette, path: str, **params) -> str:
    """A link to one of the plugin's pages (/-/search, /-/article), honouring base_url."""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return datasette.urls.path(path) + (f"?{query}" if query else "")


def article_path(datasette, url: str | None) -> str | None:
    """The reader page of the article at `url`, under the server's base_url, its address
    encoded (the SQL function article_path(url), for canned queries and feeds)."""
    return None if url is None else page_url(datasette, "/-/article", url=url)


async def search_counts(db, match: str) -> dict[str, int]:
    """The matches of each kind, counted up to reads.RANKED + 1 (more: "more than RANKED")."""
    rows = (await db.execute(reads.SEARCH_COUNTS, {"match": match, "cap": reads.RANKED})).rows
    return {"article": rows[0]["article"], "headline": rows[0]["headline"]}


async def ranked_range(db, match: str, kind: str, count: int) -> tuple[int, int]:
    """The rowids a search ranks for one kind: all its matches, or when there are more than
    reads.RANKED, the RANKED archived last (articles: the highest rowids; headlines: the lowest)."""
    low, high = reads.ARTICLE_ROWIDS if kind == "article" else reads.HEADLINE_ROWIDS
    if count > reads.RANKED:
        sql = reads.SEARCH_ARTICLE_FLOOR if kind == "article" else reads.SEARCH_HEADLINE_CEILING
        bound = (await db.execute(sql, {"match": match, "cap": reads.RANKED})).rows[0][0]
        low, high = (bound, high) if kind == "article" else (low, bound)
    return low, high


async def search_rows(db, match: str, kind: str, count: int, offset: int, limit: int) -> list[dict]:
    """Rows offset to offset + limit of one kind's ranked matches: the best ones are found inside
    the index, and only those are joined to their articles or headlines. The index ranks a few more
    than asked (TIE_SLACK) so that ties in score are ordered like the rest (first_seen, url)."""
    low, high = await ranked_range(db, match, kind, count)
    params = {"match": match, "low": low, "high": high, "top": offset + limit + TIE_SLACK,
              "limit": limit, "offset": offset}
    return await _rows(db, reads.SEARCH, params)


async def article_entries(db, match: str, count: int, offset: int, limit: int) -> tuple[list[dict], int | None]:
    """Entries offset to offset + limit of the articles matched, one per duplicate group (the
    group's best-ranked match stands for it; reads.SEARCH_ARTICLE_ENTRIES), and how many entries
    there are when that is known (None: more than offset + limit). Ranked inside the index: the
    best matches of a window twice the page's end are joined, the window widened only when its
    groups do not fill the page, up to the matches ranked (at most reads.RANKED)."""
    low, high = await ranked_range(db, match, "article", count)
    ranked = min(count, reads.RANKED)
    window = min(ranked, max(GROUP_WINDOW, 2 * (offset + limit) + TIE_SLACK))
    while True:
        params = {"match": match, "low": low, "high": high, "top": window, "limit": limit, "offset": offset}
        rows = await _rows(db, reads.SEARCH_ARTICLE_ENTRIES, params)
        if window >= ranked or len(rows) == limit:
            break
        window = min(ranked, window * 4)
    if window < ranked:
        return rows, None
    if rows:
        return rows, rows[0]["entries"]
    params = {"match": match, "low": low, "high": high, "top": window}
    return rows, (await db.execute(reads.SEARCH_ARTICLE_ENTRY_COUNT, params)).rows[0][0]


async def also_published(datasette, db, match: str, count: int, rows: list[dict]) -> None:
    """Each article entry's other matches in its duplicate group, as row["also"]: their
    publishers, linking to their reader pages."""
    shown = [r for r in rows if r["kind"] == "article"]
    if not shown:
        return
    low, high = await ranked_range(db, match, "article", count)
    params = {"match": match, "low": low, "high": high, "groups": json.dumps([r["grp"] for r in shown]),
              "shown": json.dumps([r["url"] for r in shown])}
    others: dict[str, list[dict]] = {}
    for member in await _rows(db, reads.SEARCH_ALSO, params):
        member["href"] = page_url(datasette, "/-/article", url=member["url"])
        others.setdefault(member["grp"], []).append(member)
    for row in shown:
        row["also"] = others.get(row["grp"], [])


async def search_page(datasette, request):
    db = archive_for(datasette, request)
    q = (request.args.get("q") or "").strip()
    kind = request.args.get("kind") if request.args.get("kind") in ("article", "headline") else ""
    page = _whole_arg(request, "page", 1)
    parsed = parse_query(q)
    terms, match = parsed.terms, parsed.match
    results, counts = [], {"article": 0, "headline": 0}
    if q and not parsed.empty:
        counts = await search_counts(db, match)
    # What the pages go through: every match of a kind, or its RANKED archived last. Articles are
    # shown one entry per duplicate group: their entries are counted once a page needs them all,
    # until then the matches bound them.
    ranked = {k: min(n, reads.RANKED) for k, n in counts.items()}
    more = {k: n > reads.RANKED for k, n in counts.items()}
    kinds = ("article", "headline") if not kind else (kind,)
    entries = dict(ranked)

    def page_count() -> int:
        return max(1, -(-sum(entries[k] for k in kinds) // PAGE_SIZE))

    past_end = page > page_count()  # a page past the last one: no query, "no more results"
    if not past_end and any(ranked[k] for k in kinds):
        offset, rows = (page - 1) * PAGE_SIZE, []
        for k in kinds:
            # Articles first, then headlines: the page takes what it needs of each.
            if len(rows) >= PAGE_SIZE:
                break
            if k == "article":
                found, known = await article_entries(db, match, counts[k], offset, PAGE_SIZE - len(rows))
                if known is not None:
                    entries[k] = known
            else:
                found = (await search_rows(db, match, k, counts[k], offset, PAGE_SIZE - len(rows))
                         if offset < ranked[k] else [])
            rows += found
            offset = max(0, offset - entries[k])
        past_end = not rows and page > 1
        await also_published(datasette, db, match, counts["article"], rows)
        for row in rows:
            is_article = row["kind"] == "article"
            results.append({
                **row,
                "title_html": highlight(row["title"], terms),
                "snippet_html": snippet(row["body"], terms) if is_article else None,
                "href": page_url(datasette, "/-/article", url=row["url"])
                if is_article or row["headline_archived"] else row["url"],
            })
    total = sum(ranked[k] for k in kinds)
    pages = page_count()
    context = {
        "q": q, "kind": kind, "page": page, "pages": pages, "page_size": PAGE_SIZE, "total": total, "counts": counts,
        "more": more, "ranked_limit": reads.RANKED, "capped": any(more[k] for k in kinds),
        "results": results, "database": db.name, "past_end": past_end, "note": parsed.note if q else None,
        "last_url": page_url(datasette, "/-/search", q=q, kind=kind, page=pages if pages > 1 else None),
        "prev_url": page_url(datasette, "/-/search", q=q, kind=kind, page=page - 1) if 1 < page <= pages else None,
        "next_url": page_url(datasette, "/-/search", q=q, kind=kind, page=page + 1) if page < pages else None,
        "kind_urls": {k: page_url(datasette, "/-/search", q=q, kind=k) for k in ("", "article", "headline")},
        "json_url": datasette.urls.query(db.name, "search", format="json") + "?" + urlencode({"q": q}),
        "csv_url": datasette.urls.query(db.name, "search", format="csv") + "?" + urlencode({"q": q}),
        "atom_url": datasette.urls.query(db.name, "search_feed", format="atom") + "?" + urlencode({"q": q}),
    }
    return Response.html(await datasette.render_template(
        "newsarchive_search.html", context, request=request, view_name="newsarchive_search"))


async def article_page(datasette, request):
    db = archive_for(datasette, request)
    url = request.args.get("url") or ""
    article = (await _rows(db, reads.ARTICLE, {"url": url}) or [None])[0] if url else None
    if article is None:
        found, forms = await lookup.find(db, url) if url.strip() else (None, [])
        if found is not None:  # another form of an archived article's URL: its own address
            return Response.redirect(page_url(datasette, "/-/article", url=found, version=request.args.get("version")))
        return await missing_article_page(datasette, request, db, url, forms)
    versions = await _rows(db, reads.ARTICLE_VERSIONS, {"url": url})
    shown = article
    wanted = _whole_arg(request, "version", None)
    if wanted:
        shown = next((v for v in versions if v["version"] == wanted), None)
        if shown is None:
            raise NotFound(i18n.text("{url} has no version {version}", url=url, version=wanted))
    group = await _rows(db, reads.ARTICLE_GROUP, {"url": url})
    for member in group:
        member["href"] = page_url(datasette, "/-/article", url=member["url"])
    headlines = await _rows(db, reads.ARTICLE_HEADLINES, {"url": url})
    arabic = shown["language"] == "ar"
    for v in versions:
        v["href"] = page_url(datasette, "/-/article", url=url, version=v["version"])
    context = {
        "article": article, "shown": shown, "paragraphs": paragraphs(shown["body"]),
        "lang": shown["language"], "dir": "rtl" if arabic else "ltr",
        "version_shown": wanted or article.get("version"),
        "versions": versions, "group": group, "headlines": headlines, "database": db.name,
        "site_title": site_title(url, archive_info(datasette, db.name)),
        "row_url": datasette.urls.table(db.name, "articles") + "?" + urlencode({"url": url}),
        "json_url": datasette.urls.table(db.name, "articles", format="json") + "?" + urlencode({"url": url, "_shape": "array"}),
        "history_url": datasette.urls.query(db.name, "article_history") + "?" + urlencode({"url": url}),
    }
    return Response.html(await datasette.render_template(
        "newsarchive_article.html", context, request=request, view_name="newsarchive_article"))


async def missing_article_page(datasette, request, db, url: str, forms: list[str]) -> Response:
    """404: no archived article at any form of the URL; which forms were looked up, and a search
    (by the words of the URL's path) to try instead."""
    words = lookup.search_words(url)
    context = {"url": url, "forms": forms, "words": words, "database": db.name,
               "url_code": Markup('<code class="na-url" dir="ltr">{}</code>').format(url),
               "search_href": page_url(datasette, "/-/search", q=words) if words else None}
    return Response.html(await datasette.render_template(
        "newsarchive_article_missing.html", context, request=request, view_name="newsarchive_article_missing"),
        status=404)


async def charts_page(datasette, request):
    db = archive_for(datasette, request)
    charts = await build_charts(datasette, db)
    return Response.html(await datasette.render_template(
        "newsarchive_charts.html", {"charts": charts, "database": db.name, "palette_size": len(PALETTE)},
        request=request,
        view_name="newsarchive_charts"))


async def health_page(datasette, request):
    db = archive_for(datasette, request)
    context = await health_context(db)
    context.update({
        "database": db.name, "drift_mark": i18n.text(context["drift_mark"]),  # "⚠ Drift", translated
        "table_url": datasette.urls.table(db.name, "extraction_health"),
        "drift_table_url": datasette.urls.table(db.name, "extraction_drift"),
        "drift_query_url": datasette.urls.query(db.name, "extraction_drift_recent"),
    })
    return Response.html(await datasette.render_template(
        "newsarchive_health.html", context, request=request, view_name="newsarchive_health"))


async def home_vars(datasette) -> dict:
    """The home page's archive section (the first archive served), or nothing without one."""
    db = first_archive(datasette)
    if db is None or archive_info(datasette, db.name).pending:
        return {}
    stats = (await _rows(db, reads.HOME_FIGURES))[0]
    stats.update({k: int(stats[k] or 0) for k in ("articles", "articles_fr", "articles_ar", "versions", "headlines",
                                                   "sightings", "crawls")})
    hosts = set()
    for row in await _rows(db, reads.HOME_HOSTS):
        hosts.add(row["host"] if row["host"] is not None else urlsplit(row["url"] or "").netloc)
    hosts = sorted(h for h in hosts if h)
    last_crawl = (await _rows(db, reads.LAST_CRAWL) or [None])[0]
    latest = await _rows(db, reads.LATEST_ARTICLES, {"limit": LATEST})
    for row in latest:
        row["href"] = page_url(datasette, "/-/article", url=row["url"])
    queries = await datasette.get_canned_queries(db.name, None)
    links = [{"href": datasette.urls.query(db.name, name), "label": label}
             for name, label in HOME_LINKS if name in queries]
    charts = await build_charts(datasette, db, only=("headlines_per_day_per_publisher",))
    health = await home_box(db)
    return {
        "archive": {
            "database": db.name, "stats": stats, "hosts": hosts, "last_crawl": last_crawl,
            "latest": latest, "links": links, "charts": charts,
            "articles_url": datasette.urls.table(db.name, "articles") + "?_sort_desc=first_seen",
            "headlines_url": datasette.urls.table(db.name, "headlines") + "?_sort_desc=last_seen",
            "feed_url": datasette.urls.query(db.name, "latest_articles_feed", format="atom"),
            "search_feed_url": datasette.urls.query(db.name, "search_feed", format="atom"),
            "crawls_url": datasette.urls.query(db.name, "crawl_health"),
            "health": health, "health_url": datasette.urls.path("/-/health"),
        }
    }
