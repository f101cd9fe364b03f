"""The word lists of the headline method, and the normalisation their words and headlines share.

The lists are data files in ``crawler/grouping/data`` (UTF-8, French and Arabic; each file
says what it holds and how it is written):

* word lists, ``.txt``, one word a line: ``fr_stopwords``, ``ar_stopwords``, ``fr_titles``,
  ``ar_titles``, ``fr_weak``, ``ar_weak``, ``ar_first_names``, ``generic``, ``date_words``;
  and ``stop_phrases.txt``, one phrase a line;
* tables, ``.toml``: ``concepts`` (entity and topic concepts and their phrases), ``places``
  (place ids and their names, and the neutral names of Morocco), ``calendar`` (weekdays,
  months), ``numbers`` (numbers in words), ``trends`` (trend words and opposite trends).

``lexicon()`` reads them once, on first use, and builds the tables the analysis looks words
up in (``Lexicon``). Every entry goes through the same normalisation as the words of a
headline (``headline_tokens``, ``bare``, ``stem``, below), so that a word and its entry meet:
folded as the search index folds (crawler.core.fold: accents, Arabic letter variants, harakat),
Arabic without its article and proclitics, stemmed where stems are compared.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.resources import files

from crawler.core.fold import fold, fold_marks

NEUTRAL_ID = ""
"""The place id of the neutral names (Morocco itself): a match that is no place."""

# =============================================================================================
# Normalisation of headline words and lexicon entries
# =============================================================================================


def _ar_bare(t: str) -> str:
    """An Arabic token without its article and proclitics: وبال وال بال كال فال لل ال, then
    one-letter و ب ل repeatedly while 5 letters or more remain (shorter words start with
    these letters too). Applied the same way to headlines and to every lexicon entry, so a
    word and its proclitic form meet (لكناوة/كناوة, بلشبونة/لشبونة)."""
    for prefix in ("وبال", "وال", "بال", "كال", "فال", "لل"):
        if t.startswith(prefix) and len(t) - len(prefix) >= 2:
            return t[len(prefix):]
    if t.startswith("ال") and len(t) >= 4:
        return t[2:]
    while len(t) >= 5 and t[0] in "وبل":
        t = t[1:]
        if t.startswith("ال") and len(t) >= 4:
            return t[2:]
    return t


def ar_lookup_forms(t: str) -> tuple[str, ...]:
    """Forms tried in lexicon lookups (places, dates, numbers, stopwords): the bare form, and
    the token without a one-letter proclitic even when short (بفاس → فاس)."""
    forms = [_ar_bare(t)]
    if len(t) >= 3 and t[0] in "وبلفك":
        forms.append(_ar_bare(t[1:]) if len(t) > 4 else t[1:])
    return tuple(forms)


def is_arabic(t: str) -> bool:
    return "\u0600" <= t[0] <= "\u06ff"


def bare(t: str) -> str:
    """A folded token as lexicons hold it: Arabic without article and proclitics (``_ar_bare``),
    other scripts as they are."""
    return _ar_bare(t) if is_arabic(t) else t


def _fr_stem(w: str) -> str:
    """Light French stemming: one inflectional or derivational suffix removed, longest first
    (écartée/écarté/écarter → ecart, inauguration/inaugure → inaugur), keeping 3+ letters
    (4+ before -ion)."""
    if len(w) <= 3 or not w.isalpha():
        return w
    for suffix in ("ations", "ation", "ions", "ion"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 4:
            return w[: -len(suffix)]
    if w.endswith("aux") and len(w) > 5:
        return w[:-3] + "al"
    for suffix in ("euses", "euse", "eurs", "eur", "ees", "ee", "es", "er", "ez", "e", "s", "x"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            return w[: -len(suffix)]
    return w


def _ar_stem(w: str) -> str:
    """Light Arabic stemming of a bare token: final tanween alef, then one suffix (plural,
    dual, pronoun, nisba), keeping 3+ letters (حفلا → حفل, الهكتارات → هكتار, الدولية → دول)."""
    if w.endswith("ا") and len(w) >= 4:
        w = w[:-1]
    for suffix in ("ات", "ون", "ين", "ان", "ها", "هم", "يه", "يا", "ه", "ي"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            return w[: -len(suffix)]
    return w


@lru_cache(maxsize=200_000)
def stem(t: str) -> str:
    """The stem of a bare token; concept tokens (``@meteo``) are their own stem."""
    if t.startswith("@"):
        return t
    return _ar_stem(t) if is_arabic(t) else _fr_stem(t)


_TOKEN = re.compile(
    r"\d{1,2} ?- ?\d{1,2}(?![\d.,])"  # a score (5-0, 2 - 1): one figure
    r"|\d{1,3}(?:[ \u00a0]\d{3})+(?![\d,.])"  # 50 000
    r"|\d+(?:[.,]\d+)*"  # 2025, 23,3, 50.000
    r"|[^\W\d_]+"
)
_SEGMENT_BREAK = re.compile(r"[.:;!?«»\"“”()\[\]|–—]")


def headline_tokens(text: str) -> list[tuple[str, bool]]:
    """(folded token, looks-like-a-name) pairs of a headline. A name is written with a capital
    inside a segment (segments start the headline and follow . : ; ! ? quotes, brackets,
    dashes), or starts a segment with a capital and is followed by such a name (a run of
    capitalised words: "Xi Jinping", "Amine Harit")."""
    text = fold_marks(text)
    raw: list[tuple[str, bool, bool]] = []  # token, capital, segment start
    last_end = 0
    for m in _TOKEN.finditer(text):
        token = m.group()
        segment_start = not raw or bool(_SEGMENT_BREAK.search(text, last_end, m.start()))
        raw.append((token, token[0].isupper(), segment_start))
        last_end = m.end()
    out = []
    for i, (token, capital, start) in enumerate(raw):
        name = capital and not start
        if capital and start and i + 1 < len(raw):
            following, next_capital, next_start = raw[i + 1]
            name = next_capital and not next_start and len(following) > 1
        out.append((token.casefold(), name))
    return out


# =============================================================================================
# The lexicon: data files in, lookup tables out (built once, on first use)
# =============================================================================================

PhraseIndex = dict[str, list[tuple[tuple[str, ...], object]]]


@dataclass(frozen=True, slots=True)
class Lexicon:
    """The lookup tables of the headline analysis, built from the data files by ``lexicon()``.

    Words are held in their lookup form: folded and bare (``bare(fold(w))``), except the first
    names (folded only) and the stems (``stem`` of the bare form). Phrase indexes map a
    phrase's first token to (rest of the phrase, value) pairs, longest first. The tables are
    shared by every caller: read them, never change them."""

    stop: frozenset[str]  # stopwords and titles: never content
    weak: frozenset[str]  # weak news words: never content
    date_words: frozenset[str]  # vague date words: never content, no date either
    not_evidence_stems: frozenset[str]  # stems of titles and weak words (مديرا → مدير)
    ar_first_names: frozenset[str]  # Arabic first names, folded (not bare), minus stopwords
    generic: frozenset[str]  # stems and concepts that count GENERIC_WEIGHT
    entity_ids: frozenset[str]  # entity concepts: they count as names
    concepts: dict[tuple[str, ...], str]  # phrase -> concept ("" for a stop phrase)
    concept_index: PhraseIndex  # concepts by first token
    places: dict[tuple[str, ...], frozenset[str]]  # name -> place ids ("ma:rabat", "world:spain", NEUTRAL_ID)
    place_index: PhraseIndex  # places by first token
    weekdays: dict[str, int]  # 0 = Monday
    months: dict[str, int]  # 1 = January
    number_words: dict[str, int]
    trends: dict[str, str]  # word -> up, down, win, lose
    trend_stems: dict[str, str]  # stem of a trend word -> its trend
    opposite_trends: dict[str, str]  # both ways: up -> down and down -> up


def _read(name: str) -> str:
    """The text of a data file, from the package (works from an installed wheel)."""
    return (files("crawler.grouping") / "data" / name).read_text(encoding="utf-8")


def _lines(name: str) -> list[str]:
    """The non-empty lines of a text data file, comments ('#' to the end of the line) removed."""
    lines = (line.split("#", 1)[0].strip() for line in _read(name).splitlines())
    return [line for line in lines if line]


def _words(name: str) -> list[str]:
    """The words of a word-list file: every word of every line (a line may hold several)."""
    return [word for line in _lines(name) for word in line.split()]


def _toml(name: str) -> dict:
    return tomllib.loads(_read(name))


def _bare_set(words: Iterable[str]) -> frozenset[str]:
    return frozenset(bare(fold(w)) for w in words)


def _phrase_table(entries: dict[str, list[str]]) -> dict[tuple[str, ...], str]:
    """phrase (tuple of bare tokens) -> value, for every phrase of every entry; a phrase listed
    twice belongs to the last entry."""
    table = {}
    for value, phrases in entries.items():
        for phrase in phrases:
            table[tuple(bare(t) for t, _ in headline_tokens(phrase))] = value
    return table


def _place_table(data: dict) -> dict[tuple[str, ...], frozenset[str]]:
    """name -> place ids: Moroccan places prefixed "ma:", the others "world:"; the neutral
    names (Morocco) map to NEUTRAL_ID alone."""
    table: dict[tuple[str, ...], set[str]] = {}
    for level, places in (("ma:", data["morocco"]), ("world:", data["world"])):
        for ident, names in places.items():
            ids = {level + i for i in ident.split()}
            for name in names:
                key = tuple(bare(t) for t, _ in headline_tokens(name))
                table.setdefault(key, set()).update(ids)
    for name in data["neutral"]:
        table[(bare(fold(name)),)] = {NEUTRAL_ID}
    return {k: frozenset(v) for k, v in table.items()}


def _by_first(table: dict[tuple[str, ...], object]) -> PhraseIndex:
    """A phrase table indexed by first token: first -> [(rest, value)], longest first."""
    index: dict[str, list] = {}
    for phrase, value in table.items():
        index.setdefault(phrase[0], []).append((phrase[1:], value))
    for entries in index.values():
        entries.sort(key=lambda e: -len(e[0]))
    return index


def _numbered(table: dict[str, list[str]]) -> dict[str, int]:
    """{"3": ["jeudi", "الخميس"]} -> {"jeudi": 3, "خميس": 3}: lookup form -> number."""
    return {bare(fold(w)): int(n) for n, words in table.items() for w in words}


@cache
def lexicon() -> Lexicon:
    """The lexicon, read from the data files and built on the first call, then shared."""
    titles = _bare_set(_words("fr_titles.txt")) | _bare_set(_words("ar_titles.txt"))
    stop = _bare_set(_words("fr_stopwords.txt")) | _bare_set(_words("ar_stopwords.txt")) | titles
    weak = _bare_set(_words("fr_weak.txt")) | _bare_set(_words("ar_weak.txt"))
    concepts = _toml("concepts.toml")
    phrases = {**concepts["entities"], **concepts["topics"], "": _lines("stop_phrases.txt")}
    concept_table = _phrase_table(phrases)
    places = _place_table(_toml("places.toml"))
    calendar = _toml("calendar.toml")
    trend_data = _toml("trends.toml")
    trends = {bare(fold(w)): trend for trend, words in trend_data["trends"].items() for w in words}
    opposites = trend_data["opposites"]
    return Lexicon(
        stop=stop,
        weak=weak,
        date_words=_bare_set(_words("date_words.txt")),
        not_evidence_stems=frozenset(stem(w) for w in titles | weak),
        ar_first_names=frozenset(fold(w) for w in _words("ar_first_names.txt")) - stop,
        generic=frozenset(w if w.startswith("@") else stem(bare(fold(w))) for w in _words("generic.txt")),
        entity_ids=frozenset(concepts["entities"]),
        concepts=concept_table,
        concept_index=_by_first(concept_table),
        places=places,
        place_index=_by_first(places),
        weekdays=_numbered(calendar["weekdays"]),
        months=_numbered(calendar["months"]),
        number_words=_numbered(_toml("numbers.toml")["numbers"]),
        trends=trends,
        trend_stems={stem(w): trend for w, trend in trends.items()},
        opposite_trends=opposites | {b: a for a, b in opposites.items()},
    )
