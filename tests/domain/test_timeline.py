"""Each customer's timeline of a change: the vendors it keeps and lacks (DESIGN.md 11)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from registry.domain.models import Change, ChangeKind, ChangeStatus, Notice, NoticeStatus
from registry.domain.timeline import CustomerVendors, customer_vendors, last_use, vendors_released

SENT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
LATER = SENT + timedelta(days=91)
DAY = timedelta(days=1)

REPLACE = Change(
    id="chg_1",
    kind=ChangeKind.REPLACE,
    subprocessor_id="brevo",
    replaces_id="mailgun",
    announced_at=SENT,
    effective_at=SENT,
    earliest_allowed=SENT,
    status=ChangeStatus.EFFECTIVE,
    emergency=True,
)
ADD = dataclasses.replace(REPLACE, kind=ChangeKind.ADD, replaces_id=None, emergency=False)
REMOVE = dataclasses.replace(ADD, kind=ChangeKind.REMOVE)
UPDATE = dataclasses.replace(ADD, kind=ChangeKind.UPDATE)


def notice(effective_at: datetime, status: NoticeStatus = NoticeStatus.PENDING) -> Notice:
    return Notice("ntc", "chg_1", "cus", SENT, effective_at, effective_at, effective_at, status)


NEW, OLD = (
    CustomerVendors(keeps=("brevo",), lacks=("mailgun",)),
    CustomerVendors(keeps=("mailgun",), lacks=("brevo",)),
)


@pytest.mark.parametrize(
    ("change", "held", "at", "expected"),
    [
        pytest.param(REPLACE, notice(SENT), SENT + DAY, NEW, id="consented emergency: new vendor"),
        pytest.param(
            REPLACE, notice(LATER), SENT + DAY, OLD, id="refused emergency: old until its date"
        ),
        pytest.param(
            REPLACE, notice(LATER), LATER, NEW, id="refused emergency: new from its own date"
        ),
        pytest.param(
            REPLACE,
            notice(SENT, NoticeStatus.CANCELLED),
            LATER + DAY,
            OLD,
            id="excluded by an upheld objection: old vendor for good",
        ),
        pytest.param(
            dataclasses.replace(REPLACE, status=ChangeStatus.CANCELLED),
            notice(LATER, NoticeStatus.CANCELLED),
            SENT + DAY,
            CustomerVendors(),
            id="cancelled change: nothing differs",
        ),
        pytest.param(
            ADD, notice(LATER), SENT + DAY, CustomerVendors(lacks=("brevo",)), id="add: not yet"
        ),
        pytest.param(
            ADD, notice(SENT), SENT, CustomerVendors(keeps=("brevo",)), id="add: from its date"
        ),
        pytest.param(
            REMOVE,
            notice(LATER),
            SENT + DAY,
            CustomerVendors(keeps=("brevo",)),
            id="remove: kept until its date",
        ),
        pytest.param(
            UPDATE,
            notice(LATER),
            SENT + DAY,
            CustomerVendors(),
            id="scope update: listed elsewhere",
        ),
    ],
)
def test_customer_vendors(
    change: Change, held: Notice, at: datetime, expected: CustomerVendors
) -> None:
    assert customer_vendors(change, held, at) == expected


@pytest.mark.parametrize(
    ("pending_until", "excluded", "released"),
    [
        pytest.param(None, 0, True, id="every customer reached: retired"),
        pytest.param(LATER, 0, False, id="a customer's date ahead: being replaced"),
        pytest.param(SENT, 0, True, id="the last date reached"),
        pytest.param(None, 1, False, id="a customer excluded: still used"),
    ],
)
def test_vendor_released_only_when_no_timeline_uses_it(
    pending_until: datetime | None, excluded: int, released: bool
) -> None:
    assert vendors_released(pending_until, excluded, SENT + DAY) is released


def mine(customer: str, day: int) -> Notice:
    return dataclasses.replace(notice(SENT + timedelta(days=day)), customer_id=customer)


@pytest.mark.parametrize(
    ("latest_first", "ends", "last"),
    [
        pytest.param([], {}, None, id="no customer -> none"),
        pytest.param([mine("a", 90), mine("b", 30)], {}, 90, id="own dates -> the latest"),
        pytest.param(
            [mine("a", 90), mine("b", 30)], {"a": 10}, 30, id="the latest's contract ends first"
        ),
        pytest.param([mine("a", 90), mine("b", 30)], {"a": 60}, 60, id="its end still the latest"),
        pytest.param([mine("a", 90)], {"a": 120}, 90, id="an end after its date -> its date"),
        pytest.param(
            [mine("a", 90), mine("b", 80), mine("c", 70)],
            {"a": 5, "b": 75},
            75,
            id="ends of two, the third not needed",
        ),
    ],
)
def test_a_vendor_taken_away_is_used_until_the_last_own_date_or_contract_end(
    latest_first: list[Notice], ends: dict[str, int], last: int | None
) -> None:
    found = last_use(latest_first, {c: SENT + timedelta(days=d) for c, d in ends.items()})
    assert found == (None if last is None else SENT + timedelta(days=last))
