"""The generic page object: a news article from any site's HTML (pure: no I/O, no network).

One parse of the page (lxml), one pass over its head, JSON-LD and links, then each field from
the best witness the page offers, checked against what a reader sees:

- structured data (JSON-LD, OpenGraph, meta tags: crawler.sites.generic.jsonld and .meta) count
  only when the visible text holds them: a JSON-LD headline or articleBody the page does not
  show (another page's, a template's, a teaser's) is ignored;
- the title: the page's heading that og:title / the JSON-LD headline / <title> agree with (their
  " | Site" part taken off), else a witness the visible text confirms;
- the body (body.py): trafilatura's extractor in its fast mode, on the page's marked article
  container when it has one, corrected by a confirmed articleBody, its ends trimmed of furniture;
  trafilatura's fallbacks only when the fast result is too short to be a body;
- the date: htmldate's quick search (original date), the structured data's timestamp for
  published_at; the authors (authors.py): JSON-LD people, meta tags, rel=author, the byline;
- the language (lang.py): py3langid over the title and body, the declared lang as a check.

`parse_page` is the interface, the same as every site's page object.
"""

from __future__ import annotations

import re

from lxml import etree
from lxml.html import HtmlElement
from trafilatura.settings import MANUALLY_CLEANED

from crawler.core.items import Article, Page, PageError
from crawler.frontier.urls import canonicalize
from crawler.sites.generic import body, meta

# The version of this page object, recorded with every row it extracts. Raise it whenever a
# change can alter what is extracted from an archived page.
PARSER_VERSION = "generic/1"

# The page's parser (crawler.sites.generic.body.html_parser); the same for a page given as UTF-8
# bytes, read as they are.
_PARSER = body.html_parser()
_UTF8_PARSER = body.html_parser(encoding="utf-8")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
# What is never the article's text, removed once the head and the scripts are read: what a
# reader never sees, and what trafilatura's own cleaning removes from its copy of the tree anyway
# (its public list, less <form>, which it keeps when it wraps the page, and <figure>, which it
# keeps when it holds a table). Removed here, in one C call, it is neither copied nor walked by
# trafilatura's XPath passes: a smaller tree for every step after.
_REMOVED = tuple(dict.fromkeys(("script", "style", "noscript", "template", "head",
                                *(t for t in MANUALLY_CLEANED if t not in ("form", "figure")))))


def parse_page(url: str, content: str, *, is_html: bool | None = None, utf8: bytes | None = None) -> Page:
    """Parse one page of any site: its article (None when the page is not an article).

    `content` is the decoded HTML; `is_html` None means sniff it (a page that is not HTML has
    no article). `utf8`, when the caller has it, is `content` as UTF-8 bytes (content ==
    utf8.decode("utf-8")): the HTML parser reads them rather than `content`, the same page.
    """
    url = canonicalize(url)
    if is_html is None:
        is_html = looks_like_html(content)
    if not is_html or not content.strip():
        return _page(url, None, [], None)
    tree = parse_html(content, utf8)
    if tree is None:
        return _page(url, None, [], None)
    reader = meta.read(tree, url)  # head, JSON-LD, links, dates: before the tree is cleaned
    dates = reader.published(tree, url)
    etree.strip_elements(tree, *_REMOVED, with_tail=False)
    article = extract(url, tree, reader, dates)
    return _page(url, article, reader.links, reader.canonical)


def _page(url: str, article: Article | None, links: list[str], canonical: str | None) -> Page:
    if article is not None:
        article.parser_version = PARSER_VERSION
    return Page(url=url, article=article, headlines=[], links=links, parser_version=PARSER_VERSION,
                canonical_link=canonical)


def looks_like_html(content: str) -> bool:
    head = content.lstrip()[:2048].lower()
    return head.startswith("<") and bool(re.search(r"<(!doctype|html|head|body|div|span|p|h1|meta|title)\b", head))


def parse_html(content: str, utf8: bytes | None = None) -> HtmlElement | None:
    """The page's tree, or None for a document with no element."""
    try:
        if utf8 is not None:
            tree = etree.fromstring(utf8, _UTF8_PARSER)
        else:
            if _XML_DECLARATION.match(content):  # lxml refuses a str that declares an encoding
                content = _XML_DECLARATION.sub("", content, count=1)
            tree = etree.fromstring(content, _PARSER)
    except (etree.ParserError, ValueError) as exc:
        if "empty" in str(exc).lower():
            return None
        raise PageError(f"not an HTML page: {exc}") from None
    return tree


def extract(url: str, tree: HtmlElement, reader: meta.Reader, dates: tuple[str | None, str | None]) -> Article | None:
    """The article of a parsed page, or None when the page is not one."""
    visible = meta.Visible(tree)
    paragraphs, _ = body.paragraphs(tree, url, reader, visible)
    title = reader.title(visible)
    paragraphs = body.trim(paragraphs, title)
    if not _is_article(reader, paragraphs, title):
        return None
    published, published_at = dates
    text = "\n".join(paragraphs)
    return Article(
        url=url,
        title=title,
        authors=reader.authors(visible),
        publisher=reader.publisher(),
        published=published,
        published_at=published_at,
        language=meta.language(text, reader.declared_language, title),
        paragraphs=paragraphs,
        original_url=None,
        image_url=reader.image(),
    )


# A page is an article when it says so (JSON-LD article node, og:type article, an article's
# published time) and has a body, or when it says nothing of the kind but has the body of one.
MIN_BODY_CHARS = 200
MIN_UNMARKED_BODY_CHARS = 1_000


def _is_article(reader: meta.Reader, paragraphs: list[str], title: str | None) -> bool:
    size = sum(len(p) for p in paragraphs)
    if size < MIN_BODY_CHARS:
        return False
    if reader.says_article():
        return True
    if reader.says_listing():
        return False
    return size >= MIN_UNMARKED_BODY_CHARS and title is not None
