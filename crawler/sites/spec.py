"""A site's declarative spec: the `site.toml` of its folder, read into a frozen dataclass.

Pure: reads package data once (through the registry), no Scrapy, no archive.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from urllib.parse import urlsplit


class SiteSpecError(ValueError):
    """A site.toml that cannot be read or lacks a required key."""


@dataclass(frozen=True)
class Edition:
    name: str  # "fr"
    language: str  # the language of its pages: "fr", "ar"
    root: str  # path of the edition's root: "/fr", "/" (the edition whose root is "/" takes the rest)


@dataclass(frozen=True)
class SiteSpec:
    """Everything the crawler knows about one site, as data."""

    name: str
    title: str
    description: str
    home: str
    package: str  # the site's Python package: crawler.sites.<name>
    page_object: str | None  # module of the package with parse_page and PARSER_VERSION; None: none
    start_urls: str  # file of start URLs, relative to the seeds folder
    feeds: tuple[str, ...]  # the site's RSS/Atom feeds (absolute URLs), fetched with the start URLs
    sitemaps: tuple[str, ...]  # its sitemaps (absolute URLs), beside those robots.txt names
    mirror: str | None  # bundled mirror folder, relative to the seeds folder
    domains: frozenset[str]  # registrable domains of the site (and its sister sites)
    aliases: tuple[str, ...]  # host prefixes that are the same host: "www.", "m."
    canonical_prefix: str  # the host every alias is canonicalised to: "www." + domain
    scheme: str  # the scheme every URL of the site is canonicalised to
    url_variants: bool  # AMP and print variants of an article map to the article's URL
    article_path: re.Pattern
    paper_path: re.Pattern | None  # group "paper": the paper an article URL credits
    front_paths: frozenset[str]
    editions: tuple[Edition, ...]
    closing: tuple[str, ...]  # the template's closing sentences
    report_box: tuple[str, ...]  # the "report this image" box, as the page object drops it
    report_box_unconfirmed: tuple[str, ...]  # wording not seen on a saved page
    # The description in the reader's other languages: {"fr": ..., "ar": ...} ([description_in])
    descriptions: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_toml(cls, text: str, package: str) -> SiteSpec:
        try:
            data = tomllib.loads(text)
            hosts, urls, furniture = data.get("hosts", {}), data["urls"], data.get("furniture", {})
            return cls(
                name=data["name"],
                title=data.get("title", data["name"]),
                description=data.get("description", ""),
                descriptions=tuple(sorted(data.get("description_in", {}).items())),
                home=data.get("home", ""),
                package=package,
                page_object=data.get("page_object"),
                start_urls=data["start_urls"],
                feeds=tuple(data.get("feeds", ())),
                sitemaps=tuple(data.get("sitemaps", ())),
                mirror=data.get("mirror"),
                domains=frozenset(d.lower() for d in hosts.get("domains", ())),
                aliases=tuple(hosts.get("aliases", ("www.",))),
                canonical_prefix=hosts.get("canonical_prefix", "www."),
                scheme=hosts.get("scheme", "https"),
                url_variants=bool(hosts.get("url_variants", False)),
                article_path=re.compile(urls["article"]),
                paper_path=re.compile(urls["paper"]) if urls.get("paper") else None,
                front_paths=frozenset(urls.get("front", ("/",))),
                editions=tuple(Edition(**e) for e in data.get("editions", ())),
                closing=tuple(furniture.get("closing", ())),
                report_box=tuple(furniture.get("report_box", ())),
                report_box_unconfirmed=tuple(furniture.get("report_box_unconfirmed", ())),
            )
        except (tomllib.TOMLDecodeError, KeyError, TypeError, re.error) as exc:
            raise SiteSpecError(f"bad site.toml in {package}: {exc!r}") from None

    # --- questions about a URL of the site ------------------------------------------------------
    def domain_of(self, host: str) -> str | None:
        """The site's registrable domain for one of its hosts (m.maghress.com -> maghress.com)."""
        host = host.lower().rstrip(".")
        for prefix in self.aliases:
            if host.startswith(prefix):
                host = host[len(prefix):]
                break
        return host if host in self.domains else None

    def is_article(self, url: str) -> bool:
        return bool(self.article_path.match(urlsplit(url).path))

    def edition(self, url: str) -> Edition | None:
        """The edition a URL belongs to: the one with the longest root that prefixes its path."""
        path = urlsplit(url).path or "/"
        best = None
        for edition in self.editions:
            root = edition.root.rstrip("/")
            if path == root or path.startswith(root + "/") or root == "":
                if best is None or len(root) > len(best.root.rstrip("/")):
                    best = edition
        return best

    def language(self, url: str) -> str | None:
        edition = self.edition(url)
        return edition.language if edition else None

    def paper(self, url: str) -> str | None:
        """The paper's slug in an article URL of the site, or None."""
        if self.paper_path is None or not url:
            return None
        m = self.paper_path.match(urlsplit(url).path)
        return m["paper"] if m else None

    def furniture(self) -> tuple[str, ...]:
        """Every sentence of the template that is never article text, unconfirmed ones too."""
        return self.closing + self.report_box + self.report_box_unconfirmed
