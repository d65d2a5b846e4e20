"""Each customer's timeline of a change: the vendors it keeps and lacks (DESIGN.md 11)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from registry.domain.models import Change, ChangeKind, ChangeStatus, Notice, NoticeStatus
from registry.domain.timeline import CustomerVendors, customer_vendors, vendors_released

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
