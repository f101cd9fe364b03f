"""End to end in a real browser: `newsarchive serve` on the bundled archive, driven by headless
Chromium (Debian's chromium package, through Playwright for Python: no browser download).

A missing /usr/bin/chromium (or Playwright) fails these tests, with the reason: CI's .ci/run
installs Chromium, and a browser test that skips can hide a regression. Screenshots of the home
page, the searches and the articles are saved in the test's tmp folder and copied to
bench/out/screenshots/ (git-ignored).
"""

import os
import re
import shutil

import pytest

from tests.conftest import ROOT, SEED_URL, count, served

CHROMIUM = os.environ.get("NEWSARCHIVE_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = ROOT / "bench" / "out" / "screenshots"
AR_TITLE = "الحكومة تصادق على مشروع قانون جديد لتنظيم قطاع النقل الطرقي"
# The gaps between a paragraph's box and its last line, on the left and on the right (pixels).
LAST_LINE_GAPS = """p => {
    const range = document.createRange();
    range.selectNodeContents(p);
    const rects = [...range.getClientRects()];
    const last = rects[rects.length - 1], box = p.getBoundingClientRect();
    return [last.left - box.left, box.right - last.right];
}"""


def _missing() -> str | None:
    if not os.path.exists(CHROMIUM):
        return f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium; .ci/run installs it)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[test]')"
    return None


MISSING = _missing()


@pytest.fixture(scope="module")
def server(bundled):
    """`newsarchive serve` on the bundled archive, on a free port of 127.0.0.1."""
    with served(bundled[0]) as base:
        yield base


@pytest.fixture(scope="module")
def page(server):
    if MISSING:
        pytest.fail(f"the browser tests need Chromium and Playwright: {MISSING}", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-US")
        page = context.new_page()
        page.set_default_timeout(10_000)
        yield page
        browser.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    folder = tmp_path_factory.mktemp("screenshots")
    yield folder
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for png in folder.glob("*.png"):
        shutil.copy(png, SCREENSHOTS / png.name)


def search_for(page, words):
    box = page.get_by_role("searchbox", name="Search the archive")
    box.fill(words)
    box.press("Enter")
    page.wait_for_url("**/-/search?q=*")


def test_home_page(page, server, shots, bundled):
    page.goto(server + "/")
    assert page.locator("h1").inner_text() == "newsarchive"
    holds = page.locator("#na-holds").inner_text()
    articles, french, arabic, headlines = (count(bundled[0], sql) for sql in (
        "articles", "articles WHERE language = 'fr'", "articles WHERE language = 'ar'", "headlines"))
    assert f"This archive holds {articles} articles ({french} in French, {arabic} in Arabic)" in holds
    assert f"{headlines} ticker headlines" in holds
    assert page.get_by_role("link", name="Latest headlines on the ticker").is_visible()
    assert page.locator("svg.na-chart").first.is_visible()
    page.screenshot(path=shots / "home.png", full_page=True)

    page.get_by_role("link", name="Charts", exact=True).first.click()
    page.wait_for_url("**/-/charts")
    assert page.locator("svg.na-chart").count() == 3
    page.screenshot(path=shots / "charts.png", full_page=True)


def test_french_search_and_article(page, server, shots):
    page.goto(server + "/")
    search_for(page, "metropole")
    assert re.match(r"\d+ results? for “metropole”", page.locator("#na-count").inner_text())
    assert page.locator("li.na-result").first.locator(".na-title mark").first.inner_text() == "métropole"
    first = page.locator("li.na-article").filter(has_text="Maroc Diplomatique · 12 July 2017")
    assert first.locator(".na-title mark").first.inner_text() == "métropole"
    page.screenshot(path=shots / "search-fr.png", full_page=True)

    first.locator("a.na-title").click()
    page.wait_for_url("**/-/article?url=*")
    article = page.locator("article.na-article")
    assert article.get_attribute("lang") == "fr"
    assert article.locator("h1").inner_text().startswith("Casablanca Smart City: La métropole")
    assert article.locator("p:not(.na-meta)").count() == 14
    assert article.locator("p:not(.na-meta)").first.inner_text().startswith("Faire de Casablanca une Smart City")
    left, right = article.locator("p:not(.na-meta)").first.evaluate(LAST_LINE_GAPS)
    assert left < 2 and right > 50, (left, right)
    assert page.get_by_role("link", name="The page on Maghress").get_attribute("href") == SEED_URL
    page.screenshot(path=shots / "article-fr.png", full_page=True)


def test_arabic_search_and_article(page, server, shots):
    page.goto(server + "/-/search")
    search_for(page, "الاطار")  # finds الإطار: alef with hamza folded
    result = page.locator("li.na-result").first
    assert result.get_attribute("dir") == "rtl"
    assert result.locator(".na-title").inner_text() == AR_TITLE
    assert result.locator(".na-snippet mark").inner_text() == "الإطار"
    page.screenshot(path=shots / "search-ar.png", full_page=True)

    result.locator("a.na-title").click()
    page.wait_for_url("**/-/article?url=*")
    article = page.locator("article.na-article")
    assert (article.get_attribute("lang"), article.get_attribute("dir")) == ("ar", "rtl")
    assert article.evaluate("el => getComputedStyle(el).direction") == "rtl"
    assert article.locator("h1").inner_text() == AR_TITLE
    paragraphs = article.locator("p:not(.na-meta)")
    assert paragraphs.count() == 3
    assert paragraphs.first.inner_text().startswith("صادق مجلس الحكومة")
    assert "هسبريس" in article.locator(".na-byline").inner_text()
    # Right to left: a paragraph's short last line ends on the right, and the date reads left to right.
    left, right = paragraphs.first.evaluate(LAST_LINE_GAPS)
    assert right < 2 and left > 50, (left, right)
    assert article.locator("time").inner_text() == "3 September 2025"
    assert article.locator("time").evaluate("el => getComputedStyle(el).direction") == "ltr"
    original = page.get_by_role("link", name="Read it on the site of هسبريس")
    assert original.get_attribute("href") == "https://www.hespress.com/politique/1590321.html"
    page.screenshot(path=shots / "article-ar.png", full_page=True)


def test_arabic_search_with_ta_marbuta_variant(page, server, shots):
    page.goto(server + "/-/search?q=" + "الحكومه")
    titles = page.locator("li.na-result .na-title mark")
    assert titles.count() >= 2 and set(titles.all_inner_texts()) == {"الحكومة"}
    page.screenshot(path=shots / "search-ar-variant.png", full_page=True)


def test_a_path_naming_another_host_stays_on_the_archive(page, server, shots):
    """/\\example.com/ : the browser reads the backslash as a slash (//example.com/). Datasette's
    trailing-slash redirect would send it to //example.com, another site; it stays here, on a
    404 page."""
    for path in ("/\\example.com/", "//example.com/", "/%5Cexample.com/"):
        response = page.goto(server + path)
        assert response.status == 404, path
        assert page.url.startswith(server + "/"), page.url
        assert page.locator("h1").inner_text() == "Not found"
    page.screenshot(path=shots / "open-redirect-refused.png", full_page=True)


def test_a_search_page_past_the_end(page, server):
    page.goto(server + "/-/search?q=metropole&page=99999999999999999999")
    assert page.locator("#na-past-end").inner_text().startswith(
        "No more results: page 99999999999999999999 is past the last page (1).")
    page.get_by_role("link", name="The last page").click()
    page.wait_for_url("**/-/search?q=metropole")
    assert page.locator("li.na-result").count() > 0
