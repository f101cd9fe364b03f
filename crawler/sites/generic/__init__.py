"""The generic page object: any news site's article page (page.py), without a spec of the site.

A site whose folder has a spec and no page object of its own is read by this one; so is a page
of a site no spec describes. Not a site itself (no site.toml): the registry does not list it.
"""
