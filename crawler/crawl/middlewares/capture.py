"""Keep every response as WARC, as received: before decompression, redirects or retries.

Sits next to the downloader, so it sees robots.txt, redirects and error pages too. Each response
goes to the archive extension's capture (WARC records and a captures row); the request's meta
gets the capture's id and time, which the spider puts on the items parsed from it, and
`tls_problem`: what is wrong with an https response's certificate, or None (see
crawler.crawl.middlewares.gate.certificate_problem; the gate counts and logs it).
"""

from __future__ import annotations

from http import HTTPStatus

from scrapy.exceptions import NotConfigured
from scrapy.http import Headers

from crawler.core import clock
from crawler.crawl.middlewares.gate import TLS_META, RequestGate, certificate_problem


class CaptureDownloaderMiddleware:
    def __init__(self, extension, crawler):
        self.extension = extension
        self.crawler = crawler
        self.gate = None  # the request gate, looked up once the downloader is built (False: none)

    @classmethod
    def from_crawler(cls, crawler):
        from crawler.crawl.extension import ArchiveExtension

        extension = crawler.get_extension(ArchiveExtension)
        if extension is None or not crawler.settings.getbool("NEWSARCHIVE_CAPTURE", True):
            raise NotConfigured
        return cls(extension, crawler)

    def process_response(self, request, response):
        if self.gate is None:
            self.gate = self.crawler.get_downloader_middleware(RequestGate) or False
        if self.gate:
            self.gate.check_address(request, response)  # a refused address is never kept
        fetched_at = request.meta.get("captured_at") or clock.timestamp()
        request.meta["captured_at"] = fetched_at
        request.meta[TLS_META] = certificate_problem(request, response)
        request.meta["capture"] = self.extension.capture(
            url=response.url,
            method=request.method,
            request_headers=_header_list(request.headers),
            status=response.status,
            reason=_reason_phrase(response.status),
            response_headers=_header_list(response.headers),
            body=response.body,
            fetched_at=fetched_at,
            http_version=response.protocol or "HTTP/1.1",
            tls_problem=request.meta[TLS_META],
        )
        return response


def _header_list(headers: Headers) -> list[tuple[str, str]]:
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name in headers
        for value in headers.getlist(name)
    ]


def _reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
