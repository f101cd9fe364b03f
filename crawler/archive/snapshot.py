"""Snapshots of an archive: a consistent, compacted copy in one file, to serve or publish."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Callable


class SnapshotError(Exception):
    """A snapshot cannot be written (one line, for the user)."""


PROGRESS_STEPS = 1_000_000  # SQLite virtual machine steps between two looks at the copy's size


def snapshot(db_path: str | Path, out_path: str | Path, *, overwrite: bool = False,
             progress: Callable[[int, int], None] | None = None) -> Path:
    """Write a consistent copy of the archive to out_path with VACUUM INTO, never a file copy.

    The copy is one transaction's view of the archive even while a crawl writes to it (WAL), is
    compacted, in rollback-journal mode (one file, no -wal or -shm: it can be served immutably or
    handed to `datasette publish`), and checked with PRAGMA quick_check. It is written beside
    out_path under a temporary name, then renamed: out_path is never left half written.
    """
    db_path, out = Path(db_path), Path(out_path)
    if not db_path.is_file():
        raise SnapshotError(f"no archive at {db_path}")
    if out.exists() and out.resolve() == db_path.resolve():
        raise SnapshotError(f"{out} is the archive itself: choose another file")
    if out.exists() and not overwrite:
        raise SnapshotError(f"{out} exists: choose another file, or overwrite it with --overwrite")
    if out.exists() and not out.is_file():
        raise SnapshotError(f"{out} is not a file")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SnapshotError(f"cannot create {out.parent}: {exc.strerror or exc}") from None
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        src = sqlite3.connect(db_path, timeout=30)
        if progress is not None:
            total = db_path.stat().st_size

            def report() -> int:
                try:
                    progress(tmp.stat().st_size, total)
                except FileNotFoundError:
                    pass
                return 0  # go on

            src.set_progress_handler(report, PROGRESS_STEPS)
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
            raise SnapshotError(f"the snapshot of {db_path} failed its check: {check}")
        os.replace(tmp, out)
    except sqlite3.Error as exc:
        raise SnapshotError(f"cannot snapshot {db_path}: {exc}") from None
    except OSError as exc:
        raise SnapshotError(f"cannot write {out}: {exc.strerror or exc}") from None
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + "-journal")):
            leftover.unlink(missing_ok=True)
    return out
