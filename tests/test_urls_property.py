"""Property tests (hypothesis) of URL identity: canonicalize and trusted_canonical.

The strategy draws realistic URLs: scheme and host case, www./m. hosts of the network's sites
and other hosts (x.com, x.co.uk, x.com.ma, an IP), ports, paths with unicode, percent-escapes and
dot segments, ;jsessionid path parameters, query parameters (tracking ones in mixed case),
fragments, and the AMP and print variants of an article.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

from hypothesis import example, given, settings
from hypothesis import strategies as st

from crawler.frontier.urls import canonicalize, trusted_canonical, url_identity
from crawler.sites import registry

# The network's sites: canonicalised to https and the www. host, their AMP and print variants
# folded (sites whose spec says url_variants; AP News and Phys.org keep their own hosts).
KNOWN_SITES = frozenset(domain for site in registry.sites() if site.url_variants and site.canonical_prefix == "www."
                        for domain in site.domains)

SETTINGS = settings(max_examples=300, deadline=None)  # the two main properties
QUICK = settings(max_examples=200, deadline=None)  # the others: the file stays under ~10 s

# The strip list, written out here independently of crawler.urls.
TRACKING_NAMES = (
    "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "utm_id",
    "at_medium", "at_campaign", "fbclid", "gclid", "dclid", "msclkid", "xtor", "jsessionid",
    "phpsessid", "sid", "sessionid", "igshid", "mc_cid", "mc_eid", "_ga", "yclid", "ref_src",
)
TRACKING_PREFIXES = ("utm_", "at_")
SESSION_PATH = re.compile(r";(jsessionid|phpsessid|sid|sessionid)=", re.IGNORECASE)
CASES = (str.lower, str.upper, str.title, str.swapcase)

# --- Strategies ---------------------------------------------------------------------------------
cased = st.sampled_from(CASES)
HOST_KINDS = st.sampled_from(("known", "other", "other", "ip"))
SITES = st.sampled_from(sorted(KNOWN_SITES))
SITE_PREFIXES = st.sampled_from(("", "www.", "m."))
# A name ending in "24" is never one of the fixed labels (www, m, news, co, com, press...), so that
# each drawn host has exactly the registrable domain drawn with it.
NAMES = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=10).map(lambda n: n + "24")
SUFFIXES = st.sampled_from(("com", "ma", "fr", "co.uk", "com.ma", "press.ma"))
SUBDOMAINS = st.sampled_from(("", "www.", "m.", "news.", "a.b."))
IPS = st.sampled_from(("127.0.0.1", "10.0.0.7"))


@st.composite
def hosts(draw) -> tuple[str, str]:
    """(host, its registrable domain): a known site's host, another site's host, or an IP."""
    kind = draw(HOST_KINDS)
    if kind == "known":
        site = draw(SITES)
        host, domain = draw(SITE_PREFIXES) + site, site
    elif kind == "other":
        domain = f"{draw(NAMES)}.{draw(SUFFIXES)}"
        host = draw(SUBDOMAINS) + domain
    else:
        host = domain = draw(IPS)
    return draw(cased)(host), domain


segment_text = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/?#;%\\"),
    min_size=1,
    max_size=8,
)
percent_escapes = st.binary(min_size=1, max_size=3).map(lambda b: "".join(f"%{x:02X}" for x in b))
segments = st.one_of(
    st.sampled_from(
        ("fr", "lesechos", "hespress", "marocdiplomatique", "101", "25429", "amp", "print", "imprimer",
         "AMP", ".", "..", "a b", "x+y", "l'été", "الرياضة", "%41", "%2F", "%2f", "%3B", "%23", "%25",
         "%e9", "%C3%A9", "100%", "a=b", "~x", "index.html", "x;JSESSIONID=A1B2", "..;jsessionid=A1B2")
    ),
    segment_text,
    percent_escapes,
)


SEGMENT_LISTS = st.lists(segments, max_size=5)
PATH_VARIANTS = st.sampled_from(("", "", "", "/amp", "/amp/", "/print", "/imprimer"))
PATH_PREFIXES = st.sampled_from(("", "", "", "/amp", "/print"))
SESSION_NAMES = st.sampled_from(("jsessionid", "phpsessid"))
ONE_IN_SIX = st.integers(0, 5)


@st.composite
def paths(draw) -> str:
    path = "/" + "/".join(draw(SEGMENT_LISTS)) + draw(PATH_VARIANTS)
    if draw(st.booleans()):
        path += "/"
    if draw(ONE_IN_SIX) == 0:  # a session path parameter on the last segment
        path += ";" + draw(cased)(draw(SESSION_NAMES)) + "=A1B2C3"
    return draw(PATH_PREFIXES) + path


ordinary_names = st.one_of(
    st.sampled_from(("q", "page", "id", "lang", "s", "category", "p", "ref")),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=6).map(lambda t: "k_" + t),
)
values = st.text(st.characters(blacklist_categories=("Cs",)), max_size=8)
tracking_names = st.tuples(st.sampled_from(TRACKING_NAMES), cased).map(lambda p: p[1](p[0]))
variant_params = st.sampled_from(
    ("amp", "amp=1", "AMP=1", "outputType=amp", "outputtype=AMP", "print=1", "output=print")
)


def encode(text: str) -> str:
    return quote(text, safe="")


PARAM_KINDS = st.sampled_from(("ordinary", "ordinary", "tracking", "variant"))
PARAM_COUNTS = st.integers(0, 5)
SCHEMES = st.sampled_from(("http", "https"))
PORTS = st.sampled_from((None, None, 80, 443, 8080, 65535))
FRAGMENTS = st.sampled_from(("", "", "comments", "top", "x?y=1", "é"))


@st.composite
def queries(draw) -> tuple[str, list[tuple[str, str]]]:
    """(query string, the ordinary (name, value) pairs in it, decoded)."""
    items, kept = [], []
    for _ in range(draw(PARAM_COUNTS)):
        kind = draw(PARAM_KINDS)
        if kind == "variant":
            items.append(draw(variant_params))
            continue
        name = draw(ordinary_names if kind == "ordinary" else tracking_names)
        value = draw(values)
        items.append(f"{encode(name)}={encode(value)}")
        if kind == "ordinary":
            kept.append((name, value))
    return "&".join(items), kept


@st.composite
def urls(draw) -> dict:
    """A URL and what it was made of."""
    scheme = draw(cased)(draw(SCHEMES))
    host, domain = draw(hosts())
    port = draw(PORTS)
    netloc = host if port is None else f"{host}:{port}"
    query, kept = draw(queries())
    url = urlunsplit((scheme, netloc, draw(paths()), query, draw(FRAGMENTS)))
    return {"url": url, "domain": domain, "kept": kept, "known": domain in KNOWN_SITES}


# --- canonicalize ---------------------------------------------------------------------------------
def _given(url: str) -> dict:
    """An @example for a test that only reads u["url"]."""
    return {"url": url}


@SETTINGS
@given(urls())
@example(_given("http://example.com/a/..;jsessionid=A1/b"))  # a rewrite that leaves a dot segment
@example(_given("https://m.maghress.com/amp/%61mp/fr/lesechos/101/amp/amp?amp=1#x"))
@example(_given("https://maghress.com/print/amp/imprimer/amp/print/x/imprimer"))
@example(_given("http://[::1]:8080/a/../b?utm_source=x"))
def test_canonicalize_is_idempotent(u):
    once = canonicalize(u["url"])
    assert canonicalize(once) == once


@QUICK
@given(urls())
def test_tracking_and_session_parameters_never_survive(u):
    canonical = canonicalize(u["url"])
    parts = urlsplit(canonical)
    for name, _ in parse_qsl(parts.query, keep_blank_values=True):
        assert name.lower() not in TRACKING_NAMES and not name.lower().startswith(TRACKING_PREFIXES)
    assert not SESSION_PATH.search(parts.path)


@QUICK
@given(urls())
def test_other_parameters_survive_in_any_order(u):
    query = urlsplit(canonicalize(u["url"])).query
    pairs = parse_qsl(query, keep_blank_values=True)
    if u["known"]:  # the AMP and print switches go, only on the network's sites
        assert not {name.lower() for name, _ in pairs} & {"amp", "print", "outputtype", "output"}
    else:
        pairs = [(n, v) for n, v in pairs if n.lower() not in ("amp", "print", "outputtype", "output")]
    assert sorted(pairs) == sorted(u["kept"])


@QUICK
@given(urls())
def test_the_fragment_never_survives(u):
    canonical = canonicalize(u["url"])
    assert "#" not in canonical
    assert urlsplit(canonical).fragment == ""


@QUICK
@given(urls())
def test_known_sites_are_https_www(u):
    canonical = canonicalize(u["url"])
    if u["known"]:
        assert canonical.startswith(f"https://www.{u['domain']}/")
        path = urlsplit(canonical).path
        assert not path.startswith(("/amp/", "/print/")) and not path.endswith(("/amp", "/amp/", "/imprimer"))
    else:
        assert urlsplit(canonical).hostname.endswith(u["domain"])


# --- trusted_canonical ------------------------------------------------------------------------------
HREF_KINDS = st.sampled_from(("absolute", "absolute", "relative", "protocol", "home", "scheme"))
OTHER_SCHEMES = st.sampled_from(("javascript:void(0)", "mailto:a@b.ma", "data:text/html,x", "ftp://x.com/a"))
RELATIVE_HREFS = st.sampled_from(("/fr/lesechos/101", "x/25429", "../a/b", "?page=2", "#top", "/", "/fr"))
HOME_PATHS = st.sampled_from(("", "/", "/fr", "/fr/", "/en", "/?utm_source=x", "/#top"))
HREF_SCHEMES = st.sampled_from(("http:", "https:", "HTTPS:"))


@st.composite
def canonical_hrefs(draw, page: dict) -> tuple[str, str | None]:
    """(href, the registrable domain it points to, None for no http(s) URL)."""
    kind = draw(HREF_KINDS)
    if kind == "scheme":
        return draw(OTHER_SCHEMES), None
    if kind == "relative":
        return draw(RELATIVE_HREFS), page["domain"]
    host, domain = draw(hosts())
    path = draw(HOME_PATHS) if kind == "home" else draw(paths())
    scheme = "" if kind == "protocol" else draw(HREF_SCHEMES)
    return f"{scheme}//{host}{path}", domain


@SETTINGS
@given(st.data())
def test_trusted_canonical_stays_on_the_domain_and_off_the_home_page(data):
    page = data.draw(urls())
    href, domain = data.draw(canonical_hrefs(page))
    trusted = trusted_canonical(page["url"], href)
    if trusted is None:
        return
    assert domain == page["domain"], (href, trusted)
    parts = urlsplit(trusted)
    assert parts.scheme in ("http", "https")
    assert parts.path not in ("", "/") and not re.fullmatch(r"/[a-z]{2}/?", parts.path)
    assert canonicalize(trusted) == trusted
    assert url_identity(page["url"], href) == (trusted, page["url"].strip())


@QUICK
@given(hosts(), paths(), st.sampled_from(("/fr/lesechos/101", "/hespress/606", "/a/b/c")))
def test_a_same_domain_article_link_is_trusted(host, page_path, path):
    page_url, target = f"https://{host[0]}{page_path}", f"https://{host[0]}{path}"
    assert trusted_canonical(page_url, target + "?utm_source=x") == canonicalize(target)
    assert trusted_canonical(page_url, path) is not None
