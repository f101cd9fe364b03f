"""Phys.org (phys.org), the science news site of the Science X Network: site.toml (the spec) and page.py
(the page object)."""
