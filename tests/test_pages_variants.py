"""Every combination of the markup variants the site may use gives the same fields.

The real HTML of the site is unknown, so the pages here are generated from each combination
of: title element, credit line element, publisher as link or text, one or several body
elements, paragraphs split by <br> or <p>, link on "ici" or on the whole closing sentence,
ticker as inline links or a list, relative or absolute hrefs, an empty ticker item or not,
report box before, after or absent, French or Arabic edition.
"""

import itertools
import json
from html import escape
from pathlib import Path

import pytest

from crawler.core.items import PageError
from crawler.sites.maghress.page import parse_page
from crawler.sites.parse import parse_bytes

FR = {
    "url": "https://www.maghress.com/fr/lesechos/777",
    "lang": "fr",
    "title": "Tanger : le port Med enregistre un trafic record au premier semestre",
    "publisher": "Les Echos",
    "credit": "Publié dans {publisher} le 05 - 09 - 2025",
    "published": "2025-09-05",
    "paragraphs": [
        "Le complexe portuaire Tanger Med a traité 5,2 millions de conteneurs au premier semestre.",
        "Publié dans un rapport trimestriel, ce chiffre dépasse de 11% celui de l'an dernier.",
        "L'autorité portuaire attribue cette hausse à « la reprise du commerce » entre l'Europe et l'Afrique.",
    ],
    "closing": "Cliquez ici pour lire l'article depuis sa source.",
    "here": "ici",
    "original": "https://lesechos.ma/tanger-med-record",
    "ticker": [
        ("Les températures attendues ce jeudi 4 septembre 2025", "/fr/lematin/11"),
        ("Ligue des champions : Amine Harit écarté par l'OM", "/fr/lesechos/12"),
        ("Marché automobile : 23,3% de hausse en août", "/fr/lavieeco/13"),
        ("Gad Elmaleh signe «Lui-même» son retour à Casablanca", "/fr/aujourdhui/14"),
    ],
}
AR = {
    "url": "https://www.maghress.com/hespress/888",
    "lang": "ar",
    "title": "ارتفاع عدد السياح الوافدين على مراكش خلال الصيف",
    "publisher": "هسبريس",
    "credit": "نشر في {publisher} يوم 02 - 09 - 2025",
    "published": "2025-09-02",
    "paragraphs": [
        "سجلت مدينة مراكش ارتفاعا في عدد السياح الوافدين عليها خلال فصل الصيف.",
        "وأفادت معطيات رسمية بأن النسبة بلغت 12 في المائة مقارنة بالسنة الماضية.",
    ],
    "closing": "انقر هنا لقراءة الخبر من مصدره.",
    "here": "هنا",
    "original": "https://www.hespress.com/tourisme-888",
    "ticker": [
        ("أمطار رعدية مرتقبة بعدد من مناطق المملكة", "/hespress/21"),
        ("المنتخب الوطني يواجه النيجر في تصفيات كأس العالم 2026", "/alittihad/22"),
        ("ارتفاع أسعار المحروقات في محطات الوقود", "/goud/23"),
    ],
}
REPORT_BOX = (
    '<div class="report"><p>Merci d\'avoir signalé!</p>'
    "<p>Cette image sera automatiquement bloquée après qu'elle soit signalée par plusieurs personnes.</p></div>"
)
FURNITURE = (
    "<script>var headline = 'Publié dans Script le 01 - 01 - 2000'; document.write('Cliquez ici');</script>"
    "<style>.articlecontent:before { content: 'STYLE TEXT'; }</style>"
)
IMAGE = "https://images2.maghress.com/{slug}/{id}/thumb"

VARIANTS = {
    "title": ["span.articletitle", "h1.articletitle", "h1"],
    "credit": ["classed", "by_text"],
    "publisher": ["link", "text"],
    "containers": [1, 2],
    "split": ["br", "p"],
    "closing_link": ["here", "sentence"],
    "ticker": ["inline", "list"],
    "hrefs": ["relative", "absolute"],
    "empty_item": [True, False],
    "report_box": ["before", "after", "absent"],
    "edition": ["fr", "ar"],
}
COMBINATIONS = [dict(zip(VARIANTS, values)) for values in itertools.product(*VARIANTS.values())]


def ticker_html(site, v):
    items = []
    for text, path in site["ticker"]:
        href = path if v["hrefs"] == "relative" else "http://maghress.com" + path + "?utm_source=ticker#top"
        items.append(f'<a href="{href}">{escape(text)}</a>')
    if v["empty_item"]:
        items.insert(1, '<a href="/fr/vide/1">&nbsp;</a>')
    if v["ticker"] == "inline":
        return '<div class="defilant">' + "&nbsp;&nbsp;&nbsp;&nbsp;".join(items) + "</div>"
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


def body_html(site, v):
    paragraphs = [escape(p) for p in site["paragraphs"]]
    paragraphs[0] = paragraphs[0].replace(" ", " <b>", 1).replace(" ", "</b> ", 2).replace("</b> ", " ", 1)
    groups = [paragraphs] if v["containers"] == 1 else [paragraphs[:1], paragraphs[1:]]
    out = []
    for group in groups:
        if v["split"] == "br":
            inner = "<br><br>".join(group) + "<br>"
        else:
            inner = "".join(f"<p>{p}</p>" for p in group) + "<p></p>"
        out.append(f'<div class="articlecontent">{inner}</div>')
    return FURNITURE.join(out) if len(out) > 1 else out[0] + FURNITURE


def page_html(v):
    site = FR if v["edition"] == "fr" else AR
    tag, _, cls = v["title"].partition(".")
    title = f'<{tag} class="{cls}">{escape(site["title"])}</{tag}>' if cls else f"<{tag}>{escape(site['title'])}</{tag}>"
    publisher = escape(site["publisher"])
    if v["publisher"] == "link":
        publisher = f'<a href="/fr/lesechos">{publisher}</a>'
    credit_text = site["credit"].format(publisher=publisher)
    credit = (
        f'<span class="articlenewspaper">{credit_text}</span>' if v["credit"] == "classed" else f"<div>{credit_text}</div>"
    )
    closing = escape(site["closing"])
    if v["closing_link"] == "here":
        closing = closing.replace(site["here"], f'<a href="{site["original"]}">{site["here"]}</a>', 1)
    else:
        closing = f'<a href="{site["original"]}">{closing}</a>'
    slug, id_ = site["url"].rsplit("/", 2)[-2:]
    article = (
        f'<div class="article"><img src="{IMAGE.format(slug=slug, id=id_)}">{title}{credit}'
        f"{body_html(site, v)}<div>{closing}</div></div>"
    )
    box = REPORT_BOX if v["report_box"] != "absent" else ""
    main = box + article if v["report_box"] == "before" else article + box
    direction = ' dir="rtl"' if site["lang"] == "ar" else ""
    return (
        f'<!DOCTYPE html><html lang="{site["lang"]}"{direction}><head><title>Maghress</title>{FURNITURE}</head>'
        f'<body><div class="header"><img src="/img/logo.png"><a href="/fr">Accueil</a> <a href="/fr/contact">Contact</a></div>'
        f"{ticker_html(site, v)}{main}<div class='footer'>© Maghress <a href='/fr/lesechos/999'>Plus</a></div></body></html>"
    )


def expected_headlines(site):
    return [(n, text, "https://www.maghress.com" + path) for n, (text, path) in enumerate(site["ticker"], 1)]


@pytest.mark.parametrize("edition", ["fr", "ar"])
def test_every_markup_variant_gives_the_same_fields(edition):
    site = FR if edition == "fr" else AR
    slug, id_ = site["url"].rsplit("/", 2)[-2:]
    failures = []
    combinations = [v for v in COMBINATIONS if v["edition"] == edition]
    for v in combinations:
        page = parse_page(site["url"], page_html(v))
        got = page.article
        problems = []
        if got is None:
            failures.append((v, ["no article"]))
            continue
        for name, want in (
            ("title", site["title"]),
            ("publisher", site["publisher"]),
            ("published", site["published"]),
            ("language", site["lang"]),
            ("paragraphs", site["paragraphs"]),
            ("original_url", site["original"]),
            ("image_url", IMAGE.format(slug=slug, id=id_)),
        ):
            if getattr(got, name) != want:
                problems.append(f"{name}: {getattr(got, name)!r}")
        if [(h.position, h.text, h.url) for h in page.headlines] != expected_headlines(site):
            problems.append(f"headlines: {page.headlines!r}")
        if problems:
            failures.append((v, problems))
    assert len(combinations) == 2304
    assert failures == []


def test_no_script_style_or_furniture_text_in_any_field():
    leaks = ("Script", "STYLE TEXT", "Merci d'avoir", "automatiquement", "Cliquez ici", "انقر هنا", "Accueil", "©")
    for v in COMBINATIONS[::7]:
        article = parse_page(FR["url"] if v["edition"] == "fr" else AR["url"], page_html(v)).article
        fields = [article.title, article.publisher, *article.paragraphs]
        assert not [(leak, f) for leak in leaks for f in fields if leak in f], v


def test_body_found_by_text_order_when_no_class_marks_it():
    html = (
        '<html lang="fr"><body><div class="ticker"><a href="/fr/a/1">Un</a> <a href="/fr/a/2">Deux</a>'
        ' <a href="/fr/a/3">Trois</a></div><div class="page"><h1>Maghress</h1></div><div class="article">'
        "<h1>Le vrai titre</h1><p>Publié dans <b>Le Matin</b> le 1 - 2 - 2024</p>"
        "<p>Premier paragraphe.</p><div>Second <i>paragraphe</i>.</div>"
        "<p>Cliquez <a href='https://lematin.ma/x'>ici</a> pour lire l'article depuis sa source.</p>"
        "<p>Texte après la fin.</p></div></body></html>"
    )
    article = parse_page("https://www.maghress.com/fr/lematin/5", html).article
    assert article.title == "Le vrai titre"  # the h1 closest before the credit line, not the logo's
    assert (article.publisher, article.published) == ("Le Matin", "2024-02-01")
    assert article.paragraphs == ["Premier paragraphe.", "Second paragraphe."]
    assert article.original_url == "https://lematin.ma/x"
    assert article.image_url is None


def test_report_box_inside_the_body_stays_out():
    html = (
        '<html><body><span class="articletitle">Titre</span>'
        '<span class="articlenewspaper">Publié dans Les Echos le 02 - 03 - 2024</span>'
        '<div class="articlecontent"><p>Un.</p><div class="signal"><span>Merci d\'avoir signalé!</span><br>'
        "<span>Cette image sera automatiquement bloquée après qu'elle soit signalée par plusieurs personnes.</span>"
        "</div><p>Deux.</p></div></body></html>"
    )
    assert parse_page("https://www.maghress.com/fr/lesechos/6", html).article.paragraphs == ["Un.", "Deux."]


# --- Deep nesting: parsed whole, or refused with a reason; never cut short, never a crash --------
LESECHOS = Path(__file__).resolve().parent.parent / "seeds" / "site" / "www.maghress.com" / "fr" / "lesechos" / "101.html"
LESECHOS_URL = "https://www.maghress.com/fr/lesechos/101"


def lesechos(*replacements) -> bytes:
    html = LESECHOS.read_text(encoding="utf-8")
    for old, new in replacements:
        assert html.count(old) == 1, old
        html = html.replace(old, new)
    return html.encode("utf-8")


def lesechos_expected() -> dict:
    return json.loads(LESECHOS.with_name("101.expected.json").read_text(encoding="utf-8"))


def nested(open_tags: str, close_tags: str, n: int, *, around: str):
    """The Les Echos page with n levels of elements around its article, its ticker or its body."""
    if around == "article":
        return lesechos(('<div id="article">', '<div id="article">' + open_tags * n),
                        ('</div>\n\n<div id="footer">', close_tags * n + '</div>\n\n<div id="footer">'))
    if around == "ticker":
        return lesechos(("<marquee", open_tags * n + "<marquee"), ("</marquee>", "</marquee>" + close_tags * n))
    return lesechos(('<span class="articlecontent">', '<span class="articlecontent">' + open_tags * n),
                    ("</span>\n  <script>", close_tags * n + "</span>\n  <script>"))


@pytest.mark.parametrize("n", [10_000, 100_000])
@pytest.mark.parametrize("around", ["article", "ticker", "body"])
def test_thousands_of_nested_elements_are_read_whole(n, around):
    data = nested("<div>", "</div>", n, around=around)
    assert parse_bytes(LESECHOS_URL, data, "text/html").to_json() == lesechos_expected()


@pytest.mark.parametrize(
    "open_tags, close_tags",
    [("<b><i>", "</i></b>"), ('<div class="a"><span class="b">', "</span></div>"), ("<div>", "")],
    ids=["alternating", "with-attributes", "never-closed"],
)
def test_chains_of_any_wrappers_are_collapsed(open_tags, close_tags):
    data = nested(open_tags, close_tags, 10_000, around="article")
    assert parse_bytes(LESECHOS_URL, data, "text/html").to_json() == lesechos_expected()


@pytest.mark.parametrize("n", [10_000, 100_000])
def test_nesting_that_holds_text_at_every_level_is_refused_with_its_reason(n):
    data = lesechos(('<div id="article">', '<div id="article">' + "<div>niveau " * n))
    with pytest.raises(PageError, match="nested deeper than the HTML parser reads") as caught:
        parse_bytes(LESECHOS_URL, data, "text/html")
    assert not isinstance(caught.value, RecursionError)
    assert "Excessive depth in document: 256" in str(caught.value)


def test_deep_pages_within_the_parser_limit_keep_every_block():
    # 250 levels, each with text: libxml2 reads them; the body keeps every block.
    body = "".join(f"<div>bloc {i}" for i in range(250)) + "</div>" * 250
    data = lesechos(('<span class="articlecontent">', '<span class="articlecontent">' + body))
    paragraphs = parse_bytes(LESECHOS_URL, data, "text/html").article.paragraphs
    assert paragraphs[:3] == ["bloc 0", "bloc 1", "bloc 2"]
    assert paragraphs[249] == "bloc 249"
    assert paragraphs[250:] == lesechos_expected()["article"]["paragraphs"]


def test_hostile_repetition_costs_time_in_proportion_to_the_page():
    """Thousands of credit-line look-alikes and of body containers (pages that took minutes when
    each candidate's whole ancestry was read again): read once each; the article found."""
    from crawler.sites.maghress.page import parse_page

    decoys = "<p>Publié dans X</p>" * 8000
    page = parse_page("https://www.maghress.com/fr/lesechos/1", f"<html><body>{decoys}"
                      "<span class='articlenewspaper'>Publié dans Les Echos le 04 - 09 - 2025</span>"
                      + "<span class='articlecontent'>Un.</span>" * 8000 + "</body></html>", is_html=True)
    assert (page.article.publisher, page.article.published) == ("Les Echos", "2025-09-04")
    assert page.article.paragraphs == ["Un."] * 8000
