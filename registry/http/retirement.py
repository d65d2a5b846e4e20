"""Writes a request made retire cached answers before its response starts.

Whatever the route (a mutation, a console form, a notice page's first view), the
writes are counted where they pass (store/writes.py); this middleware retires the
answers cached before them as the response starts, so the client's next read is never
a stale cached answer. A request that wrote nothing costs two comparisons.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from registry.services import versions


class RetireWrites:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        deps = scope["app"].state.deps
        # Writes made outside any request (a job, a command) retire first, so the answer
        # this request caches is not retired by them as it leaves.
        if versions.unretired(deps):
            await versions.retire_written(deps)

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start" and versions.unretired(deps):
                await versions.retire_written(deps)
            await send(message)

        await self.app(scope, receive, sending)
