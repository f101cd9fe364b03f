"""The registry of sites: every folder of crawler/sites/ that holds a site.toml is a site.

Adding a site is adding a folder (its site.toml, and a page object where the site needs one)
and its saved pages under seeds/. Everything else asks the registry:

- `site(name)`, `sites()`: the specs;
- `site_for_url(url)`: the site a URL belongs to, by its host (None for a host no site claims);
- `boilerplate()`: every site's furniture sentences (for the grouping of copies);
- `paper_of(url)`: the paper an article URL credits;
- `seeds_root()`, `start_urls(site)`, `mirror(site)`: the bundled seed files, wherever the
  package is installed.

Pure data: this module reads package data and imports no page object (crawler.sites.parse does),
so that the URL rules can ask it about hosts without an import cycle.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from urllib.parse import urlsplit

from crawler.sites.spec import SiteSpec

SPEC_FILE = "site.toml"


class UnknownSite(KeyError):
    def __str__(self) -> str:
        return f"no site named {self.args[0]!r} (known: {', '.join(names())})"


@cache
def sites() -> tuple[SiteSpec, ...]:
    """Every registered site, by name."""
    found = []
    for folder in sorted(files("crawler.sites").iterdir(), key=lambda f: f.name):
        spec_file = folder / SPEC_FILE
        if folder.is_dir() and spec_file.is_file():
            found.append(SiteSpec.from_toml(spec_file.read_text(encoding="utf-8"), f"crawler.sites.{folder.name}"))
    return tuple(found)


def names() -> list[str]:
    return [s.name for s in sites()]


def site(name: str) -> SiteSpec:
    for spec in sites():
        if spec.name == name:
            return spec
    raise UnknownSite(name)


@cache
def _domains() -> dict[str, SiteSpec]:
    return {domain: spec for spec in sites() for domain in spec.domains}


def site_for_host(host: str) -> SiteSpec | None:
    """The site that claims a host (any alias of one of its domains), or None."""
    host = (host or "").lower().rstrip(".")
    table = _domains()
    if host in table:
        return table[host]
    prefix, _, rest = host.partition(".")
    spec = table.get(rest)
    return spec if spec is not None and spec.domain_of(host) else None


def site_for_url(url: str) -> SiteSpec | None:
    try:
        return site_for_host(urlsplit(url).hostname or "")
    except ValueError:
        return None


@cache
def boilerplate() -> tuple[str, ...]:
    """Every registered site's furniture sentences (closing lines, report boxes)."""
    return tuple(sentence for spec in sites() for sentence in spec.furniture())


def paper_of(url: str | None, default: SiteSpec | None = None) -> str | None:
    """The paper an article URL credits, by the URL's site (or `default` for a host no site
    claims, as pages of a site replayed from another host); None when there is none."""
    if not url:
        return None
    spec = site_for_url(url) or default
    return spec.paper(url) if spec else None


def paper_by_site_name(url: str | None, site_name: str | None) -> str | None:
    """paper_of with the default site given by name (an unknown name: none): the rule the
    archive is handed (crawler.archive.store.Archive.open(paper_of=...)) to fill in papers."""
    default = site(site_name) if site_name in names() else None
    return paper_of(url, default=default)


# --- the bundled seed files ---------------------------------------------------------------------
def seeds_root() -> Traversable:
    """The seeds folder: seeds/ of a source checkout, or the package data crawler.seeds."""
    return files("crawler.seeds")


def _path(relative: str) -> Path:
    return Path(str(seeds_root().joinpath(relative)))


def start_urls(spec: SiteSpec) -> Path:
    """The file of the site's start URLs."""
    return _path(spec.start_urls)


def mirror(spec: SiteSpec) -> Path | None:
    """The site's bundled mirror folder, if it has one."""
    return _path(spec.mirror) if spec.mirror else None
