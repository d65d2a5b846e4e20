"""Dates as people write them, in the reader's own time zone and language.

"28 February 2027, 09:00 CET" ("28. Februar 2027, 09:00 MEZ"), with the UTC instant
beside it where the minute matters (a deadline): a privacy officer in Berlin should not
convert from UTC. Written by Babel from CLDR data for the reader's language tag.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_time, get_timezone_name

from registry.domain import languages


@cache
def zone(name: str | None) -> ZoneInfo:
    """The IANA zone; an unknown or empty name falls back to UTC (validated on input)."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local(instant: datetime, zone_name: str | None) -> datetime:
    return instant.astimezone(zone(zone_name))


def day(instant: datetime, zone_name: str | None, language: str | None = None) -> str:
    """ "29 January 2027" ("29. Januar 2027") in the zone."""
    return format_date(local(instant, zone_name), "long", locale=languages.babel_locale(language))


def zone_abbreviation(at: datetime, language: str | None = None) -> str:
    """The zone's short name in the language ("MEZ"), where CLDR has one people use;
    else the zone database's abbreviation ("CET", "EST")."""
    if language is not None and languages.base(language) != languages.DEFAULT:
        named = get_timezone_name(at, "short", locale=languages.babel_locale(language))
        if named and not any(ch.isdigit() for ch in named) and len(named) <= 6:
            return named
    return at.tzname() or ""


def moment(instant: datetime, zone_name: str | None, language: str | None = None) -> str:
    """ "28 February 2027, 09:00 CET" in the zone."""
    at = local(instant, zone_name)
    locale = languages.babel_locale(language)
    shown = f"{format_date(at, 'long', locale=locale)}, {format_time(at, 'HH:mm', locale=locale)}"
    return f"{shown} {zone_abbreviation(at, language)}".rstrip()


def moment_with_utc(instant: datetime, zone_name: str | None, language: str | None = None) -> str:
    """The local moment, and the UTC instant unless the zone is UTC."""
    shown = moment(instant, zone_name, language)
    if zone(zone_name).key == "UTC":
        return shown
    return f"{shown} ({instant.astimezone(UTC):%Y-%m-%d %H:%M} UTC)"


def utc_moment(instant: datetime, language: str | None = None) -> str:
    """ "8 March 2027, 09:00 UTC", or the day alone at midnight UTC (public pages, feeds)."""
    at = instant.astimezone(UTC)
    if at.time() == datetime.min.time():
        return day(at, "UTC", language)
    return moment(at, "UTC", language)


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant from an event body ("Z" or an offset)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
