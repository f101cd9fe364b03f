"""Item pipelines, one concern each, in this order: normalize, validate, deduplicate, store.

Each counts what it drops, and why, in the crawl's stats under its own prefix.
"""
