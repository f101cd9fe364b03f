"""The newsarchive command line: a thin layer over crawler.* functions."""

from __future__ import annotations

import difflib
import json
import sys
from pathlib import Path

import click

from crawler.mirror import CONTENT_TYPES, MirrorError
from crawler.pages import PageError, parse_bytes
from crawler.seeds import DEFAULT_MIRROR, DEFAULT_SEEDS
from crawler.lock import ArchiveLock, LockError
from crawler.storage import ArchiveError

DEFAULT_DB = Path("data/archive.db")
PAGE_SUFFIXES = CONTENT_TYPES  # .html, .htm, .txt: the saved pages a mirror serves
EXPECTED_SUFFIX = ".expected.json"
COMPLETED = ("finished", "closespider_pagecount", "closespider_timeout", "closespider_itemcount")


class UserError(click.ClickException):
    """A one-line error for the user, exit status 1."""


def parse_file(path: Path, url: str) -> dict:
    """The JSON object `newsarchive parse` prints for a saved page."""
    if path.suffix.lower() not in PAGE_SUFFIXES:
        raise UserError(f"{path}: not a saved page (expected .html, .htm or .txt)")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return parse_bytes(url, data, PAGE_SUFFIXES[path.suffix.lower()]).to_json()
    except PageError as exc:
        raise UserError(f"cannot parse {path}: {exc}") from None


def dump_json(obj: dict) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2) + "\n"


@click.group()
@click.version_option(package_name="newsarchive")
def main():
    """newsarchive: archive news sites into SQLite, browse them with Datasette."""


@main.command()
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--url", required=True, help="The URL the page was saved from.")
def parse(path: Path, url: str):
    """Parse a saved page (.html, .htm or .txt) and print its article and ticker as JSON.

    Example: newsarchive parse seeds/site/www.maghress.com/fr/marocdiplomatique/25429.txt
    --url https://www.maghress.com/fr/marocdiplomatique/25429
    """
    sys.stdout.buffer.write(dump_json(parse_file(path, url)).encode("utf-8"))


def _setting(pairs: tuple[str, ...]) -> dict:
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise UserError(f"bad --set {pair!r}: expected NAME=VALUE")
        out[name] = value
    return out


@main.command()
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), default=DEFAULT_DB, show_default=True,
              help="The archive file to write.")
@click.option("--replay", type=click.Path(path_type=Path), default=None,
              help="Answer every request from this mirror folder, or from WARC files (a .warc.gz file or a "
                   "folder of them) [default: the bundled seeds/site/].")
@click.option("--live", is_flag=True, help="Fetch from the web instead of a mirror.")
@click.option("--full", is_flag=True,
              help="Fetch every known URL, not only what is new or due (the default is incremental).")
@click.option("--wait", "wait", type=float, default=0, show_default=True, metavar="SECONDS",
              help="If another crawl holds the archive, wait up to this long for it (default: exit at once).")
@click.option("--seeds", type=click.Path(path_type=Path, dir_okay=False), default=DEFAULT_SEEDS,
              help="File of start URLs, one a line.")
@click.option("-s", "--set", "settings", multiple=True, metavar="NAME=VALUE", help="Override a Scrapy setting.")
def crawl(db: Path, replay: Path | None, live: bool, full: bool, wait: float, seeds: Path,
          settings: tuple[str, ...]):
    """Crawl into the archive. With no options, replays the bundled mirror (no network).

    Examples: newsarchive crawl; newsarchive crawl --replay my-mirror/ --db data/test.db;
    newsarchive crawl --replay data/archive-warc/ --db data/copy.db; newsarchive crawl --live
    """
    from crawler.crawl import run_crawl

    if live and replay:
        raise UserError("--live and --replay exclude each other")
    mirror = None if live else (replay or DEFAULT_MIRROR)
    overrides = _setting(settings)
    if full:
        overrides["NEWSARCHIVE_INCREMENTAL"] = False
    try:
        db.parent.mkdir(parents=True, exist_ok=True)
        with ArchiveLock(db, wait=wait):  # one crawl at a time writes an archive
            stats = run_crawl(db, seeds, mirror, overrides)
    except (ArchiveError, MirrorError, LockError) as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"cannot read {exc.filename}: {exc.strerror}") from None
    click.echo(crawl_summary(db, stats), err=True)
    if stats.get("finish_reason") not in COMPLETED:  # a page budget reached is a normal end
        sys.exit(1)


def _since(value: str | None) -> str | None:
    if value is None:
        return None
    from datetime import datetime

    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UserError(f"bad --since {value!r}: expected a date (2025-09-04) or a UTC time (2025-09-04T12:00:00Z)")
    return value


class _ProgressLine:
    """"reparse: 1000/2000 captures (50%)" on stderr, at most every 2 seconds, and at the end."""

    def __init__(self, every: float = 2.0):
        import time

        self.clock, self.every = time.monotonic, every
        self.last, self.shown = self.clock(), -1

    def __call__(self, done: int, total: int) -> None:
        now = self.clock()
        if done != self.shown and (done == total or now - self.last >= self.every):
            self.shown = done
            self.last = now
            share = f" ({100 * done // total}%)" if total else ""
            click.echo(f"reparse: {done}/{total} captures{share}", err=True)


@main.command()
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), default=DEFAULT_DB, show_default=True)
@click.option("--since", metavar="DATE", help="Only captures fetched on or after this date or UTC time.")
@click.option("--url", "url_glob", metavar="PATTERN", help="Only captures whose URL matches this pattern (* and ?).")
@click.option("--warc", type=click.Path(path_type=Path, exists=True), default=None,
              help="First index these WARC files (a file or a folder; any tool's) as a crawl, then re-parse them.")
def reparse(db: Path, since: str | None, url_glob: str | None, warc: Path | None):
    """Re-parse archived responses with the current page objects; no network.

    Updates articles (a changed text becomes a new version), headlines and sightings from the
    WARC records indexed in the captures table. Running it twice changes nothing the second time.

    Examples: newsarchive reparse; newsarchive reparse --since 2025-09-01 --url '*/fr/lesechos/*';
    newsarchive reparse --warc other-tool.warc.gz --db data/imported.db
    """
    from crawler.reparse import ReparseError, import_warc, reparse as run_reparse, skipped_summary
    from crawler.warc import WarcError

    since = _since(since)
    if not db.exists() and warc is None:
        raise UserError(f"no archive at {db}: run `newsarchive crawl --db {db}` first")
    crawl = None
    try:
        db.parent.mkdir(parents=True, exist_ok=True)
        lock = ArchiveLock(db)
        lock.acquire()  # a re-parse writes the archive: never while a crawl does
    except LockError as exc:
        raise UserError(str(exc)) from None
    try:
        if warc is not None:
            crawl, indexed = import_warc(
                db, warc, on_error=lambda f, o, r: click.echo(f"skipped damaged record {f}@{o}: {r}", err=True)
            )
            click.echo(f"indexed {indexed} captures from {warc} as crawl {crawl}", err=True)
        stats = run_reparse(db, since=since, url_glob=url_glob, crawl=crawl, progress=_ProgressLine())
    except (ArchiveError, ReparseError, WarcError) as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"cannot read {exc.filename}: {exc.strerror}") from None
    finally:
        lock.release()
    get = lambda key: stats.get(key, 0)  # noqa: E731
    skipped = ", ".join(f"{reason} {n}" for reason, n in sorted(skipped_summary(stats).items())) or "none"
    click.echo(
        f"reparse: {get('reparse/captures')} captures, {get('reparse/pages')} pages parsed, "
        f"{get('store/articles/written')} articles written ({get('store/articles/new_versions')} new versions), "
        f"{get('store/headlines/new')} new headlines, {get('store/sightings/written')} sightings written; "
        f"skipped: {skipped} -> {db}",
        err=True,
    )


@main.command(context_settings={"ignore_unknown_options": True})
@click.option("--every", metavar="INTERVAL", help="Run a crawl at this interval: 15m, 1h, 2h30m, 1d.")
@click.option("--cron", metavar="EXPR", help='Run a crawl at the times of this cron expression (UTC), e.g. "*/15 * * * *".')
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), default=DEFAULT_DB, show_default=True)
@click.option("--max-runs", type=click.IntRange(min=1), default=None, help="Stop after this many runs [default: never].")
@click.argument("crawl_args", nargs=-1, type=click.UNPROCESSED)
def schedule(every: str | None, cron: str | None, db: Path, max_runs: int | None, crawl_args: tuple[str, ...]):
    """Run `newsarchive crawl` on a schedule, each run in its own process, until Ctrl-C.

    Arguments after the options go to every crawl. A run that fails is logged and the schedule
    goes on; a crawl still running when the next is due delays it (two never run at once, and
    each crawl takes the archive's lock, so a crawl started by hand meanwhile exits with a message).

    Examples: newsarchive schedule --every 15m; newsarchive schedule --cron "0 * * * *" -- --live
    """
    from crawler.schedule import ScheduleError, check_cron, parse_every, run_schedule

    if (every is None) == (cron is None):
        raise UserError("give exactly one of --every and --cron")
    try:
        interval = parse_every(every) if every else None
        expression = check_cron(cron) if cron else None
        command = [sys.executable, "-m", "crawler.cli", "crawl", "--db", str(db),
                   "-s", "NEWSARCHIVE_TRIGGER=schedule", *[a for a in crawl_args if a != "--"]]
        codes = run_schedule(command, every=interval, cron=expression, max_runs=max_runs)
    except ScheduleError as exc:
        raise UserError(str(exc)) from None
    failed = sum(1 for code in codes if code != 0)
    click.echo(f"schedule: {len(codes)} runs, {failed} failed", err=True)


@main.command()
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), default=DEFAULT_DB, show_default=True)
@click.option("--runs", type=click.IntRange(min=1), default=10, show_default=True, help="How many of the last runs to show.")
def status(db: Path, runs: int):
    """Show the last crawls, what each did, and what is due next.

    Example: newsarchive status --runs 5
    """
    from crawler.clock import utc_now
    from crawler.lock import ArchiveLock
    from crawler.storage import Archive

    if not db.exists():
        raise UserError(f"no archive at {db}: run `newsarchive crawl --db {db}` first")
    try:
        archive = Archive(db)
    except ArchiveError as exc:
        raise UserError(str(exc)) from None
    try:
        click.echo(format_status(archive.last_runs(runs), archive.due_summary(utc_now()), ArchiveLock(db).holder()))
    finally:
        archive.close()


def format_status(runs: list[dict], due: list[dict], holder: dict | None) -> str:
    lines = []
    if holder:
        lines.append(f"running now: pid {holder.get('pid')} since {holder.get('since')} ({holder.get('command')})")
    lines.append("crawl  started               finished              trigger   fetched  304  failed  skipped  "
                 "new articles  new versions  new headlines  sightings")
    for run in runs:
        failed = sum(json.loads(run["failed"] or "{}").values())
        skipped = json.loads(run["skipped"] or "{}")
        lines.append(
            f"{run['id']:>5}  {run['started']:<20}  {(run['finished'] or 'unfinished (killed?)'):<20}  "
            f"{(run['trigger'] or '-'):<8}  {run['pages_fetched'] or 0:>7}  {run['not_modified'] or 0:>3}  "
            f"{failed:>6}  {sum(skipped.values()):>7}  {run['new_articles'] or 0:>12}  "
            f"{run['new_versions'] or 0:>12}  {run['new_headlines'] or 0:>13}  {run['sightings'] or 0:>9}"
        )
        reasons = json.loads(run["failed"] or "{}") | skipped
        if reasons:
            lines.append("       " + ", ".join(f"{k} {v}" for k, v in sorted(reasons.items())))
    if not runs:
        lines.append("(no crawls yet)")
    lines.append("")
    lines.append("urls by kind   known  discovered  due now  next due              failed  gone")
    for row in due:
        lines.append(
            f"{row['kind']:<13} {row['urls']:>6}  {row['discovered'] or 0:>10}  {row['due_now'] or 0:>7}  "
            f"{(row['next_due'] or '-'):<20}  {row['failed'] or 0:>6}  {row['gone'] or 0:>4}"
        )
    if not due:
        lines.append("(no URLs yet)")
    return "\n".join(lines)


def crawl_summary(db: Path, stats: dict) -> str:
    get = lambda key: stats.get(key, 0)  # noqa: E731
    dropped = sum(v for k, v in stats.items() if "/dropped/" in k and isinstance(v, int))
    return (
        f"crawl {get('newsarchive/crawl_id')} {stats.get('finish_reason', 'unfinished')}: "
        f"{get('spider/pages')} pages, {get('dedup/articles/new')} new articles, "
        f"{get('dedup/articles/unchanged')} unchanged, {get('dedup/articles/changed')} changed, "
        f"{get('store/headlines/new')} new headlines, "
        f"{dropped} items dropped, {get('replay/skipped/not_in_mirror')} URLs not in mirror -> {db}"
    )


@main.command()
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), default=DEFAULT_DB, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8001, show_default=True)
@click.option("--immutable", is_flag=True,
              help="Serve the file as immutable: for a snapshot from `newsarchive publish`, never the live archive.")
@click.option("--no-sql", "no_sql", is_flag=True,
              help="Switch arbitrary SQL off (tables, canned queries, search and the archive's pages stay).")
def serve(db: Path, host: str, port: int, immutable: bool, no_sql: bool):
    """Browse and search the archive with Datasette (foreground).

    Example: newsarchive serve --db data/archive.db --port 8001
    """
    from crawler.publish import serve as run_datasette
    from crawler.storage import Archive

    if not db.exists():
        raise UserError(f"no archive at {db}: run `newsarchive crawl --db {db}` first")
    if not immutable:  # a snapshot is already migrated, and must not be written to
        try:
            Archive(db).close()  # migrate to the current schema before Datasette reads it
        except ArchiveError as exc:
            raise UserError(str(exc)) from None
    click.echo(f"Serving {db} at http://{host}:{port}/", err=True)
    run_datasette(db, host, port, immutable=immutable, allow_sql=not no_sql)


@main.command()
@click.argument("out", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), default=DEFAULT_DB, show_default=True,
              help="The archive to snapshot (it may be crawled meanwhile).")
@click.option("--overwrite", is_flag=True, help="Replace OUT if it exists.")
@click.option("--datasette-files", "datasette_files", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Also write metadata.json, plugins/ and templates/ into this folder, for `datasette publish`.")
def publish(out: Path, db: Path, overwrite: bool, datasette_files: Path | None):
    """Write a consistent snapshot of the archive to OUT, to serve immutably or publish.

    Example: newsarchive publish dist/archive.db
    """
    from crawler.publish import PublishError, snapshot, write_datasette_files
    from crawler.storage import Archive

    if not db.exists():
        raise UserError(f"no archive at {db}: run `newsarchive crawl --db {db}` first")
    try:
        Archive(db).close()
        snapshot(db, out, overwrite=overwrite)
        if datasette_files is not None:
            write_datasette_files(out, datasette_files)
    except (ArchiveError, PublishError) as exc:
        raise UserError(str(exc)) from None
    click.echo(f"snapshot of {db} written to {out} ({out.stat().st_size / 1e6:.1f} MB); "
               f"serve it with: newsarchive serve --db {out} --immutable --no-sql", err=True)


def saved_pages(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix.lower() in PAGE_SUFFIXES and p.name != "robots.txt")


def page_url(root: Path, page: Path) -> str:
    """The URL a mirror file was saved from: https://<host>/<path without extension>."""
    rel = page.relative_to(root).with_suffix("").as_posix()
    rel = rel.removesuffix("/index") if rel.endswith("/index") else rel
    return "https://" + rel


@main.command()
@click.option("--mirror", type=click.Path(path_type=Path, file_okay=False, exists=True), default=DEFAULT_MIRROR)
@click.option("--write", is_flag=True, help="Rewrite the expected files instead of showing the diff.")
def expected(mirror: Path, write: bool):
    """Compare each saved page's parse with its .expected.json beside it (or --write them).

    Example: newsarchive expected   (exit status 1 and a diff when a parse changed)
    """
    changed = 0
    for page in saved_pages(mirror):
        actual = dump_json(parse_file(page, page_url(mirror, page)))
        target = page.with_name(page.stem + EXPECTED_SUFFIX)
        before = target.read_text(encoding="utf-8") if target.exists() else ""
        if actual == before:
            continue
        changed += 1
        if write:
            target.write_text(actual, encoding="utf-8")
            click.echo(f"wrote {target}", err=True)
        else:
            diff = difflib.unified_diff(before.splitlines(True), actual.splitlines(True), str(target), "parse")
            click.echo("".join(diff), nl=False)
    if changed and not write:
        raise UserError(f"{changed} expected file(s) differ from the parse; review, then run with --write")
    click.echo(f"{len(saved_pages(mirror))} pages, {changed} expected file(s) {'written' if write else 'differ'}", err=True)


if __name__ == "__main__":
    main()
