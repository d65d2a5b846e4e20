"""One webhook delivery attempt over HTTP.

The request goes to an address the SSRF guard checked, written into the URL as
an IP literal, so nothing resolves the host name again between the check and the
connection. The original host still travels in ``Host`` and, for https, in TLS
SNI, where the certificate is verified against it.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
import time
from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass
from ipaddress import IPv6Address
from typing import Literal, cast

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport

from registry.delivery.ssrf import CheckedTarget, IPAddress

Outcome = Literal["success", "redirect", "gone", "retry", "failure"]

CONNECT_TIMEOUT = 5.0
TOTAL_TIMEOUT = 15.0  # Standard Webhooks recommends 15 to 30 s
EXCERPT_BYTES = 1024
USER_AGENT = "subprocessor-registry-webhooks/1"
KEEPALIVE_SECONDS = 4.0
"""Idle connections are closed before common servers' own idle timeout (Node.js: 5 s), so
we do not send on a connection the receiver is closing."""
_DEFAULT_PORTS = {"http": 80, "https": 443}
_OWN_HEADERS = ("host", "accept-encoding")
_OWN_HEADERS_RAW = tuple(name.encode() for name in _OWN_HEADERS)


@dataclass(frozen=True, slots=True)
class AttemptResult:
    """What one attempt did; ``error`` says why no (complete) response was read.
    ``permanent``: the receiver refused this message for good, so it is not retried."""

    status_code: int | None
    latency_ms: float
    response_excerpt: str
    error: str | None
    retry_after: str | None
    outcome: Outcome
    permanent: bool = False


def build_client(
    *,
    connect_timeout: float = CONNECT_TIMEOUT,
    total_timeout: float = TOTAL_TIMEOUT,
    max_connections: int = 100,
    ssl_context: ssl.SSLContext | None = None,
) -> httpx.AsyncClient:
    """The one delivery client, made and closed in the app lifespan.

    httpx's API over aiohttp's connection pool (`httpx-aiohttp`): httpx's own
    pool costs more per request than signing and sending together once many
    requests are in flight (bench/delivery.py). Connections are kept alive;
    aiohttp keys its pool by address, port, TLS context and TLS server name, so
    a connection verified for one customer's host never carries a request for
    another host served from the same address. No cookie is kept (`_NoCookies`).
    ``trust_env`` is off so proxy variables and .netrc can neither reroute nor
    decorate our requests.
    """
    context = ssl_context if ssl_context is not None else httpx.create_ssl_context()

    def session() -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=max_connections, ssl=context, keepalive_timeout=KEEPALIVE_SECONDS
        )
        return aiohttp.ClientSession(
            connector=connector, cookie_jar=aiohttp.DummyCookieJar(), trust_env=False
        )

    return _DeliveryClient(
        transport=AiohttpTransport(client=session, trust_env=False),
        timeout=httpx.Timeout(total_timeout, connect=connect_timeout),
        follow_redirects=False,
        trust_env=False,
        headers={"user-agent": USER_AGENT},
    )


class _NoCookies(httpx.Cookies):
    """A jar that stays empty. Requests go to IP literals, and a jar keys cookies by
    the URL's host, so a cookie one customer's endpoint set would be sent to every
    other endpoint on that address."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None

    def set_cookie_header(self, request: httpx.Request) -> None:
        return None

    def set(self, name: str, value: str, domain: str = "", path: str = "/") -> None:
        raise TypeError("webhook deliveries carry no cookies")


class _DeliveryClient(httpx.AsyncClient):
    """httpx's client without its cookie jar (which also costs a URL parse per response)."""

    _no_cookies = _NoCookies()

    @property
    def cookies(self) -> httpx.Cookies:
        return self._no_cookies

    @cookies.setter
    def cookies(self, cookies: object) -> None:
        raise TypeError("webhook deliveries carry no cookies")


async def send_attempt(
    client: httpx.AsyncClient,
    target: CheckedTarget,
    headers: dict[str, str],
    body: bytes,
    *,
    total_timeout: float = TOTAL_TIMEOUT,
) -> AttemptResult:
    """POST ``body`` once and classify the answer; never raises for network trouble.

    ``total_timeout`` bounds the whole attempt: httpx's timeouts are per phase, so
    a receiver trickling bytes could otherwise hold a worker indefinitely.
    """
    if not target.addresses:
        raise ValueError("a checked target has at least one address")
    started = time.perf_counter()
    exchange = _Exchange()
    error: str | None = None
    try:
        async with asyncio.timeout(total_timeout):
            await exchange.run(client, target, headers, body)
    except TimeoutError:
        error = f"timed out: no complete response within {total_timeout:g} s"
    except httpx.HTTPError as exc:
        error = _describe(exc)
    finally:
        if exchange.response is not None:
            await exchange.response.aclose()
    latency_ms = (time.perf_counter() - started) * 1000
    response = exchange.response
    if response is None:
        return AttemptResult(None, latency_ms, "", error, None, "failure")
    return AttemptResult(
        status_code=response.status_code,
        latency_ms=latency_ms,
        response_excerpt=bytes(exchange.excerpt).decode("utf-8", errors="replace"),
        error=error,
        retry_after=response.headers.get("retry-after"),
        outcome=_classify(response.status_code),
    )


class _Exchange:
    """Holds what arrived, so a timeout while reading the body keeps the status."""

    def __init__(self) -> None:
        self.response: httpx.Response | None = None
        self.excerpt = bytearray()

    async def run(
        self,
        client: httpx.AsyncClient,
        target: CheckedTarget,
        headers: dict[str, str],
        body: bytes,
    ) -> None:
        *others, last = target.addresses
        for address in others:
            try:
                self.response = await client.send(
                    _build_request(client, target, address, headers, body), stream=True
                )
                break
            except httpx.HTTPError as exc:
                if not _not_connected(exc):
                    raise
                continue  # try the next checked address
        else:
            self.response = await client.send(
                _build_request(client, target, last, headers, body), stream=True
            )
        # Only an excerpt is kept; reading raw bytes bounds memory, and we asked
        # for identity encoding so no decompression can inflate them.
        raw = cast("AsyncGenerator[bytes, None]", self.response.aiter_raw())
        async with aclosing(raw) as chunks:
            async for chunk in chunks:
                self.excerpt += chunk[: EXCERPT_BYTES - len(self.excerpt)]
                if len(self.excerpt) >= EXCERPT_BYTES:
                    break


def _build_request(
    client: httpx.AsyncClient,
    target: CheckedTarget,
    address: IPAddress,
    headers: dict[str, str],
    body: bytes,
) -> httpx.Request:
    """The request as `client.build_request` makes it (the client's default headers and
    timeouts), put together directly: merging with the client's base URL, cookies and
    parameters, none of which a delivery has, cost more than signing the message."""
    extensions: dict[str, object] = {"timeout": client.timeout.as_dict()}
    if target.scheme == "https" and target.host != str(address):
        # SNI and certificate verification use the real host, not the IP literal.
        extensions["sni_hostname"] = target.host
    # Ours win over any casing of the same names in `headers`; both over the client's.
    ours = [(b"host", _host_header(target).encode("ascii")), (b"accept-encoding", b"identity")]
    given = [
        (k.lower().encode(), v.encode("ascii"))
        for k, v in headers.items()
        if k.lower() not in _OWN_HEADERS
    ]
    named = {*_OWN_HEADERS_RAW, *(k for k, _ in given)}
    defaults = [(k, v) for k, v in client.headers.raw if k.lower() not in named]
    return httpx.Request(
        "POST",
        _url(target.scheme, address, target.port, target.path_and_query),
        content=body,
        headers=[*defaults, *given, *ours],
        extensions=extensions,
    )


@functools.lru_cache(maxsize=4096)
def _url(scheme: str, address: IPAddress, port: int, path_and_query: str) -> httpx.URL:
    """Parsed once per target: a batch sends many messages to few endpoints."""
    literal = f"[{address}]" if isinstance(address, IPv6Address) else str(address)
    return httpx.URL(f"{scheme}://{literal}:{port}{path_and_query}")


def _host_header(target: CheckedTarget) -> str:
    host = f"[{target.host}]" if ":" in target.host else target.host
    if target.port == _DEFAULT_PORTS[target.scheme]:
        return host
    return f"{host}:{target.port}"


def _classify(status_code: int) -> Outcome:
    if 200 <= status_code < 300:
        return "success"
    if 300 <= status_code < 400:
        return "redirect"  # never followed: the receiver should update its URL
    if status_code == 410:
        return "gone"
    if status_code in (429, 503):
        return "retry"
    return "failure"


def _transport_error(exc: httpx.HTTPError) -> BaseException:
    """The transport's own exception when there is one: it says more than httpx's
    mapping of it (which reports a refused connection as a connect timeout)."""
    cause = exc.__cause__
    return cause if isinstance(cause, aiohttp.ClientError) else exc


def _not_connected(exc: httpx.HTTPError) -> bool:
    """True when no connection was made, so nothing was sent to that address."""
    cause = _transport_error(exc)
    if isinstance(cause, aiohttp.ClientError):
        return isinstance(cause, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError)
    return isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)


def _describe(exc: httpx.HTTPError) -> str:
    cause = _transport_error(exc)
    text = f"{type(cause).__name__}: {str(cause) or 'no detail'}"
    timed_out = isinstance(cause, TimeoutError) or (
        cause is exc and isinstance(exc, httpx.TimeoutException)
    )
    return f"timed out: {text}" if timed_out else text
