"""Whole crawls through Scrapy's engine, in subprocesses, into real SQLite files."""

import http.server
import json
import threading
from functools import partial

import pytest

from tests.conftest import MAGHRESS_ARTICLES, SEED_URL, count, query, run_cli

ARTICLES = MAGHRESS_ARTICLES


def crawl_stats(db, crawl_id):
    return json.loads(query(db, "SELECT stats FROM crawls WHERE id = ?", (crawl_id,))[0]["stats"])


def test_first_crawl_archives_every_reachable_article_once(bundled):
    db, first, after_first, _ = bundled
    assert after_first == {"articles": 8, "headlines": 60, "headline_sightings": 60, "crawls": 1}
    assert "crawl 1 finished: 10 pages, 8 new articles" in first.stderr


def test_the_seed_article_is_stored_with_its_exact_fields(bundled):
    db = bundled[0]
    row = query(db, "SELECT * FROM articles WHERE url = ?", (SEED_URL,))[0]
    assert row["title"] == "Casablanca Smart City: La métropole sur le bon chemin pour devenir une ville intelligente"
    assert row["publisher"] == "Maroc Diplomatique"
    assert row["published"] == "2017-07-12"
    assert row["language"] == "fr"
    assert row["original_url"] is None
    paragraphs = row["body"].split("\n\n")
    assert len(paragraphs) == 14
    assert paragraphs[0].startswith("Faire de Casablanca une Smart City")
    # The mirror records when the seed page was saved: the replayed page takes that time.
    assert row["first_seen"] == "2025-09-04T00:00:00Z"


def test_articles_follow_links_through_html_and_text(bundled):
    db = bundled[0]
    assert [r["url"] for r in query(db, "SELECT url FROM articles ORDER BY url")] == ARTICLES
    assert query(db, "SELECT language, count(*) AS n FROM articles GROUP BY language ORDER BY language") == [
        {"language": "ar", "n": 1},
        {"language": "fr", "n": 7},
    ]


def test_republished_copy_is_grouped_with_the_original_by_text(bundled):
    db = bundled[0]
    # /fr/lesechos/102 republishes the seed article word for word: kept, and grouped with it.
    assert query(db, "SELECT url, grp, similarity, method FROM article_groups ORDER BY grp, method") == [
        {"url": u, "grp": u, "similarity": 1.0, "method": "first"} for u in ARTICLES[:4] + ARTICLES[5:6]
    ] + [
        {"url": "https://www.maghress.com/fr/lesechos/102", "grp": SEED_URL, "similarity": 1.0, "method": "exact"},
        {"url": SEED_URL, "grp": SEED_URL, "similarity": 1.0, "method": "first"},
        {"url": "https://www.maghress.com/hespress/606", "grp": "https://www.maghress.com/hespress/606",
         "similarity": 1.0, "method": "first"},
    ]
    assert crawl_stats(db, 1)["dedup/articles/group/exact"] == 1


def test_missing_and_forbidden_urls_are_recorded_not_fetched(bundled):
    stats = crawl_stats(bundled[0], 1)
    assert stats["replay/skipped/not_in_mirror"] == 9
    assert "https://www.maghress.com/fr/lematin/999" in stats["replay/skipped_urls"]
    assert stats["robotstxt/forbidden"] == 1
    assert stats["replay/served"] == 11  # 10 pages and robots.txt
    assert "9 URLs not in mirror" in bundled[1].stderr  # the summary (the log, -v, lists each one)
    assert stats["finish_reason"] == "finished"


def test_a_headline_seen_on_several_pages_has_one_sighting_with_its_best_position(bundled):
    db = bundled[0]
    rows = query(
        db,
        """SELECT h.url, s.position, s.page_url, s.seen_at, s.crawl FROM headlines h
           JOIN headline_sightings s ON s.headline = h.id
           WHERE h.text = 'Les températures attendues ce jeudi 4 septembre 2025' ORDER BY s.crawl""",
    )
    # 30th on the seed's ticker (seen first there), 3rd on an HTML page that links it.
    assert rows[0] == {
        "url": "https://www.maghress.com/fr/interdit/1",
        "position": 3,
        "page_url": SEED_URL,
        "seen_at": "2025-09-04T00:00:00Z",
        "crawl": 1,
    }
    assert len(rows) == 2


def test_second_crawl_adds_only_sightings(bundled):
    db, _, _, second = bundled
    assert {t: count(db, t) for t in ("articles", "headlines", "headline_sightings", "crawls")} == {
        "articles": 8,
        "headlines": 60,
        "headline_sightings": 120,
        "crawls": 2,
    }
    stats = crawl_stats(db, 2)
    assert stats["dedup/articles/unchanged"] == 8
    assert "dedup/articles/new" not in stats
    assert stats["store/headlines/new"] == 0
    assert "crawl 2 finished: 10 pages, 0 new articles, 8 unchanged, 0 changed, 0 new headlines" in second.stderr


def test_full_text_search_of_the_crawled_archive(bundled):
    db = bundled[0]
    hits = query(db, "SELECT a.url FROM search_fts JOIN articles a ON a.rowid = search_fts.rowid "
                     "WHERE search_fts MATCH 'metropole' AND search_fts.kind = 'article'")
    assert sorted(h["url"] for h in hits) == ["https://www.maghress.com/fr/lesechos/102", SEED_URL]


# --- A live crawl of a real HTTP server on 127.0.0.1 -------------------------------------------
ARTICLE_PAGE = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"></head><body>
<div class="ticker">{ticker}</div>
<span class="articletitle">{title}</span>
<span class="articlenewspaper">Publié dans <a href="/fr/lesechos">Les Echos</a> le 0{n} - 09 - 2025</span>
<span class="articlecontent">Premier paragraphe de l'article {n}.<br>Second paragraphe, numéro {n}.</span>
<div>Cliquez <a href="https://lesechos.ma/{n}">ici</a> pour lire l'article depuis sa source.</div>
</body></html>"""


def make_site(root, paths):
    ticker = "&nbsp;&nbsp;&nbsp;&nbsp;".join(f'<a href="{p}">Titre de {p}</a>' for p in paths)
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /fr/interdit/\n")
    for n, path in enumerate(paths, 1):
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        if "absent" not in path:
            target.write_text(ARTICLE_PAGE.format(ticker=ticker, title=f"Article {n}", n=n), encoding="utf-8")
    (root / "fr").mkdir(exist_ok=True)
    (root / "fr" / "index.html").write_text(
        ARTICLE_PAGE.format(ticker=ticker, title="x", n=0).split('<span class="articletitle">')[0], encoding="utf-8"
    )


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {"": "text/html; charset=utf-8", ".txt": "text/plain"}
    requested: list[str] = []

    def do_GET(self):
        SiteHandler.requested.append(self.path)
        super().do_GET()

    def log_message(self, *args):
        pass


@pytest.fixture
def local_site(tmp_path):
    root = tmp_path / "site"
    root.mkdir()
    paths = ["/fr/lesechos/1", "/fr/lesechos/2", "/fr/lagazette/3", "/fr/interdit/4", "/fr/absent/5"]
    make_site(root, paths)
    SiteHandler.requested = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(SiteHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", tmp_path
    server.shutdown()
    server.server_close()


def test_live_crawl_of_a_local_server(local_site):
    base, tmp = local_site
    seeds = tmp / "seeds.txt"
    seeds.write_text(f"# local test site\n{base}/fr/\nfile:///etc/passwd\ndata:text/html,hello\n")
    db = tmp / "archive.db"
    result = run_cli(
        "crawl", "--live", "--seeds", seeds, "--db", db, "-v",  # -v: Scrapy's log, asserted below
        "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_START_DELAY=0",
        "-s", "NEWSARCHIVE_ALLOW_PRIVATE=127.0.0.1", check=True,
    )
    assert [r["url"] for r in query(db, "SELECT url FROM articles ORDER BY url")] == [
        f"{base}/fr/lagazette/3",
        f"{base}/fr/lesechos/1",
        f"{base}/fr/lesechos/2",
    ]
    article = query(db, "SELECT * FROM articles WHERE url = ?", (f"{base}/fr/lesechos/2",))[0]
    assert (article["title"], article["publisher"], article["published"]) == ("Article 2", "Les Echos", "2025-09-02")
    assert article["original_url"] == "https://lesechos.ma/2"
    assert article["body"] == "Premier paragraphe de l'article 2.\n\nSecond paragraphe, numéro 2."
    assert count(db, "headlines") == 5
    # robots.txt obeyed: the forbidden path was never requested; only http(s) seeds fetched.
    assert "/fr/interdit/4" not in SiteHandler.requested
    assert sorted(set(SiteHandler.requested)) == sorted(
        ["/robots.txt", "/fr/", "/fr/lesechos/1", "/fr/lesechos/2", "/fr/lagazette/3", "/fr/absent/5"]
    )
    stats = crawl_stats(db, 1)
    assert stats["spider/refused/scheme"] == 2
    assert stats["robotstxt/forbidden"] == 1
    assert stats["downloader/response_status_count/404"] == 1
    assert "Refused seed URL (only http and https are fetched): file:///etc/passwd" in result.stderr


# --- Bad input: one-line errors, nothing written ---------------------------------------------
def test_missing_mirror_is_a_one_line_error(tmp_path):
    result = run_cli("crawl", "--replay", tmp_path / "nowhere", "--db", tmp_path / "a.db")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("Error:")


def test_unopenable_archive_is_a_one_line_error(tmp_path):
    db = tmp_path / "archive.db"
    db.write_bytes(b"not sqlite" * 1000)
    result = run_cli("crawl", "--site", "maghress", "--db", db)
    assert result.returncode == 1
    assert result.stderr.strip() == f"Error: cannot open archive {db}: file is not a database"
    assert db.read_bytes() == b"not sqlite" * 1000


def test_missing_seeds_file_is_a_one_line_error(tmp_path):
    result = run_cli("crawl", "--seeds", tmp_path / "none.txt", "--db", tmp_path / "a.db")
    assert result.returncode == 1
    assert result.stderr.strip() == f"Error: cannot read {tmp_path / 'none.txt'}: No such file or directory"


def test_replay_and_live_exclude_each_other(tmp_path):
    result = run_cli("crawl", "--live", "--replay", tmp_path, "--db", tmp_path / "a.db")
    assert result.returncode == 1
    assert result.stderr.strip() == "Error: --live and --replay exclude each other"
