"""The frontier's pure rules: what a URL is and where it leads, no engine and no I/O.

- urls.py: the canonical form of a URL (w3lib underneath; the sites' hosts from the registry),
  trusted rel=canonical links, what may be fetched;
- links.py, feeds.py, sitemaps.py: links found in pages, RSS/Atom feeds and sitemaps;
- kinds.py: what a URL is (front, listing, article, feed, sitemap, other);
- traps.py: URLs that are crawler traps;
- recheck.py: when to fetch a URL again (re-checks, Retry-After, back-off).

Every URL handed out is absolute, http(s) only and in the form of urls.canonicalize.
"""
