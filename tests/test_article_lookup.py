"""/-/article?url=: any form of an archived article's URL finds it (crawler.publish.lookup), and a
miss says what was looked up and offers a search, with the archive's navigation."""

from urllib.parse import quote, unquote

import pytest

from crawler.frontier.urls import lookup_forms
from crawler.publish import lookup
from tests.conftest import SEED_URL, datasette, fetch, query

READER = "/-/article?url="


@pytest.fixture(scope="module")
def db(bundled):
    return bundled[0]


def landing(db, given):
    response = fetch(db, READER + quote(given, safe=""))
    return response.status_code, unquote(response.headers.get("location", ""))


@pytest.mark.parametrize("given", [
    "http://www.maghress.com/fr/marocdiplomatique/25429",
    "https://maghress.com/fr/marocdiplomatique/25429",
    "https://www.maghress.com/fr/marocdiplomatique/25429/",
    "https://www.maghress.com/fr/marocdiplomatique/25429?utm_source=facebook&utm_medium=social",
    "www.maghress.com/fr/marocdiplomatique/25429",
    "  HTTP://MAGHRESS.COM/fr/marocdiplomatique/25429/#commentaires ",
])
def test_every_form_of_the_url_leads_to_the_article(db, given):
    assert landing(db, given) == (302, READER + SEED_URL)


def test_the_article_itself_is_answered_at_its_own_address(db):
    title = query(db, "SELECT title FROM articles WHERE url = ?", (SEED_URL,))[0]["title"]
    page = fetch(db, READER + quote(SEED_URL, safe=""))
    assert page.status_code == 200 and f"<h1>{title}</h1>" in page.text.replace("&#39;", "'")


def test_the_original_papers_url_and_the_fetched_url_lead_to_the_article(db):
    row = query(db, "SELECT url, original_url FROM articles WHERE original_url IS NOT NULL ORDER BY url LIMIT 1")[0]
    assert landing(db, row["original_url"]) == (302, READER + row["url"])
    import sqlite3
    conn = sqlite3.connect(db)
    try:  # an article first fetched at another address (a redirect): that address finds it
        with conn:
            conn.execute("UPDATE articles SET fetched_url = 'https://www.maghress.com/fr/redirected/1' WHERE url = ?",
                         (SEED_URL,))
        assert landing(db, "http://maghress.com/fr/redirected/1/") == (302, READER + SEED_URL)
    finally:
        with conn:
            conn.execute("UPDATE articles SET fetched_url = NULL WHERE url = ?", (SEED_URL,))
        conn.close()


def test_a_version_is_kept_through_the_move(db):
    response = fetch(db, READER + quote("http://maghress.com/fr/marocdiplomatique/25429/", safe="") + "&version=1")
    assert response.status_code == 302
    assert unquote(response.headers["location"]) == READER + SEED_URL + "&version=1"


def test_a_miss_says_what_was_looked_up_and_offers_a_search(db):
    given = "https://www.maghress.com/fr/lesechos/la-smart-city-de-casablanca-9999"
    page = fetch(db, READER + quote(given, safe=""))
    assert page.status_code == 404
    assert "No archived article" in page.text and f"<code class=\"na-url\" dir=\"ltr\">{given}</code>" in page.text
    for form in lookup_forms(given):
        assert f"<code>{form}</code>" in page.text
    assert 'href="/-/search?q=smart+city+casablanca"' in page.text
    assert 'class="na-nav"' in page.text  # the archive's navigation, not a bare error page


def test_no_url_and_text_that_is_no_url():
    assert lookup.forms_of("") == []
    assert lookup.search_words("https://apnews.com/article/wildfire-evacuations-oregon-5f3c") == \
        "wildfire evacuations oregon"
    assert lookup.search_words("https://www.maghress.com/fr/lesechos/101") == "lesechos"


def test_an_empty_url_asks_for_one(db):
    page = fetch(db, READER)
    assert page.status_code == 404 and "Which article? Give its URL" in page.text


def test_a_miss_in_french_and_arabic(db):
    import asyncio

    async def run(lang):
        ds = datasette(db)
        try:
            return await ds.client.get(READER + quote("https://www.maghress.com/fr/x/1", safe=""),
                                       headers={"Accept-Language": lang})
        finally:
            for database in ds.databases.values():
                database.close()

    fr, ar = asyncio.run(run("fr-FR,fr;q=0.9")), asyncio.run(run("ar"))
    assert fr.status_code == ar.status_code == 404
    assert '<html lang="fr" dir="ltr">' in fr.text and "<h1>Aucun article archivé</h1>" in fr.text
    assert '<html lang="ar" dir="rtl">' in ar.text and "<h1>لا يوجد مقال مؤرشف</h1>" in ar.text
