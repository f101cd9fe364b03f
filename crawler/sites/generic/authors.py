"""The authors of an article: person names, cleaned (pure).

Witnesses, best first: the JSON-LD article's `author` (people; an organisation only when it is
not the site itself), the meta tags (author, article:author, parsely-author, ...), rel=author
links, then the page's byline ("By Jane Doe and John Roe"). Every name is cleaned: no "By ",
no role ("Staff Writer", "Correspondent"), no e-mail or handle, no site name, no duplicates.
"""

from __future__ import annotations

import html as html_lib
import re

from crawler.core.text import clean_text
from crawler.sites.generic import jsonld
from crawler.sites.generic.meta import AUTHOR_KEYS, Reader, Visible, key

# "By", and its equivalents in the languages of the development set and of Maghress's editions.
_PREFIX = re.compile(
    r"^(?:(?:written|posted|reported|story|text|words|reporting|compiled|edited|published|updated)\s+by|by|from|"
    r"von|par|por|di|door|af|av|przez|autor(?:e|a)?|auteur|author|bylined?|texte|"
    r"بقلم|كتب|كتبت|إعداد|تقرير)\s*[:\-–—]?\s+",
    re.IGNORECASE,
)
# Words that make a "name" a role, a desk or a placeholder rather than a person.
_NOT_A_NAME = re.compile(
    r"^(?:staff|staff writer|staff reporter|editor|editors|editorial|editorial (?:staff|team|board)|"
    r"news ?desk|web ?desk|desk|admin|administrator|guest|guest author|contributor|contributors|"
    r"correspondent|reporter|team|redaction|rédaction|la rédaction|redaktion|anonymous|unknown|"
    r"author|authors|null|none|undefined|wire|wires|agencies|agency|news|online|digital|"
    r"\w+ staff|\w+ news service|the editors)$",
    re.IGNORECASE,
)
# Trailing roles and credits: "Jane Doe, Staff Writer", "Jane Doe - Senior Reporter".
_ROLE_SUFFIX = re.compile(
    r"\s*(?:[,|\-–—/]\s*|\s+)(?:(?:senior|chief|contributing|staff|political|business|sports?|science|"
    r"health|foreign|deputy|managing|associate|executive|special|investigative|national|"
    r"white house|tech(?:nology)?|local|news|digital|social media|freelance)\s+)*"
    r"(?:writer|reporter|editor|correspondent|columnist|contributor|journalist|producer|"
    r"photographer|analyst|critic|staff)s?\b.*$",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_HANDLE = re.compile(r"(?:^|\s)@\w+")
_URL = re.compile(r"https?://\S+|www\.\S+")
_SPLIT = re.compile(r"\s*(?:,|;|\||&|\band\b|\bund\b|\bet\b|\by\b|\be\b|\bو\b|،)\s*", re.IGNORECASE)
_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "phd", "ph.d.", "ph.d", "md", "m.d."})
_BYLINE_CLASSES = ("byline", "author", "writer", "contributor", "by-line", "article-meta", "meta-author")
# (contains() on the class as written, in its usual spellings: translate() to lower case costs
# tens of milliseconds on a large page.)
_BYLINE_XPATH = (
    ".//*[@itemprop='author' or @rel='author' or "
    + " or ".join(f"contains(@class,'{c}') or contains(@class,'{c.title()}')" for c in _BYLINE_CLASSES)
    + "]"
)
MAX_NAME_CHARS = 60
MAX_NAME_WORDS = 6


def choose_authors(reader: Reader, visible: Visible) -> list[str]:
    sites = reader.site_names()
    # 1. JSON-LD.
    value = reader.article.get("author") or reader.article.get("creator")
    if value:
        names = []
        for name, kind in jsonld.names_of(reader.ld, value):
            names += clean_names(html_lib.unescape(name), sites)
        if names := dedupe(names):
            return names
    # 2. Meta tags.
    for k in AUTHOR_KEYS:
        values = reader.metas.get(k, ())
        names = [n for v in values if not _URL.match(v.strip()) for n in clean_names(html_lib.unescape(v), sites)]
        if names := dedupe(names):
            return names
    # 3. rel=author links.
    names = [n for text in reader.rel_authors for n in clean_names(text, sites)]
    if names := dedupe(names):
        return names
    # 4. The byline.
    return dedupe(byline_names(visible, sites))


def byline_names(visible: Visible, sites: list[str]) -> list[str]:
    found = []
    for el in visible.root.xpath(_BYLINE_XPATH)[:20]:
        text = clean_text(" ".join(el.itertext()))
        if not text or len(text) > 200:
            continue
        found += clean_names(text, sites)
        if found:
            break
    return found


def clean_names(text: str, sites: list[str]) -> list[str]:
    """The person names in an author string ("By Jane Doe and John Roe, Staff Writers")."""
    text = clean_text(text)
    text = _URL.sub(" ", _EMAIL.sub(" ", text))
    text = _HANDLE.sub(" ", text).strip(" ,;:|-–—")
    names = []
    pieces = _SPLIT.split(text)
    for i, piece in enumerate(pieces):
        piece = piece.strip(" .,;:|-–—()[]")
        if key(piece) in _SUFFIXES and names:
            continue
        name = clean_name(piece, sites)
        if name:
            names.append(name)
    return names


def clean_name(piece: str, sites: list[str]) -> str | None:
    piece = piece.strip()
    while True:
        stripped = _PREFIX.sub("", piece, count=1)
        if stripped == piece:
            break
        piece = stripped
    piece = _ROLE_SUFFIX.sub("", piece).strip(" .,;:|-–—()[]")
    if piece.endswith("."):
        piece = piece  # initials ("John A.") keep their full stop
    if not piece or len(piece) > MAX_NAME_CHARS or len(piece.split()) > MAX_NAME_WORDS:
        return None
    if _NOT_A_NAME.match(piece) or any(ch.isdigit() for ch in piece):
        return None
    k = key(piece)
    if any(k == s or k.replace(" ", "") == s.replace(" ", "") for s in sites if s):
        return None
    if not any(ch.isalpha() for ch in piece):
        return None
    return piece


def dedupe(names: list[str]) -> list[str]:
    seen, out = set(), []
    for name in names:
        k = key(name)
        if k not in seen:
            seen.add(k)
            out.append(name)
    return out
