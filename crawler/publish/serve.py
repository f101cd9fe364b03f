"""`newsarchive serve`: stock Datasette on an archive, with the project's settings.

The plugin comes from its `datasette` entry point (crawler.publish), as in any Datasette where
newsarchive is installed; the settings of datasette.yaml are passed as `--setting` options, and
the file served is named to the plugin as an archive (crawler.publish.archives.DECLARED_ENV: an
empty or unreadable file is then refused with a clear page). Nothing is written anywhere.

Arbitrary SQL is off unless asked for (allow_sql). The server listens on 127.0.0.1 unless told
otherwise; on any other address, serve() first says on stderr what anyone who can reach it gets.
"""

from __future__ import annotations

import ipaddress
import os
import sys
from pathlib import Path

from crawler.publish.archives import DECLARED_ENV
from crawler.publish.config import settings
from crawler.publish.safety import MAX_RESULT_BYTES, MAX_VALUE_BYTES


def _setting_value(value) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def setting_options(*, allow_sql: bool = False) -> list[str]:
    """The settings as `datasette serve` options (--setting NAME VALUE ...)."""
    args = []
    for name, value in settings(allow_sql=allow_sql).items():
        args += ["--setting", name, _setting_value(value)]
    return args


def serve_args(db_path: str | Path, host: str, port: int, *, immutable: bool = False,
               allow_sql: bool = False) -> list[str]:
    """The `datasette` arguments that serve the archive (without the program name)."""
    args = ["serve", "-i", str(db_path)] if immutable else ["serve", str(db_path)]
    return args + ["--host", host, "--port", str(port)] + setting_options(allow_sql=allow_sql)


def is_loopback(host: str) -> bool:
    """Whether a --host only this machine can reach: localhost, 127.0.0.0/8, ::1."""
    name = host.strip().strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def exposure_notice(host: str, port: int, *, allow_sql: bool) -> str | None:
    """What serving on `host` exposes, in one paragraph; None for a loopback address."""
    if is_loopback(host):
        return None
    bare = host.strip("[]")
    where = f"{host} port {port}" + (" (every network address of this machine)" if bare in ("0.0.0.0", "::", "") else "")
    if allow_sql:
        sql = (f"Arbitrary SQL is ON (--sql): anyone can also run their own read-only SQL, stopped after "
               f"{settings()['sql_time_limit_ms'] / 1000:g} s, with values of at most {MAX_VALUE_BYTES // 1_000_000} MB "
               f"and results of at most {MAX_RESULT_BYTES // 1_000_000} MB.")
    else:
        sql = "Arbitrary SQL is off (--sql switches it on)."
    return (f"Warning: serving on {where}, not only to this machine: anyone who can reach it can read every "
            f"public table of the archive (articles and their versions, headlines, crawls), every canned query, "
            f"search and page, as HTML, JSON and CSV, without a password. {sql} The internal tables and the file "
            f"itself are not served. To keep the archive private, serve on --host 127.0.0.1 (the default) or put "
            f"an authenticating proxy in front.")


def serve(db_path: str | Path, host: str, port: int, *, immutable: bool = False, allow_sql: bool = False) -> None:
    """Run Datasette on the archive in the foreground (replaces this process).

    The live archive is served in normal mode (crawls may write to it meanwhile; WAL); a snapshot
    written by `newsarchive publish` can be served immutably. Arbitrary SQL is off unless
    allow_sql; a non-loopback host is announced on stderr first (exposure_notice).
    """
    notice = exposure_notice(host, port, allow_sql=allow_sql)
    if notice:
        print(notice, file=sys.stderr)
    args = [sys.executable, "-m", "datasette", *serve_args(db_path, host, port, immutable=immutable, allow_sql=allow_sql)]
    env = {**os.environ, DECLARED_ENV: str(Path(db_path).resolve())}
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, args, env)
