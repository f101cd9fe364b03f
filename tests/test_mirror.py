"""Looking up saved pages in a mirror folder laid out by URL."""

import pytest

from crawler.warc.replay import Mirror, MirrorError
from tests.conftest import MIRROR, SEED_PAGE


def test_lookup_by_url_with_or_without_extension():
    mirror = Mirror(MIRROR)
    assert mirror.find("https://www.maghress.com/fr/marocdiplomatique/25429") == SEED_PAGE
    assert mirror.find("https://www.maghress.com/fr") == MIRROR / "www.maghress.com" / "fr.html"
    assert mirror.find("https://www.maghress.com/robots.txt") == MIRROR / "www.maghress.com" / "robots.txt"
    assert mirror.find("https://www.maghress.com/fr/lematin/999") is None


def test_index_files_and_query_strings(tmp_path):
    (tmp_path / "example.org" / "fr").mkdir(parents=True)
    (tmp_path / "example.org" / "index.html").write_text("home")
    (tmp_path / "example.org" / "fr" / "index.htm").write_text("fr")
    (tmp_path / "example.org" / "search?q=x.html").write_text("search")
    mirror = Mirror(tmp_path)
    assert mirror.find("https://example.org/").name == "index.html"
    assert mirror.find("https://example.org/fr/").name == "index.htm"
    assert mirror.find("https://example.org/search?q=x").name == "search?q=x.html"


def test_no_path_escapes_the_mirror(tmp_path):
    (tmp_path / "secret.txt").write_text("secret")
    (tmp_path / "mirror" / "example.org").mkdir(parents=True)
    mirror = Mirror(tmp_path / "mirror")
    assert mirror.find("https://example.org/../../secret.txt") is None
    assert mirror.find("https://example.org/%2e%2e/%2e%2e/secret") is None


def test_capture_times_from_captures_tsv():
    mirror = Mirror(MIRROR)
    assert mirror.captured_at(SEED_PAGE) == "2025-09-04T00:00:00Z"
    assert mirror.captured_at(MIRROR / "www.maghress.com" / "fr.html") is None


def test_missing_mirror_folder():
    with pytest.raises(MirrorError, match="mirror folder not found"):
        Mirror("/nonexistent/mirror")
