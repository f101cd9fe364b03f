"""The project as a Scrapy user works with it: `scrapy list`, `scrapy crawl <site>` (the same crawl
as `newsarchive crawl`), and feed exports of exactly the crawl's article and ticker items."""

import csv
import json
import subprocess
import sys
from pathlib import Path

from crawler.core.items import EXPORT_FIELDS
from crawler.sites.maghress.page import PARSER_VERSION
from tests.conftest import MIRROR, ROOT, SEED_URL, query, run_cli, served_folder

SCRAPY = str(Path(sys.executable).with_name("scrapy"))
ARTICLE_FIELDS = {"type", "url", "title", "authors", "publisher", "published", "published_at", "published_problem", "language", "paragraphs", "original_url",
                  "image_url", "seen_at", "fetched_url", "capture", "parser_version", "content_hash", "group",
                  "group_similarity", "group_method"}
TICKER_FIELDS = {"type", "page_url", "headlines", "seen_at", "capture", "parser_version"}


def scrapy(*args, cwd=ROOT, timeout=120):
    proc = subprocess.run([SCRAPY, *map(str, args)], cwd=cwd, capture_output=True, timeout=timeout)
    return subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.decode(), proc.stderr.decode())


def test_scrapy_list_shows_one_spider_per_site():
    result = scrapy("list")
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["apnews", "maghress", "physorg"]


def test_scrapy_crawl_is_newsarchive_crawl_and_exports_only_items(tmp_path):
    db, out = tmp_path / "scrapy.db", tmp_path / "out.jsonl"
    result = scrapy("crawl", "maghress", "-s", f"NEWSARCHIVE_DB={db}", "-O", out)
    assert result.returncode == 0, result.stderr[-3000:]
    items = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    articles = [i for i in items if i["type"] == "article"]
    tickers = [i for i in items if i["type"] == "ticker"]
    assert len(articles) == 8 and len(tickers) == len(items) - 8 == 10
    assert all(set(a) == ARTICLE_FIELDS for a in articles)
    assert all(set(t) == TICKER_FIELDS for t in tickers)
    seed = next(a for a in articles if a["url"] == SEED_URL)
    assert (seed["publisher"], seed["published"], seed["language"], seed["parser_version"]) == (
        "Maroc Diplomatique", "2017-07-12", "fr", PARSER_VERSION)
    assert seed["group_method"] == "first" and seed["capture"].startswith("<urn:uuid:")
    expected = {}  # page URL -> its ticker, from the expected parses beside the saved pages
    for path in MIRROR.rglob("*.expected.json"):
        page = json.loads(path.read_text(encoding="utf-8"))
        if page["headlines"]:
            expected[page["url"]] = [h["text"] for h in page["headlines"]]
    assert {t["page_url"]: [h["text"] for h in t["headlines"]] for t in tickers} == expected
    # The same crawl as `newsarchive crawl`: the bundled mirror, replayed, into the archive.
    reference = tmp_path / "cli.db"
    run_cli("crawl", "--site", "maghress", "--db", reference, check=True)
    for table in ("articles", "article_versions", "headlines", "headline_sightings", "urls", "captures",
                  "article_groups", "stories"):
        assert query(db, f"SELECT count(*) AS n FROM {table}") == query(reference, f"SELECT count(*) AS n FROM {table}"), table
    assert query(db, "SELECT url, title, content_hash FROM articles ORDER BY url") == query(
        reference, "SELECT url, title, content_hash FROM articles ORDER BY url")
    crawl = query(db, "SELECT source, site, trigger, new_articles, finish_reason FROM crawls")[0]
    assert crawl == {"source": f"replay:{MIRROR}", "site": "maghress", "trigger": "manual", "new_articles": 8,
                     "finish_reason": "finished"}


def test_scrapy_csv_export_has_one_header_for_articles_and_tickers(tmp_path):
    out = tmp_path / "out.csv"
    result = scrapy("crawl", "maghress", "-s", f"NEWSARCHIVE_DB={tmp_path / 'a.db'}", "-O", out)
    assert result.returncode == 0, result.stderr[-3000:]
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    with out.open(encoding="utf-8", newline="") as f:
        assert next(csv.reader(f)) == list(EXPORT_FIELDS)
    assert sorted(r["url"] for r in rows if r["type"] == "article")[0] == "https://www.maghress.com/fr/albayane/404"
    assert [r["type"] for r in rows].count("article") == 8
    assert [r["type"] for r in rows].count("ticker") == 10
    assert all(r["page_url"] == "" for r in rows if r["type"] == "article")


def test_scrapy_crawl_live_argument_fetches_from_the_web(tmp_path):
    """`-a live=1`: no mirror; the start URLs (here a local server's) are fetched over HTTP."""
    db = tmp_path / "live.db"
    with served_folder(MIRROR / "www.maghress.com") as base:
        seeds = tmp_path / "seeds.txt"
        seeds.write_text(f"{base}/fr/marocdiplomatique/25429.txt\n", encoding="utf-8")
        result = scrapy("crawl", "maghress", "-a", "live=1", "-a", f"seeds={seeds}",
                        "-s", f"NEWSARCHIVE_DB={db}", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
                        "-s", "NEWSARCHIVE_ALLOW_PRIVATE=127.0.0.1")
    assert result.returncode == 0, result.stderr[-3000:]
    assert query(db, "SELECT source FROM crawls") == [{"source": "live"}]
    assert query(db, "SELECT url, publisher FROM articles") == [
        {"url": f"{base}/fr/marocdiplomatique/25429.txt", "publisher": "Maroc Diplomatique"}]
