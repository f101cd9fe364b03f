"""The body of an article: trafilatura's extractor on the parsed tree, checked against the
page's JSON-LD articleBody (pure).

trafilatura runs in its fast mode (no readability/jusText comparison): on news pages it
extracts nearly as well, at about half the cost. Its fallbacks run only when the fast result
is too short to be an article's body.

A JSON-LD articleBody is the publisher's own statement of the body, but only when the page
shows it: one that the visible text does not hold (another page's body, a teaser, a template's
placeholder) is ignored. A confirmed articleBody then corrects trafilatura's result:
- when trafilatura's text covers little of it (it read the wrong block), the body is the
  articleBody, paragraph by paragraph as the page shows it;
- otherwise the leading and trailing paragraphs it does not hold are dropped: what an extractor
  adds at the ends of a body is furniture (a teaser above, related links, a newsletter box, an
  author's biography below); paragraphs inside the body are kept (the articleBody of many sites
  leaves out subheadings, lists and quotes).
"""

from __future__ import annotations

import re
from copy import deepcopy

from lxml import etree
from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HtmlProcessingInstruction
from trafilatura import bare_extraction
from trafilatura.settings import Extractor

from crawler.core.text import clean_text
from crawler.sites.generic import jsonld
from crawler.sites.generic.meta import element_text, key, shingle_set

# A fast extraction shorter than this is retried with trafilatura's fallbacks (readability,
# jusText, the baseline), which the fast mode skips.
FALLBACK_BELOW_CHARS = 500
# An <article> holding this share of the text of all the page's <article>s is the article.
DOMINANT = 0.6
# An articleBody shorter than this is a summary, not a body.
ARTICLE_BODY_MIN_CHARS = 400
# The share of an articleBody's 4-word shingles the visible text must hold to confirm it.
CONFIRMED = 0.9
# Below this share of the articleBody found in trafilatura's text, trafilatura read the wrong block.
COVERED = 0.5
# A paragraph is the articleBody's when this share of its shingles is in it.
HELD = 0.5
# Visible blocks that may be an articleBody's paragraphs.
BLOCK_TAGS = ("p", "h2", "h3", "h4", "h5", "li", "blockquote", "pre", "dd")


def html_parser(**options) -> etree.HTMLParser:
    """lxml.html's parser setup (trafilatura's extractor expects lxml.html elements), as
    trafilatura sets it up. The elements' classes are chosen in C (every element an
    HtmlElement): lxml.html's own lookup is a Python call for each element touched, some 5% of
    the whole extraction."""
    parser = etree.HTMLParser(collect_ids=False, default_doctype=False, remove_comments=True, remove_pis=True,
                              huge_tree=True, **options)
    parser.set_element_class_lookup(etree.ElementDefaultClassLookup(
        element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity))
    return parser


_PARSER = html_parser()


def _extractor(url: str, fast: bool) -> Extractor:
    return Extractor(output_format="python", fast=fast, comments=False, tables=True, url=url)


def trafilatura_text(tree, url: str, fast: bool) -> str:
    document = bare_extraction(tree, url=url, options=_extractor(url, fast))
    return (document.text or "") if document is not None else ""


def split(text: str) -> list[str]:
    return [p for line in text.split("\n") if (p := clean_text(line))]


def paragraphs(tree, url: str, reader, visible) -> tuple[list[str], bool]:
    """(the body's paragraphs, whether trafilatura's fallbacks were used)."""
    article_body = jsonld.text_of(reader.article.get("articleBody"))
    text = ""
    if (box := container(tree)) is not None:
        text = trafilatura_text(_document_of(box), url, fast=True)
    if len(text) < FALLBACK_BELOW_CHARS:
        text = trafilatura_text(tree, url, fast=True)
    found = split(text)
    if article_body and len(article_body) >= ARTICLE_BODY_MIN_CHARS:
        own = shingle_set(key(article_body))
        if own and len(own & visible.shingles) >= CONFIRMED * len(own):
            return reconcile(found, article_body, own, visible), False
    if len(text) < FALLBACK_BELOW_CHARS:
        return split(trafilatura_text(tree, url, fast=False)), True
    return found, False


# Paragraphs that are furniture when they open or close a body: credits and copyright lines,
# share/follow/subscribe prompts, "read more" links, republication notes. Only short paragraphs
# at either end are tested (a sentence of the article that happens to say "subscribe" is kept).
FURNITURE = re.compile(
    r"^(?:©|\(c\)\s|copyright\b|all rights reserved|share (?:this|on)\b|share$|follow us|"
    r"sign up\b|subscribe\b|get alerts\b|read (?:more|also|next)\b|related\b|see also\b|advertisement$|"
    r"our standards:|this (?:piece|article|story) (?:originally )?(?:appeared|was (?:originally )?published)|"
    r"originally published|cross-posted|for more information\b|(?:additional )?reporting by\b|editing by\b|"
    r"lire aussi|à lire aussi|abonnez-vous|partager|suivez-nous|"
    r"اقرأ أيضا|اقرأ أيضاً|شارك|تابعونا)"
    r"|all rights reserved\.?$|contributed to this (?:report|story|article)\.?$",
    re.IGNORECASE,
)
FURNITURE_MAX_CHARS = 250


def trim(found: list[str], title: str | None) -> list[str]:
    """The paragraphs without the title repeated at their head and without furniture at
    either end."""
    title_key = key(title)
    start, end = 0, len(found)
    while start < end and ((title_key and key(found[start]) == title_key) or _furniture(found[start])):
        start += 1
    while end > start and _furniture(found[end - 1]):
        end -= 1
    return found[start:end]


def _furniture(paragraph: str) -> bool:
    if len(paragraph) > FURNITURE_MAX_CHARS:
        return False
    return bool(FURNITURE.search(paragraph)) or not any(ch.isalnum() for ch in paragraph)


def _text_size(el) -> int:
    return sum(len(t) for t in el.itertext())


def container(tree):
    """The element the page marks as its article's body, when it marks one: the largest
    itemprop=articleBody, else its only <article> (or the one that holds most of the text of
    all its <article>s: the others are teasers). None when there is none, or it holds too little
    text to be a body."""
    found = max(tree.xpath("//*[@itemprop='articleBody']"), key=_text_size, default=None)
    if found is None:
        articles = tree.xpath("//article")
        if len(articles) == 1:
            found = articles[0]
        elif articles:
            sizes = [_text_size(a) for a in articles]
            best = max(range(len(articles)), key=sizes.__getitem__)
            if sizes[best] >= DOMINANT * sum(sizes):
                found = articles[best]
    if found is None or _text_size(found) < FALLBACK_BELOW_CHARS:
        return None
    return found


def _document_of(el):
    """A document holding a copy of one element (what trafilatura reads instead of the page)."""
    document = etree.fromstring("<html><body></body></html>", _PARSER)
    document[0].append(deepcopy(el))
    document[0][-1].tail = None
    return document


def _held(paragraph: str, body_key: str, body_shingles: set[int]) -> bool:
    k = key(paragraph)
    sh = shingle_set(k)
    if len(sh) <= 2:
        return k in body_key
    return len(sh & body_shingles) >= HELD * len(sh)


def reconcile(found: list[str], article_body: str, body_shingles: set[int], visible) -> list[str]:
    """trafilatura's paragraphs corrected by a confirmed articleBody."""
    body_key = key(article_body)
    covered = set()
    for p in found:
        covered |= shingle_set(key(p)) & body_shingles
    if len(covered) < COVERED * len(body_shingles):
        return article_paragraphs(article_body, body_key, body_shingles, visible)
    start, end = 0, len(found)
    while start < end and not _held(found[start], body_key, body_shingles):
        start += 1
    while end > start and not _held(found[end - 1], body_key, body_shingles):
        end -= 1
    return found[start:end]


def article_paragraphs(article_body: str, body_key: str, body_shingles: set[int], visible) -> list[str]:
    """An articleBody as paragraphs: the page's blocks that hold its text, in order, when they
    cover it; else its own lines."""
    blocks, seen, covered = [], set(), set()
    for el in visible.root.iter(BLOCK_TAGS):
        text = element_text(el)
        k = key(text)
        if len(k) < 15 or k in seen or k not in body_key:
            continue
        seen.add(k)
        sh = shingle_set(k)
        if sh <= covered:  # a block inside one already taken
            continue
        covered |= sh
        blocks.append(text)
    if len(covered & body_shingles) >= 0.8 * len(body_shingles):
        return blocks
    return split(article_body)
