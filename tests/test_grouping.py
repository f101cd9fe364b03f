"""crawler.grouping: near-duplicate article groups and same-story headline groups."""

import csv
import random
import struct
import subprocess
import sys

import pytest

from crawler.grouping.articles import (
    MAX_BODY_CHARS,
    SIGNATURE_VERSION,
    ArticleGroups,
    Assignment,
)
from crawler.grouping.rules import HeadlineAnalysis, analyse
from crawler.grouping.stories import DEFAULT_STORY_THRESHOLD, StoryGroups
from crawler.sites.maghress.page import parse_page
from tests.conftest import MIRROR, ROOT, SEED_URL

PAIRS = ROOT / "seeds" / "labelled" / "headline_pairs.tsv"
REWORDED = (
    "Pour gagner le qualificatif de « smart city », la ville blanche s'est lancée un nouveau défi",
    "Afin de mériter le label « smart city », la capitale économique s'est fixé un nouveau défi",
)
CLOSING = "Cliquez ici pour lire l'article depuis sa source."
REPORT_BOX = (
    "Merci d'avoir signalé!\n"
    "Cette image sera automatiquement bloquée après qu'elle soit signalée par plusieurs personnes."
)
FURNITURE = (  # the site's furniture sentences (closing line and report box, French and Arabic)
    CLOSING,
    "Merci d'avoir signalé!",
    "Cette image sera automatiquement bloquée après qu'elle soit signalée par plusieurs personnes.",
    "انقر هنا لقراءة الخبر من مصدره.",
    "شكرا على الإبلاغ!",
    "سيتم حجب هذه الصورة تلقائيا عندما يتم الإبلاغ عنها من طرف عدة أشخاص.",
)


@pytest.fixture
def seed_paragraphs(seed_text) -> list[str]:
    return parse_page(SEED_URL, seed_text).article.paragraphs


@pytest.fixture
def seed_body(seed_paragraphs) -> str:
    return "\n".join(seed_paragraphs)


@pytest.fixture
def edited_body(seed_paragraphs) -> str:
    """The seed article with its 6th paragraph removed and one sentence reworded."""
    paragraphs = seed_paragraphs[:5] + seed_paragraphs[6:]
    assert REWORDED[0] in paragraphs[2]
    paragraphs[2] = paragraphs[2].replace(*REWORDED)
    return "\n".join(paragraphs)


@pytest.fixture
def unrelated_body() -> str:
    """Another real article of the mirror (tourism in Marrakech)."""
    path = MIRROR / "www.maghress.com" / "fr" / "lesechos" / "101.html"
    page = parse_page("https://www.maghress.com/fr/lesechos/101", path.read_text(encoding="utf-8"))
    return "\n".join(page.article.paragraphs)


# --- articles ---------------------------------------------------------------------------------


def test_seed_grouped_with_edited_copy_not_with_unrelated(seed_body, edited_body, unrelated_body):
    groups = ArticleGroups(boilerplate=FURNITURE)
    first = groups.add(SEED_URL, seed_body)
    assert first.group == SEED_URL and first.representative == SEED_URL
    assert first.new is True and first.similarity == 1.0
    assert first.signature is not None

    edited = groups.add("https://www.maghress.com/fr/lesechos/9001", edited_body)
    assert edited.group == SEED_URL
    assert edited.representative == SEED_URL
    assert edited.new is False and edited.signature is None
    assert 0.8 <= edited.similarity < 1.0

    other = groups.add("https://www.maghress.com/fr/lesechos/101", unrelated_body)
    assert other.group == "https://www.maghress.com/fr/lesechos/101"
    assert other.new is True
    assert len(groups) == 2


def test_exact_copy_and_republication_join_the_group(seed_body):
    groups = ArticleGroups(boilerplate=FURNITURE)
    groups.add(SEED_URL, seed_body)
    # the mirror holds the same article republished by Les Echos
    path = MIRROR / "www.maghress.com" / "fr" / "lesechos" / "102.html"
    page = parse_page("https://www.maghress.com/fr/lesechos/102", path.read_text(encoding="utf-8"))
    copy = groups.add(page.url, "\n".join(page.article.paragraphs))
    assert copy == Assignment(SEED_URL, SEED_URL, 1.0, False, None)
    # case, spacing, punctuation and quote styles do not matter
    folded = groups.add("k", seed_body.upper().replace("« ", '"').replace(" »", '"').replace(",", " ,"))
    assert folded.group == SEED_URL and folded.similarity == 1.0


def test_incremental_across_save_and_load(seed_body, edited_body, unrelated_body):
    crawl1 = ArticleGroups(boilerplate=FURNITURE)
    stored = {}
    for key, body in ((SEED_URL, seed_body), ("u", unrelated_body)):
        a = crawl1.add(key, body)
        assert a.new
        stored[key] = a.signature  # what the caller keeps in SQLite
    assert dict(crawl1.representatives()) == stored

    crawl2 = ArticleGroups(boilerplate=FURNITURE)
    assert crawl2.load(stored.items()) == 2
    assert len(crawl2) == 2 and SEED_URL in crawl2
    again = crawl2.add("https://www.maghress.com/fr/lesechos/9001", edited_body)
    assert again.group == SEED_URL and not again.new
    # the same decision as without the round trip
    assert again.similarity == crawl1.add("x", edited_body).similarity


def test_signature_bytes_format(seed_body):
    groups = ArticleGroups(num_perm=64, boilerplate=FURNITURE)
    signature = groups.signature(seed_body)
    assert len(signature) == 1 + 8 + 4 + 1 + 64 * 4 == 270
    assert signature[0] == SIGNATURE_VERSION
    seed, negated_count, scheme = struct.unpack_from("<qiB", signature, 1)
    assert (seed, negated_count, scheme) == (1, -64, 1)  # datasketch LeanMinHash, affine32
    assert groups.add("k", seed_body).signature == signature  # deterministic
    with pytest.raises(ValueError):
        ArticleGroups(num_perm=128, boilerplate=FURNITURE).load([("k", signature)])
    with pytest.raises(ValueError):
        groups.load([("k", b"\x09" + signature[1:])])


def test_re_adding_a_representative(seed_body, unrelated_body):
    groups = ArticleGroups(boilerplate=FURNITURE)
    groups.add(SEED_URL, seed_body)
    assert groups.add(SEED_URL, seed_body) == Assignment(SEED_URL, SEED_URL, 1.0, False, None)
    # the page now carries another text: it is grouped afresh, under the same key
    replaced = groups.add(SEED_URL, unrelated_body)
    assert replaced.group == SEED_URL and replaced.new and replaced.signature is not None
    assert len(groups) == 1


BAD_BODIES = {
    "empty": "",
    "spaces": " \n\t ",
    "one word": "Casablanca",
    "short": "Le Maroc accueille la Coupe du monde 2030.",
    "closing line": CLOSING,
    "report box": REPORT_BOX,
    "boilerplate only": f"{REPORT_BOX}\n{CLOSING}\n{CLOSING}",
    "arabic closing": "انقر هنا لقراءة الخبر من مصدره.",
}


@pytest.mark.parametrize("name", BAD_BODIES)
def test_bad_bodies_stay_alone(name, seed_body):
    groups = ArticleGroups(boilerplate=FURNITURE)
    groups.add(SEED_URL, seed_body)
    body = BAD_BODIES[name]
    first = groups.add("bad-1", body)
    second = groups.add("bad-2", body)  # the same bad body again: still not grouped
    assert first == Assignment("bad-1", "bad-1", 1.0, True, None)
    assert second == Assignment("bad-2", "bad-2", 1.0, True, None)
    assert len(groups) == 1  # not indexed
    with pytest.raises(ValueError):
        groups.signature(body)


def test_boilerplate_does_not_make_unrelated_bodies_similar(seed_body, unrelated_body):
    groups = ArticleGroups(boilerplate=FURNITURE)
    a = groups.add("a", f"{seed_body}\n{CLOSING}\n{REPORT_BOX}")
    b = groups.add("b", f"{unrelated_body}\n{CLOSING}\n{REPORT_BOX}")
    assert a.new and b.new and b.group == "b"
    # a body that is mostly boilerplate with a little text is treated as too short
    mostly = f"{REPORT_BOX}\n{CLOSING}\nLe Maroc gagne."
    assert groups.add("c", mostly) == Assignment("c", "c", 1.0, True, None)


def test_furniture_is_the_registered_sites_boilerplate():
    """The sentences the tests give ArticleGroups are the ones the crawl gives it."""
    from crawler.sites.registry import boilerplate

    sentences = boilerplate()
    assert isinstance(sentences, tuple) and all(isinstance(x, str) for x in sentences)
    assert len(sentences) == len(set(sentences)) == 6
    assert set(sentences) == set(FURNITURE)


def test_boilerplate_is_a_parameter(seed_body):
    # without furniture sentences the report box is an ordinary body, long enough to index
    assert ArticleGroups().boilerplate == ()
    assert ArticleGroups().add("box", REPORT_BOX).new and len(ArticleGroups().signature(REPORT_BOX)) == 270
    with pytest.raises(ValueError):
        ArticleGroups(boilerplate=FURNITURE).signature(REPORT_BOX)
    # any iterable, any order: the same shingles removed, the same signatures
    body = f"{seed_body}\n{CLOSING}"
    reordered = ArticleGroups(boilerplate=iter(reversed(FURNITURE)))
    assert reordered.boilerplate == FURNITURE[::-1]
    assert reordered.signature(body) == ArticleGroups(boilerplate=FURNITURE).signature(body)
    # the shingles of the closing line are removed only when it is given
    closing = set(ArticleGroups().shingles(CLOSING).tolist())
    assert len(closing) == 7  # 9 words: cliquez ici pour lire l article depuis sa source
    assert closing <= set(ArticleGroups().shingles(body).tolist())
    assert not closing & set(reordered.shingles(body).tolist())
    with pytest.raises(TypeError):
        ArticleGroups(boilerplate=CLOSING)  # one str is not a list of sentences


def test_body_over_one_megabyte_is_truncated(seed_body):
    rng = random.Random(3)
    words = [f"mot{i}" for i in range(5000)]
    big = " ".join(rng.choice(words) for _ in range(300_000))  # about 2 MB of unrelated text
    assert len(big) > 2 * MAX_BODY_CHARS - 100_000
    groups = ArticleGroups(boilerplate=FURNITURE)
    groups.add(SEED_URL, seed_body)
    a = groups.add("big", big)
    assert a.new and a.group == "big"
    assert groups.signature(big) == groups.signature(big[:MAX_BODY_CHARS])
    assert groups.add("big-tail-changed", big[:MAX_BODY_CHARS] + " autre fin").group == "big"


def test_mixed_scripts(seed_body):
    arabic = (
        "صادق مجلس الحكومة، المنعقد يوم الخميس بالرباط، على مشروع قانون يتعلق بتنظيم قطاع النقل الطرقي "
        "للبضائع والأشخاص، قدمه وزير النقل واللوجستيك. ويهدف المشروع إلى تحديث الإطار القانوني المنظم "
        "للقطاع، وتحسين شروط السلامة الطرقية."
    )
    mixed = arabic + "\nLe projet de loi sur le transport routier a été adopté jeudi à Rabat. " + "١٢٣ 2025 — « citation »"
    groups = ArticleGroups(boilerplate=FURNITURE)
    groups.add(SEED_URL, seed_body)
    a = groups.add("mixed", mixed)
    assert a.new and a.group == "mixed"
    # harakat and tatweel do not matter
    vocalised = mixed.replace("مجلس", "مَجْلِس").replace("الحكومة", "الحكـــومة")
    again = groups.add("mixed-2", vocalised)
    assert again.group == "mixed" and not again.new


# --- headlines --------------------------------------------------------------------------------

LDC = (
    "LdC : l'OM écarte Amine Harit et inscrit Nayef Aguerd et Bilal Nadir dans sa liste européenne",
    "Ligue des champions : Amine Harit écarté par l'OM",
)
WEATHER = ("Les températures attendues ce jeudi 4 septembre 2025", "Le temps qu'il fera ce jeudi 4 septembre 2025")


def test_nothing_is_built_at_import():
    """The lexicon (data files) and the boilerplate shingles are built on first use, not when
    the modules are imported."""
    code = (
        "import crawler.grouping.articles as a, crawler.grouping.stories, crawler.grouping.lexicon as l\n"
        "import crawler.grouping.matching as m, crawler.grouping.rules as r\n"
        "assert l.lexicon.cache_info().currsize == 0, 'lexicon built at import'\n"
        "assert m.tables.cache_info().currsize == 0, 'synonyms built at import'\n"
        "assert a._boilerplate_shingles.cache_info().currsize == 0, 'boilerplate hashed at import'\n"
        "r.analyse('Ligue des champions : Amine Harit écarté par l OM')\n"
        "assert l.lexicon.cache_info().currsize == 1 and m.tables.cache_info().currsize == 0\n"
        "m.analyse('Ligue des champions : Amine Harit écarté par l OM')\n"
        "assert m.tables.cache_info().currsize == 1\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_analysis():
    a = analyse(LDC[1])
    assert isinstance(a, HeadlineAnalysis) and a.text == LDC[1]
    assert {"@ldc", "harit", "ecart"} <= a.content and {"@ldc", "harit"} <= a.names
    w = analyse("توقعات أحوال الطقس ليوم الخميس 4 شتنبر 2025 بمراكش")
    assert w.weekdays == {3} and w.daymonths == {(4, 9)} and w.years == {2025} and w.places == {"ma:marrakech"}
    assert "@meteo" in w.content


def test_issue_examples_are_one_story():
    stories = StoryGroups()
    for a, b in (LDC, WEATHER):
        same, score = stories.same_story(a, b)
        assert same and score >= DEFAULT_STORY_THRESHOLD
        assert stories.same_story(b, a) == (same, score)  # symmetric


@pytest.mark.parametrize("a, b, reason", [
    # only a date in common
    ("Les températures attendues ce jeudi 4 septembre 2025",
     "Les prix des carburants en baisse ce jeudi 4 septembre 2025", None),
    ("توقعات أحوال الطقس ليوم الخميس 4 شتنبر 2025", "ارتفاع أسعار المحروقات يوم الخميس 4 شتنبر 2025", None),
    # only a place in common
    ("Grand stade de Tanger : STAM-VIAS et Lamalif retenus pour les travaux de voirie et d'éclairage",
     "Tanger : le festival Tanjazz tient sa 23e édition", None),
    ("مراكش تحتضن الدورة الجديدة من المهرجان الدولي للفيلم", "مراكش: توقيف شخصين متورطين في سرقة سياح أجانب", None),
    # a date and a place in common
    ("Bourse de Casablanca : ouverture en hausse ce mercredi 3 septembre",
     "Casablanca : deux morts dans un accident de la route ce mercredi 3 septembre", None),
    # the same bulletin, another day
    ("Le temps qu'il fera ce jeudi 4 septembre 2025", "Les températures attendues ce vendredi 5 septembre 2025", "weekday"),
    # the same person, another event
    ("Ligue des champions : Amine Harit écarté par l'OM", "Amine Harit buteur face au PSG en Ligue 1", "names"),
])
def test_only_a_date_or_a_place_is_never_one_story(a, b, reason):
    # not one story at any threshold: the score is 0
    assert StoryGroups(threshold=0.01).same_story(a, b) == (False, 0.0)
    assert StoryGroups(threshold=0.01).same_story(b, a) == (False, 0.0)
    if reason:
        assert StoryGroups().explain(a, b).veto == reason


def test_story_groups_incremental_and_state():
    stories = StoryGroups()
    a = stories.add("k1", LDC[0])
    assert a.story == "k1" and a.new and a.similarity == 1.0
    b = stories.add("k2", LDC[1])
    assert b.story == "k1" and not b.new and b.similarity >= DEFAULT_STORY_THRESHOLD
    c = stories.add("k3", WEATHER[0])
    d = stories.add("k4", WEATHER[1])
    assert c.new and d.story == "k3"
    e = stories.add("k5", "Les températures attendues ce vendredi 5 septembre 2025")
    assert e.new and e.story == "k5"  # another day: another story
    assert stories.add("k6", "  les températures attendues CE jeudi 4 septembre 2025 ") == ("k3", 1.0, False)
    assert stories.add("k2", LDC[1]).story == "k1"  # a known key keeps its story
    assert len(stories) == 3

    rows = stories.state()
    assert all(isinstance(x, str) for row in rows for x in row)
    restored = StoryGroups()
    assert restored.load(rows) == len(rows)
    assert restored.state() == rows
    assert restored.add("k7", "Le temps qu'il fera ce jeudi 4 septembre 2025 au Maroc").story == "k3"
    assert restored.add("k8", "Ligue des champions : l'OM écarte Amine Harit").story == "k1"
    # rows in any order (a member before its representative) load the same
    shuffled = StoryGroups()
    assert shuffled.load(list(reversed(rows))) == len(rows)
    assert sorted(shuffled.state()) == sorted(rows)
    assert shuffled.add("k9", "Ligue des champions : l'OM écarte Amine Harit").story == "k1"
    with pytest.raises(ValueError):
        StoryGroups().load([("k1", "k2", LDC[1])])  # a member whose story is missing


def _labelled():
    with open(PAIRS, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def test_labelled_set_shape():
    rows = _labelled()
    assert list(rows[0]) == ["a", "b", "same", "lang", "note", "split"]
    assert len(rows) >= 120
    assert sum(r["lang"] == "ar" for r in rows) >= 30
    assert {r["same"] for r in rows} == {"0", "1"} and {r["split"] for r in rows} == {"tune", "heldout"}
    positives = {(r["a"], r["b"]) for r in rows if r["same"] == "1"}
    assert LDC in positives and WEATHER in positives
    assert 0.4 <= sum(r["same"] == "1" for r in rows) / len(rows) <= 0.6


def test_labelled_precision_at_least_095():
    """The reported figure, recomputed: precision of same_story on the labelled pairs."""
    stories = StoryGroups()
    counts = {}
    for r in _labelled():
        predicted = stories.same_story(r["a"], r["b"])[0]
        for subset in ("all", r["split"]):
            tp, fp, fn = counts.get(subset, (0, 0, 0))
            gold = r["same"] == "1"
            counts[subset] = (tp + (predicted and gold), fp + (predicted and not gold), fn + (gold and not predicted))
    for subset, (tp, fp, fn) in counts.items():
        precision = tp / (tp + fp)
        assert precision >= 0.95, (subset, tp, fp, fn)
    tp, fp, fn = counts["all"]
    assert tp / (tp + fn) >= 0.8  # and it still finds most of the stories
