"""Same-story headlines, the second method ("lemmas"): words reduced to their lemma by
simplemma, weighed by how rare they are in real French and Arabic text (wordfreq), numbers
read as values with their scale and unit, synonyms and names of the same thing folded to one
concept (data files), and a decision that puts precision first.

Why libraries: the first method (crawler.grouping.rules) stemmed with hand-written suffix
lists and weighed words with hand-made lists of "generic" words; both fitted the pairs they
were written against (issue 15). simplemma's dictionaries cover both languages' inflection
(يكتسحون → اكتسح, décèdent → décéder), and wordfreq's frequencies say which words identify a
story (Akhannouch, MINURSO, أزيلال) and which any headline may use (annonce, الحكومة).

A headline is analysed (``analyse``) into:
  content   key -> weight: what the story is about. A key is the Snowball stem of the word's
            simplemma lemma, or its concept when the word or phrase is in a synonym group
            (data/synonyms.toml) or in data/concepts.toml ("@accord", "@bam"). Weight from
            wordfreq's Zipf frequency (``word_weight``): rare words weigh more; a concept 1.
  names     content that names someone or something: a capitalised word that is not a common
            one, a French word wordfreq lacks, an Arabic first name and the word after it, a
            named concept ([names] of synonyms.toml, entities of concepts.toml).
  places    place ids (data/places.toml): context, and a veto.
  numbers   figures as values: 1.500 = 1500 = 1 500, 0,50 DH = 50 centimes = 0.5,
            14,6 millions = 14.600.000, 600 ألف = 600.000; the two figures of a score.
  ranks     ordinals: 3e = troisième, J12, الدورة 16.
  years, weekdays, day-month dates, months: vetoes only (another day, another story).
  trends    rise / fall, win / lose (data/trends.toml and [trends] of synonyms.toml).

Two headlines (``compare``):
  1. vetoes (``veto``): another language (not measured); different weekdays, dates, months or
     years; figures of each that the other lacks; different ranks; places of the same level
     sharing none; each naming someone the other lacks; two members of an exclusive class
     (quarter-final / semi-final); opposite trends. Then: sharing names only ("names only"),
     and "contrast": each has a rare word of its own and little is shared;
  2. score = shared / (shared + the unmatched weight of the headline that has less), where
     shared = the weights of shared content + CONTEXT_WEIGHT per shared figure, place, day,
     trend; the same story when score >= threshold and shared >= MIN_SHARED.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

import simplemma
import snowballstemmer
import wordfreq

from crawler.core.fold import fold
from crawler.grouping.lexicon import (
    NEUTRAL_ID,
    _TOKEN,
    _by_first,
    _phrase_table,
    _toml,
    bare,
    headline_tokens,
    is_arabic,
    lexicon,
)
# shared with the first method: lookup forms, phrase matching, figures, Arabic names
from crawler.grouping.rules import _forms, _lookup, _match_phrase, _number, ar_name_flags

METHOD = "lemmas"
DEFAULT_THRESHOLD = 0.65
"""Chosen on the dev split of seeds/labelled/story_pairs_blind.json (bench/story_eval.py,
``choose_threshold``): no threshold there reaches precision 0.95, so the one of best F0.5
(precision counted twice as much as recall): dev precision 0.899, recall 0.741."""
MIN_SHARED = 1.2  # at least this much shared evidence (one rare word, or two common ones)
CONCEPT_WEIGHT = 1.0
CONTEXT_WEIGHT = 0.5  # a shared place, day, trend, figure
WORDLIST = "small"  # wordfreq's lists of words down to Zipf 3: 27 MB in memory, the "large" ones 147 MB
NAME_WEIGHT = 0.6  # a capitalised word counts as a name unless it is a common word (Zipf > 4.7: "Offre")
RANK_SUFFIXES = frozenset({"e", "eme", "er", "re", "ere"})  # 3e, 2eme (folded), 1er, 1re
RANK_PREFIXES = frozenset({"j", "دوره", "جوله"})  # J12, الدورة 16, الجولة 4: a matchday (folded, bare)
UNKNOWN = 1.35  # the weight of a French word wordfreq's small list lacks (Zipf < 3): a name, whatever its case
RARE = 1.0  # a word weighing this much or more is rare enough to tell stories apart (contrast)

_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_YEAR = re.compile(r"(19|20)\d\d")


@dataclass(frozen=True, slots=True)
class Headline:
    """What ``compare`` compares: the analysis of one headline (see the module notes)."""

    text: str
    lang: str  # "ar" when most letters are Arabic, else "fr"
    content: dict[str, float]
    names: frozenset[str]
    places: frozenset[str]
    numbers: frozenset[float]
    years: frozenset[int]
    ranks: frozenset[float]  # ordinals: 3e, troisième, الثالث, J12 (a matchday, an edition, a place)
    weekdays: frozenset[int]
    daymonths: frozenset[tuple[int, int]]
    months: frozenset[int]
    trends: frozenset[str]
    ma_places: frozenset[str] = frozenset()  # places in Morocco / abroad: the place veto compares
    world_places: frozenset[str] = frozenset()  # each level separately


@dataclass(frozen=True, slots=True)
class Match:
    """The explanation of a pairwise decision: the score and what it rests on."""

    same: bool
    score: float
    shared: frozenset[str] = frozenset()
    veto: str | None = None


# --- data ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tables:
    synonyms: dict[str, str]  # folded lemma -> concept
    phrases: dict  # synonyms of several words, by first token (lexicon's PhraseIndex)
    names: frozenset[str]  # concepts that name one thing (the names veto)
    exclusive: dict[str, str]  # content key -> its class of mutually exclusive things
    trends: dict[str, str]  # folded lemma -> up / down (beside data/trends.toml)
    scales: dict[str, float]  # folded word -> multiplier (millions, ألف, centimes 0.01)
    ordinals: dict[str, int]  # folded word -> number (troisième, الثامن)


@cache
def tables() -> Tables:
    data = _toml("synonyms.toml")
    synonyms, phrases = {}, {}
    for concept, words in data["synonyms"].items():
        for word in words:
            if len(headline_tokens(word)) > 1:
                phrases.setdefault(concept, []).append(word)
                continue
            synonyms[_lemma_key(word)] = concept
            synonyms[fold(word)] = concept
            if not word.startswith("@") and not is_arabic(word):  # Arabic stems merge too much (وزاري/زيارة)
                synonyms.setdefault("\0" + _stem_key(_lemma_key(word)), concept)
    scales = {bare(fold(w)): float(v) for v, words in data["scales"].items() for w in words}
    ordinals = {bare(fold(w)): int(n) for n, words in data["ordinals"].items() for w in words}
    exclusive = {}
    for group, words in data["exclusive"].items():
        for word in words:
            exclusive[word if word.startswith("@") else _content_key(word, synonyms)] = group
    trends = {}
    for trend, words in data["trends"].items():
        for word in words:
            trends[_lemma_key(word)] = trends[fold(word)] = trend
            if not is_arabic(word):
                trends.setdefault("\0" + _stem_key(_lemma_key(word)), trend)
    return Tables(synonyms, _by_first(_phrase_table(phrases)), frozenset(data["names"]["list"]), exclusive,
                  trends, scales, ordinals)


def _content_key(word: str, synonyms: dict[str, str]) -> str:
    """The content key of one word: its concept, or the stem of its lemma."""
    lemma = _lemma_key(word)
    stem = _stem_key(lemma)
    return synonyms.get(lemma) or synonyms.get(fold(word)) or synonyms.get("\0" + stem) or stem


def _lang(token: str) -> str:
    return "ar" if is_arabic(token) else "fr"


@lru_cache(maxsize=200_000)
def _lemma(word: str) -> str:
    """The lemma of a word, lower case, accents kept (simplemma, in the word's language; the
    word itself when simplemma does not know it)."""
    raw = word.casefold()
    return simplemma.lemmatize(raw, lang=_lang(raw))


def _lemma_key(word: str) -> str:
    """The folded lemma of a word."""
    return fold(_lemma(word))


@cache
def _stemmers() -> dict:
    return {"fr": snowballstemmer.stemmer("french"), "ar": snowballstemmer.stemmer("arabic")}


@lru_cache(maxsize=200_000)
def _stem_key(lemma: str) -> str:
    """The Snowball stem of a folded lemma: what is left of the inflection and derivation
    simplemma's dictionaries miss (coupée / couper → coup, الحكومي / الحكومة → حكوم)."""
    lang = _lang(lemma)
    return fold(_stemmers()[lang].stemWord(bare(lemma) if lang == "ar" else lemma))


@lru_cache(maxsize=200_000)
def word_weight(lemma: str, lang: str) -> float:
    """How much a shared word says: from its Zipf frequency in wordfreq's small lists (7 =
    "de", 3 = once per million words, the rarest they hold; 0 = rarer, or unknown):
    (6.5 - zipf) / 3, between 0.15 and 1.5. "accord" (5.4) 0.37, "consulat" (3.6) 0.97,
    "Akhannouch" (not listed) 1.5."""
    zipf = wordfreq.zipf_frequency(lemma, lang, wordlist=WORDLIST)
    return min(1.5, max(0.15, (6.5 - zipf) / 3))


# --- analysis -----------------------------------------------------------------------------------


def _figure(token: str) -> float | None:
    """A figure's value: the first method's normal form of it (1.500 and 1 500 are 1500, 0,50 is
    0.5) read as a number; None for a token that is none (1.2.3)."""
    try:
        return float(_number(token))
    except ValueError:
        return None


def _raw_tokens(text: str) -> list[str]:
    """The headline's tokens as written (case and accents kept, Arabic marks and tatweel
    dropped), split as ``headline_tokens`` splits them."""
    text = _ARABIC_MARKS.sub("", unicodedata.normalize("NFC", text))
    return [m.group() for m in _TOKEN.finditer(text)]


def analyse(text: str) -> Headline:
    """Analyse a headline (pure, deterministic)."""
    lex, tab = lexicon(), tables()
    folded = headline_tokens(text)
    raw = _raw_tokens(text)
    if len(raw) != len(folded):
        raw = [t for t, _ in folded]
    # Arabic names: a first name from the list (data/ar_first_names.txt) and the word after it
    words = [t for t, _ in folded]
    folded = list(zip(words, ar_name_flags(words, [cap for _, cap in folded], lex.ar_first_names)))
    bares = [bare(t) for t, _ in folded]
    forms = [_forms(t, b) for (t, _), b in zip(folded, bares)]
    content: dict[str, float] = {}
    names: set[str] = set()
    places: set[str] = set()
    numbers: set[float] = set()
    ranks: set[float] = set()
    years: set[int] = set()
    weekdays: set[int] = set()
    daymonths: set[tuple[int, int]] = set()
    months: set[int] = set()
    trends: set[str] = set()
    i, n = 0, len(folded)
    while i < n:
        ids, size = _match_phrase(lex.place_index, bares, forms[i], i)
        if ids is not None:
            places.update(ids - {NEUTRAL_ID})
            i += size
            continue
        concept, size = _match_phrase(lex.concept_index, bares, forms[i], i)
        if concept is None:
            concept, size = _match_phrase(tab.phrases, bares, forms[i], i)
        if concept == "":
            i += size
            continue
        if concept is not None:
            concept = tab.synonyms.get(concept, concept)
            content[concept] = CONCEPT_WEIGHT
            if concept in lex.entity_ids or concept in tab.names:
                names.add(concept)
            i += size
            continue
        token, cap = folded[i]
        b, f, word = bares[i], forms[i], raw[i]
        i += 1
        if token[0].isdigit():
            if "-" in token:  # a score: its two figures
                numbers.update(float(p) for p in token.split("-") if p.strip().isdigit())
                continue
            value = _figure(token)
            if value is None:
                continue
            month = _lookup(lex.months, forms[i]) if i < n else None
            if _YEAR.fullmatch(token):
                years.add(int(value))
            elif month is not None and value.is_integer() and 1 <= value <= 31:
                daymonths.add((int(value), month))
                months.add(month)
                i += 1
            elif (i < n and bares[i] in RANK_SUFFIXES) or (i >= 2 and bares[i - 2] in RANK_PREFIXES):
                ranks.add(int(value) if value.is_integer() else value)  # 3e, 2ème, 1er, J12
                i += i < n and bares[i] in RANK_SUFFIXES
            else:
                # the scale and unit words that follow: "14,6 millions", "600 ألف", "50 centimes"
                while i < n and (scale := _lookup(tab.scales, forms[i])) is not None:
                    value *= scale
                    i += 1
                numbers.add(_round(value))
            continue
        if (day := _lookup(lex.weekdays, f)) is not None:
            weekdays.add(day)
            continue
        if (month := _lookup(lex.months, f)) is not None:
            months.add(month)
            continue
        if (number := _lookup(tab.ordinals, f)) is not None:
            ranks.add(number)
            continue
        if (number := _lookup(lex.number_words, f)) is not None:
            value = float(number)
            while i < n and (scale := _lookup(tab.scales, forms[i])) is not None:
                value *= scale
                i += 1
            numbers.add(_round(value))
            continue
        if (scale := _lookup(tab.scales, f)) is not None and scale >= 1000:  # "un million", "مليون" alone
            numbers.add(_round(scale))
            continue
        if cap and is_arabic(token):
            # an Arabic name (a listed first name, the word after it): as written, neither
            # lemmatised nor stemmed (ليلى is not ليلة, the first name إدريس not the surname الإدريسي)
            names.add(b)
            content[b] = max(content.get(b, 0.0), RARE)
            continue
        trend = _lookup(lex.trends, f)
        lemma = _lemma_key(word) if trend is None else ""
        if trend is None:
            trend = lex.trends.get(lemma) or tab.trends.get(lemma) or tab.trends.get(b)
            if trend is None and not is_arabic(lemma):
                trend = tab.trends.get("\0" + _stem_key(lemma))
        if trend is not None:
            trends.add(trend)
            continue
        if len(b) < 2 or any(x in lex.stop or x in lex.date_words or x in lex.weak for x in f):
            continue
        if lemma in lex.stop or lemma in lex.weak:
            continue
        stem = _stem_key(lemma)
        concept = tab.synonyms.get(lemma) or tab.synonyms.get(b) or tab.synonyms.get("\0" + stem)
        if concept is not None:
            content[concept] = CONCEPT_WEIGHT
            if concept in tab.names:
                names.add(concept)
            continue
        key = stem
        accented = _lemma(word)  # wordfreq knows words as they are written: "bénéficiaire"
        weight = word_weight(bare(lemma) if is_arabic(lemma) else accented, _lang(key))
        arabic = is_arabic(key)
        if (cap and weight >= NAME_WEIGHT) or (weight >= UNKNOWN and not arabic):
            # a capitalised word that is not a common word, or a French word wordfreq does not know: a name
            names.add(key)
            weight = max(weight, RARE)
        content[key] = max(content.get(key, 0.0), weight)
    letters = [ch for ch in text if ch.isalpha()]
    lang = "ar" if sum(is_arabic(ch) for ch in letters) * 2 > len(letters) else "fr"
    return Headline(text, lang, content, frozenset(names), frozenset(places), frozenset(numbers), frozenset(years),
                    frozenset(ranks), frozenset(weekdays), frozenset(daymonths), frozenset(months), frozenset(trends),
                    frozenset(p for p in places if p.startswith("ma:")),
                    frozenset(p for p in places if p.startswith("world:")))


def _round(value: float) -> float:
    return float(f"{value:.6g}")


# --- decision -----------------------------------------------------------------------------------


def veto(a: Headline, b: Headline) -> str | None:
    """The first reason two headlines are certainly different stories, or None."""
    if a.lang != b.lang:  # not measured across languages: precision first
        return "language"
    for name, x, y in (("weekday", a.weekdays, b.weekdays), ("date", a.daymonths, b.daymonths),
                       ("month", a.months, b.months), ("year", a.years, b.years)):
        if x and y and not x & y:
            return name
    x, y = a.numbers, b.numbers
    if x and y and not (x <= y or y <= x):
        return "figures"
    x, y = a.ranks, b.ranks
    if x and y and not x & y:
        return "rank"
    for x, y in ((a.ma_places, b.ma_places), (a.world_places, b.world_places)):
        if x and y and not x & y:
            return "place"
    x, y = a.names - b.content.keys(), b.names - a.content.keys()
    if x and y:
        return "names"
    exclusive = tables().exclusive
    ca = {exclusive[t]: t for t in a.content if t in exclusive}
    if ca:
        for t in b.content:
            group = exclusive.get(t)
            if group in ca and ca[group] != t and t not in a.content and ca[group] not in b.content:
                return "exclusive"
    if a.trends and b.trends:
        opposite = lexicon().opposite_trends
        if any(opposite.get(t) in b.trends for t in a.trends):
            return "trend"
    return None


def compare(a: Headline, b: Headline, threshold: float = DEFAULT_THRESHOLD) -> Match:
    """The pairwise decision on two analysed headlines (see the module notes)."""
    reason = veto(a, b)
    if reason is not None:
        return Match(False, 0.0, veto=reason)
    shared = a.content.keys() & b.content.keys()
    if not shared:
        return Match(False, 0.0)
    if shared <= a.names | b.names and not (a.numbers & b.numbers or a.trends & b.trends):
        # the same person or institution, nothing of what happened (a shared figure or trend is)
        return Match(False, 0.0, frozenset(shared), veto="names only")
    weight = sum(max(a.content[t], b.content[t]) for t in shared)
    only_a = {t: w for t, w in a.content.items() if t not in shared}
    only_b = {t: w for t, w in b.content.items() if t not in shared}
    context = CONTEXT_WEIGHT * (bool(a.places & b.places) + len(a.numbers & b.numbers)
                                + bool(a.weekdays & b.weekdays or a.daymonths & b.daymonths)
                                + bool(a.trends & b.trends))
    total = weight + context
    # Contrast: each has a rare word of its own (not a concept: those are synonyms of common
    # words), and little is shared beside.
    if total < 2 * RARE and any(w >= RARE and t[0] != "@" for t, w in only_a.items()) \
            and any(w >= RARE and t[0] != "@" for t, w in only_b.items()):
        return Match(False, 0.0, frozenset(shared), veto="contrast")
    left = min(sum(only_a.values()) + CONTEXT_WEIGHT * bool(a.trends - b.trends),
               sum(only_b.values()) + CONTEXT_WEIGHT * bool(b.trends - a.trends))
    score = total / (total + left)
    same = score >= threshold and total >= MIN_SHARED
    return Match(same, round(score, 4), frozenset(shared))


def shares(a: Headline, b: Headline) -> bool:
    """Whether two headlines share a content key (StoryGroups compares only those)."""
    return not a.content.keys().isdisjoint(b.content)


def index_keys(h: Headline) -> list[str]:
    """The inverted-index keys of a headline for StoryGroups: its content, then its places."""
    return sorted(h.content) + ["\0p" + p for p in sorted(h.places)]


def explain(a: str, b: str, threshold: float = DEFAULT_THRESHOLD) -> Match:
    return compare(analyse(a), analyse(b), threshold)
