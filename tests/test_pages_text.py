"""Saved text pages: line endings, the report box, body lines like the credit, encodings."""

import json

import pytest

from crawler.core.text import decode_page
from crawler.sites.maghress.page import PARSER_VERSION, parse_page
from crawler.sites.parse import parse_bytes
from tests.conftest import MIRROR, SEED_URL

REPORT_BOX = "Merci d'avoir signalé!\nCette image sera automatiquement bloquée après qu'elle soit signalée par plusieurs personnes.\n"


def fields(page):
    a = page.article
    return (a.title, a.publisher, a.published, a.language, a.paragraphs, [(h.position, h.text) for h in page.headlines])


@pytest.fixture
def seed_fields(seed_text):
    return fields(parse_page(SEED_URL, seed_text))


def test_crlf_and_cr_line_endings(seed_text, seed_fields):
    assert fields(parse_page(SEED_URL, seed_text.replace("\n", "\r\n"))) == seed_fields
    assert fields(parse_page(SEED_URL, seed_text.replace("\n", "\r"))) == seed_fields


def test_without_report_box(seed_text, seed_fields):
    text = seed_text.replace(REPORT_BOX, "")
    assert "Merci d'avoir" not in text
    assert fields(parse_page(SEED_URL, text)) == seed_fields


def test_report_box_after_the_article(seed_text, seed_fields):
    text = seed_text.replace(REPORT_BOX, "") + "\n" + REPORT_BOX
    assert fields(parse_page(SEED_URL, text)) == seed_fields


def test_body_line_beginning_with_publie_dans(seed_text):
    line = "Publié dans un rapport annuel, ce chiffre a été confirmé par la Wilaya le 12 - 07 - 2017 à Casablanca."
    text = seed_text.replace("Faire de Casablanca une Smart City", line + "\nFaire de Casablanca une Smart City", 1)
    article = parse_page(SEED_URL, text).article
    assert article.publisher == "Maroc Diplomatique"
    assert article.published == "2017-07-12"
    assert len(article.paragraphs) == 15
    assert article.paragraphs[0] == line


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252", "utf-8-sig"])
def test_undeclared_encodings_decode_to_the_same_text(seed_text, seed_fields, encoding):
    data = seed_text.encode(encoding)
    text = decode_page(data)
    assert "\ufffd" not in text
    assert "Ã" not in text  # no mojibake
    assert fields(parse_page(SEED_URL, text)) == seed_fields


def test_cp1252_bytes_that_are_undefined_still_decode_without_replacement():
    assert decode_page(b"caf\xe9 \x81") == "café \x81"


def test_ticker_with_ordinary_spaces_and_empty_items(seed_text, seed_fields):
    first, rest = seed_text.split("\n", 1)
    spaced = first.replace("\u00a0" * 4, " " * 4)
    assert fields(parse_page(SEED_URL, spaced + "\n" + rest)) == seed_fields
    # An 8-space gap is an empty item: skipped, positions stay consecutive.
    gapped = first.replace("\u00a0" * 4, "\u00a0" * 8, 3)
    headlines = parse_page(SEED_URL, gapped + "\n" + rest).headlines
    assert [(h.position, h.text) for h in headlines] == seed_fields[-1]


def test_text_page_without_credit_line_has_no_article():
    text = "Titre un\u00a0\u00a0\u00a0\u00a0Titre deux\u00a0\u00a0\u00a0\u00a0Titre trois\n\nÀ la une\nQuelque chose\n"
    page = parse_page("https://www.maghress.com/fr", text)
    assert page.article is None
    assert [h.text for h in page.headlines] == ["Titre un", "Titre deux", "Titre trois"]


def test_arabic_text_page():
    text = (
        "عنوان أول\u00a0\u00a0\u00a0\u00a0عنوان ثان\n\n"
        "ارتفاع عدد السياح الوافدين على مراكش\n"
        "نشر في هسبريس يوم 03 - 09 - 2025\n\n"
        "سجلت مدينة مراكش ارتفاعا في عدد السياح الوافدين عليها خلال فصل الصيف. وأفادت معطيات رسمية بذلك.\n\n"
        "انقر هنا لقراءة الخبر من مصدره.\n"
    )
    page = parse_page("https://www.maghress.com/hespress/606", text)
    assert page.article.language == "ar"
    assert page.article.publisher == "هسبريس"
    assert page.article.published == "2025-09-03"
    assert page.article.title == "ارتفاع عدد السياح الوافدين على مراكش"
    assert len(page.article.paragraphs) == 1
    assert [h.text for h in page.headlines] == ["عنوان أول", "عنوان ثان"]


@pytest.mark.parametrize(
    "credit, published, problem",
    [
        ("Publié dans Le Matin le 31 - 02 - 2017", None, "impossible_date"),
        ("Publié dans Le Matin le 29 - 02 - 2023", None, "impossible_date"),
        ("Publié dans Le Matin le 12 - 13 - 2017", None, "impossible_date"),
        ("Publié dans Le Matin le 00 - 01 - 2017", None, "impossible_date"),
        ("Publié dans Le Matin le 01 - 01 - 0001", None, "implausible_date"),
        ("Publié dans Le Matin le 31 - 12 - 9999", None, "implausible_date"),
        ("Publié dans Le Matin le 31 - 12 - 1899", None, "implausible_date"),
        ("Publié dans Le Matin le 01 - 01 - 2100", None, "implausible_date"),
        ("Publié dans Le Matin le 01 - 01 - 1900", "1900-01-01", None),
        ("Publié dans Le Matin le 31 - 12 - 2099", "2099-12-31", None),
        ("Publié dans Le Matin le 29 - 02 - 2024", "2024-02-29", None),
    ],
)
def test_date_that_cannot_be_true_gives_no_published_and_says_why(credit, published, problem):
    text = f"Titre\n{credit}\n\nCorps.\n"
    article = parse_page("https://www.maghress.com/fr/lematin/1", text).article
    assert (article.title, article.publisher, article.paragraphs) == ("Titre", "Le Matin", ["Corps."])
    assert (article.published, article.published_problem) == (published, problem)
    assert article.to_json()["published_problem"] == problem


def test_arabic_credit_with_an_impossible_date():
    text = "عنوان\nنشر في هسبريس يوم 30 - 02 - 2025\n\nنص الخبر.\n"
    article = parse_page("https://www.maghress.com/hespress/1", text).article
    assert (article.publisher, article.language, article.published, article.published_problem) == (
        "هسبريس", "ar", None, "impossible_date")


def test_html_page_with_an_impossible_date_keeps_its_article():
    page = MIRROR / "www.maghress.com" / "fr" / "lesechos" / "101.html"
    html = page.read_bytes()
    assert html.count(b"le 22 - 08 - 2025") == 1
    data = parse_bytes("https://www.maghress.com/fr/lesechos/101", html.replace(b"le 22 - 08 - 2025", b"le 31 - 02 - 2017"),
                       "text/html").to_json()
    want = json.loads(page.with_name("101.expected.json").read_text(encoding="utf-8"))
    want["article"].update(published=None, published_problem="impossible_date")
    assert data == want
    assert parse_page("https://www.maghress.com/fr/lesechos/101", html.decode()).parser_version == PARSER_VERSION
