"""How an archive's cells show on Datasette's table pages (the plugin's render_cell hook).

- Long text (an article's body, a version's body) is cut to TRUNCATED characters on table pages,
  with an ellipsis: a table page of 100 articles with whole bodies is tens of thousands of pixels
  tall and its HTML megabytes. The row page shows the whole text; JSON and CSV are untouched.
- A canned query's archived_copy column (the article a ticker headline links to, when archived)
  links to its reader page.
- An article's title links to its reader page (/-/article: the archived copy), and so does an
  article URL where Datasette would link to the live site (the articles table's own URL, its
  primary key, stays Datasette's link to the row page).

Why not Datasette's truncate_cells_html setting: it is a setting of the whole instance (a stock
`datasette archive.db` would not get it) and cuts every column alike, URLs included.
"""

from __future__ import annotations

from markupsafe import Markup

TRUNCATED = 240  # characters of a long text shown in a table page's cell
LONG_TEXT = {("articles", "body"), ("article_versions", "body"), ("article_versions", "title")}
# (table, column) holding an archived article's canonical URL: the cell links to its reader page.
ARTICLE_URL = {("article_versions", "url"), ("article_groups", "url"), ("article_groups", "grp")}
TITLE = {("articles", "title"): "url"}  # (table, title column): the column of the article's URL
# A canned query's column holding the URL of an article the archive has (latest_headlines'
# archived_copy): a link to its reader page, labelled with the URL.
ARCHIVED_COPY = "archived_copy"


def truncated(value: str, limit: int = TRUNCATED) -> str:
    """The text cut at a word boundary before `limit` characters, with an ellipsis."""
    if len(value) <= limit:
        return value
    cut = value[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip() + "…"


def render(row, value, column: str, table: str | None, reader_href, whole: bool = False) -> Markup | None:
    """The cell's HTML, or None for Datasette's own rendering. reader_href(url) gives the reader
    page's address; whole: the row page (long text not cut)."""
    if not isinstance(value, str):
        return None
    if table is None:
        if column == ARCHIVED_COPY and value.startswith(("http://", "https://")):
            return Markup('<a class="newsarchive-read" href="{}">{}</a>').format(reader_href(value), value)
        return None
    if (table, column) in TITLE:
        try:
            url = row[TITLE[(table, column)]]
        except (IndexError, KeyError):
            url = None
        if isinstance(url, str) and url:
            return Markup('<a class="newsarchive-read" href="{}">{}</a>').format(reader_href(url), value)
        return None
    if (table, column) in LONG_TEXT and len(value) > TRUNCATED and not whole:
        return Markup('<span class="newsarchive-cut" title="{}">{}</span>').format(
            f"{len(value):,} characters: the row page shows them all", truncated(value))
    if (table, column) in ARTICLE_URL and value.startswith(("http://", "https://")):
        return Markup('<a class="newsarchive-read" href="{}">{}</a>').format(reader_href(value), value)
    return None
