"""Work on an archive outside a crawl: re-parsing it from its WARC files (reparse.py) and
running crawls on a schedule (schedule.py)."""
