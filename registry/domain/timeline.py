"""Each customer's timeline of a change (DESIGN.md 11).

A change takes effect per customer: on its notice's own date, or never when the change
was cancelled for it (an objection upheld by excluding it). An objection upheld by
ending the customer's contract ends the customer's timeline on that date: from then on
no vendor processes its data and its list is empty. The company's view keeps a
vendor current from the first customer's date and a replaced vendor until the last
customer's date; one customer's view differs from it by the vendors this module names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from registry.domain.models import (
    Change,
    ChangeKind,
    ChangeStatus,
    Notice,
    NoticeStatus,
    Objection,
    ObjectionResolution,
    ObjectionStatus,
    Scope,
    Subprocessor,
)
from registry.domain.scope import affects

__all__ = [
    "BeingReplaced",
    "CustomerVendors",
    "applies_to_customer",
    "being_replaced",
    "contract_end",
    "customer_vendors",
    "reaches_customer",
    "timeline_ended",
    "vendors_released",
    "widening_reaches_more",
]


@dataclass(frozen=True, slots=True)
class CustomerVendors:
    """What one change means for one customer's list at an instant."""

    keeps: tuple[str, ...] = ()  # the customer still has these vendors
    lacks: tuple[str, ...] = ()  # the customer does not have these (yet, or any more)


def applies_to_customer(change: Change, notice: Notice, at: datetime) -> bool:
    """Whether the change is in force for the customer at `at`: on its own date, unless
    the change, or the change for this customer, was cancelled."""
    if change.status is ChangeStatus.CANCELLED or notice.status is NoticeStatus.CANCELLED:
        return False
    return notice.effective_at <= at


def customer_vendors(change: Change, notice: Notice, at: datetime) -> CustomerVendors:
    """The vendors the customer keeps and lacks at `at` because of this change.

    A cancelled change changes nothing. Otherwise, before its own date (or for good when
    excluded) the customer keeps what the change takes away and lacks what it brings;
    from its date on it lacks what the change took away.
    """
    if change.status is ChangeStatus.CANCELLED or change.kind is ChangeKind.UPDATE:
        return CustomerVendors()
    brings = (
        (change.subprocessor_id,) if change.kind in (ChangeKind.ADD, ChangeKind.REPLACE) else ()
    )
    takes: tuple[str, ...] = ()
    if change.kind is ChangeKind.REPLACE and change.replaces_id:
        takes = (change.replaces_id,)
    elif change.kind is ChangeKind.REMOVE:
        takes = (change.subprocessor_id,)
    if applies_to_customer(change, notice, at):
        return CustomerVendors(keeps=brings, lacks=takes)
    return CustomerVendors(keeps=takes, lacks=brings)


def vendors_released(pending_until: datetime | None, excluded: int, at: datetime) -> bool:
    """Whether the vendor a change takes away serves no customer any more at `at`.

    `pending_until`: the latest own date of a customer the change has not reached yet;
    `excluded`: customers the change was cancelled for (they keep the vendor)."""
    return excluded == 0 and (pending_until is None or pending_until <= at)


def last_use(latest_first: Iterable[Notice], ends: Mapping[str, datetime]) -> datetime | None:
    """The last moment any of these customers uses the vendor a change takes away: each
    until its own date, or until its contract ends if that comes first (`ends`, customer
    id -> end). `latest_first` is the change's notices by own date, latest first; those
    after the first customer without an earlier end cannot be later, so `len(ends) + 1`
    of them suffice."""
    found: datetime | None = None
    for notice in latest_first:
        if found is not None and notice.effective_at <= found:
            break
        until = notice.effective_at
        end = ends.get(notice.customer_id)
        if end is not None and end < until:
            until = end
        if found is None or until > found:
            found = until
    return found


def contract_end(objections: Iterable[Objection]) -> datetime | None:
    """When the customer's contract ends: the earliest date an upheld objection set."""
    ends = [
        o.contract_ends_at
        for o in objections
        if o.status is ObjectionStatus.RESOLVED
        and o.resolution is ObjectionResolution.CUSTOMER_TERMINATES
        and o.contract_ends_at is not None
    ]
    return min(ends, default=None)


def reaches_customer(notice: Notice, ends_at: datetime | None) -> bool:
    """Whether the change reaches the customer at all: not when its contract ends first
    (it is not told the change is in effect on a date its timeline has already ended)."""
    return not timeline_ended(ends_at, notice.effective_at)


def timeline_ended(ends_at: datetime | None, at: datetime) -> bool:
    """Whether the customer's timeline has ended by `at` (its contract ended)."""
    return ends_at is not None and ends_at <= at


def widening_reaches_more(
    old: Scope, new: Scope, products: Sequence[str], hosting_region: str | None
) -> bool:
    """Whether widening a vendor's scope from `old` to `new` touches data of a customer
    that `old` touched already, beyond what `old` did (a product or region added that it
    uses). Such a customer is not newly affected, so a widening is not announced to it,
    unless it was excluded from the vendor: then the widening is a new change for it."""
    if not affects(new, products, hosting_region):
        return False
    mine = set(products) or None  # None: the customer uses every product
    more_products = False
    if old.products:
        had = set(old.products)
        if not new.products:  # now every product
            more_products = mine is None or bool(mine - had)
        else:
            added = set(new.products) - had
            more_products = bool(added) and (mine is None or bool(added & mine))
    more_regions = (
        hosting_region is None
        and bool(old.hosting_regions)
        and (not new.hosting_regions or bool(set(new.hosting_regions) - set(old.hosting_regions)))
    )
    return more_products or more_regions


@dataclass(frozen=True, slots=True)
class BeingReplaced:
    """A vendor a change in force takes away from some customers while others (whose own
    dates are later, or who were excluded from the change) still use it."""

    change: Change
    replaced_by: str | None  # the vendor replacing it; None for a removal
    last_used_until: datetime | None  # the last customer's date; None while one is excluded


def being_replaced(
    vendor: Subprocessor, changes: Iterable[Change], at: datetime
) -> BeingReplaced | None:
    """The change taking `vendor` away that is in force at `at` while some customer still
    uses the vendor (the company's and the public's "being replaced" line), if any."""
    if vendor.active_until is not None and vendor.active_until <= at:
        return None  # taken from every customer by then
    for change in changes:
        taken = change.replaces_id if change.kind is ChangeKind.REPLACE else None
        if change.kind is ChangeKind.REMOVE:
            taken = change.subprocessor_id
        if (
            taken == vendor.id
            and change.status is ChangeStatus.EFFECTIVE
            and change.effective_at <= at
        ):
            brings = change.subprocessor_id if change.kind is ChangeKind.REPLACE else None
            return BeingReplaced(change, brings, vendor.active_until)
    return None
