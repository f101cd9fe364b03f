"""Maghress (and its sister sites, same template): article pages and the headline ticker.

Two input forms: live HTML and saved text pages (the visible text of a page, as the seed).
The site's current markup is not known: class names of an older template are tried first,
then the page's text order (ticker, report box, title, credit line, body, closing line) and
its fixed sentences, so that no single guess is load-bearing.
"""

from __future__ import annotations

import re
from datetime import date
from typing import NamedTuple
from urllib.parse import urljoin, urlsplit

from lxml import etree

from crawler.core.items import Article, Headline, Page, PageError
from crawler.core.text import collapse_ws
from crawler.frontier.urls import canonicalize, is_fetchable
from crawler.sites import registry

SITE = registry.site("maghress")

# The version of this page object: recorded with every row it extracts. Raise it whenever a
# change can alter what is extracted from an archived page, so that re-parsed rows show it.
# maghress/2: a credit line's impossible or implausible date gives published None with its
# published_problem (was: None alone, and the article dropped); pages nested deeper than libxml2
# reads are flattened (were: cut short where the nesting passed 256 levels).
PARSER_VERSION = "maghress/2"

# --- Site furniture and text patterns (both forms) -------------------------------------------
CREDIT_FR = re.compile(r"Publié dans (?P<publisher>.+?) le (?P<d>\d{1,2}) ?- ?(?P<m>\d{1,2}) ?- ?(?P<y>\d{4})")
CREDIT_AR = re.compile(r"نشر في (?P<publisher>.+?) يوم (?P<d>\d{1,2}) ?- ?(?P<m>\d{1,2}) ?- ?(?P<y>\d{4})")
CREDIT_PATTERNS = (("fr", CREDIT_FR), ("ar", CREDIT_AR))
CLOSING_MARKERS = ("depuis sa source", "من مصدره")
# The closing sentences of site.toml, any apostrophe style, the final full stop optional.
CLOSING_LINE = re.compile(
    "^(%s)\\.?$" % "|".join(re.escape(s.rstrip(".")).replace("'", ".") for s in SITE.closing)
)
REPORT_BOX_LINES = SITE.report_box
REPORT_BOX_MARKERS = ("Merci d'avoir signal", "Merci d’avoir signal", "automatiquement bloqu")
# Ticker items in a text page: four no-break spaces (or ordinary spaces, as other tools save them).
TEXT_TICKER_SEPARATOR = re.compile(r"[\u00a0 ]{4}")
LANGUAGES = tuple(edition.language for edition in SITE.editions)
# The years a credit line's date may have. A date outside them is no date ("01 - 01 - 0001",
# "31 - 12 - 9999": placeholders and typos): published None, published_problem
# "implausible_date". Fixed years, not the clock, so that a page parses the same whenever it is
# parsed (expected files, reparse); processing also refuses a date after the day the page was
# seen (crawler.processing.validate).
EARLIEST_YEAR = 1900
LATEST_YEAR = 2099
IMPOSSIBLE_DATE = "impossible_date"  # not in the calendar: 31 - 02 - 2017
IMPLAUSIBLE_DATE = "implausible_date"

# --- HTML selectors, tried in order ----------------------------------------------------------
HTML_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True)
# The same for a page given as UTF-8 bytes (parse_page's `utf8`): libxml2 reads them as they are,
# where a str would be handed over in Python's own representation (Latin-1, UTF-16 or UCS-4) and
# converted to UTF-8 again.
UTF8_HTML_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, encoding="utf-8")
# lxml refuses a str that begins with an XML declaration naming an encoding (ValueError, so a
# PageError here); such a page is parsed from its str as before, so that it is refused alike.
# (lxml's own test, parser.pxi _hasEncodingDeclaration, which it does not expose.)
XML_ENCODING_DECLARATION = re.compile(r'^(<\?xml[^>]+)\s+encoding\s*=\s*["\'][^"\']*["\'](\s*\?>|)', re.U)
# libxml2 stops reading a document nested deeper than 256 elements (a fatal "Excessive depth in
# document", the rest of the page lost). Such a page is read again with its chains of wrappers
# collapsed (flatten_nesting: <div><div><div>...text...</div></div></div> read as
# <div>text</div>), which keeps all its text and where its blocks begin and end; wrappers that
# carry attributes are collapsed too when the page is still nested deeper than MAX_NESTING. A
# page that libxml2 still cannot read whole is a PageError, never a partial page.
MAX_NESTING = 200
VOID_TAGS = frozenset(
    "area base basefont bgsound br col embed frame hr img input keygen link meta param source track wbr".split()
)
RAW_TEXT_TAGS = {name: re.compile(f"</{name}", re.I) for name in ("script", "style")}  # no tags inside
# A comment, or a start or end tag (never across a "<", so that a page full of unclosed "<a"
# is read in linear time).
TAG = re.compile(r"<!--.*?(?:-->|\Z)|<(/?)([A-Za-z][^\s/<>]*)[^<>]*>", re.S)
FURNITURE_TAGS = ("script", "style", "noscript", "template", "iframe", "svg")
# Class names of the older template (first choice for each field).
TITLE_CLASS, CREDIT_CLASS, BODY_CLASS = "articletitle", "articlenewspaper", "articlecontent"
NAMED_CLASSES = frozenset({TITLE_CLASS, CREDIT_CLASS, BODY_CLASS})
TITLE_CHOICES = (("span", TITLE_CLASS), ("h1", TITLE_CLASS), ("h1", None))  # (tag, class) in order
# Text markers of the credit line, the closing sentence and the report box: one scan finds all.
CREDIT_MARKERS = ("Publié dans", "نشر في")
MARKER_TEXT = re.compile("|".join(map(re.escape, (*CREDIT_MARKERS, *CLOSING_MARKERS, *REPORT_BOX_MARKERS))))
HERE_WORDS = ("ici", "هنا")  # the linked word of the closing sentence
ARTICLE_IMAGE_SRC = re.compile(r"^(?:https?:)?//images\d*\.[a-z]+ress\.com/", re.I)
# The ticker: the first container, before the credit line, whose own items link to three or
# more article pages (links directly inside it, or alone inside its list items or spans).
TICKER_CONTAINER_TAGS = ("marquee", "div", "ul", "ol", "p", "span", "section", "nav", "td", "header", "aside")
TICKER_ITEM_XPATH = "./a | ./li | ./span[a] | ./font[a]"
TICKER_ITEM_WRAPPERS = ("li", "span", "font")  # an item is a link, alone or in one of these
TICKER_MIN_ARTICLE_LINKS = 3
BLOCK_TAGS = frozenset(
    "address article aside blockquote dd div dl dt figcaption figure footer form h1 h2 h3 h4 h5 h6 "
    "header hr li main nav ol p pre section table tbody td th thead tr ul".split()
)


def parse_page(url: str, content: str, *, is_html: bool | None = None, utf8: bytes | None = None) -> Page:
    """Parse one page of the site: its article (or None) and its headline ticker.

    `content` is the decoded HTML or saved text; `is_html` None means sniff it. `utf8`, when the
    caller has it, is `content` as UTF-8 bytes (a page fetched in UTF-8, exactly: content ==
    utf8.decode("utf-8")): the HTML parser reads it rather than `content`, the same page.
    """
    url = canonicalize(url)
    if is_html is None:
        is_html = looks_like_html(content)
    page = HtmlPage(url, content, utf8).page() if is_html else TextPage(url, content).page()
    page.parser_version = PARSER_VERSION
    if page.article is not None:
        page.article.parser_version = PARSER_VERSION
    return page


def looks_like_html(content: str) -> bool:
    head = content.lstrip()[:1024].lower()
    return head.startswith("<") and bool(re.search(r"<(!doctype|html|head|body|div|span|p|h1|meta)\b", head))


class Credit(NamedTuple):
    """What a credit line says: "Publié dans <publisher> le DD - MM - YYYY"."""

    language: str
    publisher: str
    published: str | None  # ISO date; None when the line's date cannot be true
    published_problem: str | None  # why published is None: impossible_date, implausible_date


def _credit(text: str) -> Credit | None:
    """What a whole credit line says, or None if the text is not one."""
    text = collapse_ws(text)
    if not text.startswith(CREDIT_MARKERS):
        return None
    for language, pattern in CREDIT_PATTERNS:
        m = pattern.fullmatch(text.rstrip("."))
        if m:
            published, problem = _date(int(m["y"]), int(m["m"]), int(m["d"]))
            return Credit(language, m["publisher"].strip(), published, problem)
    return None


def _date(year: int, month: int, day: int) -> tuple[str | None, str | None]:
    """(ISO date, None), or (None, the reason the date cannot be true)."""
    try:
        published = date(year, month, day)
    except ValueError:
        return None, IMPOSSIBLE_DATE
    if not EARLIEST_YEAR <= published.year <= LATEST_YEAR:
        return None, IMPLAUSIBLE_DATE
    return published.isoformat(), None


def _is_furniture(line: str) -> bool:
    return line in REPORT_BOX_LINES or bool(CLOSING_LINE.match(line)) or _credit(line) is not None


# --- Saved text pages ---------------------------------------------------------------------------
class TextPage:
    """The visible text of a page: ticker line, report box, title, credit line, body, closing line."""

    def __init__(self, url: str, text: str):
        self.url = url
        self.raw_lines = text.splitlines()  # LF, CRLF and CR alike
        self.lines = [collapse_ws(line) for line in self.raw_lines]
        self.credit_index = next((i for i, line in enumerate(self.lines) if _credit(line)), None)

    def page(self) -> Page:
        return Page(url=self.url, article=self.article(), headlines=self.headlines(), links=[])

    def _content_indexes(self) -> list[int]:
        """Indexes of the non-empty lines that are not the report box."""
        return [i for i, line in enumerate(self.lines) if line and line not in REPORT_BOX_LINES]

    def title_index(self) -> int | None:
        if self.credit_index is None:
            return None
        before = [i for i in self._content_indexes() if i < self.credit_index]
        return before[-1] if before else None

    def ticker_index(self) -> int | None:
        content = self._content_indexes()
        if not content:
            return None
        first = content[0]
        if first == self.title_index() or first == self.credit_index:
            return None
        if self.credit_index is None and not TEXT_TICKER_SEPARATOR.search(self.raw_lines[first]):
            return None
        return first

    def headlines(self) -> list[Headline]:
        index = self.ticker_index()
        if index is None:
            return []
        texts = (collapse_ws(t) for t in TEXT_TICKER_SEPARATOR.split(self.raw_lines[index]))
        return [Headline(position=n, text=t, url=None) for n, t in enumerate(filter(None, texts), 1)]

    def article(self) -> Article | None:
        if self.credit_index is None:
            return None
        credit = _credit(self.lines[self.credit_index])
        title_index = self.title_index()
        return Article(
            url=self.url,
            title=self.lines[title_index] if title_index is not None else None,
            publisher=credit.publisher,
            published=credit.published,
            published_problem=credit.published_problem,
            language=credit.language,
            paragraphs=self.paragraphs(),
            original_url=None,  # a text page keeps no links
            image_url=None,
        )

    def paragraphs(self) -> list[str]:
        body = []
        for line in self.lines[self.credit_index + 1 :]:
            if CLOSING_LINE.match(line):
                break
            if line and line not in REPORT_BOX_LINES:
                body.append(line)
        return body


# --- HTML pages -----------------------------------------------------------------------------------
class HtmlPage:
    def __init__(self, url: str, html: str, utf8: bytes | None = None):
        self.url = url
        self.origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
        self.doc = parse_html(html, utf8)
        etree.strip_elements(self.doc, *FURNITURE_TAGS, with_tail=False)
        # One pass over the text finds the credit line, the closing sentence and the report box:
        # (marker, the element that holds the text) pairs.
        found = []
        search, findall = MARKER_TEXT.search, MARKER_TEXT.findall
        for el in self.doc.iter():
            if (text := el.text) and search(text):
                found.extend((marker, el) for marker in set(findall(text)))
            if (text := el.tail) and search(text) and (holder := el.getparent()) is not None:
                found.extend((marker, holder) for marker in set(findall(text)))
        self._drop_report_box([h for m, h in found if m in REPORT_BOX_MARKERS])
        # One pass over the elements left: document order, named classes, links. (One pass for
        # both, with what the report box held taken out afterwards, measured no faster: the
        # time goes to reading each element's text and attributes, not to walking the tree.)
        self.order: dict = {}
        self.by_class: dict[str, list] = {name: [] for name in NAMED_CLASSES}
        self.anchors = []  # every link, in document order, with its absolute URL
        for i, el in enumerate(self.doc.iter()):
            self.order[el] = i
            if (classes := el.get("class")) and not NAMED_CLASSES.isdisjoint(names := classes.split()):
                for name in NAMED_CLASSES.intersection(names):
                    self.by_class[name].append(el)
            if el.tag == "a" and (href := (el.get("href") or "").strip()) and not href.startswith("#"):
                self.anchors.append((el, self._absolute(href)))
        self.credit_el = self._find_credit([h for m, h in found if m in CREDIT_MARKERS and h in self.order])
        self.closing_holders = [h for m, h in found if m in CLOSING_MARKERS and h in self.order]
        self.href = dict(self.anchors)

    def _drop_report_box(self, holders) -> None:
        """Remove the report box, furniture that must never reach a field."""
        boxes = []
        for box in holders:
            # Climb to the largest element that holds nothing but the report box.
            while box.getparent() is not None and box.getparent().tag != "body" and _only_report_box(box.getparent()):
                box = box.getparent()
            if box.getparent() is not None and _only_report_box(box):
                boxes.append(box)
        members = set(boxes)
        for box in boxes:
            if box.getparent() is not None and not any(a in members for a in box.iterancestors()):
                _drop(box)

    def page(self) -> Page:
        return Page(url=self.url, article=self.article(), headlines=self.headlines(), links=self.links(),
                    canonical_link=self.canonical_link())

    def canonical_link(self) -> str | None:
        """The href of the first <link rel="canonical">, as written (rel may hold several tokens)."""
        for link in self.doc.iter("link"):
            if "canonical" in (link.get("rel") or "").lower().split() and (href := (link.get("href") or "").strip()):
                return href
        return None

    def _find_credit(self, holders):
        """The element of the credit line. Each candidate is read once, and only up to the
        length a credit line can have: a page of thousands of "Publié dans" paragraphs costs
        time in proportion to its size, not to its square."""
        seen = set()
        for el in self.by_class[CREDIT_CLASS]:
            seen.add(el)
            if (text := _short_text(el, CREDIT_MAX_CHARS)) is not None and _credit(text):
                return el
        for el in holders:
            for _ in range(3):  # the credit line's element, or a close ancestor (publisher link)
                if el is None or el in seen:
                    break
                seen.add(el)
                if (text := _short_text(el, CREDIT_MAX_CHARS)) is not None and _credit(text):
                    return el
                el = el.getparent()
        return None

    def article(self) -> Article | None:
        if self.credit_el is None:
            return None
        credit = _credit(_text(self.credit_el))
        return Article(
            url=self.url,
            title=self.title(),
            publisher=credit.publisher,
            published=credit.published,
            published_problem=credit.published_problem,
            language=credit.language or self.language(),
            paragraphs=self.paragraphs(),
            original_url=self.original_url(),
            image_url=self.image_url(),
        )

    def language(self) -> str:
        lang = (self.doc.get("lang") or "").lower()[:2]
        return lang if lang in LANGUAGES else SITE.language(self.url)

    def title(self) -> str | None:
        credit_pos = self.order[self.credit_el]
        for tag, cls in TITLE_CHOICES:
            candidates = self.by_class[cls] if cls else self.doc.iter(tag)
            found = [
                text
                for el in candidates
                if el.tag == tag and self.order[el] < credit_pos and (text := collapse_ws(_text(el)))
            ]
            if found:
                return found[-1]  # the closest one before the credit line
        return None

    def _body_containers(self) -> list:
        """Every .articlecontent element, but not one nested in another."""
        containers = self.by_class[BODY_CLASS]
        members = set(containers)
        return [el for el in containers if not any(a in members for a in el.iterancestors())]

    def paragraphs(self) -> list[str]:
        containers = self._body_containers()
        if containers:
            blocks = [b for el in containers for b in _blocks(el)]
        else:
            blocks = self._blocks_after_credit()
        body = []
        for block in blocks:
            if CLOSING_LINE.match(block):
                break
            if block and not _is_furniture(block):
                body.append(block)
        return body

    def _blocks_after_credit(self) -> list[str]:
        """No body class: the text blocks that follow the credit line, in its enclosing block."""
        credit_text = collapse_ws(_text(self.credit_el))
        scope = self.credit_el.getparent()
        while scope is not None:
            blocks = _blocks(scope)
            if credit_text in blocks and blocks.index(credit_text) < len(blocks) - 1:
                return blocks[blocks.index(credit_text) + 1 :]
            scope = scope.getparent()
        return []

    def original_url(self) -> str | None:
        """The link of the closing sentence: on "ici" / "هنا", or on the whole sentence."""
        for scope in self.closing_holders:
            link = scope if scope.tag == "a" else next(scope.iterancestors("a"), None)
            if link is None:
                link = next((a for a in scope.iter("a") if collapse_ws(_text(a)) in HERE_WORDS), None)
            if link is not None and link.get("href"):
                href = self._absolute(link.get("href"))
                return href if is_fetchable(href) else None
        return None

    def image_url(self) -> str | None:
        srcs = [img.get("src").strip() for img in self.doc.iter("img") if img.get("src")]
        for src in srcs:
            if ARTICLE_IMAGE_SRC.match(src):
                return urljoin(self.url, src)
        for container in self._body_containers():
            for img in container.iter("img"):
                if img.get("src"):
                    return urljoin(self.url, img.get("src").strip())
        return None

    def _ticker(self):
        """The first container holding TICKER_MIN_ARTICLE_LINKS items that link to articles."""
        limit = self.order[self.credit_el] if self.credit_el is not None else len(self.order)
        counts: dict = {}
        for a, href in self.anchors:
            if self.order[a] >= limit:
                break
            if not SITE.is_article(href):
                continue
            parent = a.getparent()
            wrapped = parent.tag in TICKER_ITEM_WRAPPERS and len(parent) == 1
            container = parent.getparent() if wrapped else parent
            if container is None or container.tag not in TICKER_CONTAINER_TAGS:
                continue
            counts[container] = counts.get(container, 0) + 1
            if counts[container] >= TICKER_MIN_ARTICLE_LINKS:
                return container
        return None

    def _absolute(self, href: str) -> str:
        href = href.strip()
        if href.startswith(("http://", "https://")):
            return href
        if href.startswith("/") and not href.startswith("//"):
            return self.origin + href  # the common case, without urljoin's cost
        return urljoin(self.url, href)

    @staticmethod
    def _item_link(item):
        if item.tag == "a":
            return item
        return next((a for a in item.iter("a") if a.get("href")), None)

    def headlines(self) -> list[Headline]:
        ticker = self._ticker()
        if ticker is None:
            return []
        headlines = []
        for item in ticker.xpath(TICKER_ITEM_XPATH):
            text = collapse_ws(item.text or "" if len(item) == 0 else _text(item))
            if not text:
                continue
            href = self.href.get(self._item_link(item))
            url = canonicalize(href) if href and is_fetchable(href) else None
            headlines.append(Headline(position=len(headlines) + 1, text=text, url=url))
        return headlines

    def links(self) -> list[str]:
        return [href for _, href in self.anchors]


REPORT_BOX_MAX_CHARS = 2 * sum(len(line) for line in REPORT_BOX_LINES)


def _only_report_box(el) -> bool:
    """Whether an element holds the report box's sentences and no other text."""
    parts, size = [], 0
    for part in el.itertext():  # stop early on a large element: it holds more than the box
        size += len(part)
        if size > REPORT_BOX_MAX_CHARS:
            return False
        parts.append(part)
    text = collapse_ws("".join(parts))
    for line in REPORT_BOX_LINES:
        text = text.replace(line, "")
    return not text.strip()


def _blocks(el) -> list[str]:
    """Split an element's text into paragraphs at <br> and block-level element boundaries.

    One walk over the element's start and end events, without recursion (any depth)."""
    blocks: list[str] = []
    current: list[str] = []

    def flush():
        text = collapse_ws("".join(current))
        if text:
            blocks.append(text)
        current.clear()

    for event, node in etree.iterwalk(el, events=("start", "end")):
        if node is el:
            if event == "start" and node.text:
                current.append(node.text)
            continue
        tag = node.tag
        if not isinstance(tag, str):  # an entity or processing instruction: only its tail is text
            if event == "end" and node.tail:
                current.append(node.tail)
        elif event == "start":
            if tag == "br" or tag in BLOCK_TAGS:
                flush()
            if tag != "br" and node.text:
                current.append(node.text)
        else:
            if tag in BLOCK_TAGS:
                flush()
            if node.tail:
                current.append(node.tail)
    flush()
    return blocks


def _text(el) -> str:
    """All the text inside an element (its descendants' too), as a reader sees it run together."""
    return "".join(el.itertext())


# A credit line is "Publié dans <paper> le DD - MM - YYYY": far shorter than this.
CREDIT_MAX_CHARS = 1_000


def _short_text(el, limit: int) -> str | None:
    """_text(el), or None as soon as it is longer than `limit` characters (not read further)."""
    parts, size = [], 0
    for part in el.itertext():
        size += len(part)
        if size > limit:
            return None
        parts.append(part)
    return "".join(parts)


def _drop(el) -> None:
    """Remove an element and what it holds, keeping the text that follows it."""
    parent = el.getparent()
    if el.tail:
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


# --- Parsing and deep nesting ---------------------------------------------------------------------
def parse_html(html: str, utf8: bytes | None = None):
    """The page's document; PageError if it is not HTML or cannot be read whole. `utf8`: the
    same page as UTF-8 bytes, read instead of `html` if given (see UTF8_HTML_PARSER)."""
    if utf8 is not None and not XML_ENCODING_DECLARATION.match(html):
        doc, parser = _parse(utf8, UTF8_HTML_PARSER), UTF8_HTML_PARSER
    else:
        doc, parser = _parse(html), HTML_PARSER
    if _cut_short(parser):
        doc = _parse(flatten_nesting(html, MAX_NESTING))
        if (error := _cut_short()) is not None:
            reason = ("is nested deeper than the HTML parser reads, even with its chains of wrappers collapsed"
                      if "depth" in error.message else "holds more than the HTML parser reads")
            raise PageError(f"the page {reason} ({error.message.strip()})")
    if doc is None:
        raise PageError("not an HTML page: Document is empty")
    return doc


def _parse(html: str | bytes, parser=HTML_PARSER):
    try:
        return etree.fromstring(html, parser)
    except (etree.ParserError, ValueError) as exc:
        raise PageError(f"not an HTML page: {exc}") from None


def _cut_short(parser=HTML_PARSER):
    """The error that made libxml2 stop before the end of the document just parsed, or None."""
    error = parser.error_log.last_error
    return error if error is not None and error.type_name == "ERR_RESOURCE_LIMIT" else None


def flatten_nesting(html: str, max_depth: int) -> str:
    """The page with its chains of wrappers collapsed: its text, and where blocks begin and
    end, all kept.

    A wrapper is an element whose only content is one element (no text of its own, spaces and
    comments aside); in a chain of wrappers (<div><div><b><i>...<p>text</p>...</i></b></div></div>)
    every wrapper but the outermost loses its tags: first those that carry no attribute or
    repeat their parent's start tag exactly; then, if some element is still nested deeper than
    `max_depth`, the others as well. Tags are counted as written (an unclosed <p> stays open,
    where libxml2 would close it), so the depth counted is never below libxml2's. What is still
    too deep is left as it is: libxml2 then refuses the page (parse_html: PageError).
    """
    pieces: list[str] = []  # the page, tag by tag and text by text
    parent: list[int] = []  # per element, in document order: its parent's index (-1: none)
    start: list[int] = []  # the piece of its start tag
    end: list[int] = []  # the piece of its end tag (-1: closed implicitly)
    children: list[int] = []  # how many elements it holds directly
    has_text: list[bool] = []  # whether it holds text directly
    stack: list[int] = []  # the open elements
    open_at: dict[str, list[int]] = {}  # name -> positions in the stack of its open elements
    names: list[str] = []
    pos = 0
    while True:
        m = TAG.search(html, pos)
        text = html[pos:m.start() if m else len(html)]
        if text:
            pieces.append(text)
            if stack and not text.isspace():
                has_text[stack[-1]] = True
        if m is None:
            break
        pos = m.end()
        closing, name = m.group(1), m.group(2)
        if name is None:  # a comment
            pieces.append(m.group())
            continue
        name = name.lower()
        if closing:
            if open_at.get(name):  # else libxml2 ignores it
                index = open_at[name][-1]
                while len(stack) > index:  # the element, and any left open inside it
                    element = stack.pop()
                    open_at[names[element]].pop()
                end[element] = len(pieces)
            pieces.append(m.group())
            continue
        if stack:
            children[stack[-1]] += 1
        if name in VOID_TAGS:
            pieces.append(m.group())
            continue
        element = len(names)
        names.append(name)
        parent.append(stack[-1] if stack else -1)
        start.append(len(pieces))
        end.append(-1)
        children.append(0)
        has_text.append(name in RAW_TEXT_TAGS)  # a script or style is never a wrapper
        open_at.setdefault(name, []).append(len(stack))
        stack.append(element)
        pieces.append(m.group())
        if name in RAW_TEXT_TAGS:  # its content is text up to its end tag
            close = RAW_TEXT_TAGS[name].search(html, pos)
            close = close.start() if close else len(html)
            pieces.append(html[pos:close])
            pos = close

    def wrapper(element: int) -> bool:
        return children[element] == 1 and not has_text[element]

    def plain(element: int) -> bool:
        tag = pieces[start[element]]
        rest = tag[len(names[element]) + 1:].strip(" \t\n\r\f/>")
        return not rest or tag == pieces[start[parent[element]]]

    for any_wrapper in (False, True):
        dropped = [False] * len(names)
        depth = [0] * len(names)
        for element, up in enumerate(parent):
            dropped[element] = up >= 0 and wrapper(element) and wrapper(up) and (any_wrapper or plain(element))
            depth[element] = (depth[up] if up >= 0 else 0) + (not dropped[element])
        if max(depth, default=0) <= max_depth:
            break
    for element in (e for e, drop in enumerate(dropped) if drop):
        pieces[start[element]] = ""
        if end[element] >= 0:
            pieces[end[element]] = ""
    return "".join(pieces)
