"""The interface's languages in a real browser (headless Chromium through Playwright, as
tests/test_browser.py: a missing Chromium fails, never skips): the browser's language chooses the
interface, lang and dir on the page and on each text block, dates in the reader's language and
never wrapped, the navigation bar and its language switch on Datasette's own pages, the versions
table's labels on a phone. Screenshots go to bench/out/screenshots/ (git-ignored)."""

import shutil
from urllib.parse import quote

import pytest
from datasette.utils import tilde_encode

from tests.conftest import SEED_URL, served
from tests.test_browser import CHROMIUM, MISSING, SCREENSHOTS

AR_URL = "https://www.maghress.com/hespress/606"


@pytest.fixture(scope="module")
def server(bundled):
    with served(bundled[0]) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    if MISSING:
        pytest.fail(f"the browser tests need Chromium and Playwright: {MISSING}", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    folder = tmp_path_factory.mktemp("screenshots-i18n")
    yield folder
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for png in folder.glob("*.png"):
        shutil.copy(png, SCREENSHOTS / png.name)


def new_page(browser, locale, width=1280, height=900):
    context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def html_lang_dir(page):
    return page.evaluate("() => [document.documentElement.lang, document.documentElement.dir]")


def article(url):
    return "/-/article?url=" + quote(url, safe="")


def test_a_french_browser_gets_the_french_interface(browser, server, shots):
    page = new_page(browser, "fr-FR")
    page.goto(server + "/")
    assert html_lang_dir(page) == ["fr", "ltr"]
    assert page.locator("#na-holds").inner_text().startswith("Cette archive contient 8 articles (7 en français, 1 en arabe)")
    # The Arabic headline among the latest articles reads right to left, on its own side.
    arabic = page.locator("ul.na-latest li[lang=ar]")
    assert arabic.get_attribute("dir") == "rtl"
    assert arabic.evaluate("el => getComputedStyle(el).direction") == "rtl"
    box, link = arabic.bounding_box(), arabic.locator("a").bounding_box()
    assert box["x"] + box["width"] - (link["x"] + link["width"]) < 2  # the title starts on the right
    page.screenshot(path=shots / "i18n-home-fr.png", full_page=True)

    page.goto(server + article(SEED_URL))
    time = page.locator("article .na-byline time")
    assert time.inner_text() == "12 juillet 2017"
    assert time.get_attribute("datetime") == "2017-07-12"
    assert time.evaluate("el => getComputedStyle(el).whiteSpace") == "nowrap"
    assert page.get_by_role("link", name="La page sur Maghress").get_attribute("href") == SEED_URL
    page.context.close()


def test_an_arabic_browser_gets_the_arabic_interface(browser, server, shots):
    page = new_page(browser, "ar")
    page.goto(server + article(AR_URL))
    assert html_lang_dir(page) == ["ar", "rtl"]
    assert page.evaluate("() => getComputedStyle(document.body).direction") == "rtl"
    assert page.locator("article .na-byline time").inner_text() == "3 سبتمبر 2025"
    original = page.get_by_role("link", name="اقرأه على موقع هسبريس")
    assert original.get_attribute("href") == "https://www.hespress.com/politique/1590321.html"
    page.screenshot(path=shots / "i18n-article-ar.png", full_page=True)

    # A French article in the Arabic interface: the article left to right, its date in Arabic.
    page.goto(server + article(SEED_URL))
    body = page.locator("article.na-article")
    assert (body.get_attribute("lang"), body.evaluate("el => getComputedStyle(el).direction")) == ("fr", "ltr")
    assert page.locator("article .na-byline time").inner_text() == "12 يوليو 2017"
    page.context.close()


def test_the_navigation_bar_and_the_switch_on_datasettes_pages(browser, server, shots):
    page = new_page(browser, "fr-FR")
    paths = {"database": "/archive", "table": "/archive/articles",
             "row": "/archive/articles/" + tilde_encode(SEED_URL), "query": "/archive/latest_headlines"}
    for kind, path in paths.items():
        page.goto(server + path)
        nav = page.locator("nav.na-nav")
        assert nav.count() == 1, kind
        assert nav.is_visible(), kind
        assert nav.get_by_role("link", name="Tables et requêtes").is_visible(), kind
        assert html_lang_dir(page) == ["en", "ltr"], kind  # Datasette's own interface is English
        page.screenshot(path=shots / f"i18n-nav-{kind}.png")

    # The switch, from the table page: back on the same page, the bar in Arabic, and so the home page.
    page.goto(server + paths["table"] + "?_sort=url")
    page.locator("nav.na-nav").get_by_role("link", name="العربية").click()
    page.wait_for_url(server + paths["table"] + "?_sort=url")
    nav = page.locator("nav.na-nav")
    assert (nav.get_attribute("lang"), nav.get_attribute("dir")) == ("ar", "rtl")
    assert nav.get_by_role("link", name="الجداول والاستعلامات").is_visible()
    page.goto(server + "/")
    assert html_lang_dir(page) == ["ar", "rtl"]
    page.screenshot(path=shots / "i18n-home-ar-by-switch.png", full_page=True)
    page.locator("nav.na-nav").get_by_role("link", name="English").click()
    page.wait_for_url(server + "/")
    assert html_lang_dir(page) == ["en", "ltr"]
    page.context.close()


def test_the_versions_table_keeps_its_labels_on_a_phone(browser, server, shots):
    page = new_page(browser, "fr-FR", width=390, height=844)
    page.goto(server + article(SEED_URL))
    table = page.locator("table.na-versions")
    assert table.locator("thead tr").evaluate("el => el.getBoundingClientRect().right") < 0  # Datasette hides the header row
    cells = table.locator("tbody tr").first.locator("td")
    labels = cells.evaluate_all("tds => tds.map(td => getComputedStyle(td, '::before').content)")
    assert labels == ['"version"', '"première apparition"', '"dernière apparition"', '"titre"', '"analyseur"']
    first_seen = cells.nth(1)
    assert first_seen.bounding_box()["height"] > 0
    # The time is whole on one line: a single line box, inside the phone's width.
    time = first_seen.locator("time")
    assert time.evaluate("el => el.getClientRects().length") == 1
    assert time.bounding_box()["x"] + time.bounding_box()["width"] <= 390
    page.screenshot(path=shots / "i18n-versions-390.png", full_page=True)
    page.context.close()


def test_every_form_of_an_articles_url_reaches_it_in_the_browser(browser, server):
    """A reader pastes the address as they have it: the browser lands on the archived article."""
    page = new_page(browser, "en-GB")
    title = "Casablanca Smart City: La métropole sur le bon chemin pour devenir une ville intelligente"
    for given in ("http://www.maghress.com/fr/marocdiplomatique/25429", "https://maghress.com/fr/marocdiplomatique/25429/",
                  "https://www.maghress.com/fr/marocdiplomatique/25429?utm_source=facebook"):
        page.goto(server + "/-/article?url=" + quote(given, safe=""))
        assert page.url == server + "/-/article?url=" + quote("https://www.maghress.com/fr/marocdiplomatique/25429", safe="")
        assert page.locator("article h1").inner_text() == title
    page.goto(server + "/-/article?url=" + quote("https://www.maghress.com/fr/lesechos/la-smart-city-9", safe=""))
    assert page.locator("h1").inner_text() == "No archived article"
    assert page.locator("nav.na-nav").count() == 1
    page.get_by_role("link", name="Search for “smart city”").click()
    page.wait_for_url("**/-/search?q=*")
    page.context.close()


def test_an_arabic_search_with_a_prefixed_word_in_the_browser(browser, server):
    page = new_page(browser, "ar")
    page.goto(server + "/")
    box = page.get_by_role("searchbox")
    box.fill("نقل")
    box.press("Enter")
    page.wait_for_url("**/-/search?q=*")
    first = page.locator("li.na-article").first
    assert first.get_attribute("dir") == "rtl" and first.get_attribute("lang") == "ar"
    assert first.locator(".na-title mark").first.inner_text() == "النقل"
    page.context.close()
