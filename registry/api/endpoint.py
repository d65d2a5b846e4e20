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

import logging
import os
from typing import Any

import orjson
from graphql import GraphQLError
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry import Schema
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from registry import logs
from registry.api import graphiql
from registry.api.context import Context
from registry.api.hot_answers import HotAnswer, HotAnswers
from registry.api.limits import QueryLimits
from registry.api.loaders import Loaders
from registry.api.response_cache import STATIC_ROOTS, ResponseCache, encode_variables
from registry.domain.errors import RegistryError
from registry.http.conditional import (
    cache_headers,
    entity_tag,
    matches,
    period,
    registry_version,
)
from registry.http.request_metrics import OPERATION_KEY, note_operation
from registry.services import audit, policy
from registry.services.access import InvalidApiKey, KnownKeys, authenticate, bearer_token, hash_key
from registry.services.caller import ANONYMOUS, Caller
from registry.services.deps import Deps

logger = logging.getLogger("registry.api")

MAX_BODY_BYTES = 1_000_000
MAX_QUERY_STRING_BYTES = 16_384
"""A GET's whole query string; longer queries are sent with POST (URLs get truncated)."""
NOT_STORED = {"cache-control": "no-store"}
_GRAPHIQL = graphiql.PAGE


def _error_response(
    status: int, message: str, code: str, request_id: str, *, allow: str = "GET, POST"
) -> Response:
    body = {"errors": [{"message": message, "extensions": {"code": code, "requestId": request_id}}]}
    headers = {"x-request-id": request_id, **NOT_STORED}
    if status == 401:
        headers["www-authenticate"] = "Bearer"
    elif status == 405:
        headers["allow"] = allow
    return Response(orjson.dumps(body), status, headers, media_type="application/json")


def _id_header(request_id: str) -> tuple[bytes, bytes]:
    return (b"x-request-id", request_id.encode())


def _request_id(offered: bytes | None) -> str:
    """The caller's request id when it is a sane token, else a new one."""
    if offered and len(offered) <= 64 and offered.replace(b"-", b"").isalnum():
        return offered.decode("ascii")
    return os.urandom(16).hex()


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


def _json_content(content_type: bytes | None) -> bool:
    if content_type == b"application/json":
        return True
    media_type = (content_type or b"").decode("latin-1").split(";")[0].strip().lower()
    return media_type in ("application/json", "application/graphql-response+json")


class _TooLarge(Exception):
    """The request body is over `MAX_BODY_BYTES`."""


async def _read_body(receive: Receive, received: dict[bytes, bytes]) -> bytes:
    declared = received.get(b"content-length", b"")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _TooLarge
    body = b""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect
        body += message.get("body", b"")
        if len(body) > MAX_BODY_BYTES:
            raise _TooLarge
        if not message.get("more_body", False):
            return body


class GraphQLEndpoint:
    """An ASGI app: `Route("/graphql", endpoint, methods=["GET", "POST"])`."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.limits = QueryLimits(schema._schema)
        self.cache = ResponseCache()
        self.hot = HotAnswers()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # ASGI header names are lower case: one dict instead of a scan per lookup.
        received: dict[bytes, bytes] = dict(scope["headers"])
        method = scope["method"]
        body = b""
        hot_key: bytes | None = None
        if method == "POST":
            try:
                body = await _read_body(receive, received)
            except _TooLarge:
                request_id = _request_id(received.get(b"x-request-id"))
                refusal = _error_response(413, "request body over 1 MB", "BAD_REQUEST", request_id)
                await refusal(scope, receive, send)
                return
            if _json_content(received.get(b"content-type")):
                hot_key = b"P" + body
        elif method == "GET" and scope["query_string"]:
            hot_key = b"G" + scope["query_string"]
        if hot_key is not None and await self._answer_hot(scope, send, received, hot_key):
            return
        response = await self.handle(Request(scope), received, body, hot_key)
        await response(scope, receive, send)

    async def _answer_hot(
        self, scope: Scope, send: Send, received: dict[bytes, bytes], hot_key: bytes
    ) -> bool:
        """Answer a request this process has answered before at this version and quarter
        hour, if it is one; anything unusual is left to `handle`, which knows better."""
        app = scope["app"]
        version = app.state.version_watch.current()
        if version is None:
            return False
        authorization = received.get(b"authorization")
        if authorization is None:
            visibility = policy.visibility(ANONYMOUS)
        else:
            known: KnownKeys = app.state.known_keys
            try:
                key_hash = hash_key(bearer_token(authorization.decode("latin-1")))
            except InvalidApiKey:
                return False
            caller = known.get(key_hash, version)
            if caller is None:
                return False
            visibility = policy.visibility(caller)
        deps: Deps = app.state.deps
        answer = self.hot.get(hot_key, visibility, version, period(deps.clock.now()))
        if answer is None:
            return False
        offered = received.get(b"if-none-match")
        if offered is not None and (
            offered == answer.etag or matches(offered.decode("latin-1"), answer.etag.decode())
        ):
            status, headers, body = 304, answer.not_modified, b""
        elif answer.ok is not None:
            status, headers, body = 200, answer.ok, answer.body
        else:
            return False
        scope[OPERATION_KEY] = answer.operation
        request_id = (b"x-request-id", _request_id(received.get(b"x-request-id")).encode())
        start = {"type": "http.response.start", "status": status, "headers": [*headers, request_id]}
        await send(start)
        await send({"type": "http.response.body", "body": body})
        return True

    async def handle(
        self, request: Request, received: dict[bytes, bytes], body: bytes, hot_key: bytes | None
    ) -> Response:
        request_id = _request_id(received.get(b"x-request-id"))
        logs.request_id.set(request_id)
        if request.method == "GET":
            if "query" not in request.query_params:
                return HTMLResponse(_GRAPHIQL)
            if len(request.scope["query_string"]) > MAX_QUERY_STRING_BYTES:
                return _error_response(
                    414,
                    "query string over 16 KB: send the query with POST",
                    "BAD_REQUEST",
                    request_id,
                )
            payload: Any = dict(request.query_params)
            if isinstance(payload.get("variables"), str):
                try:
                    payload["variables"] = orjson.loads(payload["variables"])
                except orjson.JSONDecodeError:
                    return _error_response(400, "variables is not JSON", "BAD_REQUEST", request_id)
            allowed = {OperationType.QUERY}
        elif request.method == "POST":
            if not _json_content(received.get(b"content-type")):
                return _error_response(
                    415, "send the request as application/json", "BAD_REQUEST", request_id
                )
            try:
                payload = orjson.loads(body)
            except orjson.JSONDecodeError:
                return _error_response(
                    400, "request body is not valid JSON", "BAD_REQUEST", request_id
                )
            allowed = {OperationType.QUERY, OperationType.MUTATION}
        else:
            return _error_response(405, "use GET or POST", "BAD_REQUEST", request_id)

        if isinstance(payload, list):
            return _error_response(
                400, "batched requests are not supported", "BAD_REQUEST", request_id
            )
        if not isinstance(payload, dict):
            return _error_response(400, "expected a JSON object", "BAD_REQUEST", request_id)
        query = payload.get("query")
        variables = payload.get("variables")
        operation_name = payload.get("operationName")
        if not isinstance(query, str) or not query.strip():
            return _error_response(
                400, "`query` must be a non-empty string", "BAD_REQUEST", request_id
            )
        if variables is not None and not isinstance(variables, dict):
            return _error_response(400, "`variables` must be an object", "BAD_REQUEST", request_id)
        if operation_name is not None and not isinstance(operation_name, str):
            return _error_response(
                400, "`operationName` must be a string", "BAD_REQUEST", request_id
            )

        note_operation(request.scope, query, operation_name)
        refused = self.limits.check(query)
        if refused:
            refusal = {"errors": [dict(e.formatted) for e in refused]}
            return Response(
                orjson.dumps(refusal),
                400,
                {"x-request-id": request_id},
                media_type="application/json",
            )

        deps: Deps = request.app.state.deps
        try:
            authorization = received.get(b"authorization")
            caller = await authenticate(
                deps,
                authorization.decode("latin-1") if authorization is not None else None,
                request.app.state.known_keys,
            )
        except InvalidApiKey as exc:
            await audit.record(
                deps,
                ANONYMOUS,
                action="authenticate",
                result="InvalidApiKey",
                request_id=request_id,
            )
            return _error_response(401, str(exc), "UNAUTHENTICATED", request_id)

        roots = self.cache.roots(query, operation_name)
        if roots is None:
            response, _ = await self._execute(
                request, query, variables, operation_name, allowed, caller, request_id, None
            )
            return response
        static = roots <= STATIC_ROOTS
        version = 0 if static else await registry_version(request)
        when = period(deps.clock.now())
        encoded_variables = encode_variables(variables)
        key = self.cache.key(query, encoded_variables, operation_name, caller, version, when)
        etag = self.cache.tags.get(key)
        if etag is None:
            etag = entity_tag(version, caller, when, query, encoded_variables, operation_name or "")
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

        cached = self.cache.get(key) if deps.settings.response_cache else None
        if (offered := received.get(b"if-none-match")) is not None and matches(
            offered.decode("latin-1"), etag
        ):
            remember(cached)
            return _Prepared(b"", 304, _header_block(headers, None, _id_header(request_id)))
        if not deps.settings.response_cache:
            headers["x-request-id"] = request_id
            response, cacheable = await self._execute(
                request, query, variables, operation_name, allowed, caller, request_id, headers
            )
            del headers["x-request-id"]
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
            response, cacheable = await self._execute(
                request,
                query,
                variables,
                operation_name,
                allowed,
                caller,
                request_id,
                {**headers, "x-request-id": request_id},
            )
            if cacheable is not None:
                self.cache.put(key, cacheable)
                publish(cacheable)
                remember(cacheable)
        return response

    async def _execute(
        self,
        request: Request,
        query: str,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        allowed: set[OperationType],
        caller: Caller,
        request_id: str,
        cache_headers: dict[str, str] | None,
    ) -> tuple[Response, bytes | None]:
        """Run the operation; the body is returned again when it may be cached (a read
        without errors), and only then does the response carry `cache_headers`."""
        deps: Deps = request.app.state.deps
        context = Context(deps, caller, request_id, Loaders(deps, caller))
        try:
            result = await self.schema.execute(
                query,
                variable_values=variables,
                context_value=context,
                operation_name=operation_name,
                allowed_operation_types=allowed,
            )
        except InvalidOperationTypeError:
            return _error_response(
                405,
                "mutations must be sent with POST (GET is for queries only)",
                "BAD_REQUEST",
                request_id,
                allow="POST",
            ), None
        response: dict[str, Any] = {}
        # Errors with a path come from execution (data is then present, maybe null);
        # errors without one mean the request never executed: a 400 without data.
        executed = (
            result.data is not None or not result.errors or any(e.path for e in result.errors)
        )
        if result.errors:
            response["errors"] = [self._format_error(e, request_id) for e in result.errors]
        if executed:
            response["data"] = result.data
        status = 200 if executed else 400
        encoded = orjson.dumps(response)
        if cache_headers is not None and status == 200 and not result.errors:
            return Response(encoded, status, cache_headers, media_type="application/json"), encoded
        headers = {"x-request-id": request_id, **NOT_STORED}
        return Response(encoded, status, headers, media_type="application/json"), None

    def _format_error(self, error: GraphQLError, request_id: str) -> dict[str, Any]:
        original = error.original_error
        if original is None or isinstance(original, GraphQLError | RegistryError):
            formatted: dict[str, Any] = dict(error.formatted)
            return formatted
        logger.error(
            "unexpected error in %s (request %s)",
            ".".join(str(p) for p in error.path or ()),
            request_id,
            exc_info=original,
        )
        return {
            "message": "Unexpected error",
            "locations": error.formatted.get("locations"),
            "path": error.path,
            "extensions": {"code": "INTERNAL", "requestId": request_id},
        }
