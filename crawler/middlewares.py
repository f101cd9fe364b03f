"""Downloader middleware of the project."""

from __future__ import annotations

import logging

from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.responsetypes import responsetypes

from crawler.mirror import CONTENT_TYPES, Mirror

SKIPPED_URLS_KEPT = 100  # the first skipped URLs are listed in the crawl's stats
logger = logging.getLogger(__name__)


class MirrorDownloaderMiddleware:
    """Replay: answer every request from a Mirror (setting NEWSARCHIVE_REPLAY); fetch nothing.

    A URL missing from the mirror is skipped with the reason "not_in_mirror", counted and
    listed in the crawl's stats.
    """

    def __init__(self, mirror: Mirror, stats):
        self.mirror = mirror
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        root = crawler.settings.get("NEWSARCHIVE_REPLAY")
        if not root:
            raise NotConfigured
        return cls(Mirror(root), crawler.stats)

    def process_request(self, request):
        path = self.mirror.find(request.url)
        if path is None:
            self.stats.inc_value("replay/skipped/not_in_mirror")
            skipped = self.stats.get_value("replay/skipped_urls", [])
            if len(skipped) < SKIPPED_URLS_KEPT:
                self.stats.set_value("replay/skipped_urls", skipped + [request.url])
            logger.info("Skipped (not_in_mirror): %s", request.url)
            raise IgnoreRequest(f"not_in_mirror: {request.url}")
        captured = self.mirror.captured_at(path)
        if captured:
            request.meta["captured_at"] = captured
        self.stats.inc_value("replay/served")
        headers = {"Content-Type": CONTENT_TYPES.get(path.suffix, "application/octet-stream")}
        body = path.read_bytes()
        cls = responsetypes.from_args(headers=headers, url=request.url, body=body)
        return cls(url=request.url, status=200, headers=headers, body=body, request=request, flags=["replay"])

