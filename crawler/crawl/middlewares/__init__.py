"""Downloader middlewares of the crawl, one per file: the gate (where requests may go), robots.txt,
the size limit (DOWNLOAD_MAXSIZE as a reason), replay, capture."""
