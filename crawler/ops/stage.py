"""The processing stage of a two-process crawl (NEWSARCHIVE_PROCESSES = 2).

The crawl process captures: it fetches, follows links (crawler.frontier.links.html_links) and
writes every response to WARC and the captures table, and marks each URL done once captured.
This process follows that crawl's captures as they are committed and does the rest, as
`reparse` does (crawler.ops.reparse.CaptureProcessor): the page objects, the processing core
(normalise, validate, group) and the batched writes of articles, headlines and sightings. The
two share the archive through SQLite's WAL (each commit is short; the busy timeout covers the
other's), so the crawl never waits for parsing or for the extracted tables, and a crawl uses
two cores.

Run by the crawl's archive extension as `python -m crawler.ops.stage DB CRAWL_ID SITE`: its
standard input stays open while the crawl captures (end of file: everything is committed);
it then reads what is left and writes its stats as one JSON line on standard output. Exit 1
with a one-line error on standard error if it cannot go on (its crawl then says so).
"""

from __future__ import annotations

import json
import select
import sys
import time
from functools import partial
from typing import Callable

from crawler.archive.batch import BATCH_SIZE, Batch
from crawler.archive.store import Archive, ArchiveError
from crawler.core import stats as keys
from crawler.ops.reparse import CaptureProcessor
from crawler.sites import registry
from crawler.sites.spec import SiteSpec

POLL_SECONDS = 0.05  # how long the stage sleeps when it has caught up with the crawl


def follow(archive: Archive, crawl_id: int, site: SiteSpec, *, ended: Callable[[], bool],
           batch_size: int = BATCH_SIZE, poll: float = POLL_SECONDS) -> dict:
    """Process the crawl's captures as they come, until `ended()` says the crawl wrote its last
    one and every capture has been read; returns the stats."""
    stats = keys.Stats()
    started = archive.query("SELECT started FROM crawls WHERE id = ?", [crawl_id])
    batch = Batch(stats, size=batch_size, paper_of=partial(registry.paper_of, default=site))
    worker = CaptureProcessor(archive, crawl_id, site=site, stats=stats, batch=batch,
                              as_of=started[0]["started"] if started else None, pages_key=keys.PAGES,
                              skipped_key=keys.stage_skipped, count_no_article=True)
    after = 0
    while True:
        last_call = ended()  # asked first: whatever was committed before the end is read below
        got = 0
        for capture in archive.captures(crawl=crawl_id, after=after):
            worker.process(capture)
            after = capture["seq"]
            got += 1
        stats.inc_value(keys.STAGE_CAPTURES, got)
        if last_call:
            break
        if not got:
            worker.flush()  # caught up: what is waiting is written now, not at the next full batch
            time.sleep(poll)
    worker.flush()
    stats.set_value(keys.STAGE_HEALTH, worker.health.to_json())  # the crawl's extension stores it
    return stats.get_stats()


def _stdin_closed() -> bool:
    """Whether the crawl closed this process's standard input (it wrote its last capture)."""
    readable, _, _ = select.select([sys.stdin], [], [], 0)
    return bool(readable) and sys.stdin.buffer.read1(1 << 16) == b""


def main(argv: list[str] | None = None) -> int:
    db, crawl_id, site_name = (argv if argv is not None else sys.argv[1:])[:3]
    try:
        with Archive(db) as archive:
            stats = follow(archive, int(crawl_id), registry.site(site_name), ended=_stdin_closed)
    except (ArchiveError, OSError) as exc:
        print(f"newsarchive processing stage: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}",
              file=sys.stderr)
        return 1
    print(json.dumps(stats, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
