"""Seed URL lists and saved pages, laid out by URL with their expected parses beside them.

Shipped in the wheel as the package data of `crawler.seeds` (see pyproject.toml), so that the
bundled mirror is found wherever newsarchive is installed: crawler.sites.registry.seeds_root().
"""
