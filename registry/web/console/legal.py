"""The legal watch in the console: the facts' release, impact reports and "what if", staff
events, and the form recording a vendor's transfer impact assessment."""

from __future__ import annotations

from datetime import UTC, date
from typing import Any
from urllib.parse import urlencode

from starlette.responses import RedirectResponse, Response

from registry.domain.errors import NotFound, RegistryError
from registry.domain.legal_watch import Withdrawal
from registry.domain.models import DataOrigin, Subprocessor, TiaOutcome, TransferMechanism
from registry.domain.reference import load_reference
from registry.services import console_vendors, legal_watch, tias, vendors
from registry.services.legal_watch import ImpactLine, ImpactReport
from registry.web.console import forms
from registry.web.console.session import Page, errors_of, staff_page
from registry.web.pages import MECHANISM_LABELS, country_name

OUTCOME_OPTIONS = [
    ("SUFFICIENT", "Sufficient: the mechanism's safeguards protect the data as they are"),
    ("SUPPLEMENTARY_MEASURES", "Sufficient with the supplementary measures listed"),
    ("NOT_SUFFICIENT", "Not sufficient, even with measures: the transfer must stop"),
]
ORIGIN_OPTIONS = [(o.value, o.value) for o in DataOrigin]
WITHDRAWABLE = [(m.value, MECHANISM_LABELS[m]) for m in TransferMechanism]


@staff_page
async def watch(page: Page) -> Response:
    """`GET /console/legal`; `POST` asks a what-if, recorded as a report staff can open."""
    deps, caller = page.deps, page.caller
    values: dict[str, str] = page.submitted() or {"mechanism": TransferMechanism.EU_US_DPF.value}
    errors: dict[str, str] = {}
    if page.form is not None:
        try:
            report = await page.act("legalWhatIf", lambda: _what_if(page))
        except RegistryError as exc:
            errors = dict(errors_of(exc))
        else:
            return RedirectResponse(f"/console/legal/{report.id}", status_code=303)
    facts = load_reference()
    return page.render(
        "legal.html",
        400 if errors else 200,
        release=facts.release,
        reports=await legal_watch.recent_reports(deps, caller),
        events=await legal_watch.staff_events(deps, caller),
        values=values,
        errors=errors,
        mechanisms=WITHDRAWABLE,
    )


async def _what_if(page: Page) -> ImpactReport:
    withdrawal = Withdrawal(
        mechanism=forms.choice(TransferMechanism, page.field("mechanism"), "mechanism"),
        from_day=forms.required_date(page.field("fromDay"), "fromDay"),
        country=forms.optional_country(page.field("country"), "country"),
    )
    return await legal_watch.what_if(page.deps, page.caller, [withdrawal], record=True)


@staff_page
async def report(page: Page) -> Response:
    """`GET /console/legal/{id}`: one report, the transfers that fall first."""
    found = await legal_watch.get_report(page.deps, page.caller, page.request.path_params["id"])
    if found is None:
        raise NotFound("no such report")
    return page.render(
        "legal_report.html",
        report=found,
        announce=_announce_link,
        country_name=country_name,
    )


def _announce_link(line: ImpactLine, report: ImpactReport) -> str:
    """The announce form, filled in for telling the line's customers in the ordinary way."""
    when = line.falls_on or line.first_day
    description = (
        f"Transfers to {country_name(line.country)} from the {line.origin.value} lose their "
        f"legal basis from {when} ({'; '.join(report.scenario)}): {line.reasons[0]}"
    )[:900]
    query = urlencode(
        {"kind": "UPDATE", "subprocessor": line.subprocessor_id, "description": description}
    )
    return f"/console/announce?{query}"


@staff_page
async def record_tia(page: Page) -> Response:
    """`GET/POST /console/subprocessors/{id}/tias/new`: a transfer impact assessment."""
    deps = page.deps
    sub = await vendors.get_subprocessor(deps, page.caller, page.request.path_params["id"])
    facts = await console_vendors.vendor_facts(deps, page.caller, sub.id)
    routes = sorted({(b.origin.value, b.destination, b.mechanism.value) for b in facts.bases})
    context: dict[str, Any] = {
        "sub": sub,
        "origins": ORIGIN_OPTIONS,
        "outcomes": OUTCOME_OPTIONS,
        "routes": routes,
        "mechanisms": [(m.value, MECHANISM_LABELS[m]) for m in TransferMechanism],
        "country_name": country_name,
        "methods": _methods(deps.clock.now().astimezone(UTC).date()),
    }
    if page.form is None:
        first = routes[0] if routes else ("EEA", "", "SCC_2021")
        initial = {"origin": first[0], "destination": first[1], "mechanism": first[2]}
        return page.render("tia_form.html", values=initial, errors={}, **context)

    async def call() -> Subprocessor:
        await tias.record_assessment(
            deps,
            page.caller,
            sub.id,
            tias.TiaDraft(
                origin=forms.choice(DataOrigin, page.field("origin"), "origin"),
                destination=forms.country(page.field("destination"), "destination"),
                mechanism=forms.choice(TransferMechanism, page.field("mechanism"), "mechanism"),
                assessed_on=forms.required_date(page.field("assessedOn"), "assessedOn"),
                outcome=forms.choice(TiaOutcome, page.field("outcome"), "outcome"),
                measures=tuple(
                    line.strip() for line in page.field("measures").splitlines() if line.strip()
                ),
                reviewer=forms.optional(page.field("reviewer")),
                document_reference=forms.optional(page.field("documentReference")),
                sha256=forms.optional(page.field("sha256")),
                next_review_on=forms.a_date(page.field("nextReviewOn"), "nextReviewOn"),
                note=forms.optional(page.field("note")),
            ),
        )
        return sub

    try:
        await page.act("recordTransferImpactAssessment", call, target=sub.id)
    except RegistryError as exc:
        return page.render(
            "tia_form.html", 400, values=page.submitted(), errors=errors_of(exc), **context
        )
    return RedirectResponse(f"/console/subprocessors/{sub.id}?done=tia#tias", status_code=303)


def _methods(on: date) -> list[tuple[str, str]]:
    """Each regime's own method on the day, for the form's hint."""
    facts = load_reference()
    found = []
    for origin in DataOrigin:
        method = facts.tia_method(origin, on)
        if method is not None:
            found.append((origin.value, method.name))
    return found
