"""Item pipelines: thin Scrapy adapters over the processing core (crawler.processing) and the
archive (through the crawl's archive extension)."""
