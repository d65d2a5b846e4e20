"""The `/graphql` endpoint: GraphQL over HTTP, with the refusals a public API needs.

A small starlette endpoint rather than strawberry's view: it authenticates once per
request, refuses batches, oversized and malformed bodies with 4xx, serialises with
orjson and masks unexpected errors with a request id that is in the server log.

Read queries (POST, or GET with `?query=`, never mutations) carry an `ETag` and
`Cache-Control` (`registry.web.conditional`) and are answered from the response cache
when possible; a hit costs no database round trip (the registry version is watched in
the background), a matching `If-None-Match` gets `304` without running anything.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import orjson
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from strawberry import Schema
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from registry import logs
from registry.api import graphiql
from registry.api.context import Context
from registry.api.limits import QueryLimits
from registry.api.loaders import Loaders
from registry.api.response_cache import STATIC_ROOTS, ResponseCache, encode_variables
from registry.domain.errors import RegistryError
from registry.services import audit
from registry.services.access import InvalidApiKey, authenticate
from registry.services.caller import ANONYMOUS, Caller
from registry.services.deps import Deps
from registry.web.conditional import (
    cache_headers,
    entity_tag,
    matches,
    period,
    registry_version,
)
from registry.web.metrics import note_operation

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


def _prepared(
    body: bytes, status: int, caching: dict[str, str], request_id: str, *extra: tuple[bytes, bytes]
) -> Response:
    headers = [(name.encode(), value.encode("latin-1")) for name, value in caching.items()]
    headers.append((b"x-request-id", request_id.encode()))
    if status != 304:
        headers.append((b"content-length", str(len(body)).encode()))
        headers.append((b"content-type", b"application/json"))
    headers.extend(extra)
    return _Prepared(body, status, headers)


class GraphQLEndpoint:
    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.limits = QueryLimits(schema._schema)
        self.cache = ResponseCache()

    async def handle(self, request: Request) -> Response:
        # ASGI header names are lower case: one dict instead of a scan per lookup.
        received: dict[bytes, bytes] = dict(request.scope["headers"])
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
            content_type = (
                received.get(b"content-type", b"").decode("latin-1").split(";")[0].strip().lower()
            )
            if content_type not in ("application/json", "application/graphql-response+json"):
                return _error_response(
                    415, "send the request as application/json", "BAD_REQUEST", request_id
                )
            declared = received.get(b"content-length", b"").decode("latin-1")
            if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
                return _error_response(413, "request body over 1 MB", "BAD_REQUEST", request_id)
            body = b""
            async for chunk in request.stream():
                body += chunk
                if len(body) > MAX_BODY_BYTES:
                    return _error_response(413, "request body over 1 MB", "BAD_REQUEST", request_id)
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
                deps, authorization.decode("latin-1") if authorization is not None else None
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
        version = 0 if roots <= STATIC_ROOTS else await registry_version(request)
        when = period(deps.clock.now())
        encoded_variables = encode_variables(variables)
        key = self.cache.key(query, encoded_variables, operation_name, caller, version, when)
        etag = self.cache.tags.get(key)
        if etag is None:
            etag = entity_tag(version, caller, when, query, encoded_variables, operation_name or "")
            self.cache.remember_tag(key, etag)
        headers = cache_headers(caller, etag, deps.settings.public_max_age)
        if (offered := received.get(b"if-none-match")) is not None and matches(
            offered.decode("latin-1"), etag
        ):
            return _prepared(b"", 304, headers, request_id)
        headers["x-request-id"] = request_id
        if not deps.settings.response_cache:
            response, _ = await self._execute(
                request, query, variables, operation_name, allowed, caller, request_id, headers
            )
            return response
        cached = self.cache.get(key)
        if cached is None:
            cached = await self.cache.wait_for(key)
        if cached is not None:
            del headers["x-request-id"]
            return _prepared(cached, 200, headers, request_id, (b"x-cache", b"hit"))
        with self.cache.leading(key) as publish:
            response, cacheable = await self._execute(
                request, query, variables, operation_name, allowed, caller, request_id, headers
            )
            if cacheable is not None:
                self.cache.put(key, cacheable)
                publish(cacheable)
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
