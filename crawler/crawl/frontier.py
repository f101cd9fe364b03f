"""The crawl's view of the frontier: the urls table as the run started (asked for one URL at a
time, crawler.archive.state, and remembered for the run), the URLs this run scheduled and
finished, and the marks it records (through the archive extension).

The spider decides what to fetch (crawler.frontier's rules); this keeps the books, so that at
the end every URL scheduled has a mark: the ones that got no answer (page budget reached,
crawl stopped) are recorded as skipped, "not_reached", and due at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Callable

from crawler.core import clock
from crawler.core.items import UrlMark
from crawler.frontier.kinds import page_kind
from crawler.sites.spec import SiteSpec


class CrawlFrontier:
    """`state`: the archive's answers (crawler.archive.state.ArchiveState: url_row, due); None
    for a crawl without an archive, which knows no URL."""

    def __init__(self, state=None, record: Callable[[UrlMark], None] | None = None,
                 site: SiteSpec | None = None):
        self.site = site  # the site crawled: the kind of a URL on a host no site claims
        self.state = state
        self.rows: dict[str, dict | None] = {}  # url -> its urls row as the run found it (this run's URLs)
        self._record = record or (lambda mark: None)
        self.requested: set[str] = set()
        self.finished: set[str] = set()

    def known(self, url: str) -> dict | None:
        """The URL's row in the urls table as the run first asked for it (None: unknown)."""
        if url in self.rows:
            return self.rows[url]
        row = self.state.url_row(url) if self.state is not None and url is not None else None
        self.rows[url] = row
        return row

    def due_rows(self, now: str, *, every_known: bool = False) -> Iterator[dict]:
        """The rows of the URLs due at `now` (with `every_known`, of every URL not skipped)."""
        if self.state is None:
            return
        yield from self.state.due(now, every_known=every_known)  # not remembered: asked again when scheduled

    @staticmethod
    def due(row: dict, now: str) -> bool:
        return row["next_due"] is not None and row["next_due"] <= now

    def claim(self, url: str) -> bool:
        """True the first time this run schedules a URL."""
        if url in self.requested:
            return False
        self.requested.add(url)
        return True

    def record(self, mark: UrlMark) -> None:
        """Record a mark now (a URL discovered or skipped, whose page gave no item)."""
        if mark.status != "discovered":
            self.finished.add(mark.url)
        self._record(mark)

    def finish(self, mark: UrlMark) -> UrlMark:
        """The URL is done; its mark is recorded by the caller once the page's items are stored."""
        self.finished.add(mark.url)
        return mark

    def unfinished(self) -> list[UrlMark]:
        """Marks for the URLs scheduled this run that got no answer."""
        now = clock.timestamp()
        marks = []
        for url in sorted(self.requested - self.finished):
            row = self.known(url) or {}
            marks.append(UrlMark(url=url, kind=row.get("kind") or page_kind(url, site=self.site), status="skipped", at=now,
                                 reason="not_reached", next_due=now, depth=row.get("depth") or 0))
        return marks
