"""Run a command (normally ``newsarchive crawl ...``) on a schedule, for months on end.

Two kinds of schedule, both in UTC:

* ``every``: a fixed interval (``parse_every("15m")``). The first run starts at once; each next
  run is due one interval after the previous run *started*. A run that takes longer than the
  interval is followed by the next run right after it ends: runs never overlap, and the slots
  missed meanwhile are skipped, not piled up.
* ``cron``: a standard 5-field cron expression (minute hour day-of-month month day-of-week, or
  @hourly, @daily, @weekly, @monthly, @yearly), computed with croniter. Each run starts at the
  first cron time after the previous run ended (cron times missed by a long run are skipped).

Every run is a new subprocess, so Scrapy's Twisted reactor starts fresh each time and a crash
cannot take the scheduler down. A failed run (non-zero exit code) is logged on one line and the
schedule carries on. Ctrl-C stops the scheduler cleanly: the running child (its whole process
group) gets SIGTERM, which Scrapy takes as a graceful shutdown, then SIGKILL if it has not
exited after 30 s (or at a second Ctrl-C). Children run in their own process group so that a
Ctrl-C in the terminal reaches only the scheduler: Scrapy treats a second signal as "force an
unclean shutdown", and the child must get exactly one. SIGTERM and SIGHUP sent to the scheduler
are handled like Ctrl-C while ``run_schedule`` runs (in the main thread, and only where they
still have their default action: ``nohup`` keeps working).

The scheduler does not take the archive lock (crawler.archive.lock.ArchiveLock) itself: each crawl
it starts takes the lock for its own lifetime. So a crawl started by hand, or by a second
scheduler, while a scheduled crawl writes the same archive fails at once (exit code 1, "another
crawl is writing ..."), and the scheduler logs that run as failed and keeps its schedule.
Taking the lock per crawl rather than per scheduler also means that nothing is held while the
scheduler sleeps, and that a killed scheduler can never leave the archive locked.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Callable

from crawler.core import clock

MIN_EVERY = timedelta(seconds=10)  # for parse_every; run_schedule accepts any positive timedelta
TERMINATE_GRACE = 30.0  # seconds between SIGTERM and SIGKILL when stopping a run
WAIT_SLICE = 60.0  # sleep at most this long at a time, re-reading the clock (suspend, clock changes)
ON_TIME = timedelta(seconds=1)  # a run started this close to its due time keeps the exact grid

CRON_ALIASES = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
CRON_FIELDS = (
    ("minute", "0-59"),
    ("hour", "0-23"),
    ("day-of-month", "1-31"),
    ("month", "1-12 or jan-dec"),
    ("day-of-week", "0-6 or sun-sat"),
)
CRON_HINT = "expected 5 fields (minute hour day-of-month month day-of-week), like '*/15 * * * *'"


class ScheduleError(ValueError):
    """A bad interval or cron expression, or a command that cannot run (one-line message)."""


# -- intervals ---------------------------------------------------------------------------------

_EVERY = re.compile(
    r"\s*(?:(?P<d>\d+)\s*d)?\s*(?:(?P<h>\d+)\s*h)?\s*(?:(?P<m>\d+)\s*m)?\s*(?:(?P<s>\d+)\s*s)?\s*",
    re.IGNORECASE,
)


def parse_every(text: str) -> timedelta:
    """"15m", "1h", "90s", "2h30m", "1d" -> timedelta. Units d, h, m, s, largest first, whole
    numbers; at least 10 seconds."""
    match = _EVERY.fullmatch(text or "")
    if not match or not any(match.groupdict().values()):
        raise ScheduleError(
            f"bad interval {text!r}: expected a number and a unit (d, h, m, s), like 15m, 1h, 90s, 2h30m or 1d"
        )
    parts = {unit: int(value or 0) for unit, value in match.groupdict().items()}
    try:
        every = timedelta(days=parts["d"], hours=parts["h"], minutes=parts["m"], seconds=parts["s"])
    except OverflowError:
        raise ScheduleError(f"interval {text!r} is too long") from None
    if every < MIN_EVERY:
        raise ScheduleError(f"interval {text!r} is too short: the minimum is {format_every(MIN_EVERY)}")
    return every


def format_every(every: timedelta) -> str:
    """timedelta -> "2h30m", "1d", "90s" -> "1m30s" (the inverse of parse_every)."""
    total = every.total_seconds()
    if total <= 0:
        return f"{total:g}s"
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    out = "".join(f"{int(v)}{u}" for v, u in ((days, "d"), (hours, "h"), (minutes, "m")) if v)
    if seconds:
        out += f"{seconds:g}s"
    return out


# -- cron ----------------------------------------------------------------------------------------

_HASHED = re.compile(r"(?<![a-z])[hr](?![a-z])")  # croniter's H (hashed) and R (random) fields


def _croniter():
    try:
        from croniter import croniter
    except ImportError as exc:  # pragma: no cover - croniter is a dependency
        raise ScheduleError(f"cron schedules need the croniter package ({_one_line(exc)})") from None
    return croniter


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def check_cron(text: str) -> str:
    """Validate a cron expression; return it normalised (single spaces), or raise ScheduleError."""
    croniter = _croniter()
    expr = " ".join((text or "").split())
    if not expr:
        raise ScheduleError(f"empty cron expression: {CRON_HINT}")
    if expr.startswith("@"):
        if expr.lower() not in CRON_ALIASES:
            raise ScheduleError(
                f"bad cron expression {text!r}: unknown shortcut (use @hourly, @daily, @weekly, @monthly or @yearly)"
            )
        return expr.lower()
    fields = expr.split(" ")
    if len(fields) != len(CRON_FIELDS):
        raise ScheduleError(f"bad cron expression {text!r}: {len(fields)} field(s), {CRON_HINT}")
    for field, (name, _) in zip(fields, CRON_FIELDS):
        if _HASHED.search(field.lower()):
            raise ScheduleError(f"bad cron expression {text!r}: {name} field {field!r}: H and R are not supported")
    for index, (field, (name, allowed)) in enumerate(zip(fields, CRON_FIELDS)):
        alone = " ".join(field if i == index else "*" for i in range(len(CRON_FIELDS)))
        if not croniter.is_valid(alone):
            raise ScheduleError(f"bad cron expression {text!r}: {name} field {field!r} is not valid ({allowed})")
    base = datetime(2000, 1, 1, tzinfo=timezone.utc)
    try:
        croniter(expr, base).get_next(datetime)
    except Exception as exc:  # croniter raises CroniterError (a ValueError), or TypeError/KeyError on odd input
        from croniter import CroniterBadDateError

        if isinstance(exc, CroniterBadDateError):
            raise ScheduleError(f"bad cron expression {text!r}: it never matches a real date") from None
        raise ScheduleError(f"bad cron expression {text!r}: {_one_line(exc) or type(exc).__name__}") from None
    return expr


# -- due times -----------------------------------------------------------------------------------


def _utc(moment: datetime) -> datetime:
    """Aware UTC datetime; a naive one is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _check_every(every) -> timedelta:
    if not isinstance(every, timedelta):
        raise ScheduleError(f"every must be a timedelta, not {type(every).__name__}")
    if every <= timedelta(0):
        raise ScheduleError(f"every must be a positive interval, not {every}")
    return every


def next_run(now: datetime, *, every: timedelta | None = None, cron: str | None = None) -> datetime:
    """The next due time after `now` (aware UTC): now + every, or the first cron time strictly
    after now (cron is read in UTC). Exactly one of every and cron."""
    if (every is None) == (cron is None):
        raise ScheduleError("give exactly one of every and cron")
    now = _utc(now)
    if every is not None:
        return now + _check_every(every)
    expr = check_cron(cron)
    try:
        due = _croniter()(expr, now).get_next(datetime)
    except Exception as exc:
        raise ScheduleError(f"cron expression {cron!r}: no next time after {clock.format(now)} ({_one_line(exc)})") from None
    return _utc(due)


# -- the loop ------------------------------------------------------------------------------------


def _stderr_log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class _Stop(KeyboardInterrupt):
    """SIGTERM or SIGHUP received: stop like Ctrl-C."""


def _install_stop_handlers() -> dict:
    """SIGTERM/SIGHUP -> _Stop while the loop runs, where they still have their default action."""
    previous = {}
    if threading.current_thread() is not threading.main_thread():
        return previous

    def handler(signum, frame):
        raise _Stop(signal.Signals(signum).name)

    for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is None:
            continue
        if signal.getsignal(sig) is signal.SIG_DFL:
            previous[sig] = signal.signal(sig, handler)
    return previous


def _restore_handlers(previous: dict) -> None:
    for sig, old in previous.items():
        signal.signal(sig, old)


def _describe_code(code: int) -> str:
    if code < 0:
        try:
            return f"exit code {code} (killed by {signal.Signals(-code).name})"
        except ValueError:
            return f"exit code {code} (killed by signal {-code})"
    return f"exit code {code}"


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    """Signal the child's process group (the child and anything it started); the child alone if
    that fails."""
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass
    except OSError:
        try:
            proc.send_signal(sig)
        except ProcessLookupError:
            pass


def _quiet(log, message: str) -> None:
    """Log while stopping, where the terminal may be gone (SIGHUP): never let that raise."""
    try:
        log(message)
    except OSError:
        pass


def _stop_child(proc: subprocess.Popen, index: int, log) -> int:
    """SIGTERM the running child, SIGKILL after TERMINATE_GRACE seconds (or at a second Ctrl-C)."""
    if proc.poll() is not None:
        return proc.returncode
    _signal_group(proc, signal.SIGTERM)  # before logging: a closed terminal must not stop the stop
    _quiet(log, f"schedule: stopping run {index} (pid {proc.pid}): SIGTERM sent, SIGKILL in {TERMINATE_GRACE:g} s")
    try:
        return proc.wait(timeout=TERMINATE_GRACE)
    except subprocess.TimeoutExpired:
        message = f"schedule: run {index} did not stop within {TERMINATE_GRACE:g} s: SIGKILL"
    except KeyboardInterrupt:
        message = f"schedule: interrupted again: SIGKILL to run {index}"
    _signal_group(proc, signal.SIGKILL)
    _quiet(log, message)
    while True:
        try:
            return proc.wait()
        except KeyboardInterrupt:
            continue


def _check_command(command: list[str]) -> list[str]:
    if isinstance(command, (str, bytes)) or not command:
        raise ScheduleError("the command must be a non-empty list of arguments")
    command = [os.fspath(arg) for arg in command]
    if shutil.which(command[0]) is None:
        raise ScheduleError(f"cannot run {command[0]!r}: no such executable")
    return command


def run_schedule(
    command: list[str],
    *,
    every: timedelta | None = None,
    cron: str | None = None,
    max_runs: int | None = None,
    on_run: Callable[[int, int, datetime, datetime], object] | None = None,
    sleep: Callable[[float], object] = time.sleep,
    now: Callable[[], datetime] = clock.now,
    log: Callable[[str], object] = _stderr_log,
) -> list[int]:
    """Run `command` (a list of arguments, a new subprocess each time) every `every` or at each
    time of the `cron` expression, until `max_runs` runs have finished (None: forever) or Ctrl-C.

    Returns the exit codes of the finished runs, in order (a run killed by a signal has the
    negative signal number). On Ctrl-C (or SIGTERM/SIGHUP) the running child is stopped and not
    counted, so fewer than max_runs codes means the schedule was interrupted. on_run(index,
    exit_code, started, finished) is called after each finished run (index from 1). `sleep`,
    `now` and `log` can be replaced (tests, other front ends); `now` gives aware UTC datetimes.

    `every` is not held to parse_every's 10-second minimum here. Raises ScheduleError (before
    anything runs) for a bad schedule or a command that cannot be found.
    """
    if (every is None) == (cron is None):
        raise ScheduleError("give exactly one of every and cron")
    if max_runs is not None and (isinstance(max_runs, bool) or not isinstance(max_runs, int) or max_runs < 0):
        raise ScheduleError(f"max_runs must be None or a whole number >= 0, not {max_runs!r}")
    command = _check_command(command)
    if every is not None:
        _check_every(every)
        what = f"every {format_every(every)}"
    else:
        cron = check_cron(cron)
        what = f"at cron {cron!r} (UTC)"
    codes: list[int] = []
    if max_runs == 0:
        return codes

    def wait_until(due: datetime) -> None:
        while True:
            remaining = (due - _utc(now())).total_seconds()
            if remaining <= 0:
                return
            sleep(min(remaining, WAIT_SLICE))

    previous_handlers = _install_stop_handlers()
    proc: subprocess.Popen | None = None
    index = 0
    try:
        start = _utc(now())
        due = start if every is not None else next_run(start, cron=cron)
        first = "now" if due == start else f"at {clock.format(due)}"
        log(f"schedule: running {shlex.join(command)} {what}; first run {first}")
        while max_runs is None or index < max_runs:
            wait_until(due)
            index += 1
            started = _utc(now())
            log(f"schedule: run {index} started at {clock.format(started)}")
            try:
                proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, process_group=0)
            except OSError as exc:
                code = 126 if isinstance(exc, PermissionError) else 127
                failure = f"could not start ({exc.strerror or exc}; {_describe_code(code)})"
            else:
                code = proc.wait()
                proc = None
                failure = None if code == 0 else f"failed with {_describe_code(code)}"
            finished = _utc(now())
            codes.append(code)
            more = max_runs is None or index < max_runs
            if more:
                if every is not None:
                    anchor = due if started - due <= ON_TIME else started
                    due = max(next_run(anchor, every=every), finished)
                else:
                    due = next_run(finished, cron=cron)
                after = f"next at {clock.format(due)}"
            else:
                after = f"done ({index} of {max_runs} runs)"
            took = (finished - started).total_seconds()
            outcome = failure or f"finished with {_describe_code(code)}"
            log(f"schedule: run {index} {outcome} in {took:.1f} s; {after}")
            if on_run is not None:
                on_run(index, code, started, finished)
    except KeyboardInterrupt as exc:
        reason = f"{exc.args[0]} received" if isinstance(exc, _Stop) and exc.args else "interrupted"
        if proc is not None:
            code = _stop_child(proc, index, log)
            _quiet(log, f"schedule: {reason}: run {index} stopped with {_describe_code(code)}; {len(codes)} run(s) finished")
        else:
            _quiet(log, f"schedule: {reason}; {len(codes)} run(s) finished")
    finally:
        _restore_handlers(previous_handlers)
    return codes
