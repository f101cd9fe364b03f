"""crawler.sites.nonarticle: soft 404s, bot walls, consent walls and paywall teasers told from
ordinary pages, on pages written for these tests (tests/fixtures/nonarticle_own/, named
<expected>__<lang>_<what>.html, expected one of soft_404, bot_wall, consent_wall, paywall,
ordinary) and inline cases."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from lxml import etree

from crawler.sites import nonarticle
from crawler.sites.nonarticle import PAYWALL, REASONS, Verdict, classify

OWN = Path(__file__).parent / "fixtures" / "nonarticle_own"
URL = "https://www.example.com/politique/article-123"
FIXTURES = sorted(OWN.glob("*.html"))
EXPECTED = ("soft_404", "bot_wall", "consent_wall", "paywall", "ordinary")


def _expected(path: Path) -> tuple[str | None, bool]:
    label = path.name.split("__")[0]
    assert label in EXPECTED, path.name
    if label == "paywall":
        return None, True
    if label == "ordinary":
        return None, False
    return label, False


def test_interface():
    assert REASONS == ("soft_404", "bot_wall", "consent_wall")
    assert PAYWALL == "paywall"
    v = Verdict("soft_404", evidence="x")
    assert (v.reason, v.partial, v.evidence) == ("soft_404", False, "x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        v.reason = None
    assert Verdict(None).partial is False and Verdict(None, True).flag == PAYWALL


def test_fixtures_cover_every_case():
    labels = [p.name.split("__")[0] for p in FIXTURES]
    for label in EXPECTED:
        langs = {p.name.split("__")[1][:2] for p in FIXTURES if p.name.startswith(label + "__")}
        assert {"fr", "ar", "en"} <= langs, (label, langs)
    assert len(labels) >= 40


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_fixture(path: Path):
    html = path.read_text(encoding="utf-8")
    reason, partial = _expected(path)
    v = classify(URL, 200, html)
    assert (v.reason, v.partial) == (reason, partial), v.evidence
    if reason or partial:
        assert v.evidence  # says what matched, for the logs
    # the same with the caller's tree, parsed as a page object would
    tree = etree.fromstring(html.encode(), etree.HTMLParser(remove_comments=True))
    v2 = classify(URL, 200, html, tree=tree)
    assert (v2.reason, v2.partial) == (reason, partial)
    assert classify(URL, 200, html, tree=tree.getroottree()).reason == reason


def _page(title: str, body: str, head: str = "") -> str:
    return (f"<html><head><title>{title}</title>{head}</head><body><nav><a href='/'>Home</a> <a href='/a'>World</a></nav>"
            f"<main>{body}</main><footer><p>© The Daily Post</p></footer></body></html>")


ARTICLE = "".join(
    f"<p>Paragraph {i}: the council met on Tuesday and agreed a budget after long talks with the unions and the mayor.</p>"
    for i in range(20))


def test_status_404_alone_is_a_soft_404():
    html = _page("The Daily Post", "<div><p>Nothing to see.</p></div>")
    assert classify(URL, 404, html).reason == "soft_404"
    assert classify(URL, 200, html).reason is None


def test_extracted_title_counts_as_a_head():
    html = _page("The Daily Post", "<div class='x'>Try the search box.</div>")
    assert classify(URL, 200, html).reason is None
    v = classify(URL, 200, html, title="Page introuvable")
    assert v.reason == "soft_404" and "extracted title" in v.evidence


def test_title_evidence_names_the_title():
    v = classify(URL, 200, _page("Page introuvable | Le Quotidien", "<h1>Oups !</h1>"))
    assert v.reason == "soft_404" and 'title: "Page introuvable | Le Quotidien"' in v.evidence


def test_long_article_titled_like_an_error_is_ordinary():
    html = _page("Page not found: the novel everyone is reading", "<h1>Page not found: the novel everyone is reading</h1>" + ARTICLE)
    assert classify(URL, 200, html).reason is None


def test_error_title_and_h1_win_over_teasers():
    # an error page whose "latest news" teasers are long paragraphs
    html = _page("Page introuvable - Le Quotidien", "<h1>Page introuvable</h1>" + ARTICLE, '<meta name="robots" content="noindex">')
    assert classify(URL, 200, html).reason == "soft_404"


def test_long_extracted_body_is_no_wall():
    consent = ("<div id='didomi-notice'><p>Nous et nos partenaires utilisons des cookies pour stocker et/ou accéder à des "
               "informations sur un appareil.</p><button>Accepter et continuer</button></div>")
    html = _page("Le Quotidien", consent)
    assert classify(URL, 200, html).reason == "consent_wall"
    body = [f"Paragraphe {i} : le conseil municipal a voté mardi le budget des transports après de longues négociations."
            for i in range(20)]
    assert classify(URL, 200, html, paragraphs=body).reason is None


def test_quoted_sentence_in_a_short_page_is_not_an_error():
    html = _page("Panne - Le Quotidien", "<h1>Panne du site de la CAF</h1><p>Le site affiche « la page que vous recherchez "
                 "n'existe pas » depuis ce matin, selon des allocataires.</p>")
    assert classify(URL, 200, html).reason is None
    unquoted = html.replace("« ", "").replace(" »", "")
    assert classify(URL, 200, unquoted).reason == "soft_404"  # the test can fail: the sentence counts unquoted


def test_challenge_marker_alone_needs_little_text():
    html = _page("www.example.com", "<form id='challenge-form' action='/x?__cf_chl_f_tk=1'></form>")
    assert classify(URL, 403, html).reason == "bot_wall"
    assert classify(URL, 200, _page("Budget approved", "<h1>Budget approved</h1>" + ARTICLE,
                                    "<script src='/cdn-cgi/challenge-platform/scripts/jsd/main.js'></script>")).reason is None


def test_recaptcha_on_an_article_is_ordinary():
    html = _page("Budget approved | The Daily Post", "<h1>Budget approved</h1>" + ARTICLE[:900]
                 + "<form class='comments'><div class='g-recaptcha'></div><button>Post comment</button></form>",
                 "<script src='https://www.google.com/recaptcha/api.js'></script>")
    assert classify(URL, 200, html) == Verdict(None)


def test_paywall_phrase_on_a_long_teaser():
    html = _page("Budget approved", "<h1>Budget approved</h1>" + ARTICLE[:2000]
                 + "<p>Il vous reste 64% de cet article à lire. La suite est réservée aux abonnés.</p>")
    v = classify(URL, 200, html)
    assert v.reason is None and v.partial and "il vous reste" in v.evidence


def test_content_tier_locked_with_short_body():
    head = '<meta property="article:content_tier" content="locked">'
    html = _page("Budget approved", "<h1>Budget approved</h1><p>The council met on Tuesday and agreed a budget.</p>", head)
    assert classify(URL, 200, html).partial
    assert not classify(URL, 200, _page("Budget approved", "<h1>Budget approved</h1>" + ARTICLE, head)).partial


def test_json_ld_not_free_with_the_locked_part_present_is_not_partial():
    ld = ('<script type="application/ld+json">{"@type":"NewsArticle","isAccessibleForFree":false,'
          '"hasPart":{"@type":"WebPageElement","isAccessibleForFree":false,"cssSelector":".premium"}}</script>')
    short = "<h1>Budget</h1><p>The council met on Tuesday and agreed a budget after long talks.</p>"
    assert classify(URL, 200, _page("Budget", short, ld)).partial
    full = short + "<div class='premium body'>" + "The rest of the story, served whole to the crawler. " * 10 + "</div>"
    assert not classify(URL, 200, _page("Budget", full, ld)).partial


def test_unreadable_or_empty_pages_are_ordinary():
    assert classify(URL, 200, "") == Verdict(None)
    assert classify(URL, 200, "   ") == Verdict(None)
    assert classify(URL, 200, "plain text, no markup at all").reason is None


def test_phrase_lists_are_data_per_language():
    for table in (nonarticle.SOFT_404_LABELS, nonarticle.SOFT_404_SENTENCES, nonarticle.BOT_LABELS,
                  nonarticle.BOT_SENTENCES, nonarticle.CONSENT_LABELS, nonarticle.CONSENT_SENTENCES,
                  nonarticle.PAYWALL_SENTENCES):
        assert isinstance(table, dict) and {"fr", "ar", "en"} <= set(table)
        assert all(isinstance(v, tuple) and v for v in table.values())


@pytest.mark.parametrize("reason, text", [
    ("soft_404", "Page introuvable"), ("soft_404", "Erreur 404"), ("soft_404", "Cette page n'existe pas"),
    ("soft_404", "Oups ! Page introuvable"), ("soft_404", "الصفحة غير موجودة"), ("soft_404", "الصفحة المطلوبة غير متوفرة"),
    ("soft_404", "Page not found"), ("soft_404", "We can't find the page"), ("soft_404", "This article has been removed"),
    ("soft_404", "404 Not Found"), ("soft_404", "Página no encontrada"),
    ("bot_wall", "Just a moment..."), ("bot_wall", "Checking your browser"), ("bot_wall", "Access Denied"),
    ("bot_wall", "Pardon Our Interruption"), ("bot_wall", "Request blocked"), ("bot_wall", "Attention Required!"),
    ("consent_wall", "Before you continue"), ("consent_wall", "We value your privacy"), ("consent_wall", "Avant de continuer"),
])
def test_heads(reason, text):
    hits = {r: nonarticle._Hits() for r in REASONS}
    nonarticle._score_heads([("h1", text)], hits["soft_404"], hits["bot_wall"], hits["consent_wall"])
    assert hits[reason].score >= 3, text
    assert all(h.score == 0 for r, h in hits.items() if r != reason), text


@pytest.mark.parametrize("text", [
    "Erreur 404 : le site des impôts inaccessible depuis lundi et les usagers s'impatientent",
    "Cloudflare's 'Just a moment' page is everywhere, and archivists are not amused",
    "Why the page you are reading may vanish tomorrow",
])
def test_headlines_quoting_phrases_are_not_covered(text):
    hits = {r: nonarticle._Hits() for r in REASONS}
    nonarticle._score_heads([("h1", text)], hits["soft_404"], hits["bot_wall"], hits["consent_wall"])
    assert all(h.score < 3 for h in hits.values()), text
