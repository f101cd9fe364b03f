"""The archive file: migrations, WAL, batched writes where a bad row costs only itself, search."""

import re
import sqlite3

import pytest

from crawler.archive import schema
from crawler.archive.store import Archive, ArchiveError


def article_row(url, **changes):
    row = {
        "url": url,
        "title": "Casablanca Smart City: La métropole sur le bon chemin",
        "publisher": "Maroc Diplomatique",
        "published": "2017-07-12",
        "language": "fr",
        "body": "Faire de Casablanca une Smart City.\n\nDeuxième paragraphe.",
        "original_url": None,
        "image_url": None,
        "content_hash": "h-" + url,
        "seen_at": "2025-09-04T00:00:00Z",
    }
    row.update(changes)
    return row


@pytest.fixture
def archive(tmp_path):
    archive = Archive.open(tmp_path / "archive.db")
    yield archive
    archive.close()


def test_migrations_create_the_schema_once(tmp_path):
    path = tmp_path / "archive.db"
    Archive(path).close()  # opening alone migrates nothing: migrations run by one explicit call
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0] == 0
    with Archive(path) as archive:
        applied = [r["name"] for r in archive.migrate().query("SELECT name FROM _sqlite_migrations")]
    # every migration of crawler.archive.schema, in order, once
    assert applied == sorted(n for n in dir(schema) if re.fullmatch(r"m\d{3}_\w+", n))
    assert applied[:3] == ["m001_initial", "m002_captures_and_versions", "m003_frontier_and_runs"]
    Archive.open(path).close()  # a second migration applies nothing
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"articles", "headlines", "headline_sightings", "crawls", "search_fts"} <= tables
    # One full-text index: the folded search_fts (no articles_fts / headlines_fts, no FTS triggers);
    # the only triggers keep the summary tables of m010 up to date.
    assert {t for t in tables if t.endswith("_fts")} == {"search_fts"}
    triggers = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert triggers == {
        "articles_summary_insert", "articles_summary_update", "articles_summary_group", "articles_summary_delete",
        "article_versions_summary_insert", "article_versions_summary_delete",
        "headlines_summary_insert", "headlines_summary_update", "headlines_summary_seen", "headlines_summary_delete",
        "headline_sightings_summary_insert", "headline_sightings_summary_update",
        "headline_sightings_summary_position", "headline_sightings_summary_delete",
        "crawls_summary_insert", "crawls_summary_update", "crawls_summary_delete",
        "article_groups_summary_insert", "article_groups_summary_update", "article_groups_summary_delete",
        "stories_summary_insert", "stories_summary_update", "stories_summary_delete",
    }
    assert conn.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0] == len(applied)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_an_invalid_row_costs_only_itself(archive):
    rows = [
        article_row("https://www.maghress.com/fr/a/1"),
        article_row("https://www.maghress.com/fr/a/2", title=""),
        article_row("https://www.maghress.com/fr/a/3", published="12/07/2017"),
        article_row("https://www.maghress.com/fr/a/4"),
    ]
    result = archive.save_articles(rows)
    assert result.written == 2
    assert [(r["url"], reason) for r, reason in result.rejected] == [
        ("https://www.maghress.com/fr/a/2", "check_constraint_failed"),
        ("https://www.maghress.com/fr/a/3", "check_constraint_failed"),
    ]
    assert [r["url"] for r in archive.query("SELECT url FROM articles ORDER BY url")] == [
        "https://www.maghress.com/fr/a/1",
        "https://www.maghress.com/fr/a/4",
    ]


def test_saving_an_article_again_keeps_first_seen(archive):
    archive.save_articles([article_row("https://www.maghress.com/fr/a/1", seen_at="2025-09-04T00:00:00Z")])
    archive.save_articles([article_row("https://www.maghress.com/fr/a/1", seen_at="2025-10-01T00:00:00Z")])
    row = archive.query("SELECT first_seen, last_seen FROM articles")[0]
    assert row == {"first_seen": "2025-09-04T00:00:00Z", "last_seen": "2025-10-01T00:00:00Z"}


def test_headlines_keep_their_url_once_known(archive):
    seen = "2025-09-04T00:00:00Z"
    _, ids = archive.save_headlines([{"text": "Drame à Lisbonne", "key": "drame à lisbonne", "url": None, "seen_at": seen}])
    url = "https://www.maghress.com/fr/lesechos/1"
    archive.save_headlines([{"text": "Drame à Lisbonne", "key": "drame à lisbonne", "url": url, "seen_at": seen}])
    archive.save_headlines([{"text": "Drame à Lisbonne", "key": "drame à lisbonne", "url": None, "seen_at": seen}])
    assert archive.query("SELECT id, url FROM headlines") == [{"id": ids["drame à lisbonne"], "url": url}]


def test_table_search_through_the_one_index_folds_accents(archive):
    """Datasette's table search: a row whose rowid (articles) or search_rowid (headlines) is
    in search_fts' matches, as the plugin's metadata sets fts_table and fts_pk."""
    archive.save_articles([article_row("https://www.maghress.com/fr/a/1")])
    archive.save_headlines([{"text": "Élections régionales", "key": "élections régionales", "url": None, "seen_at": "x"}])
    hits = archive.query("SELECT url FROM articles WHERE rowid IN "
                         "(SELECT rowid FROM search_fts WHERE search_fts MATCH 'metropole')")
    assert hits == [{"url": "https://www.maghress.com/fr/a/1"}]
    hits = archive.query("SELECT text FROM headlines WHERE search_rowid IN "
                         "(SELECT rowid FROM search_fts WHERE search_fts MATCH 'elections')")
    assert hits == [{"text": "Élections régionales"}]
    # A headline never matches as an article, nor an article as a headline.
    assert archive.query("SELECT url FROM articles WHERE rowid IN "
                         "(SELECT rowid FROM search_fts WHERE search_fts MATCH 'elections')") == []


def test_unopenable_archive_is_a_clear_error(tmp_path):
    path = tmp_path / "not-a-db.db"
    path.write_bytes(b"this is not an sqlite file" * 100)
    with pytest.raises(ArchiveError, match="cannot open archive"):
        Archive(path)


def test_folded_search_over_articles_and_headlines(archive):
    from crawler.core.fold import fts_query

    archive.save_articles([
        article_row("https://www.maghress.com/fr/a/1", title="Élections à Casablanca", body="La métropole vote."),
        article_row("https://www.maghress.com/hespress/2", title="أعلنت الحكومة إطلاق مبادرة", language="ar",
                    body="المدرسةُ الكبرى في الـــمغرب"),
    ])
    archive.save_headlines([{"text": "Drame à Lisbonne", "key": "drame à lisbonne", "url": None,
                             "seen_at": "2025-09-04T00:00:00Z"}])

    def search(q):
        return [r["ref"] for r in archive.query(
            "SELECT ref FROM search_fts WHERE search_fts MATCH ? ORDER BY rank", [fts_query(q)])]

    assert search("elections") == ["https://www.maghress.com/fr/a/1"]
    assert search("METROPOLE") == ["https://www.maghress.com/fr/a/1"]
    assert search("اعلنت") == ["https://www.maghress.com/hespress/2"]  # أ folded
    assert search("الحكومه اطلاق") == ["https://www.maghress.com/hespress/2"]  # ة and إ folded
    assert search("المدرسة المغرب") == ["https://www.maghress.com/hespress/2"]  # harakat, tatweel
    assert search("lisbonne") == ["1"]
    assert search('" OR NEAR(') == []  # FTS syntax in a query is plain words, never an error


def test_a_snapshot_reports_its_progress_by_the_size_written(archive, tmp_path, monkeypatch):
    from crawler.archive import snapshot as module

    with archive.transaction():
        archive.save_articles([article_row(f"https://www.maghress.com/fr/lesechos/{i}", body="mot " * 2000)
                               for i in range(200)])
    archive.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    monkeypatch.setattr(module, "PROGRESS_STEPS", 1000)
    seen = []
    out = module.snapshot(archive.path, tmp_path / "copy.db", progress=lambda done, total: seen.append((done, total)))
    assert len(seen) > 3
    assert {total for _, total in seen} == {archive.path.stat().st_size}
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)  # the copy only grows
    assert 0 < seen[-1][0] <= out.stat().st_size
