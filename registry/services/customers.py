"""Tenants and their contract terms."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Sequence

from registry.domain import validation as check
from registry.domain.durations import InvalidDuration
from registry.domain.errors import NotFound, ValidationError
from registry.domain.models import Customer, CustomerTerms, DataOrigin, PeriodEnds, Role
from registry.domain.notice import contract_period
from registry.services import catalogs, policy
from registry.services.caller import Caller
from registry.services.deps import Deps
from registry.services.policy import require_role
from registry.store import customer_groups, customer_roster, customer_terms, customers, ids
from registry.store.customers import group_key


class Keep(enum.Enum):
    """An update argument left out: the stored value stays."""

    KEEP = "KEEP"


KEEP = Keep.KEEP


def checked_terms(
    *,
    notice_period: str,
    objection_window: str | None,
    data_origin: DataOrigin,
    allows_emergency_replacement: bool,
    weekend_rolls_to_monday: bool,
    time_zone: str = "UTC",
    period_ends: PeriodEnds = PeriodEnds.SAME_INSTANT,
) -> CustomerTerms:
    try:
        contract_period(notice_period)
    except InvalidDuration as exc:
        raise ValidationError("noticePeriod", str(exc)) from None
    if objection_window is not None:
        try:
            contract_period(objection_window)
        except InvalidDuration as exc:
            raise ValidationError("objectionWindow", str(exc)) from None
    return CustomerTerms(
        notice_period=notice_period,
        objection_window=objection_window,
        data_origin=data_origin,
        allows_emergency_replacement=allows_emergency_replacement,
        weekend_rolls_to_monday=weekend_rolls_to_monday,
        time_zone=check.time_zone(time_zone, "timeZone"),
        period_ends=period_ends,
    )


async def create_customer(
    deps: Deps,
    caller: Caller,
    *,
    name: str,
    notice_period: str = "P3M",
    objection_window: str | None = None,
    data_origin: DataOrigin = DataOrigin.EEA,
    allows_emergency_replacement: bool = False,
    weekend_rolls_to_monday: bool = False,
    notice_emails: Sequence[str] = (),
    time_zone: str = "UTC",
    period_ends: PeriodEnds = PeriodEnds.SAME_INSTANT,
    products: Sequence[str] = (),
    hosting_region: str | None = None,
) -> Customer:
    require_role(caller, Role.ADMIN)
    terms = checked_terms(
        notice_period=notice_period,
        objection_window=objection_window,
        data_origin=data_origin,
        allows_emergency_replacement=allows_emergency_replacement,
        weekend_rolls_to_monday=weekend_rolls_to_monday,
        time_zone=time_zone,
        period_ends=period_ends,
    )
    emails = tuple(check.email(e, "noticeEmails") or "" for e in notice_emails)
    customer = Customer(
        id=ids.new_id("Customer"),
        name=check.text(name, "name", max_length=200),
        terms=terms,
        created_at=deps.clock.now(),
        notice_emails=emails,
        products=await catalogs.checked_products(deps, products, "products"),
        hosting_region=await catalogs.checked_region(deps, hosting_region, "hostingRegion"),
    )
    await remember(deps, customer)
    await customers.insert(deps.db, customer)
    await customer_roster.add(deps.db, customer.id, group_key(customer))
    return customer


async def remember(deps: Deps, customer: Customer) -> None:
    """Record the customer's terms and group before it can be counted in them."""
    await customer_terms.remember(deps.db, customer.terms)
    await customer_groups.remember(deps.db, customer)


async def update_customer(
    deps: Deps,
    caller: Caller,
    customer_id: str,
    *,
    name: str | None = None,
    notice_period: str | None = None,
    objection_window: str | Keep | None = KEEP,
    data_origin: DataOrigin | None = None,
    allows_emergency_replacement: bool | None = None,
    weekend_rolls_to_monday: bool | None = None,
    time_zone: str | None = None,
    period_ends: PeriodEnds | None = None,
    notice_emails: Sequence[str] | None = None,
    products: Sequence[str] | None = None,
    hosting_region: str | Keep | None = KEEP,
) -> Customer:
    """Change what is given; the customer moves to its new group for later changes.

    Notices already written keep the terms they were computed with.
    """
    require_role(caller, Role.ADMIN)
    found = (
        await customers.get(deps.db, customer_id) if ids.is_id_of("Customer", customer_id) else None
    )
    if found is None:
        raise NotFound(f"no customer {customer_id!r}")
    old = found.terms
    terms = checked_terms(
        notice_period=notice_period if notice_period is not None else old.notice_period,
        objection_window=(
            old.objection_window if isinstance(objection_window, Keep) else objection_window
        ),
        data_origin=data_origin or old.data_origin,
        allows_emergency_replacement=(
            old.allows_emergency_replacement
            if allows_emergency_replacement is None
            else allows_emergency_replacement
        ),
        weekend_rolls_to_monday=(
            old.weekend_rolls_to_monday
            if weekend_rolls_to_monday is None
            else weekend_rolls_to_monday
        ),
        time_zone=time_zone if time_zone is not None else old.time_zone,
        period_ends=period_ends or old.period_ends,
    )
    updated = dataclasses.replace(
        found,
        name=found.name if name is None else check.text(name, "name", max_length=200),
        terms=terms,
        notice_emails=(
            found.notice_emails
            if notice_emails is None
            else tuple(check.email(e, "noticeEmails") or "" for e in notice_emails)
        ),
        products=(
            found.products
            if products is None
            else await catalogs.checked_products(deps, products, "products")
        ),
        hosting_region=(
            found.hosting_region
            if isinstance(hosting_region, Keep)
            else await catalogs.checked_region(deps, hosting_region, "hostingRegion")
        ),
    )
    if updated == found:
        return found
    await remember(deps, updated)
    await customers.replace(deps.db, updated)
    await customer_roster.move(deps.db, updated.id, group_key(found), group_key(updated))
    return updated


async def get_customer(deps: Deps, caller: Caller, customer_id: str) -> Customer:
    found = (
        await customers.get(deps.db, customer_id)
        if ids.is_id_of("Customer", customer_id) and policy.may_see_customer(caller, customer_id)
        else None
    )
    if found is None:
        raise NotFound(f"no customer {customer_id!r}")
    return found


async def get_customers(
    deps: Deps, caller: Caller, customer_ids: Sequence[str]
) -> list[Customer | None]:
    """Customers by id in key order (for loaders); those the caller may not see are None."""
    wanted = [i for i in customer_ids if policy.may_see_customer(caller, i)]
    found = {c.id: c for c in await customers.get_many(deps.db, wanted) if c is not None}
    return [found.get(i) for i in customer_ids]


async def list_customers(
    deps: Deps, caller: Caller, *, after: tuple[str, str] | None, limit: int
) -> tuple[list[Customer], int]:
    policy.require_key(caller, "to list customers")
    scope = policy.record_scope(caller)
    return await customers.page(deps.db, after=after, limit=limit, only_id=scope.only)


async def roster_page(
    deps: Deps, caller: Caller, *, offset: int, limit: int
) -> tuple[list[Customer], int]:
    """Staff's customer list in roster order, read by `_id` only.

    `list_customers` sorts by name, which the embedded database does by reading every
    customer; the roster's chunks hold the ids of a thousand customers each.
    """
    require_role(caller, *policy.STAFF)
    chunk_ids = sorted(c for g in await customer_groups.all_groups(deps.db) for c in g.chunks)
    total, wanted = 0, list[str]()
    async for chunk in customer_roster.chunks_after(deps.db, chunk_ids, None):
        members = chunk["ids"]
        if offset + limit > total and offset < total + len(members):
            wanted.extend(members[max(0, offset - total) : offset + limit - total])
        total += len(members)
    found = await customers.get_many(deps.db, wanted)
    return [c for c in found if c is not None], total


def customer_cursor(customer: Customer) -> tuple[str, str]:
    """The key a customer page's cursor carries (the store's sort order)."""
    return customers.sort_key(customer)
