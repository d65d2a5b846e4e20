"""Who is calling, asked once per request however many layers want to know.

The conditional wrapper (`http/conditional.py`) needs the caller for its entity tag
before the route runs, and the route needs it again: the first asks, the others read
the answer from the request. A key seen at the current registry version costs no
database round trip (`services/access.KnownKeys`).
"""

from __future__ import annotations

from starlette.requests import Request

from registry.services.access import authenticate
from registry.services.caller import Caller
from registry.services.deps import Deps

SCOPE_KEY = "registry.caller"


async def request_caller(request: Request) -> Caller:
    """The caller of `request`; an invalid key raises `InvalidApiKey` every time it is asked."""
    known = request.scope.get(SCOPE_KEY)
    if isinstance(known, Caller):
        return known
    deps: Deps = request.app.state.deps
    caller = await authenticate(
        deps, request.headers.get("authorization"), request.app.state.known_keys
    )
    request.scope[SCOPE_KEY] = caller
    return caller
