"""Evaluate the headline story methods on labelled pairs: same story or not.

    .venv/bin/python -m bench.story_eval                      # both methods, both labelled sets
    .venv/bin/python -m bench.story_eval --errors             # also list the pairs the default method misjudges
    .venv/bin/python -m bench.story_eval --pairs FILE.json    # score an outside set
    .venv/bin/python -m bench.story_eval --method rules --threshold 0.7

The labelled sets (seeds/labelled/):
* story_pairs_blind.json: 447 pairs written by someone who never saw the rules (issue 15), split
  into `dev` (tuning) and `test` (frozen before any rule was written, reported, never tuned on);
* headline_pairs.tsv: the first set, written with the first method (`tune` / `heldout`).

An outside set is a JSON object whose `pairs` are [headline_a, headline_b, same_story, ...]
lists (extra elements ignored; a 4th element "fr"/"ar" gives the language, else it is guessed).
The output ends with one line: `precision P recall R pairs N` (the default method at its
threshold; on the blind test split when no --pairs is given). A benchmark, not a test: exits 0,
or 2 with a one-line error when the pairs file cannot be read.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from crawler.grouping.lexicon import is_arabic
from crawler.grouping.stories import DEFAULT_METHOD, METHODS

ROOT = Path(__file__).resolve().parent.parent
BLIND = ROOT / "seeds" / "labelled" / "story_pairs_blind.json"
FIRST = ROOT / "seeds" / "labelled" / "headline_pairs.tsv"
GRID = tuple(round(0.05 * i, 2) for i in range(6, 21))  # 0.3 .. 1.0


@dataclass
class Pair:
    a: str
    b: str
    same: bool
    lang: str
    split: str
    category: str = ""


class PairsError(Exception):
    """A pairs file that cannot be read (the message is the one line the user sees)."""


def _lang(a: str) -> str:
    return "ar" if any(is_arabic(ch) for ch in a if ch.isalpha()) else "fr"


def load_json(path: Path) -> list[Pair]:
    """The pairs of a JSON pairs file: {"pairs": [[a, b, same, lang?, category?, note?, split?], ...]}."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PairsError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise PairsError(f"{path} is not JSON: {exc}") from None
    rows = data.get("pairs") if isinstance(data, dict) else None
    if not isinstance(rows, list) or not rows:
        raise PairsError(f"{path}: expected a JSON object with a non-empty list \"pairs\"")
    pairs = []
    for n, row in enumerate(rows, 1):
        if (not isinstance(row, list) or len(row) < 3 or not isinstance(row[0], str) or not isinstance(row[1], str)
                or not isinstance(row[2], bool) or not row[0].strip() or not row[1].strip()):
            raise PairsError(f"{path}: pair {n} is not [headline_a, headline_b, true|false, ...]")
        lang = row[3] if len(row) > 3 and row[3] in ("fr", "ar") else _lang(row[0])
        pairs.append(Pair(row[0], row[1], row[2], lang, str(row[6]) if len(row) > 6 else "all",
                          str(row[4]) if len(row) > 4 else ""))
    return pairs


def load_tsv(path: Path = FIRST) -> list[Pair]:
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [Pair(r["a"], r["b"], r["same"].strip() == "1", r["lang"].strip(), (r.get("split") or "tune").strip(),
                 r.get("note") or "") for r in rows]


def scores(pairs: list[Pair], method: str) -> list[tuple[Pair, float, str | None]]:
    """(pair, score, veto) for every pair (the score does not depend on the threshold; the
    decision at t is score >= t and score > 0)."""
    m = METHODS[method]
    out = []
    for p in pairs:
        match = m.compare(m.analyse(p.a), m.analyse(p.b), 1.0)
        out.append((p, match.score, match.veto))
    return out


def metrics(scored, threshold: float) -> dict:
    tp = sum(1 for p, s, _ in scored if s >= threshold and s > 0 and p.same)
    fp = sum(1 for p, s, _ in scored if s >= threshold and s > 0 and not p.same)
    fn = sum(1 for p, s, _ in scored if not (s >= threshold and s > 0) and p.same)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"n": len(scored), "pos": tp + fn, "tp": tp, "fp": fp, "fn": fn,
            "precision": precision, "recall": recall, "f1": f1}


def choose_threshold(scored, min_precision: float = 0.95) -> float:
    """The grid threshold of best recall among those whose precision is >= min_precision (the
    highest of equal recalls); if none reaches it, the one of best F0.5 (precision counted
    twice as much as recall)."""
    reaching = [(metrics(scored, t)["recall"], t) for t in GRID if metrics(scored, t)["precision"] >= min_precision]
    if reaching:
        return max(reaching)[1]

    def f_half(t):
        m = metrics(scored, t)
        p, r = m["precision"], m["recall"]
        return 1.25 * p * r / (0.25 * p + r) if p + r else 0.0

    return max(GRID, key=lambda t: (f_half(t), t))


def row(label: str, m: dict) -> str:
    return (f"| {label} | {m['n']} | {m['pos']} | {m['tp']} | {m['fp']} | {m['fn']} | "
            f"{m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} |")


def report(title: str, pairs: list[Pair], splits: list[str], thresholds: dict[str, float]) -> None:
    print(f"## {title}\n")
    print("| method, subset | pairs | same | TP | FP | FN | precision | recall | F1 |")
    print("|---|---|---|---|---|---|---|---|---|")
    for method, t in thresholds.items():
        scored = scores(pairs, method)
        for split in splits:
            part = [x for x in scored if split == "all" or x[0].split == split]
            if not part:
                continue
            print(row(f"{method} ({t}), {split}", metrics(part, t)))
            for lang in ("fr", "ar"):
                sub = [x for x in part if x[0].lang == lang]
                if sub:
                    print(row(f"{method} ({t}), {split} / {lang}", metrics(sub, t)))
    print()


def errors(scored, threshold: float) -> None:
    print("| label | score | veto | a | b | category |")
    print("|---|---|---|---|---|---|")
    for p, s, v in scored:
        if (s >= threshold and s > 0) != p.same:
            print(f"| {'same' if p.same else 'not'} | {s} | {v or ''} | {p.a} | {p.b} | {p.category} |")
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=Path, help="an outside set (JSON) to score")
    parser.add_argument("--method", choices=sorted(METHODS), default=DEFAULT_METHOD)
    parser.add_argument("--threshold", type=float, help="(default: the method's own)")
    parser.add_argument("--errors", action="store_true", help="list the misjudged pairs")
    args = parser.parse_args(argv)
    t = METHODS[args.method].DEFAULT_THRESHOLD if args.threshold is None else args.threshold

    if args.pairs is not None:
        try:
            pairs = load_json(args.pairs)
        except PairsError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"# Story evaluation: {args.pairs}\n")
        report(f"{len(pairs)} pairs", pairs, ["all"], {args.method: t})
        scored = scores(pairs, args.method)
        final = metrics(scored, t)
        if args.errors:
            errors(scored, t)
    else:
        blind, first = load_json(BLIND), load_tsv()
        thresholds = {m: METHODS[m].DEFAULT_THRESHOLD for m in (DEFAULT_METHOD, *sorted(set(METHODS) - {DEFAULT_METHOD}))}
        if args.threshold is not None:
            thresholds[args.method] = t
        print("# Story evaluation\n")
        dev = [x for x in scores(blind, args.method) if x[0].split == "dev"]
        print(f"Threshold choice for {args.method} on the blind set's dev split (best recall at precision "
              f">= 0.95, else best F0.5): {choose_threshold(dev)}; in use: {t}.\n")
        report(f"Blind set ({BLIND.name}): {len(blind)} pairs, "
               f"{sum(p.split == 'test' for p in blind)} in the frozen test split",
               blind, ["test", "dev"], thresholds)
        report(f"First set ({FIRST.name}): {len(first)} pairs, written with the first method",
               first, ["heldout", "tune"], thresholds)
        test = [p for p in blind if p.split == "test"]
        scored = scores(test, args.method)
        final = metrics(scored, t)
        if args.errors:
            print(f"## {args.method}: misjudged pairs of the blind test split\n")
            errors(scored, t)
    print(f"precision {final['precision']:.3f} recall {final['recall']:.3f} pairs {final['n']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
