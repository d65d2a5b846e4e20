"""Reading console forms into the typed values the services take.

A value a person typed that cannot even be parsed (a date that is no date, an unknown
enum) is refused here with the same `ValidationError` a service raises, keyed by the
API's field name, so the page shows it beside the field it belongs to.
"""

from __future__ import annotations

import enum
import re
from datetime import UTC, date, datetime
from typing import TypeVar

from registry.domain import countries
from registry.domain.errors import ValidationError

E = TypeVar("E", bound=enum.Enum)
_SPLIT = re.compile(r"[,\n]")


def optional(value: str) -> str | None:
    return value or None


def items(value: str) -> list[str]:
    """A comma- or line-separated list, blanks dropped."""
    return [part.strip() for part in _SPLIT.split(value) if part.strip()]


def a_date(value: str, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(field, f"{value!r} is not a date such as 2026-03-01") from None


def required_date(value: str, field: str) -> date:
    found = a_date(value, field)
    if found is None:
        raise ValidationError(field, "enter a date such as 2026-03-01")
    return found


def instant(value: str, field: str) -> datetime | None:
    """A `datetime-local` value (or a bare date), read as UTC as the label says."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(
            field, f"{value!r} is not a date and time such as 2026-03-01T09:00"
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def choice(cls: type[E], value: str, field: str) -> E:
    try:
        return cls(value)
    except ValueError:
        raise ValidationError(field, f"choose one of the listed options for {field}") from None


def number(value: str, field: str) -> int | None:
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise ValidationError(field, f"{value!r} is not a whole number") from None


def checked(value: str) -> bool:
    return value in ("on", "true", "1", "yes")


def country(value: str, field: str) -> str:
    """A country picked or typed by name, label or code, as its alpha-2 code."""
    return countries.code_of(value, field)


def optional_country(value: str, field: str) -> str | None:
    return countries.optional_code(value, field)


def modules(ticked: list[str], field: str) -> tuple[int, ...]:
    """SCC modules from ticked boxes (or a typed "1, 2"), as numbers."""
    return tuple(number(m, field) or 0 for value in ticked for m in items(value))
