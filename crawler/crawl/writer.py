"""The crawl's writer thread: every archive and WARC write of a crawl runs there, in order.

gzip, SHA-1 and SQLite release the GIL, so they run beside Scrapy's reactor instead of inside
it; the crawl only hands work over, and waits when more than QUEUE_SIZE jobs are pending.
"""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future
from typing import Callable

logger = logging.getLogger(__name__)


class WriterThread:
    """Runs jobs one at a time, in the order given, on one thread."""

    QUEUE_SIZE = 64

    def __init__(self, on_error: Callable[[BaseException], None] | None = None):
        self.on_error = on_error
        self._jobs: queue.Queue = queue.Queue(maxsize=self.QUEUE_SIZE)
        self._thread = threading.Thread(target=self._work, name="newsarchive-writer", daemon=True)
        self._thread.start()

    def run(self, fn, *args, wait: bool = False):
        """fn(*args) on the writer: its result if `wait` (its exception raised here), else queued
        (an exception is logged and handed to on_error)."""
        if self._thread is None:
            raise RuntimeError("the writer thread is stopped")
        future: Future = Future()
        if not wait:
            future.add_done_callback(self._report)
        self._jobs.put((fn, args, future))
        return future.result() if wait else None

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            fn, args, future = job
            try:
                future.set_result(fn(*args))
            except BaseException as exc:  # handed to whoever waits, or reported
                future.set_exception(exc)

    def _report(self, future: Future) -> None:
        exc = future.exception()
        if exc is not None:
            logger.error("Archive write failed: %s", exc, exc_info=exc)
            if self.on_error is not None:
                self.on_error(exc)

    def stop(self) -> None:
        """Finish the jobs queued, then stop the thread."""
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join()
            self._thread = None
