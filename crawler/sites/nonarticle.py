"""Pages that a page object might take for an article but that are not one, and why.

Pure: a fetched page (URL, status, HTML, and what a page object already extracted) in, a
`Verdict` out; no Scrapy, no I/O. Four kinds of page are told apart from ordinary ones:

- ``soft_404``: a page saying the page or article does not exist or was removed (any status);
- ``bot_wall``: a challenge or block page (Cloudflare, Akamai, DataDome, PerimeterX, Imperva,
  captchas...);
- ``consent_wall``: a cookie/consent dialog standing instead of the content;
- a paywall teaser: still an article, but cut short (reason None, ``partial`` True).

Precision matters more than recall: an article *about* an outage, a Cloudflare page or cookies,
with a small cookie banner or a newsletter box, must stay an article. So a phrase counts for
where it stands, not for being there:

- in the page's head (the <title>, split at its separators, the h1s, the title the page object
  extracted) it counts when it covers that text (at most LEFTOVER_WORDS other words around it);
- in the visible text it counts only when the page has little article text (LONG_PROSE), in a
  short block (not a link, not quoted), or, for consent and paywall phrases, in any block;
- structural signals weigh in: challenge scripts and forms, consent-manager containers, meta
  robots noindex, the status, a 404-like URL, JSON-LD isAccessibleForFree, article:content_tier.

The phrase lists are data (dicts per language, below). Entries are regular expression fragments
written in plain lower case; they are folded like the text (accents and Arabic marks removed,
apostrophes unified), so "é" and "e", "أ" and "ا" match alike. Do not use upper-case escapes
(\\S, \\W, \\D) in them: folding lowers them.

Speed: on a page with an article's worth of <p> text (the common case) one pass of lxml's own
iteration over p, h1, meta and script elements decides, with phrase search limited to the
paragraphs holding a reason's trigger substrings (TRIGGERS); only pages with little <p> text are
walked block by block.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from urllib.parse import urlsplit

from lxml import etree

__all__ = ["PAYWALL", "REASONS", "Verdict", "classify"]

SOFT_404 = "soft_404"
BOT_WALL = "bot_wall"
CONSENT_WALL = "consent_wall"
REASONS = (SOFT_404, BOT_WALL, CONSENT_WALL)
PAYWALL = "paywall"  # the name of the partial flag (a teaser of a paywalled article)


@dataclass(frozen=True)
class Verdict:
    """What a page is: `reason` one of REASONS (not an article) or None (an ordinary page);
    `partial` True for a paywalled article cut to a teaser; `evidence` what matched, for logs."""

    reason: str | None
    partial: bool = False
    evidence: str | None = None

    @property
    def flag(self) -> str | None:
        """PAYWALL for a partial page, else None."""
        return PAYWALL if self.partial else None


ORDINARY = Verdict(None)

# --- Phrases, per language ---------------------------------------------------------------------
# Labels: short texts that say it all when they are (nearly) the whole of a title, an h1 or a
# short block ("Page introuvable", "Just a moment..."), and mean little inside a sentence.
# Sentences: texts that a wall or an error page says of itself ("la page que vous recherchez
# n'existe pas"); they count in the visible text of a page with little article text.

SOFT_404_LABELS = {
    "en": (r"page not found", r"(error )?404( error)?", r"404 (page )?not found", r"not found", r"file not found",
           r"page (is )?(unavailable|missing)", r"(article|story|content|post) not found", r"nothing (was )?found",
           r"(this )?page (does not|doesn't) exist", r"(410 )?gone", r"broken link", r"dead link"),
    "fr": (r"page introuvable", r"page non trouvee", r"page inexistante", r"erreur 404", r"page d'erreur",
           r"(article|contenu|page) (introuvable|indisponible|non disponible)", r"introuvable",
           r"(cette )?page n'existe (pas|plus)", r"lien (mort|brise|invalide)"),
    "ar": (r"(الصفحه )?غير موجوده", r"خطا 404", r"404 خطا", r"الخطا 404", r"الصفحه (المطلوبه )?غير (موجوده|متوفره|متاحه)",
           r"لم يتم العثور على (الصفحه|المقال|الخبر|المحتوي)", r"(المقال|الخبر|المحتوي) غير (موجود|متوفر|متاح)",
           r"صفحه غير موجوده", r"الصفحه غير موجوده"),
    "es": (r"pagina no encontrada", r"error 404", r"pagina no disponible", r"(la )?pagina no existe"),
    "de": (r"seite nicht gefunden", r"fehler 404", r"seite nicht verfugbar", r"(die )?seite existiert nicht"),
    "it": (r"pagina non trovata", r"errore 404", r"pagina non (disponibile|esistente)"),
    "pt": (r"pagina nao encontrada", r"erro 404", r"pagina inexistente"),
    "nl": (r"pagina niet gevonden", r"fout 404"),
    "tr": (r"sayfa bulunamadi", r"hata 404", r"404 hatasi"),
    "ru": (r"страница не найдена", r"ошибка 404"),
}
# Interjections that go with an error page but prove nothing alone (half weight).
SOFT_404_WEAK_LABELS = {
    "en": (r"oops!?", r"whoops!?", r"sorry!?", r"uh[ -]oh!?", r"error"),
    "fr": (r"oups!?", r"oops!?", r"desole!?", r"erreur"),
    "ar": (r"عذرا", r"عفوا", r"نعتذر", r"خطا"),
    "es": (r"ups!?", r"lo sentimos"),
    "de": (r"hoppla!?", r"ups!?", r"fehler"),
    "it": (r"ops!?", r"spiacenti"),
}
SOFT_404_SENTENCES = {
    "en": (r"(we )?(can't|cannot|couldn't|could not|can not) (seem to )?find (the|that|this|your) (page|article|story|content)"
           r"( you('re| are| were) looking for| you requested)?",
           r"the page you (are|were|'re) (looking for|trying to (reach|access|find)|requested)",
           r"(this|the|that) (page|article|story|content|url|link) (you requested |you are looking for |you're looking for )?"
           r"(does not|doesn't|no longer|did not|didn't|may not) exists?",
           r"(this|the|that) (page|article|story|content|post) (has been|was|may have been|might have been) "
           r"(removed|deleted|taken down|unpublished|moved|archived)",
           r"the requested (page|url|article|resource) (was not found|could not be found|does not exist|is not available|"
           r"cannot be found|was not found on this server)",
           r"sorry,? (but )?(this|the|that) (page|article|content) (isn't|is not|is no longer) available",
           r"(this|the) (page|article|content) (is )?no longer available",
           r"(page|article|content) (you requested )?(could not|cannot|can't) be found",
           r"(the )?link you (followed|clicked) (may be|is|was|might be) (broken|incorrect|outdated)",
           r"nothing (was )?found (at|for) this (location|address|url)",
           r"(check|double-check) the (url|address|spelling)"),
    "fr": (r"la page (que vous (re)?cherchez|demandee|recherchee|souhaitee|a laquelle vous (tentez|essayez) d'acceder|"
           r"que vous avez demandee) (n'existe (pas|plus)|est introuvable|n'est (pas|plus) disponible|a ete (supprimee|deplacee|retiree)|"
           r"est (temporairement )?indisponible|a peut-etre ete)",
           r"(cette|la) page (est )?(n'existe (pas|plus)|introuvable|n'est plus disponible)",
           r"(cet article|ce contenu|cette page|cette publication) (n'existe (pas|plus)|a ete (supprimee?|retiree?|depubliee?|deplacee?)|"
           r"n'est plus (disponible|accessible|en ligne))",
           r"(nous ne (trouvons|parvenons a trouver) pas|impossible de trouver|nous n'avons pas (pu )?trouve) (la|cette|votre) page",
           r"(le contenu|l'article|la page) que vous (re)?cherchez",
           r"(le lien|l'adresse|l'url) (que vous avez (suivi|saisie?|utilisee?) )?(est|semble|peut etre) (errone|incorrecte?|casse|invalide)",
           r"verifiez l'(adresse|url|orthographe)"),
    "ar": (r"الصفحه التي (تبحث|تحاول|طلبتها)", r"(الصفحه|المقال|الخبر|المحتوي) (المطلوبه?|الذي تبحث عنه|التي تبحث عنها) "
           r"(غير (موجود|متوفر|متاح)ه?|لم يعد (موجودا|متوفرا|متاحا)|لم تعد (موجوده|متوفره|متاحه))",
           r"(هذه الصفحه|هذا المقال|هذا الخبر|هذا المحتوي) (غير (موجود|متوفر|متاح)ه?|لم (يعد|تعد) (موجود|متوفر|متاح)ه?|تم حذفه?ا?)",
           r"(تم|قد تم) (حذف|نقل|ازاله) (هذه الصفحه|هذا المقال|هذا الخبر|هذا المحتوي|الصفحه|المقال|الخبر)",
           r"لم (يتم|نتمكن من) العثور على (الصفحه|المقال|الخبر|المحتوي)", r"الرابط (الذي اتبعته )?(غير صحيح|معطل|خاطئ)"),
    "es": (r"la pagina que (buscas|busca|estas buscando|solicitaste) (no existe|no esta disponible|ha sido)",
           r"no (hemos podido|pudimos|podemos) encontrar (la|esta) pagina"),
    "de": (r"die (von ihnen )?(gesuchte|angeforderte|aufgerufene) seite (existiert nicht|wurde nicht gefunden|ist nicht)",
           r"(diese seite|dieser artikel) (existiert nicht|ist nicht mehr verfugbar|wurde (entfernt|geloscht))"),
    "it": (r"la pagina che (stai cercando|hai richiesto|cerchi) (non esiste|non e disponibile|e stata)",),
    "pt": (r"a pagina que (voce )?(procura|esta procurando|solicitou) (nao existe|nao esta disponivel|foi)",),
}

BOT_LABELS = {
    "en": (r"just a moment\.*", r"one moment,? please\.*", r"please wait\.*", r"attention required!?", r"access denied",
           r"access to this page has been denied\.?", r"pardon our interruption\.*", r"checking your browser\.*",
           r"security check(point)?", r"(vercel )?security checkpoint", r"robot check", r"are you a (robot|human)\??",
           r"human verification", r"verify(ing)? (that )?you are (a )?human", r"request (blocked|rejected|denied)",
           r"(403 )?forbidden", r"you (have been|are) blocked", r"ddos-guard", r"ddos protection by \w+",
           r"sucuri website firewall", r"access denied", r"bot verification", r"one more step",
           r"please verify you are a human", r"captcha", r"are you human"),
    "fr": (r"un (instant|moment)\.*", r"veuillez patienter\.*", r"acces (refuse|interdit|bloque)", r"verification (de securite|en cours)\.*",
           r"verification (humaine|anti-robot)", r"vous avez ete bloque", r"requete bloquee"),
    "ar": (r"لحظه\.*", r"لحظه من فضلك\.*", r"يرجي الانتظار\.*", r"(تم )?(رفض|منع) الوصول", r"الوصول (مرفوض|ممنوع)",
           r"التحقق من (الامان|الامن|انك انسان)", r"فحص امني"),
    "es": (r"un momento\.*", r"acceso denegado", r"verificacion de seguridad"),
    "de": (r"(nur )?einen moment\.*", r"zugriff verweigert", r"sicherheitsuberprufung"),
    "it": (r"solo un momento\.*", r"accesso negato"),
    "pt": (r"um momento\.*", r"acesso negado"),
}
BOT_SENTENCES = {
    "en": (r"checking (if the site connection is secure|your browser before accessing|your browser)",
           r"verify(ing)? (that )?you are (a )?human", r"enable javascript and cookies to continue",
           r"needs to review the security of your connection", r"you don't have permission to access",
           r"you do not have permission to access", r"reference ?#\d+\.", r"why have i been blocked",
           r"(this|the) website is using a security service to protect itself",
           r"performance (&|and) security by cloudflare", r"cloudflare ray id", r"please complete the security check",
           r"press (&|and) hold", r"access to this page has been denied", r"please verify you are a human",
           r"(unusual|suspicious) (traffic|activity) from your (computer|network|device|ip)",
           r"something about your browser made us think you were a bot", r"pardon our interruption",
           r"your (request|access|ip( address)?) (has been|was|is) blocked", r"the requested url was rejected",
           r"incapsula incident id", r"request unsuccessful", r"we need to make sure (that )?you('re| are) not a robot",
           r"make sure you('re| are) not a robot", r"to continue, please (complete|solve)", r"prove you('re| are) human",
           r"i am not a robot", r"i'm not a robot", r"your browser (is being|will be) (checked|redirected)",
           r"(please )?(enable|turn on) (javascript|cookies) (and|&) (cookies|javascript)",
           r"automated (queries|requests|access)", r"blocked by (the )?(website|site)'s? (security|firewall)",
           r"this request was blocked"),
    "fr": (r"verifi(ons|ez|cation|er) (que|si) vous (etes|n'etes pas) (un )?(humain|robot)",
           r"(nous devons|il faut) (verifier|nous assurer) que vous (etes|n'etes pas)",
           r"(activez|activer) (le )?javascript et (les )?cookies", r"vous n'avez pas (l'autorisation|la permission) d'acceder",
           r"verification de (votre|la securite de votre) (navigateur|connexion)", r"votre (navigateur|connexion) (est|va etre) (verifie|en cours)",
           r"(trafic|activite) inhabituel(le)? (provenant )?de votre", r"votre (requete|acces|adresse ip) a ete bloquee?",
           r"je ne suis pas un robot"),
    "ar": (r"(تحقق|التحقق|نتحقق) من (انك|أنك|كونك) (انسان|لست روبوت)", r"ليس لديك (اذن|صلاحيه|الصلاحيه) (للوصول|الوصول|بالوصول)",
           r"(يرجي|الرجاء) (تمكين|تفعيل) (جافا ?سكريبت|الجافا ?سكريبت)", r"(يتم|جار) التحقق من (متصفحك|اتصالك)",
           r"لست (انسانا|روبوتا)", r"انا لست روبوت", r"تم (حظر|حجب) (طلبك|وصولك|عنوان)"),
    "es": (r"verifica(r|ndo)? que (eres|es) (un )?humano", r"no soy un robot"),
    "de": (r"(bestatigen|uberprufen) sie, dass sie (ein )?mensch", r"ich bin kein roboter"),
}
# Raw markers of challenge pages (substrings of the HTML, lower case). Strong ones appear on
# challenge pages only; weak ones (captcha widgets, Cloudflare's script on ordinary pages) also
# on contact forms and ordinary pages.
BOT_STRONG_MARKERS = (
    'id="challenge-form"', "_cf_chl_opt", "cf-browser-verification", "/cdn-cgi/challenge-platform/h/",
    'id="challenge-running"', 'id="challenge-body-text"', "cf-error-details", "cf_chl_",
    "captcha-delivery.com", "px-captcha", "/_incapsula_resource", "incapsula incident", "sgcaptcha",
    "distil_r_captcha", "sucuri_cloudproxy", "errors.edgesuite",
)
# Also on ordinary pages of protected sites (the vendor's sensor script) or on forms.
BOT_WEAK_MARKERS = ("g-recaptcha", "recaptcha/api.js", "h-captcha", "hcaptcha.com", "challenges.cloudflare.com",
                    "turnstile", "/cdn-cgi/challenge-platform/", "datadome", "perimeterx", "_pxappid", "awswaf",
                    "ddos-guard", "kpsdk")

CONSENT_LABELS = {
    "en": (r"before you continue( to \w+)?", r"we value your privacy", r"your privacy (choices|matters|settings|options)",
           r"(cookie|privacy|consent) (settings|preferences|choices|notice|consent|policy)", r"cookies? consent",
           r"manage (cookies|consent|privacy)", r"(accept|allow) (all )?cookies", r"this (site|website) uses cookies",
           r"privacy (center|centre|manager)"),
    "fr": (r"avant de continuer", r"(nous respectons|le respect de) votre vie privee", r"vos choix (en matiere de|concernant les) cookies",
           r"(gestion|parametres|parametrage|preferences) (des )?(cookies|de confidentialite|de consentement)",
           r"vie privee et cookies", r"(accepter|refuser) (les )?cookies", r"votre consentement"),
    "ar": (r"قبل (ان )?(تتابع|المتابعه|الاستمرار)", r"(نحن )?(نحترم|نقدر) خصوصيتك", r"خصوصيتك", r"ملفات تعريف الارتباط",
           r"(اعدادات|اداره) (الخصوصيه|ملفات تعريف الارتباط)"),
    "es": (r"antes de continuar", r"valoramos tu privacidad", r"(configuracion|preferencias) de cookies"),
    "de": (r"bevor sie fortfahren", r"wir respektieren ihre privatsphare", r"(cookie|datenschutz)-?einstellungen"),
    "it": (r"prima di continuare", r"rispettiamo la tua privacy"),
}
CONSENT_SENTENCES = {
    "en": (r"we and our (\d+ |trusted |advertising )?(partners|vendors) (use|store|process|may)",
           r"(we|this (site|website)) uses? cookies( and similar technologies)?( to)?",
           r"store and/or access information on a device", r"accept (all|and continue|& continue|and close|cookies)",
           r"(reject|decline|refuse) (all|cookies)", r"manage (your )?(preferences|options|settings|choices|cookies|consent)",
           r"(your|personal) data (will be|is|may be) (processed|used|shared)", r"by clicking (\")?(accept|agree|i agree|ok)",
           r"(personalised|personalized) (ads|advertising) and content", r"legitimate interest",
           r"you can (change|withdraw|modify) your (choices|consent|preferences)",
           r"(we|yahoo|google) (and our partners )?use cookies"),
    "fr": (r"nous et nos (\d+ )?(partenaires|fournisseurs) (utilisons|stockons|traitons|accedons|deposons)",
           r"(nous utilisons|ce site utilise|notre site utilise) des cookies", r"stocker et/ou acceder a des informations sur un appareil",
           r"(accepter|tout accepter) (et|&) (continuer|fermer)", r"tout (accepter|refuser)", r"continuer sans accepter",
           r"(gerer|personnaliser|parametrer) (les |mes |vos )?(preferences|options|choix|cookies|parametres)",
           r"vos donnees personnelles", r"en cliquant sur (\")?(accepter|j'accepte|tout accepter|ok)", r"interet legitime",
           r"publicites et contenu personnalises", r"vous pouvez (modifier|retirer|changer) (votre consentement|vos choix)",
           r"(accepter|refuser) (les )?cookies"),
    "ar": (r"(نحن|نستخدم) (و ?شركاؤنا|وشركاؤنا)", r"نستخدم (ملفات تعريف الارتباط|الكوكيز|ملفات الكوكيز)",
           r"(قبول|موافق علي) (الكل|الجميع|و ?المتابعه|ملفات تعريف الارتباط)", r"رفض (الكل|الجميع)",
           r"(اداره|تخصيص) (الخيارات|التفضيلات|الاعدادات)", r"بياناتك الشخصيه", r"تخزين و/?او الوصول الي المعلومات"),
    "es": (r"nosotros y nuestros socios", r"(aceptar|rechazar) todo", r"utilizamos cookies"),
    "de": (r"wir und unsere (\d+ )?partner", r"alle (akzeptieren|ablehnen)", r"wir verwenden cookies"),
    "it": (r"noi e i nostri (\d+ )?(partner|fornitori)", r"accetta tutto", r"utilizziamo (i )?cookie"),
}
# Class or id of a consent manager's container (Didomi, OneTrust, Sourcepoint, Quantcast,
# Cookiebot, Usercentrics, Google Funding Choices, Axeptio, tarteaucitron, Complianz...).
CONSENT_CONTAINER = (
    "didomi", "onetrust", "optanon", "sp_message", "sp-message", "qc-cmp", "cmp-", "cmp_", "consent", "cookie", "gdpr",
    "truste", "usercentrics", "cookiebot", "cybot", "axeptio", "fc-consent", "fc-dialog", "tarteaucitron", "cmplz",
    "iubenda", "quantcast", "sourcepoint", "privacy-banner", "privacy-center", "privacy-notice",
)

PAYWALL_SENTENCES = {
    "en": (r"subscribe (now )?to (continue|keep) reading", r"(to )?(continue|keep) reading,? (please )?(subscribe|sign in|log in|register)",
           r"(this|the) (article|story|content|rest of this article) is (only )?(available|reserved|exclusive)? ?(to|for) "
           r"(subscribers|members|paying|premium)", r"(only|exclusively) (available )?(to|for) (subscribers|members|premium)",
           r"you('ve| have) (reached|used) your (limit|free articles|monthly|article limit)",
           r"already a (subscriber|member)\? (sign|log) in", r"subscribe to (read|unlock|access) (the (full|whole|rest of the) "
           r"(article|story)|this (article|story)|more)", r"the rest of this (article|story) is",
           r"unlock (this|the full) (article|story)", r"subscriber(s)?[- ]only (content|article|story)",
           r"this is a (premium|subscriber[- ]only) (article|story)", r"read the full (article|story) (with|by subscribing)"),
    "fr": (r"il vous reste \d+([.,]\d+)? ?% (de cet article|a lire|a decouvrir)", r"la suite (de cet article )?est reservee",
           r"(cet article|ce contenu|la suite de cet article|cette page) est reserve(e)? (aux|a nos) (abonnes|membres)",
           r"pour lire la suite(, | de cet article,? )?(abonnez|connectez|inscrivez)",
           r"(abonnez-vous|connectez-vous) pour (lire|continuer|acceder a) (la suite|cet article|l'article|l'integralite)",
           r"(lisez|lire) (la suite|l'article en entier|cet article) (en vous abonnant|avec votre abonnement)",
           r"deja abonne\s?\? (connectez|identifiez)", r"vous avez atteint (votre|la) limite"),
    "ar": (r"(هذا )?(المحتوي|المقال|الخبر) (حصري|متاح فقط|مخصص) (ل|لل)?(المشتركين|للمشتركين|المشتركين فقط)",
           r"(اشترك|اشتركوا) (الان )?(لمتابعه|لقراءه|للاطلاع علي) (القراءه|المقال|باقي|بقيه|المزيد)",
           r"(لقراءه|لمتابعه) (باقي|بقيه|كامل) (المقال|الخبر|الموضوع)", r"حصري (ل|لل)?المشتركين", r"للمشتركين فقط",
           r"هل انت مشترك"),
    "es": (r"(este|el) (articulo|contenido) es exclusivo para (suscriptores|socios)", r"suscribete para (seguir|continuar) leyendo"),
    "de": (r"(dieser artikel|der vollstandige artikel) ist (nur )?(fur|exklusiv fur) (abonnenten|abonnentinnen)",
           r"weiterlesen mit", r"jetzt (abonnieren|abo abschliessen) und weiterlesen"),
    "it": (r"(questo articolo|il contenuto) e riservato agli abbonati", r"abbonati per (continuare|leggere)"),
    "pt": (r"(este|o) (artigo|conteudo) e exclusivo para assinantes", r"assine para continuar lendo"),
}
# Labels a paywalled article carries near its title; counted outside links and lists only.
PAYWALL_LABELS = {
    "en": (r"(subscribers?|members?)[- ]only", r"premium( article| content)?", r"subscriber exclusive", r"exclusive to subscribers"),
    "fr": (r"(article )?reserve (aux|a nos) abonnes", r"abonnes", r"premium", r"exclusivite abonnes", r"article abonne"),
    "ar": (r"(حصري )?(لل|ل)?مشتركين", r"مميز"),
    "de": (r"(nur )?(fur|mit) abonnenten", r"abo-?artikel"),
}
PAYWALL_CONTAINER = (
    "paywall", "pay-wall", "regwall", "premium-box", "premium-wall", "premium-banner", "premiumbox", "subscribe-wall",
    "subscription-wall", "subscriber-only", "subscribers-only", "article-locked", "locked-content", "metered", "meter-wall",
    "abo-box", "abowall", "abo-wall", "tp-container", "piano-",
)
# The paywalled part's selector (schema.org hasPart WebPageElement), when a plain class.
JSON_LD_SELECTOR = re.compile(r'"cssSelector"\s*:\s*"\.([\w-]+)"')
LOCKED_PART_TEXT = 300  # the part said to be paywalled is in the page after all when it holds this much text
PAYWALL_TEASER = 800  # at most this much article text beside a "not free" flag alone, for a teaser
JSON_LD_NOT_FREE = re.compile(r'"isaccessibleforfree"\s*:\s*"?(false|no|0)\b', re.I)
LOCKED_TIERS = ("locked", "metered")  # <meta property="article:content_tier">

# Trigger substrings, per reason: a text (lower-cased, not folded) is matched against a reason's
# phrases only if it holds one of them, which keeps ordinary pages cheap. Every phrase above
# must contain one (tests/test_nonarticle.py checks the examples of each list).
TRIGGERS = {
    SOFT_404: (
        "404", "410", "introuvable", "not found", "found", "exist", "trouv", "oups", "oops", "sorry", "désolé", "desole",
        "erreur", "error", "unavailable", "indisponible", "missing", "inexistant", "gone", "broken", "dead link", "lien",
        "removed", "deleted", "supprim", "retir", "no longer", "disponible", "available", "moved", "déplac", "deplac",
        "dépubli", "depubli", "check the", "double-check", "vérifiez", "verifiez", "uh-oh", "uh oh",
        "موجود", "متوفر", "متاح", "العثور", "حذف", "نقل", "إزالة", "ازالة", "عذر", "عفو", "نعتذر", "خطأ", "خطا", "الرابط",
        "تبحث", "encontrada", "existe", "gefunden", "existiert", "verfügbar", "verfugbar", "hoppla", "ups", "trovata",
        "esistente", "cercando", "não", "nao", "bulunamad", "hata", "найдена", "ошибка", "lo sentimos", "spiacenti",
        "fehler", "errore", "erro", "fout", "gevonden", "procura", "busca", "ops", "pagina", "página",
        "find", "looking for", "cherch", "the page", "la page", "this page", "cette page",
    ),
    BOT_WALL: (
        "moment", "wait", "patient", "attention required", "denied", "refus", "interdit", "bloqu", "block", "interruption",
        "check", "verif", "vérif", "robot", "human", "humain", "captcha", "forbidden", "ddos", "firewall", "cloudflare",
        "security", "sécurité", "securite", "javascript", "permission", "autorisation", "reference", "ray id", "press",
        "unusual", "suspicious", "inhabituel", "request", "requête", "requete", "automated", "one more step",
        "instant", "trafic", "checkpoint", "unsuccessful", "incapsula", "browser", "navigateur",
        "لحظة", "لحظه", "الانتظار", "الوصول", "التحقق", "تحقق", "نتحقق", "فحص", "روبوت", "انسان", "إنسان", "جافا", "حظر",
        "حجب", "momento", "denegado", "negado", "negato", "verweigert", "überprüf", "uberpruf", "bestätigen", "bestatigen",
        "sicherheit", "mensch", "roboter", "humano", "verifica", "seguridad",
    ),
    CONSENT_WALL: (
        "cookie", "partenaires", "partner", "vendors", "fournisseurs", "consent", "privacy", "vie priv", "confidentialit",
        "continue", "continuer", "accept", "reject", "decline", "refuse", "manage", "gérer", "gerer", "personnalis",
        "paramètr", "parametr", "paramétr", "préférences", "preferences", "personal data", "données", "donnees",
        "legitimate", "légitime", "legitime", "en cliquant", "by clicking", "store and/or", "stocker et/ou",
        "ارتباط", "كوكيز", "شركاؤنا", "خصوصي", "قبول", "موافق", "رفض", "الخيارات", "التفضيلات", "الإعدادات",
        "الاعدادات", "بياناتك", "تخزين", "قبل", "نستخدم", "إدارة", "ادارة", "تخصيص",
        "privacidad", "privatsph", "socios", "aceptar", "rechazar", "akzeptieren", "ablehnen", "datenschutz",
        "einstellungen", "fortfahren", "continuar", "continuare", "accetta", "utilizziamo", "verwenden", "utilizamos",
        "rispettiamo", "partner",
    ),
    PAYWALL: (
        "abonn", "subscri", "reste", "réservé", "reserve", "premium", "member", "membre", "limit", "unlock", "sign in",
        "log in", "connectez", "identifiez", "la suite", "continue reading", "keep reading", "rest of this", "full article",
        "full story", "exclusiv", "paying",
        "مشترك", "اشترك", "لقراءة", "لقراءه", "لمتابعة", "لمتابعه", "حصري", "مميز", "قراءة", "متاح فقط", "مخصص",
        "suscri", "abonnent", "weiterlesen", "abo", "abbonat", "assinant", "assine",
    ),
}
# On a page with an article's worth of <p> text, only these are sought in its paragraphs: a consent
# dialog's text is not article text, and a paywall says so in words.
PROSE_TRIGGERS = {
    CONSENT_WALL: ("cookie", "partenaires", "partners", "vendors", "consent", "ارتباط", "كوكيز", "شركاؤنا"),
    PAYWALL: ("abonn", "subscri", "il vous reste", "premium", "members", "membres", "reading", "la suite", "unlock",
              "limit", "suscri", "weiterlesen", "abonnent", "abbonat", "assinant", "assine",
              "مشترك", "اشترك", "لقراءة", "لقراءه", "لمتابعة", "لمتابعه", "حصري"),
}


def triggered(reason: str, lowered: str) -> bool:
    """Whether a lower-cased text holds one of the reason's trigger substrings."""
    return any(t in lowered for t in TRIGGERS[reason])


# --- Thresholds ---------------------------------------------------------------------------------
LONG_PROSE = 1500  # chars of <p> text (walls' own excluded): an article's worth, no wall behind
SHORT_BLOCK = 400  # a soft-404 or challenge message block is at most this long
LABEL_BLOCK = 80  # a label block (an h2 "Page introuvable", a button "Accepter et continuer")
LEFTOVER_WORDS = 2  # other words a covered head may hold ("Oups ! Page introuvable")
SITE_NAME_WORDS = 5  # the other segments of a title whose one segment is covered look like a site name
CONSENT_MAX_CONTENT = 300  # article text beside a consent dialog, at most, for a wall
PAYWALL_MAX_PROSE = 4000  # a teaser is shorter than this
TINY_PAGE = 400  # visible text of a bare challenge/error page
WALL_MAX_CONTENT = 600  # article text beside a challenge, or beside an error message found in the text only
THRESHOLD = 3.0
HEAD_EVIDENCE = ("title", "h1", "extracted title", "status")  # evidence that is not in the text

# --- Folding and matching ---------------------------------------------------------------------
_MARKS = re.compile("[\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_FOLD_TABLE = str.maketrans({
    "’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'", "…": "...", "ة": "ه", "ى": "ي", "ı": "i",
    "\u00a0": " ", "«": '"', "»": '"', "“": '"', "”": '"', "„": '"', "ß": "ss", "œ": "oe", "æ": "ae",
})
_QUOTES = "\"'"
_WORDS = re.compile(r"\w+")
_TITLE_SEPARATORS = re.compile(r"\s+(?:[|\-–—·•:»«/]|::)\s+|\s*[|·•]\s*")


def fold(text: str) -> str:
    """Lower case, accents and Arabic marks removed, apostrophes and quotes unified, spaces collapsed."""
    text = text.lower()
    if not text.isascii():
        text = _MARKS.sub("", unicodedata.normalize("NFKD", text.translate(_FOLD_TABLE)))
        text = unicodedata.normalize("NFC", text)  # Cyrillic й etc. stay whole
    return " ".join(text.split())


def _compile(*tables: dict[str, tuple[str, ...]]) -> re.Pattern:
    parts = [fold(p) for table in tables for phrases in table.values() for p in phrases]
    return re.compile(r"(?<!\w)(?:%s)(?!\w)" % "|".join(f"(?:{p})" for p in parts))


SOFT_404_LABEL_RX = _compile(SOFT_404_LABELS, SOFT_404_SENTENCES)
SOFT_404_WEAK_RX = _compile(SOFT_404_WEAK_LABELS)
SOFT_404_SENTENCE_RX = _compile(SOFT_404_SENTENCES)
BOT_LABEL_RX = _compile(BOT_LABELS, BOT_SENTENCES)
BOT_SENTENCE_RX = _compile(BOT_SENTENCES)
CONSENT_LABEL_RX = _compile(CONSENT_LABELS, CONSENT_SENTENCES)
CONSENT_SENTENCE_RX = _compile(CONSENT_SENTENCES)
PAYWALL_SENTENCE_RX = _compile(PAYWALL_SENTENCES)
PAYWALL_LABEL_RX = _compile(PAYWALL_LABELS, PAYWALL_SENTENCES)
ERROR_URL = re.compile(r"/(?:404|410|error|erreur|errors|not-?found|page-?introuvable|introuvable)(?:[./?_-]|$)", re.I)
_NOINDEX = re.compile(r"noindex")

HTML_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, encoding="utf-8")
SKIP_TAGS = frozenset(("script", "style", "template", "svg", "head", "iframe", "object", "canvas", "select", "math"))
BLOCK_TAGS = frozenset(
    "address article aside blockquote body button center dd div dl dt fieldset figcaption figure footer form h1 h2 h3 "
    "h4 h5 h6 header hr li main nav noscript ol p pre section table tbody td th thead tr ul label dialog".split()
)
CHROME_TAGS = frozenset(("nav", "footer", "header", "aside"))
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden")


def _covered(text: str, rx: re.Pattern, extra: re.Pattern | None = None) -> str | None:
    """The matched phrase when the folded text is (nearly) all phrase: at most LEFTOVER_WORDS
    other words once every match of rx (and extra) is taken out; else None."""
    first = None
    rest = text
    for pattern in (rx, extra) if extra is not None else (rx,):
        found = [m for m in pattern.finditer(rest)]
        if found:
            if first is None and pattern is rx:
                first = found[0].group()
            rest = pattern.sub(" ", rest)
    if first is None:
        return None
    return first if len(_WORDS.findall(rest)) <= LEFTOVER_WORDS else None


def _quoted(text: str, start: int) -> bool:
    """Whether the match starting at `start` is quoted (an article quoting it): it follows a
    quotation mark, or an odd number of double quotes (« » “ ” folded to ") stand before it."""
    before = text[max(0, start - 2):start].strip()
    return (bool(before) and before[-1] in _QUOTES) or text.count('"', 0, start) % 2 == 1


def _unquoted_match(rx: re.Pattern, text: str) -> re.Match | None:
    for m in rx.finditer(text):
        if not _quoted(text, m.start()):
            return m
    return None


# --- The page ------------------------------------------------------------------------------------
class _Hits:
    """Weighted evidence for one reason."""

    __slots__ = ("score", "evidence")

    def __init__(self) -> None:
        self.score = 0.0
        self.evidence: list[tuple[float, str]] = []

    def add(self, weight: float, evidence: str) -> None:
        self.score += weight
        self.evidence.append((weight, evidence))

    def describe(self) -> str:
        best = sorted(self.evidence, key=lambda e: -e[0])[:2]
        return "; ".join(e for _, e in best)


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _root(tree, html: str):
    if tree is not None:
        return tree.getroot() if hasattr(tree, "getroot") else tree
    if not html or not html.strip():
        return None
    try:
        return etree.fromstring(html.encode("utf-8", "surrogatepass"), HTML_PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return None


def _text(el) -> str:
    return etree.tostring(el, method="text", encoding=str, with_tail=False)


def classify(url: str, status: int, html: str, *, title: str | None = None, paragraphs: list[str] | None = None,
             tree=None) -> Verdict:
    """Whether a fetched page is in fact not an article (and why), or a paywall teaser.

    `title`, `paragraphs`: what a page object extracted, if it did; `tree`: the page's lxml tree
    (an element or an ElementTree) when the caller has one; else `html` is parsed here."""
    root = _root(tree, html)
    if root is None:
        return ORDINARY
    soft, bot, consent, paywall = _Hits(), _Hits(), _Hits(), _Hits()

    # One pass in C over the elements that matter on every page.
    title_el, h1s, ps, noindex, not_free = None, [], [], False, False
    for el in root.iter("title", "h1", "p", "meta", "script"):
        tag = el.tag
        if tag == "p":
            ps.append(el)
        elif tag == "h1":
            if len(h1s) < 3:
                h1s.append(el)
        elif tag == "meta":
            name = (el.get("name") or el.get("property") or "").lower()
            if name in ("robots", "googlebot") and _NOINDEX.search((el.get("content") or "").lower()):
                noindex = True
            elif name == "article:content_tier" and (el.get("content") or "").lower() in LOCKED_TIERS:
                not_free = True
            elif name == "isaccessibleforfree" and (el.get("content") or "").lower() in ("false", "no"):
                not_free = True
        elif tag == "script":
            if (el.get("type") or "").lower() == "application/ld+json" and el.text and "ccessibleForFree" in el.text and (
                    JSON_LD_NOT_FREE.search(el.text)) and not _locked_part_present(root, el.text):
                not_free = True
        elif title_el is None:
            title_el = el

    # The head: the <title> by its segments, the h1s, the title the page object extracted.
    heads: list[tuple[str, str]] = []
    if title_el is not None:
        raw = _text(title_el)
        if raw.strip():
            heads.append(("title", raw))
    for h1 in h1s:
        raw = _text(h1)
        if raw.strip():
            heads.append(("h1", raw))
    if title and title.strip():
        heads.append(("extracted title", title))
    _score_heads(heads, soft, bot, consent)

    # The <p> text: its length, less the walls' own sentences (a consent dialog's paragraphs).
    texts = [_text(p) for p in ps]
    prose, paywall_texts = _prose(texts)
    given = _prose(paragraphs)[0] if paragraphs and prose < LONG_PROSE else 0
    article_text = max(prose, given)

    if status in (404, 410):
        soft.add(3, f"status {status}")
    if noindex:
        soft.add(0.5, "meta robots noindex")
        bot.add(0.5, "meta robots noindex")
    path = urlsplit(url).path if url else ""
    if ERROR_URL.search(path):
        soft.add(1, f"url: {_short(path)}")

    if article_text >= LONG_PROSE:
        # An article's worth of text: only a head that says so twice (or a 404 status) makes it
        # an error page; walls never stand in front of so much text; a paywall says so in words.
        if soft.score:
            for t in texts:
                if len(t) <= SHORT_BLOCK and triggered(SOFT_404, t.lower()):
                    m = _unquoted_match(SOFT_404_SENTENCE_RX, fold(t))
                    if m:
                        soft.add(3, f'text: "{_short(m.group())}"')
                        break
        head_score = sum(w for w, e in soft.evidence if e.startswith(HEAD_EVIDENCE))
        if soft.score >= 6 and head_score >= 3:
            return Verdict(SOFT_404, False, soft.describe())
        if article_text < PAYWALL_MAX_PROSE:
            for f in paywall_texts:
                m = _unquoted_match(PAYWALL_SENTENCE_RX, f)
                if m:
                    return Verdict(None, True, f'text: "{_short(m.group())}"')
        return ORDINARY

    # Little article text: walk the page block by block.
    return _decide_short(root, html, status, article_text, not_free, soft, bot, consent, paywall)


def _prose(texts: list[str]) -> tuple[int, list[str]]:
    """The length of the paragraphs' text (those of 25 characters or more) less a consent
    dialog's and a paywall's own sentences, and the folded paragraphs that may hold a paywall's
    sentence. Paragraphs are looked at closely only where a trigger of PROSE_TRIGGERS is."""
    lengths = [len(t.strip()) for t in texts]
    raw = sum(n for n in lengths if n >= 25)
    if raw >= PAYWALL_MAX_PROSE:
        # More than a consent dialog or a teaser ever holds: an article's text, whatever else is there.
        return raw, []
    joined = "\n".join(texts).lower()
    arabic = "\u0627" in joined  # alif: Arabic triggers are sought in Arabic text only
    suspects: dict[int, set[str]] = {}  # paragraph index -> reasons triggered
    starts = None
    for reason, triggers in PROSE_TRIGGERS.items():
        for trigger in triggers:
            if not arabic and not trigger.isascii():
                continue
            at = joined.find(trigger)
            if at < 0:
                continue
            if starts is None:
                starts, offset = [], 0
                for t in texts:
                    starts.append(offset)
                    offset += len(t) + 1
            while at >= 0:
                i = bisect_right(starts, at) - 1
                suspects.setdefault(i, set()).add(reason)
                at = joined.find(trigger, starts[i + 1] if i + 1 < len(starts) else len(joined))
    prose = 0
    paywall_texts = []
    for i, (t, n) in enumerate(zip(texts, lengths)):
        if n < 25:
            continue
        reasons = suspects.get(i)
        if reasons:
            f = fold(t)
            if CONSENT_WALL in reasons and CONSENT_SENTENCE_RX.search(f):
                continue
            if PAYWALL in reasons:
                paywall_texts.append(f)
                if PAYWALL_SENTENCE_RX.search(f):
                    continue
        prose += n
    return prose, paywall_texts


def _locked_part_present(root, json_ld: str) -> bool:
    """Whether the part JSON-LD declares not free (hasPart cssSelector ".class") is in the page
    with its text (served whole to the crawler): then the page is no teaser."""
    for name in set(JSON_LD_SELECTOR.findall(json_ld)):
        for el in root.xpath("//*[contains(concat(' ', normalize-space(@class), ' '), $c)]", c=f" {name} "):
            if el.tag not in SKIP_TAGS and len(" ".join(_text(el).split())) >= LOCKED_PART_TEXT:
                return True
    return False


def _score_heads(heads, soft: _Hits, bot: _Hits, consent: _Hits) -> None:
    counted: set[tuple[str, str]] = set()
    joined = "\n".join(raw for _, raw in heads).lower()
    present = {reason: [t for t in TRIGGERS[reason] if t in joined] for reason in REASONS}
    for where, raw in heads:
        lowered = raw.lower()
        folded = None
        for reason, hits, rx, weak in ((SOFT_404, soft, SOFT_404_LABEL_RX, SOFT_404_WEAK_RX), (BOT_WALL, bot, BOT_LABEL_RX, None),
                                       (CONSENT_WALL, consent, CONSENT_LABEL_RX, None)):
            if not any(t in lowered for t in present[reason]):
                continue
            if folded is None:
                folded = fold(raw)
                if where == "title":
                    segments = [s for s in _TITLE_SEPARATORS.split(folded) if s.strip()] or [folded]
                else:
                    segments = [folded]
            weight, phrase = 0.0, None
            for k, seg in enumerate(segments):
                phrase = _covered(seg, rx, weak)
                if phrase:
                    others = segments[:k] + segments[k + 1:]
                    weight = 3.0 if all(len(_WORDS.findall(o)) <= SITE_NAME_WORDS for o in others) else 1.5
                    break
                if weak is not None and _covered(seg, weak):
                    weight, phrase = 1.0, _covered(seg, weak)
            if weight:
                # the <title> and the h1 count each; the extracted title only if it is not the h1 again
                key = (reason, phrase)
                w = weight / 2 if where == "extracted title" and key in counted else weight
                counted.add(key)
                hits.add(w, f'{where}: "{_short(raw)}"')


# Flags of where a block stands (bits).
LINK, CHROME, LISTED, IN_CONSENT, IN_PAYWALL = 1, 2, 4, 8, 16
_container_flags: dict[str, int] = {}  # id and class of an element -> IN_CONSENT | IN_PAYWALL (cache)


def _container(marker: str) -> int:
    flags = _container_flags.get(marker)
    if flags is None:
        low = marker.lower()
        flags = (IN_CONSENT if any(w in low for w in CONSENT_CONTAINER) else 0) | (
            IN_PAYWALL if any(w in low for w in PAYWALL_CONTAINER) else 0)
        if len(_container_flags) > 20_000:
            _container_flags.clear()
        _container_flags[marker] = flags
    return flags


def _hidden(el) -> bool:
    if el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    style = el.get("style")
    return bool(style) and bool(_HIDDEN_STYLE.search(style.lower()))


def _blocks(root) -> list[tuple[str, int, str]]:
    """The page's visible text as blocks (tag, flags, text): the text of each block element outside
    its child blocks, with where it stands (flags: in a link, in page chrome, in a list, in a
    consent manager's or a paywall's container)."""
    body = root.find("body")
    if body is None:
        body = root
    out: list[tuple[str, int, str]] = []

    def visit(el, acc: list, flags: int) -> None:
        # acc: [text pieces of the current block, how many of their characters are link text]
        parts = acc[0]
        for child in el:
            tag = child.tag
            if not isinstance(tag, str) or tag in SKIP_TAGS or _hidden(child):
                if child.tail:
                    parts.append(child.tail)
                    if flags & LINK:
                        acc[1] += len(child.tail)
                continue
            f = flags
            if tag == "a":
                f |= LINK
            elif tag in CHROME_TAGS:
                f |= CHROME
            elif tag == "li" or tag == "ul" or tag == "ol":
                f |= LISTED
            marker = child.get("class")
            ident = child.get("id")
            if marker or ident:
                f |= _container(f"{ident} {marker}")
            if tag in BLOCK_TAGS:
                own = [[child.text] if child.text else [], len(child.text) if child.text and f & LINK else 0]
                visit(child, own, f)
                text = " ".join("".join(own[0]).split())
                if text:
                    # a block that is mostly link text (a teaser, a menu) counts as a link
                    out.append((tag, f | LINK if own[1] * 2 > len(text) else f, text))
            else:
                if child.text:
                    parts.append(child.text)
                    if f & LINK:
                        acc[1] += len(child.text)
                visit(child, acc, f)
            if child.tail:
                parts.append(child.tail)
                if flags & LINK:
                    acc[1] += len(child.tail)

    acc = [[body.text] if body.text else [], 0]
    visit(body, acc, 0)
    text = " ".join("".join(acc[0]).split())
    if text:
        out.append(("body", 0, text))
    return out


def _decide_short(root, html: str, status: int, article_text: int, not_free: bool, soft: _Hits, bot: _Hits,
                  consent: _Hits, paywall: _Hits) -> Verdict:
    blocks = _blocks(root)
    visible = sum(len(t) for _, _, t in blocks)
    content = 0  # article-like text: outside links, chrome, lists and walls, not a wall's phrase
    soft_text = bot_text = consent_text = 0
    lowered = [text.lower() for _, _, text in blocks]
    joined = "\n".join(lowered)
    present = {reason: [t for t in triggers if t in joined] for reason, triggers in TRIGGERS.items()}
    for (tag, flags, text), low in zip(blocks, lowered):
        link, chrome, listed, in_consent = flags & LINK, flags & CHROME, flags & LISTED, flags & IN_CONSENT
        soft_t, bot_t, consent_t, paywall_t = (
            any(t in low for t in present[r]) for r in (SOFT_404, BOT_WALL, CONSENT_WALL, PAYWALL)
        )
        if not (soft_t or bot_t or consent_t or paywall_t):
            if not in_consent:
                if not link and not chrome and not listed and tag not in ("button", "label"):
                    if len(text) >= 25:
                        content += len(text)
                continue
            f = ""
        else:
            f = fold(text)
        wall = False
        if soft_t and len(f) <= SHORT_BLOCK and not link:
            m = _unquoted_match(SOFT_404_SENTENCE_RX, f)
            if m and soft_text < 2:
                soft.add(3 if soft_text == 0 else 1, f'text: "{_short(m.group())}"')
                soft_text += 1
                wall = True
            elif len(f) <= LABEL_BLOCK and tag in ("h1", "h2", "h3", "p", "div", "span", "strong", "td", "section"):
                phrase = _covered(f, SOFT_404_LABEL_RX, SOFT_404_WEAK_RX)
                if phrase and soft_text < 2:
                    soft.add(2 if soft_text == 0 else 1, f'text: "{_short(text)}"')
                    soft_text += 1
                    wall = True
        if bot_t and len(f) <= SHORT_BLOCK and not link:
            m = _unquoted_match(BOT_SENTENCE_RX, f)
            if m and bot_text < 2:
                bot.add(2 if bot_text == 0 else 1, f'text: "{_short(m.group())}"')
                bot_text += 1
                wall = True
        if consent_t:
            m = CONSENT_SENTENCE_RX.search(f) if not link or tag == "button" else None
            if m is None and len(f) <= LABEL_BLOCK and (in_consent or tag == "button"):
                m = CONSENT_LABEL_RX.search(f)
            if m and consent_text < 3:
                consent.add(2 if consent_text == 0 else 1, f'text: "{_short(m.group())}"')
                consent_text += 1
                wall = True
        if paywall_t and not link and len(f) <= 600:
            m = _unquoted_match(PAYWALL_SENTENCE_RX, f)
            if m:
                paywall.add(3, f'text: "{_short(m.group())}"')
                wall = True
            elif not listed and not chrome and len(f) <= LABEL_BLOCK and _covered(f, PAYWALL_LABEL_RX):
                paywall.add(2, f'label: "{_short(text)}"')
        if in_consent and not wall:
            wall = True
            if consent.score == 0 or not consent.evidence[-1][1].startswith("container"):
                consent.add(0.5, "container of a consent manager")
        if not wall and not link and not chrome and not listed and tag not in ("button", "label"):
            if len(text) >= 25:
                content += len(text)
    strong_marker = False
    if html and content < LONG_PROSE:
        low = html[:200_000].lower()  # challenge pages are small
        strong = [m for m in BOT_STRONG_MARKERS if m in low]
        strong_marker = bool(strong)
        if strong:
            bot.add(3, f"marker: {strong[0]}")
        elif any(m in low for m in BOT_WEAK_MARKERS) and (bot.score or status in (403, 429, 503)):
            bot.add(1, "marker: captcha widget")
    if status in (403, 429, 503) and bot.score:
        bot.add(1, f"status {status}")
    if visible < TINY_PAGE:
        if bot.score:
            bot.add(1, f"{visible} chars of text")
        if soft.score:
            soft.add(0.5, f"{visible} chars of text")

    content = max(content, article_text)
    # Challenge pages and error pages have no article text; consent walls none outside the dialog.
    # Beside some article text, a challenge needs its markup, an error page its head saying so.
    is_bot = bot.score >= THRESHOLD and (content < WALL_MAX_CONTENT or (strong_marker and content < LONG_PROSE))
    soft_head = sum(w for w, e in soft.evidence if e.startswith(HEAD_EVIDENCE))
    is_soft = soft.score >= THRESHOLD and (content < WALL_MAX_CONTENT or (soft_head >= 3 and content < LONG_PROSE))
    if is_bot and (bot.score >= soft.score or not is_soft):
        return Verdict(BOT_WALL, False, bot.describe())
    if is_soft:
        return Verdict(SOFT_404, False, soft.describe())
    if consent.score >= THRESHOLD and content < CONSENT_MAX_CONTENT:
        return Verdict(CONSENT_WALL, False, consent.describe())
    if not_free:
        paywall.add(2, "not free (JSON-LD isAccessibleForFree or article:content_tier)")
    # Words or markup saying so, and a teaser's length: a paywall's phrase (3), or its label or
    # markup (2) over a short text.
    limit = PAYWALL_TEASER if paywall.score == 2 and not_free else LONG_PROSE
    if paywall.score >= THRESHOLD or (paywall.score >= 2 and content < limit):
        if content < PAYWALL_MAX_PROSE:
            return Verdict(None, True, paywall.describe())
    return ORDINARY
