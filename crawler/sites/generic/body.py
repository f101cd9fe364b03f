"""The body of an article: trafilatura's extractor on the parsed tree, checked against the
page's JSON-LD articleBody (pure)."""

from __future__ import annotations

import re

from trafilatura import bare_extraction
from trafilatura.settings import Extractor

from crawler.core.text import clean_text
from crawler.sites.generic import jsonld

# A fast extraction shorter than this is retried with trafilatura's fallbacks (readability,
# jusText, the baseline), which the fast mode skips.
FALLBACK_BELOW_CHARS = 500


def _extractor(url: str, fast: bool) -> Extractor:
    return Extractor(output_format="python", fast=fast, comments=False, tables=True, url=url)


def trafilatura_text(tree, url: str, fast: bool) -> str:
    document = bare_extraction(tree, url=url, options=_extractor(url, fast))
    return (document.text or "") if document is not None else ""


def split(text: str) -> list[str]:
    return [p for line in text.split("\n") if (p := clean_text(line))]


def paragraphs(tree, url: str, reader, visible) -> tuple[list[str], bool]:
    """(the body's paragraphs, whether trafilatura's fallbacks were used)."""
    text = trafilatura_text(tree, url, fast=True)
    fallback = False
    if len(text) < FALLBACK_BELOW_CHARS:
        text = trafilatura_text(tree, url, fast=False)
        fallback = True
    return split(text), fallback
