"""ArchiveLock (crawler/lock.py) and the crawl scheduler (crawler/schedule.py). Fast, no network."""

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest

import crawler.ops.schedule as schedule
from crawler.archive.lock import ArchiveLock, LockHeld
from crawler.ops.schedule import ScheduleError, next_run, parse_every, run_schedule

ROOT = Path(__file__).resolve().parent.parent
UTC = timezone.utc
STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


# -- ArchiveLock ---------------------------------------------------------------------------------

HOLDER = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {root!r})
    from crawler.archive.lock import ArchiveLock
    lock = ArchiveLock({db!r}, command="test-holder")
    lock.acquire()
    print("locked", flush=True)
    time.sleep({hold})
    lock.release()
    print("released", flush=True)
    time.sleep(60)
    """
)


@pytest.fixture
def holder_process(tmp_path):
    """Start a child process that takes the lock on `db` and holds it `hold` seconds."""
    children = []

    def start(db, hold=60.0):
        code = HOLDER.format(root=str(ROOT), db=str(db), hold=hold)
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        children.append(proc)
        assert proc.stdout.readline().strip() == "locked"
        return proc

    yield start
    for proc in children:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stdout.close()


def test_second_acquire_fails_with_the_holders_pid(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    first = ArchiveLock("data/archive.db", command="newsarchive crawl --db data/archive.db")
    first.acquire()
    lock_file = tmp_path / "data" / "archive.db.lock"
    content = json.loads(lock_file.read_text())
    assert content["pid"] == os.getpid()
    assert content["command"] == "newsarchive crawl --db data/archive.db"
    assert STAMP.fullmatch(content["since"])
    since = datetime.strptime(content["since"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - since).total_seconds()) < 5

    second = ArchiveLock("data/archive.db")
    with pytest.raises(LockHeld) as info:
        second.acquire()
    assert str(info.value) == (
        f"another crawl is writing data/archive.db (pid {os.getpid()}, since {content['since']}): "
        "wait for it to finish, or use --wait"
    )
    assert "\n" not in str(info.value)
    assert info.value.holder == second.holder() == content
    assert not second.held

    first.release()
    assert lock_file.exists() and lock_file.read_text() == ""  # kept, but cleared
    assert second.holder() is None
    with second:
        assert second.held
        with pytest.raises(LockHeld):
            ArchiveLock("data/archive.db").acquire()
    assert not second.held
    ArchiveLock("data/archive.db").acquire()  # released by the with block


def test_unreadable_holder_gives_the_message_without_details(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    first = ArchiveLock("archive.db")
    first.acquire()
    Path("archive.db.lock").write_text("not json")
    with pytest.raises(LockHeld) as info:
        ArchiveLock("archive.db").acquire()
    assert str(info.value) == "another crawl is writing archive.db: wait for it to finish, or use --wait"
    assert info.value.holder is None
    first.release()


def test_lock_of_a_killed_process_is_free_at_once(tmp_path, holder_process):
    db = tmp_path / "archive.db"
    child = holder_process(db)
    lock = ArchiveLock(db)
    with pytest.raises(LockHeld, match=rf"\(pid {child.pid}, since "):
        lock.acquire()
    assert lock.holder()["pid"] == child.pid
    assert lock.holder()["command"] == "test-holder"

    child.send_signal(signal.SIGKILL)
    child.wait()
    assert lock.holder() is None  # stale content names a dead process
    began = time.monotonic()
    lock.acquire()  # wait=0: would raise if the lock had survived the kill
    assert time.monotonic() - began < 0.5
    assert lock.holder()["pid"] == os.getpid()
    lock.release()


def test_wait_succeeds_when_the_holder_releases_in_time(tmp_path, holder_process):
    db = tmp_path / "archive.db"
    holder_process(db, hold=0.6)
    lock = ArchiveLock(db)
    began = time.monotonic()
    lock.acquire(wait=5)
    waited = time.monotonic() - began
    assert 0.2 < waited < 4
    assert lock.held and lock.holder()["pid"] == os.getpid()
    lock.release()


def test_wait_fails_after_n_seconds(tmp_path, holder_process):
    db = tmp_path / "archive.db"
    child = holder_process(db)
    lock = ArchiveLock(db)
    began = time.monotonic()
    with pytest.raises(LockHeld) as info:
        lock.acquire(wait=0.5)
    waited = time.monotonic() - began
    assert 0.5 <= waited < 2
    assert re.fullmatch(
        rf"another crawl is still writing {re.escape(str(db))} \(pid {child.pid}, since {STAMP.pattern}\) "
        r"after waiting 0\.5 s: wait for it to finish, or use a longer --wait",
        str(info.value),
    )
    assert not lock.held


# -- parse_every / next_run ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("15m", timedelta(minutes=15)),
        ("1h", timedelta(hours=1)),
        ("90s", timedelta(seconds=90)),
        ("2h30m", timedelta(hours=2, minutes=30)),
        ("1d", timedelta(days=1)),
        ("1d12h", timedelta(days=1, hours=12)),
        ("10s", timedelta(seconds=10)),
        (" 2H 5M ", timedelta(hours=2, minutes=5)),
    ],
)
def test_parse_every(text, expected):
    assert parse_every(text) == expected


@pytest.mark.parametrize(
    "text, message",
    [
        ("abc", "bad interval 'abc': expected a number and a unit (d, h, m, s), like 15m, 1h, 90s, 2h30m or 1d"),
        ("15", "bad interval '15': expected a number and a unit (d, h, m, s), like 15m, 1h, 90s, 2h30m or 1d"),
        ("", "bad interval '': expected a number and a unit (d, h, m, s), like 15m, 1h, 90s, 2h30m or 1d"),
        ("1.5h", "bad interval '1.5h': expected a number and a unit (d, h, m, s), like 15m, 1h, 90s, 2h30m or 1d"),
        ("30m2h", "bad interval '30m2h': expected a number and a unit (d, h, m, s), like 15m, 1h, 90s, 2h30m or 1d"),
        ("9s", "interval '9s' is too short: the minimum is 10s"),
        ("0m", "interval '0m' is too short: the minimum is 10s"),
    ],
)
def test_parse_every_rejects(text, message):
    with pytest.raises(ScheduleError) as info:
        parse_every(text)
    assert str(info.value) == message


NOW = datetime(2026, 11, 25, 20, 7, 0, tzinfo=UTC)


def test_next_run_every():
    assert next_run(NOW, every=timedelta(minutes=15)) == datetime(2026, 11, 25, 20, 22, tzinfo=UTC)
    assert next_run(NOW, every=timedelta(seconds=1)) == datetime(2026, 11, 25, 20, 7, 1, tzinfo=UTC)


def test_next_run_cron():
    assert next_run(NOW, cron="*/15 * * * *") == datetime(2026, 11, 25, 20, 15, tzinfo=UTC)
    # strictly after: a run due at 20:15 that finished within the same second is not due again
    assert next_run(datetime(2026, 11, 25, 20, 15, tzinfo=UTC), cron="*/15 * * * *") == datetime(
        2026, 11, 25, 20, 30, tzinfo=UTC
    )
    assert next_run(NOW, cron="@daily") == datetime(2026, 11, 26, 0, 0, tzinfo=UTC)
    assert next_run(NOW, cron="0 9 * * mon-fri") == datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    # cron is read in UTC whatever the zone of `now`; a naive `now` is taken as UTC
    plus_one = timezone(timedelta(hours=1))
    assert next_run(datetime(2026, 11, 25, 21, 7, tzinfo=plus_one), cron="0 * * * *") == datetime(
        2026, 11, 25, 21, 0, tzinfo=UTC
    )
    assert next_run(datetime(2026, 11, 25, 20, 7), cron="*/15 * * * *") == datetime(2026, 11, 25, 20, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    "cron, message",
    [
        ("61 * * * *", "bad cron expression '61 * * * *': minute field '61' is not valid (0-59)"),
        ("0 0 * * 8", "bad cron expression '0 0 * * 8': day-of-week field '8' is not valid (0-6 or sun-sat)"),
        (
            "* * *",
            "bad cron expression '* * *': 3 field(s), expected 5 fields "
            "(minute hour day-of-month month day-of-week), like '*/15 * * * *'",
        ),
        ("0 0 31 2 *", "bad cron expression '0 0 31 2 *': it never matches a real date"),
        (
            "@reboot",
            "bad cron expression '@reboot': unknown shortcut (use @hourly, @daily, @weekly, @monthly or @yearly)",
        ),
    ],
)
def test_next_run_rejects_bad_cron(cron, message):
    with pytest.raises(ScheduleError) as info:
        next_run(NOW, cron=cron)
    assert str(info.value) == message


def test_next_run_needs_exactly_one_schedule():
    for kwargs in ({}, {"every": timedelta(minutes=1), "cron": "* * * * *"}):
        with pytest.raises(ScheduleError, match="^give exactly one of every and cron$"):
            next_run(NOW, **kwargs)


# -- run_schedule with real subprocesses ---------------------------------------------------------

# Appends "<run> <start> <end>" (time.time()) to the file given as argv[1]; run 2 exits 3.
RUN_SCRIPT = textwrap.dedent(
    """
    import os, sys, time
    start = time.time()
    path = sys.argv[1]
    run = (len(open(path).read().splitlines()) if os.path.exists(path) else 0) + 1
    time.sleep(float(sys.argv[2]))
    with open(path, "a") as f:
        f.write(f"{run} {start:.6f} {time.time():.6f}\\n")
    sys.exit(3 if run == 2 else 0)
    """
)


def read_runs(path):
    return [(int(n), float(a), float(b)) for n, a, b in (line.split() for line in path.read_text().splitlines())]


def test_run_schedule_every_keeps_going_after_a_failure(tmp_path):
    out = tmp_path / "runs.txt"
    logs, calls = [], []
    codes = run_schedule(
        [sys.executable, "-c", RUN_SCRIPT, str(out), "0.1"],
        every=timedelta(seconds=1),
        max_runs=3,
        on_run=lambda *args: calls.append(args),
        log=logs.append,
    )
    assert codes == [0, 3, 0]
    runs = read_runs(out)
    assert [n for n, _, _ in runs] == [1, 2, 3]  # the third run happened after the failed second
    for (_, _, end), (_, start, _) in zip(runs, runs[1:]):
        assert start >= end  # never overlapping
    starts = [start for _, start, _ in runs]
    for a, b in zip(starts, starts[1:]):
        assert 0.85 < b - a < 1.6  # one interval from start to start, not from end to start
    assert [(i, code) for i, code, _, _ in calls] == [(1, 0), (2, 3), (3, 0)]
    for _, _, started, finished in calls:
        assert started.tzinfo is not None and finished >= started
    assert re.fullmatch(rf"schedule: run 1 started at {STAMP.pattern}", logs[1])
    failed = [line for line in logs if "run 2 failed" in line]
    assert len(failed) == 1
    assert re.fullmatch(rf"schedule: run 2 failed with exit code 3 in \d+\.\d s; next at {STAMP.pattern}", failed[0])
    assert re.fullmatch(r"schedule: run 3 finished with exit code 0 in \d+\.\d s; done \(3 of 3 runs\)", logs[-1])


def test_run_longer_than_the_interval_is_followed_right_after(tmp_path):
    out = tmp_path / "runs.txt"
    codes = run_schedule(
        [sys.executable, "-c", RUN_SCRIPT, str(out), "0.5"],
        every=timedelta(seconds=0.2),
        max_runs=3,
        log=lambda line: None,
    )
    assert codes == [0, 3, 0]
    runs = read_runs(out)
    for (_, _, end), (_, start, _) in zip(runs, runs[1:]):
        assert 0 <= start - end < 0.5  # right after the previous one, never during it


def test_ctrl_c_terminates_the_running_child(tmp_path):
    # A shell running a background job ("make test &", some CI runners) starts it with SIGINT
    # ignored: restore Python's handler, or the SIGINT below would do nothing.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    pid_file = tmp_path / "child.pid"
    script = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(30)"
    logs = []

    def interrupt_when_started():
        deadline = time.monotonic() + 10
        while not (pid_file.exists() and pid_file.read_text()):
            if time.monotonic() > deadline:
                return  # the child never started: let the test fail rather than interrupt pytest
            time.sleep(0.02)
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt_when_started, daemon=True).start()
    began = time.monotonic()
    try:  # max_runs: never loop on if the interrupt does not arrive
        codes = run_schedule([sys.executable, "-c", script], every=timedelta(minutes=1), max_runs=1,
                             log=logs.append)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert time.monotonic() - began < 5
    assert codes == []  # the interrupted run is not counted
    assert logs[-1] == "schedule: interrupted: run 1 stopped with exit code -15 (killed by SIGTERM); 0 run(s) finished"
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text()), 0)


def test_child_ignoring_sigterm_is_killed_after_the_grace_period(tmp_path, monkeypatch):
    monkeypatch.setattr(schedule, "TERMINATE_GRACE", 0.5)
    ready = tmp_path / "ready"
    script = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        f"open({str(ready)!r}, 'w').close(); time.sleep(30)"
    )
    logs = []

    def stop_when_started():
        deadline = time.monotonic() + 10
        while not ready.exists():
            if time.monotonic() > deadline:
                return
            time.sleep(0.02)
        os.kill(os.getpid(), signal.SIGTERM)  # handled like Ctrl-C while run_schedule runs

    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        pytest.skip("SIGTERM already has a handler here")
    threading.Thread(target=stop_when_started, daemon=True).start()
    codes = run_schedule([sys.executable, "-c", script], every=timedelta(minutes=1), max_runs=1, log=logs.append)
    assert codes == []
    assert "schedule: run 1 did not stop within 0.5 s: SIGKILL" in logs
    assert logs[-1] == "schedule: SIGTERM received: run 1 stopped with exit code -9 (killed by SIGKILL); 0 run(s) finished"
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # handler restored


def test_run_schedule_rejects_bad_arguments_before_running():
    with pytest.raises(ScheduleError, match="^cannot run 'no-such-command-here': no such executable$"):
        run_schedule(["no-such-command-here"], every=timedelta(seconds=1), max_runs=1)
    with pytest.raises(ScheduleError, match="^give exactly one of every and cron$"):
        run_schedule([sys.executable], max_runs=1)
    with pytest.raises(ScheduleError, match="^bad cron expression"):
        run_schedule([sys.executable], cron="61 * * * *", max_runs=1)
    assert run_schedule([sys.executable], every=timedelta(seconds=1), max_runs=0) == []


# -- run_schedule's timing, with a fake clock and fake runs ----------------------------------------


class FakeWorld:
    """A clock that only moves when the scheduler sleeps or a (fake) run takes time."""

    def __init__(self, start, runs):
        self.t = start
        self.runs = list(runs)  # (duration, exit code) per run
        self.started = []
        self.sleeps = []

    def now(self):
        return self.t

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.t += timedelta(seconds=seconds)

    def popen(self, command, **kwargs):
        world = self
        duration, code = world.runs.pop(0)
        world.started.append(world.t)

        class Proc:
            pid = 0
            returncode = None

            def wait(self, timeout=None):
                world.t += duration
                self.returncode = code
                return code

            def poll(self):
                return self.returncode

        return Proc()


def fake_run(monkeypatch, start, runs, **kwargs):
    world = FakeWorld(start, runs)
    fake_subprocess = SimpleNamespace(
        Popen=world.popen, DEVNULL=subprocess.DEVNULL, TimeoutExpired=subprocess.TimeoutExpired
    )
    monkeypatch.setattr(schedule, "subprocess", fake_subprocess)
    logs = []
    codes = run_schedule([sys.executable], now=world.now, sleep=world.sleep, log=logs.append, **kwargs)
    return world, codes, logs


def test_every_skips_missed_slots_and_never_piles_up(monkeypatch):
    minute = timedelta(minutes=1)
    start = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)
    world, codes, logs = fake_run(
        monkeypatch, start, [(minute, 0), (40 * minute, 2), (minute, 0), (minute, 0)],
        every=parse_every("15m"), max_runs=4,
    )
    assert codes == [0, 2, 0, 0]
    assert [t.strftime("%H:%M") for t in world.started] == ["20:00", "20:15", "20:55", "21:10"]
    assert max(world.sleeps) <= schedule.WAIT_SLICE
    assert logs == [
        "schedule: running " + sys.executable + " every 15m; first run now",
        "schedule: run 1 started at 2026-11-25T20:00:00Z",
        "schedule: run 1 finished with exit code 0 in 60.0 s; next at 2026-11-25T20:15:00Z",
        "schedule: run 2 started at 2026-11-25T20:15:00Z",
        "schedule: run 2 failed with exit code 2 in 2400.0 s; next at 2026-11-25T20:55:00Z",
        "schedule: run 3 started at 2026-11-25T20:55:00Z",
        "schedule: run 3 finished with exit code 0 in 60.0 s; next at 2026-11-25T21:10:00Z",
        "schedule: run 4 started at 2026-11-25T21:10:00Z",
        "schedule: run 4 finished with exit code 0 in 60.0 s; done (4 of 4 runs)",
    ]


def test_cron_runs_at_cron_times_and_skips_those_missed(monkeypatch):
    minute = timedelta(minutes=1)
    world, codes, logs = fake_run(
        monkeypatch, NOW, [(20 * minute, 0), (minute, 0)], cron="*/15 * * * *", max_runs=2,
    )
    assert codes == [0, 0]
    assert [t.strftime("%H:%M") for t in world.started] == ["20:15", "20:45"]  # 20:30 fell inside run 1
    assert logs[0] == f"schedule: running {sys.executable} at cron '*/15 * * * *' (UTC); first run at 2026-11-25T20:15:00Z"
    assert logs[2] == "schedule: run 1 finished with exit code 0 in 1200.0 s; next at 2026-11-25T20:45:00Z"
