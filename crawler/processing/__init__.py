"""The processing core: what happens to every item between a page object and the archive.

One core for the crawl (through pipelines/, a thin Scrapy adapter) and for `reparse` (without
Scrapy), in one declared order, counting in one stats vocabulary (crawler.core.stats):

    normalise (normalize.py) -> validate (validate.py) -> group (group.py)

Pure: no Scrapy, no I/O. The host reads the archive's grouping state, hands it in, and stores
each `Outcome` it gets back (crawler.archive.batch).
"""

from __future__ import annotations

from crawler.core.items import Article, Ticker
from crawler.processing.drop import Drop
from crawler.processing.group import Grouper, GroupingState, Outcome, Sighting
from crawler.processing.normalize import normalize
from crawler.processing.validate import validate
from crawler.sites import registry

__all__ = ["Drop", "GroupingState", "Outcome", "Processor", "Sighting", "STAGES"]

STAGES = (normalize, validate)  # then grouping, which needs the crawl's state


class Processor:
    """The processing of one crawl: `process(item)` runs every stage, in order, and returns the
    Outcome to store, or raises Drop (already counted) for an item that is not stored."""

    def __init__(self, state: GroupingState, stats, *, boilerplate=None):
        """`boilerplate`: sentences whose words never count when comparing article bodies;
        default: every registered site's furniture (crawler.sites.registry.boilerplate)."""
        self.stats = stats
        self.grouper = Grouper(state, boilerplate=registry.boilerplate() if boilerplate is None else boilerplate)

    def process(self, item) -> Outcome:
        for stage in STAGES:
            item = stage(item, self.stats)
        if isinstance(item, Article):
            return self.grouper.article(item, self.stats)
        if isinstance(item, Ticker):
            return self.grouper.ticker(item, self.stats)
        return Outcome(item)
