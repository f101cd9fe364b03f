"""DOWNLOAD_MAXSIZE as a reason: a body over the limit gives `ResponseTooLarge` (the URL's mark:
skipped, "too_large", not fetched again for NEWSARCHIVE_TOO_LARGE_RECHECK_DAYS).

Scrapy 2.19 enforces DOWNLOAD_MAXSIZE in two places, each with its own exception:

- the HTTP download handler, on the announced Content-Length or on the bytes received so far:
  the download is aborted and fails with `DownloadCancelledError` (the same type as any other
  cancelled download);
- HttpCompressionMiddleware, on the decompressed size (gzip, deflate, br, zstd are inflated
  chunk by chunk, up to the limit, so a gzip bomb never takes more than DOWNLOAD_MAXSIZE of
  memory): it raises a plain `IgnoreRequest`.

This middleware takes HttpCompressionMiddleware's place (a subclass, priority 590, its public
`process_response` wrapped: the only IgnoreRequest it raises is the size one) and tells a
cancelled download cut for its size from any other by measuring, through Scrapy's
`headers_received` and `bytes_received` signals, what was announced and received. Both become
`ResponseTooLarge`, raised before the retry middleware (550) could retry them.

Replayed responses (the mirror, WARC files) are held to the same limit.
"""

from __future__ import annotations

from scrapy import signals
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest

from crawler.crawl.errors import ResponseTooLarge

SIZE_META = "newsarchive_announced_size"  # request meta: the Content-Length of the answer
RECEIVED_META = "newsarchive_received_size"  # request meta: the body bytes received so far


class ResponseSizeMiddleware(HttpCompressionMiddleware):
    def __init__(self, stats=None, *, crawler=None):
        super().__init__(stats, crawler=crawler)
        crawler.signals.connect(self._headers_received, signal=signals.headers_received)
        crawler.signals.connect(self._bytes_received, signal=signals.bytes_received)

    def _max_size_of(self, request) -> int:
        return request.meta.get("download_maxsize", self._max_size)

    def _headers_received(self, headers, body_length, request, spider=None):
        request.meta[RECEIVED_META] = 0  # a new answer (a retry starts again)
        if isinstance(body_length, int) and body_length > 0:
            request.meta[SIZE_META] = body_length

    def _bytes_received(self, data, request, spider=None):
        request.meta[RECEIVED_META] = request.meta.get(RECEIVED_META, 0) + len(data)

    def _too_large(self, request, size: int, how: str) -> ResponseTooLarge:
        return ResponseTooLarge(f"too_large: {request.url} {how} {size} bytes, over DOWNLOAD_MAXSIZE "
                                f"({self._max_size_of(request)} bytes)")

    def process_response(self, request, response):
        max_size = self._max_size_of(request)
        if "replay" in response.flags and max_size and len(response.body) > max_size:
            raise self._too_large(request, len(response.body), "is")
        try:
            return super().process_response(request, response)
        except IgnoreRequest as exc:  # HttpCompressionMiddleware's only one: over the limit once decompressed
            raise self._too_large(request, max_size, "decompresses to more than") from exc

    def process_exception(self, request, exception):
        if not isinstance(exception, DownloadCancelledError):
            return None
        max_size = self._max_size_of(request)
        announced = request.meta.get(SIZE_META, 0)
        received = request.meta.get(RECEIVED_META, 0)
        if max_size and max(announced, received) > max_size:
            how = "announced" if announced > max_size else "was cut after"
            raise self._too_large(request, max(announced, received), how) from exception
        return None
