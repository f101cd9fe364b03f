"""Sites: one folder per site (its declarative site.toml and, where needed, its pure page
object), the registry that maps a URL to its site (registry.py), and parsing through the right
page object (parse.py).

Nothing outside crawler/sites/<name>/ (and seeds/, tests/) names a site.
"""
