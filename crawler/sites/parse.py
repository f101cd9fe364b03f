"""Page objects: pure functions from (url, text or HTML) to item dataclasses.

No Scrapy import and no I/O here. One module per site.
"""

from crawler.items import Page
from crawler.pages.maghress import PARSER_VERSION, PageError, parse_page
from crawler.text import decode_page

__all__ = ["PARSER_VERSION", "PageError", "parse_bytes", "parse_page"]


def parse_bytes(url: str, body: bytes, content_type: str = "") -> Page:
    """Decode a fetched page (HTTP Content-Type, <meta>, else UTF-8 or windows-1252) and parse it."""
    is_html = True if "html" in content_type.lower() else None  # None: sniff the content
    return parse_page(url, decode_page(body, content_type), is_html=is_html)
