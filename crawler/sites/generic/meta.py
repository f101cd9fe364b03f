"""A page's metadata: title, authors, dates, publisher, image, canonical URL, language (pure).

`Reader` reads the page's head, JSON-LD and links once (before the tree is cleaned); each
field is then chosen from its witnesses, the visible text (`Visible`) deciding between them.
"""

from __future__ import annotations

import html as html_lib
import re
import unicodedata
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from functools import cached_property
from urllib.parse import urljoin, urlsplit

from lxml import etree

from crawler.core.text import clean_text
from crawler.sites.generic import jsonld

# --- text keys ------------------------------------------------------------------------------------
_QUOTES = str.maketrans({c: "'" for c in "’‘‛`´ʼ′\"«»“”„‟‹›"} | {c: "-" for c in "–—―‐‑‒"})
_WORD = re.compile(r"\w+")


def key(text: str | None) -> str:
    """A text as compared: NFKC, case folded, quotes and dashes unified, whitespace collapsed."""
    if not text:
        return ""
    return " ".join(unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold().split())


def words(text: str) -> list[str]:
    return _WORD.findall(key(text))


def element_text(el) -> str:
    """An element's text as a reader sees it: its pieces run together (inline markup splits no
    word: "Kotaku<span>'s</span>"), a line break or a block inside it a space."""
    if el.find(".//br") is None and el.find(".//p") is None and el.find(".//div") is None:
        return clean_text("".join(el.itertext()))
    parts = []
    for event, node in etree.iterwalk(el, events=("start", "end")):
        if event == "start":
            if node.tag in ("br", "p", "div", "li"):
                parts.append(" ")
            if node.text and node.tag != "br":
                parts.append(node.text)
        elif node is not el:
            if node.tag in ("p", "div", "li"):
                parts.append(" ")
            if node.tail:
                parts.append(node.tail)
    return clean_text("".join(parts))


class Visible:
    """What a reader of the page sees (the tree without scripts, styles and the like)."""

    def __init__(self, tree):
        self.tree = tree
        body = tree.find("body")
        self.root = body if body is not None else tree

    @cached_property
    def text(self) -> str:
        return key("".join(self.root.itertext()))

    @cached_property
    def shingles(self) -> set[int]:
        return shingle_set(self.text)

    @cached_property
    def headings(self) -> list[str]:
        """The texts of the page's h1 elements, in order (then h2 when it has none)."""
        found = [element_text(h) for h in self.root.iter("h1")]
        found = [h for h in found if 3 <= len(h) <= 400]
        if not found:
            found = [element_text(h) for h in self.root.iter("h2")][:5]
            found = [h for h in found if 10 <= len(h) <= 400]
        return found

    def holds(self, text: str | None) -> bool:
        """Whether the visible text holds a phrase (compared as keys)."""
        k = key(text)
        return bool(k) and k in self.text

    def confirms(self, text: str) -> float:
        """The share of a text's 4-word shingles that the visible text holds."""
        own = shingle_set(key(text))
        if not own:
            return 0.0
        return len(own & self.shingles) / len(own)


def shingle_set(text_key: str, n: int = 4) -> set[int]:
    tokens = _WORD.findall(text_key)
    return {hash(tuple(tokens[i:i + n])) for i in range(max(1, len(tokens) - n + 1))} if tokens else set()


# --- dates ----------------------------------------------------------------------------------------
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?"
                  r"\s*(Z|[+-]\d{2}:?\d{2}|[+-]\d{2}(?!\d))?)?")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:T?(\d{2})(\d{2})(\d{2})?)?$")
EARLIEST_YEAR, LATEST_YEAR = 1990, 2099


def parse_date(value) -> tuple[str, str | None] | None:
    """(ISO date, ISO timestamp or None) from a date as pages write it in their metadata:
    ISO 8601 (any precision, offsets with or without colon), compact (20231222T101500), RFC 2822,
    a Unix timestamp. The date is the one written, not converted to another time zone."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(int(value))
    if not isinstance(value, str):
        return None
    value = value.strip()
    m = _ISO.search(value[:64])
    if m:
        y, mo, d, hh, mm, ss, tz = m.groups()
        return _build(y, mo, d, hh, mm, ss, tz)
    m = _COMPACT.match(value)
    if m:
        if len(value) in (10, 13) and value.isdigit():  # a Unix timestamp (seconds or ms)
            return _from_timestamp(value)
        y, mo, d, hh, mm, ss = m.groups()
        return _build(y, mo, d, hh, mm, ss, None)
    if value.isdigit() and len(value) in (10, 13):
        return _from_timestamp(value)
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None or not EARLIEST_YEAR <= parsed.year <= LATEST_YEAR:
        return None
    return parsed.date().isoformat(), parsed.isoformat()


def _from_timestamp(value: str) -> tuple[str, str] | None:
    from datetime import timezone

    seconds = int(value) / (1000 if len(value) == 13 else 1)
    try:
        parsed = datetime.fromtimestamp(seconds, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None
    if not EARLIEST_YEAR <= parsed.year <= LATEST_YEAR:
        return None
    return parsed.date().isoformat(), parsed.isoformat()


def _build(y, mo, d, hh, mm, ss, tz) -> tuple[str, str | None] | None:
    try:
        day = datetime(int(y), int(mo), int(d))
    except ValueError:
        return None
    if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
        return None
    if hh is None:
        return day.date().isoformat(), None
    if tz and tz != "Z":
        tz = tz if ":" in tz or len(tz) == 3 else tz[:3] + ":" + tz[3:]
        tz = tz + ":00" if len(tz) == 3 else tz
    try:
        stamp = datetime.fromisoformat(f"{day.date().isoformat()}T{int(hh):02d}:{mm}:{ss or '00'}"
                                       + ("+00:00" if tz == "Z" else tz or ""))
    except ValueError:
        return day.date().isoformat(), None
    return day.date().isoformat(), stamp.isoformat()


# --- the reader -----------------------------------------------------------------------------------
# Meta keys (name, property or itemprop, lower-cased) that give the publication date, best first.
DATE_KEYS = (
    "article:published_time", "og:article:published_time", "article:published", "og:published_time",
    "datepublished", "published_time", "publish-date", "publish_date", "publishdate", "pubdate",
    "parsely-pub-date", "sailthru.date", "dc.date.issued", "dcterms.issued", "dc.date", "dcterms.date",
    "dcterms.created", "date", "article.published", "article_date_original", "cxenseparse:recs:publishtime",
    "originalpublicationdate", "timestamp", "datecreated", "article:post_date", "displaydate", "dc.date.created",
)
AUTHOR_KEYS = ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator", "dcterms.creator",
               "byl", "cxenseparse:author", "og:article:author", "twitter:creator:name", "citation_author")
SITE_KEYS = ("og:site_name", "application-name", "apple-mobile-web-app-title", "twitter:app:name:iphone",
             "publisher", "dc.publisher", "cxenseparse:site")
IMAGE_KEYS = ("og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src",
              "thumbnailurl", "image")
TITLE_KEYS = ("og:title", "twitter:title", "dc.title", "headline", "sailthru.title", "parsely-title", "title")
ARTICLE_OG_TYPES = ("article", "news", "newsarticle", "blog", "post")


class Reader:
    """One pass over a page's head, scripts and links."""

    def __init__(self, tree, url: str):
        self.url = url
        parts = urlsplit(url)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.host = (parts.hostname or "").lower()
        self.metas: dict[str, list[str]] = {}
        self.links: list[str] = []
        self.rel_authors: list[str] = []
        self.times: list[str] = []
        self.title_tag: str | None = None
        self.canonical_href: str | None = None
        self.declared_language: str | None = None
        scripts = []
        root_lang = tree.get("lang") or tree.get("xml:lang")
        if root_lang:
            self.declared_language = root_lang
        for el in tree.iter("meta", "link", "script", "a", "title", "time"):
            tag = el.tag
            if tag == "a":
                href = el.get("href")
                if href and (href := href.strip()) and not href.startswith("#"):
                    absolute = self.absolute(href)
                    if absolute.startswith(("http://", "https://")):
                        self.links.append(absolute)
                if (rel := el.get("rel")) and "author" in rel.lower().split():
                    self.rel_authors.append(element_text(el))
            elif tag == "meta":
                content = el.get("content")
                if content is None:
                    continue
                for attr in ("property", "name", "itemprop", "http-equiv"):
                    if name := el.get(attr):
                        self.metas.setdefault(name.strip().lower(), []).append(content.strip())
            elif tag == "script":
                if (kind := el.get("type")) and "ld+json" in kind.lower() and el.text:
                    scripts.append(el.text)
            elif tag == "link":
                rel = (el.get("rel") or "").lower().split()
                if "canonical" in rel and self.canonical_href is None and el.get("href", "").strip():
                    self.canonical_href = el.get("href").strip()
            elif tag == "title":
                if self.title_tag is None and (text := "".join(el.itertext()).strip()):
                    self.title_tag = text
            elif tag == "time":
                if value := (el.get("datetime") or el.get("content")):
                    self.times.append(value)
        self.ld = jsonld.read(scripts)
        self.article = self.ld.article or {}
        if not self.declared_language:
            self.declared_language = self.meta("og:locale", "content-language", "language", "dc.language")

    # --- helpers
    def absolute(self, href: str) -> str:
        if href.startswith(("http://", "https://")):
            return href
        if href.startswith("/") and not href.startswith("//"):
            return self.origin + href
        try:
            return urljoin(self.url, href)
        except ValueError:
            return href

    def meta(self, *keys: str) -> str | None:
        for k in keys:
            for value in self.metas.get(k, ()):
                if value:
                    return html_lib.unescape(value) if "&" in value else value
        return None

    @property
    def canonical(self) -> str | None:
        href = self.canonical_href or self.meta("og:url")
        if not href:
            return None
        absolute = self.absolute(href)
        return absolute if absolute.startswith(("http://", "https://")) else None

    # --- what kind of page
    def says_article(self) -> bool:
        og_type = (self.meta("og:type") or "").lower()
        if og_type.split(".")[0] in ARTICLE_OG_TYPES or og_type.startswith("article"):
            return True
        if any(jsonld._is_article_type(t) and t not in ("WebPage", "CreativeWork") for t in self.ld.types):
            return True
        return self.meta("article:published_time") is not None

    def says_listing(self) -> bool:
        og_type = (self.meta("og:type") or "").lower()
        if og_type == "website" and urlsplit(self.url).path in ("", "/"):
            return True
        return bool(self.ld.types & {"CollectionPage", "ItemList", "SearchResultsPage"})

    # --- publisher
    def publisher(self) -> str | None:
        pub = self.article.get("publisher")
        names = [n for n, _ in jsonld.names_of(self.ld, pub)] if pub else []
        for candidate in (self.meta("og:site_name"), *names, self.ld.publisher, self.meta(*SITE_KEYS[1:])):
            if candidate and (candidate := clean_text(candidate)) and len(candidate) <= 100:
                return candidate
        return None

    def site_names(self) -> list[str]:
        """Every name the page gives its site (for stripping from titles and bylines)."""
        found = []
        pub = self.article.get("publisher")
        for candidate in (self.meta("og:site_name"), *[n for n, _ in jsonld.names_of(self.ld, pub)],
                          self.ld.publisher, self.meta("application-name", "apple-mobile-web-app-title",
                                                       "twitter:site")):
            if candidate and key(candidate) and key(candidate) not in found:
                found.append(key(candidate).lstrip("@"))
        host = self.host.removeprefix("www.")
        found.append(host)
        found.append(host.rsplit(".", 1)[0])
        return found

    # --- image
    def image(self) -> str | None:
        candidates = [self.meta(*IMAGE_KEYS), jsonld.image_of(self.article.get("image")),
                      jsonld.image_of(self.article.get("thumbnailUrl"))]
        for c in candidates:
            if c:
                absolute = self.absolute(html_lib.unescape(c))
                if absolute.startswith(("http://", "https://")):
                    return absolute
        return None

    # --- dates
    def published(self, tree, url: str) -> tuple[str | None, str | None]:
        """(ISO date, full timestamp or None).

        The date is htmldate's quick search (original date, no text scan): it weighs the URL's
        date, the page's visible <time> and date metas the way readers and the development set
        see the date (the local day, not the UTC one of a JSON-LD timestamp). The structured
        data give the timestamp when their date is that day or the day next to it (a UTC
        timestamp past midnight), and the date itself when htmldate finds none."""
        stamps = [found for value in self._date_witnesses() if (found := parse_date(value))]
        day = _htmldate(tree, url)
        if day is None:
            if not stamps:
                return None, None
            return stamps[0]
        for found_day, stamp in stamps:
            if stamp and abs((date.fromisoformat(found_day) - date.fromisoformat(day)).days) <= 1:
                return day, stamp
        return day, None

    def _date_witnesses(self) -> list:
        values = [self.article.get("datePublished"), self.meta(*DATE_KEYS[:4]), self.article.get("dateCreated"),
                  self.meta(*DATE_KEYS[4:]), *self.times]
        return [jsonld.text_of(v) if not isinstance(v, str) else v for v in values if v]

    # --- title
    def title(self, visible: Visible) -> str | None:
        return choose_title(self, visible)

    # --- authors
    def authors(self, visible: Visible) -> list[str]:
        from crawler.sites.generic.authors import choose_authors

        return choose_authors(self, visible)


def read(tree, url: str) -> Reader:
    return Reader(tree, url)


def _htmldate(tree, url: str) -> str | None:
    from htmldate import find_date

    try:
        found = find_date(tree, extensive_search=False, original_date=True, url=url)
    except Exception:  # htmldate's own failures: no date rather than no page
        found = None
    return found[:10] if found else None


# --- titles ---------------------------------------------------------------------------------------
_TITLE_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|::|·|•|»|«|/|:|~)\s+|\s*\|\s*")


def title_variants(title: str, site_names: list[str], guesses: bool = True) -> list[str]:
    """A title without the site's name before or after it ("Title | Site"), when it has one, and
    as given; with `guesses`, also its longest part and all but its last part (a section or a
    site name the page does not name as its own): guesses only a page heading can confirm."""
    title = clean_text(title)
    variants = [title]
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) > 1:
        site_keys = [k for k in site_names if k]

        def is_site(part: str) -> bool:
            k = key(part)
            compact = k.replace(" ", "")
            return any(k == s or compact == s.replace(" ", "") or (len(s) > 3 and (s in k or k in s)
                       and len(k) < 40) for s in site_keys)

        # Drop site parts from the end, then from the start.
        end = len(parts)
        while end > 1 and is_site(parts[end - 1]):
            end -= 1
        start = 0
        while start < end - 1 and is_site(parts[start]):
            start += 1
        if (start, end) != (0, len(parts)):
            variants.insert(0, _rejoin(title, parts, start, end))
        if not guesses:
            return [v for v in dict.fromkeys(variants) if v]
        if end == len(parts):
            variants.append(_rejoin(title, parts, 0, len(parts) - 1))
        longest = max(parts, key=len)
        variants.append(longest)
    return [v for v in dict.fromkeys(variants) if v]


def _rejoin(title: str, parts: list[str], start: int, end: int) -> str:
    """The title's text from parts[start] to parts[end - 1], its separators as written."""
    first = title.find(parts[start])
    last_part = parts[end - 1]
    last = title.find(last_part, first) + len(last_part) if last_part else first
    return title[first:last].strip()


def choose_title(reader: Reader, visible: Visible) -> str | None:
    sites = reader.site_names()
    headline = jsonld.text_of(reader.article.get("headline")) or jsonld.text_of(reader.article.get("name"))
    witnesses = [w for w in (reader.meta("og:title"), headline, reader.meta("twitter:title"),
                             reader.title_tag, reader.meta("dc.title", "parsely-title", "sailthru.title"))
                 if w and clean_text(w)]
    headings = visible.headings
    heading_keys = {key(h): h for h in headings}
    # 1. A heading that a witness agrees with (the witness as given, or without its site name).
    for w in witnesses:
        for v in title_variants(w, sites):
            if (k := key(v)) in heading_keys:
                return heading_keys[k]
    # 2. A witness's headline that a heading starts with (truncated headlines), or the reverse.
    for w in witnesses:
        for v in title_variants(w, sites):
            k = key(v)
            for hk, h in heading_keys.items():
                if len(k) >= 20 and (hk.startswith(k) or (len(hk) >= 20 and k.startswith(hk))):
                    return h
    # 3. A witness confirmed by the visible text, its site name taken off (never a guess: a
    # title's first part alone, "Section : Title", is shown on the page too).
    for w in witnesses:
        for v in title_variants(w, sites, guesses=False):
            if len(v) >= 10 and visible.holds(v):
                return v
    # 4. The first heading, then the first witness with its site name taken off.
    if headings:
        return headings[0]
    for w in witnesses:
        return title_variants(w, sites, guesses=False)[0]
    return None


# --- language -------------------------------------------------------------------------------------
def language(text: str, declared: str | None, title: str | None = None) -> str | None:
    """The ISO 639-1 language of a text (py3langid, its bundled model), the page's declared
    language breaking a doubtful call."""
    from crawler.sites.generic import lang

    return lang.detect(text, declared, title)
