"""The reader's text: search terms highlighted in the original words, snippets, paragraphs.

Every stored text reaches HTML escaped (markupsafe): only the <mark> around a match is markup.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from crawler.core.fold import fold

SNIPPET_WORDS = 32
_FOLDED_TOKEN = re.compile(r"\w+")
# A word of the original text: letters and digits with their combining marks (accents, harakat).
_WORD = re.compile(r"(?:\w|[\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed])+")
_PARAGRAPHS = re.compile(r"\n\s*\n")


def query_terms(q: str | None) -> set[str]:
    """The folded words of a search, as fts_query matches them."""
    return set(_FOLDED_TOKEN.findall(fold(q or "")))


def _matches(word: str, terms: set[str]) -> bool:
    return any(token in terms for token in _FOLDED_TOKEN.findall(fold(word)))


def highlight(text: str | None, terms: set[str]) -> Markup:
    """The text, escaped, with each word whose folded form is a search term in <mark>."""
    text = text or ""
    out, last = [], 0
    for m in _WORD.finditer(text):
        if _matches(m.group(), terms):
            out.append(escape(text[last:m.start()]))
            out.append(Markup("<mark>{}</mark>").format(m.group()))
            last = m.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def snippet(text: str | None, terms: set[str], words: int = SNIPPET_WORDS) -> Markup:
    """About `words` words of the text around its first match, highlighted, with ellipses."""
    text = text or ""
    spans = [m.span() for m in _WORD.finditer(text)]
    if not spans:
        return escape(text[:200])
    first = next((i for i, (s, e) in enumerate(spans) if _matches(text[s:e], terms)), 0)
    start = max(0, first - words // 3)
    end = min(len(spans), start + words)
    begin = 0 if start == 0 else spans[start][0]
    stop = len(text) if end == len(spans) else spans[end - 1][1]
    piece = " ".join(text[begin:stop].split())  # paragraphs and line breaks become spaces
    return Markup("").join([
        Markup("… ") if begin > 0 else Markup(""),
        highlight(piece, terms),
        Markup(" …") if stop < len(text.rstrip()) else Markup(""),
    ])


def paragraphs(body: str | None) -> list[str]:
    """A stored body (paragraphs separated by blank lines) as a list of paragraphs."""
    return [" ".join(p.split()) for p in _PARAGRAPHS.split(body or "") if p.strip()]


