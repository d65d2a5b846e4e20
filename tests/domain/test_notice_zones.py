"""Periods counted in the customer's time zone, END_OF_DAY, emergency deadlines and typo
periods (DESIGN.md 3.1, 3.3, 3.4; issue rules 6, 7 and 8)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.domain.durations import InvalidDuration, parse_duration
from registry.domain.models import CustomerTerms, PeriodEnds
from registry.domain.notice import (
    SuspiciouslyShortPeriod,
    contract_period,
    customer_date,
    customer_effective_at,
    earliest_effective_at,
    objection_deadline,
    reminder_times,
    validate_terms,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
AUCKLAND = ZoneInfo("Pacific/Auckland")
END = PeriodEnds.END_OF_DAY


def at(zone: ZoneInfo, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=zone)  # type: ignore[misc]


def terms(zone: str = "UTC", notice: str = "P3M", **kw: object) -> CustomerTerms:
    return CustomerTerms(notice_period=notice, time_zone=zone, **kw)  # type: ignore[arg-type]


# --- rule 6: counted on the customer's calendar ---------------------------------------------


@pytest.mark.parametrize(
    ("sent_at", "customer", "expected"),
    [
        pytest.param(
            at(BERLIN, 2026, 3, 1, 0, 30),
            terms("Europe/Berlin", "P1M"),
            at(BERLIN, 2026, 4, 1, 0, 30),
            id="Berlin 1 Mar 00:30 + P1M -> 1 Apr 00:30 Berlin (UTC offset changed between)",
        ),
        pytest.param(
            at(BERLIN, 2026, 3, 1, 0, 30),
            terms("UTC", "P1M"),
            datetime(2026, 3, 28, 23, 30, tzinfo=UTC),
            id="same instant (28 Feb 23:30 UTC), UTC customer + P1M -> 28 Mar 23:30 UTC",
        ),
        pytest.param(
            at(BERLIN, 2026, 3, 28, 2, 30),
            terms("Europe/Berlin", "P1D"),
            at(BERLIN, 2026, 3, 29, 3, 30),
            id="Berlin 28 Mar 02:30 + P1D lands in the DST gap -> 29 Mar 03:30 (never earlier)",
        ),
        pytest.param(
            at(BERLIN, 2026, 9, 25, 2, 30),
            terms("Europe/Berlin", "P1M"),
            datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
            id="Berlin 25 Sep 02:30 + P1M lands on the repeated hour -> the later 02:30",
        ),
        pytest.param(
            at(NEW_YORK, 2026, 11, 30, 23, 0),
            terms("America/New_York"),
            at(NEW_YORK, 2027, 2, 28, 23, 0),
            id="New York 30 Nov 23:00 + P3M -> 28 Feb 23:00 New York (UTC says 1 Mar)",
        ),
        pytest.param(
            at(TOKYO, 2027, 1, 31, 8, 0),
            terms("Asia/Tokyo", "P1M"),
            at(TOKYO, 2027, 2, 28, 8, 0),
            id="Tokyo 31 Jan 08:00 (30 Jan in UTC) + P1M -> 28 Feb Tokyo",
        ),
        pytest.param(
            at(BERLIN, 2026, 3, 28, 12, 0),
            terms("Europe/Berlin", "PT48H"),
            at(BERLIN, 2026, 3, 30, 13, 0),
            id="Berlin PT48H over the DST change -> 48 elapsed hours (13:00 local)",
        ),
    ],
)
def test_notice_counted_in_customer_time_zone(
    sent_at: datetime, customer: CustomerTerms, expected: datetime
) -> None:
    result = earliest_effective_at(sent_at, customer)
    assert result == expected
    assert result.tzinfo is UTC


@pytest.mark.parametrize(
    ("sent_at", "customer", "expected"),
    [
        pytest.param(
            at(TOKYO, 2026, 1, 4, 8, 0),
            terms("Asia/Tokyo", weekend_rolls_to_monday=True),
            at(TOKYO, 2026, 4, 6, 8, 0),
            id="Tokyo: lands Sat 4 Apr 08:00 local (Fri in UTC) -> Mon 6 Apr 08:00 Tokyo",
        ),
        pytest.param(
            at(NEW_YORK, 2026, 1, 2, 20, 0),
            terms("America/New_York", weekend_rolls_to_monday=True),
            at(NEW_YORK, 2026, 4, 2, 20, 0),
            id="New York: lands Thu 2 Apr 20:00 local (Fri in UTC) -> stays Thursday",
        ),
        pytest.param(
            at(NEW_YORK, 2026, 1, 3, 20, 0),
            terms("America/New_York", weekend_rolls_to_monday=True),
            at(NEW_YORK, 2026, 4, 3, 20, 0),
            id="New York: lands Fri 3 Apr 20:00 local (Sat in UTC) -> stays Friday",
        ),
    ],
)
def test_weekend_roll_uses_the_local_weekday(
    sent_at: datetime, customer: CustomerTerms, expected: datetime
) -> None:
    assert earliest_effective_at(sent_at, customer) == expected


@pytest.mark.parametrize(
    ("sent_at", "customer", "expected"),
    [
        pytest.param(
            at(BERLIN, 2026, 3, 1, 10, 0),
            terms("Europe/Berlin", "P1M", period_ends=END),
            at(BERLIN, 2026, 4, 2, 0, 0),
            id="END_OF_DAY Berlin 1 Mar 10:00 + P1M -> ends with 1 Apr (2 Apr 00:00 Berlin)",
        ),
        pytest.param(
            at(BERLIN, 2026, 3, 1, 10, 0),
            terms("Europe/Berlin", "P30D", period_ends=END),
            at(BERLIN, 2026, 4, 1, 0, 0),
            id="END_OF_DAY Berlin 1 Mar + P30D -> ends with 31 Mar (1 Apr 00:00 Berlin)",
        ),
        pytest.param(
            datetime(2026, 1, 4, 9, 0, tzinfo=UTC),
            terms("UTC", period_ends=END, weekend_rolls_to_monday=True),
            datetime(2026, 4, 7, 0, 0, tzinfo=UTC),
            id="END_OF_DAY + weekend roll: last day Sat 4 Apr -> ends with Mon 6 Apr",
        ),
        pytest.param(
            at(AUCKLAND, 2026, 3, 5, 23, 59),
            terms("Pacific/Auckland", "P1M", period_ends=END),
            at(AUCKLAND, 2026, 4, 6, 0, 0),
            id="END_OF_DAY Auckland 5 Mar 23:59 + P1M -> ends with 5 Apr local (DST ended between)",
        ),
        pytest.param(
            at(BERLIN, 2026, 3, 1, 10, 0),
            terms("Europe/Berlin", "P1M"),
            at(BERLIN, 2026, 4, 1, 10, 0),
            id="SAME_INSTANT (default) Berlin 1 Mar 10:00 + P1M -> 1 Apr 10:00",
        ),
    ],
)
def test_period_ends_at_end_of_its_last_local_day(
    sent_at: datetime, customer: CustomerTerms, expected: datetime
) -> None:
    assert earliest_effective_at(sent_at, customer) == expected


def test_end_of_day_objection_window_accepts_the_whole_last_day() -> None:
    customer = terms("Europe/Berlin", objection_window="P14D", period_ends=END)
    sent = at(BERLIN, 2026, 5, 4, 15, 0)
    deadline = objection_deadline(sent, earliest_effective_at(sent, customer), customer)
    assert deadline == at(BERLIN, 2026, 5, 19, 0, 0)
    assert at(BERLIN, 2026, 5, 18, 23, 59) < deadline


@pytest.mark.parametrize(
    ("instant", "zone", "expected"),
    [
        pytest.param(
            datetime(2026, 3, 31, 23, 30, tzinfo=UTC),
            "Europe/Berlin",
            date(2026, 4, 1),
            id="31 Mar 23:30 UTC is 1 Apr for a Berlin customer",
        ),
        pytest.param(
            datetime(2026, 4, 1, 3, 0, tzinfo=UTC),
            "America/Los_Angeles",
            date(2026, 3, 31),
            id="1 Apr 03:00 UTC is still 31 Mar for a Los Angeles customer",
        ),
        pytest.param(
            datetime(2026, 4, 1, 3, 0, tzinfo=UTC), "UTC", date(2026, 4, 1), id="UTC customer"
        ),
    ],
)
def test_customer_date_is_the_local_calendar_day(
    instant: datetime, zone: str, expected: date
) -> None:
    assert customer_date(instant, terms(zone)) == expected


# --- rule 7: the emergency replacement's deadline --------------------------------------------

SENT = datetime(2027, 1, 15, 9, 0, tzinfo=UTC)
IN_FORCE = datetime(2027, 1, 15, 9, 0, tzinfo=UTC)  # an emergency is in force at once


@pytest.mark.parametrize(
    ("customer", "expected"),
    [
        pytest.param(
            CustomerTerms(allows_emergency_replacement=True),
            datetime(2027, 2, 14, 9, 0, tzinfo=UTC),
            id="emergency, terms allow it, no window -> notice + P30D (after it took effect)",
        ),
        pytest.param(
            CustomerTerms(allows_emergency_replacement=True, objection_window="P14D"),
            datetime(2027, 1, 29, 9, 0, tzinfo=UTC),
            id="emergency, terms allow it, window P14D -> notice + P14D",
        ),
        pytest.param(
            CustomerTerms(
                allows_emergency_replacement=True,
                objection_window="P14D",
                time_zone="Europe/Berlin",
                period_ends=END,
            ),
            at(BERLIN, 2027, 1, 30, 0, 0),
            id="emergency, Berlin END_OF_DAY P14D -> end of 29 Jan Berlin",
        ),
        pytest.param(
            CustomerTerms(objection_window="P14D"),
            datetime(2027, 1, 29, 9, 0, tzinfo=UTC),
            id="emergency, terms do not allow it -> own window inside its full notice",
        ),
    ],
)
def test_emergency_replacement_keeps_the_right_to_object(
    customer: CustomerTerms, expected: datetime
) -> None:
    own = customer_effective_at(SENT, IN_FORCE, customer, emergency=True)
    deadline = objection_deadline(SENT, own, customer, emergency=True)
    assert deadline == expected
    if customer.allows_emergency_replacement:
        assert own == IN_FORCE < deadline
    assert reminder_times(SENT, deadline)[-1] == deadline - timedelta(days=1)


def test_without_emergency_the_deadline_stays_capped_at_the_effective_date() -> None:
    customer = CustomerTerms(allows_emergency_replacement=True)
    assert objection_deadline(SENT, IN_FORCE, customer) == IN_FORCE


# --- rule 8: periods under a day are refused with the likely intent --------------------------


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        pytest.param("PT3M", "'PT3M' is 3 minutes; 3 months is 'P3M'", id="PT3M -> suggests P3M"),
        pytest.param("PT30M", "30 months is 'P30M'", id="PT30M -> suggests P30M"),
        pytest.param("PT12H", "12 days is 'P12D'", id="PT12H -> suggests P12D"),
        pytest.param("PT30S", "30 days is 'P30D'", id="PT30S -> suggests P30D"),
        pytest.param("PT23H59M", "write days as 'P30D'", id="PT23H59M -> refused, general hint"),
    ],
)
def test_suspiciously_short_period_is_refused(text: str, hint: str) -> None:
    with pytest.raises(SuspiciouslyShortPeriod, match="shorter than one day") as caught:
        contract_period(text)
    assert hint in str(caught.value)
    assert isinstance(caught.value, InvalidDuration)
    for customer in (CustomerTerms(notice_period=text), CustomerTerms(objection_window=text)):
        with pytest.raises(SuspiciouslyShortPeriod):
            validate_terms(customer)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("PT24H", id="PT24H (one day) -> accepted"),
        pytest.param("P1D", id="P1D -> accepted"),
        pytest.param("P3M", id="P3M -> accepted"),
    ],
)
def test_periods_of_a_day_or_more_are_accepted(text: str) -> None:
    assert contract_period(text) == parse_duration(text)


# --- properties across time zones ------------------------------------------------------------

ZONES = st.sampled_from(
    [
        "UTC",
        "Europe/Berlin",
        "Europe/London",
        "America/New_York",
        "America/Sao_Paulo",
        "Asia/Kolkata",
        "Australia/Lord_Howe",
        "Pacific/Auckland",
        "Pacific/Chatham",
        "America/Santiago",
    ]
)
CALENDAR = st.builds(
    lambda y, m, w, d: "P" + f"{y}Y" * bool(y) + f"{m}M" * bool(m) + f"{w}W" * bool(w) + f"{d}D",
    st.integers(0, 2),
    st.integers(0, 18),
    st.integers(0, 8),
    st.integers(1, 120),
)
INSTANTS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)
)
TERMS = st.builds(
    CustomerTerms,
    notice_period=CALENDAR,
    objection_window=st.none() | CALENDAR,
    allows_emergency_replacement=st.booleans(),
    weekend_rolls_to_monday=st.booleans(),
    time_zone=ZONES,
    period_ends=st.sampled_from(PeriodEnds),
)


# Correctness, not speed: no per-example deadline on a shared, loaded machine.
UNTIMED = settings(deadline=None)


def _calendar_reading(sent_at: datetime, customer: CustomerTerms) -> datetime:
    """The naive local reading the contract names: local send time + calendar units."""
    d = parse_duration(customer.notice_period)
    local = sent_at.astimezone(ZoneInfo(customer.time_zone)).replace(tzinfo=None)
    return local + relativedelta(years=d.years, months=d.months, days=d.weeks * 7 + d.days)


@UNTIMED
@given(INSTANTS, TERMS)
def test_earliest_is_never_before_the_local_calendar_reading(
    sent_at: datetime, customer: CustomerTerms
) -> None:
    result = earliest_effective_at(sent_at, customer)
    local = result.astimezone(ZoneInfo(customer.time_zone)).replace(tzinfo=None)
    reading = _calendar_reading(sent_at, customer)
    assert local >= reading
    if not customer.weekend_rolls_to_monday and customer.period_ends is PeriodEnds.SAME_INSTANT:
        # Off the DST gaps, the reading is exact (the gap is at most a few hours).
        assert local - reading < timedelta(hours=3)


@UNTIMED
@given(INSTANTS, TERMS, st.booleans())
def test_objection_deadline_is_never_before_the_notice(
    sent_at: datetime, customer: CustomerTerms, emergency: bool
) -> None:
    own = customer_effective_at(sent_at, sent_at, customer, emergency=emergency)
    deadline = objection_deadline(sent_at, own, customer, emergency=emergency)
    assert deadline > sent_at
    if not (emergency and customer.allows_emergency_replacement):
        assert deadline <= own


@UNTIMED
@given(INSTANTS, TERMS)
def test_end_of_day_periods_end_at_a_local_midnight_not_before_same_instant(
    sent_at: datetime, customer: CustomerTerms
) -> None:
    same = CustomerTerms(**{**_fields(customer), "period_ends": PeriodEnds.SAME_INSTANT})
    whole = CustomerTerms(**{**_fields(customer), "period_ends": PeriodEnds.END_OF_DAY})
    ends = earliest_effective_at(sent_at, whole)
    assert ends > earliest_effective_at(sent_at, same)
    local = ends.astimezone(ZoneInfo(customer.time_zone))
    assert (local.hour, local.minute) == (0, 0) or local.hour <= 1  # midnight, or after a gap


def _fields(customer: CustomerTerms) -> dict[str, object]:
    return {name: getattr(customer, name) for name in customer.__dataclass_fields__}
