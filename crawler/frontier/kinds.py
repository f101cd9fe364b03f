"""What a URL is: front page, listing, article, feed, sitemap or other (pure).

Front pages and articles are the site's (its site.toml, through the registry); feeds and
sitemaps are recognised by their path on any site.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from crawler.frontier.links import FEED_MEDIA_TYPES, media_type
from crawler.sites.spec import SiteSpec
from crawler.sites import registry

FEED_PATH_ENDINGS = ("/rss", "/feed", "/atom", ".rss", ".atom")
FEED_WORDS = ("rss", "feed", "atom")
def _is_sitemap_path(path: str) -> bool:
    """sitemap*.xml, any .xml or .xml.gz whose path mentions 'sitemap' (post-sitemap.xml, ...)."""
    return path.endswith((".xml", ".xml.gz")) and "sitemap" in path


def _is_feed_path(path: str, query: str) -> bool:
    """/rss, /feed, /atom, .rss, .atom (trailing slash allowed), an .xml path mentioning
    rss/feed/atom (/rss/fr.xml, /feeds/all.xml), or a WordPress-style ?feed= query."""
    trimmed = path.rstrip("/")
    if trimmed.endswith(FEED_PATH_ENDINGS):
        return True
    if path.endswith(".xml") and any(word in path for word in FEED_WORDS):
        return True
    return any(name.lower() == "feed" for name, _ in parse_qsl(query, keep_blank_values=True))


def page_kind(url: str, content_type: str = "", *, site: SiteSpec | None = None) -> str:
    """What a URL is, the first that applies:

    - "feed": an RSS/Atom content type (application/rss+xml, application/atom+xml);
    - "sitemap": an .xml or .xml.gz path mentioning 'sitemap';
    - "feed": a feed-like path (see _is_feed_path);
    - "article": the article URL pattern of the URL's site (or of `site`, the site being
      crawled, for a host no site claims);
    - "front": a host's root ("/"), or an edition root of that site ("/fr", "/fr/");
    - "listing": any other page of a host a site claims (/fr/lopinion, a paper's listing, ...);
    - "other": everything else.
    """
    if media_type(content_type) in FEED_MEDIA_TYPES:
        return "feed"
    parts = urlsplit(url)
    path = parts.path.lower()
    if _is_sitemap_path(path):
        return "sitemap"
    if _is_feed_path(path, parts.query):
        return "feed"
    own = registry.site_for_url(url)
    spec = own or site
    if spec is not None and spec.is_article(url):
        return "article"
    if (path or "/") == "/" or (spec is not None and path in spec.front_paths):
        return "front"
    if own is not None:
        return "listing"
    return "other"
