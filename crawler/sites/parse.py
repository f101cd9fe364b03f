"""From a fetched page to what its site's page object extracts (pure: bytes in, a Page out).

The page object is the one of the URL's site (by host, crawler.sites.registry); a page of a
host no site claims is read by the page object of `site`, the site being crawled (a site's
pages replayed or served from another host, as in tests and benchmarks on 127.0.0.1).
"""

from __future__ import annotations

import codecs
import importlib
import inspect
from functools import cache
from types import ModuleType

from crawler.core.items import Page, PageError
from crawler.core.text import decode
from crawler.sites import registry
from crawler.sites.spec import SiteSpec

__all__ = ["NoPageObject", "PageError", "page_object", "parse_bytes", "parse_text", "parser_version", "site_of"]


class NoPageObject(PageError):
    """No page object reads pages of this URL."""


@cache
def page_object(spec: SiteSpec) -> ModuleType | None:
    """The site's page object module (parse_page, PARSER_VERSION), or None if it has none."""
    if not spec.page_object:
        return None
    return importlib.import_module(f"{spec.package}.{spec.page_object}")


def site_of(url: str, site: SiteSpec | None = None) -> SiteSpec | None:
    """The site whose page object reads a URL: the URL's own site, else `site`."""
    return registry.site_for_url(url) or site


def parser_version(url: str, site: SiteSpec | None = None) -> str | None:
    spec = site_of(url, site)
    module = page_object(spec) if spec else None
    return module.PARSER_VERSION if module else None


@cache
def _reads_utf8(module: ModuleType) -> bool:
    """Whether the page object's parse_page takes the page's UTF-8 bytes as well (`utf8=`)."""
    return "utf8" in inspect.signature(module.parse_page).parameters


def parse_text(url: str, content: str, *, is_html: bool | None = None, site: SiteSpec | None = None,
               utf8: bytes | None = None) -> Page:
    """Parse a decoded page (HTML or saved text; is_html None: sniff it). NoPageObject when no
    page object reads the URL, PageError when the input cannot be read as a page. `utf8`: the
    page's bytes when `content` is exactly their UTF-8 decoding (given to a page object that
    reads them: its HTML parser then has no text to encode again)."""
    spec = site_of(url, site)
    module = page_object(spec) if spec else None
    if module is None:
        raise NoPageObject(f"no page object for {url}")
    if utf8 is not None and _reads_utf8(module):
        return module.parse_page(url, content, is_html=is_html, utf8=utf8)
    return module.parse_page(url, content, is_html=is_html)


def parse_bytes(url: str, body: bytes, content_type: str = "", *, site: SiteSpec | None = None) -> Page:
    """Decode a fetched page and parse it. The decoding is checked (crawler.core.text.decode: byte
    order mark, HTTP Content-Type, <meta>, UTF-8, a statistical detector, windows-1252, the first
    that shows no replacement character or mojibake), so that a page whose declared charset lies
    is read in the encoding it is really in."""
    is_html = True if "html" in content_type.lower() else None  # None: sniff the content
    decoded = decode(body, content_type)
    # A clean UTF-8 reading has no replacement character: the text is the bytes' strict decoding
    # (a byte order mark aside, which decode removes).
    exact = (decoded.encoding == "utf-8" and decoded.clean and isinstance(body, bytes)
             and not body.startswith(codecs.BOM_UTF8))
    page = parse_text(url, decoded.text, is_html=is_html, site=site, utf8=body if exact else None)
    page.encoding, page.decoding_clean = decoded.encoding, decoded.clean
    return page
