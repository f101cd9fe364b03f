"""Replay: answer every request from a mirror folder or WARC files; fetch nothing.

On when the crawl replays (crawler.crawl.extension.replay_source: the setting NEWSARCHIVE_REPLAY,
else the bundled mirror of the site crawled, unless NEWSARCHIVE_LIVE). A URL missing from the
mirror is skipped (NotInMirror, reason "not_in_mirror"), counted and listed in the crawl's stats.
"""

from __future__ import annotations

import logging

from scrapy.exceptions import NotConfigured
from scrapy.http import Headers
from scrapy.responsetypes import responsetypes

from crawler.core import stats as keys
from crawler.crawl.errors import NotInMirror
from crawler.warc.replay import Mirror, WarcReplay, open_replay

SKIPPED_URLS_KEPT = 100  # the first skipped URLs are listed in the crawl's stats
logger = logging.getLogger(__name__)


class ReplayDownloaderMiddleware:
    def __init__(self, mirror: Mirror | WarcReplay, stats):
        self.mirror = mirror
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        from crawler.crawl.extension import replay_source

        site = getattr(crawler.spidercls, "site", None)
        root = replay_source(crawler.settings, site) if site is not None else crawler.settings.get("NEWSARCHIVE_REPLAY")
        if not root:
            raise NotConfigured
        mirror = open_replay(root)
        for reason in getattr(mirror, "skipped", []):
            logger.warning("Replay source: skipped damaged WARC record %s", reason)
        return cls(mirror, crawler.stats)

    def process_request(self, request):
        hit = self.mirror.lookup(request.url)
        if hit is None:
            self.stats.inc_value(keys.REPLAY_NOT_IN_MIRROR)
            skipped = self.stats.get_value(keys.REPLAY_SKIPPED_URLS, [])
            if len(skipped) < SKIPPED_URLS_KEPT:
                self.stats.set_value(keys.REPLAY_SKIPPED_URLS, skipped + [request.url])
            logger.info("Skipped (not_in_mirror): %s", request.url)
            raise NotInMirror(f"not_in_mirror: {request.url}")
        if hit.captured_at:
            request.meta["captured_at"] = hit.captured_at
        self.stats.inc_value(keys.REPLAY_SERVED)
        headers = Headers()
        for name, value in hit.headers:
            headers.appendlist(name, value)
        cls = responsetypes.from_args(headers=headers, url=request.url, body=hit.body)
        return cls(url=request.url, status=hit.status, headers=headers, body=hit.body, request=request,
                   flags=["replay"])
