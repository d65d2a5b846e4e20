"""How the web routes answer failures: one table, registered as Starlette exception handlers.

Routes contain the happy path and raise: the registry's own errors (domain/errors.py)
from services and from their own parsing, and foreign ones (a database outage) that the
table below maps. Each becomes the response its route's format wants: an HTML page for
people (in the staff console's layout under `/console`), `{"error": ...}` JSON for the
exports, plain text for feeds and `/metrics`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping

from pymongo.errors import PyMongoError
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from registry.domain.errors import NotFound, PermissionDenied, RegistryError, Unauthenticated
from registry.web.console.render import refusal as console_refusal
from registry.web.pages import WebError, error_page

logger = logging.getLogger("registry.web")

# The registry's errors, most specific first: (class, HTTP status, page title).
STATUSES: tuple[tuple[type[RegistryError], int, str], ...] = (
    (Unauthenticated, 401, "Invalid API key"),
    (PermissionDenied, 403, "Not allowed"),
    (NotFound, 404, "Not found"),
    (RegistryError, 400, "Bad request"),
)
# Foreign errors a route may meet, mapped once: (class, HTTP status, title, message shown).
FOREIGN: tuple[tuple[type[Exception], int, str, str], ...] = (
    (
        PyMongoError,
        503,
        "Temporarily unavailable",
        "The registry's database cannot be reached; try again in a minute.",
    ),
)
_TEXT_SUFFIXES = (".atom", ".ics")
_JSON_SUFFIXES = (".json", ".csv", ".jsonl")

Handler = Callable[[Request, Exception], Awaitable[Response]]


def _respond(request: Request, status: int, title: str, message: str) -> Response:
    path = request.url.path
    if path == "/console" or path.startswith("/console/"):
        return console_refusal(status, title, message)  # the staff console's own layout
    headers = {"www-authenticate": "Bearer"} if status == 401 else {}
    if path.endswith(_JSON_SUFFIXES) or path.startswith("/graphql"):
        return JSONResponse({"error": message}, status_code=status, headers=headers)
    if path.endswith(_TEXT_SUFFIXES) or path == "/metrics":
        return PlainTextResponse(message + "\n", status, headers)
    return error_page(WebError(status, title, message))


async def registry_error(request: Request, exc: Exception) -> Response:
    for cls, status, title in STATUSES:
        if isinstance(exc, cls):
            return _respond(request, status, title, exc.message)
    raise exc  # not reached: RegistryError is the last row


async def web_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, WebError):
        raise exc
    return _respond(request, exc.status, exc.title, exc.message)


def _foreign(status: int, title: str, message: str) -> Handler:
    async def handle(request: Request, exc: Exception) -> Response:
        logger.warning("%s on %s: %s", type(exc).__name__, request.url.path, exc)
        return _respond(request, status, title, message)

    return handle


def exception_handlers() -> Mapping[type[Exception], Handler]:
    """For `Starlette(exception_handlers=...)`."""
    handlers: dict[type[Exception], Handler] = {
        RegistryError: registry_error,
        WebError: web_error,
    }
    for cls, status, title, message in FOREIGN:
        handlers[cls] = _foreign(status, title, message)
    return handlers
