"""A header block of 1 MB is refused cleanly before any work: uvicorn's httptools parser
passes it through whole, so the first middleware answers `431 Request Header Fields Too
Large`; a target past 8 KB gets `414 URI Too Long` (one of 1 MB the parser refuses itself)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator

import pytest
import uvicorn
from starlette.types import Receive, Scope, Send

from registry.http.header_limit import MAX_HEADER_BYTES, HeaderLimit
from tests.conftest import Api

PADDING = {f"x-pad-{n}": "a" * 1000 for n in range(1000)}  # about 1 MB of headers


async def test_a_megabyte_of_headers_is_431_on_every_route(api: Api) -> None:
    for method, path in (("GET", "/subprocessors"), ("POST", "/graphql"), ("GET", "/health")):
        answer = await api.http.request(method, path, headers=PADDING)
        assert answer.status_code == 431, (method, path)
        assert answer.headers["connection"] == "close"


async def test_a_long_target_is_414(api: Api) -> None:
    answer = await api.http.get("/subprocessors", params={"search": "a" * 20_000})
    assert answer.status_code == 414


async def test_ordinary_headers_pass(api: Api) -> None:
    just_under = {"x-pad": "a" * (MAX_HEADER_BYTES - 2_000)}
    assert (await api.http.get("/health", headers=just_under)).status_code == 200


async def _ok(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


@pytest.fixture
async def served() -> AsyncIterator[int]:
    """The middleware in front of a real uvicorn server, parser chosen as `serve` does
    (httptools when installed). The socket listens before the server runs, so a client
    may connect at once."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    config = uvicorn.Config(HeaderLimit(_ok), log_level="error")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        yield sock.getsockname()[1]
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await task
        sock.close()


async def _status(port: int, request: str) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request.encode())
    await writer.drain()
    status = await asyncio.wait_for(reader.readline(), timeout=10)
    writer.close()
    return status


async def test_uvicorn_passes_them_and_the_middleware_refuses_them(served: int) -> None:
    lines = "".join(f"{name}: {value}\r\n" for name, value in PADDING.items())
    headers = await _status(served, f"GET / HTTP/1.1\r\nHost: registry.test\r\n{lines}\r\n")
    target = f"GET /?q={'a' * 20_000} HTTP/1.1\r\nHost: registry.test\r\n\r\n"
    assert headers.startswith(b"HTTP/1.1 431 ")
    assert (await _status(served, target)).startswith(b"HTTP/1.1 414 ")
    assert (await _status(served, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")).startswith(b"HTTP/1.1 200 ")
