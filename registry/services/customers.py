"""Tenants and their contract terms."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import timedelta
from typing import TypeVar

from registry.domain import languages, versions
from registry.domain import validation as check
from registry.domain.drafts import CustomerDraft, CustomerEdit, Keep
from registry.domain.durations import InvalidDuration
from registry.domain.errors import NotFound, ValidationError
from registry.domain.holiday_calendars import InvalidHolidayCalendar, calendar_code
from registry.domain.models import Customer, CustomerTerms, Role
from registry.domain.notice import contract_period
from registry.domain.versions import RecordKind, RecordVersion, VersionAction
from registry.services import catalogs, edits, policy, settling
from registry.services.caller import Caller
from registry.services.deps import Deps
from registry.services.policy import require_role
from registry.store import (
    customer_groups,
    customer_roster,
    customer_terms,
    customers,
    ids,
    roster_placements,
)
from registry.store.customers import group_key
from registry.store.database import Conflict

T = TypeVar("T")


def checked_terms(terms: CustomerTerms) -> CustomerTerms:
    """The terms as asked for, their periods, time zone and holiday calendar checked."""
    try:
        contract_period(terms.notice_period)
    except InvalidDuration as exc:
        raise ValidationError("noticePeriod", str(exc)) from None
    if terms.objection_window is not None:
        try:
            contract_period(terms.objection_window)
        except InvalidDuration as exc:
            raise ValidationError("objectionWindow", str(exc)) from None
    return dataclasses.replace(
        terms,
        time_zone=check.time_zone(terms.time_zone, "timeZone"),
        holiday_calendar=_holiday_calendar(terms),
        language=languages.parse(terms.language, "language"),
    )


def _holiday_calendar(terms: CustomerTerms) -> str | None:
    """A calendar the library knows, named only where periods roll (it moves nothing else)."""
    code = terms.holiday_calendar
    if code is None or not code.strip():
        return None
    try:
        checked = calendar_code(code.strip())
    except InvalidHolidayCalendar as exc:
        raise ValidationError("holidayCalendar", str(exc)) from None
    if not terms.weekend_rolls_to_monday:
        raise ValidationError(
            "holidayCalendar",
            "a holiday calendar only moves periods that roll to the next working day: "
            "set weekendRollsToMonday too (Regulation 1182/71 Art. 3(4))",
        )
    return checked


def _emails(addresses: Sequence[str]) -> tuple[str, ...]:
    return tuple(check.email(e, "noticeEmails") or "" for e in addresses)


async def create_customer(deps: Deps, caller: Caller, draft: CustomerDraft) -> Customer:
    require_role(caller, Role.ADMIN)
    customer = Customer(
        id=ids.new_id("Customer"),
        name=check.text(draft.name, "name", max_length=200),
        terms=checked_terms(draft.terms),
        created_at=deps.clock.now(),
        notice_emails=_emails(draft.notice_emails),
        products=await catalogs.checked_products(deps, draft.products, "products"),
        hosting_region=await catalogs.checked_region(deps, draft.hosting_region, "hostingRegion"),
        note=check.note(draft.note),
    )
    await remember(deps, customer)
    mark = await roster_placements.mark(deps.db, customer.id, deps.clock.now())
    await customers.insert(deps.db, customer, mark)
    await place_now(deps, customer.id)
    return customer


async def remember(deps: Deps, customer: Customer) -> None:
    """Record the customer's terms and group before it can be counted in them."""
    await customer_terms.remember(deps.db, customer.terms)
    await customer_groups.remember(deps.db, customer)


def _kept(value: T | None, stored: T) -> T:
    return stored if value is None else value


async def update_customer(
    deps: Deps, caller: Caller, customer_id: str, edit: CustomerEdit
) -> Customer:
    """Change what is given; the customer moves to its new group for later changes.

    Notices already written keep the terms they were computed with.
    """
    require_role(caller, *policy.CUSTOMER_EDITORS)
    found = (
        await customers.get(deps.db, customer_id) if ids.is_id_of("Customer", customer_id) else None
    )
    if found is None:
        raise NotFound(f"no customer {customer_id!r}")
    old, e = found.terms, edit
    terms = checked_terms(
        CustomerTerms(
            notice_period=_kept(e.notice_period, old.notice_period),
            objection_window=(
                old.objection_window if isinstance(e.objection_window, Keep) else e.objection_window
            ),
            data_origin=_kept(e.data_origin, old.data_origin),
            allows_emergency_replacement=_kept(
                e.allows_emergency_replacement, old.allows_emergency_replacement
            ),
            weekend_rolls_to_monday=_kept(e.weekend_rolls_to_monday, old.weekend_rolls_to_monday),
            time_zone=_kept(e.time_zone, old.time_zone),
            period_ends=_kept(e.period_ends, old.period_ends),
            language=_kept(e.language, old.language),
            holiday_calendar=(
                old.holiday_calendar if isinstance(e.holiday_calendar, Keep) else e.holiday_calendar
            ),
        )
    )
    updated = dataclasses.replace(
        found,
        name=found.name if e.name is None else check.text(e.name, "name", max_length=200),
        terms=terms,
        notice_emails=found.notice_emails if e.notice_emails is None else _emails(e.notice_emails),
        products=(
            found.products
            if e.products is None
            else await catalogs.checked_products(deps, e.products, "products")
        ),
        hosting_region=(
            found.hosting_region
            if isinstance(e.hosting_region, Keep)
            else await catalogs.checked_region(deps, e.hosting_region, "hostingRegion")
        ),
        note=found.note if isinstance(e.note, Keep) else check.note(e.note),
    )
    if updated == found:
        return found
    version = _version(deps, caller, found, updated, e.reason)
    await remember(deps, updated)
    mark = None
    if group_key(updated) != group_key(found):
        # The intent first: a crash after the write still gets the customer placed.
        mark = await roster_placements.mark(deps.db, found.id, deps.clock.now())
    # Guarded by the values it was edited from: a concurrent edit of the same fields (or
    # of the group) refuses this one, so the roster moves once, from the group it was in.
    written = await customers.update_changed(deps.db, found, updated, version, mark)
    if isinstance(written, Conflict):
        if mark is not None:
            await _withdraw(deps, found.id, mark)
        raise edits.conflict(found.id, written)
    if group_key(written) != group_key(found):
        await place_now(deps, found.id)
    return written


def _facts(customer: Customer) -> dict[str, object]:
    """What an edit may change, terms spread out, in the order the history shows them."""
    return {
        "name": customer.name,
        **{f.name: getattr(customer.terms, f.name) for f in dataclasses.fields(CustomerTerms)},
        "notice_emails": customer.notice_emails,
        "products": customer.products,
        "hosting_region": customer.hosting_region,
        "note": customer.note,
    }


def _version(
    deps: Deps, caller: Caller, before: Customer, after: Customer, reason: str | None
) -> RecordVersion:
    """The edit's version: each changed field before and after, and why when given
    (terms only apply to changes announced later, so an edit is never a widening)."""
    return RecordVersion(
        record_id=before.id,
        kind=RecordKind.CUSTOMER,
        action=VersionAction.CORRECTED,
        at=deps.clock.now(),
        reason=versions.reason(reason) if reason is not None else None,
        changes=versions.field_changes(_facts(before), _facts(after)),
        key_id=caller.key_id,
        role=caller.role.value if caller.role else None,
        person=caller.person,
    )


async def history(deps: Deps, caller: Caller, customer_id: str) -> list[RecordVersion]:
    """A customer's edits, newest first, for whoever may see the customer."""
    if not policy.may_see_customer(caller, customer_id):
        raise NotFound(f"no customer {customer_id!r}")
    found = policy.readable_versions(caller, await customers.versions_of(deps.db, customer_id))
    return list(reversed(found))


ROSTER_LEASE = timedelta(seconds=60)


async def place_in_roster(deps: Deps, owner: str, customer_id: str | None = None) -> bool:
    """Make the roster hold a customer whose group changed in its group, and in no group
    it left; the write that changed the group is the commit point, this follows from it
    under the placement's lease (a later edit's placement waits, then runs again).

    Joined before left: a crash in between notifies twice, never misses one."""
    for _ in range(_PLACING_ROUNDS):
        placement = await roster_placements.claim(
            deps.db, owner=owner, now=deps.clock.now(), lease=ROSTER_LEASE, only=customer_id
        )
        if placement is None:
            return False
        found = await customers.leaving(deps.db, placement["_id"])
        # A new customer's insert, like an edit, lands after its mark: until it has (or
        # its mark is stale: the write never came), the writer places it.
        landed = found is not None and found[2] == placement["mark"]
        if not landed and placement["marked_at"] > deps.clock.now() - ROSTER_LEASE:
            await roster_placements.release(deps.db, placement, owner=owner)
            return False
        if found is not None:
            customer, leaving, _ = found
            target = group_key(customer)
            await customer_roster.join(deps.db, customer.id, target)
            # Every group it ever left (a few): leaving one it is not in changes nothing,
            # so a placement raced by later edits never strands it in an old group.
            for group in leaving:
                if group != target:
                    await customer_roster.remove(deps.db, customer.id, group)
        if await roster_placements.done(deps.db, placement, owner=owner):
            return True
        # Marked again meanwhile: that edit's own placing found the lease held.
        customer_id = placement["_id"]
    return True


_PLACING_ROUNDS = 4


async def _withdraw(deps: Deps, customer_id: str, mark: str) -> None:
    now = await customers.leaving(deps.db, customer_id)
    await roster_placements.withdraw(deps.db, customer_id, mark, now[2] if now else None)
    await place_now(deps, customer_id)


async def place_now(deps: Deps, customer_id: str) -> None:
    await settling.settle_now(deps, customer_id, place_in_roster)


async def place_customers(deps: Deps, worker_id: str) -> int:
    """The scheduler's job: place a customer a crash left out of its group's roster."""
    return 1 if await place_in_roster(deps, worker_id) else 0


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


def customer_cursor(customer: Customer) -> tuple[str, str]:
    """The key a customer page's cursor carries (the store's sort order)."""
    return customers.sort_key(customer)
