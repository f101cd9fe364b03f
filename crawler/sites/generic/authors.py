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
from crawler.sites.generic.meta import AUTHOR_KEYS, Reader, Visible, element_text, key

# "By", and its equivalents in the languages of the development set and of Maghress's editions;
# "View all posts by", "More stories from" and the like (author boxes) too.
_PREFIX = re.compile(
    r"^(?:(?:view|see|read|more|all)\s+(?:all\s+)?(?:posts|articles|stories|content)\s+(?:by|from)|"
    r"(?:written|posted|reported|story|text|words|reporting|compiled|edited|published|updated)\s+by|by|from|"
    r"von|par|por|di|door|af|av|przez|autor(?:e|a)?|auteur|author|bylined?|texte|"
    r"بقلم|كتب|كتبت|إعداد|تقرير)\s*[:\-–—]?\s+",
    re.IGNORECASE,
)
# Words that make a "name" a role, a desk, a label or a placeholder rather than a person.
_NOT_A_NAME = re.compile(
    r"^(?:staff|staff writer|staff reporter|editor|editors|editorial|editorial (?:staff|team|board)|"
    r"news ?desk|web ?desk|desk|admin|administrator|guest|guest author|contributor|contributors|"
    r"correspondent|reporter|team|redaction|rédaction|la rédaction|redaktion|anonymous|unknown|"
    r"author|authors|about the authors?|null|none|undefined|wire|wires|agencies|agency|news|online|digital|"
    r"sponsored|sponsored content|contributor content|partner content|paid content|advertorial|"
    r"\w+ staff|staff reports?|\w+ news service|the editors|"
    r"(?:image|images|photo|photos|picture|video|credit|source|getty|illustration)\b.*)$",
    re.IGNORECASE,
)
# News agencies: credited as authors by many pages, never a person.
_AGENCIES = re.compile(
    r"^(?:the )?(?:associated press|ap|reuters|thomson reuters|afp|agence france[- ]presse|ani|pti|ians|upi|"
    r"dpa|efe|ansa|kyodo|xinhua|yonhap|tass|canadian press|press association|pa|pa media|aap|"
    r"bloomberg|bloomberg news|cnn wire|nyt|ap staff|map|maghreb arabe presse|aps|mena)$",
    re.IGNORECASE,
)
# A credit glued to the name: "John Doe The Associated Press", "Jane Roe USA TODAY".
_AGENCY_SUFFIX = re.compile(
    r"\s+(?:the )?(?:associated press|reuters|afp|agence france-presse|canadian press|bloomberg)$", re.IGNORECASE
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
# Separators between names; the conjunctions only in lower case ("Robert E. Moffit" keeps its E).
_SPLIT = re.compile(r"\s*(?:,|;|\||&|\s(?:and|AND|And|und|et|y|e|و)\s|،|\s·\s)\s*")
_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "phd", "ph.d.", "ph.d", "md", "m.d."})
_BYLINE_CLASSES = ("byline", "author", "writer", "contributor", "by-line")
# (contains() on the class as written, in its usual spellings: translate() to lower case costs
# tens of milliseconds on a large page.)
_BYLINE_XPATH = (
    ".//*[@itemprop='author' or "
    + " or ".join(f"contains(@class,'{c}') or contains(@class,'{c.title()}')" for c in _BYLINE_CLASSES)
    + "]"
)
# An element whose own text begins with "By" (the byline of most English-language pages).
_BY_XPATH = ".//*[starts-with(normalize-space(text()), 'By ') or normalize-space(text())='By' or " \
            "starts-with(normalize-space(text()), 'by ') or normalize-space(text())='by' or " \
            "starts-with(normalize-space(text()), 'BY ')]"
# Links to an author's page.
_AUTHOR_HREF = re.compile(r"/(?:author|authors|writer|writers|bios?|profiles?|people|staff|contributors?|"
                          r"journalists?|reporters?|columnists?|autor|autores|auteur|auteurs|redacteur)/", re.I)
MAX_NAME_CHARS = 60
MAX_NAME_WORDS = 6
MAX_BYLINE_CHARS = 200


def choose_authors(reader: Reader, visible: Visible) -> list[str]:
    sites = reader.site_names()
    # 1. JSON-LD, people only (an organisation credited as author is the site or an agency).
    value = reader.article.get("author") or reader.article.get("creator")
    ld_names = []
    if value:
        for name, kind in jsonld.names_of(reader.ld, value):
            if kind and kind != "Person" and kind.endswith(("Organization", "Organisation", "NewsMediaOrganization")):
                continue
            ld_names += clean_names(html_lib.unescape(name), sites)
    ld_names = dedupe(ld_names)
    # 2. Meta tags: the same people or more (a page may list all its authors only there).
    for k in AUTHOR_KEYS:
        values = reader.metas.get(k, ())
        names = dedupe([n for v in values if not _URL.match(v.strip()) for n in clean_names(html_lib.unescape(v), sites)])
        if names and (not ld_names or (len(names) > len(ld_names) and {key(n) for n in ld_names} <= {key(n) for n in names})):
            return names
        if names:
            break
    if ld_names:
        return ld_names
    # 3. rel=author links.
    names = [n for text in reader.rel_authors for n in clean_names(text, sites)]
    if names := dedupe(names):
        return names
    # 4. The byline: "By Jane Doe", a link to an author page, an element of class "byline".
    return dedupe(by_line(visible, sites) or author_links(visible, sites) or byline_names(visible, sites))


def by_line(visible: Visible, sites: list[str]) -> list[str]:
    for el in visible.root.xpath(_BY_XPATH)[:10]:
        text = element_text(el)
        if len(text) <= 3:  # "By" alone: the names follow in the parent
            parent = el.getparent()
            text = element_text(parent) if parent is not None else ""
        if not text or len(text) > MAX_BYLINE_CHARS:
            continue
        if names := clean_names(text, sites):
            return names
    return []


def author_links(visible: Visible, sites: list[str]) -> list[str]:
    """The names of the first links to author pages (and of the links beside them)."""
    for a in visible.root.iter("a"):
        href = a.get("href") or ""
        if not _AUTHOR_HREF.search(href):
            continue
        text = element_text(a)
        if not text or len(text) > MAX_NAME_CHARS:
            continue
        names = clean_names(text, sites)
        if not names:
            continue
        parent = a.getparent()
        for other in parent.iter("a") if parent is not None else ():
            if other is not a and _AUTHOR_HREF.search(other.get("href") or ""):
                names += clean_names(element_text(other), sites)
        return names
    return []


def byline_names(visible: Visible, sites: list[str]) -> list[str]:
    found = []
    for el in visible.root.xpath(_BYLINE_XPATH)[:20]:
        text = element_text(el)
        if not text or len(text) > MAX_BYLINE_CHARS:
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
    piece = _AGENCY_SUFFIX.sub("", piece).strip()
    if _NOT_A_NAME.match(piece) or _AGENCIES.match(piece) or any(ch.isdigit() for ch in piece):
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
