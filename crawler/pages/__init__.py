"""Page objects: pure functions from (url, text or HTML) to item dataclasses.

No Scrapy import and no I/O here. One module per site.
"""

from crawler.pages.maghress import PageError, parse_page

__all__ = ["PageError", "parse_page"]
