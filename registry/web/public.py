"""The public subprocessor page: `/subprocessors`, server-rendered HTML, no JavaScript.

It shows what GDPR Art. 28 asks a processor to publish: the vendors in force (as of a
date, filtered by country), where each one processes data and whether each transfer out
of the EEA has a basis on that day, the announced changes with their effective dates,
how to object, and how to subscribe. It reads through `list_filter`, as the GraphQL
list and the exports do, so the three always agree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from registry.domain.errors import ValidationError
from registry.domain.fields import Audience, Shown
from registry.domain.labels import country_name
from registry.domain.models import (
    Change,
    ChangeStatus,
    DataOrigin,
    Subprocessor,
)
from registry.domain.transfers import TransferEvaluation, evaluate_transfer
from registry.domain.translations import N_
from registry.domain.vendor_fields import VENDOR_FIELDS
from registry.services import catalogs, change_queries, listing, policy, tias, vendors
from registry.services import operator as operators
from registry.services.caller import Caller
from registry.services.deps import Deps
from registry.services.listing import SubprocessorQuery
from registry.web import chain_view, scope_params
from registry.web.feeds import FEED_CHANGES
from registry.web.pages import (
    MECHANISM_LABELS,
    STATUS_LABELS,
    describe_change,
    language_headers,
    language_links,
    page_language,
    parse_as_of,
    render,
    vendor_names,
    web_caller,
)

CANCELLED = N_("Cancelled")
"""What happened to a change, as the history names it (translated in the page)."""
MAX_COUNTRIES = 50
MAX_SEARCH = 200


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


@dataclass(frozen=True, slots=True)
class Dated:
    """One change in the page's history: what it did, and the day people read for it."""

    change: Change
    title: str
    state: str  # "Announced", "Effective", "Cancelled"
    at: datetime


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
    deps: Deps,
    caller: Caller,
    as_of: datetime,
    keep: Callable[[Change], bool] | None,
    language: str | None = None,
) -> list[Upcoming]:
    """Changes announced by `as_of` that take effect after it, as known on that day
    (found by date, so any `asOf` works, not only among the latest announcements), of
    the vendors the filters ask for, whether in force yet or not."""
    due = [
        c
        for c in await change_queries.upcoming_announcements(deps, caller, as_of)
        if keep is None or keep(c)
    ]
    names = await vendor_names(deps, due)
    return [
        Upcoming(
            c,
            describe_change(c, names, language),
            names.get(c.subprocessor_id, c.subprocessor_id),
        )
        for c in due
    ]


async def change_filter(
    deps: Deps,
    caller: Caller,
    as_of: datetime,
    products: tuple[str, ...],
    region: str | None,
    countries: tuple[str, ...],
    search: str | None,
) -> Callable[[Change], bool] | None:
    """The page's filters applied to changes: by the scope of the vendors concerned (as
    the feeds filter), a location of the vendor (or the one it replaces) in a country
    asked for, a name or purpose matching the search."""
    by_scope = await scope_params.change_filter(deps, caller, products, region)
    if not countries and not search:
        return by_scope
    everyone = await change_queries.recent_announcements(deps, caller, (), limit=FEED_CHANGES)
    upcoming = await change_queries.upcoming_announcements(deps, caller, as_of)
    concerned = sorted(
        {i for c in [*everyone, *upcoming] for i in (c.subprocessor_id, c.replaces_id) if i}
    )
    located = await vendors.locations_of(deps, caller, concerned) if countries else {}
    names = await vendor_names(deps, [*everyone, *upcoming]) if search else {}
    purposes = (
        {s.id: s.purpose for s in await vendors.get_subprocessors(deps, caller, concerned) if s}
        if search
        else {}
    )
    needle = (search or "").casefold()

    def vendor_matches(vendor_id: str | None) -> bool:
        if vendor_id is None:
            return False
        if countries and not any(loc.country in countries for loc in located.get(vendor_id, [])):
            return False
        text = f"{names.get(vendor_id, '')} {purposes.get(vendor_id, '')}".casefold()
        return not needle or needle in text

    def keep(change: Change) -> bool:
        if by_scope is not None and not by_scope(change):
            return False
        return vendor_matches(change.subprocessor_id) or vendor_matches(change.replaces_id)

    return keep


async def _history(
    deps: Deps,
    caller: Caller,
    as_of: datetime,
    keep: Callable[[Change], bool] | None,
    language: str | None = None,
) -> list[Dated]:
    """The changes announced by `as_of`, newest first, each once under what it did last
    by then: every link of the feeds lands on one of these rows (or an upcoming one)."""
    found = [
        c
        for c in await change_queries.recent_announcements(deps, caller, (), limit=FEED_CHANGES)
        if c.announced_at <= as_of and (keep is None or keep(c))
    ]
    names = await vendor_names(deps, found)
    dated: list[Dated] = []
    for c in found:
        title = describe_change(c, names, language)
        if c.status is ChangeStatus.CANCELLED and (c.cancelled_at or c.announced_at) <= as_of:
            dated.append(Dated(c, title, CANCELLED, c.cancelled_at or c.announced_at))
        elif c.status is ChangeStatus.EFFECTIVE and c.effective_at <= as_of:
            dated.append(Dated(c, title, N_("Effective"), c.effective_at))
        else:
            dated.append(Dated(c, title, N_("Announced"), c.announced_at))
    dated.sort(key=lambda d: (d.at, d.change.id), reverse=True)
    return dated


def _filter_query(
    countries: tuple[str, ...],
    products: tuple[str, ...],
    region: str | None,
    search: str | None,
    as_of: datetime | None,
) -> str:
    """The filters as a query string, so every download and link keeps them."""
    pairs = [
        *(("country", c) for c in countries),
        *(("product", p) for p in products),
        *((("region", region),) if region else ()),
        *((("search", search),) if search else ()),
        *((("asOf", as_of.isoformat()),) if as_of else ()),
    ]
    return f"?{urlencode(pairs)}" if pairs else ""


def _search(request: Request) -> str | None:
    value = (request.query_params.get("search") or "").strip()
    if len(value) > MAX_SEARCH:
        raise ValidationError("search", f"search is longer than {MAX_SEARCH} characters")
    return value or None


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
    lang = page_language(request)
    as_of_param = parse_as_of(request.query_params.get("asOf"))
    countries = _requested_countries(request)
    products, region = scope_params.requested(request)
    search = _search(request)
    as_of = as_of_param or deps.clock.now()
    in_force = await listing.list_subprocessors(deps, caller, SubprocessorQuery(as_of=as_of))
    asked = SubprocessorQuery(
        as_of=as_of, countries=countries, products=products, hosting_region=region, search=search
    )
    # The same filters the GraphQL list applies: a location in a country, a scope, a text.
    only = (
        {s.id for s in await listing.list_subprocessors(deps, caller, asked)}
        if countries or products or region or search
        else None
    )
    keep = await change_filter(deps, caller, as_of, products, region, countries, search)
    history = await _history(deps, caller, as_of, keep, lang)
    upcoming = await _upcoming(deps, caller, as_of, keep, lang)
    shown = [s for s in in_force if only is None or s.id in only]
    rows = await _rows(deps, caller, shown, as_of.date())
    all_locations = await vendors.locations_of(deps, caller, [s.id for s in in_force])
    options = sorted(
        {loc.country for locs in all_locations.values() for loc in locs} | set(countries)
    )
    first_hops = {r.subprocessor.id: {c.code: c.evaluation for c in r.countries} for r in rows}
    chains, counts = await chain_view.chains_of(deps, shown, first_hops, as_of)
    for row in rows:
        for country in row.countries:
            # Per processing location, as transferAssessment counts its items.
            counts[country.evaluation.status] += country.locations
    return render(
        "subprocessors.html",
        headers=language_headers(lang, 60),
        language=lang,
        languages=language_links(request, lang),
        rows=rows,
        chains=chains,
        being_replaced=await change_queries.being_replaced(deps, shown, as_of),
        upcoming=upcoming,
        history=[d for d in history if d.change.id not in {u.change.id for u in upcoming}],
        last_updated=max((d.at for d in history), default=None),
        search=search or "",
        filter_query=_filter_query(countries, products, region, search, as_of_param),
        as_of=as_of,
        as_of_param=as_of_param,
        on=as_of.date(),
        countries=countries,
        country_options=[(code, country_name(code, lang)) for code in options],
        products=products,
        region=region,
        product_options=[(p.code, p.name) for p in await catalogs.list_products(deps, caller)],
        region_options=[
            (r.code, r.name) for r in await catalogs.list_hosting_regions(deps, caller)
        ],
        counts=[(STATUS_LABELS[s], s.value.lower(), n) for s, n in counts.items() if n],
        full_verdict=policy.may_read_full_verdict(caller, deps.settings.public_verdict_detail),
        public_url=deps.settings.public_url.rstrip("/"),
        country_name=lambda code: country_name(code, lang),
        more_facts=_MORE_FACTS,
        operator=await operators.identity(deps),
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
