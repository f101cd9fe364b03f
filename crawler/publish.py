"""Datasette configuration of an archive, and serving it."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from importlib.resources import files
from pathlib import Path

import yaml

METADATA_FILE = "datasette.yaml"
DATASETTE_SETTINGS = {
    "sql_time_limit_ms": 3000,
    "max_returned_rows": 1000,
    "facet_time_limit_ms": 500,
    "default_facet_size": 20,
}


def database_name(db_path: str | Path) -> str:
    """The name Datasette gives a database file: its name without the extension."""
    return Path(db_path).stem


def metadata(db_path: str | Path) -> dict:
    """Datasette metadata (title, descriptions, facets, search, canned queries) for an archive."""
    meta = yaml.safe_load(files("crawler").joinpath(METADATA_FILE).read_text(encoding="utf-8"))
    meta["databases"] = {database_name(db_path): meta["databases"].pop("DATABASE")}
    return meta


def serve(db_path: str | Path, host: str, port: int) -> None:
    """Run Datasette on the archive in the foreground (replaces this process)."""
    meta_file = Path(tempfile.gettempdir()) / f"newsarchive-{os.getpid()}-metadata.json"
    meta_file.write_text(json.dumps(metadata(db_path), ensure_ascii=False), encoding="utf-8")
    args = [sys.executable, "-m", "datasette", "serve", str(db_path), "--metadata", str(meta_file),
            "--host", host, "--port", str(port)]
    for name, value in DATASETTE_SETTINGS.items():
        args += ["--setting", name, str(value)]
    sys.stdout.flush()
    os.execv(sys.executable, args)
