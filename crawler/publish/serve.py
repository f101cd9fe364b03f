"""Datasette configuration of an archive, serving it, and snapshots to publish.

The configuration is one file, crawler/datasette.yaml (settings, metadata, canned queries); the
archive's plugin is crawler/datasette_plugin.py and its templates are in crawler/templates/.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import sys
import tempfile
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

import yaml

METADATA_FILE = "datasette.yaml"
PLUGIN_MODULE = "crawler.datasette_plugin"
PLUGIN_NAME = "newsarchive"  # the name of the datasette entry point, and of pm.register below
TEMPLATES_DIR = Path(str(files("crawler").joinpath("templates")))


class PublishError(Exception):
    """A snapshot cannot be written (one line, for the user)."""


@lru_cache(maxsize=1)
def _config_text() -> str:
    return files("crawler").joinpath(METADATA_FILE).read_text(encoding="utf-8")


def _config() -> dict:
    return yaml.safe_load(_config_text())


DATASETTE_SETTINGS: dict = _config()["settings"]


def database_name(db_path: str | Path) -> str:
    """The name Datasette gives a database file: its name without the extension."""
    return Path(db_path).stem


def metadata(db_path: str | Path) -> dict:
    """Datasette metadata (title, descriptions, facets, hidden tables, canned queries) for an archive.

    Canned queries call the plugin's SQL functions (fts_query, paper...), so this also registers
    the plugin in this process: any Datasette built here with this metadata can run them.
    """
    ensure_plugin()
    meta = _config()
    meta.pop("settings", None)
    meta["databases"] = {database_name(db_path): meta["databases"].pop("DATABASE")}
    return meta


def settings(*, allow_sql: bool = True) -> dict:
    """Datasette settings: the public defaults of datasette.yaml, arbitrary SQL on or off."""
    return {**DATASETTE_SETTINGS, "default_allow_sql": bool(allow_sql)}


def ensure_plugin() -> None:
    """Register the archive's plugin with Datasette in this process, unless its entry point did."""
    import importlib

    from datasette.plugins import pm

    module = importlib.import_module(PLUGIN_MODULE)
    if not pm.is_registered(module) and pm.get_plugin(PLUGIN_NAME) is None:
        pm.register(module, name=PLUGIN_NAME)


def datasette(db_path: str | Path, *, immutable: bool = False, allow_sql: bool = True):
    """A Datasette (in this process) on the archive with its configuration, plugin and templates."""
    from datasette.app import Datasette

    ensure_plugin()
    files_ = {"immutables": [str(db_path)]} if immutable else {"files": [str(db_path)]}
    return Datasette(**files_, metadata=metadata(db_path), settings=settings(allow_sql=allow_sql),
                     template_dir=str(TEMPLATES_DIR))


def serve_args(db_path: str | Path, host: str, port: int, metadata_file: str | Path, *,
               immutable: bool = False, allow_sql: bool = True) -> list[str]:
    """The `datasette serve` arguments for the archive (without the program name)."""
    args = ["serve", "-i", str(db_path)] if immutable else ["serve", str(db_path)]
    args += ["--metadata", str(metadata_file), "--template-dir", str(TEMPLATES_DIR),
             "--host", host, "--port", str(port)]
    return args + setting_options(allow_sql=allow_sql)


def _setting_value(value) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def write_metadata(db_path: str | Path, out: str | Path) -> Path:
    """Write the archive's metadata as JSON (for `datasette --metadata` or `datasette publish`)."""
    out = Path(out)
    out.write_text(json.dumps(metadata(db_path), ensure_ascii=False, indent=2), encoding="utf-8")
    return out


def setting_options(*, allow_sql: bool = True) -> list[str]:
    """The settings as `datasette serve` options (--setting NAME VALUE ...)."""
    args = []
    for name, value in settings(allow_sql=allow_sql).items():
        args += ["--setting", name, _setting_value(value)]
    return args


def plugin_source() -> str:
    """The archive's plugin as one self-contained file (crawler/fold.py, then
    crawler/datasette_plugin.py), for `datasette --plugins-dir` where this package is not installed
    (a server `datasette publish` builds)."""
    fold_src = files("crawler").joinpath("fold.py").read_text(encoding="utf-8")
    plugin_src = files("crawler").joinpath("datasette_plugin.py").read_text(encoding="utf-8")
    future, own_import = "from __future__ import annotations\n", "from crawler.fold import fold, fts_query\n"
    if own_import not in plugin_src:
        raise PublishError("crawler/datasette_plugin.py no longer imports crawler.fold as expected")
    return (future + "# Written by newsarchive publish: crawler/fold.py and crawler/datasette_plugin.py in one file.\n"
            + fold_src.replace(future, "") + "\n\n" + plugin_src.replace(future, "").replace(own_import, ""))


def write_datasette_files(db_path: str | Path, folder: str | Path) -> Path:
    """Write what `datasette publish` (or any Datasette without this package) needs beside a
    snapshot: folder/metadata.json, folder/plugins/newsarchive.py, folder/templates/."""
    folder = Path(folder)
    (folder / "plugins").mkdir(parents=True, exist_ok=True)
    write_metadata(db_path, folder / "metadata.json")
    (folder / "plugins" / "newsarchive.py").write_text(plugin_source(), encoding="utf-8")
    shutil.copytree(TEMPLATES_DIR, folder / "templates", dirs_exist_ok=True)
    return folder


def serve(db_path: str | Path, host: str, port: int, *, immutable: bool = False, allow_sql: bool = True) -> None:
    """Run Datasette on the archive in the foreground (replaces this process).

    The live archive is served in normal mode (crawls may write to it meanwhile; WAL); a snapshot
    written by `snapshot` can be served immutably. Arbitrary SQL is on unless allow_sql is False.
    """
    meta_file = Path(tempfile.gettempdir()) / f"newsarchive-{os.getpid()}-metadata.json"
    write_metadata(db_path, meta_file)
    args = [sys.executable, "-m", "crawler.publish",
            *serve_args(db_path, host, port, meta_file, immutable=immutable, allow_sql=allow_sql)]
    sys.stdout.flush()
    os.execv(sys.executable, args)


def snapshot(db_path: str | Path, out_path: str | Path, *, overwrite: bool = False) -> Path:
    """Write a consistent copy of the archive to out_path with VACUUM INTO, never a file copy.

    The copy is one transaction's view of the archive even while a crawl writes to it (WAL), is
    compacted, in rollback-journal mode (one file, no -wal or -shm: it can be served immutably or
    handed to `datasette publish`), and checked with PRAGMA quick_check. It is written beside
    out_path under a temporary name, then renamed: out_path is never left half written.
    """
    db_path, out = Path(db_path), Path(out_path)
    if not db_path.is_file():
        raise PublishError(f"no archive at {db_path}")
    if out.exists() and out.resolve() == db_path.resolve():
        raise PublishError(f"{out} is the archive itself: choose another file")
    if out.exists() and not overwrite:
        raise PublishError(f"{out} exists: choose another file, or overwrite it with --overwrite")
    if out.exists() and not out.is_file():
        raise PublishError(f"{out} is not a file")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PublishError(f"cannot create {out.parent}: {exc.strerror or exc}") from None
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        src = sqlite3.connect(db_path, timeout=30)
        try:
            src.execute("VACUUM INTO ?", [str(tmp)])
        finally:
            src.close()
        copy = sqlite3.connect(tmp, isolation_level=None)
        try:
            copy.execute("PRAGMA journal_mode = DELETE")
            check = copy.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            copy.close()
        if check != "ok":
            raise PublishError(f"the snapshot of {db_path} failed its check: {check}")
        os.replace(tmp, out)
    except sqlite3.Error as exc:
        raise PublishError(f"cannot snapshot {db_path}: {exc}") from None
    except OSError as exc:
        raise PublishError(f"cannot write {out}: {exc.strerror or exc}") from None
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + "-journal")):
            leftover.unlink(missing_ok=True)
    return out


def main(argv: list[str] | None = None) -> None:
    """`python -m crawler.publish ARGS`: Datasette's command line with the archive's plugin loaded."""
    ensure_plugin()
    from datasette.cli import cli

    cli.main(args=list(sys.argv[1:] if argv is None else argv), prog_name="datasette")


if __name__ == "__main__":
    main()
