"""The retry schedule: when the next delivery attempt is due.

Entry ``i`` of a schedule is the delay before attempt ``i + 1``, counted from the
previous attempt, as in the Standard Webhooks example schedule (the first entry,
``0``, means the first attempt goes out at once). Pure: callers pass ``now`` and
the random source.
"""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

DEFAULT_SCHEDULE = "0,5s,5m,30m,2h,5h,10h,14h,20h,24h"
MAX_RETRY_AFTER = timedelta(hours=24)

_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
_ENTRY = re.compile(r"(?P<amount>[0-9]{1,6})(?P<unit>[smhd])")


class InvalidRetrySchedule(ValueError):
    """REGISTRY_WEBHOOK_RETRY_SCHEDULE cannot be understood."""


def parse_schedule(text: str) -> tuple[timedelta, ...]:
    """``"0,5s,5m,2h,1d"`` -> delays. Units s/m/h/d; a bare ``0`` is allowed."""
    entries = [entry.strip() for entry in text.split(",")]
    if not text.strip() or any(not entry for entry in entries):
        raise InvalidRetrySchedule(f"retry schedule {text!r} has an empty entry")
    return tuple(_parse_entry(entry, text) for entry in entries)


def next_attempt_delay(
    schedule: tuple[timedelta, ...],
    attempt_number: int,
    rng: random.Random,
    jitter: float = 0.2,
) -> timedelta | None:
    """Delay after attempt ``attempt_number`` (1-based) failed; None once it was the last.

    Jitter (±20% by default) spreads retries so a receiver recovering from an
    outage is not hit by every queued message at the same second.
    """
    if attempt_number < 1:
        raise ValueError("attempt_number starts at 1")
    if not 0 <= jitter < 1:
        raise ValueError("jitter must be in [0, 1)")
    if attempt_number >= len(schedule):
        return None
    delay = schedule[attempt_number]
    return delay * (1 + rng.uniform(-jitter, jitter))


def retry_after(header_value: str | None, now: datetime) -> timedelta | None:
    """A ``Retry-After`` value (seconds or HTTP-date) as a delay, at most 24 hours.

    None when absent, malformed or negative, so a hostile receiver can neither
    break the schedule nor park a message for ever.
    """
    if header_value is None:
        return None
    value = header_value.strip()
    if value.isascii() and value.isdigit():
        return min(timedelta(seconds=int(value)), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000" means UTC with unknown local zone (RFC 5322)
        when = when.replace(tzinfo=UTC)
    # A date in the past means "now"; clamp rather than refuse.
    return min(max(when - now, timedelta(0)), MAX_RETRY_AFTER)


def _parse_entry(entry: str, text: str) -> timedelta:
    if entry == "0":
        return timedelta(0)
    match = _ENTRY.fullmatch(entry)
    if match is None:
        raise InvalidRetrySchedule(
            f"retry schedule {text!r}: {entry!r} is not a whole number with a unit s, m, h or d"
        )
    return timedelta(**{_UNITS[match["unit"]]: int(match["amount"])})
