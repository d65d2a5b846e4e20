"""The staff console at `/console`: server-rendered pages over the same services as the API.

`create_app` adds `*console_routes()` to its routes.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from registry.web.console import auth, overview


def console_routes() -> list[BaseRoute]:
    return [
        Route("/console", overview.overview, methods=["GET"]),
        Route("/console/sign-in", auth.sign_in, methods=["GET", "POST"]),
        Route("/console/sign-out", auth.sign_out, methods=["POST"]),
    ]
