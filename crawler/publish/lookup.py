"""/-/article?url=: the article a URL a reader gives leads to, whatever form of it they copied.

An archive keys an article by its canonical URL (crawler.frontier.urls.canonicalize, the crawl's
own). A reader may hold the http:// form, the form without www., with a trailing "/", with
?utm_source=..., the URL the page was fetched at, or the original paper's URL the article
credits: each finds it (reads.ARTICLE_LOOKUP, on the articles' indexes), and the page moves to
the article's own address. A miss says which forms were looked up and offers a search.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from crawler.archive import reads
from crawler.frontier.urls import lookup_forms

SLUG_WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)  # words of three letters or more in a URL's path


def forms_of(url: str) -> list[str]:
    return lookup_forms(url)[: reads.LOOKUP_FORMS]


def params_of(forms: list[str]) -> dict[str, str]:
    padded = forms + [""] * (reads.LOOKUP_FORMS - len(forms))
    return {f"f{i}": form for i, form in enumerate(padded)}


async def find(db, url: str) -> tuple[str | None, list[str]]:
    """(the URL of the article `url` leads to, or None; the forms looked up)."""
    forms = forms_of(url)
    if not forms:
        return None, []
    rows = (await db.execute(reads.ARTICLE_LOOKUP, params_of(forms))).rows
    return (rows[0]["url"] if rows else None), forms


def search_words(url: str) -> str:
    """Words of a URL's path a search may find the article by ("la-smart-city-de-casablanca"
    -> "smart city casablanca"): its last segment with letters, at most 8 words."""
    try:
        path = unquote(urlsplit(url.strip()).path)
    except ValueError:
        return ""
    for segment in reversed([s for s in path.split("/") if s]):
        words = SLUG_WORD.findall(segment.replace("-", " ").replace("_", " "))
        if words:
            return " ".join(words[:8])
    return ""
