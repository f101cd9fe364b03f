"""crawler.frontier: feeds, sitemaps, traps, schedules and page kinds (pure, no network)."""

import gzip
from datetime import datetime, timedelta, timezone
from ipaddress import ip_address

import pytest

from crawler.frontier.feeds import feed_links, looks_like_feed
from crawler.frontier.hosts import address_refused, allowed_host_keys, host_allowed, host_key, is_public, parse_networks
from crawler.frontier.kinds import page_kind
from crawler.frontier.recheck import RECHECK_AFTER, failure_backoff, next_check, retry_after
from crawler.frontier import sitemaps
from crawler.frontier.sitemaps import MAX_SITEMAP_URLS, read_sitemap, sitemap_links
from crawler.frontier import traps
from crawler.frontier.traps import is_trap

SITE = "https://www.maghress.com"

# ----------------------------------------------------------------------------- feeds

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0">
  <channel>
    <title>Maghress FR</title>
    <link>https://www.maghress.com/fr</link>
    <item><title>one</title><link>/fr/lesechos/101?utm_source=rss&amp;xtor=RSS-1</link></item>
    <item><title>script</title><link>javascript:alert(1)</link></item>
    <item><title>two</title><guid isPermaLink="true">http://maghress.com/fr/lopinion/505#comments</guid></item>
    <item><title>one again</title><link>http://m.maghress.com/fr/lesechos/101</link></item>
    <item><title>no link</title><description>nothing</description></item>
    <item><title>three</title><link>fr/albayane/404?fbclid=abc</link></item>
  </channel>
</rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://www.maghress.com/fr/">
  <title>Maghress</title><id>urn:maghress:fr</id><updated>2025-09-04T00:00:00Z</updated>
  <entry><id>1</id><title>a</title><updated>2025-09-04T00:00:00Z</updated>
    <link rel="edit" href="/admin/edit/1"/>
    <link rel="alternate" type="text/html" href="marocdiplomatique/25429?utm_medium=social&amp;gclid=x"/>
  </entry>
  <entry><id>2</id><title>b</title><updated>2025-09-04T00:00:00Z</updated>
    <link href="javascript:void(0)"/>
  </entry>
  <entry><id>3</id><title>c</title><updated>2025-09-04T00:00:00Z</updated>
    <link href="//maghress.com/fr/lagazette/202"/>
  </entry>
  <entry><id>4</id><title>a again</title><updated>2025-09-04T00:00:00Z</updated>
    <link href="https://www.maghress.com/fr/marocdiplomatique/25429#top"/>
  </entry>
</feed>"""


def test_rss_links_are_absolute_canonical_unique_and_in_order():
    assert feed_links(f"{SITE}/fr/rss", RSS) == [
        f"{SITE}/fr/lesechos/101",
        f"{SITE}/fr/lopinion/505",
        f"{SITE}/fr/fr/albayane/404",  # relative to the feed URL /fr/rss
    ]


def test_atom_links_honour_xml_base_and_the_alternate_link():
    assert feed_links(f"{SITE}/fr/atom", ATOM) == [
        f"{SITE}/fr/marocdiplomatique/25429",
        f"{SITE}/fr/lagazette/202",
    ]


@pytest.mark.parametrize(
    "body",
    [
        b"<!doctype html><html><head><title>x</title></head><body><a href='/fr/a/1'>a</a></body></html>",
        b"",
        b"\x00\xff\xfe garbage \x1f\x8b",
        b'{"items": [{"url": "https://www.maghress.com/fr/a/1"}]}',
        b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>https://www.maghress.com/fr/a/1</loc></url></urlset>",
    ],
)
def test_anything_but_a_feed_has_no_feed_links(body):
    assert feed_links(f"{SITE}/fr/rss", body) == []


@pytest.mark.parametrize(
    ("content_type", "body", "expected"),
    [
        ("application/rss+xml", b"", True),
        ("application/atom+xml; charset=utf-8", b"", True),
        ("text/xml", RSS, True),
        ("application/xml; charset=UTF-8", ATOM, True),
        ("application/xml", b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>', True),
        ("application/xml", b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>', False),
        ("text/xml", b"not xml at all", False),
        ("text/xml", b"", False),
        ("text/html", RSS, False),
        ("", RSS, False),
    ],
)
def test_looks_like_feed(content_type, body, expected):
    assert looks_like_feed(content_type, body) is expected


# ----------------------------------------------------------------------------- sitemaps

SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:xhtml="http://www.w3.org/1999/xhtml">
  <url><loc>https://www.maghress.com/fr/marocdiplomatique/25429</loc><lastmod>2025-09-04</lastmod></url>
  <url><loc> http://maghress.com/fr/lopinion/505?utm_source=sitemap </loc>
       <xhtml:link rel="alternate" hreflang="ar" href="https://www.maghress.com/hespress/606"/></url>
  <url><loc>https://www.maghress.com/fr/marocdiplomatique/25429#again</loc></url>
  <url><loc>ftp://www.maghress.com/file</loc></url>
  <url><lastmod>2025-09-04</lastmod></url>
</urlset>"""

SITEMAP_INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://www.maghress.com/sitemap-fr-1.xml</loc></sitemap>
  <sitemap><loc>/sitemap-ar-1.xml.gz</loc></sitemap>
</sitemapindex>"""

SITEMAP_PAGES = [f"{SITE}/fr/marocdiplomatique/25429", f"{SITE}/fr/lopinion/505"]


def test_sitemap_gives_pages():
    assert sitemap_links(f"{SITE}/sitemap.xml", SITEMAP) == (SITEMAP_PAGES, [])


def test_sitemap_index_gives_child_sitemaps():
    assert sitemap_links(f"{SITE}/sitemap.xml", SITEMAP_INDEX) == (
        [],
        [f"{SITE}/sitemap-fr-1.xml", f"{SITE}/sitemap-ar-1.xml.gz"],
    )


def test_gzipped_sitemap_is_recognised_by_its_magic_bytes():
    body = gzip.compress(SITEMAP)
    assert sitemap_links(f"{SITE}/sitemap.xml.gz", body) == (SITEMAP_PAGES, [])
    assert sitemap_links(f"{SITE}/sitemap.xml", body) == (SITEMAP_PAGES, [])  # whatever the URL says


def test_gzipped_sitemap_over_the_cap_is_dropped():
    """The cap is the spider's NEWSARCHIVE_SITEMAP_MAXSIZE, handed to read_sitemap."""
    body = gzip.compress(SITEMAP)
    assert sitemaps.read_sitemap(f"{SITE}/sitemap.xml.gz", body, max_bytes=len(SITEMAP) - 1)[:2] == ([], [])
    assert sitemaps.read_sitemap(f"{SITE}/sitemap.xml.gz", body, max_bytes=len(SITEMAP))[:2] == (SITEMAP_PAGES, [])


def test_gzip_bomb_beyond_50_mb_is_dropped():
    bomb = gzip.compress(b"<urlset>" + b" " * (50 * 1024 * 1024) + b"</urlset>", compresslevel=1)
    assert len(bomb) < 1024 * 1024
    assert sitemap_links(f"{SITE}/sitemap.xml.gz", bomb) == ([], [])


def test_sitemap_urls_are_taken_up_to_the_sitemaps_org_limit():
    body = b"".join([b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
                     *(b"<url><loc>/fr/lesechos/%d</loc></url>\n" % n for n in range(100_000)), b"</urlset>"])
    pages, children, truncated = read_sitemap(f"{SITE}/sitemap.xml", body)
    assert MAX_SITEMAP_URLS == 50_000
    assert (len(pages), children, truncated) == (50_000, [], True)
    assert pages[0] == f"{SITE}/fr/lesechos/0" and pages[-1] == f"{SITE}/fr/lesechos/49999"
    assert read_sitemap(f"{SITE}/sitemap.xml", body, max_urls=3) == (
        [f"{SITE}/fr/lesechos/{n}" for n in range(3)], [], True)
    assert read_sitemap(f"{SITE}/sitemap.xml", SITEMAP) == (SITEMAP_PAGES, [], False)
    assert read_sitemap(f"{SITE}/sitemap.xml", SITEMAP_INDEX, max_urls=1) == ([], [f"{SITE}/sitemap-fr-1.xml"], True)


@pytest.mark.parametrize(
    "body",
    [b"", b"garbage", b"\x1f\x8b\x08 truncated gzip", b"<html><body><a href='/fr/a/1'>x</a></body></html>", RSS],
)
def test_anything_but_a_sitemap_has_no_sitemap_links(body):
    assert sitemap_links(f"{SITE}/sitemap.xml", body) == ([], [])


# ----------------------------------------------------------------------------- traps


@pytest.fixture
def year_2025(monkeypatch):
    monkeypatch.setattr(traps, "_current_year", lambda: 2025)


@pytest.mark.parametrize(
    "url",
    [
        f"{SITE}/fr/marocdiplomatique/25429",
        f"{SITE}/fr/lopinion?page=2",
        f"{SITE}/fr/lopinion?page=50",
        f"{SITE}/fr/lesechos/101",
        f"{SITE}/hespress/606",
        f"{SITE}/fr/interdit/1",
        f"{SITE}/",
        f"{SITE}/fr",
        f"{SITE}/fr/search?q=maroc&start=60",
        "https://lesechos.ma/2024/01/01/casablanca-smart-city/",
        "https://example.com/archive/2026/12/31/",
        "https://example.com/archive?date=1990-01-01",
        "https://example.com/a/b/a/b/",
    ],
)
def test_normal_urls_are_not_traps(url, year_2025):
    assert is_trap(url) is None


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        (f"{SITE}/fr/lopinion?q=" + "x" * 2000, "url_too_long"),
        (f"{SITE}/a/b/a/b/a/b/", "repeated_path_segment"),
        (f"{SITE}/fr/fr/lopinion", "repeated_path_segment"),
        (f"{SITE}/fr/Lopinion/lopinion/505", "repeated_path_segment"),
        (f"{SITE}/" + "/".join("abcdefghijklm"), "deep_path"),
        (f"{SITE}/fr/lopinion?page=51", "endless_pagination"),
        (f"{SITE}/fr/lopinion?p=9999", "endless_pagination"),
        ("https://example.com/?paged=400", "endless_pagination"),
        ("https://example.com/news/page/123/", "endless_pagination"),
        ("https://example.com/search?q=x&start=2510", "endless_pagination"),
        ("https://example.com/list?offset=99999999999999999999999", "endless_pagination"),
        ("https://example.com/archive/1850/01/", "calendar"),
        ("https://example.com/archive/2027/01/01/", "calendar"),
        ("https://example.com/archive/2024/13/", "calendar"),
        ("https://example.com/agenda/2099-01-01", "calendar"),
        ("https://example.com/agenda?year=1989", "calendar"),
        ("https://example.com/agenda?month=3024-05", "calendar"),
    ],
)
def test_trap_reasons(url, reason, year_2025):
    assert is_trap(url) == reason


def test_trap_limits_are_parameters():
    assert is_trap(f"{SITE}/fr/lopinion", max_length=10) == "url_too_long"
    assert is_trap(f"{SITE}/a/b/a/b/a/b/", max_repeats=3) is None
    assert is_trap(f"{SITE}/a/b/c/d", max_depth=3) == "deep_path"
    assert is_trap(f"{SITE}/fr/lopinion?page=2", max_page=1) == "endless_pagination"


def test_calendar_uses_the_real_current_year():
    year = datetime.now(timezone.utc).year
    assert is_trap(f"https://example.com/archive/{year + 1}/12/") is None
    assert is_trap(f"https://example.com/archive/{year + 2}/01/") == "calendar"


# ----------------------------------------------------------------------------- schedules


@pytest.mark.parametrize(
    ("checks", "due"),
    [
        (1, "2025-09-04T13:30:00Z"),
        (2, "2025-09-04T18:30:00Z"),
        (3, "2025-09-05T12:30:00Z"),
        (4, "2025-09-11T12:30:00Z"),
        (5, None),
        (6, None),
    ],
)
def test_next_check(checks, due):
    assert next_check("2025-09-04T12:30:00Z", checks) == due


def test_next_check_rejects_nonsense():
    assert len(RECHECK_AFTER) == 4
    with pytest.raises(ValueError):
        next_check("2025-09-04T12:30:00Z", 0)
    with pytest.raises(ValueError):
        next_check("2025-09-04 12:30", 1)


NOW = "2025-09-04T12:00:00Z"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", "2025-09-04T12:02:00Z"),
        (" 0 ", "2025-09-04T12:00:00Z"),
        ("Thu, 04 Sep 2025 12:30:00 GMT", "2025-09-04T12:30:00Z"),  # HTTP-date in the future
        ("Thu, 04 Sep 2025 14:30:00 +0200", "2025-09-04T12:30:00Z"),
        ("Wed, 21 Oct 2015 07:28:00 GMT", NOW),  # in the past: now
        ("Fri, 01 Jan 2100 00:00:00 GMT", "2025-09-04T18:00:00Z"),  # far future: capped
        ("86400", "2025-09-04T18:00:00Z"),  # capped
        ("9" * 5000, "2025-09-04T18:00:00Z"),  # absurd, still capped
        (None, "2025-09-04T12:05:00Z"),  # missing: default
        ("", "2025-09-04T12:05:00Z"),
        ("soon", "2025-09-04T12:05:00Z"),  # garbage: default
        ("-30", "2025-09-04T12:05:00Z"),
        ("1.5", "2025-09-04T12:05:00Z"),
        ("Mon, 99 Foo 2015 07:28:00 GMT", "2025-09-04T12:05:00Z"),
    ],
)
def test_retry_after(value, expected):
    assert retry_after(value, NOW) == expected


def test_retry_after_cap_and_default_are_parameters():
    assert retry_after("7200", NOW, cap=timedelta(hours=1)) == "2025-09-04T13:00:00Z"
    assert retry_after(None, NOW, default=timedelta(seconds=30)) == "2025-09-04T12:00:30Z"
    assert retry_after(None, NOW, default=timedelta(days=2)) == "2025-09-04T18:00:00Z"


@pytest.mark.parametrize(
    ("attempts", "expected"),
    [
        (1, "2025-09-04T12:15:00Z"),
        (2, "2025-09-04T13:00:00Z"),
        (3, "2025-09-04T18:00:00Z"),
        (4, "2025-09-05T12:00:00Z"),
        (5, None),
        (6, None),
    ],
)
def test_failure_backoff(attempts, expected):
    assert failure_backoff(attempts, NOW) == expected


def test_failure_backoff_rejects_zero_attempts():
    with pytest.raises(ValueError):
        failure_backoff(0, NOW)


# ----------------------------------------------------------------------------- page kinds


@pytest.mark.parametrize(
    ("url", "content_type", "kind"),
    [
        (f"{SITE}/fr/marocdiplomatique/25429", "", "article"),
        (f"{SITE}/hespress/606", "text/html; charset=utf-8", "article"),
        (f"{SITE}/fr/rss", "", "feed"),
        (f"{SITE}/fr/lopinion/feed/", "", "feed"),
        ("https://example.com/news.rss", "", "feed"),
        ("https://example.com/rss/fr.xml", "", "feed"),
        ("https://example.com/?feed=rss2", "", "feed"),
        ("https://example.com/latest", "application/atom+xml", "feed"),
        (f"{SITE}/sitemap.xml", "", "sitemap"),
        (f"{SITE}/sitemap-fr-1.xml", "application/xml", "sitemap"),
        ("https://example.com/sitemaps/news-2025.xml.gz", "", "sitemap"),
        ("https://example.com/post-sitemap.xml", "", "sitemap"),
        (f"{SITE}/", "", "front"),
        (SITE, "", "front"),
        (f"{SITE}/fr", "", "front"),
        (f"{SITE}/fr/", "", "front"),
        ("https://lesechos.ma/", "", "front"),
        (f"{SITE}/fr/lopinion", "", "listing"),
        (f"{SITE}/fr/lopinion?page=2", "", "listing"),
        (f"{SITE}/hespress", "", "listing"),
        ("https://m.masress.com/fr/contact", "", "listing"),
        ("https://example.com/about", "", "other"),
        ("https://lesechos.ma/casablanca-smart-city/?amp=1", "", "other"),
    ],
)
def test_page_kind(url, content_type, kind):
    assert page_kind(url, content_type) == kind


# ----------------------------------------------------------------------------- hosts and addresses

def test_host_key_counts_a_sites_hosts_as_one():
    assert host_key("https://www.maghress.com/fr") == host_key("http://m.maghress.com:8080/x") == "maghress.com"
    assert host_key("http://127.0.0.1:8080/x") == "127.0.0.1:8080"
    assert host_key("https://Example.org:443/") == host_key("http://example.org./") == "example.org"
    assert host_key("http://[::1]:8080/") == "[::1]:8080"
    with pytest.raises(ValueError):
        host_key("https://[::1/x")
    with pytest.raises(ValueError):
        host_key("https://example.org:99999/x")


def test_allowed_hosts_with_and_without_a_port():
    keys, bad = allowed_host_keys(["127.0.0.2", "Example.org:8080", "http://cdn.example.net/", "www.maghress.com",
                                   "bad host:x", ""])
    assert keys == {"127.0.0.2", "example.org:8080", "cdn.example.net", "maghress.com"}
    assert bad == ["bad host:x", ""]
    assert host_allowed("http://127.0.0.2:9000/x", keys)  # no port given: any port
    assert host_allowed("http://example.org:8080/", keys)
    assert not host_allowed("http://example.org/", keys)  # that port only
    assert host_allowed("https://m.maghress.com/fr", keys)
    assert not host_allowed("http://127.0.0.1:9000/", keys)
    assert not host_allowed("https://[::1/x", keys)  # no URL, not allowed


@pytest.mark.parametrize("address", ["127.0.0.1", "127.0.0.2", "10.1.2.3", "172.16.0.1", "192.168.1.1",
                                     "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "240.0.0.1",
                                     "::1", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254"])
def test_private_loopback_link_local_and_reserved_addresses_are_refused(address):
    assert not is_public(ip_address(address))
    assert address_refused(ip_address(address), [])


@pytest.mark.parametrize("address", ["8.8.8.8", "93.184.216.34", "2606:4700::1111"])
def test_public_addresses_pass(address):
    assert is_public(ip_address(address))
    assert not address_refused(ip_address(address), [])


def test_allowed_private_addresses_and_networks():
    networks, bad = parse_networks(["127.0.0.1", "10.0.0.0/8", "[::1]", "not an address", " "])
    assert bad == ["not an address"]
    assert not address_refused(ip_address("127.0.0.1"), networks)
    assert not address_refused(ip_address("::ffff:127.0.0.1"), networks)  # the same address, IPv4-mapped
    assert not address_refused(ip_address("10.20.30.40"), networks)
    assert not address_refused(ip_address("::1"), networks)
    assert address_refused(ip_address("127.0.0.2"), networks)
    assert address_refused(ip_address("169.254.169.254"), networks)
