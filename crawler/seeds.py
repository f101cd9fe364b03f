"""Seed URL lists: one URL a line; blank lines and lines starting with # are ignored."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = PROJECT_ROOT / "seeds"
DEFAULT_SEEDS = SEEDS_DIR / "urls" / "maghress.txt"
DEFAULT_MIRROR = SEEDS_DIR / "site"


def read_seed_urls(path: str | Path) -> list[str]:
    with open(path, encoding="utf-8") as f:
        lines = (line.strip() for line in f)
        return [line for line in lines if line and not line.startswith("#")]
