"""Regulation 1182/71 Art. 3(4): a period whose last day is a public holiday, a Saturday or a
Sunday ends with the next working day, on the holiday calendar the contract names."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from registry.domain.holiday_calendars import (
    InvalidHolidayCalendar,
    calendar_code,
    holiday_calendar,
)
from registry.domain.models import CustomerTerms, PeriodEnds
from registry.domain.notice import earliest_effective_at, objection_deadline, rolled_past

BERLIN = ZoneInfo("Europe/Berlin")
COPENHAGEN = ZoneInfo("Europe/Copenhagen")
END, SAME = PeriodEnds.END_OF_DAY, PeriodEnds.SAME_INSTANT


def terms(
    calendar: str | None,
    *,
    zone: str = "Europe/Berlin",
    ends: PeriodEnds = END,
    period: str = "P1M",
    roll: bool = True,
) -> CustomerTerms:
    return CustomerTerms(
        notice_period=period,
        time_zone=zone,
        period_ends=ends,
        weekend_rolls_to_monday=roll,
        holiday_calendar=calendar,
    )


@pytest.mark.parametrize(
    ("sent", "given", "expected"),
    [
        pytest.param(
            datetime(2026, 11, 25, 9, 0, tzinfo=BERLIN),
            terms("DE-BE"),
            datetime(2026, 12, 29, 0, 0, tzinfo=BERLIN),
            id="Reg. 1182/71 Art. 3(4): Berlin 2026-11-25 09:00 + P1M, END_OF_DAY, DE-BE "
            "-> ends with Mon 28 Dec (25, 26 Dec holidays, 27 Sunday)",
        ),
        pytest.param(
            datetime(2026, 11, 25, 9, 0, tzinfo=BERLIN),
            terms(None),
            datetime(2026, 12, 26, 0, 0, tzinfo=BERLIN),
            id="Reg. 1182/71 Art. 3(4) without a calendar: Fri 25 Dec is a working day "
            "-> ends with 25 Dec",
        ),
        pytest.param(
            datetime(2026, 11, 25, 9, 0, tzinfo=BERLIN),
            terms("DE-BE", ends=SAME),
            datetime(2026, 12, 28, 9, 0, tzinfo=BERLIN),
            id="SAME_INSTANT + roll, DE-BE: 2026-11-25 09:00 + P1M -> Mon 28 Dec 09:00",
        ),
        pytest.param(
            datetime(2026, 11, 25, 9, 0, tzinfo=BERLIN),
            terms("DE-BE", roll=False),
            datetime(2026, 12, 26, 0, 0, tzinfo=BERLIN),
            id="no roll in the terms: the calendar moves nothing",
        ),
        pytest.param(
            datetime(2026, 12, 6, 12, 0, tzinfo=BERLIN),
            terms("DE-BY"),
            datetime(2027, 1, 8, 0, 0, tzinfo=BERLIN),
            id="DE-BY: 2026-12-06 + P1M ends on Epiphany (Wed 6 Jan) -> ends with Thu 7 Jan",
        ),
        pytest.param(
            datetime(2026, 12, 6, 12, 0, tzinfo=BERLIN),
            terms("DE-BE"),
            datetime(2027, 1, 7, 0, 0, tzinfo=BERLIN),
            id="DE-BE: Epiphany is no holiday in Berlin -> ends with Wed 6 Jan",
        ),
        pytest.param(
            datetime(2026, 3, 2, 10, 0, tzinfo=COPENHAGEN),
            terms("DK", zone="Europe/Copenhagen"),
            datetime(2026, 4, 8, 0, 0, tzinfo=COPENHAGEN),
            id="DK: 2026-03-02 + P1M ends on Maundy Thursday; Good Friday, the weekend and "
            "Easter Monday follow -> ends with Tue 7 Apr",
        ),
    ],
)
def test_period_rolls_past_public_holidays(
    sent: datetime, given: CustomerTerms, expected: datetime
) -> None:
    assert earliest_effective_at(sent, given) == expected.astimezone(UTC)


def test_objection_window_rolls_too() -> None:
    sent = datetime(2026, 11, 25, 9, 0, tzinfo=BERLIN)
    given = CustomerTerms(
        notice_period="P3M",
        objection_window="P1M",
        time_zone="Europe/Berlin",
        period_ends=END,
        weekend_rolls_to_monday=True,
        holiday_calendar="DE-BE",
    )
    effective = earliest_effective_at(sent, given)
    deadline = objection_deadline(sent, effective, given)
    assert deadline == datetime(2026, 12, 29, 0, 0, tzinfo=BERLIN).astimezone(UTC)


def test_the_days_rolled_past_are_named() -> None:
    skipped = rolled_past(date(2026, 12, 25), terms("DE-BE"))
    assert skipped == (
        (date(2026, 12, 25), "Christmas Day"),
        (date(2026, 12, 26), "Second Day of Christmas"),
        (date(2026, 12, 27), "Sunday"),
    )
    assert rolled_past(date(2026, 12, 28), terms("DE-BE")) == ()


@pytest.mark.parametrize(
    ("code", "message"),
    [
        pytest.param("DE-XX", "has no subdivision 'XX'", id="unknown subdivision -> refused"),
        pytest.param("XX", "no public-holiday calendar is known", id="unknown country -> refused"),
        pytest.param("de-be", "not a holiday calendar code", id="lower case -> refused"),
        pytest.param("Berlin", "not a holiday calendar code", id="a name -> refused"),
    ],
)
def test_calendar_codes_that_do_not_exist_are_refused(code: str, message: str) -> None:
    with pytest.raises(InvalidHolidayCalendar, match=message):
        calendar_code(code)


def test_calendar_is_built_once_per_code() -> None:
    assert holiday_calendar("DE-BE") is holiday_calendar("DE-BE")
    assert holiday_calendar("GB-SCT").holiday(date(2027, 1, 4)) == "New Year Holiday (observed)"
