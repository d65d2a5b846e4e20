"""Whether a customer may object to a change now (DESIGN.md 3.3, 3.4 and 11).

The one rule every channel asks: the API's `fileObjection`, the notice page's form,
the console, the e-mail's wording and the reminders. The customer's own deadline
decides, not the change's company-wide status: after an emergency replacement a
customer may still object (after the fact when its terms allowed the emergency, before
its own later date when they did not), although the change is already in force for
someone. A cancelled change, or one cancelled for this customer, leaves nothing to
object to; an open objection is not filed twice; a resolved one is decided, unless the
customer withdrew it while its deadline still runs.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from registry.domain.models import (
    Change,
    ChangeStatus,
    Notice,
    NoticeStatus,
    Objection,
    ObjectionResolution,
    ObjectionStatus,
)

__all__ = ["ObjectionRight", "Standing", "objection_right", "resolution_problems"]


class Standing(enum.Enum):
    """Where the customer stands on objecting to one change."""

    MAY_OBJECT = "MAY_OBJECT"
    OBJECTED = "OBJECTED"  # its objection is open: staff answer it
    DECIDED = "DECIDED"  # its objection was resolved (other than withdrawn)
    DEADLINE_PASSED = "DEADLINE_PASSED"
    CANCELLED = "CANCELLED"  # the change, or the change for this customer


@dataclass(frozen=True, slots=True)
class ObjectionRight:
    standing: Standing
    deadline: datetime
    after_the_fact: bool  # the change already applies to the customer (it may still object)

    @property
    def may_object(self) -> bool:
        return self.standing is Standing.MAY_OBJECT


def objection_right(
    now: datetime, change: Change, notice: Notice, objection: Objection | None = None
) -> ObjectionRight:
    """The customer's standing at `now`; `objection` is its latest objection to the change.

    Cancellation is checked first (a cancelled change has nothing to object to, whatever
    the deadline), then the deadline (it decides, DESIGN.md 3.3), then an objection
    already filed.
    """
    deadline = notice.objection_deadline
    after = notice.status is NoticeStatus.EFFECTIVE or now >= notice.effective_at

    def right(standing: Standing) -> ObjectionRight:
        return ObjectionRight(standing, deadline, after)

    if change.status is ChangeStatus.CANCELLED or notice.status is NoticeStatus.CANCELLED:
        return right(Standing.CANCELLED)
    if now >= deadline:
        return right(Standing.DEADLINE_PASSED)
    if objection is not None and objection.status is ObjectionStatus.OPEN:
        return right(Standing.OBJECTED)
    if objection is not None and objection.resolution is not ObjectionResolution.WITHDRAWN:
        return right(Standing.DECIDED)
    return right(Standing.MAY_OBJECT)


def resolution_problems(
    resolution: ObjectionResolution,
    change: Change,
    notice: Notice,
    *,
    note: str | None,
    contract_ends_at: datetime | None,
) -> dict[str, str]:
    """What is wrong with resolving an objection this way, by field (empty: nothing).

    An outcome must mean something for the customer: an exclusion needs a change to be
    excluded from, a contract's end a date no earlier than the notice, a rejection its
    reason (the note goes to the customer).
    """
    problems: dict[str, str] = {}
    if resolution is ObjectionResolution.CHANGE_CANCELLED_FOR_CUSTOMER and (
        change.status is ChangeStatus.CANCELLED
    ):
        problems["resolution"] = (
            "the change is cancelled for everyone: there is nothing to exclude the customer from"
        )
    if resolution is ObjectionResolution.CUSTOMER_TERMINATES:
        if contract_ends_at is None:
            problems["contractEndsAt"] = "say when the customer's contract ends"
        elif contract_ends_at < notice.sent_at:
            problems["contractEndsAt"] = (
                f"the contract cannot end before the notice was sent ({notice.sent_at.isoformat()})"
            )
    elif contract_ends_at is not None:
        problems["contractEndsAt"] = "a contract end date goes only with CUSTOMER_TERMINATES"
    if resolution is ObjectionResolution.REJECTED and not (note and note.strip()):
        problems["note"] = "a rejection tells the customer why: write the reason in the note"
    return problems
