"""Facets of an archive's table pages that stay fast at millions of rows (the plugin's
register_facet_classes hook).

Datasette's column facet counts a column with `GROUP BY` over every row the page matches: on the
unfiltered articles page of a million articles, about 0.2 s per facet warm (publisher and
language: an index read whole) and over a second with the page's other queries. The writer keeps
these counts already (summary_articles_by_paper, m010, maintained by triggers), so on an
unfiltered page (the one the plugin counts from the summaries: crawler.publish.tables) the
"summary" facet reads them there: the same values and the same counts, a few hundred rows read.
On any filtered or searched page it is Datasette's column facet, over the matching rows.

A table's metadata names it like any facet type: `facets: [{summary: publisher}]`
(crawler/publish/datasette.yaml). Its results are shown as column facets (Datasette's template
prints the type of any other).

Why not Datasette's own: its column facet has no way to take counts from elsewhere, and facet
classes are the documented hook for another way of counting.
"""

from __future__ import annotations

from datasette.facets import ColumnFacet
from datasette.utils import path_with_added_args, path_with_removed_args

from crawler.publish import tables

# (table, column) -> the SQL of (value, count) rows from a summary table, by count then value.
SUMMARIES = {
    ("articles", "publisher"): "SELECT publisher AS value, sum(articles) AS count FROM summary_articles_by_paper"
                               " GROUP BY publisher HAVING count > 0 ORDER BY count DESC, value LIMIT :limit",
    ("articles", "language"): "SELECT language AS value, sum(articles) AS count FROM summary_articles_by_paper"
                              " GROUP BY language HAVING count > 0 ORDER BY count DESC, value LIMIT :limit",
}


class SummaryFacet(ColumnFacet):
    type = "summary"

    def _unfiltered(self) -> bool:
        counted = self.request.scope.get(tables.SCOPE_KEY) if self.request is not None else None
        return counted == ("table", tables.COUNTED.get(self.table or ""))

    async def suggest(self):
        return []  # suggestions are Datasette's column facet's (off on archives: the gate)

    async def facet_results(self):
        configs = self.get_configs()
        summarised = all((self.table, c["config"].get("column") or c["config"]["simple"]) in SUMMARIES for c in configs)
        if not (summarised and self._unfiltered()):
            results, timed_out = await super().facet_results()
            for info in results:
                info["type"] = ColumnFacet.type
            return results, timed_out
        results, timed_out = [], []
        size = self.get_facet_size()
        qs_pairs = self.get_querystring_pairs()
        for source_and_config in configs:
            config, source = source_and_config["config"], source_and_config["source"]
            column = config.get("column") or config["simple"]
            sql = SUMMARIES[(self.table, column)]
            rows = (await self.ds.execute(self.database, sql, {"limit": size + 1})).rows
            # The same result as ColumnFacet.facet_results builds (datasette/facets.py, 0.65).
            values = []
            for row in rows[:size]:
                selected = (column, str(row["value"])) in qs_pairs
                toggle = (path_with_removed_args(self.request, {column: str(row["value"])}) if selected
                          else path_with_added_args(self.request, {column: row["value"]}))
                values.append({
                    "value": row["value"], "label": row["value"], "count": row["count"],
                    "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(toggle)),
                    "selected": selected,
                })
            results.append({
                "name": column, "type": ColumnFacet.type, "hideable": source != "metadata",
                "toggle_url": self.ds.urls.path(path_with_removed_args(self.request, {"_facet": column})),
                "results": values, "truncated": len(rows) > size,
            })
        return results, timed_out
