"""Search folding for French and Arabic text (pure functions).

The search index holds folded text and queries are folded the same way, so that:
- French: case and accents do not matter ("metropole" finds "métropole", "elections" finds
  "Élections"; œ and æ are spelled out);
- Arabic: letter variants are one letter (alef forms أ إ آ ٱ -> ا, alef maqsura ى -> ي, ta
  marbuta ة -> ه, hamza on waw/ya ؤ ئ -> و ي), and tatweel (ـ) and diacritics (harakat,
  shadda, sukun, superscript alef) are dropped;
- Eastern Arabic digits are Western digits.

What the index holds of a text is `search_text`: the folded text with French elision dropped and
each Arabic word with an attached prefix followed by its stem (`index_form`); `parse_query` turns
a user's search (words, OR, "phrases", -exclusions) into the FTS5 expression that matches it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
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


# --- what the index holds: French elision dropped, Arabic attached prefixes stemmed -------------------
# French elision: the article or pronoun cut before a vowel and the word it is attached to are
# one word in print (l'État, d'Europe, qu'il, jusqu'à), two tokens for the index (the apostrophe
# separates them); the elided particle is dropped, from the text and from queries alike, so that
# "etat" finds "l'État", "coup d'etat" finds "coup d'État" and a query "l'état" does not require
# a token "l". fold has already turned every apostrophe form into "'"; a particle counts only at
# the start of a word and before a letter ("aujourd'hui" and "rock 'n' roll" keep theirs).
ELIDED = ("jusqu", "lorsqu", "puisqu", "quoiqu", "qu", "l", "d", "j", "n", "s", "c", "m", "t")
# (The first letter before the boundary check, as _CANDIDATE below: much faster to scan.)
_ELISION = re.compile(r"(?:%s)'(?=\w)" % "|".join(p[0] + r"(?<!\w.)" + p[1:] for p in ELIDED))

# Arabic attached prefixes: a conjunction (و "and", ف "so"), a preposition (ب "with", ك "as",
# ل "for") and the article ال, written as one word with what follows (والأشخاص, بالحكومة, للنقل:
# ل + ال is written لل). Light prefix stripping, the usual approach for Arabic retrieval (Larkey
# et al.'s "light" stemmers), rather than a full stemmer: snowballstemmer's Arabic stemmer (or
# ISRI, Tashaphyne) also strips suffixes and reduces words towards their roots, so that words a
# reader tells apart (الحكومة, حكومي, ...) become one and a search finds what it did not ask for;
# it would also be a dependency and a Python call per word. Stripping only prefixes is a single
# regular expression, run in C over the whole text (see index_form).
# Guards against over-stripping words that really begin with one of these letters: with the
# article the stem keeps at least 3 letters (النقل -> نقل, but الذي, التي, الله stay); without it
# (a bare conjunction or preposition) at least 4: a bare letter is too often the word's own first
# letter (كانت, كتاب, بيان, وزير, واحد keep it; وحكومة -> حكومة, لبنان -> بنان is harmless). The
# longest prefix that leaves such a stem is stripped (والله: و + الله, not وال + له).
_CONJUNCTIONS, _PREPOSITIONS = ("و", "ف"), ("ب", "ك", "ل")
_WITH_ARTICLE = sorted({c + ("لل" if p == "ل" else p + "ال") for c in ("", *_CONJUNCTIONS)
                        for p in ("", *_PREPOSITIONS)}, key=lambda x: (-len(x), x))
_BARE = sorted({c + p for c in ("", *_CONJUNCTIONS) for p in ("", *_PREPOSITIONS)} - {""}, key=lambda x: (-len(x), x))
STEM_AFTER_ARTICLE, STEM_AFTER_BARE = 3, 4
_ARABIC_LETTER = "[\u0621-\u063a\u0641-\u064a\u0671-\u06d3]"  # folded text: no tatweel, no marks
_PREFIXED = re.compile(r"(?:%s)(%s{%d,}+)|(?:%s)(%s{%d,}+)" % (
    "|".join(_WITH_ARTICLE), _ARABIC_LETTER, STEM_AFTER_ARTICLE, "|".join(_BARE), _ARABIC_LETTER, STEM_AFTER_BARE))
# The words that may have a prefix to strip: an Arabic word of 5 letters or more starting with one
# of the prefixes' first letters. The first letter is matched before the word boundary is checked
# (a lookbehind over two characters), so that the regular expression skips other text quickly:
# 0.04 ms over a 4 KB French body (fold: 0.15 to 0.2 ms); over a 4 KB Arabic body, where about a
# word in two is looked up in _STEMMED, 0.5 ms, 1.2 to 1.5 times fold (measured on a busy machine;
# one regular expression stripping in one pass, its template expanded per match, took 1.2 ms).
_CANDIDATE = re.compile(r"[وفبكلا](?<!\w.)%s{4,}+(?!\w)" % _ARABIC_LETTER)
_STEMMED_MAX = 200_000  # words remembered, then forgotten all at once


class _Stemmed(dict):
    """word -> the word followed by its stem ("والاشخاص اشخاص"), or the word alone."""

    def __missing__(self, word: str) -> str:
        if len(self) >= _STEMMED_MAX:
            self.clear()
        m = _PREFIXED.fullmatch(word)
        out = self[word] = f"{word} {m.group(1) or m.group(2)}" if m else word
        return out


_STEMMED = _Stemmed()


def _with_stem(match: re.Match) -> str:
    return _STEMMED[match[0]]


def index_form(folded: str) -> str:
    """The index's form of a folded text: elided particles dropped, each Arabic word with an
    attached prefix followed by its stem ("والاشخاص" -> "والاشخاص اشخاص"). Both stay: a search
    for the stem finds every prefixed form, and a search for the full word ranks the texts that
    have it exactly first (they match both). Word by word: the form of a text is the forms of
    its words with what stands between them (bench/archivegen.py relies on it)."""
    if "'" in folded:
        folded = _ELISION.sub("", folded)
    return _CANDIDATE.sub(_with_stem, folded)


def search_text(text: str | None) -> str:
    """What the search index holds of a text: index_form(fold(text))."""
    if not text:
        return ""
    if len(text) < 200:
        return _search_text_short(text)
    return index_form(fold(text))


@lru_cache(maxsize=65536)
def _search_text_short(text: str) -> str:
    return index_form(fold(text))


def stem(word: str) -> str:
    """A folded word without its Arabic attached prefix (as index_form strips it), or the word."""
    out = _STEMMED[word] if _CANDIDATE.fullmatch(word) else word
    return out[len(word) + 1:] if len(out) > len(word) else word


# --- queries ------------------------------------------------------------------------------------------
_QUOTES = "\"“”«»„"  # a phrase is between any two of these
_QUOTE = re.compile("[%s]" % _QUOTES)
MAX_TERMS = 64  # words, phrases and exclusions of one search; the rest is not searched


class Terms(frozenset):
    """The folded words a search looks for, for highlighting: a word of a text is one of them
    when its folded form is, or when its stem is (حكومة marks الحكومة)."""

    def __contains__(self, token) -> bool:
        return frozenset.__contains__(self, token) or frozenset.__contains__(self, stem(token))


@dataclass(frozen=True)
class SearchQuery:
    match: str  # the FTS5 MATCH expression ('""' matches nothing)
    terms: Terms = field(default_factory=Terms)  # what to highlight: the words looked for, not the excluded
    note: str | None = None  # what the reader should know about how the search was read

    @property
    def empty(self) -> bool:
        return self.match == '""'


def _query_words(text: str) -> list[str]:
    """The words of a piece of a query: folded, elision dropped (stems are added by _word)."""
    folded = fold(text)
    return _TOKEN.findall(_ELISION.sub("", folded) if "'" in folded else folded)


def _word(token: str) -> str:
    """One query word: the word itself, or its stem too when it has an attached prefix."""
    s = stem(token)
    return f'"{token}"' if s == token else f'("{token}" OR "{s}")'


def _phrase(tokens: list[str]) -> str:
    """A phrase, exactly: its words in order as the index holds them (each stem after its word)."""
    return '"%s"' % " ".join(index_form(" ".join(tokens)).split())


def parse_query(query: str | None) -> SearchQuery:
    """A user's search as a safe FTS5 query.

    - words: all required (a word with an attached Arabic prefix also finds its other forms:
      الحكومة finds حكومة and والحكومة, حكومة finds الحكومة; French elision is dropped);
    - `OR` (in capitals) between two words or phrases: either (a b OR c d: a, b or c, and d);
    - "a phrase" (between " “ ” « or »): these words in this order, as written (folded, no prefix
      stripping);
    - -word or -"a phrase": what has it is left out.

    Anything else is taken as plain words: FTS5 syntax (AND, NEAR(, column:, *, ^) matches as
    the words it holds, an unbalanced quote is ignored, a lone - or a dangling OR ("or" is
    French) is a plain word or nothing. No input makes the expression fail. A search with no
    word to find (empty, punctuation, only exclusions) gives '""', which matches nothing, and a
    note saying why.
    """
    parts = _QUOTE.split(query or "")
    if len(parts) % 2 == 0:  # an odd number of quotes: the last one is no quote
        parts[-2:] = [parts[-2] + " " + parts[-1]]
    items: list[tuple[str, list[str], bool]] = []  # (word | phrase | or, tokens, excluded)
    for i, part in enumerate(parts):
        if i % 2:  # inside quotes
            negated = bool(parts[i - 1]) and parts[i - 1][-1] == "-" and (
                len(parts[i - 1]) == 1 or not parts[i - 1][-2].isalnum())
            tokens = _query_words(part)
            if tokens:
                items.append(("phrase", tokens, negated))
            continue
        for chunk in part.split():
            if chunk == "OR":
                items.append(("or", ["or"], False))
                continue
            negated = chunk.startswith("-")
            tokens = _query_words(chunk.lstrip("-"))
            if tokens:
                items.append(("word", tokens, negated))
    cut = len(items) > MAX_TERMS
    items = items[:MAX_TERMS]
    # OR between two terms to find joins them; anywhere else it is the word "or".
    groups: list[list[tuple[str, list[str]]]] = []
    excluded: list[tuple[str, list[str]]] = []
    joined = False
    for n, (kind, tokens, negated) in enumerate(items):
        if kind == "or":
            before = n > 0 and items[n - 1][0] != "or" and not items[n - 1][2] and groups
            after = n + 1 < len(items) and items[n + 1][0] != "or" and not items[n + 1][2]
            if before and after:
                joined = True
                continue
            kind = "word"
        if negated:
            excluded.append((kind, tokens))
        elif joined:
            groups[-1].append((kind, tokens))
        else:
            groups.append([(kind, tokens)])
        joined = False

    def render(kind: str, tokens: list[str]) -> str:
        if kind == "phrase":
            return _phrase(tokens)
        return _word(tokens[0]) if len(tokens) == 1 else "(%s)" % " AND ".join(map(_word, tokens))

    terms = Terms(w for group in groups for kind, tokens in group for t in tokens
                  for w in ((t,) if kind == "phrase" else (t, stem(t))))
    if not groups:
        note = ("Only exclusions: -word leaves out what has the word; add a word to find."
                if excluded else "No word to find.")
        return SearchQuery('""', terms, note)
    found = " AND ".join(
        render(*group[0]) if len(group) == 1 else "(%s)" % " OR ".join(render(*t) for t in group) for group in groups)
    if excluded:
        found = "(%s) NOT (%s)" % (found, " OR ".join(render(*t) for t in excluded))
    return SearchQuery(found, terms, f"Only the first {MAX_TERMS} words were searched." if cut else None)


def fts_query(query: str | None) -> str:
    """A user's search as a safe FTS5 MATCH expression (parse_query's)."""
    return parse_query(query).match
