"""Downloader middlewares of the crawl, one per file: robots.txt, replay, capture."""
