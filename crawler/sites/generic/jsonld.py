"""The JSON-LD of a page: its article node, the people and organisations it names (pure).

Why a walker of our own rather than extruct: extruct's JSON-LD reader is `json.loads` of each
<script type="application/ld+json"> plus a lenient retry, and returns the raw objects; what a
news page needs is the step after that, which no maintained parser does for us: finding the
article node among @graph members, nested `mainEntity`s and lists, and resolving the `@id`
references its `author` and `publisher` point to. extruct would also read the page again with
its own parser and bring rdflib and three other parsers along (microdata, RDFa, microformats)
that this page object does not use. So: the standard library's json, a lenient retry for the
faults seen on real pages (HTML comments or CDATA around the JSON, raw control characters in
strings, trailing commas), and the walk below.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

# schema.org types of an article page's main node (any type whose name ends in "Article" too:
# NewsArticle, ReportageNewsArticle, AnalysisNewsArticle, OpinionNewsArticle, ScholarlyArticle...).
ARTICLE_TYPES = frozenset({"Article", "BlogPosting", "LiveBlogPosting", "Report", "SocialMediaPosting",
                           "Review", "CreativeWork", "Recipe", "VideoObject", "WebPage"})
# Types whose node only describes the page as a listing.
LISTING_TYPES = frozenset({"CollectionPage", "ItemList", "SearchResultsPage", "SiteNavigationElement",
                           "WebSite", "Organization", "NewsMediaOrganization", "BreadcrumbList"})
_WRAPPER = re.compile(r"^\s*(?:<!--|<!\[CDATA\[|//\s*<!\[CDATA\[)|(?:-->|\]\]>|//\s*\]\]>)\s*$")
_CONTROL = re.compile(r"[\x00-\x1f]")
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")
_MAX_NODES = 5_000  # a walk stops after this many objects (a page of megabytes of JSON-LD)


@dataclass
class JsonLd:
    """What a page's JSON-LD says, as far as an article needs it."""

    article: dict | None = None  # the main article-like node
    types: set[str] = field(default_factory=set)  # every @type seen
    by_id: dict[str, dict] = field(default_factory=dict)  # nodes with an @id
    publisher: str | None = None  # an Organization / WebSite name when the article names none

    def resolve(self, value):
        """A node given by reference ({"@id": ...} alone) as the node it refers to."""
        if isinstance(value, dict) and "@id" in value and len(value) <= 2 and value["@id"] in self.by_id:
            return self.by_id[value["@id"]]
        return value


def loads(text: str):
    """The JSON in a script's text, or None when even the lenient reading fails."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    cleaned = _WRAPPER.sub("", text.strip())
    cleaned = _CONTROL.sub(" ", cleaned)  # raw newlines and tabs inside strings (invalid JSON)
    cleaned = _TRAILING_COMMA.sub(r"\1", cleaned)
    try:
        return json.loads(cleaned)
    except ValueError:
        return None


def _types(node: dict) -> list[str]:
    value = node.get("@type")
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return []
    return [t.rsplit("/", 1)[-1] for t in value if isinstance(t, str)]


def _is_article_type(name: str) -> bool:
    return name in ARTICLE_TYPES or name.endswith("Article")


def _rank(node: dict) -> int:
    """How surely a node is the page's article: a news article with a body or headline first,
    a bare WebPage last."""
    names = _types(node)
    score = 0
    if any(n.endswith("Article") or n in ("BlogPosting", "LiveBlogPosting", "Report") for n in names):
        score += 4
    elif any(_is_article_type(n) and n != "WebPage" for n in names):
        score += 2
    if node.get("headline"):
        score += 2
    if node.get("articleBody"):
        score += 1
    if node.get("datePublished"):
        score += 1
    return score


def read(scripts: list[str]) -> JsonLd:
    """Walk the JSON of every ld+json script of a page."""
    result = JsonLd()
    candidates: list[tuple[int, int, dict]] = []
    stack = [obj for text in scripts if (obj := loads(text)) is not None][::-1]
    seen = 0
    while stack and seen < _MAX_NODES:
        obj = stack.pop()
        if isinstance(obj, list):
            stack.extend(reversed(obj))
            continue
        if not isinstance(obj, dict):
            continue
        seen += 1
        names = _types(obj)
        result.types.update(names)
        if isinstance(obj.get("@id"), str) and len(obj) > 2:
            result.by_id.setdefault(obj["@id"], obj)
        if any(_is_article_type(n) for n in names):
            candidates.append((_rank(obj), -seen, obj))
        elif result.publisher is None and any(n in ("NewsMediaOrganization", "Organization", "WebSite")
                                              for n in names) and isinstance(obj.get("name"), str):
            result.publisher = obj["name"]
        # Where an article node hides: @graph, mainEntity(OfPage), a list of nodes. Properties
        # that describe other things (author, publisher, image, breadcrumb) are read later by
        # reference, not walked for articles, except for their @id nodes which are recorded here.
        for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement", "hasPart"):
            if isinstance(value := obj.get(key), (dict, list)):
                stack.append(value)
        for key in ("author", "publisher", "creator"):
            value = obj.get(key)
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict) and isinstance(item.get("@id"), str) and len(item) > 2:
                    result.by_id.setdefault(item["@id"], item)
    if candidates:
        candidates.sort(key=lambda c: (c[0], c[1]), reverse=True)
        result.article = candidates[0][2]
    return result


def text_of(value) -> str | None:
    """A property's text: a string, the first string of a list, or a node's name/@value."""
    if isinstance(value, list):
        value = next((v for v in value if v), None)
    if isinstance(value, dict):
        value = value.get("@value") or value.get("name")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    return value.strip() if isinstance(value, str) and value.strip() else None


def names_of(ld: JsonLd, value) -> list[tuple[str, str]]:
    """(name, kind) of each person or organisation a property (author, creator) gives; kind is
    the node's @type ('Person', 'Organization', ...) or '' when it is a bare string."""
    found = []
    for item in value if isinstance(value, list) else [value]:
        item = ld.resolve(item)
        if isinstance(item, str):
            found.append((item, ""))
        elif isinstance(item, dict):
            kind = (_types(item) or [""])[0]
            name = item.get("name")
            if not name and ("givenName" in item or "familyName" in item):
                name = " ".join(str(item.get(k, "")) for k in ("givenName", "familyName")).strip()
            for one in name if isinstance(name, list) else [name]:  # {"name": ["A", "B"]}: both
                if isinstance(one, str):
                    found.append((one, kind))
    return found


def image_of(value) -> str | None:
    """The URL of an image property: a string, an ImageObject, or the first of a list."""
    if isinstance(value, list):
        value = next((v for v in value if v), None)
    if isinstance(value, dict):
        value = value.get("url") or value.get("contentUrl") or value.get("@id")
        if isinstance(value, list):
            value = next((v for v in value if isinstance(v, str)), None)
    return value.strip() if isinstance(value, str) and value.strip() else None
