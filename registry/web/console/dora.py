"""`GET /console/customers/{id}/dora-register.zip`: the customer's DORA register templates
for the signed-in person, the same zip an API key downloads from
/customers/{id}/dora-register.zip (services/dora_register.py)."""

from __future__ import annotations

from starlette.responses import Response

from registry.services import dora_register
from registry.web.console.session import Page, staff_page


@staff_page
async def register_zip(page: Page) -> Response:
    found = await dora_register.extract(page.deps, page.caller, page.request.path_params["id"])
    day = found.generated_at.date().isoformat()
    return Response(
        dora_register.package(found),
        media_type="application/zip",
        headers={
            "content-disposition": f'attachment; filename="dora-register-{day}.zip"',
            "cache-control": "private, no-store",
        },
    )
