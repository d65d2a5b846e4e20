"""Subprocessor pages: search, detail, and the forms that record a vendor's facts.

Each form posts to the service the GraphQL mutation of the same name calls; a refusal
re-renders the form with the message beside its field and the typed values kept.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.responses import RedirectResponse, Response

from registry.domain import chain, scc_modules
from registry.domain.chain_fields import CHAIN_FIELDS
from registry.domain.drafts import (
    DpaDraft,
    ProcessingLocationDraft,
    SubprocessorDetails,
    SubprocessorEdit,
    TransferBasisDraft,
)
from registry.domain.errors import RegistryError, ValidationError
from registry.domain.fields import Shown, shown_in
from registry.domain.models import (
    DataOrigin,
    LocationRole,
    Scope,
    Subprocessor,
    SubprocessorStatus,
    TransferMechanism,
)
from registry.domain.transfers import evaluate_transfer
from registry.domain.vendor_fields import VENDOR_FIELDS
from registry.services import (
    catalogs,
    chains,
    change_queries,
    console_vendors,
    corrections,
    vendors,
)
from registry.web.console import declared, forms
from registry.web.console.names import vendor_names
from registry.web.console.session import Page, errors_of, staff_page
from registry.web.pages import MECHANISM_LABELS

PAGE_SIZE = 50
ALL_STATUSES = tuple(SubprocessorStatus)
DONE = {
    "created": "Subprocessor created. It stays PROPOSED until an ADD change takes effect.",
    "updated": "Changes saved.",
    "location": "Processing location added.",
    "dpa": "DPA recorded.",
    "basis": "Transfer basis recorded.",
    "tia": "Transfer impact assessment recorded; the verdicts below cite it.",
    "corrected": "Correction saved; it is listed under Corrections with its reason.",
    "removed": "Record removed; it is listed under Corrections with its reason.",
}
ROLE_OPTIONS = [(r.value, r.value.replace("_", " ").capitalize()) for r in LocationRole]
MECHANISM_OPTIONS = [(m.value, MECHANISM_LABELS[m]) for m in TransferMechanism]
ORIGIN_OPTIONS = [(o.value, o.value) for o in DataOrigin]
MODULE_OPTIONS = [(str(n), name) for n, name in scc_modules.MODULES.items()]
BASIS_CHOICES: dict[str, Any] = {
    "mechanisms": MECHANISM_OPTIONS,
    "origins": ORIGIN_OPTIONS,
    "scc_modules": [("", "None chosen"), *MODULE_OPTIONS],
    "with_modules": {m.value for m in scc_modules.with_modules()},
}
"""What the transfer basis form offers (also for its correction page)."""


@staff_page
async def index(page: Page) -> Response:
    """`GET /console/subprocessors?search=&status=&country=`: every status, name order."""
    params = page.request.query_params
    search = params.get("search", "").strip()
    status = params.get("status", "")
    typed = params.get("country", "").strip()
    statuses = (
        (SubprocessorStatus(status),) if status in SubprocessorStatus.__members__ else ALL_STATUSES
    )
    after = (params["after_name"], params["after_id"]) if params.get("after_id") else None
    error, country = None, None
    try:
        country = forms.optional_country(typed, "country")
        lines, total = await console_vendors.page_vendors(
            page.deps,
            page.caller,
            statuses=statuses,
            country=country or None,
            search=search or None,
            after=after,
            limit=PAGE_SIZE,
        )
    except RegistryError as exc:
        lines, total, error = [], 0, exc.message
    last = lines[-1] if len(lines) == PAGE_SIZE else None
    return page.render(
        "vendors.html",
        subs=lines,
        total=total,
        search=search,
        chosen_status=status,
        country=country or typed,
        error=error,
        next_page=last.sort_key if last else None,
        statuses=[s.value for s in SubprocessorStatus],
    )


@staff_page
async def detail(page: Page) -> Response:
    """`GET /console/subprocessors/{id}`: facts, locations and their verdicts, history."""
    deps = page.deps
    sub = await vendors.get_subprocessor(deps, page.caller, page.request.path_params["id"])
    on = deps.clock.now().date()
    facts = await console_vendors.vendor_facts(deps, page.caller, sub.id)
    locations, bases, agreements = facts.locations, facts.bases, facts.dpas
    assessments = facts.assessments
    history = (await change_queries.changes_of_subprocessors(deps, page.caller, [sub.id])).get(
        sub.id, []
    )
    verdicts = [
        (
            loc,
            {
                origin: evaluate_transfer(
                    origin,
                    loc.country,
                    on,
                    bases,
                    dpas=agreements,
                    tias=assessments,
                    recipient_in_scope=loc.recipient_in_scope,
                )
                for origin in DataOrigin
            },
        )
        for loc in locations
    ]
    return page.render(
        "vendor.html",
        sub=sub,
        **declared.form_context(VENDOR_FIELDS),
        verdicts=verdicts,
        origins=list(DataOrigin),
        bases=bases,
        agreements=agreements,
        assessments=sorted(assessments, key=lambda a: a.assessed_on, reverse=True),
        history=history,
        corrections=await corrections.history_of(deps, sub.id),
        names=await vendor_names(
            deps, page.caller, [i for c in history for i in (c.subprocessor_id, c.replaces_id) if i]
        ),
        on=on,
        done=DONE.get(page.request.query_params.get("done", "")),
        chain=chain.ordered(await chains.drafts_of(deps, sub.id), sub.id),
        chain_fields=shown_in(CHAIN_FIELDS, Shown.CONSOLE),
        now=deps.clock.now(),
    )


def _vendor_values(sub: Subprocessor) -> dict[str, Any]:
    return {
        **declared.values_of(VENDOR_FIELDS, sub),
        "scopeProducts": list(sub.scope.products),
        "scopeRegions": list(sub.scope.hosting_regions),
    }


async def _catalogs(page: Page) -> dict[str, Any]:
    """The products and hosting regions a vendor's scope may name (empty: all)."""
    return {
        "products": await catalogs.list_products(page.deps, page.caller),
        "regions": await catalogs.list_hosting_regions(page.deps, page.caller),
    }


def _scope_asked(page: Page) -> Scope:
    return Scope(
        products=_chosen(page, "scopeProducts", "scope.products", "product"),
        hosting_regions=_chosen(page, "scopeRegions", "scope.hostingRegions", "hosting region"),
    )


def _chosen(page: Page, name: str, field: str, what: str) -> tuple[str, ...]:
    """The ticked entries when "only these" was chosen; none (all) when "all" was."""
    if page.field(f"{name}Only") == "all":
        return ()
    ticked = tuple(page.fields(name))
    if page.field(f"{name}Only") == "only" and not ticked:
        raise ValidationError(field, f"tick at least one {what}, or choose all {what}s")
    return ticked


def _with_scope(page: Page) -> dict[str, Any]:
    """The typed values plus the ticked scope boxes, to re-render after a refusal."""
    return {
        **page.submitted(),
        "scopeProducts": page.fields("scopeProducts"),
        "scopeRegions": page.fields("scopeRegions"),
        "sccModules": page.fields("sccModules"),
    }


async def _form(
    page: Page,
    template: str,
    action: str,
    call: Callable[[Page], Awaitable[Subprocessor]],
    done: str,
    initial: dict[str, Any] | None = None,
    **values: Any,
) -> Response:
    """GET renders the empty (or current) form; POST runs the call or re-renders it."""
    values.update(declared.form_context(VENDOR_FIELDS))
    if page.form is None:
        return page.render(template, values=initial or {}, errors={}, **values)
    target = page.request.path_params.get("id")
    try:
        sub = await page.act(action, lambda: call(page), target=target)
    except RegistryError as exc:
        return page.render(template, 400, values=_with_scope(page), errors=errors_of(exc), **values)
    return RedirectResponse(f"/console/subprocessors/{sub.id}?done={done}", status_code=303)


@staff_page
async def create(page: Page) -> Response:
    """`GET/POST /console/subprocessors/new`."""

    async def call(p: Page) -> Subprocessor:
        return await vendors.create_subprocessor(
            p.deps,
            p.caller,
            SubprocessorDetails(declared.posted(p, VENDOR_FIELDS), scope=_scope_asked(p)),
        )

    return await _form(
        page,
        "vendor_form.html",
        "createSubprocessor",
        call,
        "created",
        heading="New subprocessor",
        **await _catalogs(page),
    )


@staff_page
async def edit(page: Page) -> Response:
    """`GET/POST /console/subprocessors/{id}/edit`: the same fields, saved as given."""
    sub = await vendors.get_subprocessor(page.deps, page.caller, page.request.path_params["id"])

    async def call(p: Page) -> Subprocessor:
        asked = _scope_asked(p)
        # Only a changed scope is sent: an equal one is no change, under notice or not.
        unchanged = set(asked.products) == set(sub.scope.products) and set(
            asked.hosting_regions
        ) == set(sub.scope.hosting_regions)
        return await vendors.update_subprocessor(
            p.deps,
            p.caller,
            sub.id,
            SubprocessorEdit(
                declared.posted(p, VENDOR_FIELDS),
                scope=None if unchanged else asked,
                reason=forms.optional(p.field("reason")),
            ),
        )

    return await _form(
        page,
        "vendor_form.html",
        "updateSubprocessor",
        call,
        "updated",
        initial=_vendor_values(sub),
        heading=f"Edit {sub.legal_name}",
        sub=sub,
        **await _catalogs(page),
    )


@staff_page
async def add_location(page: Page) -> Response:
    """`GET/POST /console/subprocessors/{id}/locations/new`."""
    sub = await vendors.get_subprocessor(page.deps, page.caller, page.request.path_params["id"])

    async def call(p: Page) -> Subprocessor:
        return await vendors.add_processing_location(
            p.deps,
            p.caller,
            sub.id,
            ProcessingLocationDraft(
                country=forms.country(p.field("country"), "country"),
                region=forms.optional(p.field("region")),
                role=forms.choice(LocationRole, p.field("role"), "role"),
                note=forms.optional(p.field("note")),
            ),
        )

    return await _form(
        page,
        "location_form.html",
        "addProcessingLocation",
        call,
        "location",
        initial={"role": LocationRole.PROCESSING.value},
        sub=sub,
        roles=ROLE_OPTIONS,
    )


@staff_page
async def record_dpa(page: Page) -> Response:
    """`GET/POST /console/subprocessors/{id}/dpas/new`."""
    sub = await vendors.get_subprocessor(page.deps, page.caller, page.request.path_params["id"])

    async def call(p: Page) -> Subprocessor:
        return await vendors.record_dpa(
            p.deps,
            p.caller,
            sub.id,
            DpaDraft(
                version=p.field("version"),
                signed_on=forms.required_date(p.field("signedOn"), "signedOn"),
                effective_on=forms.a_date(p.field("effectiveOn"), "effectiveOn"),
                expires_on=forms.a_date(p.field("expiresOn"), "expiresOn"),
                document_url=forms.optional(p.field("documentUrl")),
                sha256=forms.optional(p.field("sha256")),
                scc_modules=forms.modules(p.fields("sccModules"), "sccModules"),
            ),
        )

    return await _form(
        page, "dpa_form.html", "recordDpa", call, "dpa", sub=sub, modules=MODULE_OPTIONS
    )


@staff_page
async def record_basis(page: Page) -> Response:
    """`GET/POST /console/subprocessors/{id}/transfer-bases/new`."""
    sub = await vendors.get_subprocessor(page.deps, page.caller, page.request.path_params["id"])

    async def call(p: Page) -> Subprocessor:
        return await vendors.record_transfer_basis(
            p.deps,
            p.caller,
            sub.id,
            TransferBasisDraft(
                mechanism=forms.choice(TransferMechanism, p.field("mechanism"), "mechanism"),
                destination=forms.country(p.field("destination"), "destination"),
                origin=forms.choice(DataOrigin, p.field("origin") or "EEA", "origin"),
                valid_from=forms.a_date(p.field("validFrom"), "validFrom"),
                valid_until=forms.a_date(p.field("validUntil"), "validUntil"),
                scc_module=forms.number(p.field("sccModule"), "sccModule"),
                reference=forms.optional(p.field("reference")),
            ),
        )

    if (warning := incomplete_basis(page)) is not None:
        return page.render(
            "basis_form.html",
            values=page.submitted(),
            errors={},
            warning=warning,
            sub=sub,
            **BASIS_CHOICES,
        )
    return await _form(
        page,
        "basis_form.html",
        "recordTransferBasis",
        call,
        "basis",
        initial={"origin": "EEA", "mechanism": TransferMechanism.SCC_2021.value},
        sub=sub,
        **BASIS_CHOICES,
    )


def incomplete_basis(page: Page) -> str | None:
    """The warning shown before saving a basis that lacks what its verdict will ask for
    (a 2021 SCC basis without its module); None once confirmed or when nothing lacks."""
    if page.form is None or forms.checked(page.field("saveIncomplete")):
        return None
    mechanism = page.field("mechanism")
    if mechanism in BASIS_CHOICES["with_modules"] and not page.field("sccModule"):
        return (
            f"This basis on the {MECHANISM_LABELS[TransferMechanism(mechanism)]} names no module: "
            "its verdict will ask which module applies. Choose the module, or confirm that "
            "it is saved without one for now."
        )
    return None
