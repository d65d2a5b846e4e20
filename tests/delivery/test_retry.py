import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.delivery.retry import (
    DEFAULT_SCHEDULE,
    InvalidRetrySchedule,
    next_attempt_delay,
    parse_schedule,
    retry_after,
)

NOW = datetime(2026, 3, 2, 12, 0, 0, tzinfo=UTC)
SCHEDULE = parse_schedule(DEFAULT_SCHEDULE)


def test_default_schedule_is_the_standard_webhooks_example() -> None:
    expected = (
        timedelta(0),
        timedelta(seconds=5),
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
        timedelta(hours=5),
        timedelta(hours=10),
        timedelta(hours=14),
        timedelta(hours=20),
        timedelta(hours=24),
    )
    assert parse_schedule(DEFAULT_SCHEDULE) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", (timedelta(0),)),
        ("0s", (timedelta(0),)),
        ("90s", (timedelta(seconds=90),)),
        ("1d", (timedelta(days=1),)),
        (" 5s , 1m ", (timedelta(seconds=5), timedelta(minutes=1))),
    ],
    ids=["bare 0", "0s", "90s", "1d", "spaces around entries"],
)
def test_schedule_entries(text: str, expected: tuple[timedelta, ...]) -> None:
    assert parse_schedule(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", " ", "5", "-5s", "5x", "1.5h", "5s,,1m", "0,5s,", "five minutes", "5 s", "5S"],
    ids=[
        "empty",
        "blank",
        "number without unit",
        "negative",
        "unknown unit",
        "fraction",
        "empty middle entry",
        "trailing comma",
        "words",
        "space before unit",
        "upper-case unit",
    ],
)
def test_bad_schedules_are_refused(text: str) -> None:
    with pytest.raises(InvalidRetrySchedule):
        parse_schedule(text)


def test_invalid_schedule_is_a_value_error() -> None:
    assert issubclass(InvalidRetrySchedule, ValueError)


@pytest.mark.parametrize(
    ("attempt", "expected"),
    [
        (1, timedelta(seconds=5)),
        (2, timedelta(minutes=5)),
        (9, timedelta(hours=24)),
        (10, None),
        (11, None),
    ],
    ids=[
        "after attempt 1 -> 5s",
        "after attempt 2 -> 5m",
        "after attempt 9 -> 24h",
        "after the last attempt -> dead",
        "past the end -> dead",
    ],
)
def test_next_attempt_delay_without_jitter(attempt: int, expected: timedelta | None) -> None:
    assert next_attempt_delay(SCHEDULE, attempt, random.Random(1), jitter=0) == expected


@given(attempt=st.integers(1, len(SCHEDULE) - 1), seed=st.integers())
def test_jitter_stays_within_twenty_percent(attempt: int, seed: int) -> None:
    delay = next_attempt_delay(SCHEDULE, attempt, random.Random(seed))
    assert delay is not None
    assert SCHEDULE[attempt] * 0.8 <= delay <= SCHEDULE[attempt] * 1.2


def test_jitter_is_deterministic_for_a_seeded_rng() -> None:
    first = next_attempt_delay(SCHEDULE, 3, random.Random(42))
    assert first == next_attempt_delay(SCHEDULE, 3, random.Random(42))
    assert first != SCHEDULE[3]


@pytest.mark.parametrize(("attempt", "jitter"), [(0, 0.2), (1, -0.1), (1, 1.0)])
def test_next_attempt_delay_refuses_nonsense(attempt: int, jitter: float) -> None:
    with pytest.raises(ValueError, match=r"attempt_number|jitter"):
        next_attempt_delay(SCHEDULE, attempt, random.Random(1), jitter=jitter)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("120", timedelta(seconds=120)),
        (" 0 ", timedelta(0)),
        ("999999", timedelta(hours=24)),
        ("-5", None),
        ("1.5", None),
        ("soon", None),
        ("", None),
        ("Mon, 02 Mar 2026 13:00:00 GMT", timedelta(hours=1)),
        ("Mon, 02 Mar 2026 11:00:00 GMT", timedelta(0)),
        ("Fri, 06 Mar 2026 12:00:00 GMT", timedelta(hours=24)),
        ("Mon, 02 Mar 2026 12:30:00 -0000", timedelta(minutes=30)),
    ],
    ids=[
        "absent -> None",
        "120 -> 2 min",
        "0 -> now",
        "huge seconds -> capped at 24h",
        "negative -> refused",
        "fraction -> refused",
        "garbage -> refused",
        "empty -> refused",
        "HTTP-date in 1h -> 1h",
        "HTTP-date in the past -> now",
        "HTTP-date in 4 days -> capped at 24h",
        "date with -0000 zone -> UTC",
    ],
)
def test_retry_after(header: str | None, expected: timedelta | None) -> None:
    assert retry_after(header, NOW) == expected
