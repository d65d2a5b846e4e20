"""ISO 8601 contract durations: parsing, formatting and calendar addition."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.domain.durations import (
    Duration,
    InvalidDuration,
    add_duration,
    format_duration,
    parse_duration,
)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --- parsing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("P3M", Duration(months=3), id="P3M -> 3 months"),
        pytest.param("P30D", Duration(days=30), id="P30D -> 30 days"),
        pytest.param("P1Y", Duration(years=1), id="P1Y -> 1 year"),
        pytest.param("P6M", Duration(months=6), id="P6M -> 6 months (Microsoft)"),
        pytest.param("P2W", Duration(weeks=2), id="P2W -> 2 weeks"),
        pytest.param("P1Y6M", Duration(years=1, months=6), id="P1Y6M -> 1 year 6 months"),
        pytest.param("PT72H", Duration(hours=72), id="PT72H -> 72 hours"),
        pytest.param("P1DT12H", Duration(days=1, hours=12), id="P1DT12H -> date and time parts"),
        pytest.param("PT30M", Duration(minutes=30), id="PT30M -> M after T is minutes"),
        pytest.param("P1MT1M", Duration(months=1, minutes=1), id="P1MT1M -> month and minute"),
        pytest.param("P1W2D", Duration(weeks=1, days=2), id="P1W2D -> weeks combine (ISO 8601-2)"),
        pytest.param("P03M", Duration(months=3), id="P03M -> leading zero is allowed"),
        pytest.param("P10Y", Duration(years=10), id="P10Y -> the longest plausible term"),
        pytest.param("P120M", Duration(months=120), id="P120M -> 10 years in months is fine"),
        pytest.param("P3652D", Duration(days=3652), id="P3652D -> just under 10 mean years"),
    ],
)
def test_parse_duration_accepts(text: str, expected: Duration) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        pytest.param("3 months", "must start with 'P'", id="'3 months' -> not ISO"),
        pytest.param("30", "must start with 'P'", id="'30' -> no designator"),
        pytest.param("P-1M", "negative", id="P-1M -> negative"),
        pytest.param("-P1M", "negative", id="-P1M -> negative"),
        pytest.param("P", "'P' must be followed by a component", id="P -> empty"),
        pytest.param("PT", "'T' must be followed by a time component", id="PT -> empty time"),
        pytest.param("P1DT", "'T' must be followed by a time component", id="P1DT -> dangling T"),
        pytest.param("", "empty", id="empty string"),
        pytest.param("P1.5M", "fractional", id="P1.5M -> fraction"),
        pytest.param("P0,5Y", "fractional", id="P0,5Y -> comma fraction"),
        pytest.param("p3m", "upper case in ISO 8601: write 'P3M'", id="p3m -> lower case"),
        pytest.param("P3m", "upper case", id="P3m -> mixed case"),
        pytest.param(" P3M", "whitespace", id="' P3M' -> leading space"),
        pytest.param("P3M\n", "whitespace", id="'P3M\\n' -> trailing newline"),
        pytest.param("P3D2M", "not an ISO 8601 duration", id="P3D2M -> components out of order"),
        pytest.param("P3M3M", "not an ISO 8601 duration", id="P3M3M -> repeated component"),
        pytest.param("P1H", "not an ISO 8601 duration", id="P1H -> hours need T"),
        pytest.param("P\u0663M", "not an ISO 8601 duration", id="P٣M -> non-ASCII digit"),
        pytest.param("P11Y", "not a plausible contract term", id="P11Y -> over 10 years"),
        pytest.param("P10Y1D", "not a plausible contract term", id="P10Y1D -> over 10 years"),
        pytest.param("P121M", "not a plausible contract term", id="P121M -> over 10 years"),
        pytest.param("P3653D", "not a plausible contract term", id="P3653D -> over 10 years"),
        pytest.param("P30Y", "not a plausible contract term", id="P30Y -> typo for P30D"),
        pytest.param("P" + "9" * 5000 + "D", "not a plausible", id="5000-digit days -> refused"),
        pytest.param("P0D", "zero duration is not allowed", id="P0D -> zero notice"),
        pytest.param("PT0S", "zero duration is not allowed", id="PT0S -> zero notice"),
    ],
)
def test_parse_duration_refuses(text: str, reason: str) -> None:
    with pytest.raises(InvalidDuration, match="invalid ISO 8601 duration") as caught:
        parse_duration(text)
    assert caught.value.text == text
    assert reason in caught.value.reason
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("text", ["P0D", "PT0S", "P0Y0M"])
def test_zero_is_accepted_only_when_asked(text: str) -> None:
    assert parse_duration(text, allow_zero=True) == Duration()
    assert parse_duration(text, allow_zero=True).is_zero


def test_parse_duration_is_cached() -> None:
    assert parse_duration("P3M") is parse_duration("P3M")


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        pytest.param({"months": -1}, ValueError, id="negative months -> ValueError"),
        pytest.param({"days": 1.5}, TypeError, id="float days -> TypeError"),
        pytest.param({"years": True}, TypeError, id="bool years -> TypeError"),
    ],
)
def test_duration_components_are_non_negative_ints(
    kwargs: dict[str, object], error: type[Exception]
) -> None:
    with pytest.raises(error):
        Duration(**kwargs)  # type: ignore[arg-type]


# --- formatting ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("duration", "text"),
    [
        pytest.param(Duration(months=3), "P3M", id="3 months -> P3M"),
        pytest.param(Duration(days=30), "P30D", id="30 days -> P30D (not P1M)"),
        pytest.param(Duration(weeks=1), "P1W", id="1 week -> P1W (not P7D)"),
        pytest.param(Duration(hours=72), "PT72H", id="72 hours -> PT72H"),
        pytest.param(Duration(months=1, minutes=5), "P1MT5M", id="month and minutes"),
        pytest.param(Duration(1, 2, 3, 4, 5, 6, 7), "P1Y2M3W4DT5H6M7S", id="every component"),
        pytest.param(Duration(), "P0D", id="zero -> P0D"),
    ],
)
def test_format_duration(duration: Duration, text: str) -> None:
    assert format_duration(duration) == text
    assert str(duration) == text


# --- calendar addition ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "text", "expected"),
    [
        pytest.param(utc(2027, 1, 31), "P1M", utc(2027, 2, 28), id="31 Jan + P1M -> 28 Feb"),
        pytest.param(
            utc(2028, 1, 31), "P1M", utc(2028, 2, 29), id="31 Jan 2028 + P1M -> 29 Feb (leap)"
        ),
        pytest.param(
            utc(2026, 11, 30), "P3M", utc(2027, 2, 28), id="30 Nov 2026 + P3M -> 28 Feb 2027"
        ),
        pytest.param(
            utc(2027, 11, 30),
            "P3M",
            utc(2028, 2, 29),
            id="30 Nov 2027 + P3M -> 29 Feb 2028 (leap)",
        ),
        pytest.param(utc(2027, 1, 31), "P3M", utc(2027, 4, 30), id="31 Jan + P3M -> 30 Apr"),
        pytest.param(utc(2027, 3, 31), "P3M", utc(2027, 6, 30), id="31 Mar + P3M -> 30 Jun"),
        pytest.param(utc(2027, 5, 31), "P1M", utc(2027, 6, 30), id="31 May + P1M -> 30 Jun"),
        pytest.param(
            utc(2027, 4, 30), "P1M", utc(2027, 5, 30), id="30 Apr + P1M -> 30 May (not 31)"
        ),
        pytest.param(utc(2027, 7, 31), "P1M", utc(2027, 8, 31), id="31 Jul + P1M -> 31 Aug"),
        pytest.param(utc(2027, 8, 31), "P6M", utc(2028, 2, 29), id="31 Aug + P6M -> 29 Feb (leap)"),
        pytest.param(utc(2027, 2, 1), "P1M", utc(2027, 3, 1), id="1 Feb + P1M -> 1 Mar"),
        pytest.param(utc(2027, 2, 1), "P30D", utc(2027, 3, 3), id="1 Feb + P30D -> 3 Mar"),
        pytest.param(
            utc(2028, 2, 1), "P30D", utc(2028, 3, 2), id="1 Feb 2028 + P30D -> 2 Mar (leap)"
        ),
        pytest.param(utc(2027, 7, 1), "P1M", utc(2027, 8, 1), id="1 Jul + P1M -> 1 Aug (31 days)"),
        pytest.param(utc(2027, 7, 1), "P30D", utc(2027, 7, 31), id="1 Jul + P30D -> 31 Jul"),
        pytest.param(
            utc(2028, 2, 29), "P1Y", utc(2029, 2, 28), id="29 Feb 2028 + P1Y -> 28 Feb 2029"
        ),
        pytest.param(
            utc(2028, 2, 29), "P4Y", utc(2032, 2, 29), id="29 Feb 2028 + P4Y -> 29 Feb 2032"
        ),
        pytest.param(
            utc(2027, 2, 28), "P1Y", utc(2028, 2, 28), id="28 Feb 2027 + P1Y -> 28 Feb 2028"
        ),
        pytest.param(
            utc(2027, 1, 31), "P1M1D", utc(2027, 3, 1), id="31 Jan + P1M1D -> 1 Mar (months first)"
        ),
        pytest.param(
            utc(2027, 12, 15), "P1Y2M", utc(2029, 2, 15), id="15 Dec + P1Y2M -> 15 Feb two years on"
        ),
        pytest.param(utc(2027, 3, 1), "P2W", utc(2027, 3, 15), id="1 Mar + P2W -> 15 Mar"),
        pytest.param(
            utc(2027, 3, 1, 9, 15), "PT72H", utc(2027, 3, 4, 9, 15), id="PT72H -> 3 days later"
        ),
        pytest.param(
            utc(2027, 1, 31, 17, 45),
            "P1M",
            utc(2027, 2, 28, 17, 45),
            id="time of day is kept",
        ),
    ],
)
def test_add_duration(start: datetime, text: str, expected: datetime) -> None:
    result = add_duration(start, parse_duration(text))
    assert result == expected
    assert result.tzinfo is UTC


@pytest.mark.parametrize(
    ("start", "text", "expected"),
    [
        pytest.param(
            datetime(2027, 1, 30, 23, 30, tzinfo=timezone(timedelta(hours=-5))),
            "P1M",
            utc(2027, 2, 28, 4, 30),
            id="30 Jan 23:30-05:00 is 31 Jan 04:30 UTC + P1M -> 28 Feb 04:30 UTC",
        ),
        pytest.param(
            datetime(2027, 3, 27, 12, 0, tzinfo=ZoneInfo("Europe/Berlin")),
            "P1D",
            utc(2027, 3, 28, 11, 0),
            id="P1D across a DST change is 24 hours in UTC",
        ),
    ],
)
def test_add_duration_works_in_utc(start: datetime, text: str, expected: datetime) -> None:
    result = add_duration(start, parse_duration(text))
    assert result == expected
    assert result.tzinfo is UTC


def test_add_duration_refuses_naive_start() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        add_duration(datetime(2027, 1, 31), Duration(months=1))


# --- properties ----------------------------------------------------------------------------

durations = st.builds(
    Duration,
    years=st.integers(0, 3),
    months=st.integers(0, 30),
    weeks=st.integers(0, 20),
    days=st.integers(0, 400),
    hours=st.integers(0, 100),
    minutes=st.integers(0, 100),
    seconds=st.integers(0, 100),
)
offsets = st.builds(
    timezone,
    st.timedeltas(
        min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23, minutes=59)
    ),
)
aware_datetimes = st.datetimes(
    min_value=datetime(1990, 1, 1),
    max_value=datetime(2200, 1, 1),
    timezones=offsets,
)


@given(durations)
def test_format_then_parse_round_trips(duration: Duration) -> None:
    assert parse_duration(format_duration(duration), allow_zero=True) == duration


@given(aware_datetimes, durations)
def test_addition_is_at_least_the_minimum_length(start: datetime, duration: Duration) -> None:
    assert add_duration(start, duration) - start >= duration.minimum_length()


@given(aware_datetimes, durations, offsets)
def test_addition_is_independent_of_the_input_offset(
    start: datetime, duration: Duration, other: timezone
) -> None:
    assert add_duration(start.astimezone(other), duration) == add_duration(start, duration)
    assert add_duration(start.astimezone(other), duration).tzinfo is UTC
