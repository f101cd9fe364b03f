"""The charts (/-/charts, crawler.publish.charts; issue 14): a paper's colour and name the same in
every chart, no unknown paper shown as one, days and months placed by time, and text that stays
readable on a 390 px screen (a real Chromium, as tests/test_browser.py drives it). Through a real
Datasette with the plugin (tests.conftest.fetch) on the bundled archive and on an archive written
through the storage layer."""

import re
import sqlite3
from datetime import date
from html import unescape

import pytest

from crawler.archive.store import Archive
from crawler.core.fold import fold
from crawler.publish.charts import OTHER, OTHER_COLOUR, PALETTE, time_ticks
from tests.conftest import fetch, served
from tests.test_browser import CHROMIUM, MISSING

BAR = re.compile(r'<rect x="([-\d.]+)" y="[-\d.]+" width="([\d.]+)" height="[\d.]+" fill="(#\w+)" '
                 r'data-series="([^"]*)" data-column="([^"]*)" data-value="([^"]*)"')
LEGEND = re.compile(r'<li data-series="([^"]*)"[^>]*><span style="[^"]*background:(#\w+);')
TICK = re.compile(r'<span class="na-tick" data-at="([\d.]+)" style="position:absolute;left:([\d.]+)%;[^"]*">([^<]*)</span>')
# The bundled archive's papers, ranked by archived articles (Les Echos has 2, the others 1: by name).
BUNDLED_COLOURS = [("Les Echos", PALETTE[0]), ("Al Bayane", PALETTE[1]), ("Aujourd'hui le Maroc", PALETTE[2]),
                   ("L'Opinion", PALETTE[3]), ("La Gazette du Maroc", PALETTE[4]), ("Maroc Diplomatique", PALETTE[5]),
                   ("هسبريس", PALETTE[6])]


@pytest.fixture(scope="module")
def db(bundled):
    return bundled[0]


def section(html, name):
    return re.search(rf'<section class="na-chart-section" id="{name}">(.*?)</section>', html, re.S).group(1)


def bars(markup):
    return [(float(x), float(w), fill, unescape(series), unescape(column), float(value))
            for x, w, fill, series, column, value in BAR.findall(markup)]


def legend(markup):
    return [(unescape(name), colour) for name, colour in LEGEND.findall(markup)]


def ticks(markup):
    return [(float(at), float(left), label) for at, left, label in TICK.findall(markup)]


def line_through(points):
    """(a, b) of x = a + b * t through the first and last of [(t, x)] points."""
    (t0, x0), (t1, x1) = points[0], points[-1]
    b = (x1 - x0) / (t1 - t0)
    return x0 - b * t0, b


# --- colours and names ----------------------------------------------------------------------------------------------
def test_each_paper_keeps_its_name_and_colour_in_every_chart(db):
    home, page = fetch(db, "/", "/-/charts")
    html = page.text
    articles, headlines = section(html, "articles_per_publisher_per_month"), section(html, "headlines_per_day_per_publisher")
    assert legend(articles) == BUNDLED_COLOURS
    colours = dict(BUNDLED_COLOURS) | {OTHER: OTHER_COLOUR}
    assert legend(headlines) == [(n, c) for n, c in BUNDLED_COLOURS if n in {s for _, _, _, s, _, _ in bars(headlines)}] + [
        (OTHER, OTHER_COLOUR)]
    # Every bar in its paper's colour: Les Echos in the same blue in both charts and on the home page.
    for markup in (articles, headlines):
        assert all(fill == colours[series] for _, _, fill, series, _, _ in bars(markup))
    assert {fill for _, _, fill, s, _, _ in bars(articles) + bars(headlines) if s == "Les Echos"} == {PALETTE[0]}
    home_chart = re.search(r'<section class="na-chart-section"><h2>Headlines on the ticker.*?</section>', home.text, re.S)
    assert legend(home_chart.group(0)) == legend(headlines)
    # Names, never slugs, and no "(no link)" paper.
    slugs = {p for (p,) in sqlite3.connect(db).execute(
        "SELECT paper FROM summary_headlines_by_day UNION SELECT paper FROM summary_articles_by_paper")}
    shown = {s for _, _, _, s, _, _ in bars(articles) + bars(headlines)} | {n for n, _ in legend(headlines)}
    assert not shown & slugs and "(no link)" not in html


def test_headlines_whose_link_names_no_paper_are_left_out_and_counted(db):
    headlines = section(fetch(db, "/-/charts").text, "headlines_per_day_per_publisher")
    conn = sqlite3.connect(db)
    unknown = conn.execute("SELECT sum(headlines) FROM summary_headlines_by_day WHERE paper = ''").fetchone()[0]
    per_day = dict(conn.execute("SELECT day, sum(headlines) FROM summary_headlines_by_day WHERE paper <> '' GROUP BY day"))
    conn.close()
    assert unknown == 46
    assert f"Not shown: {unknown} headlines whose link names no paper (paper unknown), on these days." in headlines
    drawn: dict = {}
    for _, _, _, _, day, value in bars(headlines):
        drawn[day] = drawn.get(day, 0) + value
    assert drawn == per_day


def test_more_papers_than_colours(tmp_path):
    """Twelve papers: the ten with the most articles keep the palette's colours in that order, the
    other two and a paper no archived article names are "Other papers"; a headline without a link
    is counted under the chart."""
    path = tmp_path / "archive.db"
    with Archive.open(path) as archive:
        rows = []
        for n in range(1, 13):
            for i in range(13 - n):  # paper 1 has 12 articles ... paper 12 has 1
                url = f"https://www.maghress.com/fr/p{n:02d}/{i}"
                rows.append({"url": url, "title": f"Titre {n} {i}", "publisher": f"Paper {n:02d}",
                             "published": f"2025-{1 + i % 3:02d}-10", "language": "fr", "body": f"Texte {n} {i}.",
                             "original_url": None, "image_url": None, "content_hash": f"h{n}-{i}",
                             "seen_at": "2025-09-04T10:00:00Z", "paper": f"p{n:02d}"})
        archive.save_articles(rows)
        crawl = archive.start_crawl("2025-09-04T10:00:00Z", "live", "maghress")
        heads = [("Un", "https://www.maghress.com/fr/p01/0", "p01"), ("Deux", "https://www.maghress.com/fr/p12/0", "p12"),
                 ("Trois", "https://www.maghress.com/fr/ailleurs/1", "ailleurs"), ("Quatre", None, None)]
        _, ids = archive.save_headlines([{"text": t, "key": fold(t), "url": u, "seen_at": "2025-09-04T10:00:00Z",
                                          "paper": p} for t, u, p in heads])
        archive.save_sightings([{"headline": ids[fold(t)], "crawl": crawl, "position": i + 1,
                                 "page_url": "https://www.maghress.com/fr", "seen_at": "2025-09-04T10:00:00Z"}
                                for i, (t, _, _) in enumerate(heads)])
        archive.finish_crawl(crawl, "2025-09-04T10:01:00Z", {})
    html = fetch(path, "/-/charts").text
    articles, headlines = section(html, "articles_per_publisher_per_month"), section(html, "headlines_per_day_per_publisher")
    assert legend(articles) == [(f"Paper {n:02d}", PALETTE[n - 1]) for n in range(1, 11)] + [(OTHER, OTHER_COLOUR)]
    assert sum(v for _, _, _, s, _, v in bars(articles) if s == OTHER) == 2 + 1
    assert legend(headlines) == [("Paper 01", PALETTE[0]), (OTHER, OTHER_COLOUR)]
    assert [(s, v) for _, _, _, s, _, v in bars(headlines)] == [("Paper 01", 1), (OTHER, 2)]
    assert "Not shown: 1 headline whose link names no paper" in headlines
    # In French: the legend's grey bucket, the notes under the charts.
    import asyncio

    from tests.conftest import datasette

    async def french_page():
        ds = datasette(path)
        try:
            return (await ds.client.get("/-/charts", headers={"Accept-Language": "fr"})).text
        finally:
            for database in ds.databases.values():
                database.close()

    french = asyncio.run(french_page())
    articles_fr = section(french, "articles_per_publisher_per_month")
    assert legend(articles_fr)[-1] == ("Autres journaux", OTHER_COLOUR)
    assert ("Autres journaux (en gris) : articles des journaux hors des 10 qui ont le plus d’articles archivés."
            in articles_fr)
    assert ("Non affichés : 1 titre dont le lien ne nomme aucun journal (journal inconnu), ces jours-là."
            in section(french, "headlines_per_day_per_publisher"))
    assert "Par collecte, la plus ancienne à gauche : une barre par collecte" in section(french, "crawl_volume")


# --- the time axis -----------------------------------------------------------------------------------------------------
def test_months_and_days_are_placed_by_time(db):
    html = fetch(db, "/-/charts").text
    articles = section(html, "articles_per_publisher_per_month")
    months = sorted({m for (m,) in sqlite3.connect(db).execute(
        "SELECT month FROM summary_articles_by_month WHERE month <> ''")})
    assert months[0] == "2017-07" and "2023-11" in months
    centres = {}
    for x, w, _, _, column, _ in bars(articles):
        centres.setdefault(column, set()).add(round(x + w / 2, 3))  # the stack of a month: one x
    assert sorted(centres) == months and all(len(c) == 1 for c in centres.values())

    def middle(month):  # a month's bar is centred on the middle of the month
        start = date.fromisoformat(month + "-01")
        end = date(start.year + start.month // 12, start.month % 12 + 1, 1)
        return (start.toordinal() + end.toordinal()) / 2

    points = [(middle(m), centres[m].pop()) for m in months]
    a, b = line_through(points)
    for t, x in points:  # every bar where its time puts it: 2017-07 far from 2023-11
        assert x == pytest.approx(a + b * t, abs=0.002), (t, x)
    labels = ticks(articles)
    assert [label for _, _, label in labels] == ["2018", "2020", "2022", "2024"]
    for at, left, label in labels:  # the ticks on the same line, each on the 1st of January
        assert at == pytest.approx(a + b * date(int(label), 1, 1).toordinal(), abs=0.002)
        assert left == pytest.approx(at / 10, abs=0.001)  # percent of the plot's width

    headlines = section(html, "headlines_per_day_per_publisher")
    days = sorted({column for *_, column, _ in bars(headlines)})
    points = sorted({(date.fromisoformat(d).toordinal() + 0.5, round(x + w / 2, 3))
                     for x, w, _, _, d, _ in bars(headlines)})
    assert len(points) == len(days) >= 2
    a, b = line_through(points)
    for at, _, label in ticks(headlines):
        first = date.fromisoformat(label + "-01" if len(label) == 7 else label)
        assert at == pytest.approx(a + b * first.toordinal(), abs=0.002)


def test_tick_intervals():
    def labels(first, last):
        return [label for _, label in time_ticks(first.toordinal() - 0.3, last.toordinal() + 0.3)]

    assert labels(date(2025, 9, 4), date(2025, 9, 5)) == ["2025-09-04", "2025-09-05"]
    assert labels(date(2025, 9, 4), date(2025, 9, 8)) == ["2025-09-04", "2025-09-06", "2025-09-08"]
    assert labels(date(2025, 9, 1), date(2025, 9, 12)) == ["2025-09-01", "2025-09-08"]  # Mondays
    assert labels(date(2025, 9, 1), date(2025, 9, 30)) == ["2025-09-01", "2025-09-15", "2025-09-29"]
    assert labels(date(2025, 8, 1), date(2025, 9, 30)) == ["2025-08", "2025-09"]
    assert labels(date(2025, 9, 4), date(2026, 12, 3)) == ["2026-01", "2026-07"]
    assert labels(date(2017, 7, 1), date(2025, 10, 1)) == ["2018", "2020", "2022", "2024"]
    assert labels(date(1990, 1, 1), date(2025, 1, 1)) == ["1990", "2000", "2010", "2020"]


# --- in a browser: readable at 390 px --------------------------------------------------------------------------------
# Per chart: the smallest computed font size of any element holding text, whether the SVG holds
# text, the SVG's width against its box's, the tick labels' boxes, and the page's scroll width.
MEASURE = """() => [...document.querySelectorAll('figure.na-chart-box')].map(fig => {
    const sizes = [...fig.querySelectorAll('*')]
        .filter(el => [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
        .map(el => parseFloat(getComputedStyle(el).fontSize));
    const svg = fig.querySelector('svg.na-chart');
    const ticks = [...fig.querySelectorAll('.na-tick')].map(t => {
        const r = t.getBoundingClientRect(); return [r.left, r.right]; });
    const plot = svg.getBoundingClientRect();
    return {smallest: Math.min(...sizes), svgText: svg.querySelectorAll('text').length,
            svgWidth: plot.width, boxWidth: svg.parentElement.getBoundingClientRect().width,
            plot: [plot.left, plot.right], ticks, scroll: document.documentElement.scrollWidth,
            viewport: window.innerWidth};
})"""


@pytest.fixture(scope="module")
def browser(bundled):
    if MISSING:
        pytest.fail(f"the browser tests need Chromium and Playwright: {MISSING}", pytrace=False)
    from playwright.sync_api import sync_playwright

    with served(bundled[0]) as base, sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield base, chromium
        chromium.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_chart_text_is_readable_at_any_width(browser, width):
    base, chromium = browser
    context = chromium.new_context(viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.goto(base + "/-/charts")
        charts = page.evaluate(MEASURE)
    finally:
        context.close()
    assert len(charts) == 3
    for chart in charts:
        assert chart["smallest"] >= 12, chart
        assert chart["svgText"] == 0  # no text scaled with the SVG
        assert chart["svgWidth"] == pytest.approx(chart["boxWidth"], abs=0.5)
        assert chart["scroll"] <= chart["viewport"]
        spans = sorted(chart["ticks"])
        assert spans, chart
        for (_, right), (left, _) in zip(spans, spans[1:]):
            assert right <= left, spans  # tick labels never overlap
        assert spans[0][0] >= chart["plot"][0] - 1 and spans[-1][1] <= chart["plot"][1] + 1
