"""The gate: every request of the crawl passes here, whatever produced it (start requests, links,
feeds and sitemaps, the robots.txt requests the robots.txt middleware makes through the engine,
redirects the spider follows), and goes only where it should.

Near the top of the downloader middlewares (priority 60: before robots.txt, so that a refused
host's robots.txt is not fetched either), it refuses:

- a request whose host is not one of the crawl's hosts: the spider's `hosts` (for newsarchive's
  spiders, the hosts of the seeds, a site's hosts counting as one, and NEWSARCHIVE_ALLOWED_HOSTS),
  read as Scrapy's OffsiteMiddleware reads `allowed_domains`, plus NEWSARCHIVE_ALLOWED_HOSTS.
  Raises `OffsiteRequest` (the URL's reason: "offsite"); a spider without `hosts` is not limited;
- a request to an address that is not public (private, loopback, link-local such as the cloud
  metadata address 169.254.169.254, shared, multicast, reserved, unspecified), as an IP literal
  or as the address its host name resolves to, unless NEWSARCHIVE_ALLOW_PRIVATE lists it
  (addresses or networks: "127.0.0.1", "10.0.0.0/8"). Raises `PrivateAddress` ("private_address").
  Names are resolved through the reactor's resolver (Scrapy's, threaded: the reactor never
  blocks), once per host and run; with Scrapy's DNS cache on (DNSCACHE_ENABLED, the default) the
  download then connects to the very address checked. As a second line, the peer address of
  every response is checked again (a DNS answer that changed, DNS cache off): such a response is
  dropped with `PrivateAddress` before anything parses it. Requests sent through a proxy
  (meta "proxy") are checked by host only for that second line: the peer is the proxy.

Replay (the bundled mirror, --replay) fetches nothing: only the host rule applies there, and no
name is resolved.

Each refusal is counted (`gate/refused/<reason>`) and logged once per host; the spider's errback
gives the URL its mark (skipped, with the reason).

https responses: the certificate the server showed is checked against the request's host name
and its validity dates (Scrapy, unless DOWNLOAD_VERIFY_CERTIFICATES, only logs a mismatch).
A problem ("hostname_mismatch", "expired") is put in the request's meta as `tls_problem` (set
by the capture middleware, which sees the response first, so that the capture can record it),
counted (`tls/<problem>`) and logged; the page is still archived.
"""

from __future__ import annotations

import logging

from scrapy.exceptions import CannotResolveHostError
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.error import DNSLookupError

from crawler.core import clock
from crawler.core import stats as keys
from crawler.crawl.errors import OffsiteRequest, PrivateAddress
from crawler.frontier.hosts import (
    address_refused,
    allowed_host_keys,
    host_allowed,
    ip_literal,
    parse_networks,
)

logger = logging.getLogger(__name__)

_UNSET = object()
TLS_META = "tls_problem"  # request meta: the certificate's problems ("hostname_mismatch,expired") or None


def allowed_hosts(settings) -> frozenset[str]:
    """The host keys of NEWSARCHIVE_ALLOWED_HOSTS (bad entries are logged and left out)."""
    hosts, bad = allowed_host_keys(settings.getlist("NEWSARCHIVE_ALLOWED_HOSTS"))
    for entry in bad:
        logger.error("NEWSARCHIVE_ALLOWED_HOSTS: %r is not a host; left out", entry)
    return frozenset(hosts)


class RequestGate:
    """Refuse requests that go off the crawl's hosts or to addresses that are not public."""

    def __init__(self, crawler):
        from crawler.crawl.extension import replay_source

        settings = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        self.allowed_hosts = allowed_hosts(settings)
        self.allowed_networks, bad = parse_networks(settings.getlist("NEWSARCHIVE_ALLOW_PRIVATE"))
        for entry in bad:
            logger.error("NEWSARCHIVE_ALLOW_PRIVATE: %r is not an address or network; left out", entry)
        site = getattr(crawler.spidercls, "site", None)
        self.replay = bool(replay_source(settings, site)) if site is not None else bool(
            settings.get("NEWSARCHIVE_REPLAY"))
        self._names: dict[str, str | None] = {}  # host -> the refused address it is or resolves to, or None
        self._passed: set[tuple[str, str]] = set()  # (scheme, netloc) found on the crawl's hosts
        self._warned: set[tuple[str, str]] = set()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    # --- requests ---------------------------------------------------------------------------------
    async def process_request(self, request):
        parts = urlparse_cached(request)
        if (parts.scheme, parts.netloc) not in self._passed:
            hosts = getattr(self.crawler.spider, "hosts", None)
            if hosts is not None and not (host_allowed(request.url, hosts)
                                          or host_allowed(request.url, self.allowed_hosts)):
                self._refuse(request, "offsite", OffsiteRequest(f"offsite: {request.url} is not on the crawl's hosts"))
            self._passed.add((parts.scheme, parts.netloc))
        if self.replay:
            return None  # nothing leaves the process: no address to check, no name to resolve
        host = parts.hostname or ""
        refused = self._names[host] if host in self._names else await self._resolve(host)
        if refused is not None:
            self._refuse(request, "private_address",
                         PrivateAddress(f"private_address: {host} is {refused}, not allowed (NEWSARCHIVE_ALLOW_PRIVATE)"))
        return None

    async def _resolve(self, host: str) -> str | None:
        """The address a host is or resolves to if it is refused, else None (cached per host)."""
        literal = ip_literal(host)
        if literal is not None:
            refused = str(literal) if address_refused(literal, self.allowed_networks) else None
            self._names[host] = refused
            return refused
        from twisted.internet import reactor

        # Scrapy's resolver (threaded, with DNS_TIMEOUT and its cache, which the download then uses).
        # A name that does not resolve raises here: the request fails as its download would.
        try:
            answer = await maybe_deferred_to_future(reactor.resolve(host))
        except DNSLookupError as exc:  # not cached: the next request for the host tries again
            raise CannotResolveHostError(str(exc)) from exc
        address = ip_literal(answer)
        refused = str(address) if address is None or address_refused(address, self.allowed_networks) else None
        self._names[host] = refused
        return refused

    def _refuse(self, request, reason: str, exc: Exception):
        self.stats.inc_value(keys.gate_refused(reason))
        host = urlparse_cached(request).netloc
        if (host, reason) not in self._warned:
            self._warned.add((host, reason))
            logger.warning("Refused (%s): %s (further refusals for %s are counted, not logged)",
                           reason, request.url, host)
        raise exc

    # --- responses --------------------------------------------------------------------------------
    def check_address(self, request, response) -> None:
        """PrivateAddress if a response came from an address that is refused (a name resolved
        anew meanwhile). The capture middleware calls this before keeping a response: the
        downloader hands it to the middlewares nearest to it first."""
        if "replay" in response.flags:
            return
        address = response.ip_address
        if address is not None and not request.meta.get("proxy") and address_refused(address, self.allowed_networks):
            self._refuse(request, "private_address",
                         PrivateAddress(f"private_address: {request.url} was answered from {address}"))

    def process_response(self, request, response):
        if "replay" in response.flags:
            return response
        self.check_address(request, response)
        problem = request.meta.get(TLS_META, _UNSET)
        if problem is _UNSET:  # the capture middleware is off
            problem = request.meta[TLS_META] = certificate_problem(request, response)
        if problem:
            for name in problem.split(","):
                self.stats.inc_value(keys.tls_problem(name))
            logger.warning("TLS certificate of %s: %s (archived all the same)", response.url, problem)
        return response


def certificate_problem(request, response) -> str | None:
    """What is wrong with the certificate of an https response, comma-separated
    ("hostname_mismatch", "expired"; "no_certificate" if none was seen), or None: not https,
    replayed, or a certificate valid for the request's host today. The chain of trust is not
    checked here (DOWNLOAD_VERIFY_CERTIFICATES does that, refusing the connection instead)."""
    if urlparse_cached(request).scheme != "https" or "replay" in response.flags:
        return None
    certificate = getattr(response, "certificate", None)
    if certificate is None:
        return None if request.meta.get("proxy") else "no_certificate"
    from service_identity import CertificateError, VerificationError
    from service_identity.hazmat import DNS_ID, IPAddress_ID, verify_service_identity
    from service_identity.pyopenssl import extract_patterns

    x509 = certificate.original
    host = urlparse_cached(request).hostname or ""
    problems = []
    try:
        service = IPAddress_ID(host) if ip_literal(host) is not None else DNS_ID(host)
        verify_service_identity(extract_patterns(x509), [service], [])
    except (CertificateError, VerificationError, ValueError):
        problems.append("hostname_mismatch")
    try:
        not_after = x509.to_cryptography().not_valid_after_utc
        if not_after < clock.now():
            problems.append("expired")
    except (AttributeError, ValueError):
        pass
    return ",".join(problems) or None
