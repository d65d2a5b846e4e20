"""`GET /console/customers/{id}/dora-register.zip`: the customer's DORA register templates
for the signed-in person, the same zip an API key downloads from
/customers/{id}/dora-register.zip (services/dora_register.py)."""

from __future__ import annotations

from starlette.responses import Response

from registry.services import dora_register
from registry.web.console.session import Page, staff_page
from registry.web.dora_export import zip_answer


@staff_page
async def register_zip(page: Page) -> Response:
    customer_id = page.request.path_params["id"]
    return zip_answer(await dora_register.extract(page.deps, page.caller, customer_id))
