"""The Scrapy glue: settings, the spiders, one middleware per file, the archive extension.

Everything that imports Scrapy lives here (and in the thin adapters of `pipelines/`).
"""
