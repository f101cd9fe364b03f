"""Datasette's table pages of an archive as a reader sees them: facets counted from the summaries
(crawler.publish.facets), long text cut and titles linking to the reader page
(crawler.publish.cells), no facet suggestions, and a stock `datasette` (its default settings) on
a large archive answering every table page."""

import re
from html import unescape
from urllib.parse import quote

import pytest
from datasette.app import Datasette
from datasette.utils import tilde_encode

from crawler.publish import cells, hooks
from tests.conftest import SEED_URL, fetch, query


@pytest.fixture(scope="module")
def db(bundled):
    return bundled[0]


def facets_of(page_json):
    return {name: {r["value"]: r["count"] for r in info["results"]} | {"type": info["type"]}
            for name, info in page_json["facet_results"].items()}


def grouped(db, column, where=""):
    return {r["v"]: r["n"] for r in query(db, f"SELECT {column} AS v, count(*) AS n FROM articles {where} GROUP BY 1")}


def test_unfiltered_facets_come_from_the_summaries_with_the_counts_of_the_rows(db):
    data = fetch(db, "/archive/articles.json?_extra=facet_results").json()
    facets = facets_of(data)
    assert facets["publisher"] == grouped(db, "publisher") | {"type": "column"}
    assert facets["language"] == grouped(db, "language") | {"type": "column"}
    assert facets["published"]["type"] == "date"
    # The summary is what is read: a count changed in it shows (the page does not count rows).
    import sqlite3
    conn = sqlite3.connect(db)
    try:
        with conn:
            conn.execute("UPDATE summary_articles_by_paper SET articles = articles + 1000 WHERE language = 'ar'")
        shifted = facets_of(fetch(db, "/archive/articles.json?_extra=facet_results").json())["language"]
        with conn:
            conn.execute("UPDATE summary_articles_by_paper SET articles = articles - 1000 WHERE language = 'ar'")
    finally:
        conn.close()
    assert shifted["ar"] == grouped(db, "language")["ar"] + 1000 * len(
        query(db, "SELECT 1 FROM summary_articles_by_paper WHERE language = 'ar'"))


def test_filtered_facets_count_the_matching_rows(db):
    facets = facets_of(fetch(db, "/archive/articles.json?language=fr&_extra=facet_results").json())
    assert facets["publisher"] == grouped(db, "publisher", "WHERE language = 'fr'") | {"type": "column"}
    assert facets["language"] == {"fr": len(query(db, "SELECT 1 FROM articles WHERE language = 'fr'")), "type": "column"}
    searched = facets_of(fetch(db, "/archive/articles.json?_search=metropole&_extra=facet_results").json())
    matching = query(db, "SELECT a.publisher AS v, count(*) AS n FROM articles a WHERE a.rowid IN"
                         " (SELECT rowid FROM search_fts WHERE search_fts MATCH 'metropole' AND rowid > 0) GROUP BY 1")
    assert searched["publisher"] == {r["v"]: r["n"] for r in matching} | {"type": "column"}


def test_a_facet_value_links_to_the_filtered_page(db):
    page = unescape(fetch(db, "/archive/articles").text)
    assert re.search(r'href="[^"]*/archive/articles\?[^"]*language=ar"', page)
    assert "(summary)" not in page  # shown as column facets


def test_no_facet_suggestions_on_an_archive(db):
    data = fetch(db, "/archive/articles.json?_extra=suggested_facets").json()
    assert data["suggested_facets"] == []
    assert "Suggested facets" not in fetch(db, "/archive/articles").text


def test_a_stock_datasette_answers_every_table_page_of_a_large_archive(db, monkeypatch):
    """`datasette archive.db` with Datasette's own settings (suggest_facets on): its facet
    suggestions counted the table first, which the guard of an archive over LARGE_BYTES refuses
    (500 "not authorized" on the articles page of a 13 GB archive)."""
    import asyncio

    monkeypatch.setattr(hooks, "LARGE_BYTES", 0)
    names = ["articles", "article_versions", "headlines", "headline_sightings", "article_groups", "stories", "crawls"]

    async def run():
        ds = Datasette(files=[str(db)])
        try:
            return {name: (await ds.client.get(f"/archive/{name}")).status_code for name in names}
        finally:
            for database in ds.databases.values():
                database.close()

    assert asyncio.run(run()) == dict.fromkeys(names, 200)


def test_long_text_is_cut_on_table_pages_and_whole_on_the_row_page(db):
    row = query(db, "SELECT url, title, body FROM articles WHERE url = ?", (SEED_URL,))[0]
    assert len(row["body"]) > cells.TRUNCATED
    table = fetch(db, "/archive/articles.json?_shape=array").json()
    assert SEED_URL in [r["url"] for r in table]  # JSON keeps the whole text
    assert [r["body"] for r in table if r["url"] == SEED_URL] == [row["body"]]
    html = unescape(fetch(db, "/archive/articles").text)
    cut = cells.truncated(row["body"])
    assert cut.endswith("…") and len(cut) <= cells.TRUNCATED + 1
    assert cut in html and row["body"] not in html
    response = fetch(db, "/archive/articles/" + tilde_encode(SEED_URL))
    assert response.status_code == 200
    row_page = unescape(response.text)
    assert all(paragraph in row_page for paragraph in row["body"].split("\n") if paragraph)
    assert cut not in row_page


def test_titles_link_to_the_reader_page(db):
    html = fetch(db, "/archive/articles").text
    href = "/-/article?url=" + quote(SEED_URL, safe="")
    title = query(db, "SELECT title FROM articles WHERE url = ?", (SEED_URL,))[0]["title"]
    assert re.search(rf'<a class="newsarchive-read" href="{re.escape(href)}">{re.escape(str(title))}</a>',
                     unescape(html.replace("&amp;", "&")))
    reader = fetch(db, href)
    assert reader.status_code == 200 and title in unescape(reader.text)


def test_truncated_cuts_at_a_word():
    text = "mot " * 100
    cut = cells.truncated(text, 21)
    assert cut == "mot mot mot mot mot…"
    assert cells.truncated("court", 21) == "court"


def test_latest_headlines_link_to_the_archived_copy(db):
    rows = fetch(db, "/archive/latest_headlines.json?_shape=array").json()
    archived = {r["url"] for r in query(db, "SELECT url FROM articles")}
    assert [r["archived_copy"] for r in rows] == [r["url"] if r["url"] in archived else None for r in rows]
    linked = [r["url"] for r in rows if r["archived_copy"]]
    assert linked  # the bundled ticker links to archived articles
    html = unescape(fetch(db, "/archive/latest_headlines").text)
    href = "/-/article?url=" + quote(linked[0], safe="")
    assert f'<a class="newsarchive-read" href="{href}">{linked[0]}</a>' in html
