"""`newsarchive serve`: stock Datasette on an archive, with the project's settings.

The plugin comes from its `datasette` entry point (crawler.publish), as in any Datasette where
newsarchive is installed; the settings of datasette.yaml are passed as `--setting` options.
Nothing is written anywhere.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from crawler.publish.config import settings


def _setting_value(value) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def setting_options(*, allow_sql: bool = True) -> list[str]:
    """The settings as `datasette serve` options (--setting NAME VALUE ...)."""
    args = []
    for name, value in settings(allow_sql=allow_sql).items():
        args += ["--setting", name, _setting_value(value)]
    return args


def serve_args(db_path: str | Path, host: str, port: int, *, immutable: bool = False,
               allow_sql: bool = True) -> list[str]:
    """The `datasette` arguments that serve the archive (without the program name)."""
    args = ["serve", "-i", str(db_path)] if immutable else ["serve", str(db_path)]
    return args + ["--host", host, "--port", str(port)] + setting_options(allow_sql=allow_sql)


def serve(db_path: str | Path, host: str, port: int, *, immutable: bool = False, allow_sql: bool = True) -> None:
    """Run Datasette on the archive in the foreground (replaces this process).

    The live archive is served in normal mode (crawls may write to it meanwhile; WAL); a snapshot
    written by `newsarchive publish` can be served immutably. Arbitrary SQL is on unless
    allow_sql is False.
    """
    args = [sys.executable, "-m", "datasette", *serve_args(db_path, host, port, immutable=immutable, allow_sql=allow_sql)]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, args)
