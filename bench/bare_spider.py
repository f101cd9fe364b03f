"""The benchmark's run (a): a bare Scrapy spider, the framework's ceiling on this machine.

Usage: python bench/bare_spider.py --seeds SEEDS [-s NAME=VALUE ...]

Requests every URL of the seeds file (one a line) and does nothing with the responses: no
parsing, no items, no links followed. Same concurrency and politeness settings as the
benchmark's newsarchive run. Prints the crawl's Scrapy stats as one JSON object on stdout.
Run it in its own process: it runs the Twisted reactor, once.
"""

from __future__ import annotations

import argparse
import json
import sys

import scrapy
from scrapy.crawler import CrawlerProcess

SETTINGS = {
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "ROBOTSTXT_OBEY": True,
    "LOG_LEVEL": "WARNING",
    "TELNETCONSOLE_ENABLED": False,
    "REMOTE_CONTROL_ENABLED": False,
    "CONCURRENT_ITEMS": 8,
}


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, seeds: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seeds = seeds

    async def start(self):
        with open(self.seeds, encoding="utf-8") as f:
            for line in f:
                url = line.strip()
                if url and not url.startswith("#"):
                    yield scrapy.Request(url, callback=self.parse)

    def parse(self, response):
        return None  # fetch only: nothing is parsed, nothing is yielded


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", required=True)
    parser.add_argument("-s", "--set", dest="settings", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args(argv)
    settings = dict(SETTINGS)
    for pair in args.settings:
        name, _, value = pair.partition("=")
        settings[name] = value
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler, seeds=args.seeds)
    process.start()
    stats = crawler.stats.get_stats()
    sys.stdout.write(json.dumps(stats, default=str, sort_keys=True) + "\n")
    return 0 if stats.get("finish_reason") == "finished" else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
