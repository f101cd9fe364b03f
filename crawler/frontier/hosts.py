"""Where requests may go (pure rules): a URL's host as the crawl counts hosts, the allowed hosts,
and the addresses that are refused unless allowed. The gate of the crawl
(crawler/crawl/middlewares/gate.py) applies them to every request; the spider uses the same
host rules to decide what it follows.
"""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import (
    IPv4Address,
    IPv4Network,
    IPv6Address,
    IPv6Network,
    ip_address,
    ip_network,
)
from urllib.parse import urlsplit

from crawler.frontier.urls import known_site

DEFAULT_PORTS = {"http": 80, "https": 443}

Address = IPv4Address | IPv6Address
Network = IPv4Network | IPv6Network


def host_key(url: str) -> str:
    """The host a URL is on, a site's hosts counting as one: the registered site's domain
    (m.example-site.com and www.example-site.com give example-site.com, see
    crawler.sites.registry), else the host, lower-case, with its port unless it is the scheme's
    default ("127.0.0.1:8080", "[::1]:8080", "example.org"). ValueError for a URL that cannot be
    parsed (a bad port, a bad IPv6 literal)."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").rstrip(".")
    site = known_site(host)
    if site:
        return site
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    if port is not None and port != DEFAULT_PORTS.get(parts.scheme.lower()):
        return f"{host}:{port}"
    return host


def _bare(key: str) -> str:
    """A host key without its port: "127.0.0.1:8080" -> "127.0.0.1", "[::1]:80" -> "[::1]"."""
    if key.startswith("["):
        return key[: key.index("]") + 1] if "]" in key else key
    return key.split(":", 1)[0]


def allowed_host_entry(entry: str) -> str:
    """A NEWSARCHIVE_ALLOWED_HOSTS entry as a host key: "Example.org", "example.org:8080",
    "http://example.org/" or a registered site's host ("www.example-site.com" gives the site).
    An entry without a port allows every port of its host. ValueError for one that is no host."""
    entry = entry.strip()
    if not entry:
        raise ValueError("an empty host")
    key = host_key(entry if "://" in entry else "//" + entry)
    if not key or "/" in key or "@" in key:
        raise ValueError(f"not a host: {entry!r}")
    return key


def allowed_host_keys(entries: Iterable[str]) -> tuple[set[str], list[str]]:
    """(host keys, bad entries) of a NEWSARCHIVE_ALLOWED_HOSTS list (see allowed_host_entry)."""
    keys, bad = set(), []
    for entry in entries:
        try:
            keys.add(allowed_host_entry(str(entry)))
        except ValueError:
            bad.append(str(entry))
    return keys, bad


def host_allowed(url: str, hosts: Iterable[str] | set[str]) -> bool:
    """Whether a URL's host is one of `hosts` (host keys: "127.0.0.1:8080" allows that port,
    "127.0.0.1" every port). False for a URL that cannot be parsed."""
    try:
        key = host_key(url)
    except ValueError:
        return False
    return key in hosts or _bare(key) in hosts


def ip_literal(host: str) -> Address | None:
    """The address a host is, if it is an IP literal ("127.0.0.1", "::1", "[::1]"), else None."""
    try:
        return ip_address(host.strip("[]"))
    except ValueError:
        return None


def parse_networks(entries: Iterable[str]) -> tuple[list[Network], list[str]]:
    """(networks, bad entries) of a NEWSARCHIVE_ALLOW_PRIVATE list: addresses ("127.0.0.1", "::1")
    and networks ("10.0.0.0/8", "fd00::/8"); anything else is a bad entry."""
    networks, bad = [], []
    for entry in entries:
        entry = str(entry).strip()
        if not entry:
            continue
        try:
            networks.append(ip_network(entry.strip("[]"), strict=False))
        except ValueError:
            bad.append(entry)
    return networks, bad


def is_public(address: Address) -> bool:
    """A globally routable unicast address: not private, loopback, link-local (169.254.0.0/16,
    the cloud metadata address among them), shared (100.64.0.0/10), multicast, reserved or
    unspecified; an IPv4-mapped IPv6 address counts as its IPv4 address."""
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    return address.is_global and not (address.is_multicast or address.is_reserved or address.is_unspecified
                                      or address.is_loopback or address.is_link_local or address.is_private)


def address_refused(address: Address, allowed: Iterable[Network]) -> bool:
    """Whether a request may not go to an address: every address that is not public (see
    is_public), unless it lies in one of the `allowed` networks (NEWSARCHIVE_ALLOW_PRIVATE)."""
    if is_public(address):
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    candidates = (address,) if mapped is None else (address, mapped)
    return not any(a.version == net.version and a in net for a in candidates for net in allowed)
