"""The newsarchive command line: a thin layer over the packages of crawler/."""

from __future__ import annotations

import difflib
import gzip
import json
import ipaddress
import os
import re
import sqlite3
import sys
import zlib
from pathlib import Path
from urllib.parse import urlsplit

import click

from crawler.archive.lock import ArchiveLock, LockError
from crawler.archive.store import Archive, ArchiveError
from crawler.core import clock
from crawler.core import stats as keys
from crawler.core.items import PageError
from crawler.crawl import settings as crawl_settings
from crawler.frontier.urls import is_fetchable
from crawler.sites import registry
from crawler.sites.parse import parse_bytes
from crawler.warc.replay import CONTENT_TYPES, EXPECTED_SUFFIX, Mirror, MirrorError

DEFAULT_DB = Path(crawl_settings.NEWSARCHIVE_DB)
DEFAULT_SITE = crawl_settings.NEWSARCHIVE_SITE
PAGE_SUFFIXES = CONTENT_TYPES  # .html, .htm, .txt: the saved pages a mirror serves
DRIFT_EXIT = 3  # `crawl --fail-on-drift`: the crawl finished, but extraction drifted
FAILED_EXIT = 4  # `crawl`: every URL a crawl tried failed (no network, host down): nothing was fetched
COMPLETED = ("finished", "closespider_pagecount", "closespider_timeout", "closespider_itemcount")


class UserError(click.ClickException):
    """A one-line error for the user, exit status 1."""


def open_archive(db: Path) -> Archive:
    """Open and migrate an archive, with the rules its migrations may need (the sites' paper
    rule, the grouping's LSH buckets)."""
    from crawler.grouping.articles import signature_buckets  # numpy, datasketch: only when needed

    return Archive.open(db, paper_of=registry.paper_by_site_name, buckets_of=signature_buckets,
                        progress=lambda text: click.echo(text, err=True))


def damaged(db: Path, exc: Exception) -> str:
    return f"the archive {db} is damaged: {exc} (its WARC files can rebuild it: newsarchive reparse --warc)"


def _site(name: str):
    try:
        return registry.site(name)
    except KeyError as exc:
        raise UserError(str(exc)) from None


SITE_OPTION = click.option("--site", "site_name", default=DEFAULT_SITE, show_default=True, metavar="NAME",
                           help=f"The site: one of {', '.join(registry.names())}.")


def _page_suffix(path: Path) -> tuple[str, bool]:
    """The saved page's own suffix (.html of page.html.gz) and whether it is gzipped."""
    suffixes = [x.lower() for x in path.suffixes[-2:]]
    if suffixes and suffixes[-1] == ".gz":
        return (suffixes[0] if len(suffixes) == 2 else ""), True
    return (suffixes[-1] if suffixes else ""), False


def parse_file(path: Path, url: str, site=None) -> dict:
    """The JSON object `newsarchive parse` prints for a saved page (.html, .htm, .txt, or one of
    them gzipped)."""
    suffix, gzipped = _page_suffix(path)
    if suffix not in PAGE_SUFFIXES:
        raise UserError(f"{path}: not a saved page (expected .html, .htm or .txt, or one of them .gz)")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror or exc}") from None
    if gzipped:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise UserError(f"cannot read {path}: not gzip data ({exc})") from None
    try:
        return parse_bytes(url, data, PAGE_SUFFIXES[suffix], site=site).to_json()
    except PageError as exc:
        raise UserError(f"cannot parse {path}: {exc}") from None


def read_url_map(path: Path) -> dict[str, str]:
    """A TSV of saved pages and their URLs: `FILE<TAB>URL` per line (a header line naming `url`
    and blank lines skipped). FILE is matched against each parsed path as given, its absolute
    form, and its file name."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    urls = {}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        name, sep, url = line.partition("\t")
        if not sep or not url.strip():
            raise UserError(f"{path}:{number}: expected FILE<TAB>URL")
        if number == 1 and url.strip().lower() == "url":
            continue
        urls[name.strip()] = check_url(url.strip(), f"{path}:{number}: bad URL")
    return urls


def check_url(url: str, what: str = "bad --url") -> str:
    """The URL, or a one-line error: a page's URL picks its page object and resolves its links,
    so text that is no http(s) URL (a typo, a path) must not be taken silently."""
    try:
        host = urlsplit(url).hostname
    except ValueError:  # a bad port or IPv6 literal
        host = None
    if not is_fetchable(url) or not host:
        raise UserError(f"{what} {url!r}: expected an http or https URL (https://host/path)")
    return url


_HOST_NAME = re.compile(r"(?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d+)?", re.IGNORECASE)


def _named_like_a_host(name: str) -> bool:
    """Whether a folder's name is a host, as a mirror names its folders: a site's host, a domain
    name (www.example.com, example.org:8080) or an IP address (127.0.0.1:8000)."""
    if registry.site_for_host(name) or _HOST_NAME.fullmatch(name):
        return True
    try:
        ipaddress.ip_address(name.rpartition(":")[0] if name.count(":") == 1 else name)
    except ValueError:
        return False
    return True


def mirror_url(path: Path) -> str | None:
    """The URL a saved page inside a mirror was saved from, by the mirror's own layout (the
    replay's mapping, crawler.warc.replay.Mirror: <root>/<host>/<path>.html is
    https://<host>/<path>); None for a page in no mirror. The mirror's root is the folder above
    the nearest one named like a host, and the page must be what replay serves for that URL."""
    resolved = path.resolve()
    folder = next((f for f in resolved.parents if _named_like_a_host(f.name)), None)
    if folder is None:
        return None
    try:
        mirror = Mirror(folder.parent)
    except MirrorError:
        return None
    url = mirror.url_of(resolved)
    return url if mirror.find(url) == resolved else None


def url_for(path: Path, urls: dict[str, str]) -> str | None:
    for key in (str(path), str(path.absolute()), path.name):
        if key in urls:
            return urls[key]
    return None


def dump_json(obj: dict) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2) + "\n"


@click.group()
@click.version_option(package_name="newsarchive")
def main():
    """newsarchive: archive news sites into SQLite, browse them with Datasette."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--url", help="The URL the page was saved from (one page) [default: from its path in a mirror].")
@click.option("--urls", "url_map", type=click.Path(path_type=Path, dir_okay=False),
              help="A TSV of FILE<TAB>URL lines: the URL of each page (many pages) [default: from their paths "
                   "in a mirror].")
@click.option("--site", "site_name", default=None, metavar="NAME",
              help=f"Read pages of hosts no site claims with this site's page object ({', '.join(registry.names())}); "
                   "default: the generic page object.")
def parse(paths: tuple[Path, ...], url: str | None, url_map: Path | None, site_name: str | None):
    """Parse saved pages (.html, .htm or .txt, or gzipped: .html.gz) and print each one's article
    and ticker as JSON.

    The page object is the one of the URL's site, else of --site, else the generic one. One page
    with --url: one indented JSON object. Many pages with --urls: one JSON object per line, with
    its "path", in the order given; a page that cannot be read or parsed is one line on stderr
    (the rest are still parsed) and the exit status is 1. Without --url or --urls, the URL of a
    page in a mirror (a folder laid out by URL, as `crawl --replay` reads it) is its path there.

    Examples: newsarchive parse seeds/site/www.maghress.com/fr/marocdiplomatique/25429.txt;
    newsarchive parse page.html --url https://www.maghress.com/fr/marocdiplomatique/25429;
    newsarchive parse pages/*.html.gz --urls pages/urls.tsv > parsed.jsonl
    """
    site = _site(site_name) if site_name else None
    if url and url_map:
        raise UserError("give --url (one page) or --urls (many), not both")
    if url is not None:
        if len(paths) > 1:
            raise UserError(f"{len(paths)} pages and one --url: give their URLs with --urls MAP.tsv")
        sys.stdout.buffer.write(dump_json(parse_file(paths[0], check_url(url), site)).encode("utf-8"))
        return
    if url_map is None and len(paths) == 1:
        url = mirror_url(paths[0])
        if url is None:
            raise UserError("give the page's URL: --url URL (or --urls MAP.tsv for many pages)")
        sys.stdout.buffer.write(dump_json(parse_file(paths[0], url, site)).encode("utf-8"))
        return
    if url_map is not None:
        urls = read_url_map(url_map)
        find_url, missing = (lambda path: url_for(path, urls)), f"no URL for it in {url_map}"
    else:
        find_url, missing = mirror_url, "in no mirror: give its URL with --urls MAP.tsv"
    failed = 0
    for path in paths:
        page_url = find_url(path)
        try:
            if page_url is None:
                raise UserError(f"{path}: {missing}")
            line = json.dumps({"path": str(path), **parse_file(path, page_url, site)}, ensure_ascii=False)
        except UserError as exc:
            failed += 1
            click.echo(f"Error: {exc.format_message()}", err=True)
            continue
        sys.stdout.buffer.write((line + "\n").encode("utf-8"))
    if failed:
        raise UserError(f"{failed} of {len(paths)} page(s) could not be parsed")


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
@click.option("--site", "site_name", default=None, metavar="NAME",
              help=f"Crawl this site only (one of {', '.join(registry.names())}). Default: every site's bundled "
                   f"mirror, one after the other; with --replay, --seeds or --live: {DEFAULT_SITE}.")
@click.option("--replay", type=click.Path(path_type=Path), default=None,
              help="Answer every request from this mirror folder, or from WARC files (a .warc.gz file or a "
                   "folder of them) [default: the site's bundled mirror].")
@click.option("--live", is_flag=True, help="Fetch from the web instead of a mirror.")
@click.option("--full", is_flag=True,
              help="Fetch every known URL, not only what is new or due (the default is incremental).")
@click.option("--wait", "wait", type=float, default=0, show_default=True, metavar="SECONDS",
              help="If another crawl holds the archive, wait up to this long for it (default: exit at once).")
@click.option("--seeds", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="File of start URLs, one a line [default: the site's, seeds/urls/<site>.txt].")
@click.option("--fail-on-drift", is_flag=True,
              help=f"Exit with status {DRIFT_EXIT} when a site's extraction dropped well below its recent level "
                   "(for a scheduler or cron mail to catch).")
@click.option("-s", "--set", "settings", multiple=True, metavar="NAME=VALUE", help="Override a Scrapy setting.")
@click.option("-v", "--verbose", is_flag=True,
              help="Show Scrapy's log (as -s LOG_LEVEL=... does) instead of one progress line.")
def crawl(db: Path, site_name: str | None, replay: Path | None, live: bool, full: bool, wait: float,
          seeds: Path | None, fail_on_drift: bool, settings: tuple[str, ...], verbose: bool):
    """Crawl into the archive. With no options, replays every site's bundled mirror (no network),
    one crawl per site.

    The same crawl as `scrapy crawl <site>` in this project (scrapy.cfg).

    Examples: newsarchive crawl; newsarchive crawl --site maghress;
    newsarchive crawl --replay my-mirror/ --db data/test.db;
    newsarchive crawl --replay data/archive-warc/ --db data/copy.db; newsarchive crawl --live

    Exit status: 0; 1 for an error or a crawl that stopped before its end; 3 with --fail-on-drift
    when extraction drifted; 4 when every URL a crawl tried failed (nothing was fetched).
    """
    from crawler.crawl.errors import BadSetting
    from crawler.crawl.run import run_crawls

    if live and replay:
        raise UserError("--live and --replay exclude each other")
    if site_name:
        sites = [_site(site_name)]
    elif replay or seeds or live:  # a source of one site's pages
        sites = [_site(DEFAULT_SITE)]
    else:
        sites = list(registry.sites())
    overrides = _setting(settings)
    overrides["NEWSARCHIVE_LOCK_WAIT"] = wait  # one crawl at a time writes an archive
    if full:
        overrides["NEWSARCHIVE_INCREMENTAL"] = False
    try:
        every_stats = run_crawls(sites, db, seeds=seeds, replay=replay, live=live, overrides=overrides,
                                 quiet=not verbose)
    except (ArchiveError, MirrorError, LockError, BadSetting) as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"cannot read {exc.filename}: {exc.strerror}") from None
    unfinished = drifted = failed = False
    for site, stats in zip(sites, every_stats):
        if stats.get(keys.WRITE_ERROR):  # the crawl stopped at the first write that failed
            raise UserError(f"the crawl stopped, nothing after this was stored: {stats[keys.WRITE_ERROR]}")
        prefix = f"{site.name}: " if len(sites) > 1 else ""
        click.echo(prefix + crawl_summary(db, stats), err=True)
        unfinished |= stats.get("finish_reason") not in COMPLETED  # a page budget reached is a normal end
        drifted |= bool(stats.get(keys.DRIFT))
        failed |= keys.failed_entirely(stats)
    if unfinished:
        sys.exit(1)
    if failed:
        click.echo("Error: nothing was fetched: every URL the crawl tried failed (is the network up? -v shows "
                   "each failure)", err=True)
        sys.exit(FAILED_EXIT)
    if drifted and fail_on_drift:
        sys.exit(DRIFT_EXIT)


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


class _SizeProgress:
    """"publish: 1,024/20,480 MB written" on stderr, at most every 2 seconds."""

    def __init__(self, what: str, every: float = 2.0):
        import time

        self.what, self.clock, self.every = what, time.monotonic, every
        self.last = self.clock()

    def __call__(self, done: int, total: int) -> None:
        if self.clock() - self.last >= self.every:
            self.last = self.clock()
            click.echo(f"{self.what}: {done / 2**20:,.0f}/{total / 2**20:,.0f} MB written", err=True)


@main.command()
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), default=DEFAULT_DB, show_default=True)
@click.option("--since", metavar="DATE", help="Only captures fetched on or after this date or UTC time.")
@click.option("--url", "url_glob", metavar="PATTERN", help="Only captures whose URL matches this pattern (* and ?).")
@click.option("--warc", type=click.Path(path_type=Path, exists=True), default=None,
              help="First index these WARC files (a file or a folder; any tool's) as a crawl, then re-parse them.")
@SITE_OPTION
@click.option("--processes", type=click.IntRange(1, 64), default=None, metavar="N",
              help="Processes to use: N-1 parse pages beside the one that groups and writes them "
                   "(parsing is the heavier part) [default: the machine's CPUs + 1, at most 9].")
def reparse(db: Path, since: str | None, url_glob: str | None, warc: Path | None, site_name: str,
            processes: int | None):
    """Re-parse archived responses with the current page objects; no network.

    Updates articles (a changed text becomes a new version), headlines and sightings from the
    WARC records indexed in the captures table. Running it twice changes nothing the second time.
    The rows are the same whatever --processes.

    Examples: newsarchive reparse; newsarchive reparse --since 2025-09-01 --url '*/fr/lesechos/*';
    newsarchive reparse --warc other-tool.warc.gz --db data/imported.db; newsarchive reparse --processes 1
    """
    from crawler.ops.reparse import ReparseError, finish_import, import_warc, reparse as run_reparse
    from crawler.warc.records import WarcError

    since = _since(since)
    if not db.exists() and warc is None:
        raise UserError(f"no archive at {db}: run `newsarchive crawl --db {db}` first")
    try:
        db.parent.mkdir(parents=True, exist_ok=True)
        lock = ArchiveLock(db)
        lock.acquire()  # a re-parse writes the archive: never while a crawl does
    except LockError as exc:
        raise UserError(str(exc)) from None
    crawl = None
    try:
        with open_archive(db) as archive:
            if warc is not None:
                crawl, indexed = import_warc(
                    archive, warc,
                    on_error=lambda f, o, r: click.echo(f"skipped damaged record {f}@{o}: {r}", err=True))
                click.echo(f"indexed {indexed} captures from {warc} as crawl {crawl}", err=True)
            stats = run_reparse(archive, since=since, url_glob=url_glob, crawl=crawl, progress=_ProgressLine(),
                                default_site=_site(site_name),
                                processes=processes or min((os.cpu_count() or 1) + 1, 9))
            if crawl is not None:
                finish_import(archive, crawl, stats)  # its row says what the import wrote
    except (ArchiveError, ReparseError, WarcError) as exc:
        raise UserError(str(exc)) from None
    except sqlite3.DatabaseError as exc:
        raise UserError(damaged(db, exc)) from None
    except OSError as exc:
        raise UserError(f"cannot read {exc.filename}: {exc.strerror}") from None
    finally:
        lock.release()
    get = lambda key: stats.get(key, 0)  # noqa: E731
    skipped = ", ".join(f"{reason} {n}" for reason, n in keys.reparse_skips(stats).items()) or "none"
    click.echo(
        f"reparse: {get(keys.REPARSE_CAPTURES)} captures, {get(keys.REPARSE_PAGES)} pages parsed, "
        f"{get(keys.ARTICLES_WRITTEN)} articles written ({get(keys.NEW_VERSIONS)} new versions), "
        f"{get(keys.HEADLINES_NEW)} new headlines, {get(keys.SIGHTINGS_WRITTEN)} sightings written; "
        f"skipped: {skipped} -> {db}",
        err=True,
    )


@main.command(context_settings={"ignore_unknown_options": True})
@click.option("--every", metavar="INTERVAL", help="Run a crawl at this interval: 15m, 1h, 2h30m, 1d.")
@click.option("--cron", metavar="EXPR", help='Run a crawl at the times of this cron expression (UTC), e.g. "*/15 * * * *".')
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), default=DEFAULT_DB, show_default=True)
@click.option("--max-runs", type=click.IntRange(min=1), default=None, help="Stop after this many runs [default: never].")
@click.option("-v", "--verbose", is_flag=True, help="Each crawl shows Scrapy's log (crawl -v) instead of a progress line.")
@click.argument("crawl_args", nargs=-1, type=click.UNPROCESSED)
def schedule(every: str | None, cron: str | None, db: Path, max_runs: int | None, verbose: bool,
             crawl_args: tuple[str, ...]):
    """Run `newsarchive crawl` on a schedule, each run in its own process, until Ctrl-C.

    Arguments after the options go to every crawl. A run that fails is logged and the schedule
    goes on; a crawl still running when the next is due delays it (two never run at once, and
    each crawl takes the archive's lock, so a crawl started by hand meanwhile exits with a message).

    Examples: newsarchive schedule --every 15m; newsarchive schedule --cron "0 * * * *" -- --live
    """
    from crawler.ops.schedule import ScheduleError, check_cron, parse_every, run_schedule

    if (every is None) == (cron is None):
        raise UserError("give exactly one of --every and --cron")
    try:
        interval = parse_every(every) if every else None
        expression = check_cron(cron) if cron else None
        command = [sys.executable, "-m", "crawler.cli", "crawl", "--db", str(db),
                   "-s", "NEWSARCHIVE_TRIGGER=schedule", *(["-v"] if verbose else []),
                   *[a for a in crawl_args if a != "--"]]
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
    if not db.exists():
        raise UserError(f"no archive at {db}: run `newsarchive crawl --db {db}` first")
    try:
        with open_archive(db) as archive:
            click.echo(format_status(archive.last_runs(runs), archive.due_summary(clock.timestamp()),
                                     ArchiveLock(db).holder()))
            last = archive.last_crawl_by_site()
            click.echo(format_health([archive.health_of(last[name]["id"]) for name in sorted(last)]))
    except ArchiveError as exc:
        raise UserError(str(exc)) from None
    except sqlite3.DatabaseError as exc:
        raise UserError(damaged(db, exc)) from None


def format_health(crawls: list[tuple[list[dict], list[dict]]]) -> str:
    """The extraction health of each site's last crawl (crawler.processing.health), and its drift."""
    from crawler.processing.health import FIELDS, describe

    lines = ["", "extraction (each site's last crawl)",
             "crawl  site            parser                                   pages  article pages  articles  "
             "extracted  fallbacks  partial  median body  " + "  ".join(FIELDS) + "  rejected"]
    for rows, drops in crawls:
        for row in rows:
            share = lambda n, of: f"{n / of:.0%}" if of else "-"  # noqa: E731
            fields = "  ".join(share(row[f"with_{name}"], row["articles"]).rjust(len(name)) for name in FIELDS)
            rejected = ", ".join(f"{k} {v}" for k, v in json.loads(row["rejected"] or "{}").items()) or "-"
            lines.append(
                f"{row['crawl']:>5}  {row['site']:<14}  {row['parser']:<39}  {row['pages']:>5}  "
                f"{row['article_pages']:>13}  {row['articles']:>8}  {share(row['articles'], row['article_pages']):>9}  "
                f"{row['fallbacks']:>9}  {row['partial']:>7}  {row['median_body_chars'] or '-':>11}  {fields}  {rejected}"
            )
        if drops:
            lines.append(f"       {describe(drops)}")
    if len(lines) == 3:
        lines.append("(no crawl has recorded it yet)")
    return "\n".join(lines)


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


@main.command()
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), default=DEFAULT_DB, show_default=True,
              help="The archive whose last crawl of each site is shown (none if it does not exist).")
def sites(db: Path):
    """List the sites the crawler knows: name, hosts, parser, last crawl.

    A site is a folder of crawler/sites/ with a site.toml; one without a page object of its own
    is read by the generic page object.

    Example: newsarchive sites --db data/archive.db
    """
    from crawler.sites.parse import parser_of_site

    last = {}
    if db.exists():
        try:
            with open_archive(db) as archive:
                last = archive.last_crawl_by_site()
        except ArchiveError as exc:
            raise UserError(str(exc)) from None
        except sqlite3.DatabaseError as exc:
            raise UserError(damaged(db, exc)) from None
    rows = [("site", "hosts", "parser", "last crawl")]
    for spec in registry.sites():
        run = last.get(spec.name)
        rows.append((spec.name, ", ".join(sorted(spec.domains)), parser_of_site(spec),
                     f"{run['id']} {run['started']} ({run['finish_reason'] or 'unfinished'})" if run else "never"))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[3])


def crawl_summary(db: Path, stats: dict) -> str:
    get = lambda key: stats.get(key, 0)  # noqa: E731
    return (
        f"crawl {get(keys.CRAWL_ID)} {stats.get('finish_reason', 'unfinished')}: "
        f"{get(keys.PAGES)} pages, {get(keys.ARTICLES_NEW)} new articles, "
        f"{get(keys.ARTICLES_UNCHANGED)} unchanged, {get(keys.ARTICLES_CHANGED)} changed, "
        f"{get(keys.HEADLINES_NEW)} new headlines, "
        f"{keys.dropped_total(stats)} items dropped, {get(keys.REPLAY_NOT_IN_MIRROR)} URLs not in mirror"
        f"{failure_summary(stats)} -> {db}"
        + (f"\n{stats[keys.DRIFT_LINE]}" if stats.get(keys.DRIFT_LINE) else "")
    )


def failure_summary(stats: dict) -> str:
    """", 2 URLs failed (cannot_resolve_host_error 2)" when URLs failed; "" when none did (and the
    summary is the line it always was)."""
    failures = keys.failures(stats)
    if not failures:
        return ""
    reasons = ", ".join(f"{reason} {n}" for reason, n in failures.items())
    return f", {sum(failures.values())} URLs failed ({reasons})"


@main.command()
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), default=DEFAULT_DB, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8001, show_default=True)
@click.option("--immutable", is_flag=True,
              help="Serve the file as immutable: for a snapshot from `newsarchive publish`, never the live archive.")
@click.option("--sql/--no-sql", "sql", default=False, show_default=True,
              help="Allow arbitrary SQL (bounded in time and memory); off by default. Tables, canned queries, "
                   "search and the archive's pages work either way.")
def serve(db: Path, host: str, port: int, immutable: bool, sql: bool):
    """Browse and search the archive with Datasette (foreground).

    Example: newsarchive serve --db data/archive.db --port 8001
    """
    from crawler.publish.serve import serve as run_datasette

    if not db.exists():
        raise UserError(f"no archive at {db}: run `newsarchive crawl --db {db}` first")
    if not immutable:  # a snapshot is already migrated, and must not be written to
        try:
            open_archive(db).close()  # the current schema, before Datasette reads it
        except ArchiveError as exc:
            raise UserError(str(exc)) from None
    click.echo(f"Serving {db} at http://{host}:{port}/", err=True)
    run_datasette(db, host, port, immutable=immutable, allow_sql=sql)


@main.command()
@click.argument("out", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), default=DEFAULT_DB, show_default=True,
              help="The archive to snapshot (it may be crawled meanwhile).")
@click.option("--overwrite", is_flag=True, help="Replace OUT if it exists.")
def publish(out: Path, db: Path, overwrite: bool):
    """Write a consistent snapshot of the archive to OUT, to serve immutably or publish.

    Any Datasette where newsarchive is installed serves it with the archive's pages and queries.

    Example: newsarchive publish dist/archive.db
    """
    from crawler.archive.snapshot import SnapshotError, snapshot

    if not db.exists():
        raise UserError(f"no archive at {db}: run `newsarchive crawl --db {db}` first")
    try:
        open_archive(db).close()  # the current schema, in the snapshot too
        snapshot(db, out, overwrite=overwrite, progress=_SizeProgress("publish"))
    except (ArchiveError, SnapshotError) as exc:
        raise UserError(str(exc)) from None
    click.echo(f"snapshot of {db} written to {out} ({out.stat().st_size / 1e6:.1f} MB); "
               f"serve it with: newsarchive serve --db {out} --immutable", err=True)


@main.command()
@click.option("--mirror", type=click.Path(path_type=Path, file_okay=False, exists=True), default=None,
              help="The mirror folder [default: the site's bundled mirror].")
@SITE_OPTION
@click.option("--write", is_flag=True, help="Rewrite the expected files instead of showing the diff.")
def expected(mirror: Path | None, site_name: str, write: bool):
    """Compare each saved page's parse with its .expected.json beside it (or --write them).

    Example: newsarchive expected   (exit status 1 and a diff when a parse changed)
    """
    site = _site(site_name)
    try:
        folder = Mirror(mirror or registry.mirror(site))
    except MirrorError as exc:
        raise UserError(str(exc)) from None
    pages, changed = folder.saved_pages(), 0
    for page in pages:
        actual = dump_json(parse_file(page, folder.url_of(page), site))
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
    click.echo(f"{len(pages)} pages, {changed} expected file(s) {'written' if write else 'differ'}", err=True)


if __name__ == "__main__":
    main()
