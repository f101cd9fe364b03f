"""`newsarchive parse FILE... --urls MAP.tsv`: many saved pages in one process, as a user
evaluating a corpus runs it (one JSON object per line, with its "path"), on real saved pages of
the bundled mirror: Phys.org and AP News pages of the article extraction dataset, Maghress pages."""

import gzip
import json
import shutil

from tests.conftest import MIRROR, SEED_PAGE, SEED_URL, run_cli

PHYS_URL = "https://phys.org/news/2023-12-jellyfish-regenerate-functional-tentacles-days.html"
PHYS_PAGE = MIRROR / "phys.org" / "news" / "2023-12-jellyfish-regenerate-functional-tentacles-days.html.html"
PHYS_TITLE = "How jellyfish regenerate functional tentacles in days"
AP_URL = "https://apnews.com/article/taylor-swift-eclipse-positive-stories-2023-f90116512ed7c9f776da4e3b8ae194c5"
AP_PAGE = MIRROR / "apnews.com" / "article" / "taylor-swift-eclipse-positive-stories-2023-f90116512ed7c9f776da4e3b8ae194c5.html"
AP_TITLE = ("Taylor Swift’s new romance, debt-erasing gifts and the eclipse are among most joyous moments of 2023")
ECHOS_URL = "https://www.maghress.com/fr/lesechos/101"
ECHOS_PAGE = MIRROR / "www.maghress.com" / "fr" / "lesechos" / "101.html"
ECHOS_TITLE = "Tourisme : Marrakech enregistre une hausse de 12% des arrivées au premier semestre"
HESPRESS_URL = "https://www.maghress.com/hespress/606"
HESPRESS_PAGE = MIRROR / "www.maghress.com" / "hespress" / "606.html"
SEED_TITLE = "Casablanca Smart City: La métropole sur le bon chemin pour devenir une ville intelligente"
# A URL of no registered site: the generic page object reads it, whatever the page.
ELSEWHERE_URL = "https://news.example.org/2023/12/22/jellyfish-tentacles"


def corpus(tmp_path):
    """A folder of saved pages (one gzipped, one in a sub-folder) and its TSV, as a user lays
    them out; the paths are given to `parse` relative to it."""
    pages = tmp_path / "pages"
    (pages / "maghress").mkdir(parents=True)
    (pages / "jellyfish.html.gz").write_bytes(gzip.compress(PHYS_PAGE.read_bytes()))
    shutil.copy(AP_PAGE, pages / "swift.html")
    shutil.copy(ECHOS_PAGE, pages / "maghress" / "101.html")
    shutil.copy(SEED_PAGE, pages / "maghress" / "25429.txt")
    shutil.copy(HESPRESS_PAGE, pages / "maghress" / "606.html")
    shutil.copy(PHYS_PAGE, pages / "elsewhere.html")
    # Keys: a file name (matched against the name of the path given), a relative path as given,
    # and an entry for a file that does not exist; 606.html has none.
    (pages / "urls.tsv").write_text(
        "file\turl\n"
        f"jellyfish.html.gz\t{PHYS_URL}\n"
        f"swift.html\t{AP_URL}\n"
        f"maghress/101.html\t{ECHOS_URL}\n"
        "\n"
        f"25429.txt\t{SEED_URL}\n"
        f"elsewhere.html\t{ELSEWHERE_URL}\n"
        "gone.html\thttps://www.maghress.com/fr/lesechos/999\n",
        encoding="utf-8",
    )
    return pages


def lines(result):
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_many_pages_one_line_each_in_the_order_given(tmp_path):
    pages = corpus(tmp_path)
    paths = ["jellyfish.html.gz", "swift.html", "maghress/101.html", "maghress/25429.txt", "elsewhere.html"]
    result = run_cli("parse", *paths, "--urls", "urls.tsv", cwd=pages)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "métropole" in result.stdout  # UTF-8, not escaped
    out = lines(result)
    assert [o["path"] for o in out] == paths
    assert [list(o) for o in out] == [["path", "url", "article", "headlines"]] * 5
    assert [o["url"] for o in out] == [PHYS_URL, AP_URL, ECHOS_URL, SEED_URL, ELSEWHERE_URL]
    assert [(o["article"]["title"], o["article"]["parser"]) for o in out] == [
        (PHYS_TITLE, "physorg/1"),  # gzipped, read by its site's own page object
        (AP_TITLE, "generic/1"),  # apnews: a site with a spec and no page object
        (ECHOS_TITLE, "maghress/2"),
        (SEED_TITLE, "maghress/2"),  # a saved text page
        (PHYS_TITLE, "generic/1"),  # the same Phys.org page at a URL of no registered site
    ]
    phys, ap, echos, seed, elsewhere = (o["article"] for o in out)
    assert phys["authors"] == ["University of Tokyo"]  # "by <a>University of Tokyo</a>"
    # The page's JSON-LD writes the name in capitals; the dataset's truth is "Heather Hollingsworth".
    assert [a.casefold() for a in ap["authors"]] == ["heather hollingsworth"]
    assert echos["authors"] == [] and seed["authors"] == []  # Maghress credits papers, not people
    assert elsewhere["authors"] == ["University of Tokyo"]
    assert (phys["published"], phys["published_at"]) == ("2023-12-22", "2023-12-22T10:30:03-05:00")
    assert (elsewhere["published"], elsewhere["published_at"]) == ("2023-12-22", "2023-12-22T10:30:03-05:00")
    assert ap["published"] == "2023-12-21"
    assert (echos["publisher"], echos["published"], echos["published_at"]) == ("Les Echos", "2025-08-22", None)
    assert (seed["publisher"], seed["published"], len(seed["paragraphs"])) == ("Maroc Diplomatique", "2017-07-12", 14)
    assert [phys["language"], ap["language"], echos["language"], seed["language"]] == ["en", "en", "fr", "fr"]
    assert len(out[3]["headlines"]) == 48  # the seed's ticker, as `parse --url` gives it


def test_unreadable_pages_are_one_line_each_and_the_rest_still_printed(tmp_path):
    pages = corpus(tmp_path)
    paths = ["gone.html", "maghress/101.html", "maghress/606.html", "swift.html"]
    result = run_cli("parse", *paths, "--urls", "urls.tsv", cwd=pages)
    assert result.returncode == 1
    assert [(o["path"], o["article"]["title"]) for o in lines(result)] == [
        ("maghress/101.html", ECHOS_TITLE),
        ("swift.html", AP_TITLE),
    ]
    assert result.stderr.splitlines() == [
        "Error: cannot read gone.html: No such file or directory",
        "Error: maghress/606.html: no URL for it in urls.tsv",
        "Error: 2 of 4 page(s) could not be parsed",
    ]
    assert "Traceback" not in result.stderr


def test_a_path_is_matched_as_given_or_by_its_file_name(tmp_path):
    pages = corpus(tmp_path)
    shutil.copy(pages / "maghress" / "101.html", pages / "maghress" / "echos.html")
    shutil.copy(pages / "maghress" / "101.html", pages / "101.html")
    # From another folder, by absolute paths: 101.html is matched by its file name;
    # maghress/echos.html is no key of its path (keys are not read relative to the map's folder).
    (pages / "map.tsv").write_text(f"101.html\t{ECHOS_URL}\nmaghress/echos.html\t{ECHOS_URL}\n", encoding="utf-8")
    result = run_cli("parse", pages / "101.html", pages / "maghress" / "echos.html", "--urls", pages / "map.tsv",
                     cwd=tmp_path)
    [line] = lines(result)
    assert (line["path"], line["url"], line["article"]["parser"]) == (str(pages / "101.html"), ECHOS_URL, "maghress/2")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"Error: {pages / 'maghress' / 'echos.html'}: no URL for it in {pages / 'map.tsv'}",
        "Error: 1 of 2 page(s) could not be parsed",
    ]


def test_url_with_two_pages_is_refused_with_one_line(tmp_path):
    pages = corpus(tmp_path)
    result = run_cli("parse", "swift.html", "elsewhere.html", "--url", AP_URL, cwd=pages)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == "Error: 2 pages and one --url: give their URLs with --urls MAP.tsv\n"
    both = run_cli("parse", "swift.html", "--url", AP_URL, "--urls", "urls.tsv", cwd=pages)
    assert (both.returncode, both.stdout) == (1, "")
    assert both.stderr == "Error: give --url (one page) or --urls (many), not both\n"


def test_a_page_of_no_registered_site_is_read_by_the_generic_page_object(tmp_path):
    pages = corpus(tmp_path)
    result = run_cli("parse", "elsewhere.html", "--url", ELSEWHERE_URL, cwd=pages, check=True)
    assert result.stdout.startswith('{\n  "url": ')  # one page with --url: indented JSON, as before
    data = json.loads(result.stdout)
    assert data["url"] == ELSEWHERE_URL
    assert data["headlines"] == []  # the generic page object reads no ticker
    article = data["article"]
    assert (article["parser"], article["title"], article["authors"], article["published"]) == (
        "generic/1", PHYS_TITLE, ["University of Tokyo"], "2023-12-22")
    assert article["publisher"] == "Phys.org"  # from the page (og:site_name), not from a site spec
    # The same page in a run of many: the same object, with its path; at its own site's URL
    # (jellyfish.html.gz), the site's page object reads it.
    many = lines(run_cli("parse", "elsewhere.html", "jellyfish.html.gz", "--urls", "urls.tsv", cwd=pages, check=True))
    assert many[0] == {"path": "elsewhere.html", **data}
    assert (many[1]["path"], many[1]["article"]["parser"]) == ("jellyfish.html.gz", "physorg/1")
