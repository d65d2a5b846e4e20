"""The front door: a read this process answered before is answered again before the
middleware stack, the router and the endpoint.

A polling client's repeat of a read already answered at this registry version
(`hot_answers.py`) is the service's busiest path, and walking the stack to the endpoint
(error handling, header and body limits, write retirement, metrics, routing) cost it
more than the endpoint's own work (`python -m bench.read_cpu`). The door answers it
after the same checks those layers make, by the same functions: a header block or
target too large, or writes not yet retired, and the request goes the ordinary way;
the answer is counted in the same request metrics. Anything else, and any request it
does not recognise, is passed on untouched (a body it read is handed on with it).
"""

from __future__ import annotations

import time

from starlette.types import Message, Receive, Scope, Send

from registry.api.endpoint import GraphQLEndpoint, hot_key_of
from registry.api.hot_answers import LOOKED_UP, MAX_REQUEST_BYTES
from registry.http.header_limit import refusal
from registry.http.request_metrics import GRAPHQL_PATH, OPERATION_KEY, HttpMetrics
from registry.services import versions


class FrontDoor:
    def __init__(self, endpoint: GraphQLEndpoint, metrics: HttpMetrics) -> None:
        self.endpoint = endpoint
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> Receive | None:
        """Answer a repeated read (None), or return the `receive` the rest of the app
        reads the request with."""
        if scope["type"] != "http" or scope["path"] != GRAPHQL_PATH or refusal(scope):
            return receive
        if versions.unretired(scope["app"].state.deps):
            return receive  # RetireWrites retires them first
        started = time.perf_counter()
        received: dict[bytes, bytes] = dict(scope["headers"])
        method = scope["method"]
        rest = receive
        body = b""
        if method == "POST":
            declared = received.get(b"content-length", b"")
            if not declared.isdigit() or int(declared) >= MAX_REQUEST_BYTES:
                return receive
            first = await receive()
            rest = _replaying(first, receive)
            if first["type"] != "http.request" or first.get("more_body", False):
                return rest
            body = first.get("body", b"")
        key = hot_key_of(method, received, body, scope["query_string"])
        if key is None:
            return rest
        status = await self.endpoint.answer_hot(scope, send, received, key)
        if status is None:
            scope[LOOKED_UP] = True
            return rest
        operation = self.metrics.operation_label(scope.get(OPERATION_KEY))
        self.metrics.observe(GRAPHQL_PATH, method, status, time.perf_counter() - started, operation)
        return None


def _replaying(first: Message, receive: Receive) -> Receive:
    """`receive` that gives `first` (already read) once, then reads on."""
    pending = [first]

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    return replay
