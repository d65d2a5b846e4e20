"""A GraphQL request read off HTTP: the body within its limit, the JSON, its fields.

Everything here refuses with a 4xx naming what is wrong, before any work is done; what
it accepts is an `Operation` for the endpoint to authenticate, cache and execute.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive
from strawberry.types.graphql import OperationType

from registry.api import graphiql
from registry.http.bounded import digest

MAX_BODY_BYTES = 1_000_000
MAX_QUERY_STRING_BYTES = 16_384
"""A GET's whole query string; longer queries are sent with POST (URLs get truncated)."""
MAX_QUERY_BYTES = 32_768
"""The query text, comments and white space included (the token limit does not count
them): checked before the text is parsed, cached or digested."""
MAX_VARIABLES_BYTES = 262_144
"""The variables as canonical JSON."""
NOT_STORED = {"cache-control": "no-store"}
_GRAPHIQL = graphiql.PAGE


@dataclass(frozen=True, slots=True)
class Operation:
    query: str
    variables: dict[str, Any] | None
    name: str | None
    allowed: set[OperationType]  # GET runs queries only
    digest: bytes
    """A fixed-size key for the query text and operation name: caches key on it, never
    on the text."""
    encoded_variables: bytes
    """The variables in one canonical form (`encode_variables`)."""


class TooLarge(Exception):
    """The request body is over `MAX_BODY_BYTES`."""


def error_response(
    status: int, message: str, code: str, request_id: str, *, allow: str = "GET, POST"
) -> Response:
    body = {"errors": [{"message": message, "extensions": {"code": code, "requestId": request_id}}]}
    headers = {"x-request-id": request_id, **NOT_STORED}
    if status == 401:
        headers["www-authenticate"] = "Bearer"
    elif status == 405:
        headers["allow"] = allow
    return Response(orjson.dumps(body), status, headers, media_type="application/json")


def request_id_of(offered: bytes | None) -> str:
    """The caller's request id when it is a sane token, else a new one."""
    if offered and len(offered) <= 64 and offered.replace(b"-", b"").isalnum():
        return offered.decode("ascii")
    return f"{_request_ids.getrandbits(128):032x}"


_request_ids = random.Random(os.urandom(32))  # noqa: S311 - an id to find log lines by, not a secret
"""Seeded once: a system call per request showed in the cost of a cached answer."""


def json_content(content_type: bytes | None) -> bool:
    if content_type == b"application/json":
        return True
    media_type = (content_type or b"").decode("latin-1").split(";")[0].strip().lower()
    return media_type in ("application/json", "application/graphql-response+json")


async def read_body(receive: Receive, received: dict[bytes, bytes]) -> bytes:
    declared = received.get(b"content-length", b"")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise TooLarge
    body = b""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect
        body += message.get("body", b"")
        if len(body) > MAX_BODY_BYTES:
            raise TooLarge
        if not message.get("more_body", False):
            return body


def parse(
    request: Request, received: dict[bytes, bytes], body: bytes, request_id: str
) -> Operation | Response:
    """The operation asked for, or the response that refuses it (GraphiQL for a GET
    without a query)."""
    if request.method == "GET":
        if "query" not in request.query_params:
            return HTMLResponse(_GRAPHIQL)
        if len(request.scope["query_string"]) > MAX_QUERY_STRING_BYTES:
            return error_response(
                414, "query string over 16 KB: send the query with POST", "BAD_REQUEST", request_id
            )
        payload: Any = dict(request.query_params)
        if isinstance(payload.get("variables"), str):
            try:
                payload["variables"] = orjson.loads(payload["variables"])
            except orjson.JSONDecodeError:
                return error_response(400, "variables is not JSON", "BAD_REQUEST", request_id)
        allowed = {OperationType.QUERY}
    elif request.method == "POST":
        if not json_content(received.get(b"content-type")):
            return error_response(
                415, "send the request as application/json", "BAD_REQUEST", request_id
            )
        try:
            payload = orjson.loads(body)
        except orjson.JSONDecodeError:
            return error_response(400, "request body is not valid JSON", "BAD_REQUEST", request_id)
        allowed = {OperationType.QUERY, OperationType.MUTATION}
    else:
        return error_response(405, "use GET or POST", "BAD_REQUEST", request_id)
    return _fields(payload, allowed, request_id)


def _fields(payload: Any, allowed: set[OperationType], request_id: str) -> Operation | Response:
    if isinstance(payload, list):
        return error_response(400, "batched requests are not supported", "BAD_REQUEST", request_id)
    if not isinstance(payload, dict):
        return error_response(400, "expected a JSON object", "BAD_REQUEST", request_id)
    query, variables, name = (payload.get(k) for k in ("query", "variables", "operationName"))
    if not isinstance(query, str) or not query.strip():
        return error_response(400, "`query` must be a non-empty string", "BAD_REQUEST", request_id)
    if variables is not None and not isinstance(variables, dict):
        return error_response(400, "`variables` must be an object", "BAD_REQUEST", request_id)
    if name is not None and not isinstance(name, str):
        return error_response(400, "`operationName` must be a string", "BAD_REQUEST", request_id)
    if len(query) > MAX_QUERY_BYTES or len(query.encode("utf-8", "replace")) > MAX_QUERY_BYTES:
        return error_response(413, "query text over 32 KB", "BAD_REQUEST", request_id)
    if name is not None and len(name) > 256:
        return error_response(413, "`operationName` over 256 characters", "BAD_REQUEST", request_id)
    encoded = encode_variables(variables)
    if len(encoded) > MAX_VARIABLES_BYTES:
        return error_response(413, "variables over 256 KB", "BAD_REQUEST", request_id)
    return Operation(query, variables, name, allowed, digest(query, name), encoded)


def encode_variables(variables: dict[str, Any] | None) -> bytes:
    """Variables in one canonical form: equal variables, equal bytes."""
    return orjson.dumps(variables, option=orjson.OPT_SORT_KEYS) if variables else b""
