"""The archive pipeline: every item through the processing core (normalise, validate, group;
crawler.processing), then to the archive extension to be stored. An item that is not stored
is dropped (DropItem) with its reason, already counted in the crawl's stats."""

from __future__ import annotations

from scrapy.exceptions import DropItem, NotConfigured

from crawler.crawl.extension import ArchiveExtension
from crawler.processing import Drop


class ArchivePipeline:
    def __init__(self, extension: ArchiveExtension):
        self.extension = extension

    @classmethod
    def from_crawler(cls, crawler):
        extension = crawler.get_extension(ArchiveExtension)
        if extension is None:
            raise NotConfigured("the archive extension is off")
        return cls(extension)

    def process_item(self, item):
        try:
            outcome = self.extension.processor.process(item)
        except Drop as drop:
            raise DropItem(str(drop)) from None
        self.extension.store(outcome)
        return item
