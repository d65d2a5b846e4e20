"""Request header blocks and targets bounded before any work: `431` and `414`.

uvicorn's default parser (httptools) puts no bound on a header block: a request with
1 MB of headers reaches the application whole (h11 would answer a bare 400 only past
its own buffer). So the first middleware refuses a block over `MAX_HEADER_BYTES` with
`431 Request Header Fields Too Large`, and a path with query over `MAX_TARGET_BYTES`
with `414 URI Too Long`, before routing, authentication or metrics look at it. `/graphql`
bounds its own query strings (16 KB, answered with a GraphQL error: api/http_request.py).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

MAX_HEADER_BYTES = 32_768
"""Every browser, feed reader and API client fits (nginx's default buffers: 4 x 8 KB)."""
MAX_TARGET_BYTES = 8_192
"""The longest page or export link with every filter fits many times over."""
_OVERHEAD = 4  # ": " and CRLF of each header line
_OWN_TARGET_LIMIT = ("/graphql",)


async def _refuse(send: Send, status: int, text: bytes) -> None:
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(text)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": text})


def header_bytes(scope: Scope) -> int:
    return sum(len(name) + len(value) + _OVERHEAD for name, value in scope.get("headers", ()))


def target_bytes(scope: Scope) -> int:
    path = scope.get("raw_path") or scope.get("path", "").encode()
    return len(path) + len(scope.get("query_string", b""))


class HeaderLimit:
    """`Middleware(HeaderLimit)`, outermost: oversized header blocks and targets are refused."""

    def __init__(
        self,
        app: ASGIApp,
        max_header_bytes: int = MAX_HEADER_BYTES,
        max_target_bytes: int = MAX_TARGET_BYTES,
    ) -> None:
        self.app = app
        self.max_header_bytes = max_header_bytes
        self.max_target_bytes = max_target_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refused = refusal(scope, self.max_header_bytes, self.max_target_bytes)
            if refused is not None:
                await _refuse(send, *refused)
                return
        await self.app(scope, receive, send)


def refusal(
    scope: Scope,
    max_header_bytes: int = MAX_HEADER_BYTES,
    max_target_bytes: int = MAX_TARGET_BYTES,
) -> tuple[int, bytes] | None:
    """The status and text an HTTP request's header block or target is refused with, if
    either is too large (the front door asks too: `api/front_door.py`)."""
    if header_bytes(scope) > max_header_bytes:
        return 431, b"Request header fields too large\n"
    own = scope.get("path") in _OWN_TARGET_LIMIT
    if not own and target_bytes(scope) > max_target_bytes:
        return 414, b"URI too long\n"
    return None
