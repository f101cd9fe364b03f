"""Hostile input against the published archive (Datasette with the newsarchive plugin): what a
visitor can and cannot get, and what the server says when refusing.

- `newsarchive serve`: 127.0.0.1 and no arbitrary SQL unless asked for; another --host says what
  it exposes; the open redirect of Datasette's trailing-slash redirect closed (real servers);
- arbitrary SQL, when allowed, bounded in memory (SQLite's limits on the connection, the rows of
  a statement, the size of a response) and unable to read the internal tables, nor can any
  table page, canned query or download;
- bad paging and sort parameters answer 400 (a search page past the end: "no more results"),
  and a fuzz of every documented parameter over the archive's routes finds no 500;
- a damaged or empty archive answers a clear 503 page, never a 500.

What is measured is what comes back (status, message, size), never how long it took.
"""

import contextlib
import http.client
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import threading
from html import unescape
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from crawler.archive.snapshot import snapshot
from crawler.publish import archives, config, gate, hooks, safety
from crawler.publish.serve import exposure_notice, is_loopback
from tests.conftest import CLI, ROOT, SEED_URL, count, datasette, fetch, free_port, running

DATASETTE = str(Path(os.sys.executable).with_name("datasette"))
QUERIES = config.queries()
TABLES = ["articles", "headlines", "headline_sightings", "article_versions", "crawls", "article_groups", "stories"]
INTERNAL = ["urls", "captures", "group_signatures", "_sqlite_migrations"]
REDIRECTS = ["/\\example.com/", "//example.com/", "/%5Cexample.com/", "/%2F%2Fexample.com/", "/%5C%5Cexample.com/",
             "/%252F%252Fexample.com/", "//example.com/%41", "/\\/example.com/", "//archive/"]


@pytest.fixture(scope="module")
def db(bundled):
    return bundled[0]


def message(response) -> str:
    """The error a visitor reads: the JSON error, or the text of Datasette's error box."""
    if response.headers.get("content-type", "").startswith("application/json"):
        return response.json()["error"]
    match = re.search(r'(?s)border: 3px solid red;">(.*?)</div>', response.text)
    assert match, response.text[:500]
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", match.group(1)))).strip()


def sql(db, query, fmt=".json", **options):
    return fetch(db, f"/archive{fmt}?sql=" + quote(query), allow_sql=True, **options)


# --- newsarchive serve: where it listens, what it says ------------------------------------------------------------
@contextlib.contextmanager
def serving(db, *args):
    """`newsarchive serve --db DB ARGS` on a free port, until it answers on 127.0.0.1: (base URL,
    process, a function giving what it printed on stderr so far)."""
    port = free_port()
    with tempfile.TemporaryDirectory() as folder, open(Path(folder) / "stderr", "w+b") as err:
        proc = subprocess.Popen([*CLI, "serve", "--db", str(db), "--port", str(port), *map(str, args)], cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=err)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(150):
                try:
                    httpx.get(base + "/-/versions.json")
                    break
                except httpx.ConnectError:
                    assert proc.poll() is None, Path(err.name).read_text()
                    threading.Event().wait(0.2)
            yield base, proc, lambda: Path(err.name).read_text()
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def listening(port: int) -> set[str]:
    """The addresses a port is listened on (Linux /proc/net/tcp, tcp6)."""
    found = set()
    for name, width in (("tcp", 8), ("tcp6", 32)):
        for line in Path(f"/proc/net/{name}").read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].split(":")
            if int(hex_port, 16) == port and fields[3] == "0A":
                raw = bytes.fromhex(address)
                if width == 8:
                    found.add(socket.inet_ntop(socket.AF_INET, raw[::-1]))
                else:
                    words = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
                    found.add(socket.inet_ntop(socket.AF_INET6, words))
    return found


def test_serve_listens_on_localhost_only_and_without_sql_by_default(db):
    with serving(db) as (base, proc, stderr):
        port = int(base.rsplit(":", 1)[1])
        assert listening(port) == {"127.0.0.1"}
        settings = httpx.get(base + "/-/settings.json").json()
        assert settings["default_allow_sql"] is False
        refused = httpx.get(base + "/archive.json", params={"sql": "select 1"})
        assert refused.status_code == 403
        assert httpx.get(base + "/archive/latest_headlines.json").status_code == 200  # canned queries work
        printed = stderr()
    assert "Warning" not in printed and f"Serving {db} at http://127.0.0.1:{port}/" in printed


def test_a_non_loopback_host_says_what_it_exposes(db):
    with serving(db, "--host", "0.0.0.0") as (base, proc, stderr):
        port = int(base.rsplit(":", 1)[1])
        assert listening(port) == {"0.0.0.0"}
        printed = stderr()
    assert (
        f"Warning: serving on 0.0.0.0 port {port} (every network address of this machine), not only to this "
        "machine: anyone who can reach it can read every public table of the archive (articles and their "
        "versions, headlines, crawls), every canned query, search and page, as HTML, JSON and CSV, without a "
        "password. Arbitrary SQL is off (--sql switches it on). The internal tables and the file itself are not "
        "served. To keep the archive private, serve on --host 127.0.0.1 (the default) or put an authenticating "
        "proxy in front.") in printed
    with serving(db, "--host", "0.0.0.0", "--sql") as (base, proc, stderr):
        assert httpx.get(base + "/archive.json", params={"sql": "select 1 as one"}).json()["rows"] == [[1]]
        printed = stderr()
    assert ("Arbitrary SQL is ON (--sql): anyone can also run their own read-only SQL, stopped after 3 s, with "
            "values of at most 1 MB and results of at most 25 MB.") in printed
    assert all(is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"))
    assert exposure_notice("::1", 8001, allow_sql=True) is None
    assert exposure_notice("192.168.1.5", 80, allow_sql=False).startswith(
        "Warning: serving on 192.168.1.5 port 80, not only to this machine")


# --- the open redirect ----------------------------------------------------------------------------------------------
def raw_get(base: str, path: str) -> http.client.HTTPResponse:
    """A GET of a path exactly as written (no client normalising it)."""
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.request("GET", path)
    response = conn.getresponse()
    response.body = response.read()
    conn.close()
    return response


def assert_no_open_redirect(base):
    for path in REDIRECTS:
        response = raw_get(base, path)
        assert (response.status, response.getheader("location")) == (404, None), path
        assert b"Not found" in response.body
    same_site = raw_get(base, "/archive/")  # Datasette's own trailing-slash redirect, on this site, stays
    assert (same_site.status, same_site.getheader("location")) == (302, "/archive")


def test_no_redirect_to_another_host_from_newsarchive_serve(db):
    with serving(db) as (base, _, _):
        assert_no_open_redirect(base)


def test_no_redirect_to_another_host_from_plain_datasette(db, tmp_path):
    """Any Datasette where newsarchive is installed: the guard touches no database."""
    other = tmp_path / "notes.db"
    sqlite3.connect(other).execute("CREATE TABLE notes (x)").connection.close()
    archive = snapshot(db, tmp_path / "archive.db")
    with running(DATASETTE, archive, other, cwd=tmp_path) as base:
        assert_no_open_redirect(base)
    with running(DATASETTE, other, cwd=tmp_path) as base:  # no archive served at all
        for path in REDIRECTS[:4]:
            assert raw_get(base, path).status == 404


STOCK_REDIRECT = """
import asyncio, json, sys
sys._called_from_test = True  # Datasette loads no plugin: stock Datasette
from datasette.app import Datasette

async def main():
    ds = Datasette([sys.argv[1]])
    print(json.dumps({p: [r.status_code, r.headers.get("location")]
                      for p in sys.argv[2:] for r in [await ds.client.get(p)]}))

asyncio.run(main())
"""


def test_why_the_guard_stock_datasette_redirects_a_backslash_path_to_another_host(tmp_path):
    """Datasette 0.65.5 strips leading slashes from its redirects (GHSA-w832-gg5g-x44m) but not a
    backslash, which browsers read as a slash. When this fails, Datasette fixed it upstream."""
    notes = tmp_path / "notes.db"
    sqlite3.connect(notes).execute("CREATE TABLE notes (x)").connection.close()
    result = subprocess.run([os.sys.executable, "-c", STOCK_REDIRECT, str(notes), "/\\example.com/"],
                            capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"/\\example.com/": [302, "/\\example.com"]}


# --- arbitrary SQL, when allowed: bounded in memory ---------------------------------------------------------------
@pytest.mark.parametrize("query", [
    "select randomblob(1000000000)",
    "select length(randomblob(1000000000))",
    "select length(zeroblob(2000000000))",
    "select zeroblob(1000001)",
    "select length(replace(printf('%.*c', 600000, 'a'), 'a', 'abcd'))",
    "select hex(randomblob(600000))",
    "with recursive r(n) as (select 1 union all select n + 1 from r where n < 2000)"
    " select length(group_concat(hex(randomblob(500)))) from r",
])
def test_huge_values_are_refused_at_once(db, query):
    for fmt in (".json", ""):
        response = sql(db, query, fmt)
        assert response.status_code == 400, query
        assert len(response.content) < 20_000  # an error, not a gigabyte
        assert "string or blob too big" in (response.json()["error"] if fmt else response.text)
    csv_body = sql(db, query, ".csv")  # Datasette 0.65 answers a failed query's CSV with an empty body
    assert len(csv_body.content) < 100


def test_a_result_is_bounded_in_columns_rows_and_bytes(db):
    columns = sql(db, "select " + ", ".join(["randomblob(10)"] * (safety.MAX_COLUMNS + 1)))
    assert (columns.status_code, columns.json()["error"]) == (400, "too many columns in result set")
    rows = sql(db, "with recursive r(n) as (select 1 union all select n + 1 from r where n < 30)"
                   " select randomblob(900000) from r")
    assert rows.status_code == 400 and len(rows.content) < 20_000
    assert rows.json()["error"] == ("This query returns more than 25 MB of data: ask for fewer rows or columns "
                                    "(LIMIT, _size, _col), or shorter values")
    # 9 MB of NUL characters are 54 MB of JSON ("\u0000" each): the response is refused whole.
    response = sql(db, "with recursive r(n) as (select 1 union all select n + 1 from r where n < 10)"
                       " select cast(zeroblob(900000) as text) from r")
    assert response.status_code == 400 and len(response.content) < 1000
    assert response.json()["error"] == ("This response is larger than 50 MB: ask for fewer rows or columns "
                                        "(LIMIT, _size, _col)")
    printf = sql(db, "select printf('%.*c', 2000000000, 'x') is null as empty")  # SQLite's printf gives up: NULL
    assert printf.status_code == 200 and printf.json()["rows"] == [[1]]
    fine = sql(db, "select length(randomblob(900000)) as n, count(*) as c from articles")
    assert fine.status_code == 200 and fine.json()["rows"] == [[900000, 8]]


def test_trim_is_sqlites_trim_in_linear_time(db):
    cases = ["trim('xxhixx', 'x')", "ltrim('  a  ', ' ')", "rtrim('abcba', 'ab')", "trim('abc', '')",
             "trim(null, 'a')", "trim('a', null)", "ltrim(12.50, 1)", "rtrim(x'616263', 'c')", "trim('ééaéé', 'é')",
             "trim('الحكومة', 'ةا')", "trim(12, 12)", "trim(1.5e300, '1')"]
    query = "select " + ", ".join(f"{c} as c{i}" for i, c in enumerate(cases))
    plain = sqlite3.connect(":memory:").execute(query).fetchone()
    assert tuple(sql(db, query).json()["rows"][0]) == tuple(v.decode() if isinstance(v, bytes) else v for v in plain)
    # Two 900 kB strings: SQLite's own trim compares every character with every one of the set.
    long = sql(db, "select length(trim(printf('%.*c', 900000, 'a'), printf('%.*c', 900000, 'b'))) as n")
    assert long.json()["rows"] == [[900000]]


def test_a_real_server_stays_small_under_huge_queries(db):
    """The finding: one `select randomblob(1000000000)` took a server to 7.5 GB while a search
    waited. Now each is refused at once, and the server's peak memory stays small."""
    with serving(db, "--sql") as (base, proc, _):
        results = {}

        def ask(key, path, params):
            results[key] = httpx.get(base + path, params=params, timeout=120)

        threads = [threading.Thread(target=ask, args=(i, "/archive.json", {"sql": "select randomblob(1000000000)"}))
                   for i in range(4)]
        threads.append(threading.Thread(target=ask, args=("search", "/-/search", {"q": "metropole"})))
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        peak_kb = int(re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{proc.pid}/status").read_text()).group(1))
    assert [results[i].status_code for i in range(4)] == [400] * 4
    assert all(results[i].json()["error"] == "string or blob too big" for i in range(4))
    assert results["search"].status_code == 200 and "<mark>métropole</mark>" in results["search"].text
    assert peak_kb < 500_000  # not a gigabyte


# --- the internal tables: not listed, not readable, not downloadable ------------------------------------------------
@pytest.mark.parametrize("table", INTERNAL)
def test_sql_cannot_read_an_internal_table(db, table):
    column = {"urls": "url", "captures": "id", "group_signatures": "signature", "_sqlite_migrations": "name"}[table]
    for query in (f"select * from {table}", f"select rowid from {table.upper()}", f"select {column} from main.{table}",
                  f"with x as (select * from {table}) select * from x", f"select (select max({column}) from {table}) as m",
                  f"select a.url from articles a join {table} t on t.{column} = a.url",
                  f"select count(*) from {table} where {column} is not null", f"select count(*) from {table} group by 1 + {column}"):
        response = sql(db, query)
        assert response.status_code == 400, query
        assert re.fullmatch(rf"access to {table}\.(\w+) is prohibited", response.json()["error"], re.I), query
        assert response.json()["rows"] == []
    counted = sql(db, f"select count(*) as n from {table}")  # how many rows: no content, allowed
    assert counted.status_code == 200 and counted.json()["rows"] == [[count(db, table)]]


def test_what_sql_may_still_read(db):
    fine = {"select count(*) from search_fts where search_fts match 'metropole'": 200,
            "select count(*) from search_fts_data": 200,
            "select count(*) from articles": 200,
            "select name from sqlite_master where name = 'urls'": 200,
            "select name from pragma_table_info('urls') limit 1": 200,  # the schema is no secret
            "select * from dbstat": 400}
    assert {q: sql(db, q).status_code for q in fine} == fine


def test_a_large_archive_counts_only_its_summaries(db, monkeypatch):
    """Over safety.LARGE_BYTES (lowered here to 0), a bare count(*) of any table but the summaries
    is refused: it reads the table, or its smallest index, whole, in one step no time limit stops.
    Counting with a WHERE clause or count(column) still runs (within the time limit), the table
    pages show the summaries' counts, and Datasette's database page lists the tables uncounted."""
    monkeypatch.setattr(hooks, "LARGE_BYTES", 0)
    refused = {q: sql(db, q) for q in ("select count(*) from urls", "select count(*) from search_fts_data",
                                       "select 1 from captures limit 1", "select count(*) from articles")}
    assert {q: (r.status_code, r.json()["error"]) for q, r in refused.items()} == dict.fromkeys(
        refused, (400, "not authorized"))
    n = count(db, "articles")
    assert sql(db, "select count(url) from articles").json()["rows"] == [[n]]
    assert sql(db, "select count(*) from articles where language = 'fr'").status_code == 200
    assert sql(db, "select row_count from summary_table_rows where tbl = 'articles'").json()["rows"] == [[n]]
    assert sql(db, "select count(*) from search_fts where search_fts match 'metropole'").status_code == 200
    page = fetch(db, "/archive.json", allow_sql=False).json()
    counts = {t["name"]: t["count"] for t in page["tables"]}
    assert counts["articles"] is None and counts["summary_table_rows"] == 7
    assert f"<h3>{n:,} rows" in fetch(db, "/archive/articles", allow_sql=False).text


def test_every_canned_query_and_feed_runs_on_a_large_archive(db, monkeypatch):
    """Over safety.LARGE_BYTES no SQL may read a table without naming a column: the canned
    queries and the Atom feeds never do (the feeds' "is the archive empty?" test did, and every
    archive over 100 MB answered them 400 "not authorized")."""
    import yaml

    monkeypatch.setattr(hooks, "LARGE_BYTES", 0)
    names = sorted(yaml.safe_load((ROOT / "crawler" / "publish" / "queries.yaml").read_text(encoding="utf-8")))
    params = f"?q=metropole&url={quote(SEED_URL)}&at=2999-01-01T00:00:00Z"
    paths = [f"/archive/{name}.json{params}" for name in names]
    paths += ["/archive/latest_articles_feed.atom", "/archive/search_feed.atom?q=metropole"]
    pages = fetch(db, *paths, allow_sql=False)
    assert {path: page.status_code for path, page in zip(paths, pages)} == dict.fromkeys(paths, 200)
    assert "<feed" in pages[-1].text and "<feed" in pages[-2].text


def test_no_page_shows_an_internal_table(db, tmp_path):
    for allow_sql in (False, True):
        crawl_row, database, through = fetch(
            db, "/archive/crawls/1", "/archive.json",
            "/archive/crawls.json?_through=" + quote(json.dumps({"table": "captures", "column": "id", "value": "x"})),
            allow_sql=allow_sql)
        assert crawl_row.status_code == 200 and "/archive/captures" not in crawl_row.text
        assert "/archive/urls" not in crawl_row.text
        assert not {t["name"] for t in database.json()["tables"]} & set(INTERNAL)
        assert through.status_code == 403
    # Every canned query runs with the guard in place (tests/test_publish.py runs each on data),
    # and none names an internal table.
    assert not [name for name, q in QUERIES.items()
                if re.search(r"(?i)\b(from|join)\s+(urls|captures|group_signatures|_sqlite_migrations)\b", q["sql"])]


def test_the_archive_file_is_not_downloadable(db, tmp_path):
    public = snapshot(db, tmp_path / "public.db")
    notes = tmp_path / "notes.db"
    sqlite3.connect(notes).execute("CREATE TABLE notes (x)").connection.close()
    download, page, other = fetch([public, notes], "/public.db", "/public", "/notes.db", immutable=True)
    assert download.status_code == 403
    assert message(download).endswith(
        "Downloads of a newsarchive archive are off: its file holds internal tables (the crawl's frontier, the "
        "index of its WARC files) that are not public. The tables and queries here are JSON and CSV; the "
        "archive's owner makes a copy with `newsarchive publish`.")
    assert len(download.content) < 20_000 and b"SQLite format 3" not in download.content
    assert 'href="/public.db"' not in page.text  # no download link either
    assert other.status_code == 200 and other.content.startswith(b"SQLite format 3")  # other databases: Datasette's


# --- bad paging and sort parameters -----------------------------------------------------------------------------
@pytest.mark.parametrize("path, status, text", [
    ("/archive/articles?_sort=nonexistent", 400, "Cannot sort articles by nonexistent: _sort takes one of its columns (url, title,"),
    ("/archive/articles.json?_sort_desc=nonexistent", 400, "Cannot sort articles by nonexistent: _sort_desc takes one of its columns"),
    ("/archive/articles.json?_sort=url&_sort_desc=url", 400, "Use _sort or _sort_desc, not both"),
    ("/archive/headline_timeline.json?_next=garbage", 400, "_next must be a whole number (the offset of the next page) for a view"),
    ("/archive/headline_timeline.json?_next=99999999999999999999", 400, "_next must be a whole number"),
    ("/archive/articles.json?_size=abc", 400, "_size must be a positive integer"),
    ("/archive/articles.json?_size=99999999999999999999", 400, "_size must be <= 1000"),
    ("/archive/articles.json?_timelimit=abc", 400, "_timelimit must be a whole number of milliseconds (1 or more)"),
    ("/archive/latest_headlines.json?_timelimit=-1", 400, "_timelimit must be a whole number of milliseconds"),
    ("/archive/articles.json?_through=%7B", 400, '_through must be JSON like {"table": "...", "column": "...", "value": "..."}'),
    ("/archive/crawls.json?_through=" + quote('{"table": "articles", "column": "url", "value": 1}'), 400,
     "Invalid _through - could not find corresponding foreign key"),
    ("/archive/articles.json?_facet=%7B", 400, 'takes a column name (or JSON like {"simple": "column"})'),
    ("/archive/articles.json?_facet_size=%7B", 400, "_facet_size must be a whole number, or max"),
    ("/archive/articles.json?_json_infinity=maybe", 400, "_json_infinity must be on or off (1 or 0)"),
    ("/archive/crawls.json?id__gt=99999999999999999999", 400, "id__gt=99999999999999999999: the number is too large"),
    ("/archive/articles.json?url__in=%5B", 400, "url__in takes a JSON list, or values separated by commas"),
    ("/-/search?q=metropole&page=-1", 400, "page must be a whole number, 1 or more"),
    ("/-/search?q=metropole&page=0", 400, "page must be a whole number, 1 or more"),
    ("/-/search?q=metropole&page=abc", 400, "page must be a whole number, 1 or more"),
    (f"/-/article?url={quote(SEED_URL)}&version=abc", 400, "version must be a whole number, 1 or more"),
])
def test_bad_paging_and_sort_parameters_answer_400(db, path, status, text):
    response = fetch(db, path)
    assert response.status_code == status
    assert text in message(response)
    assert "Traceback" not in response.text


def test_garbage_next_on_a_table_is_a_page_and_a_search_page_past_the_end_says_so(db):
    garbage = fetch(db, "/archive/articles.json?_next=garbage")  # the rows after the key "garbage"
    assert garbage.status_code == 200 and "rows" in garbage.json()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fetch(db, "/-/search?q=metropole&page=99999999999999999999").text))
    assert "No more results: page 99999999999999999999 is past the last page (1)." in unescape(text)
    assert "<mark>" not in fetch(db, "/-/search?q=metropole&page=99999999999999999999").text


# --- a small fuzz: every documented parameter, junk values, every kind of archive route -----------------------------
JUNK = ["", "zz", "-1", "0", "1.5", "99999999999999999999", "-99999999999999999999", "1e400", "nan", "~", "~zz",
        "\x00", "'", '"', "[", "{", "$null", ",", "a,b,c", "é", "x" * 3000, "9" * 5000, "max", '{"table": 1}', "[]",
        "\\"]
TABLE_PARAMS = ["_sort", "_sort_desc", "_sort_by_desc", "_next", "_size", "_search", "_search_url", "_searchmode",
                "_where", "_through", "_fts_table", "_fts_pk", "_facet", "_facet_array", "_facet_date", "_facet_size",
                "_nofacet", "_nocount", "_nosuggest", "_labels", "_label", "_col", "_nocol", "_trace", "_timelimit",
                "_shape", "_json", "_json_infinity", "_nl", "_stream", "_dl", "_header", "url__exact", "id__gt",
                "published__date", "url__in", "text__contains", "crawl__notin", "_filter_column", "_filter_op",
                "_filter_value"]
QUERY_PARAMS = ["q", "url", "at", "_size", "_shape", "_json", "_timelimit", "_hide_sql", "_show_sql", "_trace", "_nl",
                "_stream", "_header", "_json_infinity", "_next", "_sort", "_labels"]
PAGE_PARAMS = {"/-/search": ["q", "kind", "page", "db"], "/-/article": ["url", "version", "db"], "/-/charts": ["db"]}
FORMATS = ["", ".json", ".csv"]


def fuzz_paths():
    tables = [*TABLES, "headline_timeline"]
    names = sorted(QUERIES)
    n = 0
    for param in TABLE_PARAMS:
        for value in JUNK:
            n += 1
            yield f"/archive/{tables[n % len(tables)]}{FORMATS[n % 3]}?{quote(param)}={quote(value)}"
    for param in QUERY_PARAMS:
        for value in JUNK:
            n += 1
            yield f"/archive/{names[n % len(names)]}{FORMATS[n % 3]}?q=x&url=x&at=x&{quote(param)}={quote(value)}"
    for name in names:
        yield f"/archive/{name}.json?q={quote(JUNK[n % len(JUNK)])}&url={quote(JUNK[(n + 1) % len(JUNK)])}&at=x"
    for page, params in PAGE_PARAMS.items():
        for param in params:
            for value in JUNK:
                yield f"{page}?q=metropole&url={quote(SEED_URL)}&{quote(param)}={quote(value)}"
    for param in ("sql", "_shape", "_timelimit", "_json", "_size", "_hide_sql"):
        for value in JUNK:
            n += 1
            yield f"/archive{FORMATS[n % 3]}?sql=select+1&{quote(param)}={quote(value)}"
    for table in ("articles", "crawls", "headlines", "headline_timeline"):
        for value in JUNK:
            n += 1
            yield f"/archive/{table}/{quote(value, safe='')}{FORMATS[n % 2]}"


@pytest.mark.filterwarnings("ignore:coroutine .* was never awaited:RuntimeWarning")  # Datasette, on a failing facet
def test_fuzz_finds_no_500(db):
    import asyncio

    async def run():
        ds = datasette(db, allow_sql=True)
        failures = []
        try:
            for path in fuzz_paths():
                response = await ds.client.get(path)
                if response.status_code >= 500 or "Traceback" in response.text:
                    failures.append((path, response.status_code, message(response)[:200]))
        finally:
            for database in ds.databases.values():
                database.close()
        return failures

    assert asyncio.run(run()) == []


# --- a damaged or empty archive ---------------------------------------------------------------------------------
def overwrite(path, start):
    """Every byte of a file from `start` on overwritten with junk (its size kept)."""
    size = path.stat().st_size
    with open(path, "r+b") as f:
        f.seek(start)
        f.write(bytes((i * 7919 + 13) % 251 for i in range(size - start)))
    return path


def damaged(db, path, start):
    """A copy of the archive with every byte from `start` on overwritten with junk."""
    return overwrite(snapshot(db, path), start)


def pages_of(path, table):
    conn = sqlite3.connect(path)
    try:
        return [n for (n,) in conn.execute("SELECT pageno FROM dbstat WHERE name = ?", [table])]
    finally:
        conn.close()


PAGES = ["/", "/.json", "/-/search?q=metropole", f"/-/article?url={quote(SEED_URL)}", "/-/charts"]


def assert_unreadable(responses, why):
    for response in responses:
        assert response.status_code == 503, response.url
        assert "Traceback" not in response.text
        assert message(response).endswith(
            f"This archive cannot be read: {why}. Serve a good copy instead (a backup, or a snapshot written by "
            "`newsarchive publish` before the damage).") or message(response) == (
            f"This archive cannot be read: {why}. Serve a good copy instead (a backup, or a snapshot written by "
            "`newsarchive publish` before the damage).")


def test_an_archive_overwritten_after_its_header_is_a_clear_503(db, tmp_path):
    path = damaged(db, tmp_path / "archive.db", 100)
    assert_unreadable(fetch(path, *PAGES, "/archive", "/archive/articles.json"),
                      "archive.db is damaged or is no SQLite database (SQLite says: database disk image is malformed)")


def test_an_archive_damaged_where_the_probe_does_not_look_is_a_clear_503(db, tmp_path):
    """Only the pages of articles and of the search index overwritten: the archive still looks
    like one, and the failure comes from a query."""
    path = snapshot(db, tmp_path / "archive.db")
    size = 4096
    with open(path, "r+b") as f:
        for page in pages_of(path, "articles") + pages_of(path, "search_fts_data"):
            f.seek((page - 1) * size)
            f.write(b"\xa5" * size)
    assert archives.archive_info(datasette(path), "archive") is not None
    home, search, table = fetch(path, "/", "/-/search?q=metropole", "/archive/articles.json")
    for response in (home, search, table):
        assert response.status_code == 503 and "Traceback" not in response.text
        assert message(response).startswith("This archive cannot be read: archive.db is damaged or is no SQLite "
                                            "database (SQLite says: ")


def test_a_file_that_is_no_database_is_a_clear_503(tmp_path):
    path = tmp_path / "archive.db"
    path.write_bytes(b"not a database " * 500)
    assert_unreadable(fetch(path, *PAGES, "/archive"),
                      "archive.db is damaged or is no SQLite database (SQLite says: file is not a database)")


def test_an_empty_file_served_as_the_archive_is_a_clear_503(tmp_path, monkeypatch):
    """`newsarchive serve` names its file an archive (archives.DECLARED_ENV): an empty one is refused."""
    path = tmp_path / "archive.db"
    path.write_bytes(b"")
    monkeypatch.setenv(archives.DECLARED_ENV, str(path))
    assert_unreadable(fetch(path, *PAGES, "/archive", "/archive.json"), "archive.db is empty (0 bytes)")
    monkeypatch.delenv(archives.DECLARED_ENV)
    home, search = fetch(path, "/", "/-/search?q=x")  # plain Datasette on an empty database: its own pages
    assert home.status_code == 200 and "0 tables" in home.text
    assert search.status_code == 404 and "No newsarchive archive is served here" in search.text


def test_an_archive_damaged_while_served_is_a_clear_503(db, tmp_path):
    path = snapshot(db, tmp_path / "archive.db")
    with serving(path) as (base, _, _):
        assert httpx.get(base + "/").status_code == 200
        overwrite(path, 100)
        home = httpx.get(base + "/")
        search = httpx.get(base + "/-/search", params={"q": "metropole"})
        as_json = httpx.get(base + "/archive.json")
    assert_unreadable([home, search, as_json],
                      "archive.db is damaged or is no SQLite database (SQLite says: database disk image is malformed)")


def test_an_archive_emptied_while_served_by_newsarchive_serve_is_a_clear_503(db, tmp_path):
    path = snapshot(db, tmp_path / "archive.db")
    with serving(path) as (base, _, _):
        assert httpx.get(base + "/").status_code == 200
        for name in ("archive.db-wal", "archive.db-shm"):
            (tmp_path / name).unlink(missing_ok=True)
        path.write_bytes(b"")
        responses = [httpx.get(base + p) for p in ("/", "/-/search?q=metropole", "/-/charts")]
    assert_unreadable(responses, "archive.db is empty (0 bytes)")


def test_the_gate_and_its_bounds_are_named_constants():
    assert (safety.MAX_VALUE_BYTES, safety.MAX_RESULT_BYTES, gate.MAX_RESPONSE_BYTES) == (1_000_000, 25_000_000, 50_000_000)
    assert (safety.MAX_COLUMNS, safety.MAX_SQL_BYTES, safety.MAX_LIKE_PATTERN) == (100, 100_000, 1_000)
    assert config.settings()["sql_time_limit_ms"] == 3000 and config.settings()["default_allow_sql"] is False
