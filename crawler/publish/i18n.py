"""The reader's interface in English, French and Arabic: the one catalogue of the plugin's
interface strings, the language of a request, dates and numbers in that language (Babel's CLDR
data), and what templates use of it.

- The language: the cookie `newsarchive_lang` (set by /-/lang?to=fr&next=/path, the switch in
  the navigation bar), else the first of fr, ar, en in the browser's Accept-Language (q-values
  honoured, fr-FR counts as fr), else English (DEFAULT): Datasette's own pages, around the
  plugin's, are in English, so a reader who asked for none of the three gets one language.
- `negotiated(app)` (the plugin's asgi_wrapper) reads it once per request into a ContextVar, so
  that every template has it, even Datasette's error pages rendered without the request, and
  adds `Vary: Accept-Language, Cookie` to responses.
- `install(datasette)` puts in Datasette's Jinja globals `_` (translate), `_n` (translate with
  a plural form) and `na` (Interface: the language, `lang`/`dir` attributes for the page and
  for a text block, <time> elements, numbers, the language switch, the archive for the nav).
- The catalogue is keyed by the English text (gettext's convention): a string with no entry
  shows in English, so `_()` also serves strings built elsewhere (chart titles, link labels).
  A "context|" prefix tells apart two uses of one English word ("button|Search").
- Page language: the plugin's pages (/-/search, /-/article, /-/charts, /-/health, the archive's
  home page) are in the reader's language; Datasette's own pages (database, table, row, query,
  /-/ pages of Datasette) keep `lang="en"`: their interface is Datasette's English. The
  navigation bar, on every page, is in the reader's language with its own `lang` and `dir`.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, timezone
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_decimal
from markupsafe import Markup, escape

LANGUAGES = ("en", "fr", "ar")
DEFAULT = "en"
COOKIE = "newsarchive_lang"
COOKIE_AGE = 365 * 24 * 3600
NAMES = {"en": "English", "fr": "Français", "ar": "العربية"}
RTL = {"ar"}
# The CLDR locale of each interface language: British English for "12 July 2017".
LOCALES = {"en": "en_GB", "fr": "fr", "ar": "ar"}
_PLURAL_LOCALES = {code: Locale.parse(name) for code, name in LOCALES.items()}


@dataclass(frozen=True)
class Current:
    lang: str = DEFAULT
    path: str = "/"  # the path and query of the request, for the language switch's way back
    chosen: bool = False  # set by the cookie (else from Accept-Language or the default)


CURRENT: ContextVar[Current] = ContextVar("newsarchive_language", default=Current())


HEALTH_LEDE = ("How well each site’s pages were read, crawl by crawl (the last {n} crawls of each site): the pages parsed, "
     "the article pages (at an article URL, or where an article was found), the articles extracted, the share of "
     "article pages that gave one (<em>extracted</em>), the share of articles with each field, the median body "
     "length, the pages read by the generic page object instead of the site’s own (<em>fallbacks</em>), the "
     "paywall teasers (<em>partial</em>) and the pages rejected as not articles, by reason. A crawl whose shares "
     "fell well below the site’s recent level is flagged {mark}, with the measure: its recent level → its value "
     "in that crawl.")

SEARCH_HELP = ("Articles and ticker headlines, French and Arabic. Accents, case and Arabic letter variants do not "
    "matter: <code>metropole</code> finds “métropole”, <code><bdi>الحكومه</bdi></code> finds “<bdi>الحكومة</bdi>”, "
    "<code><bdi>الاطار</bdi></code> finds “<bdi>الإطار</bdi>”; attached prefixes and elision do not either: "
    "<code><bdi>حكومة</bdi></code> finds “<bdi>الحكومة</bdi>”, <code>etat</code> finds “l’État”. Every word must "
    "appear; <code>OR</code> between two words takes either, <code>\"a phrase\"</code> these words in this order, "
    "<code>-word</code> leaves out what has it. Results are ranked, title matches first; an article several papers "
    "published shows once.")

CHARTS_LEDE = ("Dates are placed by time: a day or a month with nothing archived is a gap. Each paper keeps its "
    "colour in every chart (the {n} papers with the most archived articles, in that order; the others are “Other "
    "papers”, in grey) and is named by the publisher its articles credit. Headlines whose link names no paper are "
    "left out of the chart by paper: its note says how many. Hover a bar for its figure.")

# --- the catalogue: English -> (French, Arabic) ---------------------------------------------------
MESSAGES: dict[str, tuple[str, str]] = {
    # the navigation bar
    "Archive": ("Archive", "الأرشيف"),
    "Home": ("Accueil", "الرئيسية"),
    "Search": ("Recherche", "البحث"),
    "button|Search": ("Rechercher", "ابحث"),
    "Charts": ("Graphiques", "الرسوم البيانية"),
    "Extraction health": ("Qualité de l’extraction", "جودة الاستخراج"),
    "Tables and queries": ("Tables et requêtes", "الجداول والاستعلامات"),
    "Search the archive": ("Chercher dans l’archive", "ابحث في الأرشيف"),
    "Language": ("Langue", "اللغة"),
    # dates
    "{date}, {time} UTC": ("{date} à {time} UTC", "{date}، {time} UTC"),
    # the article page
    "Read it on the site of {publisher}": ("Lire sur le site de {publisher}", "اقرأه على موقع {publisher}"),
    "The page on {site}": ("La page sur {site}", "الصفحة على {site}"),
    "The archived page": ("La page archivée", "الصفحة المؤرشفة"),
    "gone from {site} since {date}": ("disparu de {site} depuis le {date}", "اختفى من {site} منذ {date}"),
    "gone from the site since {date}": ("disparu du site depuis le {date}", "اختفى من الموقع منذ {date}"),
    "Archived: first seen {first}, last seen {last}.": (
        "Archivé : vu pour la première fois le {first}, pour la dernière fois le {last}.",
        "في الأرشيف: شوهد أول مرة في {first}، وآخر مرة في {last}."),
    "Showing version {version} of {count}.": ("Version {version} sur {count}.", "الإصدار {version} من {count}."),
    "Versions": ("Versions", "الإصدارات"),
    "version": ("version", "الإصدار"),
    "first seen": ("première apparition", "أول ظهور"),
    "last seen": ("dernière apparition", "آخر ظهور"),
    "title": ("titre", "العنوان"),
    "parser": ("analyseur", "المحلل"),
    "Every version with its text and WARC capture": ("Toutes les versions, avec leur texte et leur capture WARC",
                                                     "كل الإصدارات مع نصوصها ولقطات WARC"),
    "Duplicate group": ("Groupe de copies", "مجموعة النسخ"),
    "group|first seen": ("vu en premier", "الأسبق ظهورًا"),
    "No other paper’s copy of this article is archived.": (
        "Aucune copie de cet article dans un autre journal n’est archivée.",
        "لا توجد في الأرشيف نسخة من هذا المقال في صحيفة أخرى."),
    "On the ticker": ("Dans le bandeau des titres", "في شريط العناوين"),
    "{first} to {last}": ("du {first} au {last}", "من {first} إلى {last}"),
    "This article as data:": ("Les données de cet article :", "بيانات هذا المقال:"),
    "row": ("ligne", "الصف"),
    "No archived article at {url}": ("Aucun article archivé à l’adresse {url}", "لا يوجد مقال مؤرشف على الرابط {url}"),
    # the charts page
    CHARTS_LEDE: (
        "Les dates sont placées sur un axe du temps : un jour ou un mois où rien n’a été archivé laisse un vide. Chaque journal "
        "garde sa couleur dans tous les graphiques (les {n} journaux qui ont le plus d’articles archivés, dans cet "
        "ordre ; les autres sont « Autres journaux », en gris) et porte le nom de l’éditeur que citent ses articles. Les titres "
        "dont le lien ne nomme aucun journal sont exclus du graphique par journal : sa note en indique le nombre. "
        "Survolez une barre pour voir sa valeur.",
        "التواريخ موزعة على محور زمني: اليوم أو الشهر الذي لم يُؤرشف فيه شيء يظهر فراغًا. تحتفظ كل صحيفة بلونها في كل "
        "الرسوم (الصحف الـ{n} الأكثر مقالات مؤرشفة، بهذا الترتيب؛ والبقية «صحف أخرى» بالرمادي) وتسمّى باسم "
        "الناشر الذي تنسب إليه مقالاتها. العناوين التي لا يسمّي رابطها أي صحيفة مستبعدة من الرسم حسب الصحيفة: "
        "وتذكر ملاحظته عددها. مرّر المؤشر فوق عمود لترى قيمته."),
    "The numbers:": ("Les chiffres :", "الأرقام:"),
    "No chart: the archive has none of the chart queries.": (
        "Aucun graphique : l’archive n’a aucune des requêtes des graphiques.",
        "لا رسم: لا يضم الأرشيف أيا من استعلامات الرسوم."),
    # the search page
    SEARCH_HELP: (
        "Articles et titres du bandeau, en français et en arabe. Accents, majuscules et variantes des lettres arabes "
        "ne comptent pas : <code>metropole</code> trouve « métropole », <code><bdi>الحكومه</bdi></code> trouve "
        "« <bdi>الحكومة</bdi> », <code><bdi>الاطار</bdi></code> trouve « <bdi>الإطار</bdi> » ; les préfixes attachés "
        "et l’élision non plus : <code><bdi>حكومة</bdi></code> trouve « <bdi>الحكومة</bdi> », <code>etat</code> trouve "
        "« l’État ». Chaque mot doit figurer ; <code>OR</code> entre deux mots prend l’un ou l’autre, "
        "<code>\"une expression\"</code> ces mots dans cet ordre, <code>-mot</code> écarte ce qui le contient. Les "
        "résultats sont classés, les correspondances dans le titre d’abord ; un article publié par plusieurs journaux n’apparaît qu’une fois.",
        "المقالات وعناوين الشريط، بالفرنسية والعربية. لا تهم الحركات ولا حالة الأحرف ولا أشكال الحروف العربية: "
        "<code><bdi>الحكومه</bdi></code> تجد «<bdi>الحكومة</bdi>»، و<code><bdi>الاطار</bdi></code> تجد "
        "«<bdi>الإطار</bdi>»، و<code>metropole</code> تجد «métropole»؛ ولا السوابق المتصلة، عربية كانت أو فرنسية: <code><bdi>حكومة</bdi></code> "
        "تجد «<bdi>الحكومة</bdi>»، و<code>etat</code> تجد «l’État». يجب أن ترد كل كلمة؛ <code>OR</code> بين كلمتين تأخذ إحداهما، و<code>\"عبارة\"</code> "
        "هذه الكلمات بهذا الترتيب، و<code>-كلمة</code> تستبعد ما يتضمنها. النتائج مرتبة، والتطابق في العنوان أولا؛ والمقال الذي "
        "نشرته عدة صحف يظهر مرة واحدة."),
    "{q}: search": ("{q} : recherche", "{q}: بحث"),
    "Search: {q}": ("Recherche : {q}", "بحث: {q}"),
    "More than {n} results for “{q}”": ("Plus de {n} résultats pour « {q} »", "أكثر من {n} نتيجة لـ«{q}»"),
    "all": ("tous", "الكل"),
    "articles: {n}": ("articles : {n}", "المقالات: {n}"),
    "headlines: {n}": ("titres : {n}", "العناوين: {n}"),
    "more than {n}": ("plus de {n}", "أكثر من {n}"),
    "page {page} of {pages}": ("page {page} sur {pages}", "الصفحة {page} من {pages}"),
    "So common a search ranks the {n} headlines archived last; add a word to narrow it.": (
        "Pour une recherche aussi courante, seuls les {n} derniers titres archivés sont classés ; ajoutez un mot pour l’affiner.",
        "هذا البحث شائع جدًا، لذا لا يُرتَّب فيه إلا آخر {n} عنوان مؤرشف؛ أضف كلمة لتضييقه."),
    "So common a search ranks the {n} articles archived last; add a word to narrow it.": (
        "Pour une recherche aussi courante, seuls les {n} derniers articles archivés sont classés ; ajoutez un mot pour l’affiner.",
        "هذا البحث شائع جدًا، لذا لا يُرتَّب فيه إلا آخر {n} مقال مؤرشف؛ أضف كلمة لتضييقه."),
    "So common a search ranks the {n} articles and the {n} headlines archived last; add a word to narrow it.": (
        "Une recherche aussi courante classe les {n} articles et les {n} titres archivés en dernier ; ajoutez un mot "
        "pour la préciser.",
        "هذا البحث شائع جدًا، لذا لا يُرتَّب فيه إلا آخر {n} مقال مؤرشف وآخر {n} عنوان مؤرشف؛ أضف كلمة لتضييقه."),
    "No more results: page {page} is past the last page ({pages}).": (
        "Plus de résultats : la page {page} est au-delà de la dernière ({pages}).",
        "لا مزيد من النتائج: الصفحة {page} تتجاوز الصفحة الأخيرة ({pages})."),
    "The last page": ("La dernière page", "الصفحة الأخيرة"),
    "article": ("article", "مقال"),
    "headline": ("titre", "عنوان"),
    "on the ticker {first}": ("dans le bandeau des titres le {first}", "في شريط العناوين يوم {first}"),
    " to {last}": (" jusqu’au {last}", " إلى {last}"),
    "also published by": ("aussi publié par", "نشرته أيضا"),
    "← previous": ("← précédents", "→ السابق"),
    "next →": ("suivants →", "التالي ←"),
    "No result for “{q}”.": ("Aucun résultat pour « {q} ».", "لا نتيجة لـ«{q}»."),
    "These results as": ("Ces résultats en", "هذه النتائج بصيغة"),
    "Atom feed of this search": ("Flux Atom de cette recherche", "موجز Atom لهذا البحث"),
    "(subscribe to be told of new matches)": ("(abonnez-vous pour être prévenu des nouveaux résultats)",
                                              "(اشترك لتُبلَّغ بالنتائج الجديدة)"),
    "No archived article": ("Aucun article archivé", "لا يوجد مقال مؤرشف"),
    "Nothing in this archive at {url}.": ("Rien dans cette archive à l’adresse {url}.", "لا شيء في هذا الأرشيف على الرابط {url}."),
    "Looked up as the article’s address, as the address it was fetched at and as the original paper’s address, in these forms:": (
        "Cherché comme adresse de l’article, comme adresse où il a été récupéré et comme son adresse sur le site du journal d’origine, sous ces formes :",
        "بُحث عنه بوصفه رابط المقال، والرابط الذي جُلب منه، ورابطه في موقع الصحيفة الأصلية، بهذه الصيغ:"),
    "That is not a web address.": ("Ce n’est pas une adresse web.", "هذا ليس رابط ويب."),
    "Search the archive instead:": ("Chercher plutôt dans l’archive :", "ابحث في الأرشيف بدلا من ذلك:"),
    "Search for “{words}”": ("Chercher « {words} »", "ابحث عن «{words}»"),
    "Which article? Give its URL: /-/article?url=...": (
        "Quel article ? Donnez son adresse : /-/article?url=...", "أي مقال؟ أدخل رابطه: ‎/-/article?url=..."),
    "{url} has no version {version}": ("{url} n’a pas de version {version}", "ليس لـ {url} إصدار رقم {version}"),
    "Not found": ("Introuvable", "غير موجود"),
    "Error {status}": ("Erreur {status}", "خطأ {status}"),
    # the home page
    "Latest articles": ("Derniers articles", "آخر المقالات"),
    "This archive holds {articles} ({french} in French, {arabic} in Arabic) from {papers}": (
        "Cette archive contient {articles} ({french} en français, {arabic} en arabe) de {papers}",
        "يضم هذا الأرشيف {articles} ({french} بالفرنسية و{arabic} بالعربية) من {papers}"),
    ", published from {start} to {end}": (", publiés du {start} au {end}", "، نُشرت بين {start} و{end}"),
    ", and {headlines}": (", et {headlines}", "، و{headlines}"),
    ", crawled from {hosts}": (", collectés sur {hosts}", "، جُمعت من {hosts}"),
    "articles": ("articles", "مقالات"),
    "article versions": ("versions d’articles", "إصدارات المقالات"),
    "headlines": ("titres", "عناوين"),
    "ticker sightings": ("passages dans le bandeau des titres", "مرات الظهور في شريط العناوين"),
    "crawls": ("collectes", "عمليات الجمع"),
    "papers": ("journaux", "صحف"),
    "Last crawl: {crawl} started {started}": ("Dernière collecte : {crawl} commencée le {started}",
                                              "آخر عملية جمع: {crawl} بدأت في {started}"),
    ", finished {finished} ({reason})": (", terminée le {finished} ({reason})", "، وانتهت في {finished} ({reason})"),
    ", <strong>not finished</strong> (running, or killed)": (
        ", <strong>pas terminée</strong> (en cours, ou interrompue)", "، <strong>لم تنتهِ</strong> (جارية أو أوقفت)"),
    "Articles archived from {start} to {end}.": ("Articles archivés du {start} au {end}.",
                                                 "مقالات أُرشفت بين {start} و{end}."),
    "No crawl yet: run <code>newsarchive crawl</code>.": (
        "Aucune collecte encore : lancez <code>newsarchive crawl</code>.",
        "لا توجد عملية جمع بعد: شغّل <code>newsarchive crawl</code>."),
    "{site}: last crawl {crawl}": ("{site} : dernière collecte {crawl}", "{site}: آخر عملية جمع {crawl}"),
    ", {extracted} of {pages} extracted": (", {extracted} sur {pages} extraites", "، استُخرج {extracted} من {pages}"),
    "Extraction health, site by site": ("La qualité de l’extraction, site par site", "جودة الاستخراج، موقعًا موقعًا"),
    ": each crawl’s fields, fallbacks, rejected pages and drift, with a chart.": (
        " : les champs, les replis, les pages rejetées et les dérives de chaque collecte, avec un graphique.",
        ": الحقول والبدائل والصفحات المرفوضة والانحرافات في كل عملية جمع، مع رسم بياني."),
    "No article yet.": ("Aucun article pour l’instant.", "لا توجد مقالات بعد."),
    "All articles": ("Tous les articles", "كل المقالات"),
    "(facets by paper, language, date)": ("(filtres par journal, langue, date)", "(تصفية حسب الصحيفة واللغة والتاريخ)"),
    "all headlines": ("tous les titres", "كل العناوين"),
    "Atom feed of the latest articles": ("Flux Atom des derniers articles", "موجز Atom لآخر المقالات"),
    "Questions the archive answers": ("Questions auxquelles l’archive répond", "أسئلة يجيب عنها الأرشيف"),
    "Latest headlines on the ticker": ("Les derniers titres du bandeau", "آخر عناوين الشريط"),
    "What was on the ticker at a given time": ("Ce que montrait le bandeau des titres à un moment donné",
                                               "ما كان يعرضه شريط العناوين في وقت معيّن"),
    "Articles per publisher per day": ("Articles par journal et par jour", "المقالات لكل صحيفة في اليوم"),
    "Articles per publisher per month": ("Articles par journal et par mois", "المقالات لكل صحيفة في الشهر"),
    "The most reported stories": ("Les sujets les plus repris", "أكثر الأخبار تداولًا"),
    "The same article in several papers": ("Le même article dans plusieurs journaux", "المقال نفسه في عدة صحف"),
    "Articles that changed": ("Les articles modifiés", "المقالات التي تغيّرت"),
    "Crawl health: the last runs": ("État des collectes : les plus récentes", "حالة عمليات الجمع: أحدثها"),
    "Failures and skips by reason": ("Échecs et URL écartées, par motif", "الإخفاقات والروابط المتخطاة حسب السبب"),
    ": headlines per day by paper, crawl volume": (" : titres par jour et par journal, volume des collectes",
                                                  ": العناوين يوميًا حسب الصحيفة، وحجم عمليات الجمع"),
    ": how well each site’s pages were read, crawl by crawl": (
        " : la qualité de lecture des pages de chaque site, collecte par collecte",
        ": مدى جودة قراءة صفحات كل موقع، عملية جمع بعد أخرى"),
    "Every table and query is also JSON and CSV: add <code>.json</code> or <code>.csv</code> to its address.": (
        "Chaque table et chaque requête existe aussi en JSON et en CSV : ajoutez <code>.json</code> ou "
        "<code>.csv</code> à son adresse.",
        "كل جدول وكل استعلام متاح أيضًا بصيغتي JSON وCSV: أضف <code>.json</code> أو <code>.csv</code> إلى رابطه."),
    "A search is a feed too:": ("Une recherche est aussi un flux :", "البحث موجز أيضًا:"),
    "Databases": ("Bases de données", "قواعد البيانات"),
    "list|, ": (", ", "، "),
    "finished": ("terminée", "انتهت"),
    "Headlines on the ticker per day, by paper": ("Titres du bandeau par jour, par journal",
                                                  "عناوين الشريط يوميًا، حسب الصحيفة"),
    "Crawl volume: URLs per crawl, fetched, failed and skipped": (
        "Volume des collectes : URL par collecte, récupérées, en échec et écartées",
        "حجم عمليات الجمع: الروابط في كل عملية جمع، المجلوبة والفاشلة والمتخطاة"),
    "Articles per month, by paper (published date)": ("Articles par mois, par journal (date de publication)",
                                                      "المقالات شهريًا، حسب الصحيفة (تاريخ النشر)"),
    # the health page
    "Sites": ("Sites", "المواقع"),
    "Sites:": ("Sites :", "المواقع:"),
    "⚠ Drift": ("⚠ Dérive", "⚠ انحراف"),
    HEALTH_LEDE: (
        "La qualité de lecture des pages de chaque site, collecte par collecte (les {n} dernières collectes de chaque "
        "site) : les pages analysées, les pages d’article (à une adresse d’article, ou où un article a été trouvé), "
        "les articles extraits, la part des pages d’article qui en ont donné un (<em>extraites</em>), la part des "
        "articles ayant chaque champ, la longueur médiane du texte, les pages lues par l’objet de page générique au "
        "lieu de celui du site (<em>replis</em>), les accroches d’articles payants (<em>partiels</em>) et les pages rejetées "
        "comme non-articles, par motif. Une collecte dont les parts sont tombées bien sous le niveau récent du site "
        "est signalée {mark}, avec la mesure : son niveau récent → sa valeur dans cette collecte.",
        "مدى جودة قراءة صفحات كل موقع، عملية جمع بعد أخرى (آخر {n} عملية جمع لكل موقع): الصفحات المحلَّلة، وصفحات "
        "المقالات (على رابط مقال، أو حيث وُجد مقال)، والمقالات المستخرجة، ونسبة صفحات المقالات التي أعطت مقالًا "
        "(<em>المستخرجة</em>)، ونسبة المقالات التي فيها كل حقل، والطول الوسيط للنص، والصفحات التي قرأها كائن الصفحة "
        "العام بدل كائن الموقع (<em>البدائل</em>)، ومقتطفات المحتوى المدفوع (<em>الجزئية</em>)، والصفحات المرفوضة "
        "لأنها ليست مقالات، حسب السبب. تُعلَّم بـ {mark} كل عملية جمع انخفضت نسبها كثيرًا عن مستوى الموقع في الآونة الأخيرة، "
        "مع المقياس: مستواه في الآونة الأخيرة ← قيمته في عملية الجمع تلك."),
    "{mark} in {drifted} of the {n} crawls shown": ("{mark} dans {drifted} des {n} collectes affichées",
                                                    "{mark} في {drifted} من عمليات الجمع الـ{n} المعروضة"),
    "crawl {crawl}": ("collecte {crawl}", "عملية الجمع {crawl}"),
    "{mark} in crawl {crawl}:": ("{mark} dans la collecte {crawl} :", "{mark} في عملية الجمع {crawl}:"),
    "crawl": ("collecte", "عملية الجمع"),
    "started": ("début", "البداية"),
    "pages": ("pages", "الصفحات"),
    "article pages": ("pages d’article", "صفحات المقالات"),
    "extracted": ("extraites", "المستخرجة"),
    "articles with": ("articles avec", "مقالات فيها"),
    "median body (chars)": ("longueur médiane du texte (caractères)", "الطول الوسيط للنص (حروف)"),
    "fallbacks": ("replis", "البدائل"),
    "partial": ("partiels", "الجزئية"),
    "rejected": ("rejetées", "المرفوضة"),
    "authors": ("auteurs", "المؤلفون"),
    "date": ("date", "التاريخ"),
    "time": ("heure", "الوقت"),
    "language": ("langue", "اللغة"),
    "image": ("image", "الصورة"),
    "publisher": ("journal", "الصحيفة"),
    "own parser": ("analyseur du site", "محلل الموقع"),
    "drift": ("dérive", "انحراف"),
    # the charts' notes and legend
    "Other papers": ("Autres journaux", "صحف أخرى"),
    "{other} (grey): {what}.": ("{other} (en gris) : {what}.", "{other} (بالرمادي): {what}."),
    "headlines linking to a paper outside the {n} with the most archived articles, or to a paper with no "
    "archived article (so no known name)": (
        "titres renvoyant à un journal hors des {n} qui ont le plus d’articles archivés, ou à un journal sans "
        "article archivé (donc sans nom connu)",
        "عناوين تحيل إلى صحيفة خارج الصحف الـ{n} الأكثر مقالات مؤرشفة، أو إلى صحيفة ليس لها مقال مؤرشف "
        "(فلا يُعرف اسمها)"),
    "articles of the papers outside the {n} with the most archived articles": (
        "articles des journaux hors des {n} qui ont le plus d’articles archivés",
        "مقالات الصحف خارج الصحف الـ{n} الأكثر مقالات مؤرشفة"),
    "Not shown: {count} whose link names no paper (paper unknown), on these days.": (
        "Non affichés : {count} dont le lien ne nomme aucun journal (journal inconnu), ces jours-là.",
        "غير معروضة: {count} لا يسمّي رابطها أي صحيفة (صحيفة غير معروفة)، في هذه الأيام."),
    "Not shown: {count} with no published date.": (
        "Non affichés : {count} sans date de publication.", "غير معروضة: {count} بلا تاريخ نشر."),
    "By crawl, oldest left: one bar per crawl (its number under the axis).": (
        "Par collecte, la plus ancienne à gauche : une barre par collecte (son numéro sous l’axe).",
        "حسب عملية الجمع، الأقدم على اليسار: عمود لكل عملية جمع (رقمها تحت المحور)."),
    "{site}: share of article pages extracted, and read by its own parser, per crawl": (
        "{site} : part des pages d’article extraites, et lues par son propre analyseur, par collecte",
        "{site}: نسبة صفحات المقالات المستخرجة، والمقروءة بمحلل الموقع الخاص، في كل عملية جمع"),
    "with {field}": ("avec {field}", "مع {field}"),
    "No extraction health recorded yet: every crawl records it (crawls made before it existed did not).": (
        "Pas encore de mesure de l’extraction : chaque collecte l’enregistre (les collectes antérieures à cette mesure ne le faisaient pas).",
        "لا توجد قياسات للاستخراج بعد: كل عملية جمع تسجلها (عمليات الجمع السابقة لهذه الميزة لم تكن تسجلها)."),
    "the last drift rows": ("les dernières dérives", "آخر الانحرافات"),
    "(each as JSON and CSV too). In a terminal:": ("(chacun aussi en JSON et CSV). Dans un terminal :",
                                                   "(كل منها بصيغتي JSON وCSV أيضًا). في الطرفية:"),
}

# Plural forms: English (one, other) -> French and Arabic forms by CLDR plural category.
PLURALS: dict[tuple[str, str], dict[str, dict[str, str]]] = {
    ("{n} article", "{n} articles"): {
        "fr": {"one": "{n} article", "other": "{n} articles"},
        "ar": {"zero": "{n} مقال", "one": "مقال واحد", "two": "مقالان", "few": "{n} مقالات", "many": "{n} مقالًا",
               "other": "{n} مقال"}},
    ("{n} result for “{q}”", "{n} results for “{q}”"): {
        "fr": {"one": "{n} résultat pour « {q} »", "other": "{n} résultats pour « {q} »"},
        "ar": {"zero": "لا نتيجة لـ«{q}»", "one": "نتيجة واحدة لـ«{q}»", "two": "نتيجتان لـ«{q}»",
               "few": "{n} نتائج لـ«{q}»", "many": "{n} نتيجة لـ«{q}»", "other": "{n} نتيجة لـ«{q}»"}},
    ("{n} paper", "{n} papers"): {
        "fr": {"one": "{n} journal", "other": "{n} journaux"},
        "ar": {"zero": "{n} صحيفة", "one": "صحيفة واحدة", "two": "صحيفتين", "few": "{n} صحف", "many": "{n} صحيفة",
               "other": "{n} صحيفة"}},
    ("{n} ticker headline", "{n} ticker headlines"): {
        "fr": {"one": "{n} titre du bandeau", "other": "{n} titres du bandeau"},
        "ar": {"zero": "{n} عنوان في الشريط", "one": "عنوان واحد في الشريط", "two": "عنوانان في الشريط",
               "few": "{n} عناوين في الشريط", "many": "{n} عنوانًا في الشريط", "other": "{n} عنوان في الشريط"}},
    ("{n} headline", "{n} headlines"): {
        "fr": {"one": "{n} titre", "other": "{n} titres"},
        "ar": {"zero": "{n} عنوان", "one": "عنوان واحد", "two": "عنوانان", "few": "{n} عناوين", "many": "{n} عنوانًا",
               "other": "{n} عنوان"}},
    ("{n} page", "{n} pages"): {
        "fr": {"one": "{n} page", "other": "{n} pages"},
        "ar": {"zero": "{n} صفحة", "one": "صفحة واحدة", "two": "صفحتان", "few": "{n} صفحات", "many": "{n} صفحة",
               "other": "{n} صفحة"}},
    ("{n} failed", "{n} failed"): {
        "fr": {"one": "{n} en échec", "other": "{n} en échec"},
        "ar": {"other": "{n} فشلت"}},
    ("{n} article page", "{n} article pages"): {
        "fr": {"one": "{n} page d’article", "other": "{n} pages d’article"},
        "ar": {"zero": "{n} صفحة مقال", "one": "صفحة مقال واحدة", "two": "صفحتَي مقال", "few": "{n} صفحات مقالات",
               "many": "{n} صفحة مقال", "other": "{n} صفحة مقال"}},
    ("The same article appears once more:", "The same article appears {n} more times:"): {
        "fr": {"one": "Le même article apparaît une fois de plus :", "other": "Le même article apparaît {n} fois de plus :"},
        "ar": {"one": "يظهر المقال نفسه مرة أخرى:", "two": "يظهر المقال نفسه مرتين أخريين:",
               "few": "يظهر المقال نفسه {n} مرات أخرى:", "other": "يظهر المقال نفسه {n} مرة أخرى:"}},
}


# --- the language of a request ---------------------------------------------------------------------
def supported(value: str | None) -> str | None:
    """An interface language from a language tag ("fr-FR" -> "fr"), or None."""
    primary = (value or "").strip().lower().replace("_", "-").split("-")[0]
    return primary if primary in LANGUAGES else None


def negotiate(accept_language: str | None) -> str | None:
    """The first interface language an Accept-Language header prefers (q-values honoured, ties
    in header order), or None when it names none of them."""
    best: tuple[float, int, str] | None = None
    for index, part in enumerate((accept_language or "")[:2000].split(",")[:50]):
        tag, _, params = part.partition(";")
        code = supported(tag)
        if code is None:
            continue
        q = 1.0
        match = re.search(r"q\s*=\s*([0-9.]+)", params)
        if match:
            try:
                q = float(match.group(1))
            except ValueError:
                q = 0.0
        if q <= 0:
            continue
        if best is None or (-q, index) < (-best[0], best[1]):
            best = (q, index, code)
    return best[2] if best else None


def choose(cookie_header: str | None, accept_language: str | None) -> tuple[str, bool]:
    """The interface language: the cookie's, else Accept-Language's, else DEFAULT; and whether
    the cookie chose it."""
    chosen = None
    if cookie_header:
        try:
            jar = SimpleCookie()
            jar.load(cookie_header)
            chosen = supported(jar[COOKIE].value) if COOKIE in jar else None
        except Exception:  # a malformed Cookie header: as if it had none
            chosen = None
    if chosen:
        return chosen, True
    return negotiate(accept_language) or DEFAULT, False


def language_of(request) -> str:
    """A Datasette request's interface language."""
    return choose(request.headers.get("cookie"), request.headers.get("accept-language"))[0]


def current() -> str:
    return CURRENT.get().lang


def direction(lang: str | None) -> str:
    return "rtl" if lang in RTL else "ltr"


def negotiated(app):
    """ASGI middleware: the request's language in CURRENT for everything that answers it, and
    `Vary: Accept-Language, Cookie` on the response (a page differs by both)."""

    async def wrapped(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        lang, chosen = choose(headers.get("cookie"), headers.get("accept-language"))
        raw = scope.get("raw_path") or scope.get("path", "").encode("utf-8")
        path = raw.partition(b"?")[0].decode("latin-1")
        query = scope.get("query_string", b"").decode("latin-1")
        CURRENT.set(Current(lang, path + (f"?{query}" if query else ""), chosen))

        async def varying(message):
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"vary"]
                vary = [v.strip() for k, value in message.get("headers", []) if k.lower() == b"vary"
                        for v in value.decode("latin-1").split(",") if v.strip()]
                for name in ("Accept-Language", "Cookie"):
                    if name.lower() not in (v.lower() for v in vary):
                        vary.append(name)
                values = ", ".join(vary)
                message = {**message, "headers": [*kept, (b"vary", values.encode("latin-1"))]}
            await send(message)

        return await app(scope, receive, varying)

    return wrapped


# --- translation -------------------------------------------------------------------------------------
def _lookup(msgid: str, lang: str) -> str:
    entry = MESSAGES.get(msgid)
    if lang != "en" and entry is not None:
        return entry[1] if lang == "ar" else entry[0]
    return msgid.split("|", 1)[1] if "|" in msgid and msgid.split("|", 1)[0].isidentifier() else msgid


def has(msgid: str | None, lang: str | None = None) -> bool:
    """Whether a string is translated into a language (English always is)."""
    lang = lang or current()
    return lang == "en" or (msgid in MESSAGES)


def gettext(msgid, lang: str | None = None, **params) -> Markup:
    """The translation of an English string into the language (the request's by default), as
    HTML: the catalogue's text is markup, the parameters are escaped unless Markup."""
    if msgid is None:
        return Markup("")
    msgid = str(msgid)
    if msgid not in MESSAGES and not params:  # a string from elsewhere (a title, a description): text
        return escape(msgid)
    return Markup(_lookup(msgid, lang or current())).format(**params)


def text(msgid: str, lang: str | None = None, **params) -> str:
    """The translation as plain text (an error message, a menu label), parameters as given."""
    return _lookup(msgid, lang or current()).format(**params)


def plural_form(singular: str, plural: str, count: int, lang: str | None = None) -> str:
    lang = lang or current()
    forms = PLURALS.get((singular, plural), {}).get(lang)
    if lang == "en" or forms is None:
        return singular if count == 1 else plural
    category = _PLURAL_LOCALES[lang].plural_form(abs(count))
    return forms.get(category) or forms["other"]


def ngettext(singular: str, plural: str, count: int, lang: str | None = None, **params) -> Markup:
    """The plural form of a string for count; {n} is the count in the language's digits unless given."""
    lang = lang or current()
    params.setdefault("n", number(count, lang))
    return Markup(plural_form(singular, plural, count or 0, lang)).format(**params)


# --- dates and numbers ---------------------------------------------------------------------------------
def number(value, lang: str | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)  # a share ("100%"), a label: as it is
    if isinstance(value, int) and abs(value) >= 10 ** 15:
        return str(value)  # a number no reader counts (a page number typed by hand): as given; Babel's
        # decimal context refuses the largest
    return format_decimal(value, locale=LOCALES[lang or current()])


def parse_moment(value) -> date | datetime | None:
    """A stored date ("2017-07-12") or archive timestamp ("2017-07-12T10:11:12Z", or with an
    offset) as a date or an aware UTC datetime; None for anything else."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, date):
        return value
    raw = str(value or "").strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?", raw):
        try:
            moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            return None
        return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
    return None


def format_moment(value, lang: str | None = None) -> str:
    """A date as read in the language ("12 July 2017", "12 juillet 2017", "12 يوليو 2017"); a
    timestamp with its UTC time ("12 July 2017, 10:11 UTC"); anything else as it is."""
    lang = lang or current()
    moment = parse_moment(value)
    if moment is None:
        return "" if value is None else str(value)
    locale = LOCALES[lang]
    if not isinstance(moment, datetime):
        return format_date(moment, "long", locale=locale)
    return text("{date}, {time} UTC", lang, date=format_date(moment.date(), "long", locale=locale),
                time=format_time(moment, "HH:mm", locale=locale, tzinfo=timezone.utc))


def time_tag(value, lang: str | None = None) -> Markup:
    """<time datetime="ISO">the date as read</time>, with the interface's lang and dir (it may
    stand in a text block of another language); empty for no value."""
    if value is None or value == "":
        return Markup("")
    lang = lang or current()
    shown = format_moment(value, lang)
    if parse_moment(value) is None:
        return Markup('<time dir="auto">{}</time>').format(shown)
    return Markup('<time datetime="{}" lang="{}" dir="{}">{}</time>').format(value, lang, direction(lang), shown)


# --- what templates use --------------------------------------------------------------------------------
_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")


class Interface:
    """The Jinja global `na`: the request's language and what goes with it."""

    HEALTH_LEDE = HEALTH_LEDE
    SEARCH_HELP = SEARCH_HELP
    CHARTS_LEDE = CHARTS_LEDE

    def __init__(self, datasette=None):
        self.datasette = datasette

    @property
    def lang(self) -> str:
        return current()

    @property
    def dir(self) -> str:
        return direction(current())

    def is_plugin_page(self) -> bool:
        from crawler.publish.archives import archive_names
        from crawler.publish.gate import CURRENT_ROUTE

        route = CURRENT_ROUTE.get()
        if route is None:
            return False
        if route.kind == "page":
            return True
        return route.kind == "index" and bool(self.datasette and archive_names(self.datasette))

    def page_lang(self) -> str:
        return current() if self.is_plugin_page() else "en"

    def html_attrs(self) -> Markup:
        """lang and dir of <html>: the reader's language on the plugin's pages, English on
        Datasette's own."""
        lang = self.page_lang()
        return Markup('lang="{}" dir="{}"').format(lang, direction(lang))

    def attrs(self, lang: str | None = None, text: str | None = None) -> Markup:
        """ lang="..." dir="..." for a block of text in a language (an article, a headline, a
        result); when its language is unknown, Arabic if its text (given) is in Arabic script,
        else dir="auto"."""
        if not lang and text and _ARABIC.search(str(text)):
            lang = "ar"
        if lang:
            return Markup(' lang="{}" dir="{}"').format(lang, direction(lang))
        return Markup(' dir="auto"')

    def ui_attrs(self) -> Markup:
        """lang and dir of a block in the interface's language (the nav bar on any page)."""
        return self.attrs(current())

    def date(self, value) -> str:
        return format_moment(value)

    def time(self, value) -> Markup:
        return time_tag(value)

    def num(self, value) -> str:
        return number(value)

    def bdi(self, value) -> Markup:
        """A name isolated from the text around it (a paper's name in Arabic within French)."""
        return Markup("<bdi>{}</bdi>").format(value if value is not None else "")

    def link(self, href, label) -> Markup:
        return Markup('<a href="{}">{}</a>').format(href, label)

    def strong(self, value) -> Markup:
        return Markup("<strong>{}</strong>").format(number(value))

    def translated(self, msgid) -> bool:
        return has(msgid)

    def block_lang(self, msgid) -> str:
        """The language a string shows in: the interface's when translated, else English."""
        return current() if has(msgid) else "en"

    def switch(self) -> list[dict]:
        """The language switch: each language with the link that chooses it and comes back here."""
        state = CURRENT.get()
        base = self.datasette.urls.path("/-/lang") if self.datasette is not None else "/-/lang"
        return [{"code": code, "name": NAMES[code], "dir": direction(code), "current": code == state.lang,
                 "href": base + "?" + urlencode({"to": code, "next": state.path})}
                for code in LANGUAGES]

    def archive(self, database=None) -> str | None:
        """The archive the nav's "Tables and queries" points to: this page's when it is one, else
        the first served."""
        from crawler.publish.archives import archive_names

        if self.datasette is None:
            return None
        names = archive_names(self.datasette)
        if isinstance(database, str) and database in names:
            return database
        return names[0] if names else None

    def drift_mark(self, mark: str, tag: str = "span") -> Markup:
        return Markup('<{0} class="na-drift">{1}</{0}>').format(Markup(tag), mark)

    def drift(self, drop: dict) -> str:
        """A drift measure as read: "extracted 100% → 0%", translated."""
        measure = drop.get("measure") or ""
        if measure.startswith("field:"):
            from crawler.publish.health import FIELD_LABELS

            name = measure.split(":", 1)[1]
            label = text("with {field}", field=text(FIELD_LABELS.get(name, name)))
        else:
            label = text({"extracted": "extracted", "own_parser": "own parser"}.get(measure, measure))
        try:
            return f"{label} {drop['recent']:.0%} → {drop['now']:.0%}"
        except (KeyError, TypeError, ValueError):
            return drop.get("text") or label


def site_messages() -> None:
    """Each site's description in the interface languages, from its spec ([description_in] of
    crawler/sites/<site>/site.toml): the archive's home page shows it."""
    from crawler.sites import registry

    for spec in registry.sites():
        translated = dict(spec.descriptions)
        if spec.description and {"fr", "ar"} <= translated.keys():
            MESSAGES.setdefault(spec.description, (translated["fr"], translated["ar"]))


def install(datasette) -> None:
    """The Jinja globals `_`, `_n` and `na` in a Datasette's environment (every template, error
    pages included), and the sites' descriptions in the catalogue."""
    site_messages()
    env = datasette.jinja_env
    env.globals.update({"_": gettext, "_n": ngettext, "na": Interface(datasette)})


# --- the switch: /-/lang?to=fr&next=/path ---------------------------------------------------------------
_LOCAL_PATH = re.compile(r"/(?![/\\])[^\x00-\x1f\x7f\\]*")


def safe_next(value: str | None, home: str = "/") -> str:
    """A way back that stays on this site: a path starting with one "/" (not "//" nor "/\\", no
    control character, no backslash), else the home page."""
    value = value or ""
    return value if _LOCAL_PATH.fullmatch(value) else home


async def language_switch(datasette, request):
    """Sets the language cookie (?to=en|fr|ar; anything else: the choice is forgotten, back to the
    browser's Accept-Language) and goes back to ?next= (a path of this site)."""
    from datasette.utils.asgi import Response

    to = supported(request.args.get("to"))
    home = datasette.urls.path("/")
    response = Response.redirect(safe_next(request.args.get("next"), home))
    path = datasette.urls.path("/")
    if to:
        response.set_cookie(COOKIE, to, max_age=COOKIE_AGE, path=path, samesite="lax")
    else:
        response.set_cookie(COOKIE, "", max_age=0, path=path, samesite="lax")
    return response


__all__ = ["CURRENT", "DEFAULT", "LANGUAGES", "Interface", "choose", "format_moment", "gettext",
           "install", "language_of", "language_switch", "negotiate", "negotiated", "ngettext", "safe_next",
           "text", "time_tag"]
