"""A site whose template changes between two crawls: the drift flag is raised and the generic
page object takes over, as a user running `newsarchive crawl` twice sees it.

The first crawl replays a copy of the bundled mirror (seeds/site/); the second, a copy whose
Maghress article pages were given a new template: the same texts, but the class names the
Maghress page object looks for first (articletitle, articlenewspaper, articlecontent) renamed,
and the credit line it keys on ("Publié dans <paper> le DD - MM - YYYY", "نشر في <paper> يوم ...")
rewritten as "Source : <paper> · <time datetime=...>", with an og:type article tag where the page
had none (as a new CMS adds). The saved text page of the mirror (25429.txt) becomes an HTML page
of the new template with the same title and paragraphs. The Maghress page object then finds no
article on any article page; the generic one finds each.
"""

import html
import re
import shutil
import sqlite3

import pytest

from tests.conftest import MAGHRESS_ARTICLES, MIRROR, query, run_cli

FALLBACK = "generic/1 (fallback from maghress/2)"
DRIFT_LINE = "drift: maghress own_parser 100% -> 0%"
ARTICLES = sorted(MAGHRESS_ARTICLES)
RENAMED_CLASSES = {"articletitle": "post-title", "articlenewspaper": "post-meta", "articlecontent": "post-body"}
CREDIT_FR = re.compile(r"Publié dans (.+?) le (\d\d) - (\d\d) - (\d{4})")
CREDIT_AR = re.compile(r"نشر في (.+?) يوم (\d\d) - (\d\d) - (\d{4})")


def _source_line(m: re.Match, label: str) -> str:
    return f'{label} {m[1]} · <time datetime="{m[4]}-{m[3]}-{m[2]}">{m[2]}/{m[3]}/{m[4]}</time>'


def new_template_mirror(target):
    """A copy of the bundled mirror whose Maghress article pages have the new template."""
    shutil.copytree(MIRROR, target)
    site = target / "www.maghress.com"
    articles = [p for p in site.rglob("*.html")  # the article URLs' pages: /fr/<paper>/<id>, /<paper>/<id>
                if re.fullmatch(r"(fr/)?[a-z0-9]+/\d+", p.relative_to(site).with_suffix("").as_posix())]
    assert sorted(p.relative_to(site).as_posix() for p in articles) == [
        "fr/albayane/404.html", "fr/aujourdhui/303.html", "fr/lagazette/202.html", "fr/lesechos/101.html",
        "fr/lesechos/102.html", "fr/lopinion/505.html", "hespress/606.html",
    ]
    for page in articles:
        text = page.read_text(encoding="utf-8")
        for old, new in RENAMED_CLASSES.items():
            text = text.replace(old, new)
        text, fr = CREDIT_FR.subn(lambda m: _source_line(m, "Source :"), text)
        text, ar = CREDIT_AR.subn(lambda m: _source_line(m, "المصدر:"), text)
        assert fr + ar >= 1, page
        if "og:type" not in text:
            text = text.replace("</head>", '<meta property="og:type" content="article">\n</head>', 1)
        page.write_text(text, encoding="utf-8")
    # The saved text page, as an HTML page of the new template (same title, same paragraphs).
    saved = site / "fr" / "marocdiplomatique" / "25429.txt"
    lines = [line.strip() for line in saved.read_text(encoding="utf-8").splitlines()]
    credit = next(i for i, line in enumerate(lines) if CREDIT_FR.fullmatch(line))
    title, body = lines[credit - 1], [line for line in lines[credit + 1:] if line]
    saved.unlink()
    saved.with_name("25429.html").write_text(
        '<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8">'
        f'<meta property="og:type" content="article"><title>Maghress : {html.escape(title)}</title></head>\n'
        f'<body><div id="article"><h1 class="post-title">{html.escape(title)}</h1>\n'
        f'<div class="post-meta">{_source_line(CREDIT_FR.fullmatch(lines[credit]), "Source :")}</div>\n'
        f'<div class="post-body">{"".join(f"<p>{html.escape(p)}</p>" for p in body)}</div></div></body></html>\n',
        encoding="utf-8")
    return target


def copy_archive(source, target):
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


@pytest.fixture(scope="module")
def crawls(tmp_path_factory):
    """Crawl 1 of the old template; crawl 2 of the new one, into two copies of that archive:
    without --fail-on-drift, and with it."""
    tmp = tmp_path_factory.mktemp("drift")
    old = tmp / "old"
    shutil.copytree(MIRROR, old)
    new = new_template_mirror(tmp / "new")
    db, flagged = tmp / "archive.db", tmp / "flagged.db"
    first = run_cli("crawl", "-v", "--site", "maghress", "--replay", old, "--db", db)  # -v: the log is read
    copy_archive(db, flagged)
    # An incremental crawl at once would refetch no article (none is due for an hour): --full
    # fetches every known URL again.
    second = run_cli("crawl", "-v", "--site", "maghress", "--replay", new, "--db", db, "--full")
    second_flagged = run_cli("crawl", "-v", "--site", "maghress", "--replay", new, "--db", flagged, "--full",
                             "--fail-on-drift")
    return db, flagged, first, second, second_flagged


def summary(result) -> list[str]:
    """The crawl's summary line and what follows it on stderr."""
    lines = result.stderr.splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(r"crawl \d+ finished: ", line))
    return lines[start:]


def test_the_first_crawl_reads_every_article_with_the_sites_page_object(crawls):
    db, _, first, _, _ = crawls
    assert first.returncode == 0, first.stderr[-2000:]
    assert summary(first) == [
        f"crawl 1 finished: 10 pages, 8 new articles, 0 unchanged, 0 changed, 60 new headlines, 0 items dropped, "
        f"9 URLs not in mirror -> {db}"
    ]
    assert "Extraction drift" not in first.stderr  # nothing to compare with yet


def test_the_second_crawl_says_drift_and_exits_3_only_with_fail_on_drift(crawls):
    db, flagged, _, second, second_flagged = crawls
    assert second.returncode == 0, second.stderr[-2000:]
    assert second_flagged.returncode == 3, second_flagged.stderr[-2000:]
    for result, archive in ((second, db), (second_flagged, flagged)):
        line, drift = summary(result)
        m = re.fullmatch(r"crawl 2 finished: 10 pages, 0 new articles, (\d+) unchanged, (\d+) changed, "
                         r"0 new headlines, 0 items dropped, 9 URLs not in mirror -> (.*)", line)
        assert m, line
        assert int(m[1]) + int(m[2]) == 8  # every article read again, by the generic page object
        assert m[3] == str(archive)
        assert drift == DRIFT_LINE
        assert f"WARNING: Extraction drift: {DRIFT_LINE.removeprefix('drift: ')}" in result.stderr  # and logged
        assert not [line for line in result.stderr.splitlines() if line.startswith("Error")]


def test_articles_of_the_second_crawl_are_the_generic_page_objects_fallback(crawls):
    db = crawls[0]
    rows = query(db, "SELECT url, parser_version, title, published, language FROM articles ORDER BY url")
    assert [r["url"] for r in rows] == ARTICLES
    assert [r["parser_version"] for r in rows] == [FALLBACK] * 8
    by_url = {r["url"]: r for r in rows}
    assert (by_url["https://www.maghress.com/fr/lesechos/101"]["title"],
            by_url["https://www.maghress.com/fr/lesechos/101"]["published"]) == (
        "Tourisme : Marrakech enregistre une hausse de 12% des arrivées au premier semestre", "2025-08-22")
    assert (by_url["https://www.maghress.com/hespress/606"]["title"],
            by_url["https://www.maghress.com/hespress/606"]["published"],
            by_url["https://www.maghress.com/hespress/606"]["language"]) == (
        "الحكومة تصادق على مشروع قانون جديد لتنظيم قطاع النقل الطرقي", "2025-09-03", "ar")
    # The second crawl's captures were read by the fallback: each article's row or newest
    # version points to one of them.
    versions = query(db, """SELECT v.url, v.parser_version, c.crawl FROM article_versions v
                            JOIN captures c ON c.id = v.capture ORDER BY v.url, v.version""")
    assert {(v["url"], v["parser_version"]) for v in versions if v["crawl"] == 2} <= {(u, FALLBACK) for u in ARTICLES}


def first_and_last(db):
    """Per article URL: its version stored from the first crawl's capture, and its articles row now."""
    old = {r["url"]: r for r in query(db, """SELECT v.* FROM article_versions v JOIN captures c ON c.id = v.capture
                                             WHERE c.crawl = 1""")}
    new = {r["url"]: r for r in query(db, "SELECT * FROM articles")}
    assert sorted(old) == sorted(new) == ARTICLES
    return old, new


def test_the_fallback_reads_the_same_titles_and_dates(crawls):
    """The new template kept the texts: the generic page object reads each article's title and
    date as maghress/2 did from the old one (the title is the og:title and the <title> after
    "Maghress : ", shown in the page)."""
    old, new = first_and_last(crawls[0])
    assert {url: new[url]["published"] for url in ARTICLES} == {url: old[url]["published"] for url in ARTICLES}
    assert {url: new[url]["title"] for url in ARTICLES} == {url: old[url]["title"] for url in ARTICLES}


def test_the_fallback_body_holds_no_site_furniture(crawls):
    """The sentences the site's spec declares furniture (crawler/sites/maghress/site.toml: the
    template's closing sentence, the report box; never article text) stay out of the bodies the
    generic page object reads for the site."""
    from crawler.sites import registry

    spec = registry.site("maghress")
    furniture = [*spec.closing, *spec.report_box]
    assert "Cliquez ici pour lire l'article depuis sa source." in furniture
    old, new = first_and_last(crawls[0])
    assert {url: [s for s in furniture if s in old[url]["body"]] for url in ARTICLES} == {url: [] for url in ARTICLES}
    assert {url: [s for s in furniture if s in new[url]["body"]] for url in ARTICLES} == {url: [] for url in ARTICLES}


def test_a_version_keeps_the_parser_that_read_its_capture(crawls):
    """Each capture of the first crawl was read by maghress/2: a version stored from one of them
    says so, even when the second crawl found the same text again through the fallback."""
    db = crawls[0]
    versions = query(db, """SELECT v.url, v.version, v.parser_version, c.crawl FROM article_versions v
                            JOIN captures c ON c.id = v.capture ORDER BY v.url, v.version""")
    assert sorted({v["url"] for v in versions}) == ARTICLES
    assert [(v["url"], v["parser_version"]) for v in versions if v["crawl"] == 1] == [
        (url, "maghress/2") for url in ARTICLES
    ]


def test_extraction_health_and_drift_rows(crawls):
    db = crawls[0]
    health = query(db, """SELECT crawl, site, parser, pages, article_pages, articles, fallbacks, partial, rejected,
                                 with_title, with_published
                          FROM extraction_health ORDER BY crawl, parser""")
    assert health == [
        {"crawl": 1, "site": "maghress", "parser": "maghress/2", "pages": 10, "article_pages": 8, "articles": 8,
         "fallbacks": 0, "partial": 0, "rejected": None, "with_title": 8, "with_published": 8},
        {"crawl": 2, "site": "maghress", "parser": FALLBACK, "pages": 8, "article_pages": 8, "articles": 8,
         "fallbacks": 8, "partial": 0, "rejected": None, "with_title": 8, "with_published": 8},
        # the front page and the listing: no article, read by the site's page object as before
        {"crawl": 2, "site": "maghress", "parser": "maghress/2", "pages": 2, "article_pages": 0, "articles": 0,
         "fallbacks": 0, "partial": 0, "rejected": None, "with_title": 0, "with_published": 0},
    ]
    assert query(db, "SELECT * FROM extraction_drift") == [
        {"crawl": 2, "site": "maghress", "measure": "own_parser", "recent": 1.0, "now": 0.0},
    ]
    assert query(crawls[1], "SELECT * FROM extraction_drift") == query(db, "SELECT * FROM extraction_drift")


def test_status_shows_the_drift(crawls):
    db = crawls[0]
    result = run_cli("status", "--db", db, check=True)
    lines = result.stdout.splitlines()
    start = lines.index("extraction (each site's last crawl)")
    section = lines[start + 2:]
    assert [line.split()[:2] for line in section] == [["2", "maghress"], ["2", "maghress"], ["drift:", "maghress"]]
    assert FALLBACK in section[0] and section[0].split(FALLBACK)[1].split()[:6] == ["8", "8", "8", "100%", "8", "0"]
    assert section[1].split()[2:7] == ["maghress/2", "2", "0", "0", "-"]
    assert section[2] == f"       {DRIFT_LINE}"
