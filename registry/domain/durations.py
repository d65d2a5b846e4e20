"""ISO 8601 durations as written in contract terms (`P3M`, `P30D`, `P1Y6M`).

Contracts count notice in calendar units, so a duration keeps its components
(P1M is not P30D) and is added with calendar arithmetic on the wall clock of a
time zone: months and years clamp to the end of a shorter month, days and weeks
are calendar days there (a day across a DST change lasts 23 or 25 hours), and
hours, minutes and seconds are elapsed time (DESIGN.md 3.1).
The parser is strict because a term that cannot be read is a contract we
cannot honour; every refusal is an `InvalidDuration` that says what is wrong.
"""

from __future__ import annotations

import re
from dataclasses import astuple, dataclass, fields
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache

from dateutil.relativedelta import relativedelta

__all__ = [
    "MAX_PLAUSIBLE_YEARS",
    "Duration",
    "InvalidDuration",
    "add_duration",
    "format_duration",
    "local_instant",
    "parse_duration",
]

MAX_PLAUSIBLE_YEARS = 10
"""Terms longer than this are typos (P30Y for P30D), not contracts."""

# Mean Gregorian year and month in seconds: lets P10Y, P120M and P3652D be
# compared on one exact integer scale without picking a start date.
_YEAR_SECONDS = 31_556_952
_MONTH_SECONDS = _YEAR_SECONDS // 12
_MAX_NOMINAL_SECONDS = MAX_PLAUSIBLE_YEARS * _YEAR_SECONDS
_MAX_DIGITS = 9  # longer numbers are implausible anyway; keeps int() cheap

_GRAMMAR = re.compile(
    r"P(?:([0-9]+)Y)?(?:([0-9]+)M)?(?:([0-9]+)W)?(?:([0-9]+)D)?"
    r"(?:T(?:([0-9]+)H)?(?:([0-9]+)M)?(?:([0-9]+)S)?)?",
    re.ASCII,
)
_EXAMPLES = "e.g. 'P3M', 'P30D', 'P1Y6M', 'P2W' or 'PT72H'"


class InvalidDuration(ValueError):
    """A duration text that is not a usable ISO 8601 contract term."""

    def __init__(self, text: str, reason: str) -> None:
        self.text = text
        self.reason = reason
        super().__init__(f"invalid ISO 8601 duration {text!r}: {reason}")


@dataclass(frozen=True, slots=True)
class Duration:
    """A calendar duration; components are kept apart because P1M != P30D."""

    years: int = 0
    months: int = 0
    weeks: int = 0
    days: int = 0
    hours: int = 0
    minutes: int = 0
    seconds: int = 0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            # bool is an int subclass; True months is a bug, not a term.
            if type(value) is not int:
                raise TypeError(f"Duration.{f.name} must be an int, got {value!r}")
            if value < 0:
                raise ValueError(f"Duration.{f.name} must not be negative, got {value}")

    def __str__(self) -> str:
        return format_duration(self)

    @property
    def is_zero(self) -> bool:
        return not any(astuple(self))

    def minimum_length(self) -> timedelta:
        """A lower bound of `add_duration(t, self) - t` for every start `t` in UTC.

        A year is at least 365 days and a month at least 28, whatever the
        start date and month-end clamping. (On a zone with daylight saving a
        calendar day may last 23 hours, so compare local readings there.)
        """
        return timedelta(
            days=self.years * 365 + self.months * 28 + self.weeks * 7 + self.days,
            hours=self.hours,
            minutes=self.minutes,
            seconds=self.seconds,
        )

    def _nominal_seconds(self) -> int:
        return (
            self.years * _YEAR_SECONDS
            + self.months * _MONTH_SECONDS
            + ((self.weeks * 7 + self.days) * 24 + self.hours) * 3600
            + self.minutes * 60
            + self.seconds
        )


def parse_duration(text: str, *, allow_zero: bool = False) -> Duration:
    """Read an ISO 8601 duration (`PnYnMnWnDTnHnMnS`, integers only).

    `allow_zero=False` (the default) refuses `P0D`: a zero notice period would
    remove the notice the contract promises. Results are cached because the
    same few terms are evaluated for every customer of a change.
    """
    return _parse_cached(text, allow_zero)


@lru_cache(maxsize=1024)
def _parse_cached(text: str, allow_zero: bool) -> Duration:
    duration = Duration(*(int(g) if g else 0 for g in _match(text).groups()))
    if duration.is_zero and not allow_zero:
        raise InvalidDuration(text, "a zero duration is not allowed here")
    if duration._nominal_seconds() > _MAX_NOMINAL_SECONDS:
        raise InvalidDuration(
            text, f"longer than {MAX_PLAUSIBLE_YEARS} years is not a plausible contract term"
        )
    return duration


def _match(text: str) -> re.Match[str]:
    """Match the grammar, or explain the most likely mistake."""
    if not text:
        raise InvalidDuration(text, f"empty; expected an ISO 8601 duration, {_EXAMPLES}")
    if text != text.strip():
        raise InvalidDuration(text, "leading or trailing whitespace is not allowed")
    match = _GRAMMAR.fullmatch(text)
    if match is None:
        raise InvalidDuration(text, _explain(text))
    if text in ("P", "PT") or text.endswith("T"):
        # The grammar lets every component be absent; ISO requires at least one.
        what = "a time component (H, M or S)" if text.endswith("T") else "a component"
        raise InvalidDuration(text, f"'{text[-1]}' must be followed by {what}, {_EXAMPLES}")
    if any(g is not None and len(g) > _MAX_DIGITS for g in match.groups()):
        raise InvalidDuration(
            text, f"longer than {MAX_PLAUSIBLE_YEARS} years is not a plausible contract term"
        )
    return match


def _explain(text: str) -> str:
    upper = text.upper()
    if _GRAMMAR.fullmatch(upper) is not None and not upper.endswith(("P", "T")):
        return f"designators must be upper case in ISO 8601: write {upper!r}"
    if "-" in text:
        return "negative durations are not allowed"
    if "." in text or "," in text:
        return "fractional values are not allowed; use a smaller unit (e.g. 'P45D', not 'P1.5M')"
    if not text.startswith("P"):
        return f"must start with 'P'; expected an ISO 8601 duration, {_EXAMPLES}"
    return f"not an ISO 8601 duration; expected one, {_EXAMPLES}"


def format_duration(duration: Duration) -> str:
    """The canonical text: components as given, zero as `P0D`; parses back equal."""
    d = duration
    date_part = "".join(
        f"{value}{unit}"
        for value, unit in ((d.years, "Y"), (d.months, "M"), (d.weeks, "W"), (d.days, "D"))
        if value
    )
    time_part = "".join(
        f"{value}{unit}"
        for value, unit in ((d.hours, "H"), (d.minutes, "M"), (d.seconds, "S"))
        if value
    )
    if not date_part and not time_part:
        return "P0D"
    return "P" + date_part + (f"T{time_part}" if time_part else "")


def add_duration(start: datetime, duration: Duration, zone: tzinfo = UTC) -> datetime:
    """`start + duration` read on `zone`'s calendar, returned as a UTC instant.

    Years, months, weeks and days move the local wall clock (months clamp to
    the month's end: 31 Jan + P1M = 28 Feb), so 1 March 00:30 in Berlin plus
    P1M is 1 April 00:30 in Berlin whatever happened to the UTC offset between;
    hours, minutes and seconds are then added as elapsed time. The start is
    converted first, so the result is one instant whatever offset the caller
    used. Naive datetimes are refused: their instant is unknown.
    """
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError(f"start must be timezone-aware, got naive {start.isoformat()}")
    # relativedelta applies years and months first (clamping the day), then
    # the days, which is the order ISO 8601 and contracts read it in.
    calendar = relativedelta(
        years=duration.years, months=duration.months, days=duration.weeks * 7 + duration.days
    )
    clock = timedelta(hours=duration.hours, minutes=duration.minutes, seconds=duration.seconds)
    if zone is UTC:
        return start.astimezone(UTC) + calendar + clock
    local = start.astimezone(zone)
    wall = local.replace(tzinfo=None) + calendar
    return local_instant(wall, zone) + clock


def local_instant(wall: datetime, zone: tzinfo) -> datetime:
    """The UTC instant a naive wall-clock reading in `zone` names.

    A reading that happens twice (clocks go back) names the later instant; one
    that never happens (clocks go forward) names the instant the clock shows
    it would have reached, i.e. the reading plus the gap. Either way no period
    ends earlier than its local calendar reading, which is the customer's side.
    """
    return max(wall.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1))
