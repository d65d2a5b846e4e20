"""Customer pages: the list, and one customer's terms, scope, note, addresses, notices,
deliveries; staff edit the note there (the service `updateCustomer` calls)."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.responses import RedirectResponse, Response

from registry.domain import languages
from registry.domain.drafts import CustomerEdit
from registry.domain.errors import PermissionDenied, RegistryError
from registry.domain.models import Customer
from registry.services import (
    change_queries,
    console_customers,
    customers,
    dora_register,
    evidence,
    policy,
    webhooks,
)
from registry.web.console import forms
from registry.web.console.names import describe_changes
from registry.web.console.session import Page, errors_of, staff_page

PAGE_SIZE = 50
SHOWN = 50
DONE = {"note": "Note saved.", "language": "Language saved: later notices are written in it."}


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
    return await _customer_page(page)


@staff_page
async def edit_note(page: Page) -> Response:
    """`POST /console/customers/{id}/note`: a blank note removes it; audited as
    `updateCustomer`. A refusal re-renders the page with the message beside the field."""
    return await _edit(page, CustomerEdit(note=forms.optional(page.field("note"))), "note")


@staff_page
async def edit_language(page: Page) -> Response:
    """`POST /console/customers/{id}/language`: the language of its notices (a BCP 47
    tag of a supported language); audited as `updateCustomer`."""
    return await _edit(page, CustomerEdit(language=page.field("language")), "language")


async def _edit(page: Page, edit: CustomerEdit, done: str) -> Response:
    """Apply one edit of the customer, audited as `updateCustomer`; a refusal re-renders
    the page with the message beside the field, success returns to it saying `done`."""
    customer_id = page.request.path_params["id"]

    async def call() -> Customer:
        return await customers.update_customer(page.deps, page.caller, customer_id, edit)

    try:
        await page.act("updateCustomer", call, target=customer_id)
    except RegistryError as exc:
        status = 403 if isinstance(exc, PermissionDenied) else 400
        return await _customer_page(page, status, errors=errors_of(exc))
    return RedirectResponse(f"/console/customers/{customer_id}?done={done}", status_code=303)


def language_options(current: str) -> list[tuple[str, str]]:
    """The supported languages, and the customer's own tag when it names a region."""
    shown = [(code, f"{languages.NAMES[code]} ({code})") for code in languages.SUPPORTED]
    if current not in languages.SUPPORTED:
        shown.insert(0, (current, f"{languages.NAMES[languages.base(current)]} ({current})"))
    return shown


async def _customer_page(
    page: Page, status: int = 200, *, errors: Mapping[str, str] | None = None
) -> Response:
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
    proof = await evidence.for_notices(deps, notices)
    return page.render(
        "customer.html",
        status,
        customer=customer,
        zone=customer.terms.time_zone,
        notices=notices,
        proof=proof,
        rights=await change_queries.objection_rights(deps, caller, notices, proof),
        changes_back=SHOWN,
        change_titles=await describe_changes(deps, page.caller, [n.change_id for n in notices]),
        deliveries=deliveries,
        delivery_count=delivery_count,
        deliveries_visible=deliveries_visible,
        values=(
            page.submitted()
            if page.form is not None
            else {"note": customer.note or "", "language": customer.terms.language}
        ),
        language_options=language_options(customer.terms.language),
        language_name=languages.NAMES[languages.base(customer.terms.language)],
        may_edit=policy.may_edit_customers(caller),
        errors=errors or {},
        done=DONE.get(page.request.query_params.get("done", "")),
        register=await dora_register.details_of(deps, caller, customer.id),
    )
