"""The archive's Datasette plugin: SQL functions, the reader's pages, safe CSV.

- SQL functions on every connection: fold(text) and fts_query(q) (crawler.fold: the search
  folding for French and Arabic) and paper(url) (the paper's slug in a Maghress article URL).
- Pages: the home page (index.html in crawler/templates, filled by extra_template_vars),
  /-/search?q=... (folded full-text search over articles and headlines, ranked with bm25, the
  matched words highlighted in the original text), /-/article?url=... (an article as text:
  paragraphs, right-to-left for Arabic, publisher, date, original link, versions, duplicate
  group, ticker headlines) and /-/charts (server-side SVG charts: no JavaScript, nothing fetched
  from elsewhere, works with arbitrary SQL switched off and on an immutable snapshot).
- CSV exports made safe against spreadsheet formula injection: a cell starting with = + - @,
  a tab or a carriage return (and not a plain number) is prefixed with a single quote.

Every stored text reaches HTML through Jinja's autoescaping or markupsafe.escape.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
from urllib.parse import urlencode, urlsplit

from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup, escape

from crawler.fold import fold, fts_query

PAGE_SIZE = 20
SNIPPET_WORDS = 32
# bm25 weights per search_fts column: kind and ref are UNINDEXED, a title match counts 4 times a body match.
BM25 = "bm25(search_fts, 0.0, 0.0, 4.0, 1.0)"
_FOLDED_TOKEN = re.compile(r"\w+")
# A word of the original text: letters and digits with their combining marks (accents, harakat).
_WORD = re.compile(r"(?:\w|[\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed])+")
_PARAGRAPHS = re.compile(r"\n\s*\n")


# --- SQL functions ---------------------------------------------------------------------------------
def paper(url: str | None) -> str | None:
    """The paper's slug in a Maghress article URL: /fr/<paper>/<id> or /<paper>/<id>."""
    if not url:
        return None
    parts = [p for p in urlsplit(url).path.split("/") if p]
    if parts and parts[0] == "fr":
        parts = parts[1:]
    return parts[0] if len(parts) >= 2 else None


@hookimpl
def prepare_connection(conn):
    conn.create_function("fold", 1, fold, deterministic=True)
    conn.create_function("fts_query", 1, fts_query, deterministic=True)
    conn.create_function("paper", 1, paper, deterministic=True)


# --- highlighting ------------------------------------------------------------------------------------
def query_terms(q: str | None) -> set[str]:
    """The folded words of a search, as fts_query matches them."""
    return set(_FOLDED_TOKEN.findall(fold(q or "")))


def _matches(word: str, terms: set[str]) -> bool:
    return any(token in terms for token in _FOLDED_TOKEN.findall(fold(word)))


def highlight(text: str | None, terms: set[str]) -> Markup:
    """The text, escaped, with each word whose folded form is a search term in <mark>."""
    text = text or ""
    out, last = [], 0
    for m in _WORD.finditer(text):
        if _matches(m.group(), terms):
            out.append(escape(text[last:m.start()]))
            out.append(Markup("<mark>{}</mark>").format(m.group()))
            last = m.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def snippet(text: str | None, terms: set[str], words: int = SNIPPET_WORDS) -> Markup:
    """About `words` words of the text around its first match, highlighted, with ellipses."""
    text = text or ""
    spans = [m.span() for m in _WORD.finditer(text)]
    if not spans:
        return escape(text[:200])
    first = next((i for i, (s, e) in enumerate(spans) if _matches(text[s:e], terms)), 0)
    start = max(0, first - words // 3)
    end = min(len(spans), start + words)
    begin = 0 if start == 0 else spans[start][0]
    stop = len(text) if end == len(spans) else spans[end - 1][1]
    piece = " ".join(text[begin:stop].split())  # paragraphs and line breaks become spaces
    return Markup("").join([
        Markup("… ") if begin > 0 else Markup(""),
        highlight(piece, terms),
        Markup(" …") if stop < len(text.rstrip()) else Markup(""),
    ])


def paragraphs(body: str | None) -> list[str]:
    """A stored body (paragraphs separated by blank lines) as a list of paragraphs."""
    return [" ".join(p.split()) for p in _PARAGRAPHS.split(body or "") if p.strip()]


# --- helpers -----------------------------------------------------------------------------------------
async def archive_database(datasette, name: str | None = None):
    """The served archive: the first database (or the one named) that has an articles table."""
    for db in datasette.databases.values():
        if db.name == "_internal" or (name and db.name != name):
            continue
        if await db.table_exists("articles"):
            return db
    return None


async def _require_archive(datasette, request):
    db = await archive_database(datasette, request.args.get("db"))
    if db is None:
        raise NotFound("No newsarchive database is served here")
    return db


async def _rows(db, sql: str, params=None) -> list[dict]:
    return [dict(r) for r in (await db.execute(sql, params or {})).rows]


async def _scalar(db, sql: str, params=None):
    rows = (await db.execute(sql, params or {})).rows
    return rows[0][0] if rows else None


def _int_arg(request, name: str, default: int) -> int:
    try:
        return max(1, int(request.args.get(name) or default))
    except ValueError:
        return default


def page_url(datasette, path: str, **params) -> str:
    """A link to one of this plugin's pages (/-/search, /-/article), honouring base_url."""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return datasette.urls.path(path) + (f"?{query}" if query else "")


# --- pages -------------------------------------------------------------------------------------------
SEARCH_SQL = f"""
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
COUNT_SQL = """
    SELECT search_fts.kind, count(*) FROM search_fts
    WHERE search_fts MATCH :match GROUP BY search_fts.kind
"""


async def search_page(datasette, request):
    db = await _require_archive(datasette, request)
    q = (request.args.get("q") or "").strip()
    kind = request.args.get("kind") if request.args.get("kind") in ("article", "headline") else ""
    page = _int_arg(request, "page", 1)
    terms = query_terms(q)
    results, counts = [], {"article": 0, "headline": 0}
    if terms:
        params = {"match": fts_query(q), "kind": kind, "limit": PAGE_SIZE, "offset": (page - 1) * PAGE_SIZE}
        counts.update({k: n for k, n in (await db.execute(COUNT_SQL, params)).rows})
        for row in await _rows(db, SEARCH_SQL, params):
            is_article = row["kind"] == "article"
            results.append({
                **row,
                "title_html": highlight(row["title"], terms),
                "snippet_html": snippet(row["body"], terms) if is_article else None,
                "href": page_url(datasette, "/-/article", url=row["url"])
                if is_article or row["headline_archived"] else row["url"],
                "dir": "rtl" if row["language"] == "ar" else "auto",
            })
    total = counts["article"] + counts["headline"] if not kind else counts[kind]
    pages = max(1, -(-total // PAGE_SIZE))
    context = {
        "q": q, "kind": kind, "page": page, "pages": pages, "page_size": PAGE_SIZE, "total": total, "counts": counts,
        "results": results, "database": db.name,
        "prev_url": page_url(datasette, "/-/search", q=q, kind=kind, page=page - 1) if page > 1 else None,
        "next_url": page_url(datasette, "/-/search", q=q, kind=kind, page=page + 1) if page < pages else None,
        "kind_urls": {k: page_url(datasette, "/-/search", q=q, kind=k) for k in ("", "article", "headline")},
        "json_url": datasette.urls.query(db.name, "search", format="json") + "?" + urlencode({"q": q}),
        "csv_url": datasette.urls.query(db.name, "search", format="csv") + "?" + urlencode({"q": q}),
        "atom_url": datasette.urls.query(db.name, "search_feed", format="atom") + "?" + urlencode({"q": q}),
    }
    return Response.html(await datasette.render_template(
        "newsarchive_search.html", context, request=request, view_name="newsarchive_search"))


async def article_page(datasette, request):
    db = await _require_archive(datasette, request)
    url = request.args.get("url") or ""
    article = (await _rows(db, "SELECT * FROM articles WHERE url = :url", {"url": url}) or [None])[0]
    if article is None:
        raise NotFound(f"No archived article at {url}" if url else "Which article? Give its URL: /-/article?url=...")
    versions = await _rows(db, """
        SELECT version, title, body, publisher, published, language, original_url, first_seen,
               last_seen, parser_version, capture
        FROM article_versions WHERE url = :url ORDER BY version""", {"url": url})
    shown = article
    wanted = request.args.get("version")
    if wanted:
        shown = next((v for v in versions if str(v["version"]) == wanted), None)
        if shown is None:
            raise NotFound(f"{url} has no version {wanted}")
    group = []
    if await db.table_exists("article_groups"):
        group = await _rows(db, """
            SELECT m.url, m.similarity, m.method, m.first_seen, a.title, a.publisher, a.published,
                   a.language, m.url = m.grp AS is_first
            FROM article_groups g JOIN article_groups m ON m.grp = g.grp AND m.url <> g.url
            LEFT JOIN articles a ON a.url = m.url
            WHERE g.url = :url ORDER BY m.first_seen, m.url""", {"url": url})
        for member in group:
            member["href"] = page_url(datasette, "/-/article", url=member["url"])
    headlines = await _rows(db, """
        SELECT text, first_seen, last_seen FROM headlines WHERE url = :url ORDER BY first_seen""", {"url": url})
    arabic = shown["language"] == "ar"
    for v in versions:
        v["href"] = page_url(datasette, "/-/article", url=url, version=v["version"])
    context = {
        "article": article, "shown": shown, "paragraphs": paragraphs(shown["body"]),
        "lang": shown["language"], "dir": "rtl" if arabic else "ltr",
        "version_shown": int(wanted) if wanted else article.get("version"),
        "versions": versions, "group": group, "headlines": headlines, "database": db.name,
        "row_url": datasette.urls.table(db.name, "articles") + "?" + urlencode({"url": url}),
        "json_url": datasette.urls.table(db.name, "articles", format="json") + "?" + urlencode({"url": url, "_shape": "array"}),
        "history_url": datasette.urls.query(db.name, "article_history") + "?" + urlencode({"url": url}),
    }
    return Response.html(await datasette.render_template(
        "newsarchive_article.html", context, request=request, view_name="newsarchive_article"))


async def charts_page(datasette, request):
    db = await _require_archive(datasette, request)
    charts = await build_charts(datasette, db)
    return Response.html(await datasette.render_template(
        "newsarchive_charts.html", {"charts": charts, "database": db.name}, request=request,
        view_name="newsarchive_charts"))


@hookimpl
def register_routes():
    return [
        (r"^/-/search$", search_page),
        (r"^/-/article$", article_page),
        (r"^/-/charts$", charts_page),
    ]


@hookimpl
def menu_links(datasette):
    return [
        {"href": datasette.urls.path("/-/search"), "label": "Search the archive"},
        {"href": datasette.urls.path("/-/charts"), "label": "Charts"},
    ]


# --- home page ---------------------------------------------------------------------------------------
HOME_LINKS = [  # (canned query or table, label): the views the home page points to
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


async def home_vars(datasette):
    db = await archive_database(datasette)
    if db is None:
        return {}
    stats = (await _rows(db, """
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
               (SELECT max(last_seen) FROM articles) AS archived_to""",))[0]
    hosts = sorted({urlsplit(r["url"]).netloc for r in await _rows(db, """
        SELECT url FROM (SELECT min(url) AS url FROM articles GROUP BY paper(url))
        UNION SELECT url FROM (SELECT min(url) AS url FROM headlines WHERE url IS NOT NULL)""") if r["url"]})
    last_crawl = (await _rows(db, """
        SELECT id, started, finished, trigger, source,
               coalesce(pages_fetched, CASE WHEN json_valid(stats) THEN json_extract(stats, '$."spider/pages"') END) AS pages,
               CASE WHEN json_valid(failed) THEN (SELECT sum(value) FROM json_each(failed)) END AS failed,
               CASE WHEN json_valid(stats) THEN json_extract(stats, '$.finish_reason') END AS finish_reason
        FROM crawls ORDER BY id DESC LIMIT 1""") or [None])[0]
    latest = await _rows(db, """
        SELECT url, title, publisher, published, language FROM articles
        ORDER BY first_seen DESC, published DESC, url LIMIT 8""")
    for row in latest:
        row["href"] = page_url(datasette, "/-/article", url=row["url"])
    queries = await datasette.get_canned_queries(db.name, None)
    needs = {"most_reported_stories": "stories", "duplicate_groups": "article_groups"}
    links = [{"href": datasette.urls.query(db.name, name), "label": label}
             for name, label in HOME_LINKS
             if name in queries and (name not in needs or await db.table_exists(needs[name]))]
    charts = await build_charts(datasette, db, only=("headlines_per_day_per_publisher",))
    return {
        "archive": {
            "database": db.name, "stats": stats, "hosts": hosts, "last_crawl": last_crawl,
            "latest": latest, "links": links, "charts": charts,
            "articles_url": datasette.urls.table(db.name, "articles") + "?_sort_desc=first_seen",
            "headlines_url": datasette.urls.table(db.name, "headlines") + "?_sort_desc=last_seen",
            "feed_url": datasette.urls.query(db.name, "latest_articles_feed", format="atom"),
            "search_feed_url": datasette.urls.query(db.name, "search_feed", format="atom"),
            "crawls_url": datasette.urls.query(db.name, "crawl_health"),
        }
    }


@hookimpl
def extra_template_vars(view_name, datasette):
    if view_name == "index":
        return lambda: home_vars(datasette)
    return None


# --- charts: small stacked bar charts as inline SVG ------------------------------------------------
CHARTS = {
    # canned query: (title, x column, series column or None, value columns)
    "headlines_per_day_per_publisher": ("Headlines on the ticker per day, by paper", "day", "publisher", ["headlines"]),
    "crawl_volume": ("Crawl volume: URLs per crawl, fetched, failed and skipped", "started", None,
                     ["pages", "failed", "skipped"]),
    "articles_per_publisher_per_month": ("Articles per month, by paper (published date)", "month", "publisher", ["articles"]),
}
PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
           "#9c755f", "#bab0ac"]


async def build_charts(datasette, db, only=None) -> list[dict]:
    queries = await datasette.get_canned_queries(db.name, None)
    charts = []
    for name, (title, x, series, values) in CHARTS.items():
        if (only and name not in only) or name not in queries:
            continue
        rows = await _rows(db, queries[name]["sql"])
        charts.append({
            "name": name, "title": title,
            "svg": stacked_bars(rows, x, series, values, title),
            "url": datasette.urls.query(db.name, name),
            "json_url": datasette.urls.query(db.name, name, format="json") + "?_shape=array",
            "csv_url": datasette.urls.query(db.name, name, format="csv"),
        })
    return charts


def nice_axis(peak: float) -> tuple[float, float]:
    """The y axis for a peak count: (top, step), step a whole 1, 2 or 5 times a power of ten
    and at most 5 steps (a peak of 2 gives 0, 1, 2; 48 gives 0, 10 ... 50)."""
    peak = max(peak, 1)
    magnitude = 10 ** max(0, math.floor(math.log10(peak / 5)))
    for step in (m * magnitude for m in (1, 2, 5, 10, 20, 50)):
        if math.ceil(peak / step) <= 5:
            return math.ceil(peak / step) * step, step
    return peak, peak / 5


def stacked_bars(rows: list[dict], x: str, series: str | None, values: list[str], title: str,
                 width: int = 760, height: int = 260, max_bars: int = 60) -> Markup:
    """An SVG stacked bar chart: one bar per x value (oldest left), one colour per series (or per
    value column when series is None). Every label is escaped."""
    stacks: dict[str, dict[str, float]] = {}
    names: dict[str, float] = {}
    for row in rows:
        key = str(row.get(x) or "?")
        if series:
            parts = [(str(row.get(series) or "?"), row.get(values[0]) or 0)]
        else:
            parts = [(v, row.get(v) or 0) for v in values]
        for name, value in parts:
            stacks.setdefault(key, {})
            stacks[key][name] = stacks[key].get(name, 0) + value
            names[name] = names.get(name, 0) + value
    keys = sorted(stacks)[-max_bars:]
    if not keys:
        return Markup('<p class="na-empty">Nothing to chart yet.</p>')
    order = list(values) if not series else sorted(names, key=lambda n: (-names[n], n))
    if series and len(order) > len(PALETTE):
        keep = set(order[: len(PALETTE) - 1])
        for key in keys:
            other = sum(v for n, v in stacks[key].items() if n not in keep)
            stacks[key] = {n: v for n, v in stacks[key].items() if n in keep} | {"other": other}
        order = order[: len(PALETTE) - 1] + ["other"]
    colours = dict(zip(order, PALETTE))
    left, top, bottom, legend_w = 44, 10, 46, 200
    plot_w, plot_h = width - left - legend_w - 10, height - top - bottom
    peak, tick = nice_axis(max(sum(stacks[k].values()) for k in keys))
    step = plot_w / len(keys)
    bar_w = max(2.0, step * 0.8)
    out = [Markup('<svg class="na-chart" role="img" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
                  'xmlns="http://www.w3.org/2000/svg"><title>{t}</title>').format(w=width, h=height, t=title)]
    for i in range(round(peak / tick) + 1):  # grid lines and y labels
        value = tick * i
        y = top + plot_h - plot_h * value / peak
        out.append(Markup('<line x1="{l}" x2="{r}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
                          '<text x="{tx}" y="{ty:.1f}" font-size="10" text-anchor="end" fill="#555">{v}</text>')
                   .format(l=left, r=left + plot_w, y=y, tx=left - 4, ty=y + 3, v=f"{value:,.4g}"))
    label_every = max(1, len(keys) // 8)
    for i, key in enumerate(keys):
        bx = left + i * step + (step - bar_w) / 2
        y = top + plot_h
        for name in order:
            value = stacks[key].get(name, 0)
            if not value:
                continue
            h = plot_h * value / peak
            y -= h
            out.append(Markup('<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{c}">'
                              '<title>{k} · {n}: {v}</title></rect>')
                       .format(x=bx, y=y, w=bar_w, h=h, c=colours[name], k=key, n=name, v=f"{value:,.0f}"))
        if i % label_every == 0:
            out.append(Markup('<text x="{x:.1f}" y="{y}" font-size="10" text-anchor="middle" fill="#333">{k}</text>')
                       .format(x=bx + bar_w / 2, y=top + plot_h + 14, k=key[:16]))
    for j, name in enumerate(order):  # legend
        ly = top + 4 + j * 16
        out.append(Markup('<rect x="{x}" y="{y}" width="10" height="10" fill="{c}"/>'
                          '<text x="{tx}" y="{ty}" font-size="11" fill="#333">{n}</text>')
                   .format(x=width - legend_w + 4, y=ly, c=colours[name], tx=width - legend_w + 18, ty=ly + 9, n=name[:28]))
    out.append(Markup("</svg>"))
    return Markup("").join(out)


# --- CSV safe against formula injection -----------------------------------------------------------------
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralise(cell: str) -> str:
    """A CSV cell a spreadsheet will not run as a formula: quote-prefixed if it starts like one."""
    if cell.startswith(_FORMULA_START) and not _NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


class CsvGuard:
    """Rewrites a CSV byte stream record by record, neutralising formula-like cells.

    Records are found by counting quotes (a newline inside a quoted field does not end a record),
    so a record split across chunks is held back until it is complete.
    """

    def __init__(self):
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.pending = ""  # text of the current, incomplete record
        self.quotes = 0  # quote characters in self.pending

    def feed(self, data: bytes, final: bool = False) -> bytes:
        text = self.decoder.decode(data, final=final)
        out = []
        for line in text.splitlines(keepends=True):
            self.pending += line
            self.quotes += line.count('"')
            if line.endswith("\n") and self.quotes % 2 == 0:
                out.append(self._record(self.pending))
                self.pending, self.quotes = "", 0
        if final and self.pending:
            out.append(self._record(self.pending))
            self.pending, self.quotes = "", 0
        return "".join(out).encode("utf-8")

    @staticmethod
    def _record(record: str) -> str:
        try:
            cells = next(csv.reader(io.StringIO(record, newline="")), [])
        except csv.Error:
            return record
        safe = [neutralise(c) for c in cells]
        if safe == cells:
            return record
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerow(safe)
        return buf.getvalue() if record.endswith("\n") else buf.getvalue().rstrip("\r\n")


def _is_csv_request(scope) -> bool:
    path = scope.get("path", "")
    return path.endswith(".csv") or b"_format=csv" in scope.get("query_string", b"")


@hookimpl
def asgi_wrapper():
    def wrap(app):
        async def guarded(scope, receive, send):
            if scope["type"] != "http" or not _is_csv_request(scope):
                return await app(scope, receive, send)
            guard = None

            async def guarded_send(message):
                nonlocal guard
                if message["type"] == "http.response.start":
                    headers = dict(message.get("headers") or [])
                    ctype = headers.get(b"content-type", b"").decode("latin-1")
                    if ctype.startswith(("text/csv", "text/plain")):
                        guard = CsvGuard()
                        message = {**message, "headers": [
                            (k, v) for k, v in message.get("headers") or [] if k.lower() != b"content-length"]}
                elif message["type"] == "http.response.body" and guard is not None:
                    more = message.get("more_body", False)
                    message = {**message, "body": guard.feed(message.get("body", b""), final=not more)}
                await send(message)

            return await app(scope, receive, guarded_send)

        return guarded

    return wrap
