"""Spiders: crawling only (which URLs, in what order). Parsing lives in crawler.pages."""
