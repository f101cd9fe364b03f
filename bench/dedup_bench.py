"""Benchmark of crawler.grouping on generated data: ArticleGroups and StoryGroups, incrementally.

    .venv/bin/python bench/dedup_bench.py                          # 100,000 articles + 100,000 headlines
    .venv/bin/python bench/dedup_bench.py --articles 20000 --headlines 20000
    .venv/bin/python bench/dedup_bench.py --num-perm 128 --json bench/out/dedup.json

A benchmark, not a test: it reports and never fails. Each phase runs in its own forked process
so that its peak memory is its own (peak RSS of the process minus its RSS before the phase:
the index, plus the generator's small recent-items window).

Articles: bodies of 4 to 9 paragraphs (2 to 5 sentences of 8 to 24 words drawn from a Zipf
vocabulary of 20,000 pseudo-words and French function words, a few figures; one body in five
ends with the site's closing line, one of the furniture sentences, from
crawler.sites.registry.boilerplate(), that ArticleGroups is given and removes). About 75 % are
originals, 20 % near duplicates of a recent original (a paragraph dropped, a paragraph added,
a sentence reworded, or a paragraph dropped and a sentence reworded), 5 % exact copies.
Sanity: how many near duplicates and copies joined their original's group, how many originals
wrongly joined an existing group.

Headlines: paraphrase clusters of 8 kinds of events in French and Arabic (weather bulletin of
a day, football result, appointment, visit, road accident, economic figure, bill adopted,
festival edition), 1 to 4 paraphrases per event, each repeated on later tickers with
probability 0.3, events interleaved as on a ticker (50 events open at a time). Events of a kind
share templates, places, people and dates, so unrelated events look alike (hard negatives).
Sanity: paraphrases grouped with their event's story, wrong merges (a distinct headline
attached to another event's story; ticker repeats of a headline are not counted again).

Time counts only the `add` calls (generation excluded); items/s = items / that time.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import random
import re
import resource
import sys
import time
from collections import Counter, deque
from pathlib import Path

import psutil

from crawler.core.text import headline_key
from crawler.grouping.articles import ArticleGroups
from crawler.grouping.stories import DEFAULT_METHOD, METHODS, StoryGroups
from crawler.sites.registry import boilerplate

CLOSING = "Cliquez ici pour lire l'article depuis sa source."


def _rss_mb() -> float:
    return psutil.Process().memory_info().rss / 1e6


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3  # KB on Linux


# ---------------------------------------------------------------------------------------------
# Articles
# ---------------------------------------------------------------------------------------------

FUNCTION_WORDS = ("de la le les et à des en du un une pour dans par sur au est qui que a "
                  "ce plus avec son ses sa aux ont été cette il elle ne pas selon leur entre").split()
SYLLABLES = ("ba be bi bo bu da de di do du fa fe fi fo ga ge gi go la le li lo lu ma me mi mo "
             "mu na ne ni no nu pa pe pi po ra re ri ro ru sa se si so ta te ti to tu va ve vi "
             "vo za ze zi zo ou an on in en ar er ir or al el il ol ment tion ique eur").split()


class ArticleGenerator:
    """Seeded stream of (key, body, kind, source, edit) with kind original/near/exact."""

    def __init__(self, seed: int, window: int = 5000):
        self.rng = random.Random(seed)
        rng = self.rng
        words = set()
        while len(words) < 20000:
            words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
        rest = sorted(words)
        rng.shuffle(rest)
        vocab = FUNCTION_WORDS + rest
        weights = [1.0 / (rank + 1) ** 1.07 for rank in range(len(vocab))]
        self.vocab = vocab
        self.cum = []
        total = 0.0
        for w in weights:
            total += w
            self.cum.append(total)
        self.recent: deque[tuple[int, list[str]]] = deque(maxlen=window)
        self.i = 0

    def sentence(self) -> str:
        rng = self.rng
        words = rng.choices(self.vocab, cum_weights=self.cum, k=rng.randint(8, 24))
        if rng.random() < 0.2:
            words.insert(rng.randrange(len(words)), str(rng.randint(2, 2030)))
        return " ".join(words).capitalize() + "."

    def paragraph(self) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(2, 5)))

    def reword(self, paragraph: str) -> str:
        """One sentence of the paragraph rewritten: about half of its words replaced."""
        sentences = paragraph.split(". ")
        j = self.rng.randrange(len(sentences))
        words = sentences[j].split()
        for k in range(len(words)):
            if self.rng.random() < 0.5:
                words[k] = self.rng.choices(self.vocab, cum_weights=self.cum)[0]
        sentences[j] = " ".join(words)
        return ". ".join(sentences)

    def __iter__(self):
        return self

    def __next__(self) -> tuple[str, str, str, int, str, str]:
        rng = self.rng
        i = self.i
        self.i += 1
        r = rng.random()
        original = None
        if r < 0.75 or len(self.recent) < 10:
            paragraphs = [self.paragraph() for _ in range(rng.randint(4, 9))]
            self.recent.append((i, paragraphs))
            kind, source, edit = "original", i, ""
        else:
            source, original = rng.choice(self.recent)
            paragraphs = list(original)
            if r < 0.95:
                kind = "near"
                edit = rng.choice(("drop_paragraph", "add_paragraph", "reword_sentence", "drop_and_reword"))
                if edit in ("drop_paragraph", "drop_and_reword"):
                    del paragraphs[rng.randrange(len(paragraphs))]
                if edit == "add_paragraph":
                    paragraphs.insert(rng.randrange(len(paragraphs) + 1), self.paragraph())
                if edit in ("reword_sentence", "drop_and_reword"):
                    j = rng.randrange(len(paragraphs))
                    paragraphs[j] = self.reword(paragraphs[j])
            else:
                kind, edit = "exact", ""
        body = "\n".join(paragraphs)
        if rng.random() < 0.2:
            body += "\n" + CLOSING
        return f"https://www.maghress.com/fr/paper/{i}", body, kind, source, edit, "\n".join(original or ())


def exact_jaccard(groups: ArticleGroups, a: str, b: str) -> float:
    """The exact Jaccard similarity of two bodies' shingle sets (boilerplate removed), which
    `groups` estimates with MinHash."""
    x = set(groups.shingles(a).tolist())
    y = set(groups.shingles(b).tolist())
    return len(x & y) / len(x | y) if x | y else 1.0


def run_articles(n: int, seed: int, threshold: float, num_perm: int, window: int) -> dict:
    gen = ArticleGenerator(seed, window)
    groups = ArticleGroups(threshold=threshold, num_perm=num_perm, boilerplate=boilerplate())
    group_of: dict[int, str] = {}  # originals still in the generator's window -> their group
    counts: Counter[str] = Counter()
    by_edit: Counter[str] = Counter()
    by_edit_ok: Counter[str] = Counter()
    by_j: Counter[str] = Counter()  # near duplicates by exact Jaccard (above/below threshold), grouped or not
    chars = 0
    rss0 = _rss_mb()
    elapsed = 0.0
    for _ in range(n):
        key, body, kind, source, edit, original = next(gen)
        chars += len(body)
        t0 = time.perf_counter()
        a = groups.add(key, body)
        elapsed += time.perf_counter() - t0
        counts[kind] += 1
        counts["groups"] += a.new
        if kind == "original":
            group_of[source] = a.group
            if len(group_of) > window * 2:
                for old in sorted(group_of)[: window]:
                    del group_of[old]
            if not a.new:
                counts["original_joined_existing"] += 1
            continue
        expected = group_of.get(source)
        ok = a.group == expected
        counts[f"{kind}_with_original"] += ok
        if not ok:
            counts[f"{kind}_new_group" if a.new else f"{kind}_wrong_group"] += 1
        if kind == "near":
            by_edit[edit] += 1
            by_edit_ok[edit] += ok
            side = "above" if exact_jaccard(groups, body, original) >= threshold else "below"
            by_j[side] += 1
            by_j[side + "_ok"] += ok
    return {
        "items": n, "seconds": elapsed, "items_per_s": n / elapsed, "avg_chars": chars / n,
        "rss_start_mb": rss0, "peak_growth_mb": _peak_mb() - rss0, "rss_end_growth_mb": _rss_mb() - rss0,
        "groups": counts["groups"], "indexed_groups": len(groups), "bands": groups.bands, "rows": groups.rows,
        "originals": counts["original"], "original_joined_existing": counts["original_joined_existing"],
        "near": counts["near"], "near_with_original": counts["near_with_original"],
        "near_new_group": counts["near_new_group"], "near_wrong_group": counts["near_wrong_group"],
        "exact": counts["exact"], "exact_with_original": counts["exact_with_original"],
        "near_by_edit": {e: [by_edit_ok[e], by_edit[e]] for e in sorted(by_edit)},
        "near_j_above": [by_j["above_ok"], by_j["above"]], "near_j_below": [by_j["below_ok"], by_j["below"]],
    }


# ---------------------------------------------------------------------------------------------
# Headlines
# ---------------------------------------------------------------------------------------------

FR_WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
AR_WEEKDAYS = ("الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد")
FR_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
             "octobre", "novembre", "décembre")
AR_MONTHS = ("يناير", "فبراير", "مارس", "أبريل", "ماي", "يونيو", "يوليوز", "غشت", "شتنبر", "أكتوبر",
             "نونبر", "دجنبر")
CITIES = (("Casablanca", "الدار البيضاء"), ("Rabat", "الرباط"), ("Fès", "فاس"), ("Marrakech", "مراكش"),
          ("Agadir", "أكادير"), ("Tanger", "طنجة"), ("Tétouan", "تطوان"), ("Oujda", "وجدة"), ("Meknès", "مكناس"),
          ("Kénitra", "القنيطرة"), ("Safi", "آسفي"), ("El Jadida", "الجديدة"), ("Nador", "الناظور"),
          ("Béni Mellal", "بني ملال"), ("Khouribga", "خريبكة"), ("Settat", "سطات"), ("Taza", "تازة"),
          ("Larache", "العرائش"), ("Essaouira", "الصويرة"), ("Ouarzazate", "ورزازات"), ("Errachidia", "الرشيدية"),
          ("Laâyoune", "العيون"), ("Dakhla", "الداخلة"), ("Guelmim", "كلميم"), ("Tiznit", "تيزنيت"),
          ("Taroudant", "تارودانت"), ("Chefchaouen", "شفشاون"), ("Al Hoceima", "الحسيمة"), ("Ifrane", "إفران"),
          ("Mohammedia", "المحمدية"))
TEAMS = (("Raja", "الرجاء"), ("Wydad", "الوداد"), ("AS FAR", "الجيش الملكي"), ("RS Berkane", "نهضة بركان"),
         ("FUS", "الفتح الرباطي"), ("MAS", "المغرب الفاسي"), ("Hassania", "حسنية أكادير"),
         ("Moghreb", "المغرب التطواني"), ("OCS", "أولمبيك آسفي"), ("Difaâ", "الدفاع الحسني الجديدي"),
         ("IRT", "اتحاد طنجة"), ("Union Touarga", "اتحاد تواركة"), ("JS Soualem", "شباب السوالم"),
         ("RCZ", "نهضة الزمامرة"), ("CODM", "النادي المكناسي"), ("KACM", "الكوكب المراكشي"))
FR_FIRST = ("Ahmed Mohamed Youssef Karim Nadia Samira Rachid Omar Saïd Hicham Amine Leïla Khadija Mehdi "
            "Yassine Imane Hamza Nabil Salma Driss").split()
FR_LAST = ("Benali Amrani Bennani Tazi Alaoui Idrissi Berrada Chraibi Fassi Lahlou Ouazzani Sqalli "
           "Benjelloun Kettani Mansouri Naciri Zniber Bouzid Haddad Slaoui Guessous Lazrak Belkhayat "
           "Sebti Kabbaj Filali Jettou Hajji Moussaoui Rami").split()
AR_FIRST = "أحمد محمد يوسف كريم نادية سميرة رشيد عمر سعيد هشام أمين ليلى خديجة مهدي ياسين إيمان حمزة نبيل سلمى إدريس".split()
AR_LAST = ("بنعلي العمراني بناني التازي العلوي الإدريسي برادة الشرايبي الفاسي لحلو الوزاني الصقلي بنجلون "
           "الكتاني المنصوري الناصري زنيبر بوزيد الحداد السلاوي كسوس لزرق بلخياط السبتي القباج الفيلالي "
           "جطو الحجي الموساوي رامي").split()
ORGS = (("l'ONCF", "المكتب الوطني للسكك الحديدية"), ("l'OCP", "المكتب الشريف للفوسفاط"),
        ("l'ONDA", "المكتب الوطني للمطارات"), ("la CDG", "صندوق الإيداع والتدبير"), ("Masen", "الوكالة المغربية للطاقة المستدامة"),
        ("l'ANP", "الوكالة الوطنية للموانئ"), ("ADM", "الشركة الوطنية للطرق السيارة"), ("la CNSS", "الصندوق الوطني للضمان الاجتماعي"),
        ("l'ANRT", "الوكالة الوطنية لتقنين المواصلات"), ("l'AMMC", "الهيئة المغربية لسوق الرساميل"),
        ("l'université Ibn Zohr", "جامعة ابن زهر"), ("l'université Cadi Ayyad", "جامعة القاضي عياض"),
        ("Tanger Med", "طنجة المتوسط"), ("la SNTL", "الشركة الوطنية للنقل واللوجستيك"), ("l'ADII", "إدارة الجمارك"),
        ("Barid Al-Maghrib", "بريد المغرب"), ("l'INDH", "المبادرة الوطنية للتنمية البشرية"), ("l'ONHYM", "المكتب الوطني للهيدروكاربورات والمعادن"))
ROLES = (("directeur général", "مديرا عاما"), ("président", "رئيسا"), ("secrétaire général", "كاتبا عاما"))
VEHICLES = (("autocar", "حافلة"), ("camion", "شاحنة"), ("taxi", "سيارة أجرة"), ("minibus", "حافلة صغيرة"),
            ("tracteur", "جرار"))
INDICATORS = (("Marché automobile", "مبيعات السيارات"), ("Trafic aérien", "حركة النقل الجوي"),
              ("Exportations de phosphates", "صادرات الفوسفاط"), ("Recettes touristiques", "عائدات السياحة"),
              ("Transferts des MRE", "تحويلات مغاربة العالم"), ("Consommation de ciment", "استهلاك الإسمنت"),
              ("Trafic portuaire", "حركة الموانئ"), ("Arrivées touristiques", "عدد السياح الوافدين"),
              ("Production d'électricité", "إنتاج الكهرباء"), ("Crédits bancaires", "القروض البنكية"))
LAW_ACTIONS = (("la réforme", "إصلاح"), ("l'organisation", "تنظيم"), ("la protection", "حماية"), ("la modernisation", "تحديث"))
LAW_OBJECTS = (("des données personnelles", "المعطيات الشخصية"), ("de la pêche maritime", "الصيد البحري"),
               ("des marchés publics", "الصفقات العمومية"), ("du transport routier", "النقل الطرقي"),
               ("des énergies renouvelables", "الطاقات المتجددة"), ("de l'enseignement supérieur", "التعليم العالي"),
               ("du logement social", "السكن الاجتماعي"), ("de la santé mentale", "الصحة النفسية"),
               ("des coopératives agricoles", "التعاونيات الفلاحية"), ("du secteur de l'eau", "قطاع الماء"),
               ("des professions médicales", "المهن الطبية"), ("de l'artisanat", "الصناعة التقليدية"),
               ("des associations sportives", "الجمعيات الرياضية"), ("du commerce électronique", "التجارة الإلكترونية"),
               ("des établissements pénitentiaires", "المؤسسات السجنية"), ("de la formation professionnelle", "التكوين المهني"))
FESTIVALS = (("Mawazine", "موازين", 1), ("Gnaoua", "كناوة", 18), ("Timitar", "تيميتار", 4), ("Jazzablanca", "جازابلانكا", 0),
             ("Tanjazz", "طنجاز", 5), ("L'Boulevard", "البولفار", 0), ("Visa for Music", "فيزا فور ميوزيك", 1),
             ("Festival du film de Tétouan", "مهرجان تطوان السينمائي", 6), ("Festival des musiques sacrées", "مهرجان الموسيقى الروحية", 2),
             ("Festival d'Asilah", "موسم أصيلة", 17), ("Festival de Volubilis", "مهرجان وليلي", 8), ("Festival Awaln'art", "مهرجان أوالن آرت", 3))

FR_TEMPLATES = {
    "weather": ("Les températures attendues ce {wd} {d} {m} {y}", "Le temps qu'il fera ce {wd} {d} {m} {y}",
                "Météo : les prévisions pour ce {wd} {d} {m} {y}", "Bulletin météo du {wd} {d} {m} {y}"),
    "match": ("Botola (J{j}) : le {t1} s'impose face au {t2} ({s1}-{s2})",
              "Botola Pro : victoire du {t1} contre le {t2} ({s1}-{s2}) lors de la {j}e journée",
              "{t1}-{t2} ({s1}-{s2}) : le {t1} remporte le match de la {j}e journée"),
    "appointment": ("{person} nommé {role} de {org}", "{org} : {person} désigné {role}",
                    "Nomination de {person} au poste de {role} de {org}"),
    "visit": ("{person} en visite de travail à {city}", "{city} : visite de travail de {person}",
              "Visite de {person} à {city} pour suivre les chantiers en cours"),
    "accident": ("{city} : {n} morts dans un accident impliquant un {vehicle}",
                 "Accident d'un {vehicle} près de {city} : {n} morts",
                 "{n} personnes tuées dans l'accident d'un {vehicle} à {city}"),
    "economy": ("{ind} : {pct}% de hausse en {m}", "{ind} en hausse de {pct}% en {m}",
                "{ind} : une progression de {pct}% en {m}"),
    "law": ("Le Conseil de gouvernement adopte le projet de loi n° {no} sur {act} {obj}",
            "Conseil de gouvernement : adoption du projet de loi relatif à {act} {obj}",
            "Projet de loi {no} sur {act} {obj} approuvé en Conseil de gouvernement"),
    "festival": ("{fest} : la {n}e édition s'ouvre à {city}", "Coup d'envoi de la {n}e édition de {fest} à {city}",
                 "{city} accueille la {n}e édition de {fest}"),
}
AR_TEMPLATES = {
    "weather": ("توقعات أحوال الطقس ليوم {wd} {d} {m} {y}", "طقس {wd} {d} {m} {y}: أجواء حارة بعدد من المناطق",
                "أحوال الطقس ليوم {wd} {d} {m} {y}"),
    "match": ("البطولة الاحترافية (الدورة {j}): {t1} يفوز على {t2} ({s1}-{s2})",
              "فوز {t1} على {t2} ({s1}-{s2}) في الدورة {j} من البطولة",
              "الدورة {j}: {t1} يتغلب على {t2} بحصة {s1}-{s2}"),
    "appointment": ("تعيين {person} {role} ل{org}", "{person} {role} جديدا ل{org}", "{org}: تعيين {person} {role}"),
    "visit": ("{person} في زيارة عمل إلى {city}", "{city}: زيارة عمل ل{person}", "{person} يحل ب{city} لتتبع الأوراش"),
    "accident": ("مصرع {n} أشخاص في حادثة {vehicle} ب{city}", "{city}: {n} قتلى في حادثة سير لـ{vehicle}",
                 "حادثة {vehicle} قرب {city} تخلف {n} قتلى"),
    "economy": ("{ind}: ارتفاع بنسبة {pct} في المائة خلال شهر {m}", "ارتفاع {ind} ب{pct} في المائة في {m}",
                "{ind} ترتفع ب{pct} في المائة خلال {m}"),
    "law": ("مجلس الحكومة يصادق على مشروع قانون رقم {no} يتعلق ب{act} {obj}", "المصادقة على مشروع قانون {act} {obj}",
            "الحكومة تصادق على مشروع القانون {no} المتعلق ب{act} {obj}"),
    "festival": ("انطلاق الدورة {n} من {fest} ب{city}", "{city} تحتضن الدورة {n} من {fest}",
                 "الدورة {n} ل{fest} تنطلق ب{city}"),
}
KIND_WEIGHTS = {"weather": 1, "match": 3, "appointment": 3, "visit": 3, "accident": 3, "economy": 3, "law": 2,
                "festival": 1}


def _ar_fix(text: str) -> str:
    """Arabic spelling after slot filling: the preposition ل before the article is written لل."""
    return re.sub(r"(?<![\w])لال", "لل", text)


class HeadlineGenerator:
    """Seeded stream of (text, event id, kind): paraphrase clusters interleaved as on a ticker."""

    def __init__(self, seed: int, open_events: int = 50, repeat: float = 0.3):
        self.rng = random.Random(seed)
        self.used: set[tuple] = set()
        self.day = 0
        self.next_event = 0
        self.repeat = repeat
        self.open: list[list] = [self._event() for _ in range(open_events)]  # [id, kind, pending, emitted]

    def _slots(self, kind: str, lang: str) -> tuple[tuple, dict] | None:
        """The identity and the slot values of a new event of `kind`, or None to draw again."""
        rng = self.rng
        ar = lang == "ar"
        if kind == "weather":
            self.day += 1
            d0 = self.day
            month, day = (d0 // 28) % 12, d0 % 28 + 1
            key = (kind, lang, d0)
            return key, {"wd": (AR_WEEKDAYS if ar else FR_WEEKDAYS)[d0 % 7], "d": day,
                         "m": (AR_MONTHS if ar else FR_MONTHS)[month], "y": 2025 + d0 // 336}
        if kind == "match":
            t1, t2 = rng.sample(range(len(TEAMS)), 2)
            j = rng.randint(1, 30)
            if (lang, j, t1) in self.used or (lang, j, t2) in self.used:
                return None  # a team plays once per matchday: draw again
            self.used.update({(lang, j, t1), (lang, j, t2)})
            s1, s2 = rng.randint(1, 4), rng.randint(0, 3)
            s2 = min(s2, s1 - 1)
            return (kind, lang, t1, t2, j), {"t1": TEAMS[t1][ar], "t2": TEAMS[t2][ar], "j": j, "s1": s1, "s2": s2}
        if kind in ("appointment", "visit"):
            f, l = rng.randrange(len(FR_FIRST)), rng.randrange(len(FR_LAST))
            person = f"{AR_FIRST[f]} {AR_LAST[l]}" if ar else f"{FR_FIRST[f]} {FR_LAST[l]}"
            if kind == "appointment":  # one appointment per person
                o, r = rng.randrange(len(ORGS)), rng.randrange(len(ROLES))
                return (kind, lang, f, l), {"person": person, "org": ORGS[o][ar], "role": ROLES[r][ar]}
            c = rng.randrange(len(CITIES))
            return (kind, lang, f, l, c), {"person": person, "city": CITIES[c][ar]}
        if kind == "accident":
            c, v, n = rng.randrange(len(CITIES)), rng.randrange(len(VEHICLES)), rng.randint(2, 15)
            return (kind, lang, c, n), {"city": CITIES[c][ar], "vehicle": VEHICLES[v][ar], "n": n}
        if kind == "economy":
            i, m = rng.randrange(len(INDICATORS)), rng.randrange(12)
            pct = f"{rng.randint(1, 60)},{rng.randint(0, 9)}"
            return (kind, lang, i, m, pct), {"ind": INDICATORS[i][ar], "m": (AR_MONTHS if ar else FR_MONTHS)[m],
                                             "pct": pct.replace(",", ".") if ar else pct}
        if kind == "law":
            a, o = rng.randrange(len(LAW_ACTIONS)), rng.randrange(len(LAW_OBJECTS))
            number = f"{rng.randint(10, 99)}.{rng.randint(19, 25)}"
            # one bill per subject and language (two bills on one subject would read alike)
            return (kind, lang, o), {"act": LAW_ACTIONS[a][ar], "obj": LAW_OBJECTS[o][ar], "no": number}
        f = rng.randrange(len(FESTIVALS))
        n = rng.randint(2, 30)
        name_fr, name_ar, city = FESTIVALS[f]
        return (kind, lang, f, n), {"fest": name_ar if ar else name_fr, "n": n, "city": CITIES[city][ar]}

    def _event(self) -> list:
        rng = self.rng
        kinds, weights = zip(*KIND_WEIGHTS.items())
        for _ in range(50):
            kind = rng.choices(kinds, weights)[0]
            lang = "ar" if rng.random() < 0.4 else "fr"
            drawn = self._slots(kind, lang)
            if drawn is None:
                continue
            key, slots = drawn
            if key in self.used:
                continue
            self.used.add(key)
            templates = list((AR_TEMPLATES if lang == "ar" else FR_TEMPLATES)[kind])
            rng.shuffle(templates)
            size = rng.choices((1, 2, 3, 4), (30, 30, 25, 15))[0]
            texts = [_ar_fix(t.format(**slots)) if lang == "ar" else t.format(**slots) for t in templates[:size]]
            self.next_event += 1
            return [self.next_event, kind, texts, []]
        raise RuntimeError("could not draw a new event")

    def __iter__(self):
        return self

    def __next__(self) -> tuple[str, int, str]:
        rng = self.rng
        k = rng.randrange(len(self.open))
        event = self.open[k]
        ident, kind, pending, emitted = event
        if emitted and (not pending or rng.random() < self.repeat):
            text = rng.choice(emitted)  # the ticker shows it again
        else:
            text = pending.pop(0)
            emitted.append(text)
        if not pending and rng.random() < 0.5:
            self.open[k] = self._event()
        return text, ident, kind


def run_headlines(n: int, seed: int, threshold: float | None, method: str = DEFAULT_METHOD) -> dict:
    gen = HeadlineGenerator(seed)
    stories = StoryGroups(threshold=threshold, method=method)
    threshold = stories.threshold
    story_event: dict[str, int] = {}  # story -> event of its representative
    first_story: dict[int, str] = {}  # event -> story of its first headline
    seen_texts: set[str] = set()
    counts: Counter[str] = Counter()
    wrong_by_kind: Counter[str] = Counter()
    examples: list[tuple[str, str]] = []
    rep_text: dict[str, str] = {}
    rss0 = _rss_mb()
    elapsed = 0.0
    for _ in range(n):
        text, event, kind = next(gen)
        key = headline_key(text)
        repeat = key in seen_texts
        seen_texts.add(key)
        t0 = time.perf_counter()
        a = stories.add(key, text)
        elapsed += time.perf_counter() - t0
        counts["repeats" if repeat else "distinct"] += 1
        if a.new:
            counts["stories"] += 1
            story_event[a.story] = event
            rep_text[a.story] = text
        if repeat:
            continue
        if not a.new:
            counts["attached"] += 1
            if story_event[a.story] != event:
                counts["wrong_merge"] += 1
                wrong_by_kind[kind] += 1
                if len(examples) < 5:
                    examples.append((text, rep_text[a.story]))
        if event not in first_story:
            first_story[event] = a.story
            counts["events"] += 1
            continue
        counts["paraphrases"] += 1
        counts["paraphrases_grouped"] += a.story == first_story[event]
    return {
        "items": n, "seconds": elapsed, "items_per_s": n / elapsed,
        "rss_start_mb": rss0, "peak_growth_mb": _peak_mb() - rss0, "rss_end_growth_mb": _rss_mb() - rss0,
        "distinct_headlines": counts["distinct"], "repeats": counts["repeats"], "events": counts["events"],
        "stories": counts["stories"], "paraphrases": counts["paraphrases"],
        "paraphrases_grouped": counts["paraphrases_grouped"], "wrong_merges": counts["wrong_merge"],
        "attached": counts["attached"], "wrong_by_kind": dict(wrong_by_kind), "wrong_examples": examples,
        "threshold": threshold, "method": method,
    }


# ---------------------------------------------------------------------------------------------


def _in_child(fn, args, queue):
    try:
        queue.put(fn(*args))
    except BaseException as exc:  # report instead of leaving the parent waiting
        queue.put({"error": repr(exc)})
        raise


def isolated(fn, *args) -> dict:
    """Run fn(*args) in a forked process, so that its peak RSS is its own."""
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_in_child, args=(fn, args, queue))
    proc.start()
    result = queue.get()
    proc.join()
    if "error" in result:
        raise RuntimeError(f"{fn.__name__} failed: {result['error']}")
    return result


def pct(a: int, b: int) -> str:
    return f"{a:,}/{b:,} ({100 * a / b:.1f} %)" if b else "0/0"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--headlines", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threshold", type=float, default=0.8, help="ArticleGroups threshold")
    parser.add_argument("--num-perm", type=int, default=64)
    parser.add_argument("--story-threshold", type=float, help="(default: each method's own)")
    parser.add_argument("--story-methods", default=",".join([DEFAULT_METHOD, *sorted(set(METHODS) - {DEFAULT_METHOD})]),
                        help="the StoryGroups methods to run, side by side (comma-separated)")
    parser.add_argument("--window", type=int, default=5000, help="near duplicates copy one of the last N originals")
    parser.add_argument("--json", type=Path, help="also write the results there")
    args = parser.parse_args(argv)

    results: dict = {"args": {k: str(v) for k, v in vars(args).items()}}
    print(f"# Deduplication benchmark\n\n{psutil.cpu_count()} CPUs, Python {sys.version.split()[0]}\n")
    if args.articles:
        t0 = time.perf_counter()
        r = isolated(run_articles, args.articles, args.seed, args.threshold, args.num_perm, args.window)
        r["wall_seconds"] = time.perf_counter() - t0
        results["articles"] = r
        print(f"## Articles: ArticleGroups(threshold={args.threshold}, num_perm={args.num_perm}), "
              f"LSH {r['bands']} bands x {r['rows']} rows\n")
        print("| measure | value |\n|---|---|")
        print(f"| articles (avg chars) | {r['items']:,} ({r['avg_chars']:,.0f}) |")
        print(f"| add() time | {r['seconds']:.1f} s ({r['items_per_s']:,.0f} articles/s) |")
        print(f"| wall time incl. generation | {r['wall_seconds']:.1f} s |")
        print(f"| peak RSS growth | {r['peak_growth_mb']:,.0f} MB (at end: {r['rss_end_growth_mb']:,.0f} MB) |")
        print(f"| groups (indexed) | {r['groups']:,} ({r['indexed_groups']:,}) |")
        print(f"| near duplicates grouped with their original | {pct(r['near_with_original'], r['near'])} |")
        for edit, (ok, total) in r["near_by_edit"].items():
            print(f"| &nbsp; {edit} | {pct(ok, total)} |")
        print(f"| &nbsp; exact Jaccard >= {args.threshold} | {pct(*r['near_j_above'])} |")
        print(f"| &nbsp; exact Jaccard < {args.threshold} | {pct(*r['near_j_below'])} |")
        print(f"| near duplicates in a new group / another group | {r['near_new_group']:,} / {r['near_wrong_group']:,} |")
        print(f"| exact copies grouped with their original | {pct(r['exact_with_original'], r['exact'])} |")
        print(f"| originals wrongly joined to an existing group | {pct(r['original_joined_existing'], r['originals'])} |")
        print()
    for method in (args.story_methods.split(",") if args.headlines else []):
        t0 = time.perf_counter()
        r = isolated(run_headlines, args.headlines, args.seed, args.story_threshold, method)
        r["wall_seconds"] = time.perf_counter() - t0
        results.setdefault("headlines", {})[method] = r
        print(f"## Headlines: StoryGroups(method={method!r}, threshold={r['threshold']})\n")
        print("| measure | value |\n|---|---|")
        print(f"| headlines (distinct, ticker repeats) | {r['items']:,} ({r['distinct_headlines']:,}, {r['repeats']:,}) |")
        print(f"| add() time | {r['seconds']:.1f} s ({r['items_per_s']:,.0f} headlines/s) |")
        print(f"| wall time incl. generation | {r['wall_seconds']:.1f} s |")
        print(f"| peak RSS growth | {r['peak_growth_mb']:,.0f} MB (at end: {r['rss_end_growth_mb']:,.0f} MB) |")
        print(f"| events / stories | {r['events']:,} / {r['stories']:,} |")
        print(f"| paraphrases grouped with their event's story | {pct(r['paraphrases_grouped'], r['paraphrases'])} |")
        print(f"| wrong merges (distinct headlines attached to another event's story) | "
              f"{pct(r['wrong_merges'], r['attached'])} of attached distinct headlines |")
        if r["wrong_by_kind"]:
            print(f"| wrong merges by kind | {', '.join(f'{k} {v}' for k, v in sorted(r['wrong_by_kind'].items()))} |")
        for text, rep in r["wrong_examples"][:3]:
            print(f"| example | {text} → {rep} |")
        print()
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
