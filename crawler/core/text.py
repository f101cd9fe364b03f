"""Pure text helpers shared by page objects, pipelines and storage.

Nothing here does I/O: bytes or strings in, strings out.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

from w3lib.encoding import html_to_unicode

# C0/C1 control characters except tab, LF and CR (those are whitespace and get collapsed).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Quote styles folded away in comparison keys; apostrophes are unified, not removed.
_QUOTES = re.compile(r"[\"«»“”„‟‹›〝〞＂]")
APOSTROPHES = "’‘‛`´ʼ′"  # every apostrophe style, unified to "'" in headline keys and search folding
_APOSTROPHES = re.compile(f"[{APOSTROPHES}]")
# Punctuation folded by content_hash: all of ASCII's, and the typographic marks of French and
# Arabic news text (quotes, dashes, ellipsis, bullets, Arabic comma, semicolon and question mark).
_ASCII_PUNCTUATION = bytes.maketrans(
    "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~".encode(), b" " * 32
)
_TYPOGRAPHIC_PUNCTUATION = "«»‹›“”„‟‘’‚‛–—―‐‑‒…•·°€£،؛؟٪٫٬۔"


def collapse_ws(text: str) -> str:
    """Collapse every run of whitespace (no-break spaces included) to one space; strip."""
    return " ".join(text.split())


def clean_text(text: str) -> str:
    """Unicode NFC, lone surrogates, NUL and control characters removed, whitespace collapsed."""
    text = _SURROGATE.sub("", text)
    text = _CONTROL.sub("", text)
    return collapse_ws(unicodedata.normalize("NFC", text))


@lru_cache(maxsize=65536)  # the same headlines come back page after page
def clean_line(text: str) -> str:
    """clean_text for short strings that come back again and again (ticker headlines)."""
    return clean_text(text)


@lru_cache(maxsize=65536)
def headline_key(text: str) -> str:
    """The identity of a headline: case, spacing and quote styles folded."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _APOSTROPHES.sub("'", _QUOTES.sub(" ", text))
    return collapse_ws(text)


def content_hash(paragraphs: list[str]) -> str:
    """sha256 of an article body with case, spacing, punctuation and quote styles folded."""
    text = unicodedata.normalize("NFKC", "\n".join(paragraphs)).casefold()
    for mark in _TYPOGRAPHIC_PUNCTUATION:
        if mark in text:
            text = text.replace(mark, " ")
    # ASCII punctuation and symbols, byte by byte (UTF-8 keeps every other character intact).
    return hashlib.sha256(b" ".join(text.encode("utf-8").translate(_ASCII_PUNCTUATION).split())).hexdigest()


def _utf8_or_cp1252(data: bytes) -> str:
    for encoding in ("utf-8", "cp1252"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    return "latin-1"  # decodes any byte; never produces U+FFFD


def decode_page(data: bytes, content_type: str | None = None) -> str:
    """Decode a saved or fetched page to text.

    A byte order mark, a charset in the Content-Type header or an HTML <meta> declaration
    wins; undeclared bytes are read as UTF-8 when they are valid UTF-8, else as
    windows-1252, the two encodings pages of the site were seen saved in.
    """
    _, text = html_to_unicode(
        content_type or "", data, default_encoding="utf-8", auto_detect_fun=_utf8_or_cp1252
    )
    return text.lstrip("\ufeff")
