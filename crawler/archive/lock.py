"""One writer at a time for an archive: an exclusive lock held for the lifetime of a crawl.

The lock is an ``fcntl.flock`` on the archive file itself, so it is keyed on the file's
identity (device and inode), not on a path: a second crawl through a hard link, a symbolic
link or another spelling of the path is refused too, and a file put in the archive's place is
another archive. An archive that does not exist yet is created first, as an empty SQLite
database. The kernel owns the lock: when the holding process exits for any reason, including
SIGKILL or a crash, its descriptors are closed and the lock is released at once, so there is
no stale lock to clean up by hand.

flock and SQLite's own (POSIX, fcntl) locks do not interact on Linux, but a process that closes
any descriptor of a file loses its POSIX locks on it: so the holder keeps its descriptor open
until SQLite's connection to the archive is closed, and releases the lock last.

A file that is not an SQLite database (`--db README.md`) is refused before anything is
written: no information file is left beside it.

After acquiring, the holder writes one JSON line into an information file beside the archive
(``data/archive.db`` -> ``data/archive.db.lock``: its pid, its start time in UTC and its
command line) so that a second crawl can say who is in the way; that content is informational
only, the flock alone decides who holds the lock. On release the content is cleared.

    with ArchiveLock("data/archive.db"):          # fails at once if another crawl holds it
        run_crawl(...)

    lock = ArchiveLock("data/archive.db")
    lock.acquire(wait=600)                         # or wait=None: as long as it takes
    try:
        ...
    finally:
        lock.release()

Locks are per open file: two ArchiveLock objects in one process exclude each other too.
flock is reliable on local file systems; on network file systems (NFS, SMB) it depends on
the server and client, so keep archives that are crawled on a schedule on a local disk.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shlex
import sqlite3
import sys
import time
from pathlib import Path

from crawler.core import clock

POLL_INTERVAL = 0.1  # seconds between attempts while waiting


class LockError(Exception):
    """The lock could not be taken (one-line message for the user)."""


class LockHeld(LockError):
    """Another process holds the lock. ``holder`` is its details, or None if unknown."""

    def __init__(self, message: str, *, path: Path | None = None, holder: dict | None = None):
        super().__init__(message)
        self.message = message
        self.path = path
        self.holder = holder


def lock_path_for(db_path: str | os.PathLike) -> Path:
    """The holder's information file of an archive: the archive's path with ``.lock`` appended."""
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + ".lock")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, belongs to another user
        return True
    except OSError:
        return True
    return True


class ArchiveLock:
    """An exclusive lock on one archive file, taken with flock on ``<db>.lock``.

    ``acquire(wait=0)`` fails at once with LockHeld if another process holds it;
    ``wait=None`` waits for as long as it takes; ``wait=N`` waits up to N seconds.
    As a context manager it acquires with the ``wait`` given to the constructor (default 0).
    """

    def __init__(self, db_path: str | os.PathLike, *, wait: float | None = 0, command: str | None = None):
        self.db_path = Path(db_path)
        self.path = lock_path_for(self.db_path)  # who holds it (informational)
        self.wait = wait
        self.command = command if command is not None else shlex.join(sys.argv)
        self._fd: int | None = None  # the archive file, flock'ed

    def __repr__(self) -> str:
        return f"ArchiveLock({str(self.db_path)!r}, held={self.held})"

    @property
    def held(self) -> bool:
        """True while this object holds the lock."""
        return self._fd is not None

    # -- taking and giving back -------------------------------------------------------------

    def acquire(self, wait: float | None = 0) -> None:
        """Take the lock, or raise LockHeld (another process has it) or LockError (I/O error).

        wait=0: try once; wait=None: wait forever; wait=N: try every 0.1 s for up to N seconds.
        """
        if self._fd is not None:
            raise RuntimeError(f"{self!r} is already held by this object")
        if wait is not None and wait < 0:
            raise ValueError(f"wait must be None or >= 0, not {wait!r}")
        deadline = None if wait is None else time.monotonic() + wait
        while True:
            fd = self._try_lock()
            if fd is not None:
                break
            if deadline is not None and time.monotonic() >= deadline:
                raise self._held_error(waited=wait)
            pause = POLL_INTERVAL
            if deadline is not None:
                pause = max(0.0, min(pause, deadline - time.monotonic()))
            time.sleep(pause)
        self._fd = fd
        try:
            self._write_holder()
        except OSError as exc:
            self.release()
            raise LockError(f"cannot write lock file {self.path}: {exc.strerror or exc}") from None

    def release(self) -> None:
        """Clear the holder's information and give the lock back (no-op if not held)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            try:
                os.truncate(self.path, 0)
            except OSError:
                pass  # the content is informational; never keep the lock because of it
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def __enter__(self) -> "ArchiveLock":
        self.acquire(self.wait)
        return self

    def __exit__(self, *exc_info) -> None:
        self.release()

    # -- who holds it ----------------------------------------------------------------------

    def holder(self) -> dict | None:
        """{"pid", "since", "command"} of the current holder, read from the lock file without
        locking; None if the lock file is missing, empty or unreadable, or names a process
        that no longer exists (the OS released that process's lock when it died)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        try:
            data = json.loads(text)
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        pid = data.get("pid")
        if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
            return None
        if pid != os.getpid() and not _pid_alive(pid):
            return None
        since = data.get("since")
        command = data.get("command")
        return {
            "pid": pid,
            "since": since if isinstance(since, str) else None,
            "command": command if isinstance(command, str) else None,
        }

    # -- internals -------------------------------------------------------------------------

    def _open(self) -> int:
        """A descriptor of the archive file, created first (an empty SQLite database) if need be.
        LockError for a file that is no archive: it is not ours to lock, and no information file
        must be left beside it."""
        from crawler.archive.store import ArchiveError, check_file  # store imports nothing of this module

        try:
            check_file(self.db_path)
        except ArchiveError as exc:
            raise LockError(str(exc)) from None
        try:
            if not self.db_path.exists():
                self.db_path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self.db_path)
                try:
                    conn.execute("PRAGMA journal_mode = WAL")  # writes the database's header
                finally:
                    conn.close()
            return os.open(self.db_path, os.O_RDONLY | os.O_CLOEXEC)
        except (OSError, sqlite3.Error) as exc:
            raise LockError(f"cannot open {self.db_path} to lock it: {getattr(exc, 'strerror', None) or exc}") from None

    def _try_lock(self) -> int | None:
        """One non-blocking attempt: the locked descriptor, or None if another process holds it."""
        while True:
            fd = self._open()
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                os.close(fd)
                if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    return None
                raise LockError(f"cannot lock {self.db_path}: {exc.strerror or exc}") from None
            except BaseException:
                os.close(fd)
                raise
            # If the archive was deleted or replaced between our open and our flock, we hold a
            # lock on a file nobody else will open: start again with the current one.
            try:
                held, named = os.fstat(fd), os.stat(self.db_path)
                same = (held.st_dev, held.st_ino) == (named.st_dev, named.st_ino)
            except OSError:
                same = False
            if same:
                return fd
            os.close(fd)

    def _write_holder(self) -> None:
        data = {"pid": os.getpid(), "since": clock.timestamp(), "command": self.command}
        self.path.write_text(json.dumps(data, ensure_ascii=False) + "\n", encoding="utf-8")

    def _held_error(self, *, waited: float | None) -> LockHeld:
        holder = self.holder()
        details = ""
        if holder:
            details = f" (pid {holder['pid']}"
            if holder.get("since"):
                details += f", since {holder['since']}"
            details += ")"
        if waited:
            message = (
                f"another crawl is still writing {self.db_path}{details} after waiting {waited:g} s: "
                "wait for it to finish, or use a longer --wait"
            )
        else:
            message = f"another crawl is writing {self.db_path}{details}: wait for it to finish, or use --wait"
        return LockHeld(message, path=self.db_path, holder=holder)
