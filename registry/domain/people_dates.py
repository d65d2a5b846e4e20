"""Dates as people write them, in the reader's own time zone.

"28 February 2027, 09:00 CET", with the UTC instant beside it where the minute
matters (a deadline): a privacy officer in Berlin should not convert from UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@cache
def zone(name: str | None) -> ZoneInfo:
    """The IANA zone; an unknown or empty name falls back to UTC (validated on input)."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local(instant: datetime, zone_name: str | None) -> datetime:
    return instant.astimezone(zone(zone_name))


def day(instant: datetime, zone_name: str | None) -> str:
    """ "29 January 2027" in the zone."""
    at = local(instant, zone_name)
    return f"{at.day} {at:%B %Y}"


def moment(instant: datetime, zone_name: str | None) -> str:
    """ "28 February 2027, 09:00 CET" in the zone."""
    at = local(instant, zone_name)
    return f"{at.day} {at:%B %Y, %H:%M} {at.tzname() or ''}".rstrip()


def moment_with_utc(instant: datetime, zone_name: str | None) -> str:
    """The local moment, and the UTC instant unless the zone is UTC."""
    shown = moment(instant, zone_name)
    if zone(zone_name).key == "UTC":
        return shown
    return f"{shown} ({instant.astimezone(UTC):%Y-%m-%d %H:%M} UTC)"


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant from an event body ("Z" or an offset)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
