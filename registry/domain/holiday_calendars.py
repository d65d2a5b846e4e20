"""Public-holiday calendars a contract's periods may skip (Regulation 1182/71 Art. 3(4)).

A period whose last day is a public holiday, a Saturday or a Sunday ends with the next
working day, where the contract says so (`CustomerTerms.weekend_rolls_to_monday`). Which
days are public holidays is the law of the place (Art. 2(1)), so the terms name a calendar:
an ISO 3166-1 country code with an optional ISO 3166-2 subdivision, `DE-BE` for Berlin,
`DK` for Denmark, `GB-SCT` for Scotland.

The days come from the `holidays` package (rule-based calendars computed in process, no
I/O), which is kept up to date with each country's law; a calendar is built once per code
and per process, its years as they are asked for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache

import holidays

__all__ = ["HolidayCalendar", "InvalidHolidayCalendar", "calendar_code", "holiday_calendar"]

_CODE = re.compile(r"([A-Z]{2})(?:-([A-Z0-9]{1,3}))?")


class InvalidHolidayCalendar(ValueError):
    """A calendar code that is malformed or that the calendar library does not know."""


@dataclass(frozen=True, slots=True, eq=False)
class HolidayCalendar:
    """One place's public holidays, e.g. Berlin's (`DE-BE`)."""

    code: str
    _days: holidays.HolidayBase

    def holiday(self, day: date) -> str | None:
        """The public holiday's name on that day, or None on an ordinary day."""
        name = self._days.get(day)
        return None if name is None else str(name)


def calendar_code(value: str) -> str:
    """The code checked: `CC` or `CC-SUB`, known to the calendar library (upper case as
    written, no silent folding). Raises InvalidHolidayCalendar saying what would work."""
    found = _CODE.fullmatch(value)
    if found is None:
        raise InvalidHolidayCalendar(
            f"{value!r} is not a holiday calendar code: write a country code, optionally with "
            "its subdivision, e.g. 'DK' or 'DE-BE' (Berlin)"
        )
    country, subdivision = found.group(1), found.group(2)
    supported = _supported()
    if country not in supported:
        raise InvalidHolidayCalendar(f"no public-holiday calendar is known for {country!r}")
    subdivisions = supported[country]
    if subdivision is not None and subdivision not in subdivisions:
        known = ", ".join(f"{country}-{s}" for s in subdivisions[:20]) or "none"
        raise InvalidHolidayCalendar(
            f"{country!r} has no subdivision {subdivision!r} in the calendar (known: {known})"
        )
    return value


@cache
def holiday_calendar(code: str) -> HolidayCalendar:
    """The calendar for a checked code (InvalidHolidayCalendar for an unknown one)."""
    calendar_code(code)
    country, _, subdivision = code.partition("-")
    days = holidays.country_holidays(country, subdiv=subdivision or None)
    return HolidayCalendar(code, days)


@cache
def _supported() -> dict[str, list[str]]:
    # Only ISO-style subdivision codes (the library also lists a few cities by name).
    return {
        country: [s for s in subdivisions if re.fullmatch(r"[A-Z0-9]{1,3}", s)]
        for country, subdivisions in holidays.list_supported_countries(
            include_aliases=False
        ).items()
        if len(country) == 2
    }
