"""The language of an article's text: py3langid (langid.py's model, bundled in the package, no
download), the page's declared language as a check (pure)."""

from __future__ import annotations

import re
from functools import cache

# How much text is read: the first characters of the body are as telling as all of it, and
# py3langid's cost grows with the length.
SAMPLE_CHARS = 600
# Below this probability the detector's call is doubtful, and a declared language (the page's
# lang attribute) that is one of its top candidates is taken instead.
SURE = 0.90
_LANGUAGE_TAG = re.compile(r"^\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)*\s*$")


@cache
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def declared(tag: str | None) -> str | None:
    """The ISO 639-1 code of a language tag ("fr-FR", "ar_MA", "en"), or None."""
    m = _LANGUAGE_TAG.match(tag or "")
    return m.group(1).lower() if m and len(m.group(1)) == 2 else None


def detect(text: str, declared_tag: str | None = None, title: str | None = None) -> str | None:
    """The language of an article (ISO 639-1), or None when there is no text to tell."""
    sample = ((title or "") + "\n" + text[:SAMPLE_CHARS]).strip()
    page_says = declared(declared_tag)
    if len(sample) < 20:
        return page_says
    identifier = _identifier()
    ranked = identifier.rank(sample)
    best, probability = ranked[0]
    if probability >= SURE or page_says is None:
        return best
    top = {lang for lang, p in ranked[:3] if p >= 0.05}
    return page_says if page_says in top else best
