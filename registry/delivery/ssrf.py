"""The SSRF guard: webhook targets may only reach public addresses.

Customers choose webhook URLs and our workers sit inside our network, so a URL
must never lead to loopback, private, link-local (cloud metadata) or otherwise
special addresses. The URL is checked when a subscription is made and again
before every attempt; the sender then connects to exactly the addresses checked
here, so DNS cannot change its answer in between (DNS rebinding).
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
from urllib.parse import quote, urlsplit

import idna

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network
Resolver = Callable[[str, int], Awaitable[list[str]]]

MAX_URL_LENGTH = 2048
_DEFAULT_PORTS = {"http": 80, "https": 443}
_RESOLVE_TIMEOUT = 5.0
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_NUMERIC_LABEL = re.compile(r"[0-9]+|0[xX][0-9a-fA-F]*")
_ATON_PART = re.compile(r"0[xX]([0-9a-fA-F]+)|0([0-7]+)|([1-9][0-9]*|0)")
_PATH_SAFE = "/%!$&'()*+,;=:@-._~"


class UnsafeUrl(Exception):
    """A webhook URL we refuse to call; the message is safe to show its owner."""

    def __init__(self, message: str, *, category: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.category = category


class UnresolvableHost(UnsafeUrl):
    """The host has no address (or DNS failed): nothing could be checked."""


@dataclass(frozen=True, slots=True)
class ParsedUrl:
    """A syntactically acceptable target, normalised; ``ip`` is set for IP-literal hosts."""

    url: str
    scheme: str
    host: str
    port: int
    path_and_query: str
    ip: IPAddress | None


@dataclass(frozen=True, slots=True)
class CheckedTarget:
    """A target whose every address passed the guard; connect only to ``addresses``."""

    url: str
    scheme: str
    host: str
    port: int
    path_and_query: str
    addresses: tuple[IPAddress, ...]


def _v4(*cidrs: str) -> tuple[IPv4Network, ...]:
    return tuple(IPv4Network(c) for c in cidrs)


def _v6(*cidrs: str) -> tuple[IPv6Network, ...]:
    return tuple(IPv6Network(c) for c in cidrs)


# First match names the category, so narrow ranges come before the ones holding them.
_V4_BLOCKS: tuple[tuple[str, tuple[IPv4Network, ...]], ...] = (
    ("unspecified", _v4("0.0.0.0/8")),
    ("broadcast", _v4("255.255.255.255/32")),
    ("loopback", _v4("127.0.0.0/8")),
    ("private", _v4("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")),
    ("carrier-grade NAT", _v4("100.64.0.0/10")),
    ("cloud metadata", _v4("169.254.169.254/32")),
    ("link-local", _v4("169.254.0.0/16")),
    ("documentation", _v4("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")),
    ("benchmarking", _v4("198.18.0.0/15")),
    ("multicast", _v4("224.0.0.0/4")),
    ("reserved", _v4("192.0.0.0/24", "192.88.99.0/24", "240.0.0.0/4")),
)
_V6_BLOCKS: tuple[tuple[str, tuple[IPv6Network, ...]], ...] = (
    ("unspecified", _v6("::/128")),
    ("loopback", _v6("::1/128")),
    ("documentation", _v6("2001:db8::/32", "3fff::/20")),
    ("benchmarking", _v6("2001:2::/48")),
    ("unique-local", _v6("fc00::/7")),
    ("link-local", _v6("fe80::/10")),
    ("site-local", _v6("fec0::/10")),
    ("multicast", _v6("ff00::/8")),
    ("reserved", _v6("100::/64", "64:ff9b:1::/48", "2001:10::/28", "2001:20::/28")),
)
# IPv6 forms that carry an IPv4 address; the IPv4 inside is what gets reached.
_MAPPED = IPv6Network("::ffff:0:0/96")
_COMPATIBLE = IPv6Network("::/96")
_NAT64 = IPv6Network("64:ff9b::/96")
_SIX_TO_FOUR = IPv6Network("2002::/16")
_TEREDO = IPv6Network("2001::/32")
_EMBEDDING = (_MAPPED, _COMPATIBLE, _NAT64, _SIX_TO_FOUR, _TEREDO)


def parse_target_url(url: str) -> ParsedUrl:
    """Check a URL's syntax and normalise it; no DNS. Raises UnsafeUrl."""
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeUrl(f"URL is longer than {MAX_URL_LENGTH} characters")
    if any(ch <= " " or ch in "\x7f\\" for ch in url):
        # Parsers disagree on backslashes and strip whitespace differently.
        raise UnsafeUrl("URL contains whitespace, control characters or backslashes")
    try:
        parts = urlsplit(url)
    except ValueError:
        raise UnsafeUrl("URL cannot be parsed") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise UnsafeUrl("URL scheme must be http or https")
    if "@" in parts.netloc:
        raise UnsafeUrl("URL must not contain credentials")
    host_text, port = _split_host_port(parts.netloc, _DEFAULT_PORTS[scheme])
    host, ip = _normalise_host(host_text)
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    query = quote(parts.query, safe=_PATH_SAFE + "?")
    path_and_query = f"{path}?{query}" if query else path
    netloc = f"[{host}]" if isinstance(ip, IPv6Address) else host
    if port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    return ParsedUrl(f"{scheme}://{netloc}{path_and_query}", scheme, host, port, path_and_query, ip)


async def check_url(
    url: str, *, resolver: Resolver, allow: Sequence[IPNetwork] = ()
) -> CheckedTarget:
    """Parse ``url``, resolve its host and refuse it if any address is blocked."""
    parsed = parse_target_url(url)
    if parsed.ip is not None:
        addresses: tuple[IPAddress, ...] = (parsed.ip,)
    else:
        addresses = await _resolve(resolver, parsed.host, parsed.port)
    for address in addresses:
        category = blocked_category(address)
        if category is not None and not _allowed(address, allow):
            raise UnsafeUrl(
                f"URL resolves to an address webhooks may not reach ({category})",
                category=category,
            )
    return CheckedTarget(
        parsed.url, parsed.scheme, parsed.host, parsed.port, parsed.path_and_query, addresses
    )


async def default_resolver(host: str, port: int) -> list[str]:
    """The system resolver, bounded in time."""
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(_RESOLVE_TIMEOUT):
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def blocked_category(address: IPAddress) -> str | None:
    """Why ``address`` is off limits (e.g. ``"loopback"``), or None when it is public."""
    if isinstance(address, IPv4Address):
        return _v4_category(address)
    for category, networks in _V6_BLOCKS[:2]:  # "::" and "::1" sit inside ::/96
        if address in networks[0]:
            return category
    embedded = _embedded_ipv4(address)
    if embedded:
        for form, ipv4 in embedded:
            inner = _v4_category(ipv4)
            if inner is not None:
                return f"{inner} ({form})"
        if address in _COMPATIBLE or address in _TEREDO:
            return "deprecated IPv4 tunnel"  # no legitimate webhook receiver lives here
        return None
    for category, networks6 in _V6_BLOCKS:
        if any(address in network for network in networks6):
            return category
    return None if address.is_global and not address.is_reserved else "reserved"


def parse_allow_cidrs(text: str) -> tuple[IPNetwork, ...]:
    """``"127.0.0.1/32, ::1/128"`` -> networks. Host bits must be zero (catches typos)."""
    networks: list[IPNetwork] = []
    for entry in (e.strip() for e in text.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=True))
        except ValueError as exc:
            raise ValueError(
                f"REGISTRY_WEBHOOK_ALLOW_CIDRS: {entry!r} is not a network: {exc}"
            ) from None
    return tuple(networks)


def allowlist_opens_private(networks: Iterable[IPNetwork]) -> bool:
    """True if the allowlist lets webhooks reach any range the guard blocks."""
    blocked_v4 = [n for _, group in _V4_BLOCKS for n in group]
    blocked_v6 = [n for _, group in _V6_BLOCKS for n in group] + list(_EMBEDDING)
    for network in networks:
        if isinstance(network, IPv4Network):
            if any(network.overlaps(b) for b in blocked_v4) or not network.is_global:
                return True
        elif any(network.overlaps(b) for b in blocked_v6) or not network.is_global:
            return True
    return False


def _v4_category(address: IPv4Address) -> str | None:
    for category, networks in _V4_BLOCKS:
        if any(address in network for network in networks):
            return category
    return None if address.is_global else "reserved"


def _embedded_ipv4(address: IPv6Address) -> list[tuple[str, IPv4Address]]:
    value = int(address)
    if address in _MAPPED:
        return [("IPv4-mapped", IPv4Address(value & 0xFFFFFFFF))]
    if address in _COMPATIBLE:
        return [("IPv4-compatible", IPv4Address(value & 0xFFFFFFFF))]
    if address in _NAT64:
        return [("NAT64", IPv4Address(value & 0xFFFFFFFF))]
    if address.sixtofour is not None:
        return [("6to4", address.sixtofour)]
    if address.teredo is not None:
        server, client = address.teredo
        return [("Teredo", client), ("Teredo", server)]
    return []


def _allowed(address: IPAddress, allow: Sequence[IPNetwork]) -> bool:
    candidates: list[IPAddress] = [address]
    if isinstance(address, IPv6Address):
        candidates += [ipv4 for _, ipv4 in _embedded_ipv4(address)]
    return any(
        candidate.version == network.version and candidate in network
        for candidate in candidates
        for network in allow
    )


async def _resolve(resolver: Resolver, host: str, port: int) -> tuple[IPAddress, ...]:
    try:
        answers = await resolver(host, port)
    except (OSError, UnicodeError):  # socket.gaierror and TimeoutError are OSErrors
        raise UnresolvableHost("URL host cannot be resolved") from None
    addresses: list[IPAddress] = []
    for answer in answers:
        try:
            # A scope ("fe80::1%eth0") only occurs on link-local addresses, blocked anyway.
            address = ipaddress.ip_address(answer.partition("%")[0])
        except ValueError:
            raise UnsafeUrl("URL host resolved to something that is not an address") from None
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise UnresolvableHost("URL host has no addresses")
    return tuple(addresses)


def _split_host_port(netloc: str, default_port: int) -> tuple[str, int]:
    if netloc.startswith("["):
        host, bracket, rest = netloc[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise UnsafeUrl("URL has a malformed IPv6 host")
        host = f"[{host}]"
        port_text = rest[1:] if rest else None
    else:
        host, colon, port_text_raw = netloc.partition(":")
        port_text = port_text_raw if colon else None
    if not port_text:  # "host:" means the default port, as in WHATWG URLs
        return host, default_port
    if not (port_text.isascii() and port_text.isdigit()) or not 0 < int(port_text) <= 65535:
        raise UnsafeUrl("URL port must be a number from 1 to 65535")
    return host, int(port_text)


def _normalise_host(host: str) -> tuple[str, IPAddress | None]:
    if not host:
        raise UnsafeUrl("URL has no host")
    if host.startswith("["):
        try:
            if "%" in host:  # a zone ("%25eth0") names one of our interfaces
                raise ValueError(host)
            ipv6 = IPv6Address(host[1:-1])
        except ValueError:
            raise UnsafeUrl("URL has a malformed IPv6 host") from None
        return str(ipv6), ipv6
    host = host.removesuffix(".")
    if not host.isascii():
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError):
            raise UnsafeUrl("URL host is not a valid host name") from None
    host = host.lower()
    labels = host.split(".")
    if _NUMERIC_LABEL.fullmatch(labels[-1]):
        # As browsers do: a host ending in a number is an IPv4 address, in any of
        # the spellings inet_aton accepts ("2130706433", "0x7f.1", "0177.0.0.1").
        ipv4 = parse_numeric_ipv4(host)
        if ipv4 is None:
            raise UnsafeUrl("URL host looks numeric but is not an IPv4 address")
        return str(ipv4), ipv4
    if len(host) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise UnsafeUrl("URL host is not a valid host name")
    return host, None


def parse_numeric_ipv4(text: str) -> IPv4Address | None:
    """``socket.inet_aton``'s reading of ``text`` (1-4 parts, hex/octal/decimal), or None."""
    parts = text.split(".")
    if len(parts) > 4:
        return None
    values: list[int] = []
    for part in parts:
        match = _ATON_PART.fullmatch(part)
        if match is None:
            return None
        hex_digits, octal_digits, decimal_digits = match.groups()
        if hex_digits is not None:
            values.append(int(hex_digits, 16))
        elif octal_digits is not None:
            values.append(int(octal_digits, 8))
        else:
            values.append(int(decimal_digits))
    *leading, last = values
    if any(value > 255 for value in leading) or last >= 256 ** (4 - len(leading)):
        return None
    number = last
    for index, value in enumerate(leading):
        number += value << (8 * (3 - index))
    return IPv4Address(number)
