"""Each customer's timeline of a change (DESIGN.md 11).

A change takes effect per customer: on its notice's own date, or never when the change
was cancelled for it (an objection upheld by excluding it). The company's view keeps a
vendor current from the first customer's date and a replaced vendor until the last
customer's date; one customer's view differs from it by the vendors this module names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from registry.domain.models import Change, ChangeKind, ChangeStatus, Notice, NoticeStatus

__all__ = ["CustomerVendors", "applies_to_customer", "customer_vendors", "vendors_released"]


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
