"""Every saved page of the bundled mirror parses to the expected JSON beside it."""

import json

import pytest

from crawler.cli import parse_file
from crawler.warc.replay import EXPECTED_SUFFIX, Mirror
from tests.conftest import MIRROR

PAGES = Mirror(MIRROR).saved_pages()


def test_mirror_has_the_pages_the_crawl_needs():
    names = {p.relative_to(MIRROR).as_posix() for p in PAGES}
    assert "www.maghress.com/fr/marocdiplomatique/25429.txt" in names
    assert "www.maghress.com/fr.html" in names
    assert "www.maghress.com/hespress/606.html" in names
    assert len(PAGES) == 16


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(MIRROR).as_posix())
def test_saved_page_matches_expected(page):
    expected = json.loads(page.with_name(page.stem + EXPECTED_SUFFIX).read_text(encoding="utf-8"))
    assert parse_file(page, Mirror(MIRROR).url_of(page)) == expected


def test_arabic_page():
    page = MIRROR / "www.maghress.com" / "hespress" / "606.html"
    data = parse_file(page, "https://www.maghress.com/hespress/606")
    assert data["article"]["language"] == "ar"
    assert data["article"]["publisher"] == "هسبريس"
    assert data["article"]["published"] == "2025-09-03"
    assert data["article"]["original_url"].startswith("https://")
    assert len(data["headlines"]) == 6


def test_front_page_has_no_article_and_canonical_ticker_urls():
    data = parse_file(MIRROR / "www.maghress.com" / "fr.html", "https://www.maghress.com/fr")
    assert data["article"] is None
    urls = [h["url"] for h in data["headlines"]]
    assert "https://www.maghress.com/fr/marocdiplomatique/25429" in urls
    assert all(u.startswith("https://www.maghress.com/") and "utm_" not in u and "#" not in u for u in urls)
