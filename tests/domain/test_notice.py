"""Notice windows, objection deadlines and emergency rules (DESIGN.md 3.1-3.4)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.domain.durations import Duration, InvalidDuration, format_duration, parse_duration
from registry.domain.models import CustomerTerms, PeriodEnds
from registry.domain.notice import (
    DEFAULT_REMINDER_OFFSETS,
    EffectiveAtBeforeNotice,
    EmergencyReasonRequired,
    NoticeRuleError,
    NoticeWindowTooShort,
    customer_effective_at,
    decide_effective_at,
    earliest_effective_at,
    objection_deadline,
    reminder_times,
    validate_emergency,
    validate_terms,
)

EST = timezone(timedelta(hours=-5))


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


P3M = CustomerTerms()
P30D = CustomerTerms(notice_period="P30D")
P6M = CustomerTerms(notice_period="P6M")
P3M_EMERGENCY = CustomerTerms(allows_emergency_replacement=True)
P6M_EMERGENCY = CustomerTerms(notice_period="P6M", allows_emergency_replacement=True)
P3M_ROLL = CustomerTerms(weekend_rolls_to_monday=True)


# --- earliest effective date (3.1) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("sent_at", "terms", "expected"),
    [
        pytest.param(utc(2026, 11, 30), P3M, utc(2027, 2, 28), id="30 Nov + P3M -> 28 Feb"),
        pytest.param(
            utc(2027, 11, 30), P3M, utc(2028, 2, 29), id="30 Nov 2027 + P3M -> 29 Feb 2028 (leap)"
        ),
        pytest.param(utc(2027, 1, 31), P3M, utc(2027, 4, 30), id="31 Jan + P3M -> 30 Apr"),
        pytest.param(utc(2027, 3, 31), P3M, utc(2027, 6, 30), id="31 Mar + P3M -> 30 Jun"),
        pytest.param(utc(2027, 2, 1), P30D, utc(2027, 3, 3), id="1 Feb + P30D -> 3 Mar"),
        pytest.param(
            utc(2027, 2, 1), CustomerTerms(notice_period="P1M"), utc(2027, 3, 1), id="1 Feb + P1M"
        ),
        pytest.param(utc(2027, 8, 31), P6M, utc(2028, 2, 29), id="31 Aug + P6M -> 29 Feb (leap)"),
        pytest.param(
            utc(2028, 2, 29),
            CustomerTerms(notice_period="P1Y"),
            utc(2029, 2, 28),
            id="29 Feb + P1Y -> 28 Feb",
        ),
        pytest.param(
            utc(2026, 1, 3, 10, 0), P3M, utc(2026, 4, 3, 10, 0), id="keeps the time of day"
        ),
    ],
)
def test_earliest_effective_at(sent_at: datetime, terms: CustomerTerms, expected: datetime) -> None:
    result = earliest_effective_at(sent_at, terms)
    assert result == expected
    assert result.tzinfo is UTC


@pytest.mark.parametrize(
    ("sent_at", "terms", "expected"),
    [
        pytest.param(
            utc(2026, 1, 3, 9), P3M_ROLL, utc(2026, 4, 3, 9), id="lands Fri 3 Apr -> stays Friday"
        ),
        pytest.param(
            utc(2026, 1, 4, 9), P3M_ROLL, utc(2026, 4, 6, 9), id="lands Sat 4 Apr -> Mon 6 Apr"
        ),
        pytest.param(
            utc(2026, 1, 5, 9), P3M_ROLL, utc(2026, 4, 6, 9), id="lands Sun 5 Apr -> Mon 6 Apr"
        ),
        pytest.param(
            utc(2026, 1, 6, 9), P3M_ROLL, utc(2026, 4, 6, 9), id="lands Mon 6 Apr -> stays Monday"
        ),
        pytest.param(
            utc(2026, 1, 4, 23, 59),
            P3M_ROLL,
            utc(2026, 4, 6, 23, 59),
            id="Sat 23:59 -> Mon 23:59 (same time of day)",
        ),
        pytest.param(
            utc(2026, 1, 4, 9), P3M, utc(2026, 4, 4, 9), id="lands Sat without the option -> Sat"
        ),
        pytest.param(
            datetime(2026, 1, 3, 23, 30, tzinfo=EST),
            P3M_ROLL,
            utc(2026, 4, 6, 4, 30),
            id="Sat 3 Jan 23:30-05:00 is Sun 04:30 UTC -> lands Sat 4 Apr UTC -> Mon",
        ),
    ],
)
def test_weekend_rolls_to_monday(
    sent_at: datetime, terms: CustomerTerms, expected: datetime
) -> None:
    assert earliest_effective_at(sent_at, terms) == expected


def test_input_offset_gives_the_utc_instant() -> None:
    local = datetime(2027, 1, 30, 23, 30, tzinfo=EST)
    assert earliest_effective_at(local, P3M) == earliest_effective_at(utc(2027, 1, 31, 4, 30), P3M)
    assert earliest_effective_at(local, P3M) == utc(2027, 4, 30, 4, 30)


# --- objection deadline (3.3) --------------------------------------------------------------


@pytest.mark.parametrize(
    ("terms", "sent_at", "effective_at", "expected"),
    [
        pytest.param(
            P3M, utc(2027, 1, 1), utc(2027, 4, 1), utc(2027, 4, 1), id="no window -> effective date"
        ),
        pytest.param(
            CustomerTerms(objection_window="P30D"),
            utc(2027, 1, 1),
            utc(2027, 4, 1),
            utc(2027, 1, 31),
            id="P30D window inside P3M notice -> sent + 30 days",
        ),
        pytest.param(
            CustomerTerms(notice_period="P30D", objection_window="P3M"),
            utc(2027, 1, 1),
            utc(2027, 1, 31),
            utc(2027, 1, 31),
            id="window longer than notice -> capped at effective date",
        ),
        pytest.param(
            CustomerTerms(objection_window="P30D"),
            utc(2027, 1, 1),
            utc(2027, 1, 20),
            utc(2027, 1, 20),
            id="emergency effective date before window end -> effective date",
        ),
        pytest.param(
            CustomerTerms(objection_window="P30D", weekend_rolls_to_monday=True),
            utc(2026, 1, 1, 12),
            utc(2026, 4, 1, 12),
            utc(2026, 2, 2, 12),
            id="window ends Sat 31 Jan with the option -> Mon 2 Feb",
        ),
        pytest.param(
            CustomerTerms(objection_window="P30D", weekend_rolls_to_monday=True),
            utc(2026, 1, 1, 12),
            utc(2026, 2, 1, 12),
            utc(2026, 2, 1, 12),
            id="rolled deadline still capped at effective date",
        ),
        pytest.param(
            CustomerTerms(objection_window="P30D"),
            datetime(2026, 12, 31, 23, 30, tzinfo=EST),
            datetime(2027, 4, 1, tzinfo=EST),
            utc(2027, 1, 31, 4, 30),
            id="inputs at -05:00 -> deadline as a UTC instant",
        ),
    ],
)
def test_objection_deadline(
    terms: CustomerTerms, sent_at: datetime, effective_at: datetime, expected: datetime
) -> None:
    result = objection_deadline(sent_at, effective_at, terms)
    assert result == expected
    assert result.tzinfo is UTC


# --- effective date per customer and emergency rules (3.2, 3.4) ----------------------------

SENT = utc(2027, 1, 15, 9)


@pytest.mark.parametrize(
    ("change_effective_at", "terms", "emergency", "expected"),
    [
        pytest.param(
            utc(2027, 4, 15, 9), P3M, False, utc(2027, 4, 15, 9), id="normal -> change's date"
        ),
        pytest.param(
            utc(2027, 6, 1), P3M, False, utc(2027, 6, 1), id="normal, later date -> change's date"
        ),
        pytest.param(
            utc(2027, 4, 15, 9),
            P6M,
            False,
            utc(2027, 7, 15, 9),
            id="normal, customer's window longer (notified late) -> own earliest date",
        ),
        pytest.param(
            utc(2027, 1, 16),
            P3M_EMERGENCY,
            True,
            utc(2027, 1, 16),
            id="emergency, terms allow it -> change's date despite window",
        ),
        pytest.param(
            utc(2027, 1, 10),
            P3M_EMERGENCY,
            True,
            utc(2027, 1, 10),
            id="emergency, terms allow it -> even before the notice",
        ),
        pytest.param(
            utc(2027, 1, 16),
            P3M,
            True,
            utc(2027, 4, 15, 9),
            id="emergency, terms do not allow it -> full window",
        ),
        pytest.param(
            utc(2027, 5, 1),
            P3M,
            True,
            utc(2027, 5, 1),
            id="emergency, terms do not allow it, change later than window -> change's date",
        ),
        pytest.param(
            utc(2027, 1, 16),
            P3M_EMERGENCY,
            False,
            utc(2027, 4, 15, 9),
            id="not an emergency -> emergency permission does not shorten the window",
        ),
    ],
)
def test_customer_effective_at(
    change_effective_at: datetime, terms: CustomerTerms, emergency: bool, expected: datetime
) -> None:
    assert customer_effective_at(SENT, change_effective_at, terms, emergency=emergency) == expected


@pytest.mark.parametrize(
    ("terms_list", "emergency", "expected"),
    [
        pytest.param([], False, SENT, id="no customers -> the send time"),
        pytest.param([P3M], False, utc(2027, 4, 15, 9), id="one P3M customer -> sent + 3 months"),
        pytest.param([P30D, P3M, P6M], False, utc(2027, 7, 15, 9), id="P30D, P3M, P6M -> P6M"),
        pytest.param([P3M] * 1000, False, utc(2027, 4, 15, 9), id="repeated terms -> same date"),
        pytest.param(
            [P6M_EMERGENCY, P30D],
            True,
            SENT,
            id="emergency: no window binds the date (the others' notices lag)",
        ),
        pytest.param(
            [P3M_EMERGENCY, P6M_EMERGENCY], True, SENT, id="emergency, all allow it -> at once"
        ),
        pytest.param(
            [P6M_EMERGENCY, P30D], False, utc(2027, 7, 15, 9), id="normal change counts everyone"
        ),
    ],
)
def test_earliest_allowed(
    terms_list: list[CustomerTerms], emergency: bool, expected: datetime
) -> None:
    decision = decide_effective_at(SENT, None, terms_list, emergency=emergency)
    assert decision.earliest_allowed == expected


def test_decide_effective_at_accepts_a_single_pass_iterator() -> None:
    terms = (t for t in [P30D, P6M, P3M])
    decision = decide_effective_at(SENT, None, terms, emergency=False)
    assert decision.earliest_allowed == utc(2027, 7, 15, 9)
    assert [d.terms for d in decision.dates] == [P30D, P6M, P3M]


@pytest.mark.parametrize(
    ("requested", "terms_list", "emergency", "expected"),
    [
        pytest.param(None, [P30D, P3M], False, utc(2027, 4, 15, 9), id="none asked -> latest"),
        pytest.param(None, [], False, SENT, id="none asked, no customers -> sent_at"),
        pytest.param(
            None, [P3M_EMERGENCY], True, SENT, id="none asked, emergency, all allow -> sent_at"
        ),
        pytest.param(
            None, [P3M_EMERGENCY, P30D], True, SENT, id="emergency -> at once (others lag)"
        ),
        pytest.param(
            utc(2027, 2, 1),
            [P3M_EMERGENCY, P30D, P3M],
            True,
            utc(2027, 2, 1),
            id="emergency: customers not allowing it keep their window by lagging",
        ),
        pytest.param(
            utc(2027, 4, 15, 9), [P3M], False, utc(2027, 4, 15, 9), id="exactly the earliest -> ok"
        ),
        pytest.param(utc(2027, 5, 1), [P3M], False, utc(2027, 5, 1), id="later than needed -> ok"),
        pytest.param(SENT, [], False, SENT, id="no customers, at the send time -> ok"),
        pytest.param(
            utc(2027, 1, 10),
            [P3M_EMERGENCY],
            True,
            utc(2027, 1, 10),
            id="emergency, all allow it, backdated -> ok",
        ),
        pytest.param(
            datetime(2027, 4, 15, 4, tzinfo=EST),
            [P3M],
            False,
            utc(2027, 4, 15, 9),
            id="requested at -05:00 -> returned in UTC",
        ),
    ],
)
def test_decision_accepts(
    requested: datetime | None,
    terms_list: list[CustomerTerms],
    emergency: bool,
    expected: datetime,
) -> None:
    decision = decide_effective_at(SENT, requested, terms_list, emergency=emergency)
    result = decision.checked()
    assert result == expected
    assert result.tzinfo is UTC
    assert not any(d.too_early for d in decision.dates)
    for d in decision.dates:  # nobody loses part of its window
        assert d.effective_at >= result
        if not (emergency and d.terms.allows_emergency_replacement):
            assert d.effective_at >= d.earliest_effective_at


@pytest.mark.parametrize(
    ("requested", "terms_list", "emergency", "earliest", "offending"),
    [
        pytest.param(
            utc(2027, 4, 15, 8, 59),
            [P3M],
            False,
            utc(2027, 4, 15, 9),
            [P3M],
            id="one minute too early -> refused",
        ),
        pytest.param(
            utc(2027, 5, 1),
            [P30D, P3M, P6M],
            False,
            utc(2027, 7, 15, 9),
            [P6M],
            id="long enough for P30D and P3M, not P6M -> names P6M",
        ),
        pytest.param(
            utc(2027, 1, 16),
            [P3M_EMERGENCY],
            False,
            utc(2027, 4, 15, 9),
            [P3M_EMERGENCY],
            id="emergency permission is not used by a normal change",
        ),
        pytest.param(
            utc(2027, 1, 1),
            [P3M],
            False,
            utc(2027, 4, 15, 9),
            [P3M],
            id="before the notice with customers -> window error gives the fix",
        ),
    ],
)
def test_decision_refuses_short_window(
    requested: datetime,
    terms_list: list[CustomerTerms],
    emergency: bool,
    earliest: datetime,
    offending: list[CustomerTerms],
) -> None:
    with pytest.raises(NoticeWindowTooShort, match="allows 2027-") as caught:
        decide_effective_at(SENT, requested, terms_list, emergency=emergency).checked()
    assert caught.value.earliest_allowed == earliest
    assert caught.value.requested == requested
    assert set(caught.value.offending_terms) == set(offending)


def test_decision_refuses_normal_change_before_notice() -> None:
    with pytest.raises(EffectiveAtBeforeNotice, match="before the notice is sent") as caught:
        decide_effective_at(SENT, utc(2027, 1, 14), [], emergency=False).checked()
    assert caught.value.requested == utc(2027, 1, 14)
    assert caught.value.sent_at == SENT


def test_errors_share_one_base() -> None:
    assert issubclass(NoticeWindowTooShort, NoticeRuleError)
    assert issubclass(EffectiveAtBeforeNotice, NoticeRuleError)
    assert issubclass(EmergencyReasonRequired, NoticeRuleError)
    assert str(NoticeWindowTooShort(utc(2027, 4, 15))).startswith("effective date too early")


@pytest.mark.parametrize(
    ("emergency", "reason", "refused"),
    [
        pytest.param(False, None, False, id="normal change, no reason -> ok"),
        pytest.param(True, "vendor breached, replaced at once", False, id="emergency with reason"),
        pytest.param(True, None, True, id="emergency without reason -> refused"),
        pytest.param(True, "", True, id="emergency with empty reason -> refused"),
        pytest.param(True, " \t\n", True, id="emergency with blank reason -> refused"),
    ],
)
def test_validate_emergency(emergency: bool, reason: str | None, refused: bool) -> None:
    if refused:
        with pytest.raises(EmergencyReasonRequired, match="reason"):
            validate_emergency(emergency, reason)
    else:
        validate_emergency(emergency, reason)


# --- reminders -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent_at", "deadline", "offsets", "expected"),
    [
        pytest.param(
            utc(2027, 1, 1),
            utc(2027, 4, 1, 12),
            DEFAULT_REMINDER_OFFSETS,
            [utc(2027, 3, 18, 12), utc(2027, 3, 31, 12)],
            id="default -> 14 days and 1 day before",
        ),
        pytest.param(
            utc(2027, 3, 20),
            utc(2027, 4, 1, 12),
            DEFAULT_REMINDER_OFFSETS,
            [utc(2027, 3, 31, 12)],
            id="14-day reminder before the notice -> dropped",
        ),
        pytest.param(
            utc(2027, 3, 18, 12),
            utc(2027, 4, 1, 12),
            DEFAULT_REMINDER_OFFSETS,
            [utc(2027, 3, 31, 12)],
            id="reminder at the send time itself -> dropped",
        ),
        pytest.param(
            utc(2027, 3, 31, 13),
            utc(2027, 4, 1, 12),
            DEFAULT_REMINDER_OFFSETS,
            [],
            id="deadline within a day -> no reminders",
        ),
        pytest.param(
            utc(2027, 1, 1),
            utc(2027, 4, 1),
            [timedelta(days=1), timedelta(days=7), timedelta(hours=24)],
            [utc(2027, 3, 25), utc(2027, 3, 31)],
            id="unsorted and duplicate offsets -> sorted, deduplicated",
        ),
        pytest.param(utc(2027, 1, 1), utc(2027, 4, 1), [], [], id="no offsets -> no reminders"),
        pytest.param(
            datetime(2027, 1, 1, tzinfo=EST),
            datetime(2027, 4, 1, 7, tzinfo=EST),
            [timedelta(days=1)],
            [utc(2027, 3, 31, 12)],
            id="inputs at -05:00 -> reminders in UTC",
        ),
    ],
)
def test_reminder_times(
    sent_at: datetime, deadline: datetime, offsets: list[timedelta], expected: list[datetime]
) -> None:
    result = reminder_times(sent_at, deadline, offsets)
    assert result == expected
    assert all(r.tzinfo is UTC for r in result)


@pytest.mark.parametrize(
    "offset", [timedelta(0), timedelta(days=-1)], ids=["zero offset", "negative offset"]
)
def test_reminder_offsets_must_be_positive(offset: timedelta) -> None:
    with pytest.raises(ValueError, match="positive"):
        reminder_times(utc(2027, 1, 1), utc(2027, 4, 1), [offset])


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "terms",
    [
        pytest.param(CustomerTerms(notice_period="3 months"), id="notice '3 months' -> refused"),
        pytest.param(CustomerTerms(notice_period="P0D"), id="notice P0D -> refused"),
        pytest.param(CustomerTerms(notice_period="P30Y"), id="notice P30Y -> refused"),
        pytest.param(CustomerTerms(objection_window="p30d"), id="window p30d -> refused"),
        pytest.param(
            CustomerTerms(objection_window="P0D"), id="window P0D -> refused (no right to object)"
        ),
    ],
)
def test_bad_terms_are_refused(terms: CustomerTerms) -> None:
    with pytest.raises(InvalidDuration):
        validate_terms(terms)


def test_earliest_effective_at_refuses_bad_notice_period() -> None:
    with pytest.raises(InvalidDuration, match="upper case"):
        earliest_effective_at(SENT, CustomerTerms(notice_period="p3m"))


NAIVE = datetime(2027, 1, 15, 9)  # naive on purpose: these tests check the refusal

CALLS: list[tuple[str, Callable[[], object]]] = [
    ("earliest_effective_at", lambda: earliest_effective_at(NAIVE, P3M)),
    (
        "objection_deadline sent_at",
        lambda: objection_deadline(NAIVE, SENT, CustomerTerms(objection_window="P1D")),
    ),
    ("objection_deadline effective_at", lambda: objection_deadline(SENT, NAIVE, P3M)),
    ("customer_effective_at", lambda: customer_effective_at(SENT, NAIVE, P3M, emergency=False)),
    ("decide sent_at", lambda: decide_effective_at(NAIVE, None, [], emergency=False)),
    ("decide requested", lambda: decide_effective_at(SENT, NAIVE, [P3M], emergency=False)),
    ("reminder_times", lambda: reminder_times(SENT, NAIVE)),
]


@pytest.mark.parametrize(
    "call", [c for _, c in CALLS], ids=[f"{n} naive -> ValueError" for n, _ in CALLS]
)
def test_naive_datetimes_are_refused(call: Callable[[], object]) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        call()


# --- properties ----------------------------------------------------------------------------

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
durations = st.builds(
    Duration,
    years=st.integers(0, 2),
    months=st.integers(0, 30),
    weeks=st.integers(0, 10),
    days=st.integers(0, 200),
    hours=st.integers(0, 72),
    minutes=st.integers(0, 90),
    seconds=st.integers(0, 90),
).filter(lambda d: not d.is_zero)
terms_strategy = st.builds(
    CustomerTerms,
    notice_period=durations.map(format_duration),
    objection_window=st.none() | durations.map(format_duration),
    allows_emergency_replacement=st.booleans(),
    weekend_rolls_to_monday=st.booleans(),
    holiday_calendar=st.none() | st.sampled_from(("DE-BE", "DK", "GB-SCT")),
)


@given(aware_datetimes, terms_strategy)
def test_earliest_is_at_least_the_minimum_notice(sent_at: datetime, terms: CustomerTerms) -> None:
    minimum = parse_duration(terms.notice_period).minimum_length()
    assert earliest_effective_at(sent_at, terms) >= sent_at + minimum


@given(
    aware_datetimes,
    st.lists(terms_strategy, max_size=6),
    st.booleans(),
    st.none() | st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=800)),
)
def test_chosen_date_respects_every_window(
    sent_at: datetime, terms_list: list[CustomerTerms], emergency: bool, extra: timedelta | None
) -> None:
    latest = decide_effective_at(sent_at, None, terms_list, emergency=emergency).earliest_allowed
    requested = None if extra is None else latest + extra
    decision = decide_effective_at(sent_at, requested, terms_list, emergency=emergency)
    effective_at = decision.checked()
    for d in decision.dates:
        own = customer_effective_at(sent_at, effective_at, d.terms, emergency=emergency)
        assert d.effective_at == own >= effective_at
        assert own >= earliest_effective_at(sent_at, d.terms) or (
            emergency and d.terms.allows_emergency_replacement
        )
        if not emergency:
            assert own == effective_at
            assert d.objection_deadline == objection_deadline(sent_at, own, d.terms) <= own


@given(
    aware_datetimes,
    terms_strategy,
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3000)),
)
def test_deadline_is_never_after_the_effective_date(
    sent_at: datetime, terms: CustomerTerms, after: timedelta
) -> None:
    effective_at = sent_at + after
    assert objection_deadline(sent_at, effective_at, terms) <= effective_at


@given(aware_datetimes, terms_strategy, offsets, st.booleans())
def test_results_are_independent_of_the_input_offset(
    sent_at: datetime, terms: CustomerTerms, other: timezone, emergency: bool
) -> None:
    moved = sent_at.astimezone(other)
    earliest = earliest_effective_at(sent_at, terms)
    assert earliest_effective_at(moved, terms) == earliest
    assert earliest_effective_at(moved, terms).tzinfo is UTC
    assert objection_deadline(moved, earliest.astimezone(other), terms) == objection_deadline(
        sent_at, earliest, terms
    )
    assert decide_effective_at(moved, None, [terms], emergency=emergency).checked() == (
        decide_effective_at(sent_at, None, [terms], emergency=emergency).checked()
    )
    assert reminder_times(moved, earliest.astimezone(other)) == reminder_times(sent_at, earliest)


# --- one decision for the announcement and its preview ------------------------------------

UTC_30D = CustomerTerms(notice_period="P30D", objection_window="P14D")
BERLIN_30D_EOD = CustomerTerms(
    notice_period="P30D", time_zone="Europe/Berlin", period_ends=PeriodEnds.END_OF_DAY
)
NEW_YORK_30D_EOD_ROLL = CustomerTerms(
    notice_period="P30D",
    time_zone="America/New_York",
    period_ends=PeriodEnds.END_OF_DAY,
    weekend_rolls_to_monday=True,
)
TOKYO_3M = CustomerTerms(time_zone="Asia/Tokyo")
MIXED = [UTC_30D, BERLIN_30D_EOD, NEW_YORK_30D_EOD_ROLL, TOKYO_3M]
# Sent Fri 15 Jan 2027 09:00 UTC (10:00 Berlin, 04:00 New York, 18:00 Tokyo).
ENDS = {
    UTC_30D: utc(2027, 2, 14, 9),  # +30 days, same instant (a Sunday: no roll asked)
    BERLIN_30D_EOD: utc(2027, 2, 14, 23),  # 14 Feb ends at Berlin midnight, 23:00 UTC
    NEW_YORK_30D_EOD_ROLL: utc(2027, 2, 16, 5),  # Sun 14 Feb -> Mon 15 Feb, ends 16 Feb 00:00
    TOKYO_3M: utc(2027, 4, 15, 9),  # 15 Apr 18:00 Tokyo
}


@pytest.mark.parametrize(
    ("requested", "emergency", "effective", "deadlines", "too_early"),
    [
        pytest.param(
            None,
            False,
            {t: ENDS[TOKYO_3M] for t in MIXED},
            {UTC_30D: utc(2027, 1, 29, 9)} | {t: ENDS[TOKYO_3M] for t in MIXED[1:]},
            set(),
            id="none asked: the longest window, everyone's date",
        ),
        pytest.param(
            utc(2027, 2, 15),
            False,
            {UTC_30D: utc(2027, 2, 15), BERLIN_30D_EOD: utc(2027, 2, 15)}
            | {NEW_YORK_30D_EOD_ROLL: ENDS[NEW_YORK_30D_EOD_ROLL], TOKYO_3M: ENDS[TOKYO_3M]},
            {
                UTC_30D: utc(2027, 1, 29, 9),
                BERLIN_30D_EOD: utc(2027, 2, 15),
                NEW_YORK_30D_EOD_ROLL: ENDS[NEW_YORK_30D_EOD_ROLL],
                TOKYO_3M: ENDS[TOKYO_3M],
            },
            {NEW_YORK_30D_EOD_ROLL, TOKYO_3M},
            id="15 Feb: after the UTC and Berlin windows, inside New York's and Tokyo's",
        ),
    ],
)
def test_one_decision_per_terms_across_zones_and_period_ends(
    requested: datetime | None,
    emergency: bool,
    effective: dict[CustomerTerms, datetime],
    deadlines: dict[CustomerTerms, datetime],
    too_early: set[CustomerTerms],
) -> None:
    decision = decide_effective_at(SENT, requested, MIXED, emergency=emergency)
    assert decision.earliest_allowed == ENDS[TOKYO_3M]
    assert {d.terms: d.earliest_effective_at for d in decision.dates} == ENDS
    assert {d.terms: d.effective_at for d in decision.dates} == effective
    assert {d.terms: d.objection_deadline for d in decision.dates} == deadlines
    assert set(decision.offending_terms) == too_early
    if too_early:
        with pytest.raises(NoticeWindowTooShort) as caught:
            decision.checked()
        assert set(caught.value.offending_terms) == too_early
        assert caught.value.earliest_allowed == ENDS[TOKYO_3M]
    else:
        assert decision.checked() == ENDS[TOKYO_3M]


def test_an_emergency_binds_no_window_and_the_others_lag() -> None:
    allowing = CustomerTerms(objection_window="P14D", allows_emergency_replacement=True)
    decision = decide_effective_at(SENT, SENT, [allowing, TOKYO_3M], emergency=True)
    assert decision.checked() == SENT
    assert decision.earliest_allowed == SENT
    dates = {d.terms: d for d in decision.dates}
    assert dates[allowing].effective_at == SENT
    assert dates[allowing].objection_deadline == utc(2027, 1, 29, 9)  # after the fact
    assert dates[TOKYO_3M].effective_at == ENDS[TOKYO_3M]  # its full window
    assert dates[TOKYO_3M].objection_deadline == ENDS[TOKYO_3M]
    assert not decision.offending_terms
