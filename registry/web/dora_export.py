"""`/customers/{id}/dora-register.zip`: the customer's DORA register templates that concern
us (services/dora_register.py), for staff and for the customer's own key."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from registry.http.callers import request_caller
from registry.services import dora_register
from registry.services.deps import Deps


async def dora_register_zip(request: Request) -> Response:
    deps: Deps = request.app.state.deps
    caller = await request_caller(request)
    return zip_answer(await dora_register.extract(deps, caller, request.path_params["customer_id"]))


def zip_answer(found: dora_register.Extract) -> Response:
    """The register as a download named by its day; private, never stored by a cache."""
    day = found.generated_at.date().isoformat()
    return Response(
        dora_register.package(found),
        media_type="application/zip",
        headers={
            "content-disposition": f'attachment; filename="dora-register-{day}.zip"',
            "cache-control": "private, no-store",
        },
    )
