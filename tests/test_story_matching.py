"""crawler.grouping.matching (the "lemmas" story method), StoryGroups' time gap and methods,
and bench/story_eval.py's report on an outside set of pairs."""

import json
import subprocess
import sys

import pytest

from crawler.grouping import matching
from crawler.grouping.stories import DEFAULT_METHOD, StoryGroups
from tests.conftest import ROOT

analyse, explain = matching.analyse, matching.explain


@pytest.mark.parametrize("a, b, value", [
    ("La CNSS relève la pension minimale à 1.500 DH", "Retraite : la pension minimale portée à 1500 dirhams", 1500),
    ("Le prix du lait augmente de 0,50 DH le litre", "Lait : hausse de 50 centimes par litre", 0.5),
    ("Tourisme : 14,6 millions de visiteurs", "Le Maroc a accueilli 14.600.000 touristes", 14_600_000),
    ("Aïd Al-Adha : importation de 600 000 moutons", "Le Maroc importe 600.000 têtes d'ovins", 600_000),
    ("استيراد 600 ألف رأس من الأغنام", "استيراد 600.000 رأس غنم", 600_000),
    ("البطالة ترتفع إلى 13,6 في المائة", "ارتفاع معدل البطالة إلى 13.6%", 13.6),
])
def test_figures_are_read_as_values(a, b, value):
    assert analyse(a).numbers == analyse(b).numbers == {value}


@pytest.mark.parametrize("a, b, rank", [
    ("Botola Pro : le Wydad termine 3e du championnat", "Le WAC achève la saison à la troisième place", 3),
    ("Botola (J12) : le Raja s'impose", "Le Raja gagne lors de la 12e journée", 12),
    ("البطولة الاحترافية (الدورة 16): الرجاء يفوز", "الرجاء يفوز في الدورة 16", 16),
])
def test_ordinals_are_ranks(a, b, rank):
    """An ordinal (3e, troisième, J12, الدورة 16) is a rank, apart from the figures: two
    headlines giving different ranks are different stories (the 2nd matchday is not the 29th)."""
    assert analyse(a).ranks == analyse(b).ranks == {rank} and not analyse(a).numbers
    assert explain(a, b.replace(str(rank), str(rank + 1)).replace("troisième", "quatrième")).veto == "rank"


@pytest.mark.parametrize("a, b", [
    # the examples that the first method missed
    ("Le Maroc et la France signent 22 accords à Rabat", "Rabat : 22 accords signés entre le Maroc et la France"),
    ("Le prix du gasoil baisse de 20 centimes à la pompe", "Carburants : le gasoil recule de 0,20 DH le litre"),
    ("Hakimi élu meilleur joueur africain de l'année", "Achraf Hakimi sacré joueur africain de l'année"),
    # lemmas and synonyms, in Arabic
    ("زلزال بقوة 5.2 درجات يضرب إقليم الحوز", "هزة أرضية بقوة 5,2 درجة تضرب الحوز"),
    ("المغرب يستورد 600 ألف رأس من الأغنام لعيد الأضحى", "استيراد 600.000 رأس غنم استعدادا للعيد الكبير"),
])
def test_same_story_in_other_words(a, b):
    assert explain(a, b).same and explain(b, a).same


@pytest.mark.parametrize("a, b, veto", [
    ("Tourisme : 14,6 millions de visiteurs à fin octobre", "Tourisme : 14,6 millions de visiteurs à fin juillet", "month"),
    ("Le Maroc et la France signent 22 accords à Rabat", "Le Maroc et la France signent 5 accords à Rabat", "figures"),
    ("Le Wydad limoge son entraîneur", "Le Raja limoge son entraîneur", "names"),
    ("Le Maroc qualifié pour les quarts de finale de la CAN", "Le Maroc qualifié pour les demi-finales de la CAN",
     "exclusive"),
    ("Bank Al-Maghrib relève son taux directeur", "Bank Al-Maghrib abaisse son taux directeur", "trend"),
    ("Séisme de magnitude 5 ressenti à Al Haouz", "Séisme de magnitude 5 ressenti à Agadir", "place"),
    ("Ligue des champions : Amine Harit écarté par l'OM", "Amine Harit buteur face au PSG en Ligue 1", "names"),
    ("Amine Harit écarté par l'OM", "Amine Harit, le retour", "names only"),
    ("إدريس الإدريسي في زيارة عمل إلى إفران", "إفران: زيارة عمل لعمر الإدريسي", "names"),
    ("Le Maroc et la France signent 22 accords à Rabat", "المغرب وفرنسا يوقعان 22 اتفاقية بالرباط", "language"),
])
def test_different_stories_and_why(a, b, veto):
    match = explain(a, b)
    assert (match.same, match.score, match.veto) == (False, 0.0, veto)
    assert explain(b, a).veto is not None


def test_weights_come_from_word_frequencies():
    # keyed by the Snowball stem of the simplemma lemma, weighed by the word's frequency
    assert analyse("Ziyech découvre le quartier").content == {
        "ziyech": 1.5,  # unknown to wordfreq: as rare as a word can be (and a name)
        "decouvr": matching.word_weight("découvrir", "fr"), "quarti": matching.word_weight("quartier", "fr")}
    assert 0.15 < matching.word_weight("quartier", "fr") < matching.word_weight("consulat", "fr") < 1.5
    assert matching.word_weight("de", "fr") == 0.15


def test_story_groups_use_the_new_method_by_default_and_the_old_on_request():
    assert DEFAULT_METHOD == "lemmas" and StoryGroups().threshold == matching.DEFAULT_THRESHOLD
    a, b = "Le Maroc et la France signent 22 accords à Rabat", "Rabat : 22 accords signés entre le Maroc et la France"
    assert StoryGroups().same_story(a, b) == (True, 1.0)
    assert StoryGroups(method="rules").explain(a, b).veto == "generic only"  # the report
    with pytest.raises(ValueError, match="unknown story method 'x': expected one of lemmas, rules"):
        StoryGroups(method="x")


def test_a_headline_days_apart_opens_another_story():
    stories = StoryGroups()
    first = "Le prix du gasoil baisse de 20 centimes à la pompe"
    assert stories.add("k1", first, "2026-01-05T08:00:00Z").new
    # a day later: the same story, in other words or the same
    assert stories.add("k2", "Carburants : le gasoil recule de 0,20 DH le litre", "2026-01-06T08:00:00Z").story == "k1"
    # the story was last seen on the 6th: the 9th is within three days of it, the 13th is not
    assert stories.add("k3", "Gasoil : baisse de 20 centimes à la pompe", "2026-01-09T07:00:00Z").story == "k1"
    late = stories.add("k4", first + " ", "2026-01-13T08:00:00Z")
    assert late.new and late.story == "k4"
    # and the next repeat joins the newer story
    assert stories.add("k5", first, "2026-01-14T08:00:00Z").story == "k4"
    # restored from rows with the time each story was last seen, the gap still holds
    restored = StoryGroups()
    restored.load([("k1", "k1", first, "2026-01-09T07:00:00Z")])
    assert restored.add("k6", first, "2026-01-20T00:00:00Z").new
    assert restored.add("k7", first, "2026-01-21T00:00:00Z").story == "k6"


def _eval(*args):
    return subprocess.run([sys.executable, "-m", "bench.story_eval", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_story_eval_scores_an_outside_set(tmp_path):
    pairs = tmp_path / "pairs.json"
    pairs.write_text(json.dumps({"pairs": [
        ["Le Maroc et la France signent 22 accords à Rabat", "Rabat : 22 accords signés entre le Maroc et la France",
         True, "fr", "extra", "elements", "ignored"],
        ["Le prix du gasoil baisse de 20 centimes à la pompe", "Carburants : le gasoil recule de 0,20 DH le litre", True],
        ["Le Wydad limoge son entraîneur", "Le Raja limoge son entraîneur", False],
        ["تفكيك خلية إرهابية بتطوان", "تفكيك خلية إرهابية بحد السوالم", False],
        ["Ziyech de retour en sélection", "Hakim Ziyech rappelé par Regragui chez les Lions de l'Atlas", True],
    ]}, ensure_ascii=False), encoding="utf-8")
    proc = _eval("--pairs", pairs)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines[-1] == "precision 1.000 recall 0.667 pairs 5"
    assert "| lemmas (0.65), all / ar | 1 | 0 | 0 | 0 | 0 | 1.000 | 1.000 | 1.000 |" in lines
    rules = _eval("--pairs", pairs, "--method", "rules")
    assert rules.stdout.strip().splitlines()[-1] == "precision 1.000 recall 0.000 pairs 5"


@pytest.mark.parametrize("content, error", [
    (None, "error: cannot read {path}: No such file or directory"),
    ("{not json", "error: {path} is not JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
    ('{"pairs": []}', 'error: {path}: expected a JSON object with a non-empty list "pairs"'),
    ('{"pairs": [["a", "b", "yes"]]}', "error: {path}: pair 1 is not [headline_a, headline_b, true|false, ...]"),
])
def test_story_eval_refuses_a_bad_pairs_file(tmp_path, content, error):
    path = tmp_path / "pairs.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    proc = _eval("--pairs", path)
    assert (proc.returncode, proc.stdout, proc.stderr) == (2, "", error.format(path=path) + "\n")


def test_a_crawl_hands_the_stories_last_sightings_to_the_next(bundled):
    """What the next crawl's grouping loads from the archive (ArchiveState.recent_stories): the
    first headline of each story seen in the last 30 days, with when the story was last on the
    ticker (its latest headline), so that the gap holds across crawls."""
    from datetime import timedelta

    from crawler.archive.state import STORY_WINDOW, ArchiveState, read_connection
    from crawler.core import clock

    conn = read_connection(bundled[0])
    try:
        latest = conn.execute("SELECT max(last_seen) FROM headlines").fetchone()[0]
        rows = ArchiveState(conn, as_of=latest).recent_stories()
        expected = conn.execute(
            """SELECT h.key, h.text, (SELECT max(m.last_seen) FROM stories x JOIN headlines m ON m.id = x.headline
                                      WHERE x.story = s.story)
               FROM stories s JOIN headlines h ON h.id = s.headline
               WHERE s.story = s.headline AND h.last_seen >= ? ORDER BY s.headline""",
            [clock.format(clock.parse(latest) - STORY_WINDOW)]).fetchall()
    finally:
        conn.close()
    assert rows and rows == [(key, key, text, seen) for key, text, seen in expected]
    story, _, text, seen = rows[-1]
    stories = StoryGroups()
    assert stories.load(rows) == len(rows)
    day_after, week_after = (clock.format(clock.parse(seen) + timedelta(days=d)) for d in (1, 7))
    assert stories.add("p1", text, day_after).story == story  # the same words a day later: the story
    assert stories.add("p2", text, week_after).new  # a week later: another story
