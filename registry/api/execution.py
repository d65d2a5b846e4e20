"""Executing one GraphQL operation and writing its answer: errors as data, unexpected
ones masked with the request id that is in the server log."""

from __future__ import annotations

import logging
from typing import Any

import orjson
from graphql import GraphQLError
from starlette.responses import Response
from strawberry import Schema
from strawberry.schema.exceptions import InvalidOperationTypeError

from registry.api.context import Context
from registry.api.http_request import NOT_STORED, Operation, error_response
from registry.api.loaders import Loaders
from registry.domain.errors import RegistryError
from registry.services.caller import Caller
from registry.services.deps import Deps

logger = logging.getLogger("registry.api")


async def execute(
    schema: Schema,
    deps: Deps,
    caller: Caller,
    operation: Operation,
    request_id: str,
    cache_headers: dict[str, str] | None,
) -> tuple[Response, bytes | None]:
    """Run the operation; the body is returned again when it may be cached (a read
    without errors), and only then does the response carry `cache_headers`."""
    context = Context(deps, caller, request_id, Loaders(deps, caller))
    try:
        result = await schema.execute(
            operation.query,
            variable_values=operation.variables,
            context_value=context,
            operation_name=operation.name,
            allowed_operation_types=operation.allowed,
        )
    except InvalidOperationTypeError:
        refusal = error_response(
            405,
            "mutations must be sent with POST (GET is for queries only)",
            "BAD_REQUEST",
            request_id,
            allow="POST",
        )
        return refusal, None
    response: dict[str, Any] = {}
    # Errors with a path come from execution (data is then present, maybe null);
    # errors without one mean the request never executed: a 400 without data.
    executed = result.data is not None or not result.errors or any(e.path for e in result.errors)
    if result.errors:
        response["errors"] = [format_error(e, request_id) for e in result.errors]
    if executed:
        response["data"] = result.data
    status = 200 if executed else 400
    encoded = orjson.dumps(response)
    if cache_headers is not None and status == 200 and not result.errors:
        return Response(encoded, status, cache_headers, media_type="application/json"), encoded
    headers = {"x-request-id": request_id, **NOT_STORED}
    return Response(encoded, status, headers, media_type="application/json"), None


def format_error(error: GraphQLError, request_id: str) -> dict[str, Any]:
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
