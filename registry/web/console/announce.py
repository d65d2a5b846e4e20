"""Announcing a change: the form, its preview of every affected customer, the change page.

"Preview" asks `preview_change` what `announce_change` would do and writes nothing;
"Announce change" calls `announce_change` itself, with an idempotency key minted with
the form so a double submit announces once.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from starlette.responses import RedirectResponse, Response

from registry.domain.drafts import ChangeAnnouncement, ProcessingLocationDraft
from registry.domain.errors import NoticeWindowViolation, RegistryError
from registry.domain.models import Change, ChangeKind, LocationRole, SubprocessorStatus
from registry.services import (
    change_preview,
    change_queries,
    changes,
    console_vendors,
    customers,
    evidence,
)
from registry.web import exports
from registry.web.console import forms
from registry.web.console.names import customer_names, describe_changes, vendor_names
from registry.web.console.render import when
from registry.web.console.session import Page, errors_of, staff_page
from registry.web.console.vendors import ROLE_OPTIONS

KIND_OPTIONS = [
    ("ADD", "Add a new subprocessor"),
    ("REPLACE", "Replace a subprocessor"),
    ("REMOVE", "Remove a subprocessor"),
    ("UPDATE", "Material update (new location or purpose)"),
]
SHOWN = 50
OPEN_STATUSES = (SubprocessorStatus.PROPOSED, SubprocessorStatus.ACTIVE)


async def _vendor_options(page: Page) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The vendors a change may name, and those a REPLACE may retire (the ACTIVE ones)."""
    lines = await console_vendors.vendor_lines(page.deps, page.caller)
    open_ = [s for s in lines if s.status in OPEN_STATUSES]
    every = [(s.id, f"{s.legal_name} ({s.status.value.lower()})") for s in open_]
    active = [(s.id, s.legal_name) for s in open_ if s.status is SubprocessorStatus.ACTIVE]
    return [("", "Choose a subprocessor"), *every], [("", "None"), *active]


def _announcement(page: Page) -> ChangeAnnouncement:
    """The form as one announcement: what the preview shows and the button announces."""
    return ChangeAnnouncement(
        kind=forms.choice(ChangeKind, page.field("kind"), "kind"),
        subprocessor_id=page.field("subprocessorId"),
        replaces_id=forms.optional(page.field("replacesId")),
        effective_at=forms.instant(page.field("effectiveAt"), "effectiveAt"),
        emergency=forms.checked(page.field("emergency")),
        description=forms.optional(page.field("description")),
        emergency_reason=forms.optional(page.field("emergencyReason")),
        idempotency_key=page.field("idempotencyKey") or None,
        locations=_new_location(page),
    )


def _new_location(page: Page) -> tuple[ProcessingLocationDraft, ...] | None:
    """An UPDATE's new country (the vendor opens processing there), when one is chosen."""
    country = forms.optional_country(page.field("newCountry"), "newCountry")
    if country is None:
        return None
    role = forms.choice(LocationRole, page.field("newRole") or "PROCESSING", "newRole")
    return (ProcessingLocationDraft(country, role=role),)


def _errors(exc: RegistryError) -> Mapping[str, str]:
    """A refusal by field; one of the new location's is shown at the country picker."""
    return {
        ("newCountry" if key.startswith("locations") else key): message
        for key, message in errors_of(exc).items()
    }


@staff_page
async def announce(page: Page) -> Response:
    """`GET/POST /console/announce`: POST `intent=preview` or `intent=announce`."""
    vendors, replaceable = await _vendor_options(page)
    params = page.request.query_params
    values = page.submitted() or {
        # Prefilled from a link (a vendor's page, the legal watch's report).
        "kind": params["kind"] if params.get("kind") in ChangeKind.__members__ else "ADD",
        "subprocessorId": params.get("subprocessor", ""),
        "description": params.get("description", "")[:1000],
    }
    values.setdefault("idempotencyKey", secrets.token_urlsafe(16))
    values.setdefault("newRole", LocationRole.PROCESSING.value)
    context: dict[str, Any] = {
        "vendors": vendors,
        "replaceable": replaceable,
        "kinds": KIND_OPTIONS,
        "roles": ROLE_OPTIONS,
    }
    if page.form is None:
        return page.render("announce.html", values=values, errors={}, preview=None, **context)
    preview = None
    try:
        announcement = _announcement(page)
        preview = await change_preview.preview_change(page.deps, page.caller, announcement)
    except RegistryError as exc:
        return page.render(
            "announce.html", 400, values=values, errors=_errors(exc), preview=None, **context
        )
    if page.field("intent") != "announce":
        return page.render("announce.html", values=values, errors={}, preview=preview, **context)

    async def call() -> Change:
        return await changes.announce_change(page.deps, page.caller, announcement)

    try:
        change = await page.act("announceChange", call)
    except NoticeWindowViolation as exc:
        names = await customer_names(page.deps, page.caller, exc.customer_ids[:10])
        errors = {
            "effectiveAt": f"Too early: the notice windows of {len(preview.violated)} group(s) of "
            f"customers (e.g. {', '.join(names.values()) or 'see below'}) end later. "
            f"The earliest allowed date is {when(exc.earliest_allowed)}."
        }
        return page.render(
            "announce.html", 400, values=values, errors=errors, preview=preview, **context
        )
    except RegistryError as exc:
        return page.render(
            "announce.html", 400, values=values, errors=_errors(exc), preview=preview, **context
        )
    return RedirectResponse(f"/console/changes/{change.id}?done=announced", status_code=303)


@staff_page
async def change_page(page: Page) -> Response:
    """`GET /console/changes/{id}`: the change, each customer's notice, its objections."""
    return await _change_page(page)


async def _change_page(
    page: Page,
    status: int = 200,
    *,
    confirming: bool = False,
    reason: str = "",
    error: str | None = None,
) -> Response:
    deps, caller = page.deps, page.caller
    change = await changes.get_change(deps, caller, page.request.path_params["id"])
    notice_count = await change_preview.notices_written(deps, caller, change)
    objections, objection_count = await change_queries.page_objections(
        deps, caller, change_id=change.id, customer_id=None, after=None, limit=SHOWN
    )
    # Each customer's own timeline: its date, deliveries, views, acknowledgement, objection.
    held, _ = await change_queries.page_notices(
        deps, caller, change_id=change.id, customer_id=None, after=None, limit=SHOWN
    )
    proof = await evidence.for_notices(deps, held)
    named = [o.customer_id for o in objections] + [n.customer_id for n in held]
    zones = {
        c.id: c.terms.time_zone
        for c in await customers.get_customers(deps, caller, [n.customer_id for n in held])
        if c is not None
    }
    return page.render(
        "change.html",
        status,
        change=change,
        title=(await describe_changes(deps, caller, [change.id])).get(change.id, change.id),
        vendors=await vendor_names(
            deps, page.caller, [change.subprocessor_id, change.replaces_id or ""]
        ),
        notice_count=notice_count,
        notices=held,
        proof=proof,
        rights=await change_queries.objection_rights(deps, caller, held, proof),
        zones=zones,
        objections=objections,
        objection_count=objection_count,
        customers=await customer_names(deps, page.caller, named),
        done=page.request.query_params.get("done"),
        confirming=confirming,
        reason=reason,
        error=error,
    )


@staff_page
async def proof_of_notice(page: Page) -> Response:
    """`GET /console/changes/{id}/notices.csv|json`: the proof of notice for the signed-in
    person, the same document an API key downloads from /changes/{id}/notices.csv."""
    params = page.request.path_params
    return await exports.proof_of_notice_answer(page.deps, page.caller, params["id"], params["fmt"])


@staff_page
async def cancel_confirm(page: Page) -> Response:
    """`GET /console/changes/{id}/cancel`: the confirmation step before cancelling."""
    return await _change_page(page, confirming=True)


@staff_page
async def cancel(page: Page) -> Response:
    """`POST /console/changes/{id}/cancel`: cancel with a reason (only while ANNOUNCED:
    once in force for anyone, restoring a vendor is a new change under notice)."""
    change_id = page.request.path_params["id"]
    reason = page.field("reason")

    async def call() -> Change:
        return await changes.cancel_change(page.deps, page.caller, change_id, reason)

    try:
        await page.act("cancelChange", call, target=change_id)
    except RegistryError as exc:
        return await _change_page(page, 400, confirming=True, reason=reason, error=exc.message)
    return RedirectResponse(f"/console/changes/{change_id}?done=cancelled", status_code=303)
