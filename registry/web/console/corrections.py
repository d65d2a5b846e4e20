"""Correcting or removing a vendor's location, DPA or transfer basis, with a reason.

Each record has one page: its form filled with the stored values plus a reason, and
a separate form that removes it (also with a reason). Both post to the services the
GraphQL mutations of the same names call (services/corrections.py); a refusal
re-renders the page with the message beside its field.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.responses import RedirectResponse, Response

from registry.domain.errors import NotFound, RegistryError
from registry.domain.models import DataOrigin, LocationRole, Subprocessor, TransferMechanism
from registry.services import console_vendors, corrections, vendors
from registry.services.corrections import Corrected
from registry.web.console import forms
from registry.web.console.session import Page, errors_of, staff_page
from registry.web.console.vendors import (
    BASIS_CHOICES,
    MODULE_OPTIONS,
    ROLE_OPTIONS,
    incomplete_basis,
)

REMOVE = "remove"


def _typed(page: Page) -> dict[str, Any]:
    """The form as typed, with every ticked module (to re-render it)."""
    return {**page.submitted(), "sccModules": page.fields("sccModules")}


def _day(value: Any) -> str:
    return value.isoformat() if value is not None else ""


async def _page(
    page: Page,
    template: str,
    record: Any,
    fields: set[str],
    correct: tuple[str, Callable[[Page], Awaitable[Corrected]]],
    remove: tuple[str, Callable[[Page], Awaitable[Corrected]]],
    initial: dict[str, Any],
    sub: Subprocessor,
    **values: Any,
) -> Response:
    """GET renders the record's forms; POST corrects it, or removes it when the removal
    form (its own button) was sent."""
    context = {"sub": sub, "record": record, **values}
    if page.form is None:
        return page.render(template, values=initial, errors={}, **context)
    removing = page.field("action") == REMOVE
    if not removing and template == "basis_form.html" and (warning := incomplete_basis(page)):
        return page.render(template, values=_typed(page), errors={}, warning=warning, **context)
    action, call = remove if removing else correct
    try:
        await page.act(action, lambda: call(page), target=record.id)
    except RegistryError as exc:
        errors = dict(errors_of(exc))
        if removing:
            errors = {"removeReason" if k == "reason" else "": v for k, v in errors.items()}
        else:
            errors = {(k if k in fields else ""): v for k, v in errors.items()}
        return page.render(template, 400, values=_typed(page), errors=errors, **context)
    done = "removed" if removing else "corrected"
    return RedirectResponse(f"/console/subprocessors/{sub.id}?done={done}", status_code=303)


async def _facts(page: Page) -> console_vendors.VendorFacts:
    return await console_vendors.vendor_facts(
        page.deps, page.caller, page.request.path_params["id"]
    )


def _find(records: Any, record_id: str, what: str) -> Any:
    for record in records:
        if record.id == record_id:
            return record
    raise NotFound(f"no {what} {record_id!r}")


@staff_page
async def location(page: Page) -> Response:
    """`GET/POST /console/subprocessors/{id}/locations/{record}`."""
    sub = await vendors.get_subprocessor(page.deps, page.caller, page.request.path_params["id"])
    loc = _find((await _facts(page)).locations, page.request.path_params["record"], "location")

    async def correct(p: Page) -> Corrected:
        values = {
            "country": forms.country(p.field("country"), "country"),
            "region": forms.optional(p.field("region")),
            "role": forms.choice(LocationRole, p.field("role"), "role"),
            "note": forms.optional(p.field("note")),
        }
        return await corrections.correct_location(
            p.deps, p.caller, loc.id, values, p.field("reason")
        )

    async def remove(p: Page) -> Corrected:
        return await corrections.remove_location(p.deps, p.caller, loc.id, p.field("removeReason"))

    initial = {
        "country": loc.country,
        "region": loc.region or "",
        "role": loc.role.value,
        "note": loc.note or "",
    }
    return await _page(
        page,
        "location_form.html",
        loc,
        set(initial) | {"reason"},
        ("correctProcessingLocation", correct),
        ("removeProcessingLocation", remove),
        initial,
        sub,
        roles=ROLE_OPTIONS,
    )


@staff_page
async def dpa(page: Page) -> Response:
    """`GET/POST /console/subprocessors/{id}/dpas/{record}`."""
    sub = await vendors.get_subprocessor(page.deps, page.caller, page.request.path_params["id"])
    found = _find((await _facts(page)).dpas, page.request.path_params["record"], "DPA")

    async def correct(p: Page) -> Corrected:
        values = {
            "version": p.field("version"),
            "signed_on": forms.a_date(p.field("signedOn"), "signedOn"),
            "effective_on": forms.a_date(p.field("effectiveOn"), "effectiveOn"),
            "expires_on": forms.a_date(p.field("expiresOn"), "expiresOn"),
            "document_url": forms.optional(p.field("documentUrl")),
            "sha256": forms.optional(p.field("sha256")),
            "scc_modules": forms.modules(p.fields("sccModules"), "sccModules"),
        }
        return await corrections.correct_dpa(p.deps, p.caller, found.id, values, p.field("reason"))

    async def remove(p: Page) -> Corrected:
        return await corrections.remove_dpa(p.deps, p.caller, found.id, p.field("removeReason"))

    initial = {
        "version": found.version,
        "signedOn": _day(found.signed_on),
        "effectiveOn": _day(found.effective_on),
        "expiresOn": _day(found.expires_on),
        "documentUrl": found.document_url or "",
        "sha256": found.sha256 or "",
        "sccModules": [str(m) for m in found.scc_modules],
    }
    return await _page(
        page,
        "dpa_form.html",
        found,
        set(initial) | {"reason"},
        ("correctDpa", correct),
        ("removeDpa", remove),
        initial,
        sub,
        modules=MODULE_OPTIONS,
    )


@staff_page
async def basis(page: Page) -> Response:
    """`GET/POST /console/subprocessors/{id}/transfer-bases/{record}`."""
    sub = await vendors.get_subprocessor(page.deps, page.caller, page.request.path_params["id"])
    found = _find((await _facts(page)).bases, page.request.path_params["record"], "basis")

    async def correct(p: Page) -> Corrected:
        values = {
            "mechanism": forms.choice(TransferMechanism, p.field("mechanism"), "mechanism"),
            "destination": forms.country(p.field("destination"), "destination"),
            "origin": forms.choice(DataOrigin, p.field("origin") or "EEA", "origin"),
            "valid_from": forms.a_date(p.field("validFrom"), "validFrom"),
            "valid_until": forms.a_date(p.field("validUntil"), "validUntil"),
            "scc_module": forms.number(p.field("sccModule"), "sccModule"),
            "reference": forms.optional(p.field("reference")),
        }
        return await corrections.correct_transfer_basis(
            p.deps, p.caller, found.id, values, p.field("reason")
        )

    async def remove(p: Page) -> Corrected:
        return await corrections.remove_transfer_basis(
            p.deps, p.caller, found.id, p.field("removeReason")
        )

    initial = {
        "mechanism": found.mechanism.value,
        "destination": found.destination,
        "origin": found.origin.value,
        "validFrom": _day(found.valid_from),
        "validUntil": _day(found.valid_until),
        "sccModule": str(found.scc_module or ""),
        "reference": found.reference or "",
    }
    return await _page(
        page,
        "basis_form.html",
        found,
        set(initial) | {"reason"},
        ("correctTransferBasis", correct),
        ("removeTransferBasis", remove),
        initial,
        sub,
        **BASIS_CHOICES,
    )
