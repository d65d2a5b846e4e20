"""Customer pages: the list, and one customer's terms, scope, addresses, notices, deliveries."""

from __future__ import annotations

from starlette.responses import Response

from registry.domain.errors import PermissionDenied
from registry.services import change_queries, customers, evidence, webhooks
from registry.web.console.names import describe_changes
from registry.web.console.session import Page, staff_page

PAGE_SIZE = 50
SHOWN = 50


@staff_page
async def index(page: Page) -> Response:
    """`GET /console/customers[?from=N]`: in the order they joined, fifty a page."""
    raw = page.request.query_params.get("from", "0")
    offset = int(raw) if raw.isdigit() else 0
    items, total = await customers.roster_page(
        page.deps, page.caller, offset=offset, limit=PAGE_SIZE
    )
    return page.render(
        "customers.html",
        items=items,
        total=total,
        offset=offset,
        next_from=offset + PAGE_SIZE if offset + PAGE_SIZE < total else None,
        previous_from=max(0, offset - PAGE_SIZE) if offset else None,
    )


@staff_page
async def detail(page: Page) -> Response:
    """`GET /console/customers/{id}`."""
    deps, caller = page.deps, page.caller
    customer = await customers.get_customer(deps, caller, page.request.path_params["id"])
    notices = await change_queries.customer_notices(deps, caller, customer.id, changes_back=SHOWN)
    try:
        deliveries, delivery_count = await webhooks.list_deliveries(
            deps,
            caller,
            subscription_id=None,
            statuses=(),
            after=None,
            limit=SHOWN,
            customer_id=customer.id,
        )
        deliveries_visible = True
    except PermissionDenied:
        deliveries, delivery_count, deliveries_visible = [], 0, False
    return page.render(
        "customer.html",
        customer=customer,
        zone=customer.terms.time_zone,
        notices=notices,
        proof=await evidence.for_notices(deps, notices),
        changes_back=SHOWN,
        change_titles=await describe_changes(deps, page.caller, [n.change_id for n in notices]),
        deliveries=deliveries,
        delivery_count=delivery_count,
        deliveries_visible=deliveries_visible,
    )
