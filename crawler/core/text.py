"""Pure text helpers shared by page objects, pipelines and storage.

Nothing here does I/O: bytes or strings in, strings out.

Two concerns:

- Decoding (`decode`, `decode_page`): the page's bytes are decoded with each candidate encoding
  in turn (byte order mark, HTTP header, <meta>, UTF-8, a statistical detector, windows-1252),
  each result is checked for the signs of a wrong decoding, and the first clean one is taken.
- Hygiene (`clean_text`, `clean_line`, `clean_url`): what must never reach a stored field
  (control characters, terminal escape sequences, bidirectional overrides, invisible
  characters) is removed from text, and percent-encoded in URLs, where removing it would
  change the URL.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote

from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom, to_unicode


def _windows_1252_undefined(error: UnicodeDecodeError) -> tuple[str, int]:
    """The five bytes windows-1252 leaves undefined decode to the C1 control of the same number,
    as browsers do (WHATWG Encoding Standard), not to U+FFFD."""
    return chr(error.object[error.start]), error.start + 1


codecs.register_error("newsarchive_windows_1252", _windows_1252_undefined)


# --- Text hygiene ---------------------------------------------------------------------------------
# C0/C1 control characters except tab, LF and CR (those are whitespace and get collapsed).
_CONTROLS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
# C1 controls in text are windows-1252 punctuation that went through a latin-1 reading upstream
# (U+0092 for ’, U+009C for œ, U+0080 for €): given back their windows-1252 character rather
# than removed; the five that windows-1252 leaves undefined are removed with the other controls.
_C1_AS_WINDOWS_1252 = str.maketrans(dict(zip(
    map(chr, range(0x80, 0xA0)), bytes(range(0x80, 0xA0)).decode("cp1252", "newsarchive_windows_1252")
)))
# Terminal escape sequences (ECMA-48), removed whole, not just their ESC: a terminal acts on
# them rather than showing them (colours, cursor moves, window titles, hidden hyperlinks).
# CSI: ESC [ parameters, intermediates, a final byte; OSC, DCS, SOS, PM, APC: ESC ] (P X ^ _)
# up to their terminator (BEL or ESC \); any other escape: ESC, intermediates, a final byte.
# Only the 7-bit forms: a C1 character (8-bit CSI U+009B and OSC U+009D included) is taken one by
# one as above, since in text it comes from a wrong decoding (U+009B for ›), and taking it as the
# start of a sequence would remove real text.
_ANSI = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)"
    r"|\x1b[ -/]*[0-~]"
)
# Invisible characters that are removed from every text field: they show nothing, make equal
# texts differ (headline identity, search, copies of articles) and can disguise text.
_INVISIBLE = (
    r"\u00ad"  # soft hyphen: a hyphenation hint, invisible mid-line; it splits words in search
    # Every Bidi_Control character. Embeddings and overrides (LRE, RLE, PDF, LRO, RLO) and
    # isolates (LRI, RLI, FSI, PDI) reorder what follows them: U+202E shows "gpj.exe" as
    # "exe.jpg". The marks (ALM U+061C, LRM U+200E, RLM U+200F) go too: they only steer the
    # direction of neutral characters around them, which the archive's pages already set per
    # field (dir by language, <bdi>), and elsewhere (CSV, JSON, search, a terminal) they are
    # invisible characters that make equal texts compare different.
    r"\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
    r"\u200b"  # zero width space
    r"\u2060-\u2065\u206a-\u206f"  # word joiner, invisible operators, deprecated format controls
    r"\ufeff"  # zero width no-break space (a byte order mark inside text)
    r"\u180e"  # Mongolian vowel separator (formerly a space, now invisible)
    r"\ufff9-\ufffb"  # interlinear annotation controls
)
_SURROGATES = r"\ud800-\udfff"
_TAG_CHARACTERS = r"\U000e0000-\U000e007f"  # invisible "ASCII smuggling" outside emoji flags
_JOINERS = r"\u200c\u200d"
# One search tells whether a text holds anything to remove (most texts hold nothing).
_SUSPECT = re.compile(f"[\x1b{_CONTROLS}{_INVISIBLE}{_SURROGATES}{_TAG_CHARACTERS}{_JOINERS}]")
_STRIP = re.compile(f"[{_CONTROLS}{_INVISIBLE}{_SURROGATES}]")
# Tag characters are kept only in the emoji tag sequences of subdivision flags (🏴 + tags + cancel).
_TAGS = re.compile(r"(\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f)|[\U000e0000-\U000e007f]")
# ZWNJ (U+200C) and ZWJ (U+200D) are kept where they do something: between two characters of
# a script that joins its letters (Persian and Arabic words written with a ZWNJ, Indic
# conjuncts) or of emoji (ZWJ sequences such as 👩‍💻). Next to Latin letters, combining accents,
# punctuation, spaces, or at either end of the text they have no visible effect and are removed.
_NO_JOINING = re.compile(r"[\x00-\u036f\u1e00-\u1eff\u2000-\u206f]")
_JOINER_RUN = re.compile(f"(?<![{_JOINERS}])[{_JOINERS}]+")  # each run once, from its start


def _idle_joiners(m: re.Match) -> str:
    """A run of ZWNJ/ZWJ: kept between two characters it can join, else removed."""
    text, start, end = m.string, m.start(), m.end()
    joins = 0 < start and end < len(text) and not (_NO_JOINING.match(text, start - 1) or _NO_JOINING.match(text, end))
    return m.group() if joins else ""


# Quote styles folded away in comparison keys; apostrophes are unified, not removed.
_QUOTES = re.compile(r"[\"«»“”„‟‹›〝〞＂]")
APOSTROPHES = "’‘‛`´ʼ′"  # every apostrophe style, unified to "'" in headline keys and search folding
_APOSTROPHES = re.compile(f"[{APOSTROPHES}]")
# Punctuation folded by content_hash: all of ASCII's, and the typographic marks of French and
# Arabic news text (quotes, dashes, ellipsis, bullets, Arabic comma, semicolon and question mark).
_ASCII_PUNCTUATION = bytes.maketrans(
    "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~".encode(), b" " * 32
)
_TYPOGRAPHIC_PUNCTUATION = "«»‹›“”„‟‘’‚‛–—―‐‑‒…•·°€£،؛؟٪٫٬۔"


def collapse_ws(text: str) -> str:
    """Collapse every run of whitespace (no-break spaces included) to one space; strip."""
    return " ".join(text.split())


def strip_hidden(text: str) -> str:
    """The text without what a reader cannot see: lone surrogates, control characters (C1 ones
    that are windows-1252 punctuation given back as such), terminal escape sequences (whole),
    bidirectional controls, zero-width and other invisible characters, tag characters outside
    emoji flags, and ZWNJ/ZWJ where they join nothing."""
    if not _SUSPECT.search(text):
        return text
    if "\x1b" in text:
        text = _ANSI.sub("", text)
    text = _STRIP.sub("", text.translate(_C1_AS_WINDOWS_1252))
    text = _TAGS.sub(lambda m: m.group(1) or "", text)
    return _JOINER_RUN.sub(_idle_joiners, text) if "\u200c" in text or "\u200d" in text else text


def clean_text(text: str) -> str:
    """What a text field stores: hidden characters removed (strip_hidden), Unicode NFC,
    whitespace collapsed."""
    return collapse_ws(unicodedata.normalize("NFC", strip_hidden(text)))


CACHED_LINE_MAX = 500  # characters: longer texts are cleaned each time, never kept in the cache


def clean_line(text: str) -> str:
    """clean_text for short strings that come back again and again (ticker headlines), cached;
    a long one is not cached, so a hostile page cannot fill the cache with megabytes."""
    return _clean_line(text) if len(text) <= CACHED_LINE_MAX else clean_text(text)


@lru_cache(maxsize=65536)  # the same headlines come back page after page
def _clean_line(text: str) -> str:
    return clean_text(text)


# What a browser does to a URL it is given (WHATWG URL parsing): C0 controls and spaces
# removed at both ends, tab and newlines removed anywhere.
_URL_ENDS = "".join(map(chr, range(0x21)))
_URL_TAB_NEWLINE = str.maketrans("", "", "\t\n\r")
_URL_HIDDEN = re.compile(f"[ {_CONTROLS}{_INVISIBLE}{_JOINERS}{_TAG_CHARACTERS}]")
_URL_SURROGATE = re.compile(f"[{_SURROGATES}]")


def clean_url(url: str) -> str:
    """A URL field as a browser would request it, so that it still names the same resource:
    C0 controls and spaces removed at its ends, tabs and newlines removed (as URL parsing does),
    and every other space, control or invisible character percent-encoded (UTF-8), not removed:
    the stored URL shows nothing hidden and is not changed into another one. No NFC either
    (a path's bytes are its identity). A lone surrogate becomes U+FFFD, as in URL parsing."""
    url = url.strip(_URL_ENDS).translate(_URL_TAB_NEWLINE)
    url = _URL_SURROGATE.sub("\ufffd", url)
    return _URL_HIDDEN.sub(lambda m: quote(m.group(), safe=""), url)


@lru_cache(maxsize=65536)
def headline_key(text: str) -> str:
    """The identity of a headline: case, spacing, quote styles and hidden characters folded.

    A text without hidden characters (strip_hidden) keys as it always has, so archives keep
    their keys."""
    text = unicodedata.normalize("NFKC", strip_hidden(text)).casefold()
    text = _APOSTROPHES.sub("'", _QUOTES.sub(" ", text))
    return collapse_ws(text)


def content_hash(paragraphs: list[str]) -> str:
    """sha256 of an article body with case, spacing, punctuation and quote styles folded."""
    text = unicodedata.normalize("NFKC", "\n".join(paragraphs)).casefold()
    for mark in _TYPOGRAPHIC_PUNCTUATION:
        if mark in text:
            text = text.replace(mark, " ")
    # ASCII punctuation and symbols, byte by byte (UTF-8 keeps every other character intact).
    return hashlib.sha256(b" ".join(text.encode("utf-8").translate(_ASCII_PUNCTUATION).split())).hexdigest()


# --- Decoding -----------------------------------------------------------------------------------
# The encodings of the web (WHATWG Encoding Standard), by Python's names: the only ones the
# statistical detector may answer (no EBCDIC, DOS code page or UTF-16 without a byte order mark).
WEB_ENCODINGS = (
    "utf_8", "cp1250", "cp1251", "cp1252", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258",
    "cp874", "iso8859_2", "iso8859_3", "iso8859_4", "iso8859_5", "iso8859_6", "iso8859_7", "iso8859_8",
    "iso8859_10", "iso8859_13", "iso8859_14", "iso8859_15", "iso8859_16", "koi8_r", "koi8_u", "cp866",
    "mac_roman", "mac_cyrillic", "gb18030", "big5", "euc_jp", "iso2022_jp", "shift_jis", "cp932", "euc_kr",
    "cp949",
)
_HIGH_BYTES = bytes(range(0x80, 0x100))
# Bytes read as UTF-8 when they hold at least this many valid multi-byte sequences per byte
# that is not part of one (legacy text makes a valid sequence only by chance: windows-1256
# Arabic about 1 per 200 high bytes, GB2312 Chinese about 1 per 3).
UTF8_SEQUENCES_PER_STRAY_BYTE = 10
# Mojibake: UTF-8 read as windows-1252 or latin-1 ("Ã©" for é, "Ã " for à, "â€™" for ’, "Ø§" for
# ا, "Â " for a no-break space): the character of a UTF-8 lead byte followed by the characters of
# its continuation bytes (0x80-0xBF as windows-1252 reads them, or as C1 controls). Limited to what
# Latin, Arabic and other alphabetic text turns into: two-byte sequences (U+0080-U+07FF) and the
# three-byte ones of punctuation and symbols (lead 0xE2: ’ “ ” … – — € ™) and of the byte order
# mark ("ï»¿"). A no-break space counts as a continuation only after "Â" and "Ã", since French
# writes one after any letter ("É  " in a ticker). Other scripts' mojibake is left to the byte check.
_CONTINUATION = re.escape(bytes(range(0x80, 0xC0)).decode("cp1252", "newsarchive_windows_1252").replace("\xa0", ""))
_CONTINUATION += "\x80-\x9f"
# (One leading character class, the lead byte's, then the rest by lookbehind: four times faster.)
_MOJIBAKE = re.compile(
    f"[\u00c2-\u00df\u00e2\u00ef](?:(?<=[\u00c2\u00c3])[{_CONTINUATION}\xa0]|(?<=[\u00c4-\u00df])[{_CONTINUATION}]"
    f"|(?<=\u00e2)[{_CONTINUATION}\xa0]{{2}}|(?<=\u00ef)\u00bb\u00bf)"
)
# Replacement characters (bytes the encoding cannot read) and C1 controls (what a latin-1 or
# ISO-8859 reading makes of windows-125x punctuation: U+0092 for ’).
_UNREADABLE = re.compile("[\ufffd\x80-\x9f]")
# Any character that may begin a flaw: one search clears most texts.
_FLAW_START = re.compile("[\ufffd\x80-\x9f\u00c2-\u00df\u00e2\u00ef]")
_UTF8 = frozenset({"utf-8", "utf-8-sig"})
# The statistical detector is asked only about bytes with at least this many non-ASCII bytes.
DETECTOR_MIN_HIGH_BYTES = 16


@dataclass(frozen=True)
class Decoded:
    """A page's text and how it was read."""

    text: str
    encoding: str  # the codec that produced the text, by Python's name: utf-8, cp1252, cp1256...
    source: str  # the candidate that won: bom, http, meta, utf-8, detector or windows-1252
    clean: bool  # no sign of a wrong decoding; False: every candidate showed some, this the fewest
    flaws: int  # replacement characters, C1 controls and mojibake sequences in the text


def decode(data: bytes, content_type: str | None = None) -> Decoded:
    """Decode a saved or fetched page, checking the result.

    The candidates, in order: the byte order mark; the charset of the HTTP Content-Type; the
    page's own declaration (<meta charset>, <meta http-equiv>, <?xml encoding?>), the three as
    w3lib reads them (WHATWG names: ISO-8859-1 is windows-1252, GB2312 is GB18030); UTF-8
    (strictly valid UTF-8 is a proof of itself: legacy text is almost never valid UTF-8);
    charset-normalizer's statistical detection, limited to the encodings of the web and kept
    only when it recognises a language; windows-1252.

    Each decoding is checked for the signs of a wrong one: U+FFFD replacement characters (bytes
    the encoding cannot read), C1 control characters, mojibake (UTF-8 read as windows-1252:
    "Ã©", "â€™", "Ø§"), and, for any encoding but UTF-8, bytes that are valid UTF-8 (UTF-8
    Arabic read as windows-1256 shows no replacement character, only nonsense). The first
    clean decoding wins; when none is clean, the one with the fewest flaws, `clean=False`.
    """
    best: Decoded | None = None
    tried: set[str] = set()
    for source, encoding in _candidates(data, content_type):
        name = _codec_name(encoding)
        if name is None or name in tried:
            continue
        tried.add(name)
        text = _decode(data, name)
        flaws = _flaws(text, name, data)
        if best is None or flaws < best.flaws:
            best = Decoded(text.lstrip("\ufeff"), name, source, flaws == 0, flaws)
        if flaws == 0:
            break
    return best


def decode_page(data: bytes, content_type: str | None = None) -> str:
    """The text of a saved or fetched page (decode(...).text)."""
    return decode(data, content_type).text


def _candidates(data: bytes, content_type: str | None):
    """(source, encoding) pairs, in the order they are tried; the detector only when reached."""
    bom_encoding, _ = read_bom(data)
    if bom_encoding:
        yield "bom", bom_encoding
    if encoding := http_content_type_encoding(content_type or ""):
        yield "http", encoding
    if encoding := html_body_declared_encoding(data):
        yield "meta", encoding
    yield "utf-8", "utf-8"
    if encoding := _detected(data):
        yield "detector", encoding
    yield "windows-1252", "cp1252"


def _codec_name(encoding: str) -> str | None:
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return None
    return f"{name}-be" if name in ("utf-16", "utf-32") else name  # no byte order mark: big-endian


def _decode(data: bytes, name: str) -> str:
    bom_encoding, bom = read_bom(data)
    if bom_encoding and _codec_name(bom_encoding) == name:
        data = data[len(bom):]
    if name == "cp1252":
        return data.decode("cp1252", "newsarchive_windows_1252")
    return to_unicode(data, name)  # U+FFFD for what cannot be read (GB18030 as browsers read it)


# In UTF-8 bytes: a C1 control (C2 80-9F), and what every mojibake sequence begins with (the
# UTF-8 of a lead character, C3 82-9F, C3 A2 or C3 AF, then the first byte of a continuation
# character's: C2, C5, C6, CB or E2). Searching the bytes for these is much cheaper than
# scanning the text with _UNREADABLE and _MOJIBAKE, and a UTF-8 page is most pages.
_UTF8_C1 = re.compile(rb"\xc2[\x80-\x9f]")
_UTF8_MOJIBAKE_START = re.compile(rb"\xc3[\x82-\x9f\xa2\xaf][\xc2\xc5\xc6\xcb\xe2]")


def _flaws(text: str, name: str, data: bytes) -> int:
    if text.isascii():
        return 0
    flaws = 0
    if name in _UTF8:  # the same count as below, found through the bytes
        flaws = text.count("\ufffd")
        if _UTF8_C1.search(data):
            flaws += len(re.findall("[\x80-\x9f]", text))
        if _UTF8_MOJIBAKE_START.search(data):
            flaws += len(_MOJIBAKE.findall(text))
    elif _FLAW_START.search(text):
        flaws = len(_UNREADABLE.findall(text)) + len(_MOJIBAKE.findall(text))
    if name.startswith(("utf-16", "utf-32")):
        if b"\x00" not in data:
            flaws += len(text)  # text in UTF-16 or UTF-32 always has zero bytes (its markup at least)
    elif name not in _UTF8:
        flaws += _utf8_sequences(data)
    return flaws


def _utf8_sequences(data: bytes) -> int:
    """How many multi-byte UTF-8 sequences the bytes hold when they read as UTF-8, else 0."""
    text = data.decode("utf-8", "replace")
    stray = text.count("\ufffd")  # about one per byte that is not part of a valid sequence
    sequences = len(text) - len(data.translate(None, _HIGH_BYTES)) - stray
    return sequences if sequences > 0 and stray * UTF8_SEQUENCES_PER_STRAY_BYTE <= sequences else 0


def _detected(data: bytes) -> str | None:
    """charset-normalizer's answer among the web's encodings, if it has enough to go on (a few
    characters are no evidence: it reads "café" as Russian) and recognises a language."""
    from charset_normalizer import from_bytes  # imported when first needed: most pages never are

    if len(data) - len(data.translate(None, _HIGH_BYTES)) < DETECTOR_MIN_HIGH_BYTES:
        return None
    match = from_bytes(data, cp_isolation=list(WEB_ENCODINGS)).best()
    if match is None or not match.language or match.language == "Unknown":
        return None
    return match.encoding
