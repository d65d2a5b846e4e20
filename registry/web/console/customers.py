"""Customer pages: the list, and one customer's terms, scope, addresses, notices, deliveries."""

from __future__ import annotations

from starlette.responses import Response

from registry.domain.errors import PermissionDenied
from registry.services import change_queries, customers, webhooks
from registry.web.console.names import describe_changes
from registry.web.console.session import Page, staff_page

PAGE_SIZE = 50
SHOWN = 50


@staff_page
async def index(page: Page) -> Response:
    """`GET /console/customers`: name order, fifty a page."""
    params = page.request.query_params
    after = (params["after_name"], params["after_id"]) if params.get("after_id") else None
    items, total = await customers.list_customers(
        page.deps, page.caller, after=after, limit=PAGE_SIZE
    )
    last = items[-1] if len(items) == PAGE_SIZE else None
    return page.render(
        "customers.html",
        items=items,
        total=total,
        next_page=(last.name, last.id) if last else None,
    )


@staff_page
async def detail(page: Page) -> Response:
    """`GET /console/customers/{id}`."""
    deps, caller = page.deps, page.caller
    customer = await customers.get_customer(deps, caller, page.request.path_params["id"])
    notices, notice_count = await change_queries.page_notices(
        deps, caller, change_id=None, customer_id=customer.id, after=None, limit=SHOWN
    )
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
        notice_count=notice_count,
        change_titles=await describe_changes(deps, [n.change_id for n in notices]),
        deliveries=deliveries,
        delivery_count=delivery_count,
        deliveries_visible=deliveries_visible,
    )
