import pytest

from crawler.sites import registry

from crawler.frontier.urls import (
    canonicalize,
    is_fetchable,
    registrable_domain,
    trusted_canonical,
    url_identity,
)

MAGHRESS = registry.site("maghress")
CANONICAL = "https://www.maghress.com/fr/marocdiplomatique/25429"


@pytest.mark.parametrize(
    "url",
    [
        "http://maghress.com/fr/marocdiplomatique/25429",
        "https://maghress.com/fr/marocdiplomatique/25429",
        "http://www.maghress.com/fr/marocdiplomatique/25429",
        "https://WWW.Maghress.com/fr/marocdiplomatique/25429#comments",
        "https://www.maghress.com:443/fr/marocdiplomatique/25429",
        "https://m.maghress.com/fr/marocdiplomatique/25429?utm_source=fb&utm_medium=social&fbclid=abc",
        "https://www.maghress.com/fr/marocdiplomatique/25429?xtor=RSS-1&gclid=x",
    ],
)
def test_site_url_forms_share_one_canonical_form(url):
    assert canonicalize(url) == CANONICAL


def test_other_parameters_are_kept_and_sorted():
    assert canonicalize("https://maghress.com/fr/search?q=maroc&page=2&utm_campaign=x") == (
        "https://www.maghress.com/fr/search?page=2&q=maroc"
    )


def test_other_hosts_keep_their_scheme_and_port():
    assert canonicalize("http://127.0.0.1:8080/fr/a/1#x") == "http://127.0.0.1:8080/fr/a/1"
    assert canonicalize("http://Example.com:80/") == "http://example.com/"


@pytest.mark.parametrize(
    "url",
    [
        "http://maghress.com/fr/a/1?utm_source=x&b=%C3%A9&a=1#f",
        "https://lesechos.ma/casablanca-smart-city/?amp=1",
        "http://127.0.0.1:8080/x y?q=a b",
        "https://www.maghress.com/",
    ],
)
def test_canonicalize_is_idempotent(url):
    once = canonicalize(url)
    assert canonicalize(once) == once


def test_article_pattern_both_editions():
    assert MAGHRESS.is_article("https://www.maghress.com/fr/lesechos/101")
    assert MAGHRESS.is_article("https://www.maghress.com/hespress/606")
    assert MAGHRESS.is_article("http://127.0.0.1:8080/fr/lesechos/101")
    assert not MAGHRESS.is_article("https://www.maghress.com/fr/lesechos")
    assert not MAGHRESS.is_article("https://www.maghress.com/fr")
    assert not MAGHRESS.is_article("https://www.maghress.com/fr/lesechos/101/comments")
    assert MAGHRESS.language("https://www.maghress.com/fr/lesechos/101") == "fr"
    assert MAGHRESS.language("https://www.maghress.com/hespress/606") == "ar"


def test_only_http_and_https_are_fetchable():
    assert is_fetchable("https://www.maghress.com/fr")
    assert is_fetchable("http://127.0.0.1/")
    for url in ("file:///etc/passwd", "data:text/html,<p>x</p>", "ftp://example.com/x", "javascript:void(0)"):
        assert not is_fetchable(url)


ARTICLE = "https://www.maghress.com/fr/lesechos/101"


@pytest.mark.parametrize(
    "url",
    [
        "https://www.maghress.com/amp/fr/lesechos/101",
        "https://m.maghress.com/fr/lesechos/101/amp/",
        "https://maghress.com/fr/lesechos/101/amp",
        "https://www.maghress.com/fr/lesechos/101?amp",
        "https://www.maghress.com/fr/lesechos/101?amp=1",
        "https://www.maghress.com/fr/lesechos/101?outputType=amp",
        "https://www.maghress.com/print/fr/lesechos/101",
        "https://www.maghress.com/fr/lesechos/101?print=1",
        "https://www.maghress.com/fr/lesechos/101?output=print",
        "https://www.maghress.com/fr/lesechos/101/imprimer",
        "http://m.maghress.com/amp/fr/lesechos/101/amp?AMP=1&utm_source=twitter#top",
    ],
)
def test_amp_and_print_variants_of_known_sites_map_to_the_article(url):
    assert canonicalize(url) == ARTICLE


def test_amp_and_print_are_left_alone_elsewhere_and_in_other_words():
    assert canonicalize("https://lesechos.ma/amp/casablanca/?amp=1") == "https://lesechos.ma/amp/casablanca/?amp=1"
    assert canonicalize("https://www.maghress.com/fr/search?q=amp&output=rss") == (
        "https://www.maghress.com/fr/search?output=rss&q=amp"
    )
    assert canonicalize("https://www.maghress.com/fr/camp/12") == "https://www.maghress.com/fr/camp/12"


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/a?_ga=2.1.2&yclid=9&ref_src=twsrc&sessionid=x&MC_CID=1&Igshid=y&DCLID=z&msclkid=w",
        "https://example.com/a?AT_MEDIUM=x&at_campaign=y&Utm_Source=z",
        "https://example.com/a;jsessionid=0123ABC",
        "https://example.com/a;JSESSIONID=0123ABC?PHPSESSID=42&sid=1",
    ],
)
def test_tracking_and_session_parameters_of_any_case_are_stripped(url):
    assert canonicalize(url) == "https://example.com/a"


def test_other_path_parameters_are_kept():
    assert canonicalize("https://example.com/a;v=2;jsessionid=X") == "https://example.com/a;v=2"


def test_ipv6_hosts_keep_their_brackets():
    assert canonicalize("http://[::1]:8080/a?utm_source=x") == "http://[::1]:8080/a"


PAGE = "https://www.maghress.com/fr/lesechos/101"


@pytest.mark.parametrize(
    "href, trusted",
    [
        ("https://maghress.com/fr/lesechos/101?utm_source=x", ARTICLE),  # same site, other host
        ("https://m.maghress.com/amp/fr/lesechos/101", ARTICLE),
        ("/fr/lesechos/102", "https://www.maghress.com/fr/lesechos/102"),  # relative: resolved
        ("102", "https://www.maghress.com/fr/lesechos/102"),
        ("//www.maghress.com/fr/lesechos/103#x", "https://www.maghress.com/fr/lesechos/103"),
        ("  https://www.maghress.com/fr/lesechos/101\n", ARTICLE),
        ("https://www.lesechos.ma/casablanca", None),  # another domain
        ("//lesechos.ma/casablanca", None),
        ("https://www.masress.com/fr/lesechos/101", None),  # a sister site is another domain
        ("https://www.maghress.com/", None),  # the home page
        ("https://www.maghress.com", None),
        ("/", None),
        ("/fr", None),  # an edition's home page
        ("/fr/", None),
        ("/?page=2", None),
        ("javascript:void(0)", None),
        ("mailto:redaction@maghress.com", None),
        ("ftp://www.maghress.com/fr/lesechos/101", None),
        ("http://www.maghress.com:notaport/x", None),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_trusted_canonical(href, trusted):
    assert trusted_canonical(PAGE, href) == trusted


def test_trusted_canonical_on_other_sites():
    assert trusted_canonical("https://www.lesechos.ma/a", "https://lesechos.ma/b?fbclid=1") == "https://lesechos.ma/b"
    assert trusted_canonical("https://news.bbc.co.uk/a/1", "https://www.bbc.co.uk/a/1") == "https://www.bbc.co.uk/a/1"
    assert trusted_canonical("https://a.co.uk/x/1", "https://b.co.uk/x/1") is None  # co.uk is no domain
    assert trusted_canonical("https://x.com.ma/a/1", "https://y.com.ma/a/1") is None
    assert trusted_canonical("http://127.0.0.1:8080/fr/a/1", "/fr/a/2") == "http://127.0.0.1:8080/fr/a/2"
    assert trusted_canonical("http://127.0.0.1:8080/fr/a/1", "http://127.0.0.2:8080/fr/a/2") is None


def test_registrable_domain():
    assert registrable_domain("M.Maghress.com.") == "maghress.com"
    assert registrable_domain("a.b.lemonde.fr") == "lemonde.fr"
    assert registrable_domain("www.lesechos.co.ma") == "lesechos.co.ma"
    assert registrable_domain("www.hespress.press.ma") == "hespress.press.ma"
    assert registrable_domain("127.0.0.1") == "127.0.0.1"
    assert registrable_domain("localhost") == "localhost"


def test_url_identity_keeps_the_original_beside_the_canonical():
    original = "http://m.maghress.com/fr/lesechos/101?utm_source=fb#comments"
    assert url_identity(f"  {original}\n") == (ARTICLE, original)
    assert url_identity(original, "/fr/lesechos/101") == (ARTICLE, original)
    assert url_identity(original, "https://evil.example/x") == (ARTICLE, original)  # untrusted: ignored
    assert url_identity(original, "/") == (ARTICLE, original)
    assert url_identity(original, "/fr/lesechos/99") == ("https://www.maghress.com/fr/lesechos/99", original)


@pytest.mark.parametrize(
    "head, href",
    [
        ('<link rel="canonical" href="https://www.maghress.com/fr/lesechos/101">', ARTICLE),
        ('<link rel="Alternate CANONICAL" href=" /fr/lesechos/101 ">', "/fr/lesechos/101"),
        ('<link rel="alternate" href="/fr/x"><link rel="canonical" href=""><link rel=canonical href="/fr/y">', "/fr/y"),
        ('<link rel="alternate" hreflang="ar" href="/x/1">', None),
        ("", None),
    ],
)
def test_page_canonical_link(head, href):
    from crawler.sites.maghress.page import parse_page

    html = f"<html><head>{head}</head><body><p>Texte</p></body></html>"
    page = parse_page("https://www.maghress.com/fr/lesechos/101", html, is_html=True)
    assert page.canonical_link == href
    assert "canonical_link" not in page.to_json()
    assert parse_page("https://www.maghress.com/fr/lesechos/101", "Texte", is_html=False).canonical_link is None
