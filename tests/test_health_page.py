"""Extraction health in Datasette (issue 13): the page /-/health, the home page's box, the two
tables described, the canned query extraction_drift_recent; through a real `newsarchive serve`.

The archive is real: the bundled mirror crawled twice (tests/conftest.py `bundled_sites`: three sites,
crawls 1 to 6), copied, then one more crawl of Maghress replaying a copy of the mirror where
every article page was replaced by a "Page introuvable" page (a soft 404): its extracted share
falls from 100% to 0%, and the crawl stores its drift as any crawl does.
"""

import html
import re
import shutil
import sqlite3

import httpx
import pytest

from crawler.archive.snapshot import snapshot
from crawler.publish import config, health
from crawler.publish.i18n import format_moment
from tests.conftest import MIRROR, fetch, query, run_cli, served
from tests.test_browser import CHROMIUM, MISSING

SOFT_404 = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Page introuvable - Maghress</title>
</head><body><h1>Page introuvable</h1><p>La page que vous cherchez n'existe pas ou a été supprimée.</p></body></html>
"""
FIELDS = ["title", "authors", "date", "time", "language", "image", "publisher"]


def broken_mirror(folder):
    """A copy of the bundled mirror whose Maghress article pages are soft 404s: the front and
    listing pages (and the other sites) unchanged."""
    shutil.copytree(MIRROR, folder)
    site = folder / "www.maghress.com"
    pages = [p for p in site.rglob("*") if p.suffix in (".html", ".txt") and len(p.relative_to(site).parts) >= 2
             and p.stem.isdigit()]
    assert len(pages) == 8, pages
    for page in pages:
        page.write_text(SOFT_404, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def archive(bundled_sites, tmp_path_factory):
    """The bundled archive (two crawls of the three sites), then a crawl of Maghress that drifts:
    (the archive, {site: [its crawl ids, oldest first]})."""
    folder = tmp_path_factory.mktemp("health")
    db = snapshot(bundled_sites[0], folder / "archive.db")
    mirror = broken_mirror(folder / "mirror")
    out = run_cli("crawl", "--db", db, "--site", "maghress", "--replay", mirror, "--full", check=True)
    assert "drift: maghress extracted 100% -> 0%" in out.stdout + out.stderr
    crawls = {}
    for row in query(db, "SELECT id, site FROM crawls ORDER BY id"):
        crawls.setdefault(row["site"], []).append(row["id"])
    assert {site: len(ids) for site, ids in crawls.items()} == {"apnews": 2, "maghress": 3, "physorg": 2}
    return db, crawls


@pytest.fixture(scope="module")
def server(archive):
    with served(archive[0]) as base:
        yield base


def text(fragment: str) -> str:
    """The visible text of an HTML fragment, spaces collapsed (a <br> is a space)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", re.sub(r"<br\b[^>]*>", " ", fragment))).split())


def section(page: str, ident: str, tag: str) -> str:
    match = re.search(rf'<{tag}\b[^>]*\bid="{re.escape(ident)}"[^>]*>(.*?)</{tag}>', page, re.S)
    assert match, ident
    return match.group(0)


def cells(row_html: str) -> list[str]:
    return [text(c) for c in re.findall(r"<td\b[^>]*>(.*?)</td>", row_html, re.S)]


def test_the_health_page(archive, server):
    db, crawls = archive
    response = httpx.get(server + "/-/health")
    assert response.status_code == 200
    page = response.text
    assert "<title>Extraction health · newsarchive</title>" in page and "<h1>Extraction health</h1>" in page
    headings = [text(h) for h in re.findall(r'<section class="na-health-site"[^>]*>\s*<h2>(.*?)</h2>', page, re.S)]
    assert headings == ["AP News (apnews)", "Maghress (maghress)", "Phys.org (physorg)"]

    # Maghress's first crawl: 10 pages, 8 article pages, 8 articles, all extracted; its fields as stored.
    first = section(page, f"site-maghress-crawl-{crawls['maghress'][0]}", "tbody")
    started = query(db, "SELECT started FROM crawls WHERE id = ?", [crawls["maghress"][0]])[0]["started"]
    assert cells(first) == [f"#{crawls['maghress'][0]}", format_moment(started, "en"),
                            "maghress/2", "10", "8", "8", "100%",
                            "100%", "0%", "100%", "0%", "100%", "75%", "100%", "753", "0", "0", "–"]
    assert "na-drifted" not in first and health.DRIFT_MARK not in first

    # The crawl that drifted: nothing extracted, the pages rejected as soft 404s, flagged with its measures.
    drifted = section(page, f"site-maghress-crawl-{crawls['maghress'][2]}", "tbody")
    assert 'class="na-crawl na-drifted"' in drifted
    rows = re.findall(r"<tr\b.*?</tr>", drifted, re.S)
    assert cells(rows[0])[2:] == ["maghress/2", "10", "8", "0", "0%", *["–"] * 7, "–", "0", "0", "soft_404 8"]
    assert text(rows[-1]) == (f"⚠ Drift in crawl #{crawls['maghress'][2]}: extracted 100% → 0%, "
                              "own parser 100% → 0%")
    note = text(section(page, "site-maghress", "section").split("<svg", 1)[0])
    assert (f"⚠ Drift in 1 of the 3 crawls shown: crawl #{crawls['maghress'][2]}: extracted 100% → 0%, "
            "own parser 100% → 0%.") in note

    # The other sites: read by their own page objects (physorg/1) or the generic one (AP News has
    # none), every field of both articles, and no drift.
    for site, parser, body in (("apnews", "generic/1", "6917"), ("physorg", "physorg/1", "2957")):
        part = section(page, f"site-{site}", "section")
        assert health.DRIFT_MARK not in part
        for crawl in crawls[site]:
            row = cells(section(part, f"site-{site}-crawl-{crawl}", "tbody"))
            assert row[2:] == [parser, "3", "2", "2", "100%", *["100%"] * 7, body, "0", "0", "–"]

    # One chart per site, oldest crawl left; the drifted crawl banded and marked.
    charts = re.findall(r'<svg class="na-chart na-share-chart".*?</svg>', page, re.S)
    assert len(charts) == 3
    maghress_chart = charts[1]
    assert [text(t) for t in re.findall(r'<text [^>]*fill="#333">(#\d+)</text>', maghress_chart)] == [
        f"#{c}" for c in crawls["maghress"]]
    assert maghress_chart.count('class="na-drift-band"') == 1 and "drift" in text(maghress_chart)
    assert "extracted: 0%" in maghress_chart and "own parser: 100%" in maghress_chart
    assert all("na-drift-band" not in chart for chart in (charts[0], charts[2]))
    # Its text is 13 px or more, and in the reader's language: in French, the title, the
    # legend, the tooltips.
    assert set(re.findall(r'font-size="(\d+)"', maghress_chart)) == {"13", "14"}
    french = httpx.get(server + "/-/health", headers={"Accept-Language": "fr"}).text
    chart_fr = re.findall(r'<svg class="na-chart na-share-chart".*?</svg>', french, re.S)[1]
    assert re.search(r"<title>(.*?)</title>", chart_fr).group(1) == html.escape(
        "Maghress : part des pages d’article extraites, et lues par son propre analyseur, par collecte")
    assert [text(t) for t in re.findall(r'<text [^>]*font-size="13" fill="#333">([^#<][^<]*)</text>', chart_fr)] == [
        "extraites", "analyseur du site", "dérive"]
    assert "extraites : 0%" not in chart_fr and "extraites: 0%" in chart_fr

    # Linked from the navigation of the plugin's pages and Datasette's menu.
    for path in ("/-/charts", "/-/search"):
        assert '<a href="/-/health">Extraction health</a>' in httpx.get(server + path).text


def test_the_home_page_box(archive, server):
    _, crawls = archive
    home = httpx.get(server + "/").text
    box = section(home, "na-health", "section")
    assert '<h2><a href="/-/health">Extraction health</a></h2>' in box
    items = [text(li) for li in re.findall(r"<li>(.*?)</li>", box, re.S)]
    assert [re.sub(r" \(\d+ \w+ \d{4}, \d\d:\d\d UTC\)", "", item) for item in items] == [
        f"AP News: last crawl #{crawls['apnews'][1]}, 100% of 2 article pages extracted",
        f"Maghress: last crawl #{crawls['maghress'][2]}, 0% of 8 article pages extracted ⚠ Drift",
        f"Phys.org: last crawl #{crawls['physorg'][1]}, 100% of 2 article pages extracted",
    ]
    assert f'href="/-/health#site-maghress-crawl-{crawls["maghress"][2]}">⚠ Drift</a>' in box


def test_the_tables_are_described_and_the_drift_query_is_bounded(archive, server):
    db, crawls = archive
    started = query(db, "SELECT started FROM crawls WHERE id = ?", [crawls["maghress"][2]])[0]["started"]
    rows = httpx.get(server + "/archive/extraction_drift_recent.json", params={"_shape": "array"}).json()
    assert [(r["site"], r["crawl"], r["started"], r["measure"], r["recent_percent"], r["now_percent"]) for r in rows] == [
        ("maghress", crawls["maghress"][2], started, "extracted", 100.0, 0.0),
        ("maghress", crawls["maghress"][2], started, "own_parser", 100.0, 0.0)]
    assert "LIMIT 50" in config.queries()["extraction_drift_recent"]["sql"]
    for table, words in (("extraction_health", "per crawl, site and parser"), ("extraction_drift", "recent level")):
        page = httpx.get(f"{server}/archive/{table}")
        assert page.status_code == 200 and words in text(page.text)
        described = set(re.findall(r"<dt>(\w+)</dt>\s*<dd>", page.text))
        assert set(described) == {r["name"] for r in query(db, f"SELECT name FROM pragma_table_info('{table}')")}
    database = httpx.get(server + "/archive.json").json()
    assert "extraction_drift_recent" in {q["name"] for q in database["queries"]}


def test_the_health_queries_use_indexes(archive):
    """The page's SQL and the canned query: index seeks and ranges only (no full scan of either
    table but the canned query's walk of the primary key, newest first, stopped at 50 rows)."""
    conn = sqlite3.connect(archive[0])
    try:
        sqls = {**health.QUERIES, "extraction_drift_recent": config.queries()["extraction_drift_recent"]["sql"]}
        for name, sql in sqls.items():
            params = {"site": "maghress", "crawls": health.CRAWLS, "lowest": 1, "max_sites": health.MAX_SITES}
            plan = [r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]
            scans = [line for line in plan if re.match(r"SCAN (extraction_\w+|crawls|h|d|c)\b", line)]
            # (d: the 50 rows taken from that walk)
            allowed = ["SCAN extraction_drift USING INDEX sqlite_autoindex_extraction_drift_1", "SCAN d"] \
                if name == "extraction_drift_recent" else []
            assert scans == allowed, (name, plan)
    finally:
        conn.close()


def test_an_archive_without_health_rows(tmp_path):
    """An archive no crawl has recorded health in yet: the page says so, the home page has no box."""
    from crawler.archive import Archive

    path = tmp_path / "archive.db"
    Archive.open(path).close()
    page, home = fetch(path, "/-/health", "/")
    assert page.status_code == 200 and "No extraction health recorded yet" in page.text
    assert home.status_code == 200 and 'id="na-health"' not in home.text


def test_the_health_page_in_a_browser(server, archive):
    """In Chromium (as tests/test_browser.py): no console error, from the home page's box to the
    page, the drifted crawl's flag visible and the charts drawn."""
    if MISSING:
        pytest.fail(f"the browser tests need Chromium and Playwright: {MISSING}", pytrace=False)
    from playwright.sync_api import sync_playwright

    _, crawls = archive
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            page = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-US").new_page()
            page.set_default_timeout(10_000)
            errors = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(server + "/")
            page.locator("#na-health").get_by_role("link", name="Extraction health", exact=True).click()
            page.wait_for_url("**/-/health")
            assert page.locator("h1").inner_text() == "Extraction health"
            assert page.locator("svg.na-share-chart").count() == 3
            assert all(page.locator("svg.na-share-chart").nth(i).is_visible() for i in range(3))
            flag = page.locator(f"#site-maghress-crawl-{crawls['maghress'][2]} .na-drift-row")
            assert flag.is_visible()
            assert flag.inner_text().startswith(f"⚠ Drift in crawl #{crawls['maghress'][2]}:")
            assert page.locator(".na-drift").first.evaluate("el => getComputedStyle(el).color") == "rgb(176, 0, 32)"
            assert page.locator("html").evaluate("el => getComputedStyle(document.body).direction") == "ltr"
            # At 390 px the charts keep their size (13 px text drawn at 13 px): they scroll
            # sideways in their box, and the page does not.
            page.set_viewport_size({"width": 390, "height": 844})
            sizes = page.evaluate("""() => [...document.querySelectorAll('svg.na-share-chart')].map(svg => [
                svg.getBoundingClientRect().width / svg.viewBox.baseVal.width,
                Math.min(...[...svg.querySelectorAll('text')].map(t => t.getBoundingClientRect().height)),
                getComputedStyle(svg.parentElement).overflowX])""")
            assert [(scale, over) for scale, _, over in sizes] == [(1, "auto")] * 3
            assert min(height for _, height, _ in sizes) >= 12
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            assert errors == []
        finally:
            browser.close()
