"""The two sites bundled beside Maghress, with pages of the article extraction dataset
(seeds/LICENSES.md): physorg (spec and its own page object) and apnews (spec only, read by the
generic page object).

The expected values were checked by hand against the dataset's truth (articles.json.gz, ids
571231a5591d1af22bc4725ce99d05be and 02b199608b29fa149ceaf16b8b2eeb95). Where the page and the
truth differ, the page is kept as it is and the difference is said here:
- the aerogel article's last paragraph writes "−20°C" with U+2212 MINUS SIGN, the truth "-20°C";
- the jellyfish article has 13 body paragraphs, the truth 11: it leaves out "The findings were
  published in PLOS Biology." and "The cellular origins of the repair-specific proliferative cells
  ..." (both plain paragraphs of the page's body).
"""

import pytest

from crawler.sites import registry
from crawler.sites.physorg import page as physorg
from crawler.warc.replay import Mirror
from tests.conftest import MIRROR

PHYS_FRONT = "https://phys.org/"
SWEATER = "https://phys.org/news/2023-12-sweater-aerogel-fiber-warmer.html"
JELLYFISH = "https://phys.org/news/2023-12-jellyfish-regenerate-functional-tentacles-days.html"
AP_FRONT = "https://apnews.com/"
AP_FSU = "https://apnews.com/article/florida-state-acc-lawsuit-0ac37b0b1ab398ea91df35b88b87d623"
AP_SWIFT = "https://apnews.com/article/taylor-swift-eclipse-positive-stories-2023-f90116512ed7c9f776da4e3b8ae194c5"

SITES = {
    "physorg": (PHYS_FRONT, [SWEATER, JELLYFISH]),
    "apnews": (AP_FRONT, [AP_FSU, AP_SWIFT]),
}

PHYS_EXPECTED = {
    SWEATER: {
        "title": "A sweater made from new aerogel fiber tests warmer than one made from down",
        "authors": ["Bob Yirka"],  # the byline: "by Bob Yirka , Phys.org"
        "published": "2023-12-22",
        "published_at": "2023-12-22T09:50:02-05:00",
        "image_url": "https://scx2.b-cdn.net/gfx/news/2023/a-sweater-made-from-a.jpg",
        "count": 5,
        "first": "A team of chemical engineers and materials scientists at Zhejiang University in China has "
                 "developed a new type of aerogel fiber that has proven to be warmer than down when woven into a "
                 "sweater. In their paper published in the journal Science, the group describes the inspiration "
                 "for their fibers, how they were made and how well they worked when tested in a cold "
                 "environment. Zhizhi Sheng and Xuetong Zhang, with the Chinese Academy of Sciences, have "
                 "published a Perspective piece in the same journal issue outlining the work done by the team on "
                 "this new effort.",
        "last": "The research team next produced batches of their fibers in long strands that they used to weave "
                "a sweater. They then tested the warmth of the sweater by exposing it to temperatures as low as "
                "\u221220°C. They claim the sweater demonstrated thermal protection that was better than similar "
                "sweaters made of down, wool, or cotton. They also stretched the sweater 10,000 times and found it "
                "suffered little damage. They also note that the fiber can be stretched, dyed, and flexed.",
    },
    JELLYFISH: {
        "title": "How jellyfish regenerate functional tentacles in days",
        "authors": ["University of Tokyo"],  # a news release: "by <a>University of Tokyo</a>"
        "published": "2023-12-22",
        "published_at": "2023-12-22T10:30:03-05:00",
        "image_url": "https://scx2.b-cdn.net/gfx/news/hires/2023/how-jellyfish-regenera.jpg",
        "count": 13,
        "first": "At about the size of a pinkie nail, the jellyfish species Cladonema can regenerate an amputated "
                 "tentacle in two to three days—but how? Regenerating functional tissue across species, including "
                 "salamanders and insects, relies on the ability to form a blastema, a clump of undifferentiated "
                 "cells that can repair damage and grow into the missing appendage.",
        "last": '"It would be essential to introduce genetic tools that allow the tracing of specific cell lineages '
                'and the manipulation in Cladonema," Nakajima said. "Ultimately, understanding blastema formation '
                "mechanisms in regenerative animals, including jellyfish, may help us identify cellular and "
                'molecular components that improve our own regenerative abilities."',
    },
}


def saved(url: str) -> bytes:
    path = Mirror(MIRROR).find(url)
    assert path is not None, f"{url} is not in the bundled mirror"
    return path.read_bytes()


# --- the mirror and the seeds ---------------------------------------------------------------------
@pytest.mark.parametrize("url", [u for front, articles in SITES.values() for u in [front, *articles]])
def test_each_page_is_where_the_mirror_looks_and_maps_back_to_its_url(url):
    mirror = Mirror(MIRROR)
    path = mirror.find(url)
    assert path is not None and path.suffix == ".html"
    assert mirror.url_of(path) == url.rstrip("/")  # a front page's file maps back to the bare host


@pytest.mark.parametrize("name", sorted(SITES))
def test_start_urls_are_the_front_page(name):
    spec = registry.site(name)
    lines = registry.start_urls(spec).read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("#")
    assert [line for line in lines if line and not line.startswith("#")] == [SITES[name][0]]
    assert spec.mirror is not None and registry.mirror(spec) == MIRROR


@pytest.mark.parametrize("name", sorted(SITES))
def test_front_page_links_to_both_articles(name):
    front, articles = SITES[name]
    # The front pages link with absolute https URLs, so the regex of the project's link finder
    # is enough here (and works for the site without a page object of its own).
    from crawler.frontier.links import html_links

    links = html_links(front, saved(front))
    assert all(url in links for url in articles)
    assert any(registry.site(name).is_article(u) and u not in articles for u in links)  # one not in the mirror


# --- the registry and the specs ------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(SITES))
def test_registry_finds_the_site_by_its_urls(name):
    front, articles = SITES[name]
    for url in [front, *articles, front.replace("https://", "http://www.")]:
        spec = registry.site_for_url(url)
        assert spec is not None and spec.name == name, url


@pytest.mark.parametrize("name", sorted(SITES))
def test_article_pattern_matches_the_articles_not_the_front_page(name):
    spec = registry.site(name)
    front, articles = SITES[name]
    assert all(spec.is_article(url) for url in articles)
    assert not spec.is_article(front)
    assert "/" in spec.front_paths
    assert [(e.language, e.root) for e in spec.editions] == [("en", "/")]
    assert spec.language(articles[0]) == "en"
    assert spec.paper(articles[0]) is None


def test_article_patterns_refuse_other_pages():
    phys, ap = registry.site("physorg"), registry.site("apnews")
    assert not phys.is_article("https://phys.org/physics-news/")
    assert not phys.is_article("https://phys.org/news/2023-12-sweater-aerogel-fiber-warmer.amp")
    assert not ap.is_article("https://apnews.com/hub/college-football")
    assert not ap.is_article("https://apnews.com/article/florida-state-acc-lawsuit")  # no story id


def test_page_objects_of_the_specs():
    assert registry.site("physorg").page_object == "page"
    assert registry.site("apnews").page_object is None  # read by the generic page object


# --- the physorg page object ---------------------------------------------------------------------
def test_parser_version():
    assert physorg.PARSER_VERSION == "physorg/1"


@pytest.mark.parametrize("url", [SWEATER, JELLYFISH])
@pytest.mark.parametrize("as_bytes", [False, True], ids=["str", "utf8"])
def test_physorg_article(url, as_bytes):
    body = saved(url)
    page = physorg.parse_page(url, body.decode("utf-8"), is_html=True, utf8=body if as_bytes else None)
    expected = PHYS_EXPECTED[url]
    article = page.article
    assert article is not None
    assert article.title == expected["title"]
    assert article.authors == expected["authors"]
    assert article.published == expected["published"]
    assert article.published_at == expected["published_at"]
    assert article.publisher == "Phys.org"
    assert article.language == "en"
    assert article.original_url is None
    assert article.image_url == expected["image_url"]
    assert len(article.paragraphs) == expected["count"]
    assert article.paragraphs[0] == expected["first"]
    assert article.paragraphs[-1] == expected["last"]
    assert not any(p.startswith(("More information", "Provided by", "©", "This article has been reviewed"))
                   for p in article.paragraphs)
    assert article.url == url and article.parser_version == "physorg/1"
    assert page.parser_version == "physorg/1"
    assert page.canonical_link == url
    assert page.headlines == []


@pytest.mark.parametrize("url", [SWEATER, JELLYFISH])
def test_physorg_links_are_the_pages_links(url):
    """Every http(s) link of the page, absolute, in document order: what the project's link
    finder gives (crawler.frontier.links.html_links), its other schemes left out."""
    from crawler.frontier.links import html_links

    body = saved(url)
    links = physorg.parse_page(url, body.decode("utf-8")).links
    assert links == [u for u in html_links(url, body) if u.startswith(("http://", "https://"))]
    assert links[0] == "https://phys.org/"
    assert "https://phys.org/tags/fibers/" in links or "https://phys.org/tags/jellyfish/" in links
    assert all(u.startswith(("http://", "https://")) for u in links)


def test_physorg_front_page_has_no_article_but_its_links():
    page = physorg.parse_page(PHYS_FRONT, saved(PHYS_FRONT).decode("utf-8"))
    assert page.article is None
    assert page.parser_version == "physorg/1"
    assert page.canonical_link == PHYS_FRONT
    assert page.links[:5] == ["https://phys.org/", "https://phys.org/physics-news/", "https://phys.org/biology-news/",
                              SWEATER, JELLYFISH]


def test_physorg_page_without_body_or_html_has_no_article():
    body = saved(SWEATER).decode("utf-8")
    # The same page with the body's block renamed: no paragraphs, no article.
    assert physorg.parse_page(SWEATER, body.replace('class="mt-4 article-main"', 'class="mt-4"')).article is None
    assert physorg.parse_page(SWEATER, "Not a page at all.").article is None
    assert physorg.parse_page(SWEATER, "").links == []


def test_physorg_date_from_the_visible_line_without_json_ld():
    body = saved(SWEATER).decode("utf-8").replace('"datePublished"', '"dateSomething"')
    article = physorg.parse_page(SWEATER, body).article
    assert article.published == "2023-12-22" and article.published_at is None


def test_physorg_page_object_is_the_sites():
    from crawler.sites.parse import parse_bytes

    page = parse_bytes(SWEATER, saved(SWEATER), "text/html; charset=utf-8")
    assert page.parser_version == "physorg/1" and page.article.title == PHYS_EXPECTED[SWEATER]["title"]
