"""Log lines for dropped items that name the reason and the URL, not the whole item."""

from scrapy import logformatter


class LogFormatter(logformatter.LogFormatter):
    def dropped(self, item, exception, response, spider=None):
        entry = super().dropped(item, exception, response, spider)
        entry["msg"] = "Dropped: %(exception)s"
        return entry
