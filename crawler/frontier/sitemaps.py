"""Sitemaps and sitemap indexes: their page and child-sitemap URLs (scrapy.utils.sitemap's
parser underneath; Scrapy's parser only, no engine). Pure: bytes in, canonical URLs out.
"""

from __future__ import annotations

import gzip
import io
import zlib
from typing import NamedTuple

import lxml.etree
from scrapy.utils.sitemap import Sitemap

from crawler.frontier.links import clean_links

GZIP_MAGIC = b"\x1f\x8b"
MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemaps.org limit for an uncompressed sitemap
MAX_SITEMAP_URLS = 50_000  # the sitemaps.org limit of URLs in one sitemap (or sitemaps in one index)
_CHUNK = 1024 * 1024


def _gunzip(body: bytes, max_size: int) -> bytes | None:
    """The decompressed body, or None if it is corrupt or larger than max_size once decompressed.

    Reads chunk by chunk so that a gzip bomb never gets more than max_size + 1 chunk in memory.
    """
    out = bytearray()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as stream:
            while chunk := stream.read(_CHUNK):
                out += chunk
                if len(out) > max_size:
                    return None
    except (OSError, EOFError, zlib.error):
        return None
    return bytes(out)


class SitemapLinks(NamedTuple):
    pages: list[str]  # page URLs of a <urlset>
    sitemaps: list[str]  # child sitemap URLs of a <sitemapindex>
    truncated: bool  # more <loc> entries than max_urls: the ones after them were not read


def read_sitemap(url: str, body: bytes, *, max_urls: int = MAX_SITEMAP_URLS,
                 max_bytes: int = MAX_SITEMAP_BYTES) -> SitemapLinks:
    """The page and child-sitemap URLs of a sitemap (<urlset>) or sitemap index (<sitemapindex>).

    Gzip bodies (recognised by their magic bytes, not by the URL) are decompressed first, up to
    max_bytes (MAX_SITEMAP_BYTES); beyond that, or for anything that is not a sitemap, the answer
    is empty.
    At most max_urls <loc> entries are read (MAX_SITEMAP_URLS, the sitemaps.org limit; the rest
    are left, and `truncated` says so). <loc> values are resolved against url, canonicalized,
    de-duplicated, http(s) only; hreflang alternates are ignored.
    """
    empty = SitemapLinks([], [], False)
    if body.startswith(GZIP_MAGIC):
        body = _gunzip(body, max_bytes)
        if body is None:
            return empty
    if not body.strip():
        return empty
    try:
        sitemap = Sitemap(body)
    except (StopIteration, lxml.etree.LxmlError):  # empty or hopeless XML
        return empty
    if sitemap.type not in {"urlset", "sitemapindex"}:
        return empty
    locs: list[str] = []
    truncated = False
    try:
        for entry in sitemap:
            if len(locs) >= max_urls:
                truncated = True
                break
            locs.append(entry.get("loc", ""))
    except lxml.etree.LxmlError:  # broken past some point: keep what came before
        pass
    links = clean_links(url, locs)
    return SitemapLinks(links, [], truncated) if sitemap.type == "urlset" else SitemapLinks([], links, truncated)


def sitemap_links(url: str, body: bytes, *, max_urls: int = MAX_SITEMAP_URLS) -> tuple[list[str], list[str]]:
    """(page URLs, child sitemap URLs) of a sitemap or sitemap index: read_sitemap's, without
    saying whether entries were left."""
    pages, sitemaps, _ = read_sitemap(url, body, max_urls=max_urls)
    return pages, sitemaps
