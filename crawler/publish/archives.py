"""Which of the databases Datasette serves are newsarchive archives: the plugin acts on those only.

A database is an archive when its _sqlite_migrations table has rows of the archive's migration
set ("newsarchive", crawler.archive.schema). Datasette's hooks that need to know are synchronous
(get_metadata, prepare_connection) and called often, so a database file is probed once, with a
connection of its own (read-only, or immutable for a database served immutably), and the answer
is kept until the file changes: its size, time and inode, and its -wal file's (a crawl writing
to a live archive changes them; an immutable snapshot is probed once). In-memory databases and
Datasette's _internal database are never archives.

A database file SQLite cannot read (damaged: "database disk image is malformed", or no SQLite
file at all: "file is not a database") is remembered as unreadable, with SQLite's reason: the
plugin answers 503 with a clear page for it (crawler.publish.gate), where Datasette would answer
500. `newsarchive serve` names the file it serves as an archive (DECLARED_ENV): a declared file
that holds no archive (an empty, 0-byte file) is refused the same way. Plain `datasette` on other
databases, empty ones included, is left alone.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from datasette.utils.asgi import NotFound

from crawler.archive import reads
from crawler.sites import registry
from crawler.sites.spec import SiteSpec

PROBE_TIMEOUT = 0.5  # seconds a probe waits for a lock (never, on a WAL archive or a snapshot)
DECLARED_ENV = "NEWSARCHIVE_SERVED_ARCHIVES"  # os.pathsep-separated files served as archives
UNREADABLE_CODES = (11, 26)  # SQLITE_CORRUPT, SQLITE_NOTADB (primary result codes)


@dataclass(frozen=True)
class ArchiveInfo:
    """What the plugin knows of an archive database."""

    pending: tuple[str, ...]  # migrations not applied yet (the pages need none pending)
    sites: tuple[str, ...]  # the sites its crawls crawled, the first crawled first

    def site_specs(self) -> list[SiteSpec]:
        """The specs of the sites the archive is of: the registered sites its crawls crawled; for
        an archive never crawled (or only by crawls that did not record their site), the one
        registered site if there is only one; else none (the pages then use generic wording)."""
        specs = []
        for name in self.sites:
            try:
                specs.append(registry.site(name))
            except registry.UnknownSite:
                continue
        return specs or (list(registry.sites()) if len(registry.sites()) == 1 else [])


@dataclass(frozen=True)
class Unreadable:
    """A database file SQLite cannot read, and why (SQLite's message)."""

    reason: str


_probed: dict[tuple[str, bool], tuple[tuple, ArchiveInfo | Unreadable | None]] = {}


def unreadable_error(exc: BaseException) -> bool:
    """Whether an exception says the database file is damaged or is no SQLite database."""
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(exc, sqlite3.DatabaseError) and code is not None and code & 0xFF in UNREADABLE_CODES


def _stamp(path: str, mutable: bool) -> tuple:
    if not mutable:
        return ("immutable",)
    stamp = []
    for name in (path, path + "-wal"):
        try:
            st = os.stat(name)
            stamp.append((st.st_size, st.st_mtime_ns, st.st_ino))
        except FileNotFoundError:
            stamp.append(None)
    return tuple(stamp)


def _probe(path: str, mutable: bool) -> ArchiveInfo | None:
    uri = Path(path).resolve().as_uri() + ("?mode=ro" if mutable else "?immutable=1")
    conn = sqlite3.connect(uri, uri=True, timeout=PROBE_TIMEOUT)
    try:
        pending = reads.archive_schema(conn)
        if pending is None:
            return None
        try:
            sites = reads.crawled_sites(conn)
        except sqlite3.OperationalError:  # an archive older than crawls.site
            sites = []
        return ArchiveInfo(pending=tuple(pending), sites=tuple(sites))
    finally:
        conn.close()


def _known(datasette, name: str | None) -> ArchiveInfo | Unreadable | None:
    """What a database (by name) is: an archive, a file SQLite cannot read, or neither (None)."""
    db = datasette.databases.get(name) if name else None
    if db is None or db.is_memory or not db.path or name == "_internal":
        return None
    key = (str(db.path), bool(db.is_mutable))
    try:
        stamp = _stamp(*key)
    except OSError:
        return None
    known = _probed.get(key)
    if known is not None and known[0] == stamp:
        return known[1]
    try:
        info = _probe(*key)
    except (sqlite3.Error, OSError) as exc:
        if unreadable_error(exc):
            info = Unreadable(str(exc))
        else:
            # Locked for now (a rollback-journal database being written): ask again next
            # time, and meanwhile keep the last answer.
            return known[1] if known else None
    _probed[key] = (stamp, info)
    return info


def archive_info(datasette, name: str | None) -> ArchiveInfo | None:
    """The archive a database (by name) holds, or None when it is no archive."""
    known = _known(datasette, name)
    return known if isinstance(known, ArchiveInfo) else None


def declared(datasette, name: str | None) -> bool:
    """Whether `newsarchive serve` declared this database's file an archive (DECLARED_ENV)."""
    db = datasette.databases.get(name) if name else None
    paths = [p for p in os.environ.get(DECLARED_ENV, "").split(os.pathsep) if p]
    if db is None or not db.path or not paths:
        return False
    try:
        return any(os.path.samefile(db.path, p) for p in paths if os.path.exists(p))
    except OSError:
        return False


def problem(datasette, name: str | None) -> str | None:
    """Why a database cannot be served as an archive, in a sentence, or None: its file is
    unreadable (any database), or it was declared an archive and holds none (an empty file)."""
    known = _known(datasette, name)
    db = datasette.databases.get(name) if name else None
    filename = Path(db.path).name if db is not None and db.path else name
    if isinstance(known, Unreadable):
        return f"{filename} is damaged or is no SQLite database (SQLite says: {known.reason})"
    if known is None and declared(datasette, name):
        try:
            empty = os.path.getsize(db.path) == 0
        except OSError:
            return f"{filename} is gone"
        return f"{filename} is empty (0 bytes)" if empty else f"{filename} holds no newsarchive archive"
    return None


def problems(datasette) -> dict[str, str]:
    """The served databases that cannot be served as archives: name -> why."""
    found = {}
    for name in list(datasette.databases):
        why = problem(datasette, name)
        if why:
            found[name] = why
    return found


def is_archive(datasette, name: str | None) -> bool:
    return archive_info(datasette, name) is not None


def archive_names(datasette) -> list[str]:
    """The names of the archive databases served, in Datasette's order."""
    return [name for name in list(datasette.databases) if is_archive(datasette, name)]


def first_archive(datasette):
    """The first archive database served (Datasette's Database), or None."""
    names = archive_names(datasette)
    return datasette.databases[names[0]] if names else None


UNREADABLE_TITLE = "This archive cannot be read"


def unreadable_message(why: str) -> str:
    return (f"{UNREADABLE_TITLE}: {why}. Serve a good copy instead (a backup, or a snapshot "
            "written by `newsarchive publish` before the damage).")


def archive_for(datasette, request):
    """The archive a page shows: the one named by ?db=, else the first one served. NotFound when
    there is none; a DatasetteError (503) when it cannot be read or its schema lacks migrations."""
    # Imported here, not with the module: Datasette imports its plugins before its views.
    from datasette.views.base import DatasetteError

    wanted = request.args.get("db")
    names = archive_names(datasette)
    if wanted:
        names = [n for n in names if n == wanted]
    if not names:
        broken = problems(datasette)
        why = broken.get(wanted) if wanted else next(iter(broken.values()), None)
        if why:
            raise DatasetteError(unreadable_message(why), title=UNREADABLE_TITLE, status=503)
        raise NotFound(f"No newsarchive archive named {wanted} is served here" if wanted
                       else "No newsarchive archive is served here")
    info = archive_info(datasette, names[0])
    if info is not None and info.pending:
        raise DatasetteError(
            f"The archive {names[0]} lacks the schema migrations {', '.join(info.pending)}: open it once with "
            f"newsarchive (e.g. `newsarchive serve --db FILE`), which migrates it, then serve it again",
            title="The archive needs migrating", status=503)
    return datasette.databases[names[0]]


def site_title(url: str | None, info: ArchiveInfo | None) -> str | None:
    """The name of the site an archived URL is from: the site that claims its host, else the
    first site the archive is of (pages replayed from another host), else None."""
    spec = registry.site_for_url(url or "")
    if spec is None:
        specs = info.site_specs() if info else []
        spec = specs[0] if specs else None
    return spec.title if spec else None
