"""The generic page object (crawler.sites.generic.page): real pages of the development set, with
the values a reader checks (tests/fixtures/generic/README.md), and pages written here: a French
and an Arabic article, a home page, empty pages, structured data the page does not show."""

from __future__ import annotations

import gzip
import json

import pytest

from crawler.core.items import Article, Page
from crawler.core.text import decode
from crawler.sites.generic import page as generic
from crawler.sites.generic.page import PARSER_VERSION, parse_page
from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "generic"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))


def _saved(key: str) -> tuple[str, bytes]:
    raw = gzip.decompress((FIXTURES / f"{key}.html.gz").read_bytes())
    return decode(raw, "text/html").text, raw


@pytest.mark.parametrize("key", sorted(EXPECTED), ids=lambda k: k[:8])
def test_saved_pages(key):
    want = EXPECTED[key]
    html, _ = _saved(key)
    page = parse_page(want["url"], html)
    a = page.article
    assert isinstance(a, Article)
    got = {"title": a.title, "authors": a.authors, "published": a.published, "published_at": a.published_at,
           "language": a.language, "publisher": a.publisher, "first": a.paragraphs[0], "last": a.paragraphs[-1],
           "paragraphs": len(a.paragraphs), "canonical": page.canonical_link, "image": a.image_url}
    assert got == {k: want[k] for k in got}
    assert page.parser_version == a.parser_version == PARSER_VERSION == "generic/1"
    assert page.headlines == [] and a.original_url is None
    assert page.links and all(link.startswith(("http://", "https://")) for link in page.links)


def test_utf8_bytes_give_the_same_page():
    key = "fed691ece5355f4d8e3900231d69f044"
    html, raw = _saved(key)
    assert raw.decode("utf-8") == html
    url = EXPECTED[key]["url"]
    assert parse_page(url, html, utf8=raw) == parse_page(url, html)


# --- pages written here ------------------------------------------------------------------------
FRENCH = """<!DOCTYPE html>
<html lang="fr-FR"><head><meta charset="utf-8">
<title>Le port de Tanger Med bat un nouveau record de trafic | Le Quotidien du Nord</title>
<link rel="canonical" href="/economie/2024/03/05/tanger-med-record">
<meta property="og:type" content="article">
<meta property="og:site_name" content="Le Quotidien du Nord">
<meta property="og:title" content="Le port de Tanger Med bat un nouveau record de trafic">
<meta property="og:image" content="/images/tanger-med.jpg">
<script type="application/ld+json">
{"@context": "https://schema.org", "@graph": [
 {"@type": "Organization", "@id": "https://www.quotidien-nord.example/#org", "name": "Le Quotidien du Nord"},
 {"@type": "Person", "@id": "https://www.quotidien-nord.example/#claire", "name": "Claire Dubois"},
 {"@type": "NewsArticle", "headline": "Le port de Tanger Med bat un nouveau record de trafic",
  "datePublished": "2024-03-05T09:30:00+01:00", "dateModified": "2024-03-06T10:00:00+01:00",
  "author": [{"@id": "https://www.quotidien-nord.example/#claire"}, {"@type": "Organization", "name": "Le Quotidien du Nord"}],
  "publisher": {"@id": "https://www.quotidien-nord.example/#org"}}
]}
</script></head>
<body>
<header><a href="/">Accueil</a> <a href="/economie/">Économie</a> <a href="mailto:redaction@quotidien-nord.example">Écrire</a></header>
<main><article>
<h1>Le port de Tanger Med bat un nouveau record de trafic</h1>
<p class="byline">Par <a href="/auteurs/claire-dubois/">Claire Dubois</a>, journaliste</p>
<div class="share">Partager sur Facebook · Partager sur X</div>
<p>Le complexe portuaire de Tanger Med a traité plus de huit millions de conteneurs l'an dernier, un record depuis sa mise en service. La hausse atteint treize pour cent sur un an, selon les chiffres publiés mardi par l'autorité portuaire.</p>
<p>Cette progression s'explique d'abord par le transbordement : les grandes compagnies maritimes ont déplacé une partie de leurs escales vers le détroit de Gibraltar, où les délais d'attente restent plus courts que dans les ports européens concurrents.</p>
<p>Les exportations automobiles ont elles aussi soutenu l'activité. Près de six cent mille véhicules sont sortis des usines de la région avant d'embarquer sur les quais, un chiffre en nette hausse par rapport à l'année précédente.</p>
<p>L'autorité portuaire prévoit de nouveaux investissements dans les terminaux ferroviaires afin de relier plus rapidement le port aux zones industrielles de l'intérieur du pays, a indiqué son directeur lors d'une conférence de presse.</p>
<aside class="related"><h2>À lire aussi</h2><ul><li><a href="/economie/2024/03/01/autre">Le trafic aérien reprend</a></li></ul></aside>
<div class="newsletter">Abonnez-vous à notre lettre d'information quotidienne</div>
</article></main>
<footer><p>© 2024 Le Quotidien du Nord. Tous droits réservés.</p><a href="https://www.facebook.com/quotidiennord">Facebook</a></footer>
</body></html>"""

ARABIC = """<!DOCTYPE html>
<html lang="ar" dir="rtl"><head><meta charset="utf-8">
<title>افتتاح مكتبة وسائطية جديدة في مدينة فاس - جريدة الشمال</title>
<link rel="canonical" href="https://www.alchamal.example/culture/12345">
<meta property="og:site_name" content="جريدة الشمال">
<meta property="og:image" content="https://cdn.alchamal.example/img/maktaba.jpg">
<script type="application/ld+json">
{"@context": "https://schema.org", "@type": "NewsArticle",
 "headline": "افتتاح مكتبة وسائطية جديدة في مدينة فاس",
 "datePublished": "2024-02-14T18:05:00+01:00",
 "author": {"@type": "Person", "name": "أحمد العلوي"},
 "publisher": {"@type": "Organization", "name": "جريدة الشمال"}}
</script></head>
<body>
<nav><a href="/">الرئيسية</a> <a href="/culture/">ثقافة</a></nav>
<article>
<h1>افتتاح مكتبة وسائطية جديدة في مدينة فاس</h1>
<div class="author">بقلم: أحمد العلوي</div>
<p>افتتحت يوم الأربعاء في مدينة فاس مكتبة وسائطية جديدة تضم أكثر من عشرين ألف كتاب ومجموعة من القاعات المخصصة للقراءة والبحث، وذلك بحضور عدد من المسؤولين المحليين والفاعلين الثقافيين.</p>
<p>وتهدف هذه المؤسسة الثقافية إلى تقريب الكتاب من سكان الأحياء الشعبية، وتوفير فضاء مفتوح للطلبة والتلاميذ طيلة أيام الأسبوع، مع برنامج للأنشطة يشمل ورشات للكتابة وعروضا سينمائية ولقاءات مع الكتاب.</p>
<p>وأكد مدير المكتبة في تصريح للصحافة أن المشروع سيساهم في تشجيع القراءة لدى الشباب، مشيرا إلى أن الاشتراك سيكون مجانيا خلال السنة الأولى من افتتاحها.</p>
<div class="share">شارك المقال</div>
</article>
<footer>جميع الحقوق محفوظة</footer>
</body></html>"""

HOME = """<!DOCTYPE html>
<html lang="en"><head><title>The Daily Example — News, sport and opinion</title>
<meta property="og:type" content="website"><meta property="og:site_name" content="The Daily Example">
<script type="application/ld+json">{"@context": "https://schema.org", "@type": "WebSite", "name": "The Daily Example", "url": "https://daily.example/"}</script>
</head><body>
<nav><a href="/world/">World</a> <a href="/sport/">Sport</a></nav>
<main>
""" + "\n".join(
    f'<article class="teaser"><h2><a href="/2024/01/{n:02d}/story-{n}">Story number {n} of the day, with a headline long enough</a></h2>'
    f"<p>A short teaser for story {n}: what happened, where, and why a reader might want to click through to read it.</p></article>"
    for n in range(1, 16)
) + """
</main><footer><a href="https://other.example/about">About</a> <a href="javascript:void(0)">Menu</a> <a href="#top">Top</a></footer>
</body></html>"""

UNSEEN_HEADLINE = """<!DOCTYPE html>
<html lang="en"><head><title>Council approves the new bridge</title>
<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle",
 "headline": "Ten things you will not believe about bridges",
 "articleBody": "This sponsored text about something else entirely is not on the page at all, and never was shown to any reader of the site. It goes on for a while so that it is long enough to be taken for a body if nobody checked it against what the page shows. It repeats itself: this sponsored text about something else entirely is not on the page at all, and never was shown to any reader of the site, whatever its markup says.",
 "datePublished": "2024-05-02"}</script>
</head><body>
<h1>Council approves the new bridge over the river</h1>
<p>The city council voted on Tuesday evening to approve the construction of a new bridge over the river, ending a debate that lasted more than three years and divided residents of both banks.</p>
<p>The bridge will carry pedestrians, cyclists and a tram line, but no private cars, a compromise that the mayor described as the only way to win a majority in the council chamber.</p>
<p>Work is expected to begin next spring and to last about two years. The cost, shared between the city and the region, is estimated at forty million euros, according to the council's own figures.</p>
</body></html>"""


def test_french_article():
    page = parse_page("https://www.quotidien-nord.example/economie/2024/03/05/tanger-med-record", FRENCH)
    a = page.article
    assert a.title == "Le port de Tanger Med bat un nouveau record de trafic"
    assert a.authors == ["Claire Dubois"]  # the publisher, credited beside her, is no author
    assert a.published == "2024-03-05" and a.published_at == "2024-03-05T09:30:00+01:00"
    assert a.language == "fr"
    assert a.publisher == "Le Quotidien du Nord"
    assert a.image_url == "https://www.quotidien-nord.example/images/tanger-med.jpg"
    assert page.canonical_link == "https://www.quotidien-nord.example/economie/2024/03/05/tanger-med-record"
    assert len(a.paragraphs) == 4
    assert a.paragraphs[0].startswith("Le complexe portuaire de Tanger Med a traité plus de huit millions")
    assert a.paragraphs[-1].endswith("a indiqué son directeur lors d'une conférence de presse.")
    assert not any("Partager" in p or "Abonnez" in p or "lire aussi" in p for p in a.paragraphs)
    # Every http(s) link, absolute, in document order (mailto: left out).
    assert page.links == [
        "https://www.quotidien-nord.example/", "https://www.quotidien-nord.example/economie/",
        "https://www.quotidien-nord.example/auteurs/claire-dubois/",
        "https://www.quotidien-nord.example/economie/2024/03/01/autre", "https://www.facebook.com/quotidiennord",
    ]


def test_arabic_article():
    page = parse_page("https://www.alchamal.example/culture/12345?utm_source=x", ARABIC)
    a = page.article
    assert page.url == "https://www.alchamal.example/culture/12345"
    assert a.title == "افتتاح مكتبة وسائطية جديدة في مدينة فاس"
    assert a.authors == ["أحمد العلوي"]
    assert a.published == "2024-02-14" and a.published_at == "2024-02-14T18:05:00+01:00"
    assert a.language == "ar"
    assert a.publisher == "جريدة الشمال"
    assert a.image_url == "https://cdn.alchamal.example/img/maktaba.jpg"
    assert len(a.paragraphs) == 3
    assert a.paragraphs[0].startswith("افتتحت يوم الأربعاء في مدينة فاس")
    assert a.paragraphs[-1].endswith("خلال السنة الأولى من افتتاحها.")


def test_byline_without_structured_authors():
    html = FRENCH.replace('"author": [{"@id": "https://www.quotidien-nord.example/#claire"}, '
                          '{"@type": "Organization", "name": "Le Quotidien du Nord"}],', "")
    assert '"author"' not in html
    a = parse_page("https://www.quotidien-nord.example/economie/2024/03/05/tanger-med-record", html).article
    assert a.authors == ["Claire Dubois"]  # "Par Claire Dubois, journaliste"


def test_home_page_is_no_article():
    page = parse_page("https://daily.example/", HOME)
    assert page.article is None
    assert page.parser_version == PARSER_VERSION
    assert page.links[:3] == ["https://daily.example/world/", "https://daily.example/sport/",
                              "https://daily.example/2024/01/01/story-1"]
    assert page.links[-1] == "https://other.example/about"
    assert len(page.links) == 2 + 15 + 1


@pytest.mark.parametrize("content", ["", "   \n", "<html></html>", "<html><body></body></html>",
                                     "<html><head><title>Nothing</title></head><body><p>Hi</p></body></html>"])
def test_empty_pages_have_no_article(content):
    page = parse_page("https://daily.example/empty", content)
    assert isinstance(page, Page) and page.article is None and page.headlines == []


def test_text_is_no_html_page():
    assert parse_page("https://daily.example/a.txt", "Just some words.\nAnd more.", is_html=False).article is None


def test_structured_data_the_page_does_not_show_is_ignored():
    a = parse_page("https://daily.example/2024/05/02/bridge", UNSEEN_HEADLINE).article
    assert a.title == "Council approves the new bridge over the river"  # not the JSON-LD headline
    assert len(a.paragraphs) == 3 and not any("sponsored" in p for p in a.paragraphs)  # not its articleBody
    assert a.paragraphs[0].startswith("The city council voted on Tuesday evening")
    assert a.published == "2024-05-02" and a.published_at is None  # a date without a time
    assert a.language == "en" and a.authors == []


def test_confirmed_article_body_trims_furniture():
    """A JSON-LD articleBody that the page shows takes off what the extractor adds at the ends."""
    body = ("The city council voted on Tuesday evening to approve the construction of a new bridge over the "
            "river, ending a debate that lasted more than three years and divided residents of both banks. "
            "The bridge will carry pedestrians, cyclists and a tram line, but no private cars, a compromise that "
            "the mayor described as the only way to win a majority in the council chamber. Work is expected to "
            "begin next spring and to last about two years. The cost, shared between the city and the region, is "
            "estimated at forty million euros, according to the council's own figures.")
    html = UNSEEN_HEADLINE.replace(
        '"headline": "Ten things you will not believe about bridges"',
        '"headline": "Council approves the new bridge over the river"').replace(
        json.dumps(json.loads(UNSEEN_HEADLINE.split('"articleBody": ')[1].split(',\n')[0])),
        json.dumps(body)).replace(
        "</body>", "<p>Readers of this story also enjoyed our long guide to the best riverside walks in the whole "
                   "region, with maps, photos and the opening hours of every cafe along the way, updated weekly.</p>"
                   "</body>")
    assert body in html
    a = parse_page("https://daily.example/2024/05/02/bridge", html).article
    assert a.title == "Council approves the new bridge over the river"
    assert len(a.paragraphs) == 3 and a.paragraphs[-1].endswith("according to the council's own figures.")


def test_not_html_raises_nothing_for_binary_like_text():
    assert generic.looks_like_html("%PDF-1.4 ...") is False
    assert parse_page("https://daily.example/file", "%PDF-1.4 binary").article is None
