"""The crawl's writer thread: every archive and WARC write of a crawl runs there, in order.

gzip, SHA-1 and SQLite release the GIL, so they run beside Scrapy's reactor instead of inside
it; the crawl only hands work over, and waits when more than QUEUE_SIZE jobs are pending.

After a job fails, no later job runs (each raises WriterStopped): the jobs are in order, and a
later one may depend on an earlier one (a page's mark written after its items), so going on
could record as done what was never stored.
"""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future
from typing import Callable

logger = logging.getLogger(__name__)


class WriterStopped(RuntimeError):
    """An earlier job failed: this one was not run."""


class WriterThread:
    """Runs jobs one at a time, in the order given, on one thread."""

    QUEUE_SIZE = 64

    def __init__(self, on_error: Callable[[BaseException], None] | None = None):
        self.on_error = on_error  # called (on the writer thread) with the first job's failure
        self.failure: BaseException | None = None
        self._jobs: queue.Queue = queue.Queue(maxsize=self.QUEUE_SIZE)
        self._thread = threading.Thread(target=self._work, name="newsarchive-writer", daemon=True)
        self._thread.start()

    def run(self, fn, *args, wait: bool = False, always: bool = False):
        """fn(*args) on the writer: its result if `wait` (its exception raised here), else queued
        (an exception is logged). `always`: run it even after a failure (closing files)."""
        if self._thread is None:
            raise RuntimeError("the writer thread is stopped")
        future: Future = Future()
        if not wait:
            future.add_done_callback(self._report)
        self._jobs.put((fn, args, future, always))
        return future.result() if wait else None

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            fn, args, future, always = job
            if self.failure is not None and not always:
                future.set_exception(WriterStopped(f"not written: an earlier write failed ({self.failure})"))
                continue
            try:
                result = fn(*args)
            except BaseException as exc:  # handed to whoever waits, or reported
                self.failure = exc
                future.set_exception(exc)  # first: whoever waits must never wait for ever
                if self.on_error is not None:
                    try:
                        self.on_error(exc)
                    except Exception:  # the thread must go on to refuse the jobs that follow
                        logger.exception("Reporting a failed write failed")
            else:
                future.set_result(result)

    def _report(self, future: Future) -> None:
        exc = future.exception()
        if exc is not None and not isinstance(exc, WriterStopped):
            logger.error("Archive write failed: %s", exc, exc_info=exc)

    def stop(self) -> None:
        """Finish the jobs queued, then stop the thread."""
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join()
            self._thread = None
