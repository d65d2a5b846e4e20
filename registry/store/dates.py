"""Calendar dates are stored as ISO strings: BSON has no date-only type, and
ISO strings compare in calendar order."""

from __future__ import annotations

from datetime import date


def dump(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def load(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
