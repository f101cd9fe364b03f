"""Evaluate StoryGroups.same_story on the labelled headline pairs.

    .venv/bin/python bench/story_eval.py                 # Markdown report on stdout
    .venv/bin/python bench/story_eval.py --errors        # also list the misjudged pairs
    .venv/bin/python bench/story_eval.py --threshold 0.7 --pairs seeds/labelled/headline_pairs.tsv

The TSV has a header and columns a, b, same (1/0), lang (fr/ar), note, split (tune/heldout).
The default threshold (crawler.grouping.stories.DEFAULT_STORY_THRESHOLD) was chosen on the `tune` rows
only, by `choose_threshold`: the best-recall threshold on a 0.05 grid whose precision there is
>= 0.95, the highest of equal recalls (precision first). The `heldout` rows show
how that choice carries over to pairs it was not tuned on. A benchmark, not a test: exits 0.
"""

from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import dataclass
from pathlib import Path

from crawler.grouping.stories import DEFAULT_STORY_THRESHOLD, analyse, compare

ROOT = Path(__file__).resolve().parent.parent

PAIRS = ROOT / "seeds" / "labelled" / "headline_pairs.tsv"
SWEEP = (0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 1.0)


@dataclass
class Pair:
    a: str
    b: str
    same: bool
    lang: str
    note: str
    split: str


def load_pairs(path: Path = PAIRS) -> list[Pair]:
    """The labelled pairs of the TSV (split defaults to `tune` when the column is absent)."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [Pair(r["a"], r["b"], r["same"].strip() == "1", r["lang"].strip(), r.get("note") or "",
                 (r.get("split") or "tune").strip()) for r in rows]


def scores(pairs: list[Pair]) -> list[tuple[Pair, float, str | None]]:
    """(pair, score, veto) for every pair; the decision at threshold t is score >= t."""
    out = []
    for p in pairs:
        m = compare(analyse(p.a), analyse(p.b), 1.0)
        out.append((p, m.score, m.veto))
    return out


def metrics(scored, threshold: float) -> dict:
    """Counts, precision, recall and F1 of `score >= threshold` against the labels."""
    tp = sum(1 for p, s, _ in scored if s >= threshold and s > 0 and p.same)
    fp = sum(1 for p, s, _ in scored if s >= threshold and s > 0 and not p.same)
    fn = sum(1 for p, s, _ in scored if not (s >= threshold and s > 0) and p.same)
    tn = len(scored) - tp - fp - fn
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"n": len(scored), "pos": tp + fn, "neg": fp + tn, "tp": tp, "fp": fp, "fn": fn, "tn": tn,
            "precision": precision, "recall": recall, "f1": f1}


GRID = tuple(round(0.05 * i, 2) for i in range(6, 21))  # 0.3 .. 1.0


def choose_threshold(scored, min_precision: float = 0.95) -> float:
    """The grid threshold of best recall among those whose precision is >= min_precision; among
    thresholds of equal recall the highest (precision first: same recall, more margin above the
    highest-scoring negatives)."""
    best = (1.0, -1.0)
    for t in GRID:
        m = metrics(scored, t)
        if m["precision"] >= min_precision and m["recall"] >= best[1]:
            best = (t, m["recall"])
    return best[0]


def row(label: str, m: dict) -> str:
    return (f"| {label} | {m['n']} | {m['pos']}/{m['neg']} | {m['tp']} | {m['fp']} | {m['fn']} | "
            f"{m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=Path, default=PAIRS)
    parser.add_argument("--threshold", type=float, default=DEFAULT_STORY_THRESHOLD)
    parser.add_argument("--errors", action="store_true", help="list the misjudged pairs")
    args = parser.parse_args(argv)

    pairs = load_pairs(args.pairs)
    scored = scores(pairs)
    t = args.threshold
    tune = [x for x in scored if x[0].split == "tune"]
    held = [x for x in scored if x[0].split != "tune"]
    print(f"# Story evaluation: {args.pairs.relative_to(ROOT) if args.pairs.is_relative_to(ROOT) else args.pairs}\n")
    print(f"{len(pairs)} labelled pairs ({sum(1 for p in pairs if p.split == 'tune')} tune, "
          f"{sum(1 for p in pairs if p.split != 'tune')} held-out); threshold {t}.\n")
    print(f"Threshold choice on the tune split (best recall with precision >= 0.95, the highest of "
          f"equal recalls): {choose_threshold(tune)}.\n")
    print("| subset | pairs | pos/neg | TP | FP | FN | precision | recall | F1 |")
    print("|---|---|---|---|---|---|---|---|---|")
    for split_name, subset in (("tune", tune), ("heldout", held), ("all", scored)):
        print(row(split_name, metrics(subset, t)))
        for lang in ("fr", "ar"):
            part = [x for x in subset if x[0].lang == lang]
            if part:
                print(row(f"{split_name} / {lang}", metrics(part, t)))
    print("\n## Threshold sweep\n")
    print("| threshold | tune P | tune R | tune F1 | heldout P | heldout R | heldout F1 | all P | all R | all F1 |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for s in sorted(set(SWEEP) | {t}):
        a, b, c = metrics(tune, s), metrics(held, s), metrics(scored, s)
        mark = " **(chosen)**" if s == t else ""
        print(f"| {s}{mark} | {a['precision']:.3f} | {a['recall']:.3f} | {a['f1']:.3f} | {b['precision']:.3f} | "
              f"{b['recall']:.3f} | {b['f1']:.3f} | {c['precision']:.3f} | {c['recall']:.3f} | {c['f1']:.3f} |")
    vetoes: dict[str, int] = {}
    for p, s, v in scored:
        if v and not p.same:
            vetoes[v] = vetoes.get(v, 0) + 1
    print("\nNegatives rejected by a veto: " + ", ".join(f"{k} {n}" for k, n in sorted(vetoes.items())))
    if args.errors:
        print("\n## Misjudged pairs\n")
        print("| split | lang | label | score | veto | a | b | note |")
        print("|---|---|---|---|---|---|---|---|")
        for p, s, v in scored:
            if (s >= t and s > 0) != p.same:
                print(f"| {p.split} | {p.lang} | {int(p.same)} | {s} | {v or ''} | {p.a} | {p.b} | {p.note} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
