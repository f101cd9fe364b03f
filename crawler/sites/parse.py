"""From a fetched page to what its site's page object extracts (pure: bytes in, a Page out).

The page object is the one of the URL's site (by host, crawler.sites.registry); a page of a
host no site claims is read by the page object of `site`, the site being crawled (a site's
pages replayed or served from another host, as in tests and benchmarks on 127.0.0.1). A site
without a page object of its own, and a host no site claims when no site is given, are read by
the generic page object (crawler.sites.generic). When a site's page object finds no article on
a page whose URL is one of the site's article URLs (its markup changed), the generic page object
reads the page instead, and the article's parser says so: "generic/1 (fallback from maghress/2)".
"""

from __future__ import annotations

import codecs
import importlib
import inspect
from functools import cache
from types import ModuleType

from crawler.core.extraction import FALLBACK_MARK
from crawler.core.items import Page, PageError
from crawler.core.text import decode
from crawler.sites import nonarticle, registry
from crawler.sites.spec import SiteSpec

__all__ = ["NoPageObject", "PageError", "page_object", "parse_bytes", "parse_text", "parser_version", "site_of"]


class NoPageObject(PageError):
    """No page object reads pages of this URL (no longer raised: the generic page object reads
    any page; kept for callers that catch it)."""


GENERIC_MODULE = "crawler.sites.generic.page"
FALLBACK = "{generic} " + FALLBACK_MARK + "{site})"  # the parser of an article the generic page object read instead


@cache
def generic() -> ModuleType:
    """The generic page object (parse_page, PARSER_VERSION): for any site without its own."""
    return importlib.import_module(GENERIC_MODULE)


@cache
def page_object(spec: SiteSpec | None) -> ModuleType:
    """The page object module (parse_page, PARSER_VERSION) that reads the site's pages: its own,
    else the generic one."""
    if spec is None or not spec.page_object:
        return generic()
    return importlib.import_module(f"{spec.package}.{spec.page_object}")


def parser_of_site(spec: SiteSpec) -> str:
    """The version of the page object that reads a site's pages (maghress/2, generic/1)."""
    return page_object(spec).PARSER_VERSION


def site_of(url: str, site: SiteSpec | None = None) -> SiteSpec | None:
    """The site whose page object reads a URL: the URL's own site, else `site`."""
    return registry.site_for_url(url) or site


def parser_version(url: str, site: SiteSpec | None = None) -> str | None:
    return page_object(site_of(url, site)).PARSER_VERSION


def fallback_version(site_version: str) -> str:
    return FALLBACK.format(generic=generic().PARSER_VERSION, site=site_version)


@cache
def _reads_utf8(module: ModuleType) -> bool:
    """Whether the page object's parse_page takes the page's UTF-8 bytes as well (`utf8=`)."""
    return "utf8" in inspect.signature(module.parse_page).parameters


def parse_text(url: str, content: str, *, is_html: bool | None = None, site: SiteSpec | None = None,
               utf8: bytes | None = None) -> Page:
    """Parse a decoded page (HTML or saved text; is_html None: sniff it). PageError when the
    input cannot be read as a page. `utf8`: the
    page's bytes when `content` is exactly their UTF-8 decoding (given to a page object that
    reads them: its HTML parser then has no text to encode again)."""
    spec = site_of(url, site)
    module = page_object(spec)
    page = _parse_with(module, url, content, is_html, utf8)
    if page.article is None and module is not generic() and spec is not None and spec.is_article(url):
        # The site's own page object found no article where one should be (its markup changed?):
        # the generic one tries; its article keeps the site's ticker, and its parser says so.
        fallback = _parse_with(generic(), url, content, is_html, utf8)
        if fallback.article is not None:
            fallback.article.parser_version = fallback_version(module.PARSER_VERSION)
            page.article = fallback.article
            drop_furniture(page.article, spec)
            page.canonical_link = page.canonical_link or fallback.canonical_link
    _check_article(page, url, content, is_html, spec)
    if page.article is not None and module is not generic() and page.article.parser_version == module.PARSER_VERSION:
        _detect_language(page.article)
    if page.article is not None and spec is not None:
        _site_defaults(page.article, spec, url)
        if module is generic():
            drop_furniture(page.article, spec)
    return page


def _furniture_key(text: str) -> str:
    return " ".join(text.replace("\u2019", "'").split()).rstrip(" .").casefold()


def drop_furniture(article, spec: SiteSpec) -> None:
    """The site's furniture sentences (its spec: never article text) taken out of an article the
    generic page object read: a paragraph that is one of them is dropped, one that ends with one
    loses it."""
    sentences = [_furniture_key(s) for s in spec.furniture()]
    if not sentences:
        return
    kept = []
    for paragraph in article.paragraphs:
        key = _furniture_key(paragraph)
        if key in sentences:
            continue
        for sentence in sentences:
            if key.endswith(sentence) and len(key) > len(sentence):
                cut = len(paragraph.rstrip(" .")) - len(sentence)
                paragraph = paragraph[:max(cut, 0)].rstrip()
                break
        if paragraph:
            kept.append(paragraph)
    article.paragraphs = kept


def _detect_language(article) -> None:
    """The language of an article a site's page object read, by the detector the generic page
    object uses (py3langid), the page object's answer (its page's lang, its edition) taken
    when the detector is not sure."""
    from crawler.sites.generic.lang import detect

    article.language = detect("\n".join(article.paragraphs), article.language, article.title) or article.language


def _check_article(page: Page, url: str, content: str, is_html: bool | None, spec: SiteSpec | None) -> None:
    """An article, or a page at an article URL, that is in fact a soft 404, a bot wall or a
    consent wall loses its article (page.rejected says why); a paywall teaser is kept, flagged
    partial (crawler.sites.nonarticle)."""
    if page.article is None and not (spec is not None and spec.is_article(url)):
        return  # a front page or listing: not taken for an article, nothing to check
    if is_html is False or (is_html is None and not generic().looks_like_html(content)):
        return  # a saved text page (the visible text alone): no markup to judge
    article = page.article
    verdict = nonarticle.classify(url, 200, content, title=article.title if article else None,
                                  paragraphs=article.paragraphs if article else None)
    if verdict.reason is not None:
        page.article, page.rejected, page.rejected_evidence = None, verdict.reason, verdict.evidence
    elif verdict.partial and article is not None:
        article.partial = True


def _parse_with(module: ModuleType, url: str, content: str, is_html, utf8) -> Page:
    if utf8 is not None and _reads_utf8(module):
        return module.parse_page(url, content, is_html=is_html, utf8=utf8)
    return module.parse_page(url, content, is_html=is_html)


def _site_defaults(article, spec: SiteSpec, url: str) -> None:
    """What the site's spec says of an article that its page did not: the publisher (the site's
    title) and the language (of the URL's edition)."""
    if not article.publisher:
        article.publisher = spec.title
    if not article.language:
        article.language = spec.language(url)


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
