"""Pure text helpers shared by page objects, pipelines and storage.

Nothing here does I/O: bytes or strings in, strings out.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from w3lib.encoding import html_to_unicode

# C0/C1 control characters except tab, LF and CR (those are whitespace and get collapsed).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Quote styles folded away in comparison keys; apostrophes are unified, not removed.
_QUOTES = re.compile(r"[\"«»“”„‟‹›〝〞＂]")
_APOSTROPHES = re.compile(r"[’‘‛`´ʼ′]")
_PUNCT_OR_SYMBOL = ("P", "S")


def collapse_ws(text: str) -> str:
    """Collapse every run of whitespace (no-break spaces included) to one space; strip."""
    return " ".join(text.split())


def clean_text(text: str) -> str:
    """Unicode NFC, lone surrogates, NUL and control characters removed, whitespace collapsed."""
    text = _SURROGATE.sub("", text)
    text = _CONTROL.sub("", text)
    return collapse_ws(unicodedata.normalize("NFC", text))


def headline_key(text: str) -> str:
    """The identity of a headline: case, spacing and quote styles folded."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _APOSTROPHES.sub("'", _QUOTES.sub(" ", text))
    return collapse_ws(text)


def content_hash(paragraphs: list[str]) -> str:
    """sha256 of an article body with case, spacing, punctuation and quotes folded."""
    text = unicodedata.normalize("NFKC", "\n".join(paragraphs)).casefold()
    text = "".join(" " if unicodedata.category(ch)[0] in _PUNCT_OR_SYMBOL else ch for ch in text)
    return hashlib.sha256(collapse_ws(text).encode("utf-8")).hexdigest()


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
