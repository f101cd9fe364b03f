"""crawler.core.text: decoding pages whose declared charset lies, and what a text field may hold.

Real pages in (the bundled mirror's, as bytes in the encodings real servers send), exact text
and exact fields out.
"""

import json
import re
import unicodedata

import pytest

from crawler.core.items import Article, Headline, Ticker
from crawler.core.stats import Stats
from crawler.core.text import clean_text, clean_url, decode, decode_page, headline_key, strip_hidden
from crawler.processing.normalize import normalize
from crawler.sites.parse import parse_bytes
from crawler.warc.replay import EXPECTED_SUFFIX
from tests.conftest import MIRROR, SEED_PAGE, SEED_URL

LESECHOS = MIRROR / "www.maghress.com" / "fr" / "lesechos" / "101.html"
LESECHOS_URL = "https://www.maghress.com/fr/lesechos/101"
HESPRESS = MIRROR / "www.maghress.com" / "hespress" / "606.html"
HESPRESS_URL = "https://www.maghress.com/hespress/606"
CHINESE = "<p>北京是中华人民共和国的首都，也是全国的政治和文化中心。</p>"
JAPANESE = "<p>東京は日本の首都であり、政治と経済の中心地です。</p>"


def expected(page):
    return json.loads(page.with_name(page.stem + EXPECTED_SUFFIX).read_text(encoding="utf-8"))


def french_page() -> str:
    """The Les Echos article page with its one Arabic word (the menu's) made French, so that
    windows-1252 can encode it; its meta still says UTF-8."""
    html = LESECHOS.read_text(encoding="utf-8").replace("عربي", "Arabe")
    assert '<meta charset="utf-8">' in html
    return html


def arabic_page(charset: str) -> str:
    html = HESPRESS.read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in html
    return html.replace('<meta charset="utf-8">', f'<meta charset="{charset}">')


# --- Decoding: the declared charset lies ------------------------------------------------------------
@pytest.mark.parametrize("content_type", ["text/html; charset=UTF-8", "text/html"], ids=["header-and-meta", "meta"])
def test_windows_1252_french_declared_utf8(content_type):
    html = french_page()
    data = html.encode("cp1252")
    decoded = decode(data, content_type)
    assert decoded.text == html
    assert (decoded.encoding, decoded.clean, decoded.flaws) == ("cp1252", True, 0)
    # The page's fields: the article is there, nothing in mojibake or replacement characters.
    page = parse_bytes(LESECHOS_URL, data, content_type).to_json()
    assert page == expected(LESECHOS)
    assert page["article"]["title"] == "Tourisme : Marrakech enregistre une hausse de 12% des arrivées au premier semestre"
    assert page["article"]["published"] == "2025-08-22"


def test_windows_1252_saved_text_page_declared_utf8():
    text = SEED_PAGE.read_text(encoding="utf-8")
    data = text.encode("cp1252")
    decoded = decode(data, "text/plain; charset=utf-8")
    assert (decoded.text, decoded.encoding, decoded.source, decoded.clean) == (text, "cp1252", "windows-1252", True)
    page = parse_bytes(SEED_URL, data, "text/plain; charset=utf-8").to_json()
    assert page == expected(SEED_PAGE)
    assert page["headlines"][-1]["text"] == "Gad Elmaleh signe «Lui-même» son retour à Casablanca"


def test_utf8_arabic_declared_windows_1256_by_header_and_meta():
    html = arabic_page("windows-1256")
    data = html.encode("utf-8")
    decoded = decode(data, "text/html; charset=windows-1256")
    assert decoded.text == html
    assert (decoded.encoding, decoded.source, decoded.clean) == ("utf-8", "utf-8", True)
    page = parse_bytes(HESPRESS_URL, data, "text/html; charset=windows-1256").to_json()
    assert page == expected(HESPRESS)
    assert page["article"]["publisher"] == "هسبريس"
    assert page["headlines"][0]["text"] == "أمطار رعدية مرتقبة بعدد من مناطق المملكة"


def test_utf8_arabic_with_a_lying_header_keeps_its_true_meta():
    data = HESPRESS.read_bytes()
    decoded = decode(data, "text/html; charset=windows-1256")
    assert (decoded.text, decoded.encoding, decoded.source) == (data.decode("utf-8"), "utf-8", "meta")


def test_utf8_declared_iso_8859_1():
    text = SEED_PAGE.read_text(encoding="utf-8")
    decoded = decode(text.encode("utf-8"), "text/plain; charset=iso-8859-1")
    assert (decoded.text, decoded.encoding, decoded.clean) == (text, "utf-8", True)
    assert "Ã" not in decoded.text


def test_windows_1256_arabic_declared_correctly_stays_windows_1256():
    html = arabic_page("windows-1256")
    data = html.encode("cp1256")
    for content_type in ("text/html; charset=windows-1256", "text/html"):
        decoded = decode(data, content_type)
        assert decoded.text == html
        assert (decoded.encoding, decoded.clean) == ("cp1256", True)
        assert parse_bytes(HESPRESS_URL, data, content_type).to_json() == expected(HESPRESS)


def test_windows_1256_arabic_declared_utf8_is_detected():
    html = arabic_page("utf-8")
    decoded = decode(html.encode("cp1256"), "text/html; charset=utf-8")
    assert (decoded.text, decoded.encoding, decoded.source) == (html, "cp1256", "detector")


@pytest.mark.parametrize("text, encoding, found", [(CHINESE, "gb2312", "gb18030"), (JAPANESE, "shift_jis", "cp932")])
def test_chinese_and_japanese(text, encoding, found):
    data = text.encode(encoding)
    declared = decode(data, f"text/html; charset={encoding}")
    assert (declared.text, declared.encoding, declared.source) == (text, found, "http")
    lying = decode(data, "text/html; charset=utf-8")
    assert (lying.text, lying.encoding, lying.source) == (text, found, "detector")


def test_byte_order_mark_wins_over_a_lying_header():
    text = SEED_PAGE.read_text(encoding="utf-8")
    decoded = decode(b"\xef\xbb\xbf" + text.encode("utf-8"), "text/plain; charset=windows-1256")
    assert (decoded.text, decoded.encoding, decoded.source, decoded.clean) == (text, "utf-8", "bom", True)


def test_pure_ascii_whatever_the_declaration():
    data = b"<html><body><p>Hello, world</p></body></html>"
    for content_type in (None, "text/html; charset=utf-8", "text/html; charset=windows-1256", "text/html; charset=utf-16"):
        assert decode_page(data, content_type) == "<html><body><p>Hello, world</p></body></html>"


def test_no_clean_candidate_gives_the_least_bad_and_says_so():
    # windows-1252's undefined byte 0x81: no encoding reads these bytes cleanly.
    decoded = decode(b"caf\xe9 \x81")
    assert (decoded.text, decoded.encoding, decoded.clean, decoded.flaws) == ("café \x81", "cp1252", False, 1)
    # A UTF-8 page with one broken byte: UTF-8 still, one replacement character, not clean.
    text = SEED_PAGE.read_text(encoding="utf-8")
    data = text.encode("utf-8").replace("Casablanca Smart City".encode(), b"Casablanca Smart\xff City", 1)
    broken = decode(data, "text/plain; charset=utf-8")
    assert broken.text == text.replace("Casablanca Smart City", "Casablanca Smart\ufffd City", 1)
    assert (broken.encoding, broken.clean, broken.flaws) == ("utf-8", False, 1)


def test_utf8_text_that_is_itself_mojibake_is_not_clean():
    decoded = decode("La région à l’été".encode("utf-8").decode("cp1252").encode("utf-8"), "text/html; charset=utf-8")
    assert decoded.text == "La rÃ©gion Ã\xa0 lâ€™Ã©tÃ©"  # "à" is C3 A0: "Ã" and a no-break space
    assert (decoded.encoding, decoded.clean, decoded.flaws) == ("utf-8", False, 5)


# --- What a text field may hold ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "raw, stored",
    [
        ("\x1b[1;31mAlerte\x1b[0m : séisme", "Alerte : séisme"),  # colours: the whole sequence
        ("Cliquez \x1b]8;;https://evil.example/\x1b\\ici\x1b]8;;\x1b\\ vite", "Cliquez ici vite"),  # hidden link
        ("Titre\x1b]0;faux titre de fenêtre\x07 suite", "Titre suite"),
        ("Facture\u202eFDP.exe", "FactureFDP.exe"),  # right-to-left override
        ("\u2067المغرب\u2069 \u202bwins\u202c", "المغرب wins"),  # isolates, embeddings
        ("Ma\u200broc\u2060 \ufeffactu", "Maroc actu"),  # zero width space, word joiner, BOM
        ("intelli\u00adgente", "intelligente"),  # soft hyphen
        ("\u200fالمغرب\u200e (MAP)\u061c", "المغرب (MAP)"),  # RLM, LRM, ALM
        ("می\u200cخواهم", "می\u200cخواهم"),  # Persian ZWNJ: kept, it shapes the word
        ("👩\u200d💻 développeuse", "👩\u200d💻 développeuse"),  # emoji ZWJ sequence: kept
        ("Ma\u200croc\u200d ", "Maroc"),  # ZWNJ/ZWJ between Latin letters, at the end: removed
        ("secret\U000e0069\U000e0067\U000e006e", "secret"),  # tag characters (ASCII smuggling)
        ("🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f Écosse",
         "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f Écosse"),  # a flag: kept
        ("c\x9cur de l\x92été \x80", "cœur de l’été €"),  # C1 from a latin-1 reading: windows-1252
        ("Bip\x07\x00 fin\x81\x1b", "Bip fin"),  # C0, undefined C1, a lone ESC
        ("Me\u0301tropole\ud800", "Métropole"),  # NFC, lone surrogate
    ],
)
def test_clean_text(raw, stored):
    assert clean_text(raw) == stored


def test_clean_url_percent_encodes_what_it_would_otherwise_lose():
    assert clean_url(" https://lesechos.ma/a b\u200b/c\t\n?q=\u202e1 ") == "https://lesechos.ma/a%20b%E2%80%8B/c?q=%E2%80%AE1"
    assert clean_url("https://www.hespress.com/المغرب") == "https://www.hespress.com/المغرب"  # no NFC, nothing lost
    assert clean_url("https://lesechos.ma/Me\u0301tropole") == "https://lesechos.ma/Me\u0301tropole"


def test_normalize_cleans_every_text_field_of_articles_and_headlines():
    stats = Stats()
    article = Article(
        url=LESECHOS_URL,
        title="\x1b[31mTourisme\x1b[0m\u202e : record",
        publisher="Les\u200b Echos\u200f",
        published="2025-08-22",
        language="fr",
        paragraphs=["\u2066Premier\u2069 paragraphe.", "\u200b\u200e", "Second\u00ad paragraphe."],
        original_url="https://lesechos.ma/tourisme record\u200b",
        image_url=" https://images2.maghress.com/lesechos/101/thumb\n",
    )
    normalize(article, stats)
    assert (article.title, article.publisher) == ("Tourisme : record", "Les Echos")
    assert article.paragraphs == ["Premier paragraphe.", "Second paragraphe."]
    assert article.original_url == "https://lesechos.ma/tourisme%20record%E2%80%8B"
    assert article.image_url == "https://images2.maghress.com/lesechos/101/thumb"
    ticker = Ticker(LESECHOS_URL, [Headline(1, "\x1b[5mMarché\x1b[0m automobile\u200b", None),
                                   Headline(2, "\u202eأمطار رعدية\u200f", None)])
    normalize(ticker, stats)
    assert [h.text for h in ticker.headlines] == ["Marché automobile", "أمطار رعدية"]


def _old_headline_key(text):
    """headline_key and clean_text as they were before hidden characters were removed."""
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", "", re.sub(r"[\ud800-\udfff]", "", text))
    text = " ".join(unicodedata.normalize("NFC", text).split())
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub("[’‘‛`´ʼ′]", "'", re.sub(r"[\"«»“”„‟‹›〝〞＂]", " ", text))
    return " ".join(text.split())


def test_headline_keys_of_the_bundled_mirror_are_unchanged():
    texts = {h["text"] for page in MIRROR.rglob("*" + EXPECTED_SUFFIX)
             for h in json.loads(page.read_text(encoding="utf-8"))["headlines"]}
    assert len(texts) == 60
    for text in texts:
        assert headline_key(clean_text(text)) == _old_headline_key(text)
    assert headline_key("Gad Elmaleh signe «Lui-même» son retour à Casablanca") == \
        "gad elmaleh signe lui-même son retour à casablanca"


def test_hidden_characters_do_not_make_a_headline_new():
    assert headline_key("Marché\u200b automobile\u202e") == headline_key("Marché automobile") == "marché automobile"
    assert strip_hidden("Marché automobile") == "Marché automobile"
