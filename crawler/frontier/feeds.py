"""RSS and Atom feeds: is a response a feed, and the entry links of one (feedparser underneath).

Pure: bytes in, canonical URLs out; nothing is fetched (not even a DTD or an entity).
"""

from __future__ import annotations

import io

import feedparser
import lxml.etree

from crawler.frontier.links import FEED_MEDIA_TYPES, clean_links, media_type

XML_MEDIA_TYPES = frozenset({"application/xml", "text/xml", "application/rdf+xml"})
RDF_NAMESPACE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


def _xml_root(body: bytes) -> tuple[str, str] | None:
    """(namespace, local name) of the root element of an XML body, or None if there is none.

    Only the first start tag is parsed; entities are not resolved and nothing is fetched.
    """
    events = lxml.etree.iterparse(
        io.BytesIO(body), events=("start",), recover=True, resolve_entities=False, no_network=True
    )
    try:
        _, root = next(events)
    except (StopIteration, lxml.etree.LxmlError):
        return None
    tag = root.tag
    if not isinstance(tag, str):
        return None
    namespace, _, local = tag[1:].partition("}") if tag.startswith("{") else ("", "", tag)
    return namespace, local


def looks_like_feed(content_type: str, body: bytes) -> bool:
    """True if a response is an RSS or Atom feed.

    application/rss+xml and application/atom+xml are feeds whatever the body; generic XML types
    (application/xml, text/xml, application/rdf+xml) are feeds when the root element is <rss>,
    <feed> or <rdf:RDF>. Any other content type (text/html included) is not a feed.
    """
    kind = media_type(content_type)
    if kind in FEED_MEDIA_TYPES:
        return True
    if kind not in XML_MEDIA_TYPES:
        return False
    root = _xml_root(body)
    if root is None:
        return False
    namespace, local = root
    return local in {"rss", "feed"} or (local == "RDF" and namespace == RDF_NAMESPACE)


def _entry_link(entry: feedparser.FeedParserDict) -> str:
    """The page an entry points to: its main link, else its first alternate link, else ''.

    feedparser already falls back to an RSS <guid isPermaLink="true"> when <link> is missing.
    """
    if entry.get("link"):
        return entry["link"]
    for link in entry.get("links", []):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return link["href"]
    return ""


def feed_links(url: str, body: bytes) -> list[str]:
    """The entry links of an RSS or Atom feed fetched from url, in feed order.

    Relative links are resolved against xml:base or the feed URL; the result is canonicalized,
    de-duplicated and limited to http(s). A body that is not a feed (HTML, garbage, empty) gives [].
    """
    if not body:
        return []
    # A BytesIO, never the raw bytes/str: feedparser treats strings as URLs or file paths.
    parsed = feedparser.parse(io.BytesIO(body), response_headers={"content-location": url})
    if not parsed.get("version"):
        return []
    return clean_links(url, (_entry_link(entry) for entry in parsed.entries))
