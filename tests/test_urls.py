import pytest

from crawler.urls import canonicalize, edition, is_article_url, is_fetchable

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
    assert is_article_url("https://www.maghress.com/fr/lesechos/101")
    assert is_article_url("https://www.maghress.com/hespress/606")
    assert is_article_url("http://127.0.0.1:8080/fr/lesechos/101")
    assert not is_article_url("https://www.maghress.com/fr/lesechos")
    assert not is_article_url("https://www.maghress.com/fr")
    assert not is_article_url("https://www.maghress.com/fr/lesechos/101/comments")
    assert edition("https://www.maghress.com/fr/lesechos/101") == "fr"
    assert edition("https://www.maghress.com/hespress/606") == "ar"


def test_only_http_and_https_are_fetchable():
    assert is_fetchable("https://www.maghress.com/fr")
    assert is_fetchable("http://127.0.0.1/")
    for url in ("file:///etc/passwd", "data:text/html,<p>x</p>", "ftp://example.com/x", "javascript:void(0)"):
        assert not is_fetchable(url)
