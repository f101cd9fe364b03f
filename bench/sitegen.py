"""Generate a synthetic Maghress-style site for the crawl benchmark (deterministic, seeded).

The layout is the one a static server maps to the site's URLs: <root>/fr/<paper-slug>/<id>
(files without an extension, served as text/html) and <root>/robots.txt. Every page is an
article page in the template the page object understands (crawler/sites/maghress/page.py):
headline ticker (a <marquee> of 50 links), report box, span.articletitle,
span.articlenewspaper credit line, span.articlecontent body split by <br>, closing line
with the link on "ici", plus the furniture of a real page (menus, inline style and
script, "most read" box, footer) up to about 80 KB.

Ticker headlines are the titles of a pool of a few hundred "recent" articles, so the same
headlines repeat across tickers as on the real site; each links to its article with a
root-relative href, so a crawl that follows them stays on the benchmark's server.
"""

from __future__ import annotations

import html
import random
from dataclasses import dataclass
from pathlib import Path

from crawler.sites import registry

SITE = registry.site("maghress")  # the site whose template the pages are written in

PAPERS = {
    "lesechos": ("Les Echos", "https://lesechos.ma"),
    "lagazette": ("La Gazette du Maroc", "https://lagazettedumaroc.com"),
    "aujourdhui": ("Aujourd'hui le Maroc", "https://aujourdhui.ma"),
    "albayane": ("Al Bayane", "https://albayane.press.ma"),
    "lopinion": ("L'Opinion", "https://lopinion.ma"),
    "marocdiplomatique": ("Maroc Diplomatique", "https://maroc-diplomatique.net"),
    "lematin": ("Le Matin", "https://lematin.ma"),
    "libe": ("Libération", "https://www.libe.ma"),
}
RUBRIQUES = (
    "Économie", "Tourisme", "Agriculture", "Énergie", "Santé", "Éducation", "Sport", "Culture",
    "Transport", "Immobilier", "Industrie", "Finance", "Diplomatie", "Environnement", "Numérique",
    "Emploi", "Justice", "Société", "Eau potable", "Automobile", "Pêche maritime", "Logistique",
)
SUJETS = (
    "Casablanca", "Marrakech", "Tanger", "Rabat", "Fès", "Agadir", "Oujda", "Meknès", "Laâyoune",
    "Kénitra", "Dakhla", "Tétouan", "El Jadida", "Béni Mellal", "l'ONCF", "Bank Al-Maghrib", "le HCP",
    "l'OCP", "la CDG", "le gouvernement", "la Chambre des représentants", "les exportateurs",
    "le secteur bancaire", "les PME", "l'ONEE", "la RAM", "Tanger Med", "l'Office des changes",
    "la région Souss-Massa", "la région de l'Oriental", "le Conseil de la concurrence", "l'AMDIE",
)
VERBES = (
    "enregistre une hausse de {p}% de", "annonce un plan de {n} millions de dirhams pour",
    "lance un programme national pour", "prévoit une baisse de {p}% de", "signe une convention sur",
    "mise sur", "accélère", "dévoile sa stratégie pour", "inaugure un nouveau centre dédié à",
    "confirme la reprise de", "revoit à la hausse ses prévisions pour", "s’engage en faveur de",
    "débloque {n} millions de dirhams pour", "double ses investissements dans", "réforme",
)
OBJETS = (
    "ses arrivées touristiques", "la production céréalière", "l'investissement industriel",
    "l'emploi des jeunes", "les énergies renouvelables", "la formation professionnelle",
    "la digitalisation des services publics", "le transport urbain", "la gestion de l'eau",
    "l'accès aux soins", "le logement social", "les exportations d'agrumes", "le dessalement",
    "la filière automobile", "les start-up", "le commerce de proximité", "l'irrigation goutte-à-goutte",
    "la sécurité routière", "les zones d'accélération industrielle", "la couverture médicale",
    "le réseau ferroviaire", "les infrastructures portuaires", "l'enseignement supérieur",
    "la préservation des oasis", "le paiement mobile", "l'économie sociale et solidaire",
)
SOURCES = (
    "de l'Observatoire du tourisme", "du Haut-Commissariat au Plan", "de Bank Al-Maghrib",
    "de l'Office des changes", "du ministère de l'Économie et des Finances", "de la DEPF",
    "de la Confédération générale des entreprises du Maroc", "de l'Agence nationale des ports",
)
PERIODES = (
    "du premier semestre", "des neuf premiers mois de l'année", "du dernier trimestre",
    "de l'exercice écoulé", "des cinq premiers mois", "de la saison estivale",
)
ACTEURS = (
    "les professionnels du secteur", "les opérateurs économiques", "les élus locaux", "les analystes",
    "les syndicats", "les associations de consommateurs", "les bailleurs de fonds", "les investisseurs",
)
SENTENCES = (
    "Selon les données {source}, {sujet} a affiché une progression de {p}% au titre {periode}, "
    "soit {n} millions de dirhams de plus qu'à la même période de l'année précédente.",
    "Pour {acteurs}, l'enjeu est désormais de consolider cette dynamique et de mieux répartir "
    "les retombées sur l'ensemble du territoire, notamment dans {region}.",
    "Le programme, doté d'une enveloppe de {n} millions de dirhams, prévoit la création de {k} "
    "emplois directs d'ici {annee} et la mise à niveau de {m} sites existants.",
    "Interrogé par notre rédaction, un responsable a estimé que « les résultats {periode2} "
    "confirment la pertinence des choix opérés depuis {annee0} ».",
    "Les chiffres publiés par {sujet} font état de {k} dossiers traités, contre {m} un an plus tôt, "
    "une évolution que {acteurs} jugent encourageante.",
    "Cette orientation s'inscrit dans le cadre du nouveau modèle de développement, qui fait de "
    "{objet} une priorité à l'horizon {annee}.",
    "Sur le terrain, {acteurs} relèvent toutefois des retards dans la réalisation de certains "
    "projets, en particulier à {ville}, où {m} chantiers restent en suspens.",
    "Le taux de réalisation atteint {p}% à fin {mois}, contre {p2}% l'an dernier, selon les "
    "estimations {source}.",
    "Une réunion de suivi est prévue le {jour} {mois} à {ville} pour arrêter le calendrier des "
    "prochaines étapes et les modalités de financement.",
    "À moyen terme, les autorités tablent sur une croissance annuelle moyenne de {p3}% et sur "
    "{k} nouveaux bénéficiaires chaque année.",
    "D'après {acteurs}, la hausse des coûts de l'énergie et des intrants pèse encore sur les "
    "marges, malgré une demande intérieure soutenue.",
    "La prochaine édition du rapport, attendue pour {mois} {annee}, devrait permettre d'affiner "
    "ces projections à l'échelle de chaque province.",
)
VILLES = SUJETS[:14]
CONTRACTIONS = ((" de le ", " du "), (" de les ", " des "), (" à le ", " au "), (" à les ", " aux "),
                (" de des ", " des "), (" de du ", " du "))
MOIS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
        "octobre", "novembre", "décembre")
MENU = (
    ("Accueil", "/fr"), ("Politique", "/fr/politique"), ("Économie", "/fr/economie"),
    ("Société", "/fr/societe"), ("Régions", "/fr/regions"), ("Culture", "/fr/culture"),
    ("Sport", "/fr/sport"), ("Monde", "/fr/monde"), ("Santé", "/fr/sante"),
    ("Médias", "/fr/medias"), ("Vidéos", "/fr/videos"), ("Contact", "/fr/contact"), ("عربي", "/"),
)


@dataclass
class ArticleSpec:
    slug: str
    id: int
    title: str
    day: int
    month: int
    year: int

    @property
    def path(self) -> str:
        return f"/fr/{self.slug}/{self.id}"


def _elide(text: str) -> str:
    """French contractions the templates produce: de le -> du, à les -> aux, ..."""
    for wrong, right in CONTRACTIONS:
        text = text.replace(wrong, right)
    return text


def _title(rng: random.Random) -> str:
    verbe = rng.choice(VERBES).format(p=rng.randint(2, 48), n=rng.randint(5, 950))
    return _elide(f"{rng.choice(RUBRIQUES)} : {rng.choice(SUJETS)} {verbe} {rng.choice(OBJETS)}")


def _sentence(rng: random.Random) -> str:
    return _elide(rng.choice(SENTENCES).format(
        source=rng.choice(SOURCES), sujet=rng.choice(SUJETS), periode=rng.choice(PERIODES),
        periode2=rng.choice(PERIODES), acteurs=rng.choice(ACTEURS), objet=rng.choice(OBJETS),
        region=rng.choice(("le Sud", "l'Oriental", "le Rif", "les provinces du Sud", "l'Atlas")),
        ville=rng.choice(VILLES), mois=rng.choice(MOIS), jour=rng.randint(1, 28),
        p=f"{rng.randint(1, 40)},{rng.randint(0, 9)}", p2=f"{rng.randint(1, 40)},{rng.randint(0, 9)}",
        p3=f"{rng.randint(1, 7)},{rng.randint(0, 9)}", n=rng.randint(12, 9800), k=rng.randint(150, 45000),
        m=rng.randint(3, 900), annee=rng.randint(2026, 2035), annee0=rng.randint(2015, 2023),
    ))


def _paragraph(rng: random.Random) -> str:
    text = " ".join(_sentence(rng) for _ in range(rng.randint(2, 4)))
    text = html.escape(text, quote=False)
    if rng.random() < 0.3:  # some inline markup, as in the real bodies
        words = text.split(" ")
        i = rng.randrange(len(words))
        words[i] = f"<b>{words[i]}</b>"
        text = " ".join(words)
    return text


def plan_articles(n: int, rng: random.Random) -> list[ArticleSpec]:
    """n articles with distinct ids and distinct titles, spread over the papers."""
    slugs = list(PAPERS)
    ids: set[tuple[str, int]] = set()
    titles: set[str] = set()
    specs = []
    while len(specs) < n:
        slug = rng.choice(slugs)
        aid = rng.randint(1000, 999999)
        title = _title(rng)
        if (slug, aid) in ids or title.casefold() in titles:
            continue
        ids.add((slug, aid))
        titles.add(title.casefold())
        specs.append(ArticleSpec(slug, aid, title, rng.randint(1, 28), rng.randint(1, 12), 2025))
    return specs


def _style(rng: random.Random) -> str:
    rules = [
        ".articletitle{display:block;font-size:22px;font-weight:bold;color:#0b3d6b}",
        ".articlenewspaper{display:block;color:#777;font-size:12px}",
        ".articlecontent{display:block;line-height:1.6}",
        "#reportbox{display:none}",
        "marquee a{color:#b00}",
    ]
    for i in range(140):
        rules.append(
            f".blk-{i} .item-{rng.randint(1, 99)} > a:hover{{color:#{rng.randrange(0x1000000):06x};"
            f"margin:{rng.randint(0, 20)}px {rng.randint(0, 20)}px;padding:{rng.randint(0, 12)}px;"
            f"border-bottom:1px solid #{rng.randrange(0x1000000):06x}}}"
        )
    return "<style>\n" + "\n".join(rules) + "\n</style>"


def _script(rng: random.Random, size: int, paper: str) -> str:
    """Inline script of about `size` characters (ad slots, tracking config), as real pages carry."""
    lines = [
        "<script>",
        f'var maghress_ad = {{slot: "article-bottom", paper: "{paper}", '
        'note: "Cliquez ici pour lire l\'article depuis sa source."};',
        "window.dataLayer = window.dataLayer || [];",
    ]
    total = sum(len(x) + 1 for x in lines)
    i = 0
    while total < size:
        line = (
            f'dataLayer.push({{"event":"slot_{i}","slot":"div-gpt-ad-{rng.randrange(10**12):012d}-{i}",'
            f'"sizes":[[300,250],[{rng.choice((728, 970, 320))},{rng.choice((90, 250, 50))}]],'
            f'"targeting":{{"rubrique":"{rng.choice(RUBRIQUES)}","pos":{rng.randint(1, 9)}}}}});'
        )
        lines.append(line)
        total += len(line) + 1
        i += 1
    lines.append("</script>")
    return "\n".join(lines)


def render_article(spec: ArticleSpec, pool: list[ArticleSpec], everything: list[ArticleSpec],
                   rng: random.Random, ticker_size: int, target_bytes: int) -> str:
    paper, source_site = PAPERS[spec.slug]
    title = html.escape(spec.title, quote=False)
    title_attr = html.escape(spec.title)
    # Ticker: a window of the pool (the latest headlines, in a moving order), like the real one.
    start = rng.randrange(len(pool))
    items = [pool[(start + k) % len(pool)] for k in range(ticker_size)]
    ticker = "&nbsp;&nbsp;&nbsp;&nbsp;".join(
        f'<a href="{a.path}">{html.escape(a.title, quote=False)}</a>' for a in items
    ) + "&nbsp;&nbsp;&nbsp;&nbsp;"
    paragraphs = [_paragraph(rng) for _ in range(rng.randint(6, 11))]
    body = "<br>\n    ".join(paragraphs) + "<br>"
    most_read = "\n".join(
        f'    <li class="item-{k}"><a href="{a.path}">{html.escape(a.title, quote=False)}</a></li>'
        for k, a in enumerate(rng.sample(everything, 10), 1)
    )
    menu = "\n".join(f'    <li><a href="{href}">{html.escape(label)}</a></li>' for label, href in MENU)
    papers_menu = "\n".join(
        f'    <li><a href="/fr/{slug}">{html.escape(name)}</a></li>' for slug, (name, _) in PAPERS.items()
    )
    footer_links = "\n".join(
        f'    <li><a href="/fr/{slug}">{html.escape(name)}</a> · <a href="{site}" rel="nofollow">{site}</a></li>'
        for slug, (name, site) in PAPERS.items()
    )
    date = f"{spec.day:02d} - {spec.month:02d} - {spec.year}"
    source_url = f"{source_site}/{rng.choice(RUBRIQUES).lower().replace(' ', '-')}/{spec.id}-{rng.randrange(10**6)}/"
    head = f"""<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Maghress : {title}</title>
<meta name="description" content="{title_attr}">
<link rel="canonical" href="https://www.maghress.com{spec.path}">
<meta property="og:type" content="article">
<meta property="og:title" content="{title_attr}">
<meta property="og:url" content="https://www.maghress.com{spec.path}">
<meta property="og:image" content="https://images2.maghress.com/{spec.slug}/{spec.id}/thumb">
{_style(rng)}
"""
    page_top = f"""</head>
<body>
<div id="header">
  <a href="/fr"><img src="/img/logo.png" alt="Maghress"></a>
  <ul class="menu">
{menu}
  </ul>
  <ul class="papers">
{papers_menu}
  </ul>
  <form action="/fr/search" method="get"><input type="text" name="q" placeholder="Rechercher"><input type="submit" value="OK"></form>
</div>
<marquee behavior="scroll" direction="left" scrollamount="4" onmouseover="this.stop();" onmouseout="this.start();">{ticker}</marquee>

<div id="reportbox" class="report">
  <span>Merci d'avoir signalé!</span>
  <span>Cette image sera automatiquement bloquée après qu'elle soit signalée par plusieurs personnes.</span>
</div>

<div id="article">
  <span class="articletitle">{title}</span>
  <span class="articlenewspaper">Publié dans <a href="/fr/{spec.slug}">{html.escape(paper)}</a> le {date}</span>
  <img src="https://images2.maghress.com/{spec.slug}/{spec.id}/thumb" alt="{title_attr}" class="articleimage">
  <span class="articlecontent">
    {body}
  </span>
"""
    page_bottom = f"""  <div class="articlesource">Cliquez <a href="{source_url}" target="_blank" rel="nofollow">ici</a> pour lire l'article depuis sa source.</div>
</div>

<div id="mostread" class="blk-1">
  <h3>Les plus lus</h3>
  <ul>
{most_read}
  </ul>
</div>

<div id="footer">
  <ul class="sources">
{footer_links}
  </ul>
  <a href="https://www.facebook.com/maghress"><img src="/img/facebook.png" alt="Facebook"></a>
  <a href="https://twitter.com/maghress"><img src="/img/twitter.png" alt="Twitter"></a>
  <p>© 2025 Maghress. Maghress est un moteur de recherche d'actualités: les articles appartiennent à leurs sources. <a href="/fr/contact">Contact</a></p>
</div>
</body>
</html>
"""
    fixed = len((head + page_top + page_bottom).encode("utf-8"))
    script = _script(rng, max(0, target_bytes - fixed - 1), spec.slug)
    return head + page_top + script + "\n" + page_bottom


def generate_site(root: Path, pages: int = 2000, *, seed: int = 20250822, ticker_size: int = 50,
                  pool_size: int = 300, page_kb: int = 80) -> list[str]:
    """Write the site under root; return the URL paths of its article pages, in generation order."""
    rng = random.Random(seed)
    specs = plan_articles(pages, rng)
    pool = specs[: max(ticker_size, min(pool_size, len(specs)))]
    root.mkdir(parents=True, exist_ok=True)
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\n", encoding="utf-8")
    for spec in specs:
        page = render_article(spec, pool, specs, rng, min(ticker_size, len(pool)), page_kb * 1000)
        path = root / spec.path.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(page.encode("utf-8"))
    return [spec.path for spec in specs]
