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
        ({"language": "English"}, "bad_language"),
        ({"language": "e"}, "bad_language"),
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
    first = Ticker("https://www.maghress.com/fr/a/1", [Headline(3, "Gad Elmaleh signe «Lui-même»", None)], "2025-09-03T10:00:01Z")
    second = Ticker(
        "https://www.maghress.com/fr/a/2",
        [Headline(1, "gad elmaleh signe « Lui-même »", "https://www.maghress.com/fr/x/9"), Headline(2, "Autre", None)],
        "2025-09-03T10:00:02Z",
    )
    third = Ticker("https://www.maghress.com/fr/a/3", [Headline(5, "GAD ELMALEH SIGNE \"LUI-MÊME\"", None)], "2025-09-03T10:00:03Z")
    assert len(core.process(first).sightings) == 1
    improved = core.process(second).sightings
    assert [(s.text, s.position, s.url, s.page_url, s.seen_at) for s in improved] == [
        ("Gad Elmaleh signe «Lui-même»", 1, "https://www.maghress.com/fr/x/9", "https://www.maghress.com/fr/a/1", "2025-09-03T10:00:01Z"),
        ("Autre", 2, None, "https://www.maghress.com/fr/a/2", "2025-09-03T10:00:02Z"),
    ]
    assert core.process(third).sightings == []
    assert crawler.stats.get_value("dedup/headlines/repeated_in_crawl") == 1


@pytest.mark.parametrize("problem", ["impossible_date", "implausible_date"])
def test_validate_stores_an_article_whose_date_cannot_be_true_and_counts_it(crawler, problem):
    item = validate(article(published=None, published_problem=problem), crawler.stats)
    assert (item.published, item.published_problem, item.title) == (None, problem, "Titre")
    assert crawler.stats.get_value("validate/articles/unknown_date") == 1
    assert crawler.stats.get_value(f"validate/articles/unknown_date/{problem}") == 1
    assert not [k for k in crawler.stats.get_stats() if k.startswith("validate/dropped/")]


@pytest.mark.parametrize(
    "published, seen_at, stored, problem",
    [
        ("0001-01-01", "2025-09-04T10:00:00Z", None, "implausible_date"),
        ("9999-12-31", "2025-09-04T10:00:00Z", None, "implausible_date"),
        ("1899-12-31", "2025-09-04T10:00:00Z", None, "implausible_date"),
        ("2025-09-06", "2025-09-04T23:59:59Z", None, "implausible_date"),  # after the day it was seen
        ("2025-09-05", "2025-09-04T23:00:00Z", "2025-09-05", None),  # a time zone ahead of UTC
        ("1900-01-01", "2025-09-04T10:00:00Z", "1900-01-01", None),
        ("2017-07-12", None, "2017-07-12", None),  # not seen: now
    ],
)
def test_validate_turns_an_implausible_date_into_none_with_its_reason(crawler, published, seen_at, stored, problem):
    item = validate(article(published=published, seen_at=seen_at), crawler.stats)
    assert (item.published, item.published_problem) == (stored, problem)
    assert crawler.stats.get_value("validate/articles/unknown_date/implausible_date") == (1 if problem else None)


def test_validate_still_drops_an_article_without_any_date(crawler):
    with pytest.raises(Drop, match="missing_published"):
        validate(article(published=None), crawler.stats)
    with pytest.raises(Drop, match="bad_published"):
        validate(article(published="20250904"), crawler.stats)  # an ISO form the archive does not store
    assert crawler.stats.get_value("validate/dropped/article/missing_published") == 1
    assert crawler.stats.get_value("validate/dropped/article/bad_published") == 1
    assert crawler.stats.get_value("validate/articles/unknown_date") is None


def test_a_stored_date_carries_no_problem(crawler):
    item = validate(article(published="2025-09-04", published_problem="impossible_date"), crawler.stats)
    assert (item.published, item.published_problem) == ("2025-09-04", None)


def test_a_page_with_an_impossible_date_goes_through_processing_to_the_archive(crawler):
    from crawler.core.items import page_items
    from crawler.sites.maghress.page import parse_page

    text = "Titre\nPublié dans Le Matin le 31 - 02 - 2017\n\nCorps de l'article.\n"
    page = parse_page("https://www.maghress.com/fr/lematin/1", text)
    (item,) = page_items(page, "2025-09-04T10:00:00Z")
    outcome = processor(crawler).process(item)
    stored = outcome.item
    assert (stored.url, stored.title, stored.publisher, stored.published, stored.published_problem) == (
        "https://www.maghress.com/fr/lematin/1", "Titre", "Le Matin", None, "impossible_date")
    assert stored.paragraphs == ["Corps de l'article."]
    assert crawler.stats.get_value("validate/articles/unknown_date/impossible_date") == 1


def test_every_field_is_capped_and_each_cut_counted(crawler):
    from crawler.processing.normalize import FIELD_CAPS

    long_url = "https://www.maghress.com/fr/a/" + "x" * 3000
    item = article(title="T" * 5000, publisher="P" * 500, paragraphs=["mot " * 10_000] * 30,
                   original_url=long_url, image_url="https://images.example/1.jpg")
    item.fetched_url = long_url
    out = normalize(item, crawler.stats)
    assert (len(out.title), len(out.publisher)) == (FIELD_CAPS["title"], FIELD_CAPS["publisher"])
    assert all(len(p) <= FIELD_CAPS["paragraph"] for p in out.paragraphs)
    assert sum(len(p) for p in out.paragraphs) == FIELD_CAPS["body"]
    assert (out.original_url, out.image_url, out.fetched_url) == (None, "https://images.example/1.jpg", out.url)
    ticker = Ticker("https://www.maghress.com/fr", [Headline(n, "H" * 900, long_url) for n in range(1, 601)])
    out = normalize(ticker, crawler.stats)
    assert len(out.headlines) == FIELD_CAPS["headlines"]
    assert {len(h.text) for h in out.headlines} == {FIELD_CAPS["headline"]} and {h.url for h in out.headlines} == {None}
    counted = {k.removeprefix("normalize/truncated/"): v for k, v in crawler.stats.get_stats().items()
               if k.startswith("normalize/truncated/")}
    assert counted == {"title": 1, "publisher": 1, "paragraph": 30, "body": 1, "original_url": 1, "fetched_url": 1,
                       "headlines": 1, "headline": 500, "headline_url": 500}
