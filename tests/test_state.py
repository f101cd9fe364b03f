"""crawler.archive.state: the crawl's state asked of the archive's indexes, one point query at a
time, never loaded whole: grouping lookups (hashes, groups, near-duplicate candidates through
group_bands, stories), the frontier (a URL's row, the URLs due), payload holders."""

import json
import sqlite3

import pytest

from crawler.archive import schema
from crawler.archive.state import PAGE_ROWS, ArchiveState, PayloadHolders, read_connection
from crawler.archive.store import Archive
from crawler.core.items import Article
from crawler.grouping.articles import ArticleGroups, signature_buckets
from crawler.processing import GroupingState, Processor
from crawler.core import stats as keys
from crawler.core.stats import Stats
from crawler.sites import registry
from crawler.sites.maghress.page import parse_page
from tests.conftest import SEED_URL

FURNITURE = registry.boilerplate()


@pytest.fixture
def seed_paragraphs(seed_text) -> list[str]:
    return parse_page(SEED_URL, seed_text).article.paragraphs


def article(url, paragraphs, **fields) -> Article:
    return Article(url=url, title=fields.get("title", "Casablanca Smart City"), publisher="Lesechos",
                   published="2025-09-04", language="fr", paragraphs=list(paragraphs),
                   seen_at=fields.get("seen_at", "2025-09-04T10:00:00Z"))


def store(archive: Archive, outcomes) -> None:
    """What a crawl's batch writes, through the storage layer."""
    from crawler.archive.batch import Batch

    batch = Batch(Stats())
    for outcome in outcomes:
        batch.add(outcome)
    crawl = archive.start_crawl("2025-09-04T10:00:00Z", "test", "maghress")
    batch.write(archive, crawl, batch.take())


def test_a_near_copy_finds_its_group_in_a_later_crawl_through_the_archive(tmp_path, seed_paragraphs):
    path = tmp_path / "archive.db"
    with Archive.open(path) as archive:
        first = Processor(ArchiveState(archive.db.conn), Stats())
        outcome = first.process(article(SEED_URL, seed_paragraphs))
        assert outcome.item.group_method == "first" and outcome.signature is not None
        store(archive, [outcome])
        assert archive.count("group_bands") == ArticleGroups().bands  # one bucket per band

    edited = seed_paragraphs[:5] + seed_paragraphs[6:]  # a paragraph removed
    reader = read_connection(path)
    stats = Stats()
    later = Processor(ArchiveState(reader), stats)
    # nothing of the archive is held: the grouper starts empty and asks
    assert later.grouper.hash_by_url == {} and later.grouper.groups == {} and len(later.grouper.article_groups) == 0
    copy = later.process(article("https://www.maghress.com/fr/lematin/9001", edited))
    assert (copy.item.group, copy.item.group_method) == (SEED_URL, "near")
    assert copy.signature is None
    same = later.process(article("https://www.maghress.com/fr/albayane/9002", seed_paragraphs))
    assert (same.item.group, same.item.group_method, same.item.group_similarity) == (SEED_URL, "exact", 1.0)
    again = later.process(article(SEED_URL, seed_paragraphs))  # the archived URL keeps its group
    assert (again.item.group, again.item.group_method) == (SEED_URL, None)
    assert stats.get_value(keys.ARTICLES_UNCHANGED) == 1 and stats.get_value(keys.ARTICLES_NEW) == 2
    reader.close()


def test_the_in_memory_state_answers_as_the_archive_does(tmp_path, seed_paragraphs):
    """GroupingState (tests, small tools) and ArchiveState give the same groups."""
    path = tmp_path / "archive.db"
    with Archive.open(path) as archive:
        outcome = Processor(ArchiveState(archive.db.conn), Stats()).process(article(SEED_URL, seed_paragraphs))
        store(archive, [outcome])
        memory = GroupingState(hashes={SEED_URL: outcome.item.content_hash}, groups={SEED_URL: SEED_URL},
                               signatures=[(SEED_URL, outcome.signature)])
        edited = seed_paragraphs[:5] + seed_paragraphs[6:]
        a = Processor(memory, Stats()).process(article("https://www.maghress.com/fr/lematin/9001", edited)).item
        b = Processor(ArchiveState(archive.db.conn), Stats()).process(
            article("https://www.maghress.com/fr/lematin/9001", edited)).item
        assert (a.group, a.group_method, a.group_similarity) == (b.group, b.group_method, b.group_similarity)
        assert list(memory.near_candidates(signature_buckets(outcome.signature))) == [(SEED_URL, outcome.signature)]
        assert ArchiveState(archive.db.conn).near_candidates(signature_buckets(outcome.signature)) == [
            (SEED_URL, outcome.signature)]


def test_migration_m009_indexes_the_stored_signatures_and_fills_the_paper(tmp_path, seed_paragraphs):
    """An archive made before m009: its groups' buckets and its articles' papers are filled in."""
    path = tmp_path / "archive.db"
    db = Archive(path).db
    for name in sorted(n for n in dir(schema) if n.startswith("m00") and n < "m009"):
        db.conn.execute("SAVEPOINT m")
        getattr(schema, name)(db)
        db.conn.execute("RELEASE m")
    signature = ArticleGroups(boilerplate=FURNITURE).signature("\n".join(seed_paragraphs))
    db.execute("INSERT INTO group_signatures (grp, signature) VALUES (?, ?), ('old', x'00')", [SEED_URL, signature])
    db.execute("INSERT INTO crawls (started, source, site) VALUES ('2025-01-01T00:00:00Z', 'live', 'maghress')")
    db.execute("""INSERT INTO articles (url, title, publisher, published, language, body, content_hash,
                  first_seen, last_seen) VALUES (?, 't', 'p', '2025-01-01', 'fr', 'b', 'h', 'x', 'x')""", [SEED_URL])
    db.execute("""INSERT INTO headlines (text, key, url, first_seen, last_seen) VALUES
                  ('a', 'a', 'https://www.maghress.com/hespress/1', 'x', 'x'), ('b', 'b', NULL, 'x', 'x')""")
    db.conn.commit()
    db.conn.create_function("newsarchive_paper", 2, registry.paper_by_site_name)  # as Archive.migrate does
    db.conn.create_function("newsarchive_buckets", 1, lambda sig: json.dumps(signature_buckets(sig))
                            if sig[:1] == b"\x01" else "[]")
    schema.m009_state_by_query(db)
    assert db.execute("SELECT count(*), count(DISTINCT sig) FROM group_bands").fetchone() == (10, 1)
    assert db.execute("SELECT paper FROM articles").fetchall() == [("marocdiplomatique",)]
    assert db.execute("SELECT key, paper FROM headlines ORDER BY key").fetchall() == [("a", "hespress"), ("b", None)]


def test_the_urls_due_are_read_a_page_at_a_time_in_due_order(tmp_path):
    path = tmp_path / "archive.db"
    n = PAGE_ROWS * 2 + 17
    with Archive.open(path) as archive:
        marks = [{"url": f"https://www.maghress.com/fr/lematin/{i}", "kind": "article", "status": "fetched",
                  "at": "2025-01-01T00:00:00Z", "last_status": 200,
                  "next_due": f"2025-01-{1 + i % 28:02d}T00:00:00Z"} for i in range(n)]
        marks.append({"url": "https://www.maghress.com/fr/lematin/later", "kind": "article", "status": "fetched",
                      "at": "2025-01-01T00:00:00Z", "next_due": "2030-01-01T00:00:00Z"})
        marks.append({"url": "https://www.maghress.com/fr/lematin/skipped", "kind": "article", "status": "skipped",
                      "reason": "depth_limit", "at": "2025-01-01T00:00:00Z", "next_due": "2030-01-01T00:00:00Z"})
        with archive.transaction():
            archive.save_url_marks(marks)
        state = ArchiveState(archive.db.conn)
        due = list(state.due("2026-01-01T00:00:00Z"))
        assert len(due) == n and len({r["url"] for r in due}) == n
        assert [r["next_due"] for r in due] == sorted(r["next_due"] for r in due)
        assert set(due[0]) == {"url", "kind", "status", "depth", "next_due"}
        full = list(state.due("2026-01-01T00:00:00Z", every_known=True))
        assert len(full) == n + 1  # the URL not due yet too, never the skipped one
        assert state.url_row("https://www.maghress.com/fr/lematin/skipped")["reason"] == "depth_limit"
        assert state.url_row("https://www.maghress.com/fr/lematin/nowhere") is None


def test_payload_holders_are_the_first_capture_of_a_payload(tmp_path):
    path = tmp_path / "archive.db"
    with Archive.open(path) as archive:
        rows = [{"id": f"<urn:{i}>", "crawl": None, "url": "https://x.test/a", "canonical_url": "https://x.test/a",
                 "fetched_at": f"2025-01-0{i}T00:00:00Z", "status": status, "content_type": "text/html",
                 "payload_digest": "sha1:A", "record_type": record_type, "refers_to": None,
                 "warc_file": "f.warc.gz", "warc_offset": 0, "warc_length": 1}
                for i, status, record_type in ((1, 404, "response"), (2, 200, "revisit"), (3, 200, "response"),
                                               (4, 200, "response"))]
        with archive.transaction():
            archive.save_captures(rows)
        holders = PayloadHolders(archive.db.conn)
        assert holders.get(("https://x.test/a", "sha1:A")) == {
            "id": "<urn:3>", "url": "https://x.test/a", "fetched_at": "2025-01-03T00:00:00Z"}
        assert holders.get(("https://x.test/a", "sha1:B")) is None
        holders[("https://x.test/a", "sha1:B")] = {**rows[0], "id": "<urn:9>"}
        assert holders.get(("https://x.test/a", "sha1:B"))["id"] == "<urn:9>"
        assert holders.crawl.keys() == {("https://x.test/a", "sha1:B")}  # only this crawl's in memory


def test_a_crawl_leaves_no_wal_behind(bundled):
    """The crawl's read connection closes before the writer's, which checkpoints: the archive
    file alone holds everything (a user may copy just the .db)."""
    db = bundled[0]
    assert not db.with_name(db.name + "-wal").exists() or db.with_name(db.name + "-wal").stat().st_size == 0
    conn = sqlite3.connect(f"file:{db}?mode=ro&immutable=1", uri=True)  # the file alone, no WAL
    assert conn.execute("SELECT count(*) FROM headline_sightings").fetchone()[0] == 120
    conn.close()


def test_the_crawl_frontier_remembers_only_the_urls_it_asks_about(tmp_path):
    from crawler.crawl.frontier import CrawlFrontier

    path = tmp_path / "archive.db"
    with Archive.open(path) as archive:
        with archive.transaction():
            archive.save_url_marks([{"url": f"https://www.maghress.com/fr/lematin/{i}", "kind": "article",
                                     "status": "fetched", "at": "2025-01-01T00:00:00Z",
                                     "next_due": "2025-01-02T00:00:00Z"} for i in range(300)])
        frontier = CrawlFrontier(ArchiveState(archive.db.conn))
        assert len(list(frontier.due_rows("2026-01-01T00:00:00Z"))) == 300
        assert frontier.rows == {}  # the URLs due are listed, not held
        assert frontier.known("https://www.maghress.com/fr/lematin/7")["next_due"] == "2025-01-02T00:00:00Z"
        assert frontier.known("https://www.maghress.com/fr/lematin/new") is None
        assert set(frontier.rows) == {"https://www.maghress.com/fr/lematin/7", "https://www.maghress.com/fr/lematin/new"}
