"""Customer pages: the list, and one customer's terms, scope, addresses, notices, deliveries."""

from __future__ import annotations

from starlette.responses import Response

from registry.domain.errors import PermissionDenied
from registry.services import change_queries, console_customers, customers, evidence, webhooks
from registry.web.console.names import describe_changes
from registry.web.console.session import Page, staff_page

PAGE_SIZE = 50
SHOWN = 50


@staff_page
async def index(page: Page) -> Response:
    """`GET /console/customers[?after_name=&after_id=]`: by name, fifty a page."""
    params = page.request.query_params
    after = (params["after_name"], params["after_id"]) if params.get("after_id") else None
    shown = await console_customers.customers_by_name(
        page.deps, page.caller, after=after, limit=PAGE_SIZE
    )
    return page.render("customers.html", page_of=shown)


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
