"""Request bodies bounded before anything reads them: `413` past the limit.

Forms are read by starlette whole, and a chunked body has no `Content-Length` to check
in advance, so the limit is applied to the bytes as they arrive: a 10 MB post to any
route costs at most the limit. `/graphql` reads its own body within its own (larger)
limit (api/http_request.py) and is passed through.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_FORM_BYTES = 256_000
"""Every form of the pages and the console fits with room to spare."""
_PASSED = ("/graphql",)


class BodyTooLarge(Exception):
    pass


async def _refuse(send: Send) -> None:
    body = b"Request body too large\n"
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """`Middleware(BodyLimit)`: bodies over `max_bytes` are refused with `413`."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_FORM_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in _PASSED:
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and (not value.isdigit() or int(value) > self.max_bytes):
                await _refuse(send)
                return
        received = 0
        started = False

        async def bounded() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, bounded, watch)
        except BodyTooLarge:
            if not started:
                await _refuse(send)
