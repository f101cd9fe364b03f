"""The interface in English, French and Arabic (crawler/publish/i18n.py): the language a request
gets (Accept-Language, the switch's cookie), lang and dir on <html> and on text blocks, dates in
the reader's language, the catalogue, the navigation bar on Datasette's own pages. A real
Datasette on the bundled archive, the plugin loaded from its entry point."""

import asyncio
import re
from pathlib import Path
from urllib.parse import quote

import pytest

from datasette.utils import tilde_encode

from crawler.publish import i18n
from tests.conftest import SEED_URL, datasette

AR_URL = "https://www.maghress.com/hespress/606"
ECHOS_URL = "https://www.maghress.com/fr/lesechos/101"
TEMPLATES = Path(i18n.__file__).parent / "templates"


def get(db, *paths, lang=None, cookie=None):
    """GET each path from a fresh datasette() on db, with an Accept-Language and a cookie."""
    headers = {}
    if lang:
        headers["Accept-Language"] = lang
    if cookie:
        headers["Cookie"] = f"{i18n.COOKIE}={cookie}"

    async def run():
        ds = datasette(db)
        try:
            return [await ds.client.get(path, headers=headers) for path in paths]
        finally:
            for database in ds.databases.values():
                database.close()

    responses = asyncio.run(run())
    return responses[0] if len(paths) == 1 else responses


def article(url):
    return "/-/article?url=" + quote(url, safe="")


def html_tag(html):
    return re.search(r"<html[^>]*>", html).group(0)


# --- the language of a request -----------------------------------------------------------------
@pytest.mark.parametrize("header, lang", [
    ("fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7", "fr"),
    ("ar-MA,ar;q=0.9,fr;q=0.8", "ar"),
    ("de-DE,de;q=0.9,ar;q=0.5,fr;q=0.4", "ar"),
    ("en;q=0.5,fr;q=0.8", "fr"),
    ("fr;q=0,en", "en"),
    ("en-GB", "en"),
    ("de-DE,de", None),
    ("", None),
    (None, None),
    ("*", None),
])
def test_accept_language(header, lang):
    assert i18n.negotiate(header) == lang


def test_the_cookie_wins_and_english_is_the_default():
    assert i18n.choose(f"{i18n.COOKIE}=ar", "fr-FR,fr") == ("ar", True)
    assert i18n.choose(f"other=1; {i18n.COOKIE}=fr", None) == ("fr", True)
    assert i18n.choose(f"{i18n.COOKIE}=xx", "fr") == ("fr", False)
    assert i18n.choose("a broken \x00 cookie;;", "ar") == ("ar", False)
    assert i18n.choose(None, "de") == ("en", False)


@pytest.mark.parametrize("value, expected", [
    ("/archive/articles?_sort=url", "/archive/articles?_sort=url"),
    ("/", "/"),
    ("//evil.example/", "/"),
    ("/\\evil.example/", "/"),
    ("https://evil.example/", "/"),
    ("/\t/evil.example/", "/"),
    ("/a\r\nSet-Cookie: x=1", "/"),
    ("", "/"),
    (None, "/"),
])
def test_the_way_back_stays_on_the_site(value, expected):
    assert i18n.safe_next(value) == expected


# --- dates, numbers, plurals -----------------------------------------------------------------------
@pytest.mark.parametrize("lang, shown", [("en", "12 July 2017"), ("fr", "12 juillet 2017"), ("ar", "12 يوليو 2017")])
def test_dates_in_the_readers_language(lang, shown):
    assert i18n.format_moment("2017-07-12", lang) == shown
    assert str(i18n.time_tag("2017-07-12", lang)) == (
        f'<time datetime="2017-07-12" lang="{lang}" dir="{i18n.direction(lang)}">{shown}</time>')


def test_timestamps_with_their_utc_time():
    assert i18n.format_moment("2026-12-02T16:05:09Z", "en") == "2 December 2026, 16:05 UTC"
    assert i18n.format_moment("2026-12-02T16:05:09Z", "fr") == "2 décembre 2026 à 16:05 UTC"
    assert i18n.format_moment("2026-12-02T16:05:09Z", "ar") == "2 ديسمبر 2026، 16:05 UTC"
    assert i18n.format_moment("2026-12-02T18:05:09+02:00", "en") == "2 December 2026, 16:05 UTC"
    # Anything else is shown as it is, and is no <time datetime>.
    assert i18n.format_moment("sometime", "fr") == "sometime"
    assert str(i18n.time_tag("sometime", "fr")) == '<time dir="auto">sometime</time>'
    assert str(i18n.time_tag(None, "fr")) == ""


def test_plurals_and_numbers():
    n = i18n.ngettext
    assert n("{n} article", "{n} articles", 1, "en") == "1 article"
    assert n("{n} article", "{n} articles", 1234, "en") == "1,234 articles"
    assert n("{n} article", "{n} articles", 0, "fr") == "0 article"
    assert n("{n} article", "{n} articles", 1234, "fr") == "1\u202f234 articles"
    assert [n("{n} article", "{n} articles", k, "ar") for k in (1, 2, 3, 11, 100)] == [
        "مقال واحد", "مقالان", "3 مقالات", "11 مقالًا", "100 مقال"]


def test_text_blocks_get_their_own_lang_and_dir():
    na = i18n.Interface()
    assert na.attrs("ar") == ' lang="ar" dir="rtl"' and na.attrs("fr") == ' lang="fr" dir="ltr"'
    assert na.attrs(None, "الحكومة تصادق") == ' lang="ar" dir="rtl"'  # a headline of unknown language
    assert na.attrs(None, "La métropole") == ' dir="auto"' and na.attrs() == ' dir="auto"'


def test_translation_escapes_what_it_is_given():
    assert i18n.gettext("Read it on the site of {publisher}", "fr", publisher="<b>Les Echos</b>") == (
        "Lire sur le site de &lt;b&gt;Les Echos&lt;/b&gt;")
    # A string the catalogue does not hold is shown as text, in English.
    assert i18n.gettext("<script>x</script> {n}", "fr") == "&lt;script&gt;x&lt;/script&gt; {n}"
    assert i18n.text("button|Search", "en") == "Search" and i18n.text("button|Search", "fr") == "Rechercher"


def test_every_interface_string_of_the_templates_is_in_the_catalogue():
    """The strings the plugin's own templates translate: each has its French and Arabic (a
    missing one would show in English)."""
    literal = re.compile(r"""\b_n?\(\s*(["'])(.+?)\1""")
    plural = re.compile(r"""\b_n\(\s*"(.+?)",\s*"(.+?)\"""")
    found, plurals = set(), set()
    for name in ("_newsarchive_nav.html", "index.html", "newsarchive_article.html", "newsarchive_health.html",
                 "error.html"):
        source = (TEMPLATES / name).read_text(encoding="utf-8")
        found |= {m.group(2) for m in literal.finditer(source) if not m.group(0).startswith("_n")}
        plurals |= set(plural.findall(source))
    assert len(found) > 60 and len(plurals) >= 6
    assert sorted(found - set(i18n.MESSAGES)) == []
    assert sorted(p for p in plurals if p not in i18n.PLURALS) == []
    for key, (fr, ar) in i18n.MESSAGES.items():
        assert fr and ar, key
        # The same parameters in every language.
        assert set(re.findall(r"{(\w+)}", fr)) == set(re.findall(r"{(\w+)}", key)) == set(re.findall(r"{(\w+)}", ar)), key
    for (one, other), by_lang in i18n.PLURALS.items():
        for lang, forms in by_lang.items():
            assert "other" in forms, (one, lang)


# --- the pages --------------------------------------------------------------------------------------
def test_html_lang_and_dir_follow_accept_language(bundled):
    db = bundled[0]
    for header, tag in [("fr-FR,fr;q=0.9,en;q=0.8", '<html lang="fr" dir="ltr">'),
                        ("ar,en;q=0.5", '<html lang="ar" dir="rtl">'),
                        ("en-US", '<html lang="en" dir="ltr">'),
                        ("de", '<html lang="en" dir="ltr">'),
                        (None, '<html lang="en" dir="ltr">')]:
        for response in get(db, "/", article(SEED_URL), "/-/health", lang=header):
            assert response.status_code == 200
            assert html_tag(response.text) == tag, (header, response.url)
            assert "Accept-Language" in response.headers["vary"]
    # Datasette's own pages keep their English; the navigation bar is in the reader's language.
    for response in get(db, "/archive", "/archive/articles", lang="ar"):
        assert html_tag(response.text) == '<html lang="en" dir="ltr">'
        assert '<nav class="na-nav" aria-label="الأرشيف" lang="ar" dir="rtl">' in response.text


def test_the_french_interface(bundled):
    db = bundled[0]
    home, seed, echos, arabic = get(db, "/", article(SEED_URL), article(ECHOS_URL), article(AR_URL), lang="fr-FR,fr")
    assert "Cette archive contient <strong>8</strong> articles (7 en français, 1 en arabe) de 7 journaux" in home.text
    assert ', publiés du <time datetime="2017-07-12" lang="fr" dir="ltr">12 juillet 2017</time> au ' in home.text
    assert '<h2>Derniers articles</h2>' in home.text
    # An Arabic headline in the French page: its own lang and dir.
    assert re.search(r'<li lang="ar" dir="rtl"><a href="[^"]+">الحكومة تصادق', home.text)
    assert '<li lang="fr" dir="ltr"><a href' in home.text

    assert '<p class="na-meta na-byline"><span class="na-publisher">Maroc Diplomatique</span> · ' \
           '<time datetime="2017-07-12" lang="fr" dir="ltr">12 juillet 2017</time></p>' in seed.text
    assert '<aside class="na-aside" lang="fr" dir="ltr">' in seed.text
    assert '<h2>Versions</h2>' in seed.text and '<th>première apparition</th>' in seed.text
    assert ">Lire sur le site de <bdi>Les Echos</bdi></a>" in echos.text
    # The Arabic article in the French interface: the article right to left, the rest French.
    assert '<article class="na-article" lang="ar" dir="rtl">' in arabic.text
    assert '<time datetime="2025-09-03" lang="fr" dir="ltr">3 septembre 2025</time>' in arabic.text
    assert ">Lire sur le site de <bdi>هسبريس</bdi></a>" in arabic.text
    assert "’s site" not in arabic.text + echos.text


def test_the_arabic_interface(bundled):
    db = bundled[0]
    home, seed, arabic, health = get(db, "/", article(SEED_URL), article(AR_URL), "/-/health", lang="ar")
    assert "يضم هذا الأرشيف <strong>8</strong> مقالات (7 بالفرنسية و1 بالعربية) من 7 صحف" in home.text
    # A French article in the Arabic interface: left to right, its date in Arabic.
    assert '<article class="na-article" lang="fr" dir="ltr">' in seed.text
    assert '<time datetime="2017-07-12" lang="ar" dir="rtl">12 يوليو 2017</time>' in seed.text
    assert '<aside class="na-aside" lang="ar" dir="rtl">' in seed.text
    assert ">اقرأه على موقع <bdi>هسبريس</bdi></a>" in arabic.text
    assert '<time datetime="2025-09-03" lang="ar" dir="rtl">3 سبتمبر 2025</time>' in arabic.text
    assert "<h1>جودة الاستخراج</h1>" in health.text


def test_the_english_interface_reads_as_before_but_the_dates(bundled):
    db = bundled[0]
    home, seed, arabic = get(db, "/", article(SEED_URL), article(AR_URL))
    assert "This archive holds <strong>8</strong> articles (7 in French, 1 in Arabic) from 7 papers" in home.text
    assert '<time datetime="2017-07-12" lang="en" dir="ltr">12 July 2017</time>' in seed.text
    assert ">Read it on the site of <bdi>هسبريس</bdi></a>" in arabic.text
    assert re.search(r'<td data-label="first seen"><time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ" lang="en" '
                     r'dir="ltr">\d{1,2} \w+ \d{4}, \d\d:\d\d UTC</time></td>', seed.text)


def test_the_navigation_bar_on_every_page(bundled):
    db = bundled[0]
    paths = ["/", "/archive", "/archive/articles", "/archive/articles/" + tilde_encode(SEED_URL), "/archive/latest_headlines",
             article(SEED_URL), "/-/health", "/-/search?q=metropole", "/-/charts"]
    for response in get(db, *paths, lang="fr"):
        assert response.status_code == 200, response.url
        navs = re.findall(r'<nav class="na-nav"[^>]*>', response.text)
        assert navs == ['<nav class="na-nav" aria-label="Archive" lang="fr" dir="ltr">'], response.url
        nav = re.search(r'(?s)<nav class="na-nav".*?</nav>', response.text).group(0)
        assert '<a href="/archive">Tables et requêtes</a>' in nav
        assert '<strong lang="fr" dir="ltr" aria-current="true">Français</strong>' in nav
        back = quote(str(response.url.raw_path, "latin-1"), safe="")
        assert f'<a href="/-/lang?to=ar&amp;next={back}" lang="ar" dir="rtl" hreflang="ar" rel="nofollow">العربية</a>' in nav


def test_the_switch_sets_a_cookie_and_goes_back(bundled):
    db = bundled[0]
    response = get(db, "/-/lang?to=ar&next=" + quote("/archive/articles?_sort=url", safe=""), lang="fr")
    assert response.status_code == 302
    assert response.headers["location"] == "/archive/articles?_sort=url"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{i18n.COOKIE}=ar;") and "Path=/" in cookie and "SameSite=lax" in cookie
    # The cookie wins over Accept-Language, on every page.
    home, table = get(db, "/", "/archive/articles", lang="fr", cookie="ar")
    assert html_tag(home.text) == '<html lang="ar" dir="rtl">'
    assert '<nav class="na-nav" aria-label="الأرشيف" lang="ar" dir="rtl">' in table.text
    # Off the site: home. An unknown language forgets the choice.
    assert get(db, "/-/lang?to=fr&next=//evil.example/").headers["location"] == "/"
    forget = get(db, "/-/lang?to=xx&next=/")
    assert forget.status_code == 302 and forget.headers["set-cookie"].startswith(f'{i18n.COOKIE}="";')


def test_the_plugins_error_pages_are_translated(bundled):
    db = bundled[0]
    fr = get(db, article(SEED_URL) + "&version=9", lang="fr")
    assert fr.status_code == 404
    assert html_tag(fr.text) == '<html lang="fr" dir="ltr">'
    assert "<h1>Erreur 404</h1>" in fr.text and f"{SEED_URL} n’a pas de version 9" in fr.text
    ar = get(db, article(SEED_URL) + "&version=9", lang="ar")
    assert html_tag(ar.text) == '<html lang="ar" dir="rtl">' and "<h1>خطأ 404</h1>" in ar.text
    # Datasette's own errors stay in its English.
    table = get(db, "/archive/no_such_table", lang="fr")
    assert table.status_code == 404 and html_tag(table.text) == '<html lang="en" dir="ltr">'
