"""Reading the registry: the subprocessor list as of a date, and transfer assessments."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from registry.domain import notice as notice_rules
from registry.domain import timeline
from registry.domain import validation as check
from registry.domain.errors import NotFound, PermissionDenied, ValidationError
from registry.domain.models import (
    DataOrigin,
    NoticeStatus,
    Subprocessor,
    SubprocessorStatus,
    TransferMechanism,
    TransferStatus,
)
from registry.domain.onward import Route
from registry.domain.transfers import TransferEvaluation, evaluate_transfer, summarize
from registry.services import (
    catalogs,
    contracts,
    location_changes,
    onward_transfers,
    policy,
    tias,
)
from registry.services.caller import Caller
from registry.services.deps import Deps
from registry.store import (
    changes,
    customers,
    dpas,
    ids,
    notices,
    processing_locations,
    subprocessors,
    transfer_bases,
)
from registry.store.subprocessors import Audience, ListFilter


@dataclass(frozen=True, slots=True)
class SubprocessorQuery:
    as_of: datetime | None = None
    customer_id: str | None = None
    statuses: tuple[SubprocessorStatus, ...] = ()
    countries: tuple[str, ...] = ()
    purpose: str | None = None
    search: str | None = None
    # A public or staff filter by scope: the vendors touching these products / region.
    products: tuple[str, ...] = ()
    hosting_region: str | None = None


async def list_filter(deps: Deps, caller: Caller, query: SubprocessorQuery) -> ListFilter:
    """Check the caller may ask this, and turn the question into a store filter."""
    policy.require_public_list(caller, deps.settings.public_read)
    if SubprocessorStatus.PROPOSED in query.statuses and not policy.may_filter_proposed(caller):
        raise PermissionDenied("PROPOSED subprocessors are visible to staff only")
    ids: tuple[str, ...] | None = None
    if query.countries:
        codes = [check.country(c, "filter.country") for c in query.countries]
        ids = tuple(await processing_locations.subprocessor_ids_in(deps.db, codes))
    if query.as_of is not None and query.as_of.tzinfo is None:
        raise ValidationError("asOf", "asOf needs a time zone offset")
    as_of = query.as_of or deps.clock.now()
    customer_id = policy.customer_view(caller, query.customer_id)
    if customer_id is not None and timeline.timeline_ended(
        await contracts.ends_at(deps, customer_id), as_of
    ):
        ids = ()  # its contract has ended: no vendor processes its data any more
    also: tuple[str, ...] = ()
    not_yet: tuple[str, ...] = ()
    if customer_id is not None and not query.statuses:
        also, not_yet = await _lagging_for(deps, customer_id, as_of)
    asked: Audience | None = None
    if query.products or query.hosting_region is not None:
        asked = Audience(
            await catalogs.checked_products(deps, query.products, "filter.products"),
            await catalogs.checked_region(deps, query.hosting_region, "filter.hostingRegion"),
        )
    audience: Audience | None = None
    reached: tuple[str, ...] = ()
    if customer_id is not None:
        audience, reached = await _scope_of(deps, customer_id, as_of)
    return ListFilter(
        hide_unannounced=not policy.may_list_unannounced(caller),
        audience=audience,
        scope_reached=reached,
        scope_filter=asked,
        as_of=None if query.statuses else as_of,
        also_in_force=also,
        not_yet_in_force=not_yet,
        statuses=query.statuses,
        ids=ids,
        purpose=check.optional_text(query.purpose, "filter.purpose", max_length=200),
        search=check.optional_text(query.search, "filter.search", max_length=200),
    )


async def _scope_of(
    deps: Deps, customer_id: str, as_of: datetime
) -> tuple[Audience, tuple[str, ...]]:
    """The customer's scope, and the vendors an announced widening has brought to it by
    `as_of` (its notice's effective date passed; a notice cancelled for it never does)."""
    customer = (
        await customers.get(deps.db, customer_id) if ids.is_id_of("Customer", customer_id) else None
    )
    if customer is None:
        raise NotFound(f"no customer {customer_id!r}")
    audience = Audience(customer.products, customer.hosting_region)
    widenings = await changes.announced_scope_changes(deps.db)
    reached = []
    for change in widenings:
        notice = await notices.for_customer(deps.db, change.id, customer_id)
        if (
            notice is not None
            and notice.status is not NoticeStatus.CANCELLED
            and notice.effective_at <= as_of
        ):
            reached.append(change.subprocessor_id)
    return audience, tuple(reached)


async def _lagging_for(
    deps: Deps, customer_id: str, as_of: datetime
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The vendors the customer keeps and lacks at `as_of` compared with the company's
    view, from its own timeline (domain/timeline.py): an emergency replacement it did not
    agree to reaches it on its own later date; one it was excluded from never does."""
    held = await notices.all_of_customer(deps.db, customer_id)
    found = {c.id: c for c in await changes.get_many(deps.db, [n.change_id for n in held]) if c}
    keeps: set[str] = set()
    lacks: set[str] = set()
    for notice in held:
        change = found.get(notice.change_id)
        if change is None:
            continue
        mine = timeline.customer_vendors(change, notice, as_of)
        keeps.update(mine.keeps)
        lacks.update(mine.lacks)
    # What a later change took away is gone, even if an earlier one brought it.
    return tuple(sorted(keeps - lacks)), tuple(sorted(lacks))


async def page_subprocessors(
    deps: Deps,
    caller: Caller,
    query: SubprocessorQuery,
    *,
    after: tuple[str, str] | None,
    limit: int,
) -> tuple[list[Subprocessor], int]:
    flt = await list_filter(deps, caller, query)
    return await subprocessors.page(deps.db, flt, after=after, limit=limit)


@dataclass(frozen=True, slots=True)
class AssessmentItem:
    subprocessor: Subprocessor
    evaluation: TransferEvaluation
    # An onward transfer to a location of a sub-processor in the vendor's chain.
    route: Route | None = None


@dataclass(frozen=True, slots=True)
class Assessment:
    as_of: date
    origin: DataOrigin
    withdrawn: tuple[TransferMechanism, ...]
    items: tuple[AssessmentItem, ...]
    counts: dict[TransferStatus, int]


async def evaluation_day(deps: Deps, caller: Caller, customer_id: str | None = None) -> date:
    """Today on the asked-about (or asking) customer's calendar (its time zone); UTC for
    everyone else."""
    now = deps.clock.now()
    customer_id = policy.customer_view(caller, customer_id)
    found = await customers.get(deps.db, customer_id) if customer_id else None
    return notice_rules.customer_date(now, found.terms) if found else now.astimezone(UTC).date()


async def assess_transfers(
    deps: Deps,
    caller: Caller,
    *,
    as_of: date | None,
    origin: DataOrigin | None,
    withdrawn: Sequence[TransferMechanism] = (),
    customer_id: str | None = None,
) -> Assessment:
    """Every processing location of the subprocessors in force on the day, evaluated;
    for one customer, only its vendors, from its data origin unless one is asked."""
    on = as_of or await evaluation_day(deps, caller, customer_id)
    end_of_day = datetime.combine(on, datetime.max.time(), tzinfo=deps.clock.now().tzinfo)
    query = SubprocessorQuery(as_of=end_of_day, customer_id=customer_id)
    flt = await list_filter(deps, caller, query)
    whose = policy.customer_view(caller, customer_id)
    if origin is None:
        customer = await customers.get(deps.db, whose) if whose else None
        origin = customer.terms.data_origin if customer else DataOrigin.EEA
    subs = await subprocessors.all_matching(deps.db, flt)
    ids = [s.id for s in subs]
    # What the day's view has (an announced new country from its date: the what-if).
    locations = await location_changes.locations_at(
        deps, caller, await processing_locations.by_subprocessors(deps.db, ids), end_of_day, whose
    )
    bases = await transfer_bases.by_subprocessors(deps.db, ids)
    agreements = await dpas.by_subprocessors(deps.db, ids)
    assessments = await tias.for_verdicts(deps, ids)
    items = tuple(
        AssessmentItem(
            sub,
            evaluate_transfer(
                origin,
                loc.country,
                on,
                bases.get(sub.id, []),
                dpas=agreements.get(sub.id, []),
                withdrawn=withdrawn,
                recipient_in_scope=loc.recipient_in_scope,
                tias=assessments.get(sub.id, []),
            ),
        )
        for sub in subs
        for loc in locations.get(sub.id, [])
    )
    first_hops: dict[str, dict[str, TransferEvaluation]] = {}
    for item in items:
        first_hops.setdefault(item.subprocessor.id, {})[item.evaluation.destination] = (
            item.evaluation
        )
    onward = await onward_transfers.routes(
        deps,
        subs,
        first_hops,
        origin=origin,
        on=on,
        at=end_of_day,
        withdrawn=withdrawn,
        audience=flt.audience,
    )
    items += tuple(AssessmentItem(sub, route.as_evaluation(origin), route) for sub, route in onward)
    return Assessment(
        as_of=on,
        origin=origin,
        withdrawn=tuple(withdrawn),
        items=items,
        counts=summarize(i.evaluation for i in items),
    )


def subprocessor_cursor(sub: Subprocessor) -> tuple[str, str]:
    """The key a subprocessor page's cursor carries (the store's sort order)."""
    return subprocessors.sort_key(sub)


async def list_subprocessors(
    deps: Deps, caller: Caller, query: SubprocessorQuery
) -> list[Subprocessor]:
    """Every vendor the list shows for this question (pages and exports; no paging)."""
    return await subprocessors.all_matching(deps.db, await list_filter(deps, caller, query))


async def vendors_touching(
    deps: Deps, caller: Caller, products: tuple[str, ...], region: str | None
) -> set[str]:
    """The vendors touching that scope, any status, any date: the scope alone (codes
    are checked as a list's are, so an unknown one is refused)."""
    asked = SubprocessorQuery(products=products, hosting_region=region)
    flt = ListFilter(scope_filter=(await list_filter(deps, caller, asked)).scope_filter)
    return {s.id for s in await subprocessors.all_matching(deps.db, flt)}


async def caller_scope(deps: Deps, caller: Caller) -> tuple[tuple[str, ...], str | None]:
    """A customer caller's own products and hosting region (nothing for anyone else)."""
    found = await customers.get(deps.db, caller.customer_id) if caller.customer_id else None
    return (found.products, found.hosting_region) if found else ((), None)
