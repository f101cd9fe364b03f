"""The processing core stage by stage (normalise, validate, group), counting in Scrapy's real
stats collector as a crawl does: what each keeps, drops and counts."""

import pytest
from scrapy.utils.test import get_crawler

from crawler.core.items import Article, Headline, Ticker
from crawler.processing import STAGES, Drop, GroupingState, Processor
from crawler.processing.normalize import normalize
from crawler.processing.validate import validate


@pytest.fixture
def crawler(tmp_path):
    return get_crawler()


def processor(crawler):
    return Processor(GroupingState(), crawler.stats)


def test_the_stages_run_in_the_declared_order():
    assert [stage.__name__ for stage in STAGES] == ["normalize", "validate"]  # then grouping


def article(url="https://www.maghress.com/fr/a/1", **changes):
    fields = dict(
        url=url,
        title="Titre",
        publisher="Les Echos",
        published="2025-09-04",
        language="fr",
        paragraphs=["Premier paragraphe.", "Second paragraphe."],
    )
    fields.update(changes)
    return Article(**fields)


def test_normalize_cleans_unicode_whitespace_and_control_characters(crawler):
    item = article(
        title="Me\u0301tropole\x00 \u00a0 intelligente\ud800",
        paragraphs=["  Un\tparagraphe\x07 ", "\x0b", "Deux  espaces"],
    )
    out = normalize(item, crawler.stats)
    assert out.title == "Métropole intelligente"  # NFC composed, NUL, surrogate and spacing removed
    assert out.paragraphs == ["Un paragraphe", "Deux espaces"]
    ticker = Ticker("https://www.maghress.com/fr", [Headline(1, " Drame\u00a0à  Lisbonne\x1f ", None)])
    assert normalize(ticker, crawler.stats).headlines[0].text == "Drame à Lisbonne"


@pytest.mark.parametrize(
    "changes, reason",
    [
        ({"title": None}, "missing_title"),
        ({"publisher": ""}, "missing_publisher"),
        ({"published": None}, "missing_published"),
        ({"published": "2025-13-40"}, "bad_published"),
        ({"language": "en"}, "bad_language"),
        ({"paragraphs": []}, "missing_body"),
        ({"url": "file:///etc/passwd"}, "bad_url"),
    ],
)
def test_validate_drops_invalid_articles_and_counts_why(crawler, changes, reason):
    with pytest.raises(Drop, match=reason):
        validate(article(**changes), crawler.stats)
    assert crawler.stats.get_value(f"validate/dropped/article/{reason}") == 1


def test_validate_removes_empty_headlines(crawler):
    ticker = Ticker("https://www.maghress.com/fr", [Headline(1, "Un", None), Headline(2, "", None)])
    assert [h.text for h in validate(ticker, crawler.stats).headlines] == ["Un"]
    assert crawler.stats.get_value("validate/dropped/headline/empty") == 1


def test_deduplicate_articles_by_url_and_group_copies_by_text(crawler):
    core = processor(crawler)
    first = core.process(article("https://www.maghress.com/fr/a/1")).item
    assert (first.group, first.group_method, first.group_similarity) == ("https://www.maghress.com/fr/a/1", "first", 1.0)
    # The same text, typed differently, under another URL: kept, in the first one's group.
    outcome = core.process(
        article("https://www.maghress.com/fr/b/2", paragraphs=["PREMIER paragraphe", "second  paragraphe !"]))
    copy = outcome.item
    assert (copy.group, copy.group_method, copy.group_similarity) == ("https://www.maghress.com/fr/a/1", "exact", 1.0)
    assert outcome.signature is None
    with pytest.raises(Drop, match="already stored in this crawl"):
        core.process(article("https://www.maghress.com/fr/a/1"))
    assert crawler.stats.get_value("dedup/articles/new") == 2
    assert crawler.stats.get_value("dedup/articles/group/exact") == 1
    assert crawler.stats.get_value("dedup/dropped/article/same_url_in_crawl") == 1


def test_deduplicate_headlines_within_a_crawl(crawler):
    core = processor(crawler)
    first = Ticker("https://www.maghress.com/fr/a/1", [Headline(3, "Gad Elmaleh signe «Lui-même»", None)], "t1")
    second = Ticker(
        "https://www.maghress.com/fr/a/2",
        [Headline(1, "gad elmaleh signe « Lui-même »", "https://www.maghress.com/fr/x/9"), Headline(2, "Autre", None)],
        "t2",
    )
    third = Ticker("https://www.maghress.com/fr/a/3", [Headline(5, "GAD ELMALEH SIGNE \"LUI-MÊME\"", None)], "t3")
    assert len(core.process(first).sightings) == 1
    improved = core.process(second).sightings
    assert [(s.text, s.position, s.url, s.page_url, s.seen_at) for s in improved] == [
        ("Gad Elmaleh signe «Lui-même»", 1, "https://www.maghress.com/fr/x/9", "https://www.maghress.com/fr/a/1", "t1"),
        ("Autre", 2, None, "https://www.maghress.com/fr/a/2", "t2"),
    ]
    assert core.process(third).sightings == []
    assert crawler.stats.get_value("dedup/headlines/repeated_in_crawl") == 1
