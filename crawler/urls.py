"""URL canonicalisation and the site's URL patterns (pure functions, w3lib underneath)."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

# Sites of the network that share the template: always https, always the www host.
KNOWN_SITES = frozenset(
    {
        "maghress.com",
        "masress.com",
        "djazairess.com",
        "turess.com",
        "sauress.com",
        "sudaress.com",
        "yemeress.com",
    }
)
TRACKING_PARAMS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "xtor", "jsessionid", "phpsessid", "sid", "igshid", "mc_cid", "mc_eid"}
)
TRACKING_PREFIXES = ("utm_", "at_")

# French article: /fr/<paper-slug>/<id>; Arabic article: /<paper-slug>/<id>.
ARTICLE_PATH = re.compile(r"^/(?:(?P<fr>fr)/)?(?P<slug>(?!fr/)[a-z0-9]+)/(?P<id>\d+)$")
FETCHABLE_SCHEMES = frozenset({"http", "https"})


def _is_tracking(name: str) -> bool:
    name = name.lower()
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def known_site(host: str) -> str | None:
    """The registrable domain of a known site for a host such as maghress.com or m.maghress.com."""
    host = host.lower().rstrip(".")
    for prefix in ("www.", "m."):
        if host.startswith(prefix):
            host = host[len(prefix) :]
            break
    return host if host in KNOWN_SITES else None


@lru_cache(maxsize=65536)  # tickers repeat the same URLs page after page
def canonicalize(url: str) -> str:
    """The one canonical form of a URL.

    Known sites get https and the www host; every URL loses its fragment, default port and
    tracking or session parameters; the rest is w3lib's canonical form (sorted query, escaping).
    Idempotent: canonicalize(canonicalize(u)) == canonicalize(u).
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if known_site(host):
        scheme, host, port = "https", "www." + known_site(host), None
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)])
    path = parts.path or "/"
    return canonicalize_url(urlunsplit((scheme, host, path, query, "")), keep_fragments=False)


def is_fetchable(url: str) -> bool:
    """Only http(s) URLs are ever fetched; file:, data: and the rest are refused."""
    scheme, sep, _ = url.partition(":")
    return bool(sep) and scheme.strip().lower() in FETCHABLE_SCHEMES


def is_article_url(url: str) -> bool:
    return bool(ARTICLE_PATH.match(urlsplit(url).path))


def edition(url: str) -> str:
    """'fr' for the French edition, 'ar' for the Arabic one, from the URL path."""
    path = urlsplit(url).path
    return "fr" if path == "/fr" or path.startswith("/fr/") else "ar"
