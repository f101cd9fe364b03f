"""One search everywhere (issue 14): /-/search, the table search (?_search=) and the canned
`search` query read a search alike (crawler.core.fold.parse_query: words, OR, "phrases",
-exclusions) over one index holding folded text with French elision dropped and Arabic attached
prefixes stemmed (crawler.core.fold.search_text, m012); an article several papers published is
one entry on /-/search, "also published by" the others. Real SQLite files, a real Datasette."""

import re
import sqlite3
from html import unescape

import pytest

from crawler.archive import Archive, schema
from crawler.archive.schema import migrations
from crawler.core.fold import fts_query, parse_query, search_text
from tests.conftest import fetch, query

AR_URL = "https://www.maghress.com/hespress/606"
SEED_URL = "https://www.maghress.com/fr/marocdiplomatique/25429"
COPY_URL = "https://www.maghress.com/fr/lesechos/102"  # the seed article republished: same group


def quoted(q: str) -> str:
    from urllib.parse import quote

    return quote(q, safe="")


def page(db, q, **params):
    extra = "".join(f"&{k}={v}" for k, v in params.items())
    response = fetch(db, f"/-/search?q={quoted(q)}{extra}")
    assert response.status_code == 200, response.text[:300]
    return response.text


def shown_urls(html):
    """The reader-page URLs of the results listed, in order (headlines without a page: their URL)."""
    links = re.findall(r'<li class="na-result na-\w+".*?class="na-title" href="([^"]+)"', html, re.S)
    return [unescape(h).replace("/-/article?url=", "").replace("%3A", ":").replace("%2F", "/") for h in links]


def article_urls(db, q):
    """The article URLs of /-/search, of the table search and of the canned query, each sorted."""
    html = page(db, q, kind="article")
    table = fetch(db, f"/archive/articles.json?_search={quoted(q)}&_shape=array&_col=url").json()
    canned = fetch(db, f"/archive/search.json?q={quoted(q)}&_shape=array").json()
    return (sorted(shown_urls(html)), sorted(r["url"] for r in table),
            sorted(r["url"] for r in canned if r["kind"] == "article"))


# --- the index's text and the query expression (pure) --------------------------------------------------------
def test_search_text_strips_attached_prefixes_and_elision():
    assert search_text("الحكومة") == "الحكومه حكومه"
    assert search_text("والأشخاص،") == "والاشخاص اشخاص،"
    assert search_text("للنقل وبالحكومة") == "للنقل نقل وبالحكومه حكومه"
    # Words that begin with one of the letters keep it: the stem would be too short.
    assert search_text("كانت كتاب بيان وزير الذي التي الله") == "كانت كتاب بيان وزير الذي التي الله"
    assert search_text("والله") == "والله الله"  # و + الله, not وال + له
    assert search_text("L'État d’Europe qu‘il lorsqu'on aujourd'hui rock 'n' roll") == (
        "etat europe il on aujourd'hui rock 'n' roll")


@pytest.mark.parametrize("q, match", [
    ("حكومة", '"حكومه"'),
    ("الأشخاص", '("الاشخاص" OR "اشخاص")'),
    ("maroc rabat", '"maroc" AND "rabat"'),
    ("maroc OR rabat", '("maroc" OR "rabat")'),
    ("a b OR c d", '"a" AND ("b" OR "c") AND "d"'),
    ('"le bon chemin"', '"le bon chemin"'),
    ('"قطاع النقل"', '"قطاع النقل نقل"'),  # a phrase exactly as the index holds it
    ("maroc -rabat", '("maroc") NOT ("rabat")'),
    ('maroc -"bon chemin"', '("maroc") NOT ("bon chemin")'),
    ("l'état", '"etat"'),
    # Malformed input and FTS5 syntax: plain words.
    ('"maroc rabat', '"maroc" AND "rabat"'),
    ("title:x* ^y", '("title" AND "x") AND "y"'),
    ("NEAR(a b)", '("near" AND "a") AND "b"'),
    ("maroc OR", '"maroc" AND "or"'),
    ("maroc - rabat", '"maroc" AND "rabat"'),
    ("-maroc", '""'), ("-", '""'), ('"', '""'), ("*:^", '""'), ("", '""'),
])
def test_fts_query(q, match):
    assert fts_query(q) == match


def test_every_input_is_a_valid_fts5_query(tmp_path):
    conn = sqlite3.connect(tmp_path / "x.db")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(body, tokenize = 'unicode61 remove_diacritics 2')")
    conn.execute("INSERT INTO t VALUES (?)", [search_text("La métropole et l'État: والأشخاص")])
    nasty = ['"', '""', '"""', "-", "--", "- -x", "OR", "OR OR", "x OR OR y", "AND", "NOT x", "NEAR(", "NEAR(a b, 2)",
             "a*", "*", "^a", "title:a", "body:", "(", ")", "(a OR b", "{a b}", "a + b", "'", "l'", "«a", "a»",
             "\x00", "-\"a b\"", "\u200f", "ـ", "a" * 300, " ".join(["x"] * 200), "-x -y", "x -", "-OR"]
    for q in nasty:
        conn.execute("SELECT count(*) FROM t WHERE t MATCH ?", [fts_query(q)]).fetchone()
    assert conn.execute("SELECT count(*) FROM t WHERE t MATCH ?", [fts_query("etat -metropole")]).fetchone() == (0,)
    assert conn.execute("SELECT count(*) FROM t WHERE t MATCH ?", [fts_query("etat OR zzz")]).fetchone() == (1,)
    assert parse_query("-maroc").note == "Only exclusions: -word leaves out what has the word; add a word to find."


# --- the user's examples on the bundled archive ---------------------------------------------------------------
@pytest.fixture(scope="module")
def db(bundled):
    return bundled[0]


@pytest.mark.parametrize("q, marked", [
    ("حكومة", "الحكومة"),
    ("نقل", "النقل"),
    ("الأشخاص", "والأشخاص"),
    ("الحكومه", "الحكومة"),
])
def test_arabic_words_find_their_prefixed_forms_everywhere(db, q, marked):
    html, table, canned = article_urls(db, q)
    assert html == table == canned == [AR_URL]
    assert f"<mark>{marked}</mark>" in page(db, q)


def test_the_examples_found_nothing_before(db):
    """What the index held before m012 (fold alone) does not have the words the users searched."""
    body = query(db, "SELECT body FROM articles WHERE url = ?", [AR_URL])[0]["body"]
    from crawler.core.fold import fold

    words = set(re.findall(r"\w+", fold(body)))
    assert {"الحكومه", "النقل", "والاشخاص"} <= words and not {"حكومه", "نقل", "الاشخاص"} & words


def test_french_elision(db):
    # The bundled French articles say "l'État"? Whatever they say, etat and l'etat find the same.
    assert article_urls(db, "etat") == article_urls(db, "l'État")


def test_or_phrase_and_exclusion_on_the_bundled_archive(db):
    """The table search and the canned query list every match; /-/search one per duplicate group
    (the seed and its copy are one group: its first seen stands for it)."""
    both = [COPY_URL, SEED_URL]
    assert article_urls(db, "metropole") == ([SEED_URL], both, both)
    assert article_urls(db, "metropole OR نقل") == ([SEED_URL, AR_URL], [*both, AR_URL], [*both, AR_URL])
    assert article_urls(db, "metropole -casablanca") == ([], [], [])
    assert article_urls(db, "نقل -metropole") == ([AR_URL], [AR_URL], [AR_URL])
    assert article_urls(db, '"sur le bon chemin"') == ([SEED_URL], both, both)
    assert article_urls(db, '"chemin bon le sur"') == ([], [], [])
    assert article_urls(db, '"قطاع النقل"') == ([AR_URL], [AR_URL], [AR_URL])


def test_malformed_searches_answer_everywhere(db):
    for q in ('"', "-", "-metropole", "NEAR(", "title:x*", "^", "AND OR NOT", '"unbalanced metropole'):
        for path in (f"/-/search?q={quoted(q)}", f"/archive/articles?_search={quoted(q)}",
                     f"/archive/headlines.json?_search={quoted(q)}", f"/archive/search.json?q={quoted(q)}",
                     f"/archive/search_feed.atom?q={quoted(q)}"):
            assert fetch(db, path).status_code == 200, (q, path)
    text = re.sub(r"<[^>]+>", " ", page(db, "-metropole"))
    assert "Only exclusions: -word leaves out what has the word; add a word to find." in unescape(text)
    assert "No result for" in text
    assert article_urls(db, '"unbalanced metropole') == ([], [], [])
    assert article_urls(db, "metropole*") == article_urls(db, "metropole")


def test_duplicate_group_shows_once_with_also_published_by(db):
    html = page(db, "metropole", kind="article")
    assert shown_urls(html) == [SEED_URL] or shown_urls(html) == [COPY_URL]
    first = shown_urls(html)[0]
    other = COPY_URL if first == SEED_URL else SEED_URL
    publisher = query(db, "SELECT publisher FROM articles WHERE url = ?", [other])[0]["publisher"]
    href = "/-/article?url=" + quoted(other)
    assert f'also published by <a href="{href}"><bdi>{publisher}</bdi></a>' in html
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
    assert re.search(r"\b2 results for", text)  # the matches are counted; the copies shown together
    # The canned query and the table search list every match.
    assert article_urls(db, "metropole")[1:] == ([COPY_URL, SEED_URL], [COPY_URL, SEED_URL])


# --- a migrated archive ---------------------------------------------------------------------------------------
def _article(url, title, body, publisher="هسبريس", language="ar"):
    return {"url": url, "title": title, "publisher": publisher, "published": "2025-09-03", "language": language,
            "body": body, "original_url": None, "image_url": None, "content_hash": url,
            "seen_at": "2025-09-03T10:00:00Z"}


def test_a_migrated_archive_finds_the_prefixed_words(tmp_path, monkeypatch):
    path = tmp_path / "old.db"
    archive = Archive(path)
    # The rules m009 asks for (Archive.migrate registers them; none needed here: no row yet).
    archive.db.conn.create_function("newsarchive_paper", 2, lambda url, site: None)
    archive.db.conn.create_function("newsarchive_buckets", 1, lambda signature: "[]")
    migrations.apply(archive.db, stop_before="m012_search_prefixes_and_elision")
    # Written by the storage layer as it was: the index held fold() alone.
    from crawler.core.fold import fold

    urls = ["https://www.maghress.com/hespress/1", "https://www.maghress.com/fr/lematin/2"]
    rows = [_article(urls[0], "الحكومة تصادق", "قطاع النقل الطرقي للبضائع والأشخاص"),
            _article(urls[1], "L'État investit", "Le plan d’urgence de l'État", "Le Matin", "fr")]
    with archive.db.atomic():
        for row in rows:
            archive.db["articles"].insert({k: v for k, v in row.items() if k != "seen_at"}
                                          | {"first_seen": row["seen_at"], "last_seen": row["seen_at"]})
            rowid = archive.db.execute("SELECT rowid FROM articles WHERE url = ?", [row["url"]]).fetchone()[0]
            archive.db.execute("INSERT INTO search_fts (rowid, kind, ref, title, body) VALUES (?, 'article', ?, ?, ?)",
                               [rowid, row["url"], fold(row["title"]), fold(row["body"])])
        archive.db["headlines"].insert({"text": "وزير النقل يعلن", "key": "k1", "url": None,
                                        "first_seen": "2025-09-03T10:00:00Z", "last_seen": "2025-09-03T10:00:00Z"})
        archive.db.execute("INSERT INTO search_fts (rowid, kind, ref, title, body) VALUES (-1, 'headline', '1', ?, '')",
                           [fold("وزير النقل يعلن")])
    match = "SELECT ref FROM search_fts WHERE search_fts MATCH ? ORDER BY ref"
    assert query(path, match, [fts_query("نقل")]) == []
    archive.close()
    monkeypatch.setattr(schema, "REPORT_EVERY", 0.0)  # a line per value after the first (which starts the clock)
    told = []
    Archive.open(path, progress=told.append).close()  # m012, m013; 5 values: 2 articles' title and body, 1 headline
    assert told[0] == f"migrating archive {path}: m012_search_prefixes_and_elision, m013_url_lookups"
    assert [line.split(" (")[0] for line in told[1:]] == [
        f"rebuilding the search index: {n} of 5 values" for n in range(2, 6)]
    assert told[-1].startswith("rebuilding the search index: 5 of 5 values (100%), about 0 s left")
    assert schema.report is None
    told.clear()
    Archive.open(path, progress=told.append).close()
    assert told == []  # nothing to migrate: nothing said
    assert [r["ref"] for r in query(path, match, [fts_query("نقل")])] == ["1", urls[0]]
    assert [r["ref"] for r in query(path, match, [fts_query("حكومة")])] == [urls[0]]
    assert [r["ref"] for r in query(path, match, [fts_query("الأشخاص")])] == [urls[0]]
    assert [r["ref"] for r in query(path, match, [fts_query("etat")])] == [urls[1]]
    indexed = query(path, "SELECT rowid, title, body FROM search_fts ORDER BY rowid")
    assert indexed == [
        {"rowid": -1, "title": search_text("وزير النقل يعلن"), "body": ""},
        {"rowid": 1, "title": search_text(rows[0]["title"]), "body": search_text(rows[0]["body"])},
        {"rowid": 2, "title": search_text(rows[1]["title"]), "body": search_text(rows[1]["body"])},
    ]
    html = page(path, "حكومة")
    assert shown_urls(html) == [urls[0]] and "<mark>الحكومة</mark>" in html


def test_a_new_archive_indexes_with_stems_as_it_stores(tmp_path):
    path = tmp_path / "new.db"
    with Archive.open(path) as archive:
        archive.save_articles([_article("https://www.maghress.com/hespress/1", "للحكومة", "بالنقل والأشخاص")])
    assert query(path, "SELECT title, body FROM search_fts") == [
        {"title": "للحكومه حكومه", "body": "بالنقل نقل والاشخاص اشخاص"}]
