"""Where a vendor processes data for one viewer at one instant: a change of locations
counts from the viewer's own date, before and after it is recorded on the vendor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from registry.domain.location_timeline import DateOf, company_date, locations_at
from registry.domain.models import Change, ChangeKind, ChangeStatus, ProcessingLocation

SENT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
DATE = SENT + timedelta(days=30)  # the change's date: the first customer's
LAGGING = DATE + timedelta(days=30)  # a customer whose own date is later
GERMANY = ProcessingLocation("loc_de", "vnd", "DE")
FRANCE = ProcessingLocation("loc_fr", "vnd", "FR")
US = ProcessingLocation("loc_us", "vnd", "US")


def change(status: ChangeStatus) -> Change:
    return Change(
        id="chg_1",
        kind=ChangeKind.UPDATE,
        subprocessor_id="vnd",
        announced_at=SENT,
        effective_at=DATE,
        earliest_allowed=DATE,
        status=status,
        locations_added=(US,),
        locations_ended=(FRANCE,),
    )


def lagging(_: Change) -> datetime | None:
    return LAGGING


def excluded(_: Change) -> datetime | None:
    return None


ANNOUNCED_RECORD = [GERMANY, FRANCE]  # as stored before the change is applied
APPLIED_RECORD = [GERMANY, US]  # as stored after


@pytest.mark.parametrize(
    ("status", "stored", "date_of", "at", "expected"),
    [
        (
            ChangeStatus.ANNOUNCED,
            ANNOUNCED_RECORD,
            company_date,
            DATE - timedelta(seconds=1),
            "DE FR",
        ),
        (ChangeStatus.ANNOUNCED, ANNOUNCED_RECORD, company_date, DATE, "DE US"),
        (ChangeStatus.ANNOUNCED, ANNOUNCED_RECORD, lagging, DATE, "DE FR"),
        (ChangeStatus.ANNOUNCED, ANNOUNCED_RECORD, lagging, LAGGING, "DE US"),
        (
            ChangeStatus.EFFECTIVE,
            APPLIED_RECORD,
            company_date,
            DATE - timedelta(seconds=1),
            "DE FR",
        ),
        (ChangeStatus.EFFECTIVE, APPLIED_RECORD, company_date, DATE, "DE US"),
        (ChangeStatus.EFFECTIVE, APPLIED_RECORD, lagging, DATE, "DE FR"),
        (ChangeStatus.EFFECTIVE, APPLIED_RECORD, lagging, LAGGING, "DE US"),
        (ChangeStatus.EFFECTIVE, APPLIED_RECORD, excluded, LAGGING, "DE FR"),
        (ChangeStatus.CANCELLED, ANNOUNCED_RECORD, company_date, LAGGING, "DE FR"),
    ],
    ids=[
        "announced, before its date",
        "announced, from its date (the future as announced)",
        "announced, a lagging customer on the change's date",
        "announced, a lagging customer on its own date",
        "applied, the past before its date",
        "applied, from its date",
        "applied, a lagging customer before its own date",
        "applied, a lagging customer from its own date",
        "applied, an excluded customer: never",
        "cancelled: never",
    ],
)
def test_a_change_of_locations_counts_from_the_viewers_date(
    status: ChangeStatus,
    stored: list[ProcessingLocation],
    date_of: DateOf,
    at: datetime,
    expected: str,
) -> None:
    found = locations_at(stored, [change(status)], at, date_of)
    assert " ".join(sorted(loc.country for loc in found)) == expected


def test_a_location_corrected_after_the_change_applied_is_read_as_corrected() -> None:
    corrected = ProcessingLocation("loc_us", "vnd", "US", region="us-east-2")
    found = locations_at([GERMANY, corrected], [change(ChangeStatus.EFFECTIVE)], DATE)
    assert corrected in found
