"""The objections inbox: every customer's objections with their deadlines; resolve with a note."""

from __future__ import annotations

from datetime import UTC, datetime, time

from starlette.responses import RedirectResponse, Response

from registry.domain.errors import RegistryError
from registry.domain.models import Objection, ObjectionResolution
from registry.services import change_queries, changes
from registry.web.console import forms
from registry.web.console.names import customer_names, describe_changes
from registry.web.console.session import Page, staff_page

SHOWN = 100
RESOLUTIONS = [
    (ObjectionResolution.WITHDRAWN.value, "Withdrawn by the customer"),
    (
        ObjectionResolution.CHANGE_CANCELLED_FOR_CUSTOMER.value,
        "Upheld: the customer is excluded from the change (keeps the old arrangement)",
    ),
    (
        ObjectionResolution.CUSTOMER_TERMINATES.value,
        "Upheld: the customer's contract ends on a date",
    ),
    (ObjectionResolution.REJECTED.value, "Rejected, with the reason in the note"),
]
"""The outcomes staff choose from; none is preselected."""


async def _inbox(
    page: Page,
    status: int = 200,
    *,
    failed: str | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    show_all = page.request.query_params.get("show") == "all"
    items: list[Objection]
    if show_all:
        items, total = await change_queries.page_objections(
            page.deps, page.caller, change_id=None, customer_id=None, after=None, limit=SHOWN
        )
    else:
        items, total = await change_queries.open_objections(page.deps, page.caller, limit=SHOWN)
    return page.render(
        "objections.html",
        status,
        items=items,
        total=total,
        show_all=show_all,
        now=page.deps.clock.now(),
        customers=await customer_names(page.deps, page.caller, [o.customer_id for o in items]),
        change_titles=await describe_changes(page.deps, page.caller, [o.change_id for o in items]),
        resolutions=RESOLUTIONS,
        failed=failed,
        errors=errors or {},
        values=page.submitted(),
        done=page.request.query_params.get("done") == "resolved",
    )


@staff_page
async def inbox(page: Page) -> Response:
    """`GET /console/objections[?show=all]`: open ones first by nearest deadline."""
    return await _inbox(page)


@staff_page
async def resolve(page: Page) -> Response:
    """`POST /console/objections/{id}/resolve`: resolution and note, audited."""
    objection_id = page.request.path_params["id"]

    async def call() -> Objection:
        return await changes.resolve_objection(
            page.deps,
            page.caller,
            objection_id,
            forms.choice(ObjectionResolution, page.field("resolution"), "resolution"),
            forms.optional(page.field("note")),
            _contract_end(page.field("contract_ends_on")),
        )

    try:
        await page.act("resolveObjection", call, target=objection_id)
    except RegistryError as exc:
        field = getattr(exc, "field", "")
        if field not in ("note", "contractEndsAt"):
            field = "resolution"
        return await _inbox(page, 400, failed=objection_id, errors={field: exc.message})
    return RedirectResponse("/console/objections?done=resolved", status_code=303)


def _contract_end(value: str) -> datetime | None:
    """The day the contract ends, from its start (UTC)."""
    day = forms.a_date(value, "contractEndsAt")
    return datetime.combine(day, time(), tzinfo=UTC) if day is not None else None
