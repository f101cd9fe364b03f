"""The seed page: every value the issue names, exactly."""

from crawler.sites.maghress.page import parse_page
from tests.conftest import SEED_URL

TITLE = "Casablanca Smart City: La métropole sur le bon chemin pour devenir une ville intelligente"
FIRST_HEADLINE = (
    "Londres obtient la ratification définitive du Parlement de la convention d'entraide judiciaire "
    "pénale conclue avec le Maroc"
)
LAST_HEADLINE = "Gad Elmaleh signe «Lui-même» son retour à Casablanca"


def test_seed_article_fields(seed_text):
    page = parse_page(SEED_URL, seed_text)
    article = page.article
    assert page.url == SEED_URL
    assert article.title == TITLE
    assert article.publisher == "Maroc Diplomatique"
    assert article.published == "2017-07-12"
    assert article.language == "fr"
    assert article.original_url is None
    assert article.image_url is None
    assert len(article.paragraphs) == 14
    assert article.paragraphs[0].startswith("Faire de Casablanca une Smart City")
    assert article.paragraphs[-1].endswith("de l'investissement et de l'Economie Numérique.")


def test_seed_ticker(seed_text):
    headlines = parse_page(SEED_URL, seed_text).headlines
    assert len(headlines) == 48
    assert [h.position for h in headlines] == list(range(1, 49))
    assert headlines[0].text == FIRST_HEADLINE
    assert headlines[-1].text == LAST_HEADLINE
    assert all(h.url is None for h in headlines)


def test_seed_furniture_stays_out(seed_text):
    article = parse_page(SEED_URL, seed_text).article
    body = "\n".join(article.paragraphs)
    for furniture in ("Merci d'avoir signalé", "automatiquement bloquée", "Publié dans", "Cliquez ici", FIRST_HEADLINE):
        assert furniture not in body
        assert furniture not in article.title


def test_seed_url_is_canonicalised(seed_text):
    page = parse_page("http://maghress.com/fr/marocdiplomatique/25429?utm_source=x#top", seed_text)
    assert page.url == SEED_URL
