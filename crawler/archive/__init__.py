"""The archive: all of newsarchive's SQL lives here.

- schema.py: the migrations (sqlite-utils), applied by one explicit call, Archive.migrate();
- store.py: `Archive`, the connection, its batched writes and the reads of the crawl's state;
- batch.py: what a crawl stores, collected and written one transaction at a time;
- reads.py: the SQL of the Datasette plugin's pages (the command line's reads are Archive methods);
- snapshot.py: consistent copies to publish; lock.py: one writer at a time.

The archive knows no crawler and no site: it stores rows and answers queries.
"""

from crawler.archive.store import Archive, ArchiveError, BatchResult

__all__ = ["Archive", "ArchiveError", "BatchResult"]
