"""The plugin's Datasette hooks (crawler.publish exposes them: the `datasette` entry point names
the package, so that Datasette also finds its templates/ folder). Each acts on archive databases
only (crawler.publish.archives); other databases get nothing from the plugin, but for the guard
against the open redirect and a clear 503 for a database file SQLite cannot read
(crawler.publish.gate)."""

from __future__ import annotations

import os
from functools import partial

from datasette import hookimpl

from crawler.core.fold import fold, fts_query
from crawler.publish import cells, config, i18n, pages, tables
from crawler.publish.archives import archive_info, archive_names, is_archive
from crawler.publish.csv_guard import csv_guard
from crawler.publish.facets import SummaryFacet
from crawler.publish.gate import CURRENT_ROUTE, exception_response, gate
from crawler.publish.safety import LARGE_BYTES, guard_connection, is_internal
from crawler.sites.registry import paper_of
from crawler.sites.spec import SiteSpec


def paper_function(default: SiteSpec | None):
    """SQL paper(url): the paper an article URL credits, by its site's rule
    (crawler/sites/<name>/site.toml); for a host no site claims (pages replayed from another
    host), by the rule of `default`, the site the archive is of."""

    def paper(url: str | None) -> str | None:
        return paper_of(url, default=default)

    return paper


def archive_size(datasette, database: str) -> int:
    """The size of a database's file in bytes (0 when it has none or it is gone)."""
    db = datasette.databases.get(database)
    try:
        return os.path.getsize(db.path) if db is not None and db.path else 0
    except OSError:
        return 0


@hookimpl
def prepare_connection(conn, database, datasette):
    """An archive's connections: its limits (crawler.publish.safety: the internal tables
    unreadable, values, columns and results bounded) and SQL functions fold(text), fts_query(q)
    (crawler.core.fold: the search folding for French and Arabic), paper(url) and
    article_path(url) (the reader page of an article: pages.page_url)."""
    info = archive_info(datasette, database)
    if info is not None:
        guard_connection(conn, large=archive_size(datasette, database) > LARGE_BYTES)
        specs = info.site_specs()
        conn.create_function("fold", 1, fold, deterministic=True)
        conn.create_function("fts_query", 1, fts_query, deterministic=True)
        conn.create_function("paper", 1, paper_function(specs[0] if specs else None), deterministic=True)
        conn.create_function("article_path", 1, partial(pages.article_path, datasette), deterministic=True)


@hookimpl
def get_metadata(datasette, key, database, table):
    """Titles, descriptions, facets, sort orders, hidden tables: for archives."""
    return config.metadata(datasette, database)


@hookimpl
def canned_queries(datasette, database, actor):
    """The canned queries of queries.yaml, for an archive database."""
    return config.queries() if is_archive(datasette, database) else None


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """An archive's table pages: long text cut, titles and article URLs linking to the reader
    page (crawler.publish.cells). On a row page (the gate's CURRENT_ROUTE) the text is whole."""
    if not is_archive(datasette, database):
        return None
    route = CURRENT_ROUTE.get()
    return cells.render(row, value, column, table, lambda url: pages.page_url(datasette, "/-/article", url=url),
                        whole=route is not None and route.kind == "row")


@hookimpl
def register_facet_classes():
    """The "summary" facet: counts from the summary tables on an unfiltered page of a big table
    (crawler.publish.facets)."""
    return [SummaryFacet]


@hookimpl
def register_routes():
    return [
        (r"^/-/search$", pages.search_page),
        (r"^/-/article$", pages.article_page),
        (r"^/-/charts$", pages.charts_page),
        (r"^/-/health$", pages.health_page),
        (r"^/-/lang$", i18n.language_switch),  # the language switch: sets a cookie, goes back
    ]


@hookimpl
def menu_links(datasette):
    if not archive_names(datasette):
        return None
    return [
        {"href": datasette.urls.path("/-/search"), "label": i18n.text("Search the archive")},
        {"href": datasette.urls.path("/-/charts"), "label": i18n.text("Charts")},
        {"href": datasette.urls.path("/-/health"), "label": i18n.text("Extraction health")},
    ]


@hookimpl
def extra_template_vars(view_name, database, datasette, request):
    """The home page's archive section (templates/index.html shows Datasette's own home page
    when no archive is served); no download link on an archive's page (downloads are refused:
    permission_allowed, crawler.publish.gate); the row count of a table page the plugin counts
    (crawler.publish.tables)."""
    if view_name == "index":
        return lambda: pages.home_vars(datasette)
    if view_name == "database" and is_archive(datasette, database):
        return {"allow_download": False}
    if view_name == "table" and is_archive(datasette, database):
        return lambda: tables.page_count(datasette, database, request)
    return None


@hookimpl(trylast=True)
def filters_from_request(request, database, table, datasette):
    """?_search= on an archive's articles and headlines: through the folded search index, bounded
    (crawler.publish.tables). trylast: its search box setting is the one that stands."""
    if table in tables.SEARCHED and is_archive(datasette, database):
        return tables.search_filter(datasette, request, database, table)
    return None


@hookimpl(trylast=True)
def permission_allowed(datasette, actor, action, resource):
    """For archives: the internal tables (crawler.publish.safety.is_internal) have no table page
    and are not listed, for anyone; the database file cannot be downloaded. (trylast: Datasette
    keeps the last answer given, so this one stands.)"""
    if action == "view-table" and resource and is_archive(datasette, resource[0]) and is_internal(resource[1]):
        return False
    if action == "view-database-download" and is_archive(datasette, resource):
        return False
    return None


@hookimpl(tryfirst=True)
def handle_exception(datasette, request, exception):
    """503 for a database SQLite cannot read; 400 for Datasette's input errors on an archive."""

    async def inner():
        return await exception_response(datasette, request, exception)

    return inner


@hookimpl
def asgi_wrapper(datasette):
    """The reader's language (crawler.publish.i18n: read once per request, for every template,
    whose Jinja globals `_`, `_n` and `na` it installs here), the gate (crawler.publish.gate: the
    open redirect closed, unreadable archives, downloads, bad parameters, the response size), then
    CSV of archive databases safe against spreadsheet formula injection."""
    i18n.install(datasette)
    return lambda app: i18n.negotiated(gate(datasette, csv_guard(datasette, app)))
