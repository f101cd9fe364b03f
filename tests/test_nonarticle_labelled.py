"""crawler.sites.nonarticle measured on held-out pages: tests/fixtures/nonarticle/ was written and
labelled by someone who had not seen the classifier (labels.json: soft_404, bot_wall,
consent_wall, paywall, article), and the classifier was not tuned on it.

Measured when it was added (54 pages): 18 of 18 articles kept (no article rejected), 7 of 7
paywall teasers flagged partial, soft 404s 8 of 9, bot walls 11 of 13, consent walls 5 of 7.
The misses are listed below, by file, with what the classifier says of them: a page leaving
the list (found at last) or joining it (a regression) fails the test, so that the figures above
are kept true."""

import json
from pathlib import Path

import pytest

from crawler.sites.nonarticle import classify

ROOT = Path(__file__).parent / "fixtures" / "nonarticle"
LABELS = json.loads((ROOT / "labels.json").read_text(encoding="utf-8"))

# The held-out pages the classifier misses: file -> what it says instead of the label.
KNOWN_MISSES = {
    "en_northern_soft404_article_removed.html": "article",  # "article removed" notice inside a full template
    "en_bot_cloudfront_request_blocked.html": "article",  # CloudFront's "Request blocked" page
    "en_bot_wordfence_access_limited.html": "article",  # Wordfence's "access to this site has been limited"
    "fr_actumatin_consent_wall_didomi.html": "article",
    "fr_ce_consent_wall_accepter_ou_sabonner.html": "article",  # "accepter ou s'abonner" cookie wall
}


def verdict_of(entry: dict) -> str:
    html = (ROOT / entry["file"]).read_text(encoding="utf-8")
    verdict = classify(entry["url"], entry["status"], html)
    return verdict.reason or ("paywall" if verdict.partial else "article")


@pytest.mark.parametrize("entry", LABELS, ids=[e["file"] for e in LABELS])
def test_each_labelled_page(entry):
    expected = KNOWN_MISSES.get(entry["file"], entry["label"])
    assert verdict_of(entry) == expected, entry["note"]


def test_no_article_is_ever_rejected_and_the_counts():
    got = {e["file"]: verdict_of(e) for e in LABELS}
    articles = [e for e in LABELS if e["label"] == "article"]
    assert len(articles) == 18
    assert all(got[e["file"]] == "article" for e in articles)
    found = {label: sum(1 for e in LABELS if e["label"] == label and got[e["file"]] == label)
             for label in ("soft_404", "bot_wall", "consent_wall", "paywall")}
    assert found == {"soft_404": 8, "bot_wall": 11, "consent_wall": 5, "paywall": 7}
