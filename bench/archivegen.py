"""Build a synthetic Maghress archive of N articles, through the project's storage layer only.

Usage (from the repository root, with the project's virtualenv):

    .venv/bin/python -m bench.archivegen --articles 100000 --out /work/benchdata/a100k.db [--seed 1] [--force]

Every row is written by crawler.archive.store.Archive (`Archive.open`, `start_crawl`,
`transaction`, `save_captures`, `save_articles`, `save_groups`, `save_headlines`,
`save_stories`, `save_sightings`, `save_url_marks`, `finish_crawl`): the file has the schema,
indexes, search index (search_fts) and row shapes a real crawl gives, no SQL of its own.

The archive's shape (each a parameter, see --help):

- crawls every ~30 minutes (site "maghress", source "live", trigger "schedule"), each bringing
  --per-crawl (50) new articles, the last one the remainder;
- 70 % French articles (https://www.maghress.com/fr/<paper>/<id>), 30 % Arabic
  (https://www.maghress.com/<paper>/<id>), from 42 papers (27 French, 15 Arabic) of uneven
  weight; articles and headlines carry their paper slug (`paper`);
- titles of 50-130 characters from templates; bodies of 2-5 KB (UTF-8) of words drawn from a
  fixed vocabulary per language with a Zipf-like law (a few hundred real words, common ones
  such as "maroc", "gouvernement", "المغرب", "الحكومة" near the top, then a long tail of
  generated words), in sentences and paragraphs;
- published dates the day of the crawl or a few days before (so spread over the period);
- ~10 % of new articles are copies of a recent article (same edition, another paper) that join
  its group: half exact copies ("exact", similarity 1.0, same content hash), half near copies
  (one sentence reworded, "near", similarity drawn in [0.80, 0.97]: not measured); every other
  article opens a group ("first") with its MinHash signature, computed by
  crawler.grouping.articles.ArticleGroups(boilerplate=the sites' furniture).signature(body), as
  a crawl does;
- ~5 % of articles get a second version (a sentence changed, sometimes the title) in a later
  crawl, 1 to 48 crawls later (an article whose re-check would fall after the last crawl keeps
  one version);
- the ticker: each crawl sees --headlines-per-crawl (50) headlines, the titles of archived
  articles; --new-headlines-per-crawl (5) of them are new (titles of the crawl's new articles),
  the others the previous crawl's, shifted down (the first crawl's ticker is all new). Every
  headline gets one sighting per crawl that sees it; every new headline a stories row (a quarter
  join a recent story, similarity drawn in [0.65, 0.95]);
- captures (the WARC index): one per article fetch (new articles and second versions) and one
  per crawl's front page, status 200, record_type "response", fake WARC file names and offsets;
- the frontier: one "fetched" mark per article fetch (kind "article", next_due in the future
  of the archive's last crawl, so that a crawl run against it finds nothing due), one per front
  page fetch (kind "front").

Seeded and deterministic: the same arguments give the same rows (timestamps included; the
build's own duration is not in the archive).

Speed: rows are written in transactions of about --batch-rows (500) rows, several crawls per
transaction (start_crawl and finish_crawl nest in it as savepoints). Two costs of the storage
and grouping code dominate a naive build: the search index folds every body
(crawler.core.fold.search_text: fold, elision, Arabic stems) and every new group's signature (about
1 ms). So that 1M articles take well under an hour on 2 cores, (1) the bodies, their folded
form and signatures are computed by a worker process while the main process writes, and (2) the
folded text of each body (its search_text) is built from those of the words it is made of and
handed to the storage layer's index_article through a substitute for `search_text` that returns
the precomputed text for the exact string it was made for and calls the real one for anything
else. The substitute is checked against the real search_text on every 500th body (a mismatch stops the build),
and --plain-fold turns it off (slower; the same file).
"""

from __future__ import annotations

import argparse
import base64
import bisect
import hashlib
import json
import math
import multiprocessing
import os
import random
import sys
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

SITE = "maghress"
HOST = "https://www.maghress.com"
FRONTS = (f"{HOST}/fr/", f"{HOST}/")
PARSER_VERSION = "maghress/2"
START = datetime(2024, 6, 1, 6, 0, 0, tzinfo=timezone.utc)
CRAWL_EVERY = timedelta(minutes=30)
CHECK_FOLD_EVERY = 500  # bodies: the precomputed folded text is checked against fold() this often
COPY_WINDOW = 200  # crawls: copies are of articles first seen this recently
STORY_WINDOW = 200  # new headlines: a headline joins a story among the last ones

# --- papers: slug -> (publisher as credited, paper's own site) ---------------------------------
FR_PAPERS = {
    "lematin": ("Le Matin", "https://lematin.ma"), "lesechos": ("Les Echos", "https://lesechos.ma"),
    "aujourdhui": ("Aujourd'hui le Maroc", "https://aujourdhui.ma"), "albayane": ("Al Bayane", "https://albayane.press.ma"),
    "lopinion": ("L'Opinion", "https://lopinion.ma"), "marocdiplomatique": ("Maroc Diplomatique", "https://maroc-diplomatique.net"),
    "libe": ("Libération", "https://www.libe.ma"), "lagazette": ("La Gazette du Maroc", "https://lagazettedumaroc.com"),
    "leconomiste": ("L'Économiste", "https://www.leconomiste.com"), "lavieeco": ("La Vie éco", "https://www.lavieeco.com"),
    "telquel": ("TelQuel", "https://telquel.ma"), "h24info": ("H24info", "https://www.h24info.ma"),
    "le360": ("Le360", "https://fr.le360.ma"), "medias24": ("Médias24", "https://medias24.com"),
    "financesnews": ("Finances News Hebdo", "https://fnh.ma"), "challenge": ("Challenge", "https://www.challenge.ma"),
    "marochebdo": ("Maroc Hebdo", "https://www.maroc-hebdo.press.ma"), "lnt": ("La Nouvelle Tribune", "https://lnt.ma"),
    "yabiladi": ("Yabiladi", "https://www.yabiladi.com"), "mapexpress": ("MAP Express", "https://www.mapexpress.ma"),
    "leseco": ("LesEco.ma", "https://leseco.ma"), "infomediaire": ("Infomédiaire", "https://www.infomediaire.net"),
    "quid": ("Quid", "https://www.quid.ma"), "lereporter": ("Le Reporter", "https://www.lereporter.ma"),
    "barlamane": ("Barlamane", "https://www.barlamane.com"), "lodj": ("L'ODJ", "https://www.lodj.ma"),
    "mapbusiness": ("MAP Business", "https://www.mapbusiness.ma"),
}
AR_PAPERS = {
    "hespress": ("هسبريس", "https://www.hespress.com"), "almassae": ("المساء", "https://almassae.press.ma"),
    "assabah": ("الصباح", "https://assabah.ma"), "alittihad": ("الاتحاد الاشتراكي", "https://alittihad.info"),
    "attajdid": ("التجديد", "https://www.attajdid.info"), "almaghribia": ("الصحراء المغربية", "https://almaghribia.ma"),
    "alalam": ("العلم", "https://alalam.ma"), "alyaoum24": ("اليوم 24", "https://alyaoum24.com"),
    "febrayer": ("فبراير", "https://febrayer.com"), "akhbarona": ("أخبارنا", "https://www.akhbarona.com"),
    "hibapress": ("هبة بريس", "https://ar.hibapress.com"), "alayam24": ("الأيام 24", "https://www.alayam24.com"),
    "rissalat": ("رسالة الأمة", "https://www.rissalat.ma"), "bayanealyaoume": ("بيان اليوم", "https://bayanealyaoume.press.ma"),
    "menara": ("منارة", "https://www.menara.ma"),
}

# --- vocabularies: real words first (most frequent first), then a generated tail ---------------
FR_WORDS = """
de la le les des et à en du un une pour dans sur par au est a qui que avec plus ce cette ont aux
son sa ses il elle ils selon été sont entre mais comme ou leur leurs pas ne se y tout tous après
lors fait être deux trois ans année ainsi également notamment afin dont cours sous nouveau
nouvelle plusieurs depuis contre
maroc gouvernement royaume ministre marocain marocaine national nationale projet développement
secteur économie économique région millions dirhams programme pays
milliards politique sociale public publique investissement croissance santé éducation emploi
jeunes entreprises banque agriculture tourisme énergie eau sécurité élections parlement conseil
président roi majesté stratégie réforme plan mois semaine rapport chiffres hausse baisse taux
prix marché exportations importations production ville casablanca rabat marrakech tanger fès
agadir oujda meknès kénitra tétouan laâyoune dakhla nador safi essaouira ouarzazate errachidia
province commune collectivités territoriales citoyens population habitants femmes enfants
étudiants université école formation professionnelle recherche innovation numérique digital
transformation infrastructures autoroute port aéroport train ferroviaire routes logement
habitat social solidarité associations société civile justice tribunal loi projet de texte
amendement session plénière chambre représentants conseillers partis opposition majorité
coalition syndicats dialogue salariés salaires retraite couverture médicale hôpital médecins
vaccination épidémie sécheresse pluies barrages irrigation récolte céréales olives agrumes
pêche maritime industrie automobile aéronautique phosphates mines textile commerce
distribution consommation inflation budget finances dette déficit recettes fiscales impôts
douane exportateurs investisseurs étrangers partenariat coopération accord convention signature
union européenne afrique france espagne états-unis chine diplomatie sahara autonomie
intégrité territoriale nations unies sommet visite délégation forum conférence rencontre
séminaire festival culture patrimoine musique cinéma sport football équipe match coupe
championnat sélection joueurs entraîneur stade supporters victoire défaite qualification
environnement climat énergies renouvelables solaire éolien hydrogène dessalement transition
""".split()
AR_WORDS = """
في من على إلى أن عن مع هذا هذه التي الذي كما بين قد ما لا وقد حيث خلال بعد قبل كان كانت إن أو ثم
عند حول ضمن لدى منذ أكثر وفي أيضا وذلك فيما ولا هو هي وهو
المغرب الحكومة المملكة المغربية الوزير وزارة مشروع التنمية الاقتصاد قطاع الوطني الوطنية جهة
مليون مليار درهم برنامج السياسة الاجتماعية العمومية الاستثمار النمو الصحة التعليم التشغيل
الشباب المقاولات البنك الفلاحة السياحة الطاقة الماء الأمن الانتخابات البرلمان المجلس رئيس
الملك جلالة الاستراتيجية الإصلاح السنة الشهر الأسبوع تقرير ارتفاع انخفاض نسبة الأسعار السوق
الصادرات الواردات الإنتاج مدينة الدار البيضاء الرباط مراكش طنجة فاس أكادير وجدة مكناس
القنيطرة تطوان العيون الداخلة الناظور آسفي الصويرة ورزازات الرشيدية إقليم جماعة الجماعات
الترابية المواطنين السكان النساء الأطفال الطلبة الجامعة المدرسة التكوين المهني البحث
الابتكار الرقمي التحول البنيات التحتية الطريق السيار الميناء المطار القطار السكك الحديدية
الطرق السكن الاجتماعي التضامن الجمعيات المجتمع المدني العدالة المحكمة القانون مشروع النص
تعديل الجلسة العامة مجلس النواب المستشارين الأحزاب المعارضة الأغلبية التحالف النقابات الحوار
الأجراء الأجور التقاعد التغطية الصحية المستشفى الأطباء التلقيح الوباء الجفاف الأمطار السدود
السقي المحصول الحبوب الزيتون الحوامض الصيد البحري الصناعة السيارات الطيران الفوسفاط المعادن
النسيج التجارة التوزيع الاستهلاك التضخم الميزانية المالية الدين العجز المداخيل الجبائية
الضرائب الجمارك المصدرين المستثمرين الأجانب الشراكة التعاون اتفاقية توقيع الاتحاد الأوروبي
إفريقيا فرنسا إسبانيا الولايات المتحدة الصين الدبلوماسية الصحراء الحكم الذاتي الوحدة الترابية
الأمم المتحدة القمة زيارة وفد منتدى مؤتمر لقاء ندوة مهرجان الثقافة التراث الموسيقى السينما
الرياضة كرة القدم الفريق مباراة كأس البطولة المنتخب اللاعبين المدرب الملعب الجماهير الفوز
الهزيمة التأهل البيئة المناخ الطاقات المتجددة الشمسية الريحية الهيدروجين تحلية
""".split()
FR_TAIL, AR_TAIL = 25_000, 15_000  # generated words after the real ones
ZIPF_S, ZIPF_Q = 1.0, 2.7  # weight of rank r: 1 / (r + q) ** s ...
TAIL_WEIGHT = 0.6  # ... times this for the generated words: the real words are about 2/3 of a body


def _tail_words(count: int, syllables: list[str], prefixes: list[str], rng: random.Random, taken: set[str]) -> list[str]:
    words = []
    while len(words) < count:
        word = rng.choice(prefixes) + "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
        if word not in taken:
            taken.add(word)
            words.append(word)
    return words


def _vocabulary() -> dict[str, tuple[list[str], list[float]]]:
    """language -> (words, cumulative weights): fixed (independent of --seed)."""
    rng = random.Random(20251202)
    fr_syl = ["ba", "ri", "ton", "mé", "lan", "chou", "gra", "vil", "ssé", "por", "teur", "tion", "ment",
              "ca", "dé", "ro", "ni", "que", "lu", "sa", "ge", "mar", "fi", "con", "tre", "pa", "li", "è",
              "vo", "ble", "rou", "ta", "mi", "cé", "ron", "tal", "gé", "pré", "an", "ce"]
    ar_syl = ["ما", "سل", "كر", "بو", "تي", "عا", "نو", "رف", "قا", "لي", "حم", "دا", "سي", "طو", "فا",
              "جي", "هر", "زا", "خا", "ني", "وا", "شر", "يت", "مو", "بي", "صا", "غر", "ضي", "ظا", "ثم"]
    vocab = {}
    for lang, real, tail, syllables, prefixes in (
        ("fr", FR_WORDS, FR_TAIL, fr_syl, [""]),
        ("ar", AR_WORDS, AR_TAIL, ar_syl, ["", "", "ال", "و", "بال"]),
    ):
        words = list(dict.fromkeys(real))
        words += _tail_words(tail, syllables, prefixes, rng, set(words))
        real_count = len(dict.fromkeys(real))
        weights = [(1.0 if r < real_count else TAIL_WEIGHT) / (r + ZIPF_Q) ** ZIPF_S for r in range(len(words))]
        vocab[lang] = (words, np.cumsum(weights))
    return vocab


# --- titles ------------------------------------------------------------------------------------
FR_SUJETS = ("Le gouvernement", "Casablanca", "Marrakech", "Tanger Med", "Bank Al-Maghrib", "Le HCP", "L'OCP",
             "La CDG", "L'ONCF", "La RAM", "L'ONEE", "Le Maroc", "Rabat", "Agadir", "Fès", "Oujda", "Les PME",
             "La région Souss-Massa", "La région de l'Oriental", "Le Conseil de la concurrence", "L'AMDIE",
             "Les exportateurs", "Le secteur bancaire", "La Chambre des représentants", "Dakhla", "Laâyoune")
FR_VERBES = ("enregistre une hausse de {p}% pour", "annonce un plan de {n} millions de dirhams pour",
             "lance un programme national pour", "prévoit une baisse de {p}% pour", "signe une convention sur",
             "mise sur", "accélère", "dévoile sa stratégie pour", "inaugure un centre dédié à",
             "confirme la reprise de", "revoit à la hausse ses prévisions pour", "s'engage en faveur de",
             "débloque {n} millions de dirhams pour", "double ses investissements dans", "réforme")
FR_OBJETS = ("ses arrivées touristiques", "la production céréalière", "l'investissement industriel",
             "l'emploi des jeunes", "les énergies renouvelables", "la formation professionnelle",
             "la digitalisation des services publics", "le transport urbain", "la gestion de l'eau",
             "l'accès aux soins", "le logement social", "les exportations d'agrumes", "le dessalement",
             "la filière automobile", "les start-up", "le commerce de proximité", "la sécurité routière",
             "la couverture médicale", "le réseau ferroviaire", "les infrastructures portuaires",
             "l'enseignement supérieur", "la préservation des oasis", "le paiement mobile")
FR_SUFFIXES = ("", "", " en {mois}", " d'ici {an}", " : les détails", " au premier semestre", " à {ville}")
FR_MOIS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre")
FR_VILLES = ("Casablanca", "Rabat", "Tanger", "Fès", "Meknès", "Agadir", "Oujda", "Kénitra", "Tétouan", "Safi")
AR_SUJETS = ("الحكومة", "المغرب", "بنك المغرب", "المندوبية السامية للتخطيط", "المكتب الشريف للفوسفاط",
             "وزارة الفلاحة", "الدار البيضاء", "مراكش", "طنجة المتوسط", "مجلس النواب", "جهة سوس ماسة",
             "الجهة الشرقية", "مجلس المنافسة", "المكتب الوطني للسكك الحديدية", "الخطوط الملكية المغربية",
             "وزارة الصحة", "وزارة التربية الوطنية", "المنتخب الوطني", "الرباط", "فاس")
AR_AFAAL = ("تسجل ارتفاعا بنسبة {p} في المائة في", "تعلن عن مخطط بقيمة {n} مليون درهم لفائدة",
            "تطلق برنامجا وطنيا لدعم", "تتوقع انخفاضا بنسبة {p} في المائة في", "توقع اتفاقية حول",
            "تراهن على", "تسرع وتيرة", "تكشف عن استراتيجيتها في", "تدشن مركزا جديدا مخصصا ل",
            "تؤكد انتعاش", "ترفع توقعاتها بشأن", "تخصص {n} مليون درهم ل", "تضاعف استثماراتها في")
AR_ASMAA = ("القطاع السياحي", "الإنتاج الفلاحي", "الاستثمار الصناعي", "تشغيل الشباب", "الطاقات المتجددة",
            "التكوين المهني", "رقمنة الإدارة", "النقل الحضري", "تدبير الموارد المائية", "الولوج إلى العلاج",
            "السكن الاجتماعي", "صادرات الحوامض", "تحلية مياه البحر", "صناعة السيارات", "المقاولات الناشئة",
            "السلامة الطرقية", "التغطية الصحية", "الشبكة السككية", "البنيات المينائية", "التعليم العالي")
AR_LAWAHIQ = ("", "", " خلال {shahr}", " في أفق {an}", " بمدينة {madina}", " خلال النصف الأول من السنة")
AR_SHUHUR = ("يناير", "فبراير", "مارس", "أبريل", "ماي", "يونيو", "يوليوز", "غشت", "شتنبر", "أكتوبر", "نونبر", "دجنبر")
AR_MUDUN = ("الدار البيضاء", "الرباط", "طنجة", "فاس", "مكناس", "أكادير", "وجدة", "القنيطرة", "تطوان", "آسفي")


def _title(rng: random.Random, lang: str) -> str:
    p, n, an = rng.randint(2, 45), rng.randrange(10, 2000, 5), rng.randint(2025, 2035)
    if lang == "fr":
        text = f"{rng.choice(FR_SUJETS)} {rng.choice(FR_VERBES)} {rng.choice(FR_OBJETS)}{rng.choice(FR_SUFFIXES)}"
        return text.format(p=p, n=n, an=an, mois=rng.choice(FR_MOIS), ville=rng.choice(FR_VILLES))
    text = f"{rng.choice(AR_SUJETS)} {rng.choice(AR_AFAAL)} {rng.choice(AR_ASMAA)}{rng.choice(AR_LAWAHIQ)}"
    return text.format(p=p, n=n, an=an, shahr=rng.choice(AR_SHUHUR), madina=rng.choice(AR_MUDUN))


# --- bodies: pure functions of (seed, article number), so any process can compute them ----------
_VOCAB: dict | None = None
_FOLDED: dict[str, dict[str, str]] = {}
_AVG_BYTES: dict[str, float] = {}


def _vocab():
    global _VOCAB
    if _VOCAB is None:
        _VOCAB = _vocabulary()
        for lang, (words, cum) in _VOCAB.items():
            probs = np.diff(np.concatenate([[0.0], cum])) / cum[-1]
            _AVG_BYTES[lang] = float(sum(p * (len(w.encode()) + 1) for p, w in zip(probs, words)))
    return _VOCAB


def _folded_vocab(lang: str) -> dict[str, str]:
    """word -> search_text(word) (what the search index holds of it: folded, elision dropped,
    an Arabic prefixed word followed by its stem), for the words of a language's vocabulary."""
    from crawler.core.fold import search_text

    if lang not in _FOLDED:
        _FOLDED[lang] = {w: search_text(w) for w in _vocab()[lang][0]}
    return _FOLDED[lang]


def _sentence(words: list[str], lang: str, rng: random.Random) -> tuple[list[str], list[str]]:
    """The tokens of one sentence (first word capitalised in French, commas, a final point), and
    the same tokens folded: fold works character by character within a word (case, accents,
    letter variants; no word starts with a combining mark) and search_text's elision and stems
    word by word, so the search text of a sentence is those of its words joined alike (checked
    against search_text itself: CHECK_FOLD_EVERY)."""
    folded_vocab = _folded_vocab(lang)
    tokens = list(words)
    folded = [folded_vocab[w] for w in words]
    if lang == "fr":
        tokens[0] = tokens[0][:1].upper() + tokens[0][1:]
    comma = "،" if lang == "ar" else ","
    for i in range(2, len(tokens) - 2):
        if rng.random() < 0.06:
            tokens[i] += comma
            folded[i] += comma
    tokens[-1] += "."
    folded[-1] += "."
    return tokens, folded


def _draw_words(rng_np: np.random.Generator, lang: str, count: int) -> list[str]:
    words, cum = _vocab()[lang]
    idx = np.searchsorted(cum, rng_np.random(count) * cum[-1], side="right")
    np.minimum(idx, len(words) - 1, out=idx)
    return [words[i] for i in idx.tolist()]


def original_text(seed: int, n: int, lang: str):
    """Article n's title and body as paragraphs of sentences, each (tokens, folded tokens)."""
    rng = random.Random(f"{seed}:{n}:text")
    rng_np = np.random.default_rng([seed, n, 17])
    _vocab()
    target = rng.randint(2000, 5000)  # UTF-8 bytes
    count = max(60, int(target / _AVG_BYTES[lang]))
    words = _draw_words(rng_np, lang, count)
    paragraphs, sentences, i = [], [], 0
    per_paragraph = rng.randint(2, 5)
    while i < len(words):
        length = rng.randint(10, 28)
        chunk = words[i : i + length]
        i += length
        if len(chunk) < 4:
            break  # a tail too short for a sentence: dropped
        sentences.append(_sentence(chunk, lang, rng))
        if len(sentences) >= per_paragraph:
            paragraphs.append(sentences)
            sentences, per_paragraph = [], rng.randint(2, 5)
    if sentences:
        paragraphs.append(sentences)
    return _title(rng, lang), paragraphs


def edited(seed: int, n: int, lang: str, paragraphs, tag: str, title: str, retitle: bool):
    """A copy of paragraphs with one sentence reworded, sometimes a paragraph added (and the
    title sometimes changed)."""
    rng = random.Random(f"{seed}:{n}:{tag}")
    rng_np = np.random.default_rng([seed, n, 29 if tag == "v2" else 31])
    paragraphs = [list(p) for p in paragraphs]
    p = rng.randrange(len(paragraphs))
    s = rng.randrange(len(paragraphs[p]))
    paragraphs[p][s] = _sentence(_draw_words(rng_np, lang, rng.randint(10, 28)), lang, rng)
    if rng.random() < 0.3:
        paragraphs.append([_sentence(_draw_words(rng_np, lang, rng.randint(10, 28)), lang, rng)
                           for _ in range(rng.randint(1, 3))])
    if retitle:
        title = (title + " (actualisé)") if lang == "fr" else (title + " (محين)")
    return title, paragraphs


def render(paragraphs) -> tuple[list[str], str]:
    """(paragraph texts, folded body)."""
    texts = [" ".join(" ".join(tokens) for tokens, _ in p) for p in paragraphs]
    folded = [" ".join(" ".join(f) for _, f in p) for p in paragraphs]
    return texts, "\n\n".join(folded)


@dataclass
class Spec:
    """What a worker computes for one article row: the body of `n` (an original, a copy of `src`
    or a second version), its content hash, folded text and, for a new group, its signature."""

    n: int
    lang: str
    kind: str  # new, exact, near, v2
    src: int | None = None  # copies: the original's number
    src_kind: str | None = None  # v2: how article n was made (new, exact, near) ...
    src_src: int | None = None  # ... and from which original
    retitle: bool = False
    signature: bool = False
    check_fold: bool = False


def _body_of(seed: int, n: int, lang: str, kind: str, src: int | None):
    if kind == "new":
        return original_text(seed, n, lang)
    title, paragraphs = original_text(seed, src, lang)
    if kind == "exact":
        return title, paragraphs
    return edited(seed, n, lang, paragraphs, "near", title, False)


_GROUPS = None


def compute(seed: int, spec: Spec) -> dict:
    """Title, body, content hash, folded title and body, signature (or None) of one spec."""
    global _GROUPS
    from crawler.core.fold import search_text
    from crawler.core.text import content_hash

    if spec.kind == "v2":
        title, paragraphs = _body_of(seed, spec.n, spec.lang, spec.src_kind, spec.src_src)
        title, paragraphs = edited(seed, spec.n, spec.lang, paragraphs, "v2", title, spec.retitle)
    else:
        title, paragraphs = _body_of(seed, spec.n, spec.lang, spec.kind, spec.src)
    texts, folded = render(paragraphs)
    body = "\n\n".join(texts)
    out = {"title": title, "body": body, "content_hash": content_hash(texts), "folded": folded,
           "folded_title": search_text(title), "signature": None}
    if spec.check_fold and search_text(body) != folded:
        raise AssertionError(f"the precomputed folded body of article {spec.n} differs from search_text(body)")
    if spec.signature:
        if _GROUPS is None:
            from crawler.grouping.articles import ArticleGroups
            from crawler.sites import registry

            _GROUPS = ArticleGroups(boilerplate=registry.boilerplate())
        out["signature"] = _GROUPS.signature(body)
        try:  # the group's LSH buckets, which the storage layer indexes (group_bands)
            from crawler.grouping.articles import signature_buckets
        except ImportError:  # a storage layer that computes them itself
            pass
        else:
            out["buckets"] = signature_buckets(out["signature"])
    return out


def compute_many(args) -> list[dict]:
    seed, specs = args
    return [compute(seed, spec) for spec in specs]


# --- the plan: what each crawl fetches (cheap, sequential, in the main process) ----------------
@dataclass
class Art:
    n: int
    url: str
    lang: str
    paper: str
    kind: str  # new, exact, near
    src: int | None
    group: str
    title_key: str | None = None


@dataclass
class CrawlPlan:
    index: int  # 0-based
    started: datetime
    new: list[Art] = field(default_factory=list)
    versions: list[tuple[Art, bool]] = field(default_factory=list)  # (article, title changed)
    rng: random.Random | None = None  # the crawl's rows' own generator


def iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def http_date(t: datetime) -> str:
    return t.strftime("%a, %d %b %Y %H:%M:%S GMT")


class Generator:
    def __init__(self, args):
        self.args = args
        self.seed = args.seed
        self.rng = random.Random(f"{args.seed}:plan")
        self.crawls = max(1, math.ceil(args.articles / args.per_crawl))
        self.end = START + CRAWL_EVERY * self.crawls  # after the last crawl: "now" for next_due
        self.paper_ids = {slug: self.rng.randrange(10_000, 90_000) for slug in (*FR_PAPERS, *AR_PAPERS)}
        self.paper_choice = {
            "fr": (list(FR_PAPERS), [1 / (i + 1) ** 0.7 for i in range(len(FR_PAPERS))]),
            "ar": (list(AR_PAPERS), [1 / (i + 1) ** 0.7 for i in range(len(AR_PAPERS))]),
        }
        self.made = 0
        self.recent_firsts: deque[tuple[int, Art]] = deque()  # (crawl index, article) copy sources
        self.due_versions: dict[int, list[tuple[Art, bool]]] = {}
        self.ticker: deque[tuple[str, str, str | None]] = deque()  # (key, text, url), position order
        self.headline_keys: set[str] = set()
        self.recent_stories: deque[str] = deque(maxlen=STORY_WINDOW)
        self.totals = {"crawls": 0, "articles": 0, "copies_exact": 0, "copies_near": 0, "versions": 0,
                       "headlines": 0, "sightings": 0, "stories_joined": 0, "captures": 0}

    def _paper(self, lang: str, not_paper: str | None = None) -> str:
        names, weights = self.paper_choice[lang]
        while True:
            paper = self.rng.choices(names, weights)[0]
            if paper != not_paper:
                return paper

    def _url(self, lang: str, paper: str) -> str:
        self.paper_ids[paper] += self.rng.randint(1, 25)
        edition = "/fr" if lang == "fr" else ""
        return f"{HOST}{edition}/{paper}/{self.paper_ids[paper]}"

    def plan(self, index: int) -> CrawlPlan:
        jitter = timedelta(seconds=self.rng.randint(0, 90))
        plan = CrawlPlan(index, START + CRAWL_EVERY * index + jitter)
        while self.recent_firsts and self.recent_firsts[0][0] < index - COPY_WINDOW:
            self.recent_firsts.popleft()
        count = min(self.args.per_crawl, self.args.articles - self.made)
        firsts = []
        for _ in range(count):
            n = self.made
            self.made += 1
            if self.recent_firsts and self.rng.random() < self.args.copy_rate:
                source = self.rng.choice(self.recent_firsts)[1]
                kind = "exact" if self.rng.random() < 0.5 else "near"
                paper = self._paper(source.lang, source.paper)
                art = Art(n, self._url(source.lang, paper), source.lang, paper, kind, source.n, source.group)
                self.totals["copies_" + kind] += 1
            else:
                lang = "fr" if self.rng.random() < self.args.french else "ar"
                paper = self._paper(lang)
                url = self._url(lang, paper)
                art = Art(n, url, lang, paper, "new", None, url)
                firsts.append(art)
            plan.new.append(art)
            if self.rng.random() < self.args.version_rate:
                later = index + self.rng.randint(1, 48)
                if later < self.crawls:
                    self.due_versions.setdefault(later, []).append((art, self.rng.random() < 0.2))
        self.recent_firsts.extend((index, art) for art in firsts)
        plan.versions = self.due_versions.pop(index, [])
        return plan

    # --- one crawl's rows ------------------------------------------------------------------------
    def specs(self, plan: CrawlPlan) -> list[Spec]:
        specs = []
        for art in plan.new:
            specs.append(Spec(art.n, art.lang, art.kind, src=art.src, signature=art.kind == "new",
                              check_fold=art.n % CHECK_FOLD_EVERY == 0))
        for art, retitle in plan.versions:
            specs.append(Spec(art.n, art.lang, "v2", src_kind=art.kind, src_src=art.src, retitle=retitle,
                              check_fold=art.n % CHECK_FOLD_EVERY == 1))
        return specs

    def rows(self, plan: CrawlPlan, contents: list[dict], crawl_id: int, fold_cache: dict) -> dict:
        from crawler.core.text import headline_key

        # Its own generator per crawl: the plan runs ahead of the writing when workers compute
        # the texts, so the plan's generator is never used here.
        rng = plan.rng = random.Random(f"{self.seed}:rows:{plan.index}")
        started = plan.started
        front = FRONTS[plan.index % 2]
        warc = f"newsarchive-{started.strftime('%Y%m%d%H%M%S')}-{crawl_id:05d}-00000.warc.gz"
        offset = 0
        captures, articles, groups, marks = [], [], [], []

        def capture(url: str, at: datetime, digest_of: str) -> str:
            nonlocal offset
            record = f"<urn:uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}>"
            length = rng.randint(12_000, 90_000)
            digest = base64.b32encode(hashlib.sha1(digest_of.encode()).digest()).decode()
            captures.append({"id": record, "crawl": crawl_id, "url": url, "canonical_url": url,
                             "fetched_at": iso(at), "status": 200, "content_type": "text/html; charset=utf-8",
                             "payload_digest": f"sha1:{digest}", "record_type": "response", "refers_to": None,
                             "warc_file": warc, "warc_offset": offset, "warc_length": length})
            offset += length + rng.randint(400, 900)
            return record

        at = started + timedelta(seconds=2)
        front_capture = capture(front, at, f"{front}{iso(at)}")
        marks.append({"url": front, "kind": "front", "status": "fetched", "at": iso(at), "last_status": 200,
                      "next_due": iso(at + CRAWL_EVERY), "depth": 0, "crawl": crawl_id, "fetched": True})
        items = [(art, False) for art in plan.new] + [(art, True) for art, _ in plan.versions]
        for (art, is_version), content in zip(items, contents):
            at += timedelta(seconds=rng.randint(1, 4))
            seen = iso(at)
            record = capture(art.url, at, art.url + content["content_hash"])
            day = (at - timedelta(days=rng.choice((0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 4)))).strftime("%Y-%m-%d")
            publisher = (FR_PAPERS if art.lang == "fr" else AR_PAPERS)[art.paper]
            fold_cache[content["body"]] = content["folded"]
            fold_cache[content["title"]] = content["folded_title"]
            articles.append({
                "url": art.url, "title": content["title"], "publisher": publisher[0], "published": day,
                "language": art.lang, "body": content["body"],
                "original_url": f"{publisher[1]}/{art.url.rsplit('/', 1)[1]}.html",
                "image_url": f"{HOST}/images/{art.paper}/{art.url.rsplit('/', 1)[1]}.jpg" if rng.random() < 0.6 else None,
                "content_hash": content["content_hash"], "seen_at": seen, "capture": record,
                "parser_version": PARSER_VERSION, "fetched_url": art.url, "published_problem": None,
                "paper": art.paper,
            })
            due = max(at + timedelta(hours=1), self.end) + timedelta(minutes=rng.randint(1, 7 * 24 * 60))
            marks.append({"url": art.url, "kind": "article", "status": "fetched", "at": seen, "last_status": 200,
                          "last_modified": http_date(at - timedelta(minutes=rng.randint(5, 600))),
                          "next_due": iso(due), "depth": 1, "crawl": crawl_id, "fetched": True})
            if is_version:
                continue
            if art.kind == "new":
                groups.append({"url": art.url, "grp": art.url, "similarity": 1.0, "method": "first",
                               "first_seen": seen, "signature": content["signature"],
                               "buckets": content.get("buckets")})
            else:
                similarity = 1.0 if art.kind == "exact" else round(rng.uniform(0.80, 0.97), 4)
                groups.append({"url": art.url, "grp": art.group, "similarity": similarity, "method": art.kind,
                               "first_seen": seen, "signature": None, "buckets": None})
            art.title_key = headline_key(content["title"])

        # The ticker: the new headlines on top, the previous crawl's below.
        wanted = self.args.headlines_per_crawl if not self.ticker else self.args.new_headlines_per_crawl
        new_headlines = []
        for art, content in zip(plan.new, contents):
            if len(new_headlines) >= wanted:
                break
            if art.title_key and art.title_key not in self.headline_keys:
                self.headline_keys.add(art.title_key)
                new_headlines.append((art.title_key, content["title"], art.url))
        for entry in reversed(new_headlines):
            self.ticker.appendleft(entry)
        while len(self.ticker) > self.args.headlines_per_crawl:
            self.ticker.pop()
        seen_at = iso(started + timedelta(seconds=3))
        headlines = [{"text": text, "key": key, "url": url, "seen_at": seen_at, "capture": front_capture,
                      "parser_version": PARSER_VERSION, "paper": url.split("/")[-2] if url else None}
                     for key, text, url in self.ticker]
        stories = []
        for key, _, _ in new_headlines:
            if self.recent_stories and rng.random() < 0.25:
                story, similarity = rng.choice(self.recent_stories), round(rng.uniform(0.65, 0.95), 4)
                self.totals["stories_joined"] += 1
            else:
                story, similarity = key, 1.0
                self.recent_stories.append(key)
            stories.append({"key": key, "story": story, "similarity": similarity})
        self.totals["headlines"] += len(new_headlines)
        self.totals["sightings"] += len(headlines)
        self.totals["versions"] += len(plan.versions)
        self.totals["articles"] += len(plan.new)
        self.totals["captures"] += len(captures)
        self.totals["crawls"] += 1
        finished = at + timedelta(seconds=rng.randint(5, 40))
        return {"captures": captures, "articles": articles, "groups": groups, "marks": marks,
                "headlines": headlines, "stories": stories, "front": front, "front_capture": front_capture,
                "finished": iso(finished), "new_headlines": len(new_headlines), "started": started}

    def summary(self, plan: CrawlPlan, rows: dict) -> tuple[dict, dict]:
        rng = plan.rng
        fetched = len(rows["articles"]) + 1
        not_modified = rng.randint(10, 80)
        failed = {} if rng.random() < 0.95 else {rng.choice(("http_503", "timeout", "http_404")): rng.randint(1, 3)}
        skipped = {} if rng.random() < 0.9 else {"robots_forbidden": rng.randint(1, 5)}
        stats = {
            "downloader/request_count": fetched + not_modified + sum(failed.values()),
            "downloader/response_count": fetched + not_modified,
            "downloader/response_status_count/200": fetched, "downloader/response_status_count/304": not_modified,
            "dedup/articles/new": len(plan.new), "dedup/articles/changed": len(plan.versions),
            "dedup/articles/unchanged": 0, "spider/pages": fetched, "store/articles/written": len(rows["articles"]),
            "store/articles/new_versions": len(plan.versions), "store/headlines/new": rows["new_headlines"],
            "store/sightings/written": len(rows["headlines"]), "frontier/fetched": fetched + not_modified,
            "frontier/fetched/not_modified": not_modified, "finish_reason": "finished",
            "start_time": iso(plan.started), "finish_time": rows["finished"],
            "elapsed_time_seconds": (datetime.strptime(rows["finished"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
                                     - plan.started).total_seconds(),
            **{f"frontier/failed/{k}": v for k, v in failed.items()},
            **{f"frontier/skipped/{k}": v for k, v in skipped.items()},
        }
        summary = {"trigger": "schedule", "pages_fetched": fetched + not_modified, "not_modified": not_modified,
                   "failed": json.dumps(failed), "skipped": json.dumps(skipped), "new_articles": len(plan.new),
                   "new_versions": len(plan.versions), "new_headlines": rows["new_headlines"],
                   "sightings": len(rows["headlines"]), "pages_parsed": fetched, "finish_reason": "finished"}
        return stats, summary


def _check(result, what: str) -> None:
    rejected = getattr(result, "rejected", None)
    if rejected:
        row, reason = rejected[0]
        raise SystemExit(f"archivegen: the storage layer refused {len(rejected)} {what} rows ({reason}): "
                         f"{ {k: (v[:60] if isinstance(v, str) else v) for k, v in row.items()} }")


def install_fold_cache(fold_cache: dict) -> list:
    """Give the storage layer's search indexing a search_text (crawler.core.fold: what the index
    holds of a text) that returns precomputed text for the strings it was made for (exactly
    those), the real one otherwise. Returns what to undo."""
    import importlib

    from crawler.core.fold import search_text as real_search_text

    def search_text(text):
        folded = fold_cache.pop(text, None) if text else None
        return real_search_text(text) if folded is None else folded

    undo = []
    for name in ("crawler.archive.schema", "crawler.archive.store", "crawler.archive.state"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if getattr(module, "search_text", None) is real_search_text:
            undo.append((module, real_search_text))
            module.search_text = search_text
    return undo


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


def _fmt_duration(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def build(args, log=sys.stderr) -> dict:
    """Build the archive; returns what was written (counts by kind) and how long it took."""
    from crawler.archive.store import Archive

    out = Path(args.out)
    if out.exists() or Path(f"{out}-wal").exists():
        if not args.force:
            raise SystemExit(f"archivegen: {out} exists; give --force to replace it")
        for suffix in ("", "-wal", "-shm", ".lock"):
            Path(f"{out}{suffix}").unlink(missing_ok=True)
    gen = Generator(args)
    fold_cache: dict[str, str] = {}
    t0 = time.perf_counter()
    archive = Archive.open(out)
    # The generator's connection only (what is written is the same): commits without waiting for
    # the disk (WAL with synchronous=NORMAL is still consistent after a crash, it may lose the
    # last commits), a bigger page cache, fewer checkpoints. --durable keeps SQLite's defaults.
    if not args.durable:
        archive.db.execute(f"PRAGMA synchronous = {args.synchronous}")
        archive.db.execute(f"PRAGMA cache_size = -{args.cache_mb * 1024}")
        archive.db.execute("PRAGMA wal_autocheckpoint = 10000")
    undo = [] if args.plain_fold else install_fold_cache(fold_cache)
    plans = (gen.plan(i) for i in range(gen.crawls))
    pool = None
    if args.workers > 0:
        pool = multiprocessing.get_context("fork").Pool(args.workers)

    def with_contents():
        if pool is None:
            for plan in plans:
                yield plan, compute_many((gen.seed, gen.specs(plan)))
            return
        # The plan is made in this process in order; the workers compute the texts ahead.
        window: deque = deque()
        for plan in plans:
            window.append((plan, pool.apply_async(compute_many, ((gen.seed, gen.specs(plan)),))))
            if len(window) >= 16:
                p, res = window.popleft()
                yield p, res.get()
        while window:
            p, res = window.popleft()
            yield p, res.get()

    last_report = time.perf_counter()
    pending_rows = 0
    tx = None
    phases: dict[str, float] = {}
    reported_phases: dict[str, float] = {}
    reported_at = [t0, 0]  # time and articles of the last progress line

    def timed(phase: str, call, *a, **kw):
        t = time.perf_counter()
        try:
            return call(*a, **kw)
        finally:
            phases[phase] = phases.get(phase, 0.0) + time.perf_counter() - t

    contents_iter = with_contents()
    try:
        while True:
            item = timed("waiting for texts", next, contents_iter, None)
            if item is None:
                break
            plan, contents = item
            if tx is None:
                tx = archive.transaction()
                timed("commit", tx.__enter__)
            crawl_id = timed("crawls", archive.start_crawl, iso(plan.started), "live", site=SITE)
            rows = timed("rows (this tool)", gen.rows, plan, contents, crawl_id, fold_cache)
            _check(timed("save_captures", archive.save_captures, rows["captures"]), "capture")
            _check(timed("save_articles", archive.save_articles, rows["articles"]), "article")
            fold_cache.clear()  # what the index did not ask for (an unchanged title) is not kept
            _check(timed("save_groups", archive.save_groups, rows["groups"]), "group")
            result, ids = timed("save_headlines", archive.save_headlines, rows["headlines"])
            _check(result, "headline")
            _check(timed("save_stories", archive.save_stories, rows["stories"]), "story")
            sightings = [{"headline": ids[h["key"]], "crawl": crawl_id, "position": pos, "page_url": rows["front"],
                          "seen_at": h["seen_at"], "capture": rows["front_capture"], "parser_version": PARSER_VERSION}
                         for pos, h in enumerate(rows["headlines"], 1)]
            _check(timed("save_sightings", archive.save_sightings, sightings), "sighting")
            _check(timed("save_url_marks", archive.save_url_marks, rows["marks"]), "url mark")
            stats, summary = gen.summary(plan, rows)
            timed("crawls", archive.finish_crawl, crawl_id, rows["finished"], stats, summary)
            pending_rows += (len(rows["captures"]) + 2 * len(rows["articles"]) + len(rows["groups"])
                             + 2 * len(rows["headlines"]) + len(rows["stories"]) + len(rows["marks"]))
            if pending_rows >= args.batch_rows or plan.index == gen.crawls - 1:
                timed("commit", tx.__exit__, None, None, None)
                tx, pending_rows = None, 0
            now = time.perf_counter()
            if now - last_report >= args.progress or plan.index == gen.crawls - 1:
                last_report = now
                elapsed = now - t0
                done = gen.totals["articles"]
                rate = done / elapsed
                eta = (args.articles - done) / rate if rate else 0
                # since the last line: the rate, and where the time went (the 3 biggest phases)
                recent = {k: v - reported_phases.get(k, 0.0) for k, v in phases.items()}
                span = now - reported_at[0]
                now_rate = (done - reported_at[1]) / span if span > 0 else 0.0
                top = ", ".join(f"{k} {100 * v / span:.0f}%" for k, v in
                                sorted(recent.items(), key=lambda kv: -kv[1])[:3]) if span > 0 else ""
                reported_phases.update(phases)
                reported_at[:] = [now, done]
                print(f"archivegen: {done:,}/{args.articles:,} articles ({100 * done / args.articles:.1f}%), "
                      f"crawl {plan.index + 1:,}/{gen.crawls:,}, {rate:,.0f} articles/s ({now_rate:,.0f} lately: "
                      f"{top}), elapsed {_fmt_duration(elapsed)}, ETA {_fmt_duration(eta)}, "
                      f"{_size(out) / 1e6:,.0f} MB", file=log, flush=True)
    except BaseException:
        if tx is not None:
            tx.__exit__(*sys.exc_info())
        raise
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
        for module, real in undo:
            module.search_text = real
    timed("commit", archive.db.execute, "PRAGMA wal_checkpoint(TRUNCATE)")
    archive.close()
    elapsed = time.perf_counter() - t0
    size = _size(out)
    done = gen.totals["articles"]
    result = {**gen.totals, "seconds": round(elapsed, 1), "articles_per_second": round(done / elapsed, 1),
              "bytes": size, "path": str(out), "phases": {k: round(v, 1) for k, v in phases.items()}}
    print(f"archivegen: {done:,} articles in {gen.crawls:,} crawls ({gen.totals['versions']:,} second versions, "
          f"{gen.totals['copies_exact'] + gen.totals['copies_near']:,} copies, {gen.totals['headlines']:,} headlines, "
          f"{gen.totals['sightings']:,} sightings) -> {out}: {size / 1e6:,.1f} MB in {_fmt_duration(elapsed)} "
          f"({result['articles_per_second']:,.0f} articles/s)", file=log, flush=True)
    print("archivegen: time by phase (s): " + ", ".join(
        f"{k} {v:,.1f}" for k, v in sorted(phases.items(), key=lambda kv: -kv[1])), file=log, flush=True)
    return result


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.archivegen", description=__doc__.split("\n\n")[0])
    p.add_argument("--articles", type=int, required=True, help="articles to generate (rows of the articles table)")
    p.add_argument("--out", required=True, help="the archive file to write (refused if it exists, unless --force)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--force", action="store_true", help="replace an existing file (and its -wal, -shm)")
    p.add_argument("--per-crawl", type=int, default=50, help="new articles per crawl (default 50)")
    p.add_argument("--headlines-per-crawl", type=int, default=50, help="headlines on the ticker per crawl (default 50)")
    p.add_argument("--new-headlines-per-crawl", type=int, default=5,
                   help="new headlines per crawl after the first (default 5)")
    p.add_argument("--french", type=float, default=0.7, help="share of French originals (default 0.7)")
    p.add_argument("--copy-rate", type=float, default=0.10, help="share of new articles that copy a recent one (0.10)")
    p.add_argument("--version-rate", type=float, default=0.05, help="share of articles given a second version (0.05)")
    p.add_argument("--batch-rows", type=int, default=500, help="rows per transaction, about (default 500)")
    p.add_argument("--workers", type=int, default=1,
                   help="processes computing texts and signatures beside the writer (default 1; 0: none)")
    p.add_argument("--durable", action="store_true",
                   help="keep SQLite's defaults on the writing connection (synchronous FULL, 2 MB cache, "
                        "checkpoints every 1000 pages) instead of synchronous NORMAL, --cache-mb, 10000 pages")
    p.add_argument("--synchronous", default="NORMAL", choices=["OFF", "NORMAL", "FULL"],
                   help="PRAGMA synchronous of the writing connection (default NORMAL)")
    p.add_argument("--cache-mb", type=int, default=1024, help="SQLite page cache of the writing connection (1024)")
    p.add_argument("--plain-fold", action="store_true",
                   help="let the search index fold every body itself (slower: about 2.5 ms per body)")
    p.add_argument("--progress", type=float, default=5.0, help="seconds between progress lines on stderr")
    return p


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    if args.articles < 1 or args.per_crawl < 1 or args.headlines_per_crawl < 1:
        raise SystemExit("archivegen: --articles, --per-crawl and --headlines-per-crawl must be 1 or more")
    build(args)
    return 0


if __name__ == "__main__":
    # Run as bench.archivegen, not __main__, so that the worker processes find its functions.
    from bench import archivegen

    sys.exit(archivegen.main())
