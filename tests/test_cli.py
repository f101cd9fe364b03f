"""`newsarchive parse` and `newsarchive expected`, run as a user runs them."""

import json
import shutil

from tests.conftest import MIRROR, SEED_PAGE, SEED_URL, run_cli


def test_parse_prints_the_seed_page_as_json():
    result = run_cli("parse", SEED_PAGE, "--url", "http://maghress.com/fr/marocdiplomatique/25429", check=True)
    assert "métropole" in result.stdout  # UTF-8, not ASCII-escaped
    data = json.loads(result.stdout)
    assert list(data) == ["url", "article", "headlines"]
    assert data["url"] == SEED_URL
    assert list(data["article"]) == [
        "title", "authors", "publisher", "published", "published_at", "published_problem", "language", "paragraphs",
        "original_url", "image_url", "parser",
    ]
    assert data["article"]["published_problem"] is None
    assert data["article"]["authors"] == []  # Maghress names no author
    assert data["article"]["published_at"] is None  # its credit line gives a day, no time
    assert data["article"]["parser"] == "maghress/2"
    assert data["article"]["title"] == (
        "Casablanca Smart City: La métropole sur le bon chemin pour devenir une ville intelligente"
    )
    assert data["article"]["publisher"] == "Maroc Diplomatique"
    assert data["article"]["published"] == "2017-07-12"
    assert len(data["article"]["paragraphs"]) == 14
    assert len(data["headlines"]) == 48
    assert data["headlines"][-1] == {
        "position": 48, "text": "Gad Elmaleh signe «Lui-même» son retour à Casablanca", "url": None,
    }
    assert result.stderr == ""


def test_parse_a_page_without_article():
    result = run_cli("parse", MIRROR / "www.maghress.com" / "fr.html", "--url", "https://www.maghress.com/fr", check=True)
    data = json.loads(result.stdout)
    assert data["article"] is None
    assert data["headlines"][0]["position"] == 1


def test_parse_errors_are_one_line(tmp_path):
    cases = {}
    cases["missing"] = (tmp_path / "missing.html", f"Error: cannot read {tmp_path / 'missing.html'}: No such file or directory")
    (tmp_path / "page.pdf").write_bytes(b"%PDF")
    cases["suffix"] = (tmp_path / "page.pdf", f"Error: {tmp_path / 'page.pdf'}: not a saved page (expected .html, .htm or .txt, or one of them .gz)")
    (tmp_path / "empty.html").write_bytes(b"")
    cases["empty"] = (tmp_path / "empty.html", f"Error: cannot parse {tmp_path / 'empty.html'}: not an HTML page: Document is empty")
    (tmp_path / "dir.html").mkdir()
    for name, (path, message) in cases.items():
        result = run_cli("parse", path, "--url", SEED_URL)
        assert result.returncode == 1, name
        assert result.stdout == "", name
        assert result.stderr.strip() == message, name
    result = run_cli("parse", tmp_path / "dir.html", "--url", SEED_URL)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr


def test_expected_reports_a_changed_parse_as_a_diff_and_write_updates_it(tmp_path):
    mirror = tmp_path / "site"
    shutil.copytree(MIRROR, mirror)
    assert run_cli("expected", "--mirror", mirror).returncode == 0
    page = mirror / "www.maghress.com" / "fr" / "lesechos" / "101.html"
    page.write_text(page.read_text(encoding="utf-8").replace("Les Echos", "Les Échos"), encoding="utf-8")
    result = run_cli("expected", "--mirror", mirror)
    assert result.returncode == 1
    assert '-    "publisher": "Les Echos",' in result.stdout
    assert '+    "publisher": "Les Échos",' in result.stdout
    assert "1 expected file(s) differ" in result.stderr
    assert run_cli("expected", "--mirror", mirror, "--write").returncode == 0
    assert run_cli("expected", "--mirror", mirror).returncode == 0


def test_bundled_expected_files_are_up_to_date():
    result = run_cli("expected")
    assert result.returncode == 0, result.stdout
    assert result.stderr.strip() == "16 pages, 0 expected file(s) differ"


def test_an_unknown_site_is_a_one_line_error(tmp_path):
    result = run_cli("crawl", "--site", "nowhere", "--db", tmp_path / "a.db")
    assert result.returncode == 1
    assert result.stderr.strip() == "Error: no site named 'nowhere' (known: apnews, maghress, physorg)"
    assert not (tmp_path / "a.db").exists()
