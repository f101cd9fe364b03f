"""URL canonicalisation (pure functions, w3lib underneath; the sites' hosts from the registry).

URL identity: :func:`canonicalize` is the one canonical form, used everywhere (frontier, items,
storage); :func:`trusted_canonical` says when a page's rel=canonical link may replace it; and
:func:`url_identity` gives the pair (canonical, original) so the URL as found is always kept
beside its canonical form.
"""

from __future__ import annotations

import re
from functools import lru_cache
from ipaddress import ip_address
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

from crawler.sites import registry

# Session parameters: also stripped as path parameters (";jsessionid=..." and the like).
SESSION_PARAMS = frozenset({"jsessionid", "phpsessid", "sid", "sessionid", "session_id", "sessid", "cfid", "cftoken"})
# Tracking and session query parameters, compared lower-case: stripped from every URL.
TRACKING_PARAMS = SESSION_PARAMS | frozenset(
    {
        # click identifiers of ad and social platforms
        "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid",
        "ttclid", "li_fat_id", "igshid", "igsh",
        # AT Internet (xtor), Mailchimp, Google Analytics linker, HubSpot, Marketo, Twitter embeds
        "xtor", "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "ref_src", "ref_url",
        # Matomo / Piwik campaigns
        "pk_campaign", "pk_kwd", "pk_source", "pk_medium", "pk_content",
        "mtm_campaign", "mtm_kwd", "mtm_source", "mtm_medium", "mtm_content", "mtm_cid", "mtm_group",
        "mtm_placement",
    }
)
TRACKING_PREFIXES = ("utm_", "at_")
# ";jsessionid=ABC" in any path segment (Java servlets, PHP with trans_sid...), up to the next ";" or "/".
SESSION_PATH_PARAM = re.compile(r";(?:%s)=[^;/]*" % "|".join(sorted(SESSION_PARAMS)), re.IGNORECASE)

# AMP and print variants of an article on a known site (they map to the article's own URL).
# Query parameters, by lower-case name: None = whatever the value, else the lower-case value.
VARIANT_PARAMS = {"amp": None, "print": None, "outputtype": "amp", "output": "print"}
# Path segments, on the path as w3lib normalises it (case-sensitive, as paths are):
VARIANT_PREFIXES = ("/amp/", "/print/")  # /amp/fr/lesechos/101
VARIANT_SUFFIXES = ("/amp/", "/amp", "/imprimer/", "/imprimer")  # /fr/lesechos/101/amp
VARIANT_WORDS = ("/amp", "/print/", "/imprimer")  # a cheap test before the loop
MAX_REWRITES = 8  # each rewrite shortens the path: a bound that is never reached in practice

# Second-level labels under which a country-code TLD registers names (x.co.uk, x.com.ma,
# x.press.ma): the registrable domain there is the last three labels, elsewhere the last two.
# A deliberately small list instead of the public-suffix list (nothing is downloaded).
SECOND_LEVEL_LABELS = frozenset({"ac", "co", "com", "edu", "gov", "gouv", "net", "org", "press"})
# The root of an edition ("/fr", "/en/", "/pt-br"): a home page, like "/".
EDITION_ROOT = re.compile(r"^/[a-z]{2}(?:[-_][a-z]{2})?/?$", re.IGNORECASE)

FETCHABLE_SCHEMES = frozenset({"http", "https"})


def _is_tracking(name: str) -> bool:
    name = name.lower()
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def _is_variant_param(name: str, value: str) -> bool:
    """An AMP or print switch (?amp, ?amp=1, ?print=1, ?outputType=amp, ?output=print)."""
    name = name.lower()
    if name not in VARIANT_PARAMS:
        return False
    wanted = VARIANT_PARAMS[name]
    return wanted is None or value.lower() == wanted


def _article_path(path: str) -> str:
    """The path of the article that an AMP or print path stands for (known sites only)."""
    changed = True
    while changed:  # /amp/print/x and /x/amp/amp too: strip until nothing is left to strip
        changed = False
        for prefix in VARIANT_PREFIXES:
            if path.startswith(prefix):
                path, changed = path[len(prefix) - 1 :], True
        for suffix in VARIANT_SUFFIXES:
            if path.endswith(suffix):
                path, changed = path[: -len(suffix)] or "/", True
    return path


def known_site(host: str) -> str | None:
    """The registrable domain of a registered site for a host such as maghress.com or
    m.maghress.com (its aliases: crawler/sites/<name>/site.toml), or None."""
    spec = registry.site_for_host(host)
    return spec.domain_of(host) if spec else None


def registrable_domain(host: str) -> str:
    """The domain a host belongs to, for same-site checks (a simple rule, no public-suffix list).

    A known site's hosts all give the site (m.maghress.com -> maghress.com); an IP address or a
    one-label host is its own domain; x.co.uk, x.com.ma (a SECOND_LEVEL_LABELS label under a
    two-letter TLD) keep three labels; any other host keeps its last two (a.b.lemonde.fr ->
    lemonde.fr).
    """
    host = host.lower().rstrip(".")
    site = known_site(host)
    if site:
        return site
    try:
        ip_address(host.strip("[]"))
        return host
    except ValueError:
        pass
    labels = host.split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in SECOND_LEVEL_LABELS:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


CACHED_URL_MAX = 2048  # characters: longer URLs are canonicalised each time, never cached


def canonicalize(url: str) -> str:
    """The one canonical form of a URL (see _canonical); cached, but for URLs too long to keep."""
    return _canonical_cached(url) if len(url) <= CACHED_URL_MAX else _canonical(url)


@lru_cache(maxsize=65536)  # tickers repeat the same URLs page after page
def _canonical_cached(url: str) -> str:
    return _canonical(url)


def _canonical(url: str) -> str:
    """The one canonical form of a URL.

    Every URL loses its fragment, user info, default port, tracking and session parameters
    (TRACKING_PARAMS, TRACKING_PREFIXES: query parameters of any case, and ";jsessionid=..."
    path parameters); the rest is w3lib's canonical form (sorted query, escaping, dot segments).
    Known sites also get https and the www host, and their AMP and print variants map to the
    article's URL (/amp/x, x/amp, x/amp/, ?amp, ?amp=1, ?outputType=amp; /print/x, ?print=1,
    ?output=print, x/imprimer). ValueError for a URL that cannot be parsed (a bad port...).
    Idempotent: canonicalize(canonicalize(u)) == canonicalize(u).
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    spec = registry.site_for_host(host)
    site = spec.domain_of(host) if spec else None
    if site:
        scheme, host, port = spec.scheme, spec.canonical_prefix + site, None
    elif ":" in host:
        host = f"[{host}]"  # an IPv6 literal keeps its brackets
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    path = parts.path or "/"
    query = parts.query
    if query:
        query = urlencode(
            [
                (k, v)
                for k, v in parse_qsl(query, keep_blank_values=True)
                if not _is_tracking(k) and not (site and spec.url_variants and _is_variant_param(k, v))
            ]
        )
    canonical = canonicalize_url(urlunsplit((scheme, host, path, query, "")), keep_fragments=False)
    # Path rewrites work on w3lib's path (escapes decoded, dot segments resolved); a rewrite can
    # leave something for w3lib to normalise ("/a/..;jsessionid=1/b"): repeat until it is stable.
    for _ in range(MAX_REWRITES):
        variants = bool(site and spec.url_variants)
        if ";" not in canonical and not (variants and any(word in canonical for word in VARIANT_WORDS)):
            break
        rewritten = _rewrite_path(canonical, variants)
        if rewritten == canonical:
            break
        canonical = canonicalize_url(rewritten, keep_fragments=False)
    return canonical


def _rewrite_path(url: str, variants: bool) -> str:
    """A canonical URL without session path parameters and, where the site maps AMP and print
    variants to the article (`variants`), without those."""
    parts = urlsplit(url)
    path = parts.path
    if ";" in path:
        path = SESSION_PATH_PARAM.sub("", path) or "/"
    if variants:
        path = _article_path(path)
    return url if path == parts.path else urlunsplit(parts._replace(path=path))


def is_home_page(url: str) -> bool:
    """Whether a URL is a site's home page: path "/" (or empty) or an edition root ("/fr", "/en/"),
    whatever its query ("/?page=2" is a listing, never an article's canonical URL)."""
    path = urlsplit(url).path
    return path in ("", "/") or bool(EDITION_ROOT.match(path))


def trusted_canonical(page_url: str, canonical_href: str | None) -> str | None:
    """The canonical form of a page's rel=canonical link, if it can be trusted; else None.

    The href is resolved against page_url; it is trusted only if it is http(s), on the same
    registrable domain as page_url (see registrable_domain) and not a home page (see
    is_home_page: a site that points every page's canonical link at its home page is wrong).
    """
    if not canonical_href or not (href := canonical_href.strip()):
        return None
    try:
        absolute = urljoin(page_url.strip(), href)
        if not is_fetchable(absolute):
            return None
        canonical = canonicalize(absolute)
        page_host = urlsplit(page_url.strip()).hostname or ""
        host = urlsplit(canonical).hostname or ""
    except ValueError:  # a bad port or IPv6 literal, in either URL
        return None
    if not host or not page_host or registrable_domain(host) != registrable_domain(page_host):
        return None
    if is_home_page(canonical):
        return None
    return canonical


def url_identity(url: str, canonical_href: str | None = None) -> tuple[str, str]:
    """(canonical, original) for a URL: its trusted rel=canonical link's form or its own, and the
    URL as given (only surrounding whitespace stripped), to keep beside the canonical one."""
    original = url.strip()
    return trusted_canonical(original, canonical_href) or canonicalize(original), original


def is_fetchable(url: str) -> bool:
    """Only http(s) URLs are ever fetched; file:, data: and the rest are refused."""
    scheme, sep, _ = url.partition(":")
    return bool(sep) and scheme.strip().lower() in FETCHABLE_SCHEMES


MAX_LOOKUP_FORMS = 12


def lookup_forms(url: str) -> list[str]:
    """The forms under which an archive may hold a URL a reader gives, most likely first: as
    given, its canonical form (the crawl's), and, since a reader copies a URL from anywhere,
    the same without a scheme given (https), with and without a trailing "/", "www." and
    https. Empty for text that is no URL. At most MAX_LOOKUP_FORMS, no duplicates."""
    given = url.strip()
    if not given:
        return []
    if "://" not in given:
        given = "https://" + given.lstrip("/")
    forms = [given]
    try:
        parts = urlsplit(given)
        if not parts.hostname:
            return []
        canonical = canonicalize(given)
    except ValueError:
        return forms
    forms.append(canonical)
    for base in (canonical, canonicalize(_slash_toggled(given))):
        parts = urlsplit(base)
        host = parts.netloc
        hosts = [host, host[4:]] if host.startswith("www.") else [host, "www." + host]
        for scheme in ("https", "http"):
            for h in hosts:
                for path in (parts.path, _slash_toggled(parts.path)):
                    forms.append(urlunsplit((scheme, h, path or "/", parts.query, "")))
    return list(dict.fromkeys(forms))[:MAX_LOOKUP_FORMS]


def _slash_toggled(path_or_url: str) -> str:
    """The same with its trailing "/" taken away, or added (the root "/" stays)."""
    parts = urlsplit(path_or_url)
    path = parts.path if parts.scheme else path_or_url
    if path in ("", "/"):
        return path_or_url
    toggled = path[:-1] if path.endswith("/") else path + "/"
    return urlunsplit(parts._replace(path=toggled)) if parts.scheme else toggled
