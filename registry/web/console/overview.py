"""The console's first page: what needs a person's attention now."""

from __future__ import annotations

from starlette.responses import Response

from registry.domain.errors import PermissionDenied
from registry.services import change_preview, change_queries, console_vendors, undelivered
from registry.services import operator as operators
from registry.web.console.names import customer_names, describe_changes, vendor_names
from registry.web.console.session import Page, staff_page

SHOWN = 20


@staff_page
async def overview(page: Page) -> Response:
    """`GET /console`."""
    deps, caller = page.deps, page.caller
    upcoming = await change_preview.upcoming_changes(deps, caller, limit=SHOWN)
    objections, open_count = await change_queries.open_objections(deps, caller, limit=SHOWN)
    transfers = await console_vendors.transfer_problems(deps, caller)
    try:
        failed, failed_count = await undelivered.recent(deps, caller, SHOWN)
        deliveries_visible = True
    except PermissionDenied:
        failed, failed_count, deliveries_visible = [], 0, False
    vendors = await vendor_names(
        deps,
        page.caller,
        [i for u in upcoming for i in (u.change.subprocessor_id, u.change.replaces_id) if i],
    )
    change_ids = [o.change_id for o in objections]
    return page.render(
        "overview.html",
        now=deps.clock.now(),
        upcoming=upcoming,
        vendors=vendors,
        objections=objections,
        open_count=open_count,
        objection_changes=await describe_changes(deps, page.caller, change_ids),
        customers=await customer_names(deps, page.caller, [o.customer_id for o in objections]),
        transfers=transfers[:SHOWN],
        transfer_count=len(transfers),
        failed=failed,
        failed_count=failed_count,
        deliveries_visible=deliveries_visible,
        operator=await operators.identity(deps),
    )
