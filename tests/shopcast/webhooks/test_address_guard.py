"""Webhook URLs that lead to loopback, private, link-local or metadata addresses are refused before
any connection: literal addresses need no lookup, and names resolve locally (/etc/hosts)."""

from __future__ import annotations

import pytest

from shopcast.webhooks.address_guard import UnsafeWebhookUrl, check_url, parse_target, resolve

REFUSED = [
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1/hooks",
    "http://192.168.1.20:8080/",
    "http://127.0.0.1:9/",
    "http://localhost:9/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[fe80::1]/",
    "http://0.0.0.0/",
    "http://224.0.0.1/",
    "http://100.64.0.1/",
    "http://[2002:a9fe:a9fe::1]/",  # 6to4 wrapping 169.254.169.254
    "http://[fec0::1]/",  # site-local
    "http://0x7f.1/",
    "http://017700000001/",
]


@pytest.mark.parametrize("url", REFUSED)
def test_non_public_destinations_are_refused(url: str) -> None:
    with pytest.raises(UnsafeWebhookUrl, match="public addresses"):
        check_url(url, allow_private=False)


@pytest.mark.parametrize("url", ["http://10.0.0.1/hooks", "http://localhost:9/"])
def test_operators_may_allow_their_own_network(url: str) -> None:
    assert check_url(url, allow_private=True).host in ("10.0.0.1", "localhost")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/", "http:// or https://"),
        ("file:///etc/passwd", "http:// or https://"),
        ("http:///nohost", "no host"),
        ("http://user:pw@93.184.216.34/", "credentials"),
        ("http://93.184.216.34:99999/", "port"),
    ],
)
def test_malformed_urls_are_refused(url: str, message: str) -> None:
    with pytest.raises(UnsafeWebhookUrl, match=message):
        check_url(url, allow_private=True)


def test_a_public_literal_address_passes_and_is_what_we_connect_to() -> None:
    target = parse_target("https://93.184.216.34:8443/hooks?x=1")
    [address] = resolve(target, allow_private=False)
    assert target.url_for(address) == "https://93.184.216.34:8443/hooks?x=1"
    assert target.host_header == "93.184.216.34:8443"


def test_ipv6_hosts_are_bracketed_in_the_host_header() -> None:
    target = parse_target("http://[2001:db8::1]:8080/hooks")
    assert target.host_header == "[2001:db8::1]:8080"
    assert parse_target("https://[2001:db8::1]/").host_header == "[2001:db8::1]"
