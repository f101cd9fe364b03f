"""Datasette's table pages of an archive, kept bounded as the archive grows (Datasette 0.65 has
neither a cap on the row count of a table page nor a count plugin hook; these use its documented
`_nocount` table argument and `filters_from_request` hook):

- Row counts. Datasette counts a table page's rows with `select count(*)`, which on a table of
  millions of rows reads an index of tens of megabytes (seconds on a cold disk). An unfiltered
  page of a big table gets `_nocount=summary` from the gate (crawler.publish.gate), and shows the
  table's row count from summary_table_rows (kept by triggers, m010) instead: the same number.
  `_nocount=summary` is the plugin's own mark, carried by the page's links: on a filtered page the
  gate takes it away again, so that Datasette counts the filtered rows as usual. JSON keeps
  Datasette's `filtered_table_rows_count: null` for such a page (`_nocount`'s documented answer);
  the counts are in the summary_table_rows table.
- Table search (`?_search=` on articles and headlines). Through the folded index search_fts, as
  the /-/search page: the query is read and folded alike (crawler.core.fold.parse_query: words,
  OR, "phrases", -exclusions; accents, case, Arabic letter variants and attached prefixes, French
  elision) and a search matching more than reads.RANKED rows keeps the RANKED archived last,
  so that the page, its facets and its count read a bounded number of rows. Its count comes from
  the index (no row is read to count), with the same `_nocount=summary` mark.
"""

from __future__ import annotations

from datasette.filters import FilterArguments

from crawler.archive import reads
from crawler.core.fold import parse_query

# Tables (and views) whose unfiltered page shows the summary row count: page -> counted table.
COUNTED = {
    "articles": "articles", "article_versions": "article_versions", "headlines": "headlines",
    "headline_sightings": "headline_sightings", "crawls": "crawls", "article_groups": "article_groups",
    "stories": "stories", "headline_timeline": "headlines",
}
SEARCHED = {"articles": "article", "headlines": "headline"}  # table -> its kind in search_fts
MARK = "summary"  # the value of _nocount the plugin sets
# Table arguments that neither filter nor search: an unfiltered page keeps them.
NEUTRAL_ARGS = frozenset({
    "_sort", "_sort_desc", "_size", "_next", "_facet", "_facet_date", "_facet_array", "_facet_size", "_col",
    "_nocol", "_labels", "_nolabels", "_label", "_shape", "_json", "_json_infinity", "_nofacet", "_nosuggest",
    "_nocount", "_timelimit", "_trace", "_nl", "_context", "_header", "_dl", "_stream", "_extra",
})
SCOPE_KEY = "newsarchive.count"  # what the page counts: ("table", name) or ("search", n)


def count_mark(table: str | None, args: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], tuple | None]:
    """A table page's arguments with the plugin's _nocount mark set or taken away, and what the page
    then counts with: ("table", counted table) for an unfiltered page of a big table, ("search",
    None) for a table search and nothing else; None when Datasette counts."""
    kept = [(k, v) for k, v in args if not (k == "_nocount" and v == MARK)]
    if table is None or any(k == "_nocount" for k, _ in kept):
        return kept, None  # the reader's own _nocount: nothing counted
    searches = [v for k, v in kept if k == "_search"]
    others = [k for k, _ in kept if k not in NEUTRAL_ARGS and k != "_search"]
    if others:
        return kept, None
    if any(v.strip() for v in searches):
        if table in SEARCHED and len(searches) == 1:
            return kept + [("_nocount", MARK)], ("search", None)
        return kept, None
    if table in COUNTED:
        return kept + [("_nocount", MARK)], ("table", COUNTED[table])
    return kept, None


async def page_count(datasette, database: str, request) -> dict:
    """The template variables of a table page the plugin counts: its row count."""
    counted = request.scope.get(SCOPE_KEY) if request is not None else None
    if not counted:
        return {}
    kind, value = counted
    if kind == "search":
        return {"filtered_table_rows_count": value} if value is not None else {}
    db = datasette.get_database(database)
    rows = (await db.execute("SELECT row_count FROM summary_table_rows WHERE tbl = :t", {"t": value})).rows
    return {"filtered_table_rows_count": rows[0][0]} if rows else {}


def search_filter(datasette, request, database: str, table: str):
    """FilterArguments for ?_search= on the articles or headlines page of an archive (see above)."""
    kind = SEARCHED[table]
    q = (request.args.get("_search") or "").strip()

    async def inner():
        extra = {"supports_search": True, "search": request.args.get("_search") or ""}
        if not q:
            return FilterArguments([], extra_context=extra)
        db = datasette.get_database(database)
        parsed = parse_query(q)  # the syntax and folding of /-/search and the canned searches
        match = parsed.match
        counts = (await db.execute(reads.SEARCH_COUNTS, {"match": match, "cap": reads.RANKED})).rows[0]
        n = counts[kind]
        low, high = reads.ARTICLE_ROWIDS if kind == "article" else reads.HEADLINE_ROWIDS
        if n > reads.RANKED:
            sql = reads.SEARCH_ARTICLE_FLOOR if kind == "article" else reads.SEARCH_HEADLINE_CEILING
            bound = (await db.execute(sql, {"match": match, "cap": reads.RANKED})).rows[0][0]
            low, high = (bound, high) if kind == "article" else (low, bound)
        ids = "rowid" if kind == "article" else "-rowid"
        column = "rowid" if kind == "article" else "id"
        # The matches (at most RANKED) read by rowid, for the page and for each facet alike. (Walking
        # the sort's index and keeping the matches, with a unary + on the rowid, gave the page
        # alone 3 ms instead of 13-40 ms at 700k articles, but made every facet read the whole
        # table: 0.2-0.3 s each.)
        where = (f"{column} IN (SELECT {ids} FROM search_fts"
                 " WHERE search_fts MATCH :newsarchive_match AND rowid BETWEEN :newsarchive_low AND :newsarchive_high)")
        described = f'search matches "{q}"'
        if n > reads.RANKED:
            described += f" (the {reads.RANKED:,} archived last of more matches)"
        if parsed.note:
            described += f" ({parsed.note})"
        if request.scope.get(SCOPE_KEY) == ("search", None):
            request.scope[SCOPE_KEY] = ("search", min(n, reads.RANKED))
        return FilterArguments([where], {"newsarchive_match": match, "newsarchive_low": low, "newsarchive_high": high},
                               [described], extra)

    return inner
