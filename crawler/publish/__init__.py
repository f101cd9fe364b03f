"""newsarchive's Datasette plugin, for archive databases only: `datasette data/archive.db` (or any
Datasette where newsarchive is installed: a snapshot served with -i, `datasette publish`)
serves the reader's pages and the canned queries of every newsarchive archive it serves, and
leaves other databases alone.

Datasette loads this package from its `datasette` entry point (pyproject.toml) and finds the
package's templates/ folder itself. The modules:

- hooks: the Datasette hooks, re-exported here;
- archives: which databases are archives (probed once per file change);
- config: datasette.yaml (settings, metadata) and queries.yaml (canned queries), package data;
- pages: /-/search, /-/article, /-/charts and the home page's figures; highlight: the reader's
  text; charts: SVG charts; csv_guard: CSV safe against formula injection;
- tables: Datasette's table pages bounded (row counts from the summaries, table search through
  the folded index); facets: facet counts from the summaries on unfiltered pages; cells: long text cut
  and article URLs linking to the reader page;
- safety: what SQL on an archive may read and how much (internal tables denied, SQLite limits,
  results bounded); gate: what a request is refused, and how (the open redirect, unreadable
  archives, downloads, bad parameters, the response size);
- serve: `newsarchive serve`, stock Datasette with the project's settings.

The SQL the pages run is crawler.archive.reads's.
"""

from crawler.publish.hooks import (
    asgi_wrapper,
    canned_queries,
    extra_template_vars,
    filters_from_request,
    get_metadata,
    handle_exception,
    menu_links,
    permission_allowed,
    prepare_connection,
    register_facet_classes,
    register_routes,
    render_cell,
)

__all__ = [
    "asgi_wrapper", "canned_queries", "extra_template_vars", "filters_from_request", "get_metadata",
    "handle_exception", "menu_links",
    "permission_allowed", "prepare_connection", "register_facet_classes", "register_routes",
    "render_cell",
]
