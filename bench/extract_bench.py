"""Extraction benchmark: newsarchive's generic page object against trafilatura, side by side.

    .venv/bin/python -m bench.extract_bench [--corpus PATH] [--limit N] [--out DIR]

Both extractors read the same pages of the development set (../shared/corpora/
article-extraction-dataset/: saved HTML and hand-cleaned truth) in one process, from the same
input: the page decoded to a str (crawler.core.text.decode, outside the timing). newsarchive
runs through `crawler.sites.generic.page.parse_page(url, html)`; trafilatura through
`trafilatura.bare_extraction(html, url=url, with_metadata=True)` with its default settings
(fallback extractors included), its body being the document's `text` and its title, author and
date coming from the same call. The order alternates page by page (newsarchive first on even
pages, trafilatura first on odd ones); pages per second are the pages divided by the summed time
of that extractor's calls (one warm-up call of each on the first page is not counted): CPU time
of the process (time.process_time), which other work on a shared machine does not inflate, and
wall-clock time beside it ("wall p/s").

Scoring, the same rules for both:

- Body: the corpus README's (as the scrapinghub article-extraction-benchmark): `\\w+` tokens,
  case kept, in 4-token shingles (a text of fewer than 4 tokens is one shingle), counted as
  multisets; per page precision = shared / extracted, recall = shared / truth; precision is
  averaged over the pages with output, recall over all pages, F1 from the two averages.
  newsarchive's body is its paragraphs joined by newlines.
- Title: exact match after Unicode NFC and whitespace collapse (runs of whitespace to one
  space, stripped). Nothing else is normalised (quotes, case, dashes count).
- Date: the extracted date's first 10 characters equal the truth's YYYY-MM-DD.
- Authors: the truth string and each extracted name are split on ",", ";", "&" and the word
  "and"; each piece is NFC-normalised, whitespace-collapsed and lower-cased, empties dropped;
  the two sets must be equal. A page whose truth has no author matches only when the extractor
  gives none. (trafilatura gives one string, its names joined by "; ": split the same way.)

Per-page results (both extractors' fields, body precision/recall, matches, errors) go to
OUT/extract.json so that failures can be inspected; OUT defaults to bench/out/ (git-ignored).
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import re
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpora" / "article-extraction-dataset"
DEFAULT_OUT = ROOT / "bench" / "out"

TOKEN = re.compile(r"\w+", re.UNICODE)
AUTHOR_SPLIT = re.compile(r"\s*(?:[,;&]|\band\b)\s*", re.IGNORECASE)


# --- scoring -------------------------------------------------------------------------------------
def shingles(text: str, n: int = 4) -> Counter:
    tokens = TOKEN.findall(text or "")
    return Counter(tuple(tokens[i:i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i:i + n])


def body_scores(truth: str, extracted: str) -> tuple[float | None, float]:
    """(precision or None when nothing was extracted, recall)."""
    t, e = shingles(truth), shingles(extracted)
    shared = sum((t & e).values())
    precision = shared / sum(e.values()) if e else None
    recall = shared / sum(t.values()) if t else (1.0 if not e else 0.0)
    return precision, recall


def norm_text(text: str | None) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def title_match(truth: str, extracted: str | None) -> bool:
    return norm_text(truth) == norm_text(extracted)


def date_match(truth: str, extracted: str | None) -> bool:
    return bool(extracted) and extracted[:10] == truth[:10]


def author_set(names) -> frozenset[str]:
    if isinstance(names, str):
        names = [names]
    pieces = (p for name in names or [] for p in AUTHOR_SPLIT.split(norm_text(name)))
    return frozenset(p.lower() for p in pieces if p.strip())


def authors_match(truth: str, extracted) -> bool:
    return author_set(truth) == author_set(extracted)


# --- the extractors ------------------------------------------------------------------------------
def run_newsarchive(url: str, html: str) -> dict:
    from crawler.sites.generic.page import parse_page

    page = parse_page(url, html, is_html=True)
    a = page.article
    if a is None:
        return {"article": False, "body": "", "title": None, "date": None, "authors": []}
    return {"article": True, "body": "\n".join(a.paragraphs), "title": a.title, "date": a.published,
            "published_at": getattr(a, "published_at", None), "authors": list(getattr(a, "authors", []) or []),
            "language": a.language, "publisher": a.publisher, "image": a.image_url,
            "canonical": page.canonical_link}


def run_trafilatura(url: str, html: str) -> dict:
    import trafilatura

    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True)
    if doc is None:
        return {"article": False, "body": "", "title": None, "date": None, "authors": []}
    author = doc.author or ""
    return {"article": True, "body": doc.text or "", "title": doc.title, "date": doc.date,
            "authors": [a for a in author.split("; ") if a], "language": doc.language,
            "publisher": doc.sitename, "image": doc.image}


EXTRACTORS = {"newsarchive": run_newsarchive, "trafilatura": run_trafilatura}


# --- the run -------------------------------------------------------------------------------------
def load_pages(corpus: Path, limit: int | None):
    from crawler.core.text import decode

    with gzip.open(corpus / "articles.json.gz", "rt", encoding="utf-8") as f:
        truth = json.load(f)
    pages = []
    for key, t in sorted(truth.items(), key=lambda kv: kv[1].get("id", 0)):
        path = corpus / "html" / f"{key}.html.gz"
        if not path.exists():
            continue
        html = decode(gzip.decompress(path.read_bytes()), "text/html").text
        pages.append((key, t, html))
        if limit and len(pages) >= limit:
            break
    return pages


def timed(fn, url, html):
    """(the extractor's result, CPU seconds, wall seconds) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        result, error = fn(url, html), None
    except Exception as exc:  # an extractor's failure is a page without output, counted
        result, error = {"article": False, "body": "", "title": None, "date": None, "authors": []}, repr(exc)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    result["error"] = error
    return result, cpu, wall


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    logging.disable(logging.CRITICAL)  # trafilatura logs every discarded page

    pages = load_pages(args.corpus, args.limit)
    if not pages:
        print(f"no pages in {args.corpus}", file=sys.stderr)
        return 1
    names = list(EXTRACTORS)
    for name in names:  # warm-up: imports, lazy models, caches
        timed(EXTRACTORS[name], pages[0][1]["url"], pages[0][2])

    totals = {name: 0.0 for name in names}
    walls = {name: 0.0 for name in names}
    rows = []
    for i, (key, truth, html) in enumerate(pages):
        url = truth["url"]
        row = {"id": key, "url": url, "truth": {"title": truth["title"], "authors": truth["authors"],
                                                "date": truth["date"], "body_start": truth["articleBody"][:200]}}
        for name in (names if i % 2 == 0 else names[::-1]):
            result, elapsed, wall = timed(EXTRACTORS[name], url, html)
            totals[name] += elapsed
            walls[name] += wall
            precision, recall = body_scores(truth["articleBody"], result["body"])
            result.update(
                seconds=round(elapsed, 5), precision=precision, recall=recall,
                title_ok=title_match(truth["title"], result["title"]),
                date_ok=date_match(truth["date"], result["date"]),
                authors_ok=authors_match(truth["authors"], result["authors"]),
            )
            result["body_start"], result["body_end"] = result["body"][:200], result["body"][-200:]
            result["body_chars"] = len(result.pop("body"))
            row[name] = result
        rows.append(row)

    n = len(rows)
    summary = {}
    for name in names:
        precisions = [r[name]["precision"] for r in rows if r[name]["precision"] is not None]
        p = sum(precisions) / len(precisions) if precisions else 0.0
        r_ = sum(r[name]["recall"] for r in rows) / n
        summary[name] = {
            "pages": n, "with_output": len(precisions), "precision": p, "recall": r_,
            "f1": 2 * p * r_ / (p + r_) if p + r_ else 0.0,
            "title": sum(r[name]["title_ok"] for r in rows) / n,
            "date": sum(r[name]["date_ok"] for r in rows) / n,
            "authors": sum(r[name]["authors_ok"] for r in rows) / n,
            "errors": sum(bool(r[name]["error"]) for r in rows),
            "seconds": totals[name], "pages_per_s": n / totals[name] if totals[name] else 0.0,
            "wall_seconds": walls[name], "wall_pages_per_s": n / walls[name] if walls[name] else 0.0,
        }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "extract.json").write_text(json.dumps({"summary": summary, "pages": rows}, ensure_ascii=False,
                                                      indent=1), encoding="utf-8")
    print(table(summary))
    print(f"per-page results: {args.out / 'extract.json'}")
    return 0


def table(summary: dict) -> str:
    columns = ("pages", "body P", "body R", "body F1", "title", "date", "authors", "pages/s", "wall p/s")
    lines = [f"{'extractor':<12}" + "".join(f"{c:>9}" for c in columns)]
    for name, s in summary.items():
        values = (s["pages"], s["precision"], s["recall"], s["f1"], s["title"], s["date"], s["authors"],
                  s["pages_per_s"], s["wall_pages_per_s"])
        lines.append(f"{name:<12}" + "".join(f"{v:>9}" if isinstance(v, int) else f"{v:>9.3f}" for v in values))
    a, b = summary.get("newsarchive"), summary.get("trafilatura")
    if a and b:
        lines.append(f"{'ratio':<12}{'':>9}" + "".join(
            f"{(a[k] / b[k] if b[k] else 0):>9.3f}" for k in ("precision", "recall", "f1", "title", "date",
                                                              "authors", "pages_per_s", "wall_pages_per_s")))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
