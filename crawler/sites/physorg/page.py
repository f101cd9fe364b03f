"""Phys.org (phys.org): its article pages (pure: no I/O, no network).

The site's template (Science X Network, 2023): one <article class="news-article"> holding the
title (<h1>), the byline (<p class="article-byline">: "by Bob Yirka , Phys.org", or "by <a>University
of Tokyo</a>" for a news release) and the body, whose paragraphs are the <p> children of
<div class="article-main"> (figures, ads, "More information" and the closing note are other
children). The head gives the canonical URL, the lead image (og:image) and a NewsArticle JSON-LD
block whose datePublished is the full timestamp. A page without that article (the front page, a
listing) has no article; its links are read all the same.

Every selector is data, at the top of the module: a change of the site's template is a change
here.
"""

from __future__ import annotations

import json
import re
from datetime import date
from urllib.parse import urljoin, urlsplit

from lxml import etree

from crawler.core.items import Article, Page, PageError
from crawler.core.text import clean_text, clean_url
from crawler.frontier.urls import canonicalize, is_fetchable
from crawler.sites import registry

SITE = registry.site("physorg")

# The version of this page object: recorded with every row it extracts. Raise it whenever a
# change can alter what is extracted from an archived page.
PARSER_VERSION = "physorg/1"


def _has_class(name: str) -> str:
    """An XPath test for one class token of @class."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


# --- Selectors (XPath 1.0, lxml) ---------------------------------------------------------------
ARTICLE = f"//article[{_has_class('news-article')}]"  # the article; a page without one has none
TITLE = f"{ARTICLE}//h1"  # the first one
BYLINE = f"{ARTICLE}//p[{_has_class('article-byline')}]"
# The body's paragraphs: the <p> children of the article's main block, the closing note
# ("© 2023 Science X Network") left out. "More information", the journal and the print-only
# citation are in <div>s of their own, never direct children.
PARAGRAPHS = f"{ARTICLE}//div[{_has_class('article-main')}]/p[not({_has_class('article-main__note')})]"
# The date as the reader sees it ("December 22, 2023"), where the JSON-LD gives none.
VISIBLE_DATE = f"{ARTICLE}//div[{_has_class('article__info-item')}]/p"
JSON_LD = "//script[@type='application/ld+json']"
JSON_LD_TYPES = ("NewsArticle", "Article", "ScholarlyArticle")  # the @type of the article's block
JSON_LD_PUBLISHED = "datePublished"
IMAGE = "//meta[@property='og:image']/@content"
CANONICAL = "//link[@rel='canonical']/@href"
LINKS = "//a[@href]"
# Elements whose content is never the page's: their links are not the page's (as
# crawler.frontier.links.html_links skips them); scripts are read for the JSON-LD first.
INVISIBLE = ("script", "style", "noscript", "template", "iframe", "svg")

# --- Text of the template ----------------------------------------------------------------------
PUBLISHER = SITE.title  # "Phys.org"
LANGUAGE = SITE.editions[0].language  # "en"
BYLINE_PREFIX = re.compile(r"^by\s+", re.I)
BYLINE_SEPARATORS = re.compile(r"\s*,\s*|\s+and\s+")
# Words of the byline that name the site, not a person: "by Bob Yirka , Phys.org".
BYLINE_AFFILIATIONS = frozenset({PUBLISHER.lower(), "science x", "science x network"})
VISIBLE_DATE_FORMAT = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November|December) (\d{1,2}), (\d{4})\b")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
ISO_TIMESTAMP = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")

HTML_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True)
# The same for a page given as UTF-8 bytes (parse_page's `utf8`): libxml2 reads them as they are.
UTF8_HTML_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, encoding="utf-8")
# lxml refuses a str that begins with an XML declaration naming an encoding: it is left out.
XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)


def parse_page(url: str, content: str, *, is_html: bool | None = None, utf8: bytes | None = None) -> Page:
    """Parse one page of the site: its article (None when it is not one of the site's article
    pages) and its links.

    `content` is the decoded HTML; `is_html` None means sniff it (a page that is not HTML has
    neither article nor links). `utf8`, when the caller has it, is `content` as UTF-8 bytes: the
    HTML parser reads them rather than `content`, the same page. PageError if the page cannot be
    read as HTML.
    """
    url = canonicalize(url)
    if is_html is None:
        is_html = looks_like_html(content)
    if not is_html or not content.strip():
        return _page(url, None, [], None)
    doc = parse_html(content, utf8)
    canonical = _first(doc, CANONICAL)
    canonical = canonicalize(urljoin(url, canonical)) if canonical and is_fetchable(urljoin(url, canonical)) else None
    published_at = _json_ld_published(doc)
    for el in list(doc.iter(*INVISIBLE)):
        el.clear(keep_tail=True)  # what a reader never sees; the tail is the next element's text
    links = _links(doc, url)
    return _page(url, _article(doc, url, published_at), links, canonical)


def looks_like_html(content: str) -> bool:
    head = content.lstrip()[:1024].lower()
    return head.startswith("<") and bool(re.search(r"<(!doctype|html|head|body|div|span|p|h1|meta)\b", head))


def parse_html(content: str, utf8: bytes | None = None):
    """The page's document; PageError if it is not HTML."""
    try:
        if utf8 is not None:
            doc = etree.fromstring(utf8, UTF8_HTML_PARSER)
        else:
            doc = etree.fromstring(XML_DECLARATION.sub("", content, count=1), HTML_PARSER)
    except (etree.ParserError, ValueError) as exc:
        raise PageError(f"not an HTML page: {exc}") from None
    if doc is None:
        raise PageError("not an HTML page: Document is empty")
    return doc


def _page(url: str, article: Article | None, links: list[str], canonical: str | None) -> Page:
    return Page(url=url, article=article, headlines=[], links=links, parser_version=PARSER_VERSION,
                canonical_link=canonical)


def _article(doc, url: str, published_at: str | None) -> Article | None:
    if not doc.xpath(ARTICLE):
        return None
    title = _text(_first(doc, TITLE))
    paragraphs = [text for p in doc.xpath(PARAGRAPHS) if (text := _text(p))]
    if not title or not paragraphs:
        return None
    published = published_at[:10] if published_at else _visible_date(doc)
    image = _first(doc, IMAGE)
    image = clean_url(urljoin(url, image)) if image and is_fetchable(urljoin(url, image)) else None
    return Article(
        url=url,
        title=title,
        authors=_authors(_text(_first(doc, BYLINE))),
        publisher=PUBLISHER,
        published=published,
        published_at=published_at,
        language=LANGUAGE,
        paragraphs=paragraphs,
        original_url=None,
        image_url=image,
        parser_version=PARSER_VERSION,
    )


def _authors(byline: str | None) -> list[str]:
    """The people (or institution) a byline credits: "by Bob Yirka , Phys.org" -> ["Bob Yirka"]."""
    if not byline:
        return []
    names = BYLINE_SEPARATORS.split(BYLINE_PREFIX.sub("", byline))
    return [name for name in (n.strip() for n in names) if name and name.lower() not in BYLINE_AFFILIATIONS]


def _json_ld_published(doc) -> str | None:
    """The article's datePublished from its JSON-LD block, if it is a date ("2023-12-22T09:50:02-05:00")."""
    for script in doc.xpath(JSON_LD):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        for item in data if isinstance(data, list) else [data]:
            if not isinstance(item, dict):
                continue
            kind = item.get("@type")
            kinds = kind if isinstance(kind, list) else [kind]
            value = item.get(JSON_LD_PUBLISHED)
            if any(k in JSON_LD_TYPES for k in kinds) and isinstance(value, str):
                value = value.strip()
                m = ISO_TIMESTAMP.match(value)
                if m and _is_date(int(m[1]), int(m[2]), int(m[3])):
                    return value
    return None


def _visible_date(doc) -> str | None:
    for p in doc.xpath(VISIBLE_DATE):
        m = VISIBLE_DATE_FORMAT.search(_text(p) or "")
        if m:
            year, month, day = int(m[3]), MONTHS.index(m[1]) + 1, int(m[2])
            if _is_date(year, month, day):
                return f"{year:04d}-{month:02d}-{day:02d}"
    return None


def _is_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _links(doc, url: str) -> list[str]:
    """Every http(s) link of the page, absolute, in document order ("#..." left out)."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    links = []
    for a in doc.xpath(LINKS):
        href = a.get("href").strip()
        if not href or href.startswith("#"):
            continue
        if not href.startswith(("http://", "https://")):
            href = origin + href if href.startswith("/") and not href.startswith("//") else urljoin(url, href)
        if href.startswith(("http://", "https://")):
            links.append(href)
    return links


def _first(doc, xpath: str):
    found = doc.xpath(xpath)
    return found[0] if found else None


def _text(el) -> str | None:
    """An element's (or attribute value's) text as stored: hidden characters out, NFC, spaces collapsed."""
    if el is None:
        return None
    text = clean_text(el if isinstance(el, str) else "".join(el.itertext()))
    return text or None
