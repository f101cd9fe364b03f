"""WARC: every response kept as received, and read back.

- records.py: the shared types (Capture, RecordRef, WarcError), digests, finding WARC files;
- writer.py: writing exchanges as WARC records (warcio underneath);
- reader.py: reading WARC files, ours or other tools', tolerating damage;
- capture.py: a crawl's captures: WARC records plus the rows that index them;
- replay.py: answering requests from a mirror folder or WARC files, revisits resolved.

No Scrapy and no SQL here.
"""
