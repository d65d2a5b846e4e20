"""Whether a customer may object now: one rule over the states of a change (DESIGN.md 11)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from registry.domain.models import (
    Change,
    ChangeKind,
    ChangeStatus,
    CustomerTerms,
    Notice,
    NoticeStatus,
    Objection,
    ObjectionResolution,
    ObjectionStatus,
)
from registry.domain.notice import notice_dates
from registry.domain.objection_rights import Standing, objection_right, resolution_problems

SENT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
NORMAL = CustomerTerms(objection_window="P30D")
CONSENTS = CustomerTerms(allows_emergency_replacement=True)
REFUSES = CustomerTerms()


def _change(*, emergency: bool, status: ChangeStatus = ChangeStatus.ANNOUNCED) -> Change:
    return Change(
        id="chg_1",
        kind=ChangeKind.REPLACE,
        subprocessor_id="sub_new",
        replaces_id="sub_old",
        announced_at=SENT,
        effective_at=SENT if emergency else SENT + timedelta(days=100),
        earliest_allowed=SENT,
        status=status,
        emergency=emergency,
        emergency_reason="breach" if emergency else None,
    )


def _notice(
    change: Change, terms: CustomerTerms, status: NoticeStatus = NoticeStatus.PENDING
) -> Notice:
    d = notice_dates(SENT, change.effective_at, terms, emergency=change.emergency)
    return Notice(
        id="ntc_1",
        change_id=change.id,
        customer_id="cus_1",
        sent_at=SENT,
        earliest_effective_at=d.earliest_effective_at,
        effective_at=d.effective_at,
        objection_deadline=d.objection_deadline,
        status=status,
    )


def _objection(resolution: ObjectionResolution | None) -> Objection:
    return Objection(
        id="obj_1",
        change_id="chg_1",
        customer_id="cus_1",
        reason="no",
        filed_at=SENT,
        deadline=SENT,
        status=ObjectionStatus.OPEN if resolution is None else ObjectionStatus.RESOLVED,
        resolution=resolution,
    )


DAY = timedelta(days=1)
normal = _change(emergency=False)
emergency_in_force = _change(emergency=True, status=ChangeStatus.EFFECTIVE)

CASES = [
    # (id, now, change, notice, objection, standing, after the fact)
    (
        "normal change before its deadline -> may object",
        SENT + DAY,
        normal,
        _notice(normal, NORMAL),
        None,
        Standing.MAY_OBJECT,
        False,
    ),
    (
        "normal change at its deadline -> deadline passed",
        SENT + timedelta(days=30),
        normal,
        _notice(normal, NORMAL),
        None,
        Standing.DEADLINE_PASSED,
        False,
    ),
    (
        "emergency, terms allow it: in force for it, objects after the fact for 30 days",
        SENT + DAY,
        emergency_in_force,
        _notice(emergency_in_force, CONSENTS, NoticeStatus.EFFECTIVE),
        None,
        Standing.MAY_OBJECT,
        True,
    ),
    (
        "emergency, terms allow it: day 30 -> deadline passed",
        SENT + timedelta(days=30),
        emergency_in_force,
        _notice(emergency_in_force, CONSENTS, NoticeStatus.EFFECTIVE),
        None,
        Standing.DEADLINE_PASSED,
        True,
    ),
    (
        "emergency, terms refuse it: in force elsewhere, its own date later -> may object",
        SENT + DAY,
        emergency_in_force,
        _notice(emergency_in_force, REFUSES),
        None,
        Standing.MAY_OBJECT,
        False,
    ),
    (
        "emergency, terms refuse it: its own date reached -> deadline passed",
        SENT + timedelta(days=92),
        emergency_in_force,
        _notice(emergency_in_force, REFUSES, NoticeStatus.EFFECTIVE),
        None,
        Standing.DEADLINE_PASSED,
        True,
    ),
    (
        "cancelled change with its deadline open -> nothing to object to",
        SENT + DAY,
        dataclasses.replace(normal, status=ChangeStatus.CANCELLED),
        _notice(normal, NORMAL, NoticeStatus.CANCELLED),
        None,
        Standing.CANCELLED,
        False,
    ),
    (
        "emergency cancelled after taking effect, after-the-fact deadline open -> cancelled",
        SENT + DAY,
        dataclasses.replace(emergency_in_force, status=ChangeStatus.CANCELLED),
        _notice(emergency_in_force, CONSENTS, NoticeStatus.EFFECTIVE),
        None,
        Standing.CANCELLED,
        True,
    ),
    (
        "change cancelled for this customer only -> cancelled",
        SENT + DAY,
        normal,
        _notice(normal, NORMAL, NoticeStatus.CANCELLED),
        None,
        Standing.CANCELLED,
        False,
    ),
    (
        "objection open -> objected, not twice",
        SENT + DAY,
        normal,
        _notice(normal, NORMAL),
        _objection(None),
        Standing.OBJECTED,
        False,
    ),
    (
        "objection open, deadline passed -> deadline passed (the deadline decides)",
        SENT + timedelta(days=30),
        normal,
        _notice(normal, NORMAL),
        _objection(None),
        Standing.DEADLINE_PASSED,
        False,
    ),
    (
        "objection resolved: contract ends -> decided",
        SENT + DAY,
        normal,
        _notice(normal, NORMAL),
        _objection(ObjectionResolution.CUSTOMER_TERMINATES),
        Standing.DECIDED,
        False,
    ),
    (
        "objection withdrawn, deadline open -> may object again",
        SENT + DAY,
        normal,
        _notice(normal, NORMAL),
        _objection(ObjectionResolution.WITHDRAWN),
        Standing.MAY_OBJECT,
        False,
    ),
    (
        "objection withdrawn, deadline passed -> deadline passed",
        SENT + timedelta(days=31),
        normal,
        _notice(normal, NORMAL),
        _objection(ObjectionResolution.WITHDRAWN),
        Standing.DEADLINE_PASSED,
        False,
    ),
]


@pytest.mark.parametrize(
    ("now", "change", "notice", "objection", "standing", "after"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_objection_right(
    now: datetime,
    change: Change,
    notice: Notice,
    objection: Objection | None,
    standing: Standing,
    after: bool,
) -> None:
    right = objection_right(now, change, notice, objection)
    assert (right.standing, right.after_the_fact) == (standing, after)
    assert right.may_object is (standing is Standing.MAY_OBJECT)
    assert right.deadline == notice.objection_deadline


ENDS_BEFORE = SENT - DAY


@pytest.mark.parametrize(
    ("resolution", "change", "note", "ends", "problems"),
    [
        pytest.param(
            ObjectionResolution.WITHDRAWN, normal, None, None, set(), id="withdrawn: fine"
        ),
        pytest.param(
            ObjectionResolution.CHANGE_CANCELLED_FOR_CUSTOMER,
            normal,
            None,
            None,
            set(),
            id="excluded from a standing change: fine",
        ),
        pytest.param(
            ObjectionResolution.CHANGE_CANCELLED_FOR_CUSTOMER,
            dataclasses.replace(normal, status=ChangeStatus.CANCELLED),
            None,
            None,
            {"resolution"},
            id="excluded from a cancelled change: refused",
        ),
        pytest.param(
            ObjectionResolution.CUSTOMER_TERMINATES,
            normal,
            None,
            SENT + 10 * DAY,
            set(),
            id="contract ends after the notice: fine",
        ),
        pytest.param(
            ObjectionResolution.CUSTOMER_TERMINATES,
            normal,
            None,
            ENDS_BEFORE,
            {"contractEndsAt"},
            id="contract ends before the notice: refused",
        ),
        pytest.param(
            ObjectionResolution.CUSTOMER_TERMINATES,
            normal,
            None,
            None,
            {"contractEndsAt"},
            id="contract ends, no date: refused",
        ),
        pytest.param(
            ObjectionResolution.WITHDRAWN,
            normal,
            None,
            SENT + DAY,
            {"contractEndsAt"},
            id="a contract end with another outcome: refused",
        ),
        pytest.param(
            ObjectionResolution.REJECTED, normal, "  ", None, {"note"}, id="rejected, no reason"
        ),
        pytest.param(
            ObjectionResolution.REJECTED,
            normal,
            "EEA only",
            None,
            set(),
            id="rejected with a reason",
        ),
    ],
)
def test_resolution_problems(
    resolution: ObjectionResolution,
    change: Change,
    note: str | None,
    ends: datetime | None,
    problems: set[str],
) -> None:
    found = resolution_problems(
        resolution, change, _notice(normal, NORMAL), note=note, contract_ends_at=ends
    )
    assert set(found) == problems
