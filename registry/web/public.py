"""The public subprocessor page: `/subprocessors`, server-rendered HTML, no JavaScript.

It shows what GDPR Art. 28 asks a processor to publish: the vendors in force (as of a
date, filtered by country), where each one processes data and whether each transfer out
of the EEA has a basis on that day, the announced changes with their effective dates,
how to object, and how to subscribe. It reads through `list_filter`, as the GraphQL
list and the exports do, so the three always agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from starlette.requests import Request
from starlette.responses import Response

from registry.domain.errors import ValidationError
from registry.domain.fields import Audience, Shown
from registry.domain.labels import country_name
from registry.domain.models import (
    Change,
    DataOrigin,
    Subprocessor,
    TransferStatus,
)
from registry.domain.transfers import TransferEvaluation, evaluate_transfer
from registry.domain.vendor_fields import VENDOR_FIELDS
from registry.services import catalogs, change_queries, listing, tias, vendors
from registry.services.caller import Caller
from registry.services.deps import Deps
from registry.services.listing import SubprocessorQuery
from registry.web import scope_params
from registry.web.pages import (
    MECHANISM_LABELS,
    STATUS_LABELS,
    describe_change,
    parse_as_of,
    render,
    vendor_names,
    web_caller,
)

MAX_COUNTRIES = 50


@dataclass(frozen=True, slots=True)
class CountryTransfer:
    code: str
    name: str
    roles: tuple[str, ...]
    regions: tuple[str, ...]
    evaluation: TransferEvaluation
    locations: int  # processing locations there: what the counts count, as the API does

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.evaluation.status]

    @property
    def mechanism(self) -> str | None:
        m = self.evaluation.mechanism
        return MECHANISM_LABELS.get(m, m.value) if m is not None else None


@dataclass(frozen=True, slots=True)
class Row:
    subprocessor: Subprocessor
    countries: tuple[CountryTransfer, ...]


@dataclass(frozen=True, slots=True)
class Upcoming:
    change: Change
    title: str
    vendor: str


async def _rows(deps: Deps, caller: Caller, subs: Sequence[Subprocessor], on: date) -> list[Row]:
    ids = [s.id for s in subs]
    locations = await vendors.locations_of(deps, caller, ids)
    bases = await vendors.transfer_bases_of(deps, caller, ids)
    agreements = await vendors.dpas_of(deps, caller, ids)
    assessments = await tias.for_verdicts(deps, ids)
    rows: list[Row] = []
    for sub in subs:
        by_country: dict[str, list[tuple[str, str | None]]] = {}
        in_scope: dict[str, set[bool | None]] = {}
        for loc in locations.get(sub.id, []):
            by_country.setdefault(loc.country, []).append((loc.role.value, loc.region))
            in_scope.setdefault(loc.country, set()).add(loc.recipient_in_scope)
        countries = tuple(
            CountryTransfer(
                code=code,
                name=country_name(code),
                locations=len(places),
                roles=tuple(sorted({r.replace("_", " ").lower() for r, _ in places})),
                regions=tuple(sorted({g for _, g in places if g})),
                evaluation=evaluate_transfer(
                    DataOrigin.EEA,
                    code,
                    on,
                    bases.get(sub.id, []),
                    dpas=agreements.get(sub.id, []),
                    tias=assessments.get(sub.id, []),
                    # A country's locations agreeing on a partial decision's scope.
                    recipient_in_scope=_agreed(in_scope[code]),
                ),
            )
            for code, places in sorted(by_country.items())
        )
        rows.append(Row(sub, countries))
    return rows


def _agreed(values: set[bool | None]) -> bool | None:
    return next(iter(values)) if len(values) == 1 else None


async def _upcoming(
    deps: Deps, caller: Caller, as_of: datetime, only: set[str] | None
) -> list[Upcoming]:
    """Changes announced by `as_of` that take effect after it, as known on that day
    (found by date, so any `asOf` works, not only among the latest announcements)."""
    due = await change_queries.upcoming_announcements(
        deps, caller, as_of, vendor_ids=sorted(only) if only is not None else None
    )
    names = await vendor_names(deps, due)
    return [
        Upcoming(c, describe_change(c, names), names.get(c.subprocessor_id, c.subprocessor_id))
        for c in due
    ]


def _requested_countries(request: Request) -> tuple[str, ...]:
    codes = tuple(
        dict.fromkeys(c.strip() for c in request.query_params.getlist("country") if c.strip())
    )
    if len(codes) > MAX_COUNTRIES:
        raise ValidationError(
            "country", f"at most {MAX_COUNTRIES} countries can be filtered at once"
        )
    return codes


async def subprocessor_page(request: Request) -> Response:
    """`GET /subprocessors[?country=DE&asOf=2026-03-01T00:00:00Z]`."""
    # Refusals and bad input are raised and answered by web/errors.py.
    deps, caller = await web_caller(request)
    as_of_param = parse_as_of(request.query_params.get("asOf"))
    countries = _requested_countries(request)
    products, region = scope_params.requested(request)
    as_of = as_of_param or deps.clock.now()
    in_force = await listing.list_subprocessors(deps, caller, SubprocessorQuery(as_of=as_of))
    asked = SubprocessorQuery(
        as_of=as_of, countries=countries, products=products, hosting_region=region
    )
    # The same filters the GraphQL list applies: a location in a country, a scope.
    only = (
        {s.id for s in await listing.list_subprocessors(deps, caller, asked)}
        if countries or products or region
        else None
    )
    shown = [s for s in in_force if only is None or s.id in only]
    rows = await _rows(deps, caller, shown, as_of.date())
    all_locations = await vendors.locations_of(deps, caller, [s.id for s in in_force])
    options = sorted(
        {loc.country for locs in all_locations.values() for loc in locs} | set(countries)
    )
    counts = dict.fromkeys(TransferStatus, 0)
    for row in rows:
        for country in row.countries:
            # Per processing location, as transferAssessment counts its items.
            counts[country.evaluation.status] += country.locations
    return render(
        "subprocessors.html",
        headers={"cache-control": "private, max-age=60", "vary": "authorization"},
        rows=rows,
        being_replaced=await change_queries.being_replaced(deps, shown, as_of),
        upcoming=await _upcoming(deps, caller, as_of, only),
        as_of=as_of,
        as_of_param=as_of_param,
        on=as_of.date(),
        countries=countries,
        country_options=[(code, country_name(code)) for code in options],
        products=products,
        region=region,
        product_options=[(p.code, p.name) for p in await catalogs.list_products(deps, caller)],
        region_options=[
            (r.code, r.name) for r in await catalogs.list_hosting_regions(deps, caller)
        ],
        counts=[(STATUS_LABELS[s], s.value.lower(), n) for s, n in counts.items() if n],
        public_url=deps.settings.public_url.rstrip("/"),
        country_name=country_name,
        more_facts=_MORE_FACTS,
    )


# Declared vendor fields listed under the purpose (the name, its link and the purpose
# have places of their own in the table).
_MORE_FACTS = tuple(
    f
    for f in VENDOR_FIELDS
    if Shown.PUBLIC_PAGE in f.shown
    and f.audience is Audience.EVERYONE
    and f.name not in ("legal_name", "website", "purpose")
)
