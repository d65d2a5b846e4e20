"""The sender against real servers on 127.0.0.1; customer host names come from stub resolvers."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import socket
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from ipaddress import IPv4Address, ip_network
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from standardwebhooks import Webhook

from registry.delivery.sender import USER_AGENT, AttemptResult, build_client, send_attempt
from registry.delivery.signing import generate_secret, webhook_headers
from registry.delivery.ssrf import CheckedTarget, check_url

HOOK_HOST = "hooks.example.test"  # .test never resolves: reaching it proves we used the checked IP
BODY = b'{"type":"change.announced","timestamp":"2026-01-05T09:00:00Z","data":{"id":"chg_1"}}'
RETRY_DATE = "Wed, 21 Oct 2037 07:28:00 GMT"


@dataclass
class Received:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes
    names: list[str] = field(default_factory=list)
    """Every header name as sent, in order (repeats included)."""


Writer = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def _reply(status: str, body: bytes = b"", extra: str = "") -> bytes:
    head = f"HTTP/1.1 {status}\r\ncontent-length: {len(body)}\r\nconnection: close\r\n{extra}\r\n"
    return head.encode() + body


async def _hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.read()  # answer nothing until the client gives up and closes


async def _drip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    # Never idle long enough for a read timeout, never finishing the headers.
    writer.write(b"HTTP/1.1 200 OK\r\n")
    while not reader.at_eof():
        writer.write(b"x-pad: a\r\n")
        await writer.drain()
        await asyncio.sleep(0.05)


ROUTES: dict[str, bytes | Writer] = {
    "/ok": _reply("200 OK", b"ok"),
    "/redirect": _reply("302 Found", extra="location: http://127.0.0.1:9/ok\r\n"),
    "/gone": _reply("410 Gone"),
    "/slow-down": _reply("429 Too Many Requests", extra="retry-after: 120\r\n"),
    "/unavailable": _reply("503 Service Unavailable", extra=f"retry-after: {RETRY_DATE}\r\n"),
    "/error": _reply("500 Internal Server Error", b"boom"),
    "/not-found": _reply("404 Not Found"),
    "/cookie": _reply("200 OK", extra="set-cookie: session=customer-a; Path=/\r\n"),
    "/big": _reply("200 OK", b"a" + "\u00e9".encode() * 3000),
    "/hang": _hang,
    "/drip": _drip,
}


@dataclass
class LoopbackServer:
    """A raw HTTP/1.1 responder: we control every byte, including bad behaviour."""

    ssl_context: ssl.SSLContext | None = None
    host: str = "127.0.0.1"
    keep_alive: bool = False  # answer "200 ok" to every request of a connection instead
    received: list[Received] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    """Targets of routes that never finish on their own, ended because the client left."""
    port: int = 0
    connections: int = 0
    _handlers: set[asyncio.Task[None]] = field(default_factory=set)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[LoopbackServer]:
        server = await asyncio.start_server(self._handle, self.host, 0, ssl=self.ssl_context)
        self.port = server.sockets[0].getsockname()[1]
        try:
            yield self
        finally:
            server.close()
            # Handlers end once their client has gone; give them a moment, then insist.
            if self._handlers:
                await asyncio.wait(set(self._handlers), timeout=2)
            for task in self._handlers:
                task.cancel()
            await asyncio.gather(*self._handlers, return_exceptions=True)
            await server.wait_closed()

    async def settled(self) -> None:
        """Wait until every connection has been handled to its end."""
        await asyncio.wait_for(asyncio.gather(*self._handlers), timeout=30)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        self.connections += 1
        try:
            while self.keep_alive:
                await self._read_request(reader)
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                await writer.drain()
            target = await self._read_request(reader)
            route = ROUTES[target.partition("?")[0]]
            if isinstance(route, bytes):
                writer.write(route)
                await writer.drain()
            else:
                with contextlib.suppress(ConnectionError):
                    await route(reader, writer)
                self.left.append(target)
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            pass  # the client went away, as some tests intend
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, ssl.SSLError):
                await writer.wait_closed()
            self._handlers.discard(task)

    async def _read_request(self, reader: asyncio.StreamReader) -> str:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        request_line, *lines = head.removesuffix("\r\n\r\n").split("\r\n")
        method, target, _ = request_line.split(" ")
        headers = {k.strip().lower(): v.strip() for k, v in (ln.split(":", 1) for ln in lines)}
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        names = [ln.split(":", 1)[0].strip().lower() for ln in lines]
        self.received.append(Received(method, target, headers, body, names))
        return target


def resolving_to(*answers: str) -> Callable[[str, int], Awaitable[list[str]]]:
    async def resolve(host: str, port: int) -> list[str]:
        return list(answers)

    return resolve


async def checked(url: str) -> CheckedTarget:
    return await check_url(
        url, resolver=resolving_to("127.0.0.1"), allow=(ip_network("127.0.0.1/32"),)
    )


@pytest.fixture
async def server() -> AsyncIterator[LoopbackServer]:
    async with LoopbackServer().running() as running:
        yield running


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with build_client(connect_timeout=1.0, total_timeout=2.0) as delivery_client:
        yield delivery_client


async def test_posts_signed_body_to_checked_ip_with_original_host(
    server: LoopbackServer, client: httpx.AsyncClient
) -> None:
    secret = generate_secret()
    headers = webhook_headers([secret], "msg_1", int(time.time()), BODY)
    target = await checked(f"http://{HOOK_HOST}:{server.port}/ok?customer=c1")

    result = await send_attempt(client, target, headers, BODY)

    assert (result.outcome, result.status_code, result.response_excerpt) == ("success", 200, "ok")
    assert result.error is None
    assert result.latency_ms > 0
    [received] = server.received
    assert (received.method, received.target) == ("POST", "/ok?customer=c1")
    assert received.headers["host"] == f"{HOOK_HOST}:{server.port}"
    assert received.headers["accept-encoding"] == "identity"
    assert received.body == BODY
    assert Webhook(secret).verify(received.body, received.headers)["data"] == {"id": "chg_1"}


async def test_caller_cannot_override_host_or_encoding(
    server: LoopbackServer, client: httpx.AsyncClient
) -> None:
    target = await checked(f"http://{HOOK_HOST}:{server.port}/ok")
    headers = {"Host": "internal.example", "Accept-Encoding": "gzip"}

    await send_attempt(client, target, headers, BODY)

    [received] = server.received
    assert received.headers["host"] == f"{HOOK_HOST}:{server.port}"
    assert received.headers["accept-encoding"] == "identity"


async def test_each_header_is_sent_once_with_the_clients_defaults_under_ours(
    server: LoopbackServer, client: httpx.AsyncClient
) -> None:
    target = await checked(f"http://{HOOK_HOST}:{server.port}/ok")
    signed = webhook_headers([generate_secret()], "msg_1", int(time.time()), BODY)
    headers = {**signed, "HOST": "internal.example", "User-Agent": "caller/1"}

    await send_attempt(client, target, headers, BODY)

    [received] = server.received
    assert len(received.names) == len(set(received.names)), received.names
    assert received.headers["host"] == f"{HOOK_HOST}:{server.port}"
    assert received.headers["user-agent"] == "caller/1"  # a caller's header beats the default
    assert received.headers["content-length"] == str(len(BODY))
    assert {"accept", "webhook-id", "webhook-signature", "content-type"} <= set(received.names)


async def test_the_client_default_user_agent_is_sent(
    server: LoopbackServer, client: httpx.AsyncClient
) -> None:
    target = await checked(f"http://{HOOK_HOST}:{server.port}/ok")

    await send_attempt(client, target, {"content-type": "application/json"}, BODY)

    [received] = server.received
    assert received.headers["user-agent"] == USER_AGENT
    assert received.names.count("user-agent") == 1


STATUS_TABLE = [
    ("/redirect", 302, "redirect", None),
    ("/gone", 410, "gone", None),
    ("/slow-down", 429, "retry", "120"),
    ("/unavailable", 503, "retry", RETRY_DATE),
    ("/error", 500, "failure", None),
    ("/not-found", 404, "failure", None),
]


@pytest.mark.parametrize(
    ("path", "status", "outcome", "retry_after"),
    STATUS_TABLE,
    ids=[f"{status} -> {outcome}" for _, status, outcome, _ in STATUS_TABLE],
)
async def test_status_codes_are_classified(
    server: LoopbackServer,
    client: httpx.AsyncClient,
    path: str,
    status: int,
    outcome: str,
    retry_after: str | None,
) -> None:
    target = await checked(f"http://{HOOK_HOST}:{server.port}{path}")

    result = await send_attempt(client, target, {}, BODY)

    assert (result.status_code, result.outcome, result.retry_after) == (
        status,
        outcome,
        retry_after,
    )
    assert len(server.received) == 1  # in particular, the redirect was not followed


async def test_excerpt_is_first_1024_bytes_decoded_with_replacement(
    server: LoopbackServer, client: httpx.AsyncClient
) -> None:
    target = await checked(f"http://{HOOK_HOST}:{server.port}/big")

    result = await send_attempt(client, target, {}, BODY)

    # 1 + 511 * 2 bytes, then the first byte of a split "é".
    assert result.response_excerpt == "a" + "\u00e9" * 511 + "\ufffd"


async def test_hanging_receiver_fails_at_the_timeout(server: LoopbackServer) -> None:
    target = await checked(f"http://{HOOK_HOST}:{server.port}/hang")
    async with build_client(connect_timeout=0.5, total_timeout=0.5) as client:
        result = await send_attempt(client, target, {}, BODY, total_timeout=0.5)
        await server.settled()  # the sender hung up itself, while its client is still open

    assert (result.outcome, result.status_code) == ("failure", None)
    assert result.error is not None
    assert result.error.startswith("timed out")
    assert server.left == ["/hang"]


async def test_total_timeout_stops_a_receiver_trickling_bytes(server: LoopbackServer) -> None:
    target = await checked(f"http://{HOOK_HOST}:{server.port}/drip")
    # The per-read timeout (5 s) never fires: only the total bound can end this.
    async with build_client(connect_timeout=5.0, total_timeout=5.0) as client:
        result = await send_attempt(client, target, {}, BODY, total_timeout=0.5)
        await server.settled()

    assert (result.outcome, result.status_code) == ("failure", None)
    assert result.error == "timed out: no complete response within 0.5 s"  # the total bound
    assert server.left == ["/drip"]


async def test_refused_connection_is_a_failure_with_error_text(client: httpx.AsyncClient) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    target = await checked(f"http://{HOOK_HOST}:{port}/ok")

    result = await send_attempt(client, target, {}, BODY)

    assert (result.outcome, result.status_code, result.response_excerpt) == ("failure", None, "")
    assert result.error is not None
    assert result.error.startswith("ClientConnectorError: Cannot connect")


async def test_next_checked_address_is_tried_when_one_refuses(
    server: LoopbackServer, client: httpx.AsyncClient
) -> None:
    target = await checked(f"http://{HOOK_HOST}:{server.port}/ok")
    # 127.0.0.2 is loopback too (Linux answers it), but nothing listens there.
    two = CheckedTarget(
        target.url,
        target.scheme,
        target.host,
        target.port,
        target.path_and_query,
        (IPv4Address("127.0.0.2"), IPv4Address("127.0.0.1")),
    )

    result = await send_attempt(client, two, {}, BODY)

    assert result.outcome == "success"


async def test_connections_are_kept_alive_for_the_same_host(client: httpx.AsyncClient) -> None:
    async with LoopbackServer(keep_alive=True).running() as server:
        target = await checked(f"http://{HOOK_HOST}:{server.port}/ok")

        results = [await send_attempt(client, target, {}, BODY) for _ in range(3)]

        assert [r.outcome for r in results] == ["success"] * 3
        assert (len(server.received), server.connections) == (3, 1)


async def test_tls_connections_are_not_shared_between_host_names(tmp_path: Path) -> None:
    # Both names live on one address; a session verified for one must not carry the other.
    other = "other." + HOOK_HOST
    server_context, client_context = _certificate(tmp_path, HOOK_HOST, other)
    sni_seen: list[str] = []
    server_context.sni_callback = lambda _sock, name, _ctx: sni_seen.append(name or "")
    async with (
        LoopbackServer(ssl_context=server_context, keep_alive=True).running() as server,
        build_client(total_timeout=2.0, ssl_context=client_context) as client,
    ):
        mine = await checked(f"https://{HOOK_HOST}:{server.port}/ok")
        theirs = await checked(f"https://{other}:{server.port}/ok")

        results = [await send_attempt(client, t, {}, BODY) for t in (mine, theirs, mine, theirs)]

        assert [r.outcome for r in results] == ["success"] * 4
        assert sni_seen == [HOOK_HOST, other]  # one connection per host name, each reused
        assert server.connections == 2
        hosts = [r.headers["host"].partition(":")[0] for r in server.received]
        assert hosts == [HOOK_HOST, other, HOOK_HOST, other]


async def test_a_receivers_cookies_are_neither_kept_nor_sent_on() -> None:
    # Customers' endpoints may share an address; one must never see another's cookie.
    async with LoopbackServer().running() as server, build_client(total_timeout=2.0) as client:
        mine = await checked(f"http://{HOOK_HOST}:{server.port}/cookie")
        theirs = await checked(f"http://other.{HOOK_HOST}:{server.port}/ok")

        results = [await send_attempt(client, t, {}, BODY) for t in (mine, theirs, mine)]

        assert [r.outcome for r in results] == ["success"] * 3
        assert [r.headers.get("cookie") for r in server.received] == [None] * 3
        assert len(client.cookies) == 0


def _certificate(tmp_path: Path, *hostnames: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A self-signed certificate for ``hostnames``: (server context, client context trusting it)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostnames[0])])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(h) for h in hostnames]), critical=False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    (tmp_path / "cert.pem").write_bytes(cert_pem)
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    client_context = ssl.create_default_context(cadata=cert_pem.decode())
    return server_context, client_context


async def _send_over_tls(tmp_path: Path, certificate_host: str) -> tuple[AttemptResult, list[str]]:
    server_context, client_context = _certificate(tmp_path, certificate_host)
    sni_seen: list[str] = []

    def record_sni(_sock: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> None:
        sni_seen.append(name or "")

    server_context.sni_callback = record_sni
    async with (
        LoopbackServer(ssl_context=server_context).running() as server,
        build_client(total_timeout=2.0, ssl_context=client_context) as client,
    ):
        target = await checked(f"https://{HOOK_HOST}:{server.port}/ok")
        result = await send_attempt(client, target, {}, BODY)
        if server.received:
            assert server.received[0].headers["host"] == f"{HOOK_HOST}:{server.port}"
    return result, sni_seen


async def test_https_sends_sni_and_verifies_the_real_host_name(tmp_path: Path) -> None:
    result, sni_seen = await _send_over_tls(tmp_path, HOOK_HOST)

    assert (result.outcome, result.status_code) == ("success", 200)
    assert sni_seen == [HOOK_HOST]


async def test_https_refuses_a_certificate_for_another_host(tmp_path: Path) -> None:
    result, _ = await _send_over_tls(tmp_path, "other.example.test")

    assert (result.outcome, result.status_code) == ("failure", None)
    assert result.error is not None
    assert "certificate" in result.error.lower()
