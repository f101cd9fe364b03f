"""Maghress (www.maghress.com) and its sister sites: site.toml (the spec) and page.py (the page object)."""
