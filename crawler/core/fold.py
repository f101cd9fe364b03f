"""Search folding for French and Arabic text (pure functions).

The search index holds folded text and queries are folded the same way, so that:
- French: case and accents do not matter ("metropole" finds "métropole", "elections" finds
  "Élections"; œ and æ are spelled out);
- Arabic: letter variants are one letter (alef forms أ إ آ ٱ -> ا, alef maqsura ى -> ي, ta
  marbuta ة -> ه, hamza on waw/ya ؤ ئ -> و ي), and tatweel (ـ) and diacritics (harakat,
  shadda, sukun, superscript alef) are dropped;
- Eastern Arabic digits are Western digits.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

from crawler.core.text import APOSTROPHES

_ARABIC = str.maketrans({
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي", "ـ": None,
    "ک": "ك", "ی": "ي", "ۀ": "ه", "ە": "ه",  # Persian letter forms found in Arabic text
    **{chr(0x0660 + d): str(d) for d in range(10)}, **{chr(0x06F0 + d): str(d) for d in range(10)},
})
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "Œ": "OE", "Æ": "AE"})
_APOSTROPHES = str.maketrans(dict.fromkeys(APOSTROPHES, "'"))
# The three tables as one, applied in one pass: each character as the ligatures, then the Arabic
# letters, then the apostrophes table would leave it. Replaced through a regular expression,
# since str.translate looks up every character of the text in the table, and most are in none.
_LETTERS = {
    chr(code): chr(code).translate(_LIGATURES).translate(_ARABIC).translate(_APOSTROPHES)
    for code in {**_LIGATURES, **_ARABIC, **_APOSTROPHES}
}
_LETTER = re.compile("[%s]" % "".join(map(re.escape, _LETTERS)))
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_TOKEN = re.compile(r"\w+", re.UNICODE)


def fold(text: str | None) -> str:
    """The folded form of a text, for the search index, queries and comparisons."""
    if not text:
        return ""
    if len(text) < 200:
        return _fold_short(text)  # headlines and queries come back again and again
    return fold_marks(text).casefold()


@lru_cache(maxsize=65536)
def _fold_short(text: str) -> str:
    return fold_marks(text).casefold()


def fold_marks(text: str) -> str:
    """Everything `fold` does but casefolding: case is kept (for names and acronyms)."""
    text = _LETTER.sub(_letter, unicodedata.normalize("NFKC", text))
    # Decompose, then drop every combining mark: Latin accents and Arabic harakat alike.
    decomposed = _bmp_marks().sub("", unicodedata.normalize("NFD", text))
    decomposed = _ASTRAL.sub(_unless_combining, decomposed)  # characters outside the BMP (rare)
    return unicodedata.normalize("NFC", decomposed)


def _letter(match: re.Match) -> str:
    return _LETTERS[match.group()]


@cache
def _bmp_marks() -> re.Pattern:
    """Every combining character of the BMP (unicodedata.combining not 0: 4 ms to list them, on
    first use), as one character class. Those outside the BMP are left to _unless_combining: a
    class holding them would be checked one by one against every character of the text."""
    return re.compile("[%s]" % re.escape("".join(filter(unicodedata.combining, map(chr, range(0x10000))))))


def _unless_combining(match: re.Match) -> str:
    """The character matched, or nothing if it is a combining character."""
    char = match.group()
    return "" if unicodedata.combining(char) else char


def fts_query(query: str | None) -> str:
    """A user's search as a safe FTS5 query: folded words, each quoted, all required.

    FTS5 syntax in the input (quotes, AND/OR/NEAR, column filters, *) is taken as plain words,
    so no input can make the query fail; an input with no word gives a query that matches
    nothing.
    """
    words = _TOKEN.findall(fold(query or ""))
    if not words:
        return '""'
    return " ".join(f'"{word}"' for word in words)
