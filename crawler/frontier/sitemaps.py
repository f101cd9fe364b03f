"""Sitemaps and sitemap indexes: their page and child-sitemap URLs (scrapy.utils.sitemap's
parser underneath; Scrapy's parser only, no engine). Pure: bytes in, canonical URLs out.
"""

from __future__ import annotations

import gzip
import io
import zlib

import lxml.etree
from scrapy.utils.sitemap import Sitemap

from crawler.frontier.links import clean_links

GZIP_MAGIC = b"\x1f\x8b"
MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemaps.org limit for an uncompressed sitemap
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


def sitemap_links(url: str, body: bytes) -> tuple[list[str], list[str]]:
    """(page URLs, child sitemap URLs) of a sitemap (<urlset>) or sitemap index (<sitemapindex>).

    Gzip bodies (recognised by their magic bytes, not by the URL) are decompressed first, up to
    MAX_SITEMAP_BYTES; beyond that, or for anything that is not a sitemap, the answer is ([], []).
    <loc> values are resolved against url, canonicalized, de-duplicated, http(s) only; hreflang
    alternates are ignored.
    """
    if body.startswith(GZIP_MAGIC):
        body = _gunzip(body, MAX_SITEMAP_BYTES)
        if body is None:
            return [], []
    if not body.strip():
        return [], []
    try:
        sitemap = Sitemap(body)
    except (StopIteration, lxml.etree.LxmlError):  # empty or hopeless XML
        return [], []
    if sitemap.type not in {"urlset", "sitemapindex"}:
        return [], []
    locs: list[str] = []
    try:
        for entry in sitemap:
            locs.append(entry.get("loc", ""))
    except lxml.etree.LxmlError:  # broken past some point: keep what came before
        pass
    links = clean_links(url, locs)
    return (links, []) if sitemap.type == "urlset" else ([], links)
