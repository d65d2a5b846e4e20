import socket
import sys
from ipaddress import IPv4Address, IPv6Address, ip_address, ip_network

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.delivery.ssrf import (
    MAX_URL_LENGTH,
    Resolver,
    UnresolvableHost,
    UnsafeUrl,
    allowlist_opens_private,
    check_url,
    default_resolver,
    parse_allow_cidrs,
    parse_numeric_ipv4,
    parse_target_url,
)

HOOK_HOST = "hooks.example.test"
LOOPBACK_ONLY = (ip_network("127.0.0.1/32"),)


def resolving_to(*answers: str) -> Resolver:
    """A stub resolver: no test ever asks real DNS about a customer host."""

    async def resolve(host: str, port: int) -> list[str]:
        return list(answers)

    return resolve


async def must_not_resolve(host: str, port: int) -> list[str]:
    raise AssertionError(f"{host} is an IP literal and must not reach the resolver")


# (address the host resolves to, words the refusal must name)
BLOCKED_ADDRESSES = [
    ("127.0.0.1", "loopback"),
    ("127.255.255.254", "loopback"),
    ("::1", "loopback"),
    ("10.0.0.1", "private"),
    ("172.16.0.1", "private"),
    ("172.31.255.255", "private"),
    ("192.168.1.1", "private"),
    ("169.254.1.1", "link-local"),
    ("169.254.169.254", "cloud metadata"),
    ("fe80::1", "link-local"),
    ("100.64.0.1", "carrier-grade NAT"),
    ("100.127.255.254", "carrier-grade NAT"),
    ("224.0.0.1", "multicast"),
    ("239.255.255.250", "multicast"),
    ("ff02::1", "multicast"),
    ("240.0.0.1", "reserved"),
    ("192.0.0.8", "reserved"),
    ("0.0.0.0", "unspecified"),  # noqa: S104 - an answer to refuse, not a bind
    ("0.1.2.3", "unspecified"),
    ("::", "unspecified"),
    ("255.255.255.255", "broadcast"),
    ("192.0.2.1", "documentation"),
    ("198.51.100.7", "documentation"),
    ("203.0.113.9", "documentation"),
    ("2001:db8::1", "documentation"),
    ("198.18.0.1", "benchmarking"),
    ("198.19.255.255", "benchmarking"),
    ("fc00::1", "unique-local"),
    ("fd00:ec2::254", "unique-local"),
    ("fec0::1", "site-local"),
    ("::ffff:127.0.0.1", "loopback (IPv4-mapped)"),
    ("::ffff:169.254.169.254", "cloud metadata (IPv4-mapped)"),
    ("::ffff:10.0.0.1", "private (IPv4-mapped)"),
    ("::127.0.0.1", "loopback (IPv4-compatible)"),
    ("::10.0.0.1", "private (IPv4-compatible)"),
    ("::8.8.8.8", "deprecated IPv4 tunnel"),
    ("64:ff9b::127.0.0.1", "loopback (NAT64)"),
    ("64:ff9b::a9fe:a9fe", "cloud metadata (NAT64)"),
    ("2002:7f00:1::", "loopback (6to4)"),
    ("2002:a00:1::1", "private (6to4)"),
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback (Teredo)"),
    ("2001:0:4136:e378:8000:63bf:f7f7:f7f7", "deprecated IPv4 tunnel"),
    ("100::1", "reserved"),
    ("4000::1", "reserved"),
]


@pytest.mark.parametrize(
    ("address", "category"),
    BLOCKED_ADDRESSES,
    ids=[f"{address} -> {category}" for address, category in BLOCKED_ADDRESSES],
)
async def test_blocked_addresses_are_refused_by_category(address: str, category: str) -> None:
    with pytest.raises(UnsafeUrl) as caught:
        await check_url(f"https://{HOOK_HOST}/hook", resolver=resolving_to(address))
    assert caught.value.category == category
    assert category in str(caught.value)
    # The message names the category only: neither the address nor the host leaks.
    assert address not in str(caught.value)
    assert HOOK_HOST not in str(caught.value)


PUBLIC_ADDRESSES = [
    "93.184.215.14",
    "8.8.8.8",
    "2606:4700:4700::1111",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
    "2002:808:808::1",
]


@pytest.mark.parametrize(
    "address", PUBLIC_ADDRESSES, ids=[f"{a} -> allowed" for a in PUBLIC_ADDRESSES]
)
async def test_public_addresses_pass(address: str) -> None:
    target = await check_url(f"https://{HOOK_HOST}/hook", resolver=resolving_to(address))
    assert target.addresses == (ip_address(address),)
    assert (target.host, target.port, target.path_and_query) == (HOOK_HOST, 443, "/hook")


NUMERIC_HOSTS = [
    ("http://2130706433/", "loopback"),
    ("http://0x7f000001/", "loopback"),
    ("http://0177.0.0.1/", "loopback"),
    ("http://127.1/", "loopback"),
    ("http://0x7f.1/", "loopback"),
    ("http://127.0.0.1./", "loopback"),
    ("http://0/", "unspecified"),
    ("http://0x0a000001/", "private"),
    ("http://3232235777/", "private"),
    ("http://169.254.43518/", "cloud metadata"),
    ("http://\uff11\uff12\uff17.\uff10.\uff10.\uff11/", "loopback"),
    ("http://[::1]:8080/", "loopback"),
    ("http://[::ffff:127.0.0.1]/", "loopback (IPv4-mapped)"),
    ("http://[::ffff:7f00:1]/", "loopback (IPv4-mapped)"),
    ("http://[0:0:0:0:0:ffff:a9fe:a9fe]/", "cloud metadata (IPv4-mapped)"),
]


@pytest.mark.parametrize(
    ("url", "category"),
    NUMERIC_HOSTS,
    ids=[f"{url} -> {category}" for url, category in NUMERIC_HOSTS],
)
async def test_numeric_host_spellings_are_caught_without_dns(url: str, category: str) -> None:
    with pytest.raises(UnsafeUrl) as caught:
        await check_url(url, resolver=must_not_resolve)
    assert caught.value.category == category


async def test_dns_rebinding_one_public_one_private_answer_is_refused() -> None:
    with pytest.raises(UnsafeUrl, match="private"):
        await check_url(
            f"https://{HOOK_HOST}/hook", resolver=resolving_to("93.184.215.14", "10.0.0.1")
        )


async def test_resolver_is_asked_for_host_and_port() -> None:
    asked: list[tuple[str, int]] = []

    async def resolve(host: str, port: int) -> list[str]:
        asked.append((host, port))
        return ["93.184.215.14", "93.184.215.14", "2606:4700:4700::1111"]

    target = await check_url(f"https://{HOOK_HOST.upper()}:8443/x", resolver=resolve)
    assert asked == [(HOOK_HOST, 8443)]
    assert target.addresses == (IPv4Address("93.184.215.14"), IPv6Address("2606:4700:4700::1111"))


@pytest.mark.parametrize(
    ("url", "address"),
    [
        (f"http://{HOOK_HOST}:8080/hook", "127.0.0.1"),
        ("http://127.0.0.1:8080/hook", None),
        ("http://[::ffff:127.0.0.1]:8080/hook", None),
    ],
    ids=["host resolving to 127.0.0.1", "IPv4 literal", "IPv4-mapped literal"],
)
async def test_allowlisted_loopback_is_accepted(url: str, address: str | None) -> None:
    resolver = resolving_to(address) if address else must_not_resolve
    target = await check_url(url, resolver=resolver, allow=LOOPBACK_ONLY)
    assert target.port == 8080


@pytest.mark.parametrize("address", ["127.0.0.2", "10.0.0.1", "::1"])
async def test_allowlist_opens_only_its_own_networks(address: str) -> None:
    with pytest.raises(UnsafeUrl):
        await check_url(f"http://{HOOK_HOST}/", resolver=resolving_to(address), allow=LOOPBACK_ONLY)


async def test_dns_failure_is_unresolvable() -> None:
    async def failing(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(UnresolvableHost):
        await check_url(f"https://{HOOK_HOST}/", resolver=failing)


async def test_no_answers_is_unresolvable() -> None:
    with pytest.raises(UnresolvableHost):
        await check_url(f"https://{HOOK_HOST}/", resolver=resolving_to())


async def test_resolver_garbage_is_refused() -> None:
    with pytest.raises(UnsafeUrl, match="not an address"):
        await check_url(f"https://{HOOK_HOST}/", resolver=resolving_to("not-an-ip"))


async def test_default_resolver_catches_localhost() -> None:
    # /etc/hosts answers; no packet leaves the machine.
    with pytest.raises(UnsafeUrl):
        await check_url("http://localhost:9/", resolver=default_resolver)


REFUSED_URLS = [
    ("ftp://files.example.com/x", "scheme"),
    ("file:///etc/passwd", "scheme"),
    ("javascript:alert(1)", "scheme"),
    ("//example.com/x", "scheme"),
    ("http://user:pass@example.com/", "credentials"),
    ("http://user@example.com/", "credentials"),
    ("http://example.com\\@evil.example/", "backslash"),
    ("http:///path", "no host"),
    ("http://:8080/", "no host"),
    ("http://example.com:0/", "port"),
    ("http://example.com:65536/", "port"),
    ("http://example.com:8o/", "port"),
    ("http://example.com:\u0668\u0660/", "port"),
    ("http://exa mple.com/", "whitespace"),
    ("http://example.com/\n", "whitespace"),
    ("http://a..b/", "host name"),
    ("http://%31%32%37.0.0.1/", "numeric"),
    ("http://%31%32%37.example/", "host name"),
    ("http://-bad.example/", "host name"),
    ("http://foo.123/", "numeric"),
    ("http://256.0.0.1/", "numeric"),
    ("http://0x/", "numeric"),
    ("http://[fe80::1%25eth0]/", "IPv6"),
    ("http://[127.0.0.1]/", "parsed"),
    ("http://[::1/", "parsed"),
    ("https://example.com/" + "a" * MAX_URL_LENGTH, "longer than 2048"),
]


@pytest.mark.parametrize(
    ("url", "reason"),
    REFUSED_URLS,
    ids=[f"{url[:40]!r} -> {reason}" for url, reason in REFUSED_URLS],
)
def test_malformed_urls_are_refused(url: str, reason: str) -> None:
    with pytest.raises(UnsafeUrl, match=reason):
        parse_target_url(url)


NORMALISED = [
    ("https://example.com/hook#frag", "https://example.com/hook"),
    ("HTTPS://Example.COM:443", "https://example.com/"),
    ("http://example.com:80/a?b=c", "http://example.com/a?b=c"),
    ("http://example.com:/x", "http://example.com/x"),
    ("https://example.com:8443/x", "https://example.com:8443/x"),
    ("https://example.com./x", "https://example.com/x"),
    (
        "https://b\u00fccher.example/\u00e4?q=\u00fc",
        "https://xn--bcher-kva.example/%C3%A4?q=%C3%BC",
    ),
    ("https://example.com/a%20b", "https://example.com/a%20b"),
    ("http://[2606:4700:4700:0::1111]:8080/", "http://[2606:4700:4700::1111]:8080/"),
]


@pytest.mark.parametrize(("url", "expected"), NORMALISED, ids=[u for u, _ in NORMALISED])
def test_urls_are_normalised(url: str, expected: str) -> None:
    assert parse_target_url(url).url == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ()),
        (" , ", ()),
        ("127.0.0.1/32", (ip_network("127.0.0.1/32"),)),
        ("127.0.0.1", (ip_network("127.0.0.1/32"),)),
        ("127.0.0.1/32, ::1/128", (ip_network("127.0.0.1/32"), ip_network("::1/128"))),
    ],
    ids=["empty", "only commas", "one network", "bare address", "two networks"],
)
def test_parse_allow_cidrs(text: str, expected: tuple[object, ...]) -> None:
    assert parse_allow_cidrs(text) == expected


@pytest.mark.parametrize("text", ["10.0.0.1/8", "localhost", "127.0.0.1/33"])
def test_parse_allow_cidrs_refuses_typos(text: str) -> None:
    with pytest.raises(ValueError, match="REGISTRY_WEBHOOK_ALLOW_CIDRS"):
        parse_allow_cidrs(text)


@pytest.mark.parametrize(
    ("text", "opens"),
    [
        ("", False),
        ("8.8.8.0/24", False),
        ("2606:4700::/32", False),
        ("127.0.0.1/32", True),
        ("10.0.0.0/8", True),
        ("169.254.169.254/32", True),
        ("0.0.0.0/0", True),
        ("::/0", True),
        ("::ffff:0:0/96", True),
        ("fd00::/8", True),
        ("8.8.8.0/24, 192.168.0.0/24", True),
    ],
    ids=lambda value: str(value),
)
def test_allowlist_opens_private(text: str, opens: bool) -> None:
    assert allowlist_opens_private(parse_allow_cidrs(text)) is opens


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="compares with glibc")
@given(st.text(alphabet="0123456789abcdefxX.", min_size=1, max_size=16))
def test_numeric_hosts_read_like_inet_aton(text: str) -> None:
    try:
        expected: IPv4Address | None = IPv4Address(socket.inet_aton(text))
    except OSError:
        expected = None
    assert parse_numeric_ipv4(text) == expected
