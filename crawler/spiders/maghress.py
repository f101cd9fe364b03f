"""The maghress spider: seed URLs, then every article link found in tickers and listings."""

from __future__ import annotations

from urllib.parse import urlsplit

import scrapy
from scrapy.http import TextResponse

from crawler.clock import utc_now
from crawler.items import page_items
from crawler.pages import PageError, parse_bytes
from crawler.seeds import DEFAULT_SEEDS, read_seed_urls
from crawler.urls import canonicalize, is_article_url, is_fetchable, known_site


class MaghressSpider(scrapy.Spider):
    name = "maghress"

    def __init__(self, seeds: str | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seeds_path = seeds
        self.hosts: set[str] = set()
        # Every page repeats the ticker's links: links already looked at, and canonical URLs
        # already requested, are skipped here, sparing ~50 requests per page that Scrapy's
        # dupefilter would build and then drop.
        self.links_seen: set[str] = set()
        self.requested: set[str] = set()

    async def start(self):
        path = self.seeds_path or self.settings.get("NEWSARCHIVE_SEEDS") or DEFAULT_SEEDS
        for url in read_seed_urls(path):
            if not is_fetchable(url):
                self.crawler.stats.inc_value("spider/refused/scheme")
                self.logger.warning("Refused seed URL (only http and https are fetched): %s", url)
                continue
            url = canonicalize(url)
            self.hosts.add(self._site(url))
            self.requested.add(url)
            yield scrapy.Request(url, callback=self.parse)

    @staticmethod
    def _site(url: str) -> str:
        netloc = urlsplit(url).netloc.lower()
        return known_site(netloc) or netloc

    def parse(self, response):
        if not isinstance(response, TextResponse):
            self.crawler.stats.inc_value("spider/skipped/not_text")
            return
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        try:
            page = parse_bytes(response.url, response.body, content_type)
        except PageError as exc:
            self.crawler.stats.inc_value("spider/skipped/unparseable")
            self.logger.warning("Cannot parse %s: %s", response.url, exc)
            return
        seen_at = response.meta.get("captured_at") or utc_now()
        capture = response.meta.get("capture")
        self.crawler.stats.inc_value("spider/pages")
        yield from page_items(page, seen_at, capture)
        for link in page.links:
            if link in self.links_seen:
                continue
            self.links_seen.add(link)
            url = canonicalize(link) if is_fetchable(link) else None
            if url and url not in self.requested and is_article_url(url) and self._site(url) in self.hosts:
                self.requested.add(url)
                yield scrapy.Request(url, callback=self.parse)
