"""The `/graphql` endpoint: GraphQL over HTTP, with the refusals a public API needs.

A small ASGI endpoint rather than strawberry's view: it authenticates once per
request, refuses batches, oversized and malformed bodies with 4xx, serialises with
orjson and masks unexpected errors with a request id that is in the server log.

Read queries (POST, or GET with `?query=`, never mutations) carry an `ETag` and
`Cache-Control` (`registry.http.conditional`) and are answered from the response cache
when possible; a hit costs no database round trip (the registry version is watched in
the background), a matching `If-None-Match` gets `304` without running anything.

The request a client repeats is answered before all of that (`hot_answers`): the same
bytes from a caller of the same visibility, at the same version and quarter hour, get
the answer prepared the first time, so a poller's cache hit or `304` costs about what a
bare endpoint returning bytes does.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from strawberry import Schema

from registry import logs
from registry.api.execution import execute
from registry.api.hot_answers import LOOKED_UP, MAX_REQUEST_BYTES, HotAnswer, HotAnswers
from registry.api.http_request import (
    Operation,
    TooLarge,
    error_response,
    json_content,
    parse,
    read_body,
    request_id_of,
)
from registry.api.limits import QueryLimits
from registry.api.response_cache import STATIC_ROOTS, ResponseCache
from registry.http.conditional import (
    cache_headers,
    entity_tag,
    matches,
    period,
    registry_version,
    tag_key,
    tag_version,
)
from registry.http.request_metrics import OPERATION_KEY, note_operation
from registry.services import failed_auth, policy
from registry.services.access import InvalidApiKey, KnownKeys, authenticate, bearer_token, hash_key
from registry.services.caller import ANONYMOUS, Caller
from registry.services.deps import Deps


def hot_key_of(
    method: str, received: dict[bytes, bytes], body: bytes, query_string: bytes
) -> bytes | None:
    """What a repeated request is known by in `HotAnswers`: its method and exact bytes
    (None: not a request answered that way)."""
    if method == "POST":
        if json_content(received.get(b"content-type")) and len(body) < MAX_REQUEST_BYTES:
            return b"P" + body
    elif method == "GET" and 0 < len(query_string) < MAX_REQUEST_BYTES:
        return b"G" + query_string
    return None


def _id_header(request_id: str) -> tuple[bytes, bytes]:
    return (b"x-request-id", request_id.encode())


class _Prepared(Response):
    """A response whose header block is built here: the cached answer and `304` are the
    hot path of polling clients, and starlette's generic header handling shows there."""

    def __init__(self, body: bytes, status: int, headers: list[tuple[bytes, bytes]]) -> None:
        self.body = body
        self.status_code = status
        self.background = None
        self.raw_headers = headers


def _header_block(
    caching: dict[str, str], body: bytes | None, *extra: tuple[bytes, bytes]
) -> list[tuple[bytes, bytes]]:
    """The headers of a `200` with `body`, or of a `304` when `body` is None."""
    headers = [(name.encode(), value.encode("latin-1")) for name, value in caching.items()]
    if body is not None:
        headers.append((b"content-length", str(len(body)).encode()))
        headers.append((b"content-type", b"application/json"))
    headers.extend(extra)
    return headers


class GraphQLEndpoint:
    """An ASGI app: `Route("/graphql", endpoint, methods=["GET", "POST"])`."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.limits = QueryLimits(schema._schema)
        self.cache = ResponseCache()
        self.hot = HotAnswers()
        self.failures = failed_auth.FailureThrottle()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # ASGI header names are lower case: one dict instead of a scan per lookup.
        received: dict[bytes, bytes] = dict(scope["headers"])
        method = scope["method"]
        body = b""
        if method == "POST":
            try:
                body = await read_body(receive, received)
            except TooLarge:
                request_id = request_id_of(received.get(b"x-request-id"))
                refusal = error_response(413, "request body over 1 MB", "BAD_REQUEST", request_id)
                await refusal(scope, receive, send)
                return
        hot_key = hot_key_of(method, received, body, scope["query_string"])
        if hot_key is not None and not scope.get(LOOKED_UP):
            answered = await self.answer_hot(scope, send, received, hot_key)
            if answered is not None:
                return
        response = await self.handle(Request(scope), received, body, hot_key)
        await response(scope, receive, send)

    async def answer_hot(
        self, scope: Scope, send: Send, received: dict[bytes, bytes], hot_key: bytes
    ) -> int | None:
        """Answer a request this process has answered before at this version and quarter
        hour, if it is one, and return the status sent; anything unusual is left to
        `handle`, which knows better (None: nothing was sent)."""
        app = scope["app"]
        version = app.state.version_watch.current()
        if version is None:
            return None
        authorization = received.get(b"authorization")
        if authorization is None:
            visibility = policy.visibility(ANONYMOUS)
        else:
            known: KnownKeys = app.state.known_keys
            try:
                key_hash = hash_key(bearer_token(authorization.decode("latin-1")))
            except InvalidApiKey:
                return None
            caller = known.get(key_hash, version)
            if caller is None:
                return None
            visibility = policy.visibility(caller)
        deps: Deps = app.state.deps
        answer = self.hot.get(hot_key, visibility, version, period(deps.clock.now()))
        if answer is None:
            return None
        offered = received.get(b"if-none-match")
        if offered is not None and (
            offered == answer.etag or matches(offered.decode("latin-1"), answer.etag.decode())
        ):
            status, headers, body = 304, answer.not_modified, b""
        elif answer.ok is not None:
            status, headers, body = 200, answer.ok, answer.body
        else:
            return None
        scope[OPERATION_KEY] = answer.operation
        request_id = (b"x-request-id", request_id_of(received.get(b"x-request-id")).encode())
        start = {"type": "http.response.start", "status": status, "headers": [*headers, request_id]}
        await send(start)
        await send({"type": "http.response.body", "body": body})
        return status

    async def handle(
        self, request: Request, received: dict[bytes, bytes], body: bytes, hot_key: bytes | None
    ) -> Response:
        """Parse, check the limits, authenticate; then answer from the caches or run it."""
        request_id = request_id_of(received.get(b"x-request-id"))
        logs.request_id.set(request_id)
        operation = parse(request, received, body, request_id)
        if isinstance(operation, Response):
            return operation
        note_operation(request.scope, operation.query, operation.name)
        refused = self.limits.check(operation.query, operation.digest)
        if refused is not None:
            return Response(
                refused,
                400,
                {"x-request-id": request_id},
                media_type="application/json",
            )
        deps: Deps = request.app.state.deps
        raw = received.get(b"authorization")
        presented = raw.decode("latin-1") if raw is not None else None
        client = request.client.host if request.client else "unknown"
        if presented is not None and self.failures.blocked(client, presented):
            refusal = error_response(
                429, "too many failed keys: wait a few minutes", "RATE_LIMITED", request_id
            )
            refusal.headers["retry-after"] = str(int(failed_auth.WINDOW_S))
            return refusal
        try:
            caller = await authenticate(deps, presented, request.app.state.known_keys)
        except InvalidApiKey as exc:
            await failed_auth.record_failure(
                deps,
                self.failures,
                client,
                presented,
                action="authenticate",
                result="InvalidApiKey",
                request_id=request_id,
            )
            return error_response(401, str(exc), "UNAUTHENTICATED", request_id)
        return await self._answer(request, received, operation, caller, request_id, hot_key)

    async def _answer(
        self,
        request: Request,
        received: dict[bytes, bytes],
        operation: Operation,
        caller: Caller,
        request_id: str,
        hot_key: bytes | None,
    ) -> Response:
        """A read is answered by its ETag (`304`), the response cache, or once for all
        waiting (single flight); anything else is executed as it comes."""
        deps: Deps = request.app.state.deps
        query, name = operation.query, operation.name
        roots = self.cache.roots(query, name, operation.digest)
        if roots is None:
            response, _ = await execute(self.schema, deps, caller, operation, request_id, None)
            return response
        static = roots <= STATIC_ROOTS
        version = 0 if static else await registry_version(request)
        when = period(deps.clock.now())
        encoded_variables = operation.encoded_variables
        key = self.cache.key(operation.digest, encoded_variables, caller, version, when)
        etag = self.cache.tags.get(key)
        if etag is None:
            etag = entity_tag(
                version if static else await tag_version(request, caller, version),
                caller,
                when,
                operation.digest,
                encoded_variables,
                key=tag_key(deps.settings.effective_secret_key()),
            )
            self.cache.remember_tag(key, etag)
        headers = cache_headers(caller, etag, deps.settings.public_max_age)

        def remember(answer: bytes | None) -> None:
            """Answer the same request from `hot` next time, if this version is current."""
            if hot_key is None or static or request.app.state.version_watch.current() != version:
                return
            ok = None if answer is None else _header_block(headers, answer, (b"x-cache", b"hit"))
            hot = HotAnswer(
                etag.encode("latin-1"),
                request.scope.get(OPERATION_KEY),
                _header_block(headers, None),
                ok,
                answer or b"",
            )
            self.hot.put(hot_key, policy.visibility(caller), version, when, hot)

        async def run() -> tuple[Response, bytes | None]:
            tagged = {**headers, "x-request-id": request_id}
            return await execute(self.schema, deps, caller, operation, request_id, tagged)

        cached = self.cache.get(key) if deps.settings.response_cache else None
        if (offered := received.get(b"if-none-match")) is not None and matches(
            offered.decode("latin-1"), etag
        ):
            remember(cached)
            return _Prepared(b"", 304, _header_block(headers, None, _id_header(request_id)))
        if not deps.settings.response_cache:
            response, cacheable = await run()
            if cacheable is not None:
                remember(None)
            return response
        if cached is None:
            cached = await self.cache.wait_for(key)
        if cached is not None:
            remember(cached)
            block = _header_block(headers, cached, (b"x-cache", b"hit"), _id_header(request_id))
            return _Prepared(cached, 200, block)
        with self.cache.leading(key) as publish:
            response, cacheable = await run()
            if cacheable is not None:
                self.cache.put(key, cacheable)
                publish(cacheable)
                remember(cacheable)
        return response
