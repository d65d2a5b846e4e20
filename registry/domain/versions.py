"""Corrections of catalog records and the versions they leave behind.

A catalog record (a vendor, its processing locations, DPAs and transfer bases) is
corrected in place with a reason; each correction keeps a version: who, when, why, and
each field's value before and after, shown as text (the record's own words, not BSON).
A correction fixes or narrows what customers receive; one that would widen it (a new
country for a vendor in use, a new data category) is a change under notice instead
(DESIGN 12), so it is refused here with a pointer to announcing it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from registry.domain import validation as check
from registry.domain.errors import ValidationError
from registry.domain.models import SubprocessorStatus
from registry.domain.person import Person

REASON_MAX = 2000


class RecordKind(enum.Enum):
    SUBPROCESSOR = "SUBPROCESSOR"
    PROCESSING_LOCATION = "PROCESSING_LOCATION"
    DPA = "DPA"
    TRANSFER_BASIS = "TRANSFER_BASIS"
    CUSTOMER = "CUSTOMER"
    PRODUCT = "PRODUCT"
    HOSTING_REGION = "HOSTING_REGION"
    OPERATOR = "OPERATOR"  # the company keeping the registry (domain/operator.py)


class VersionAction(enum.Enum):
    CORRECTED = "CORRECTED"  # a field fixed (a typo, a missing SCC module, a narrower value)
    ENDED = "ENDED"  # an end date set or brought forward: the record stops applying then
    REMOVED = "REMOVED"  # recorded in error: it no longer counts at all


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str  # the API's name (camelCase)
    before: str | None
    after: str | None


@dataclass(frozen=True, slots=True)
class RecordVersion:
    """One correction of one record."""

    record_id: str
    kind: RecordKind
    action: VersionAction
    at: datetime
    reason: str | None  # None: an edit of a PROPOSED vendor's draft, before anyone was told
    changes: tuple[FieldChange, ...] = ()
    key_id: str | None = None  # the API key that made it, when a key did
    role: str | None = None
    person: Person | None = None  # the person signed in with the company's provider


def reason(value: str | None) -> str:
    """A correction's reason: required, one or more lines of plain text."""
    if value is None:
        raise ValidationError("reason", "reason is required: say why the record is corrected")
    return check.text(value, "reason", max_length=REASON_MAX, multiline=True)


def shown(value: object) -> str | None:
    """A field's value as a version shows it."""
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return ", ".join(str(shown(v)) for v in value)
    return str(value)


def api_name(name: str) -> str:
    """A stored field's name as the API spells it (camelCase)."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def field_changes(
    before: Mapping[str, object], after: Mapping[str, object]
) -> tuple[FieldChange, ...]:
    """The fields whose values differ, in `after`'s order, named as the API names them."""
    return tuple(
        FieldChange(api_name(name), shown(before.get(name)), shown(value))
        for name, value in after.items()
        if before.get(name) != value
    )


def ending(before: date | None, after: date | None) -> bool:
    """Whether moving an end date from `before` to `after` ends the record sooner."""
    return after is not None and (before is None or after < before)


def in_use(status: SubprocessorStatus) -> bool:
    """A vendor whose facts customers have been told: widening them needs notice."""
    return status is not SubprocessorStatus.PROPOSED


def refuse_new_countries(
    status: SubprocessorStatus, kept: Iterable[str], corrected: str, field: str = "country"
) -> None:
    """A location corrected to a country the vendor in use has nowhere else is a new
    country for its customers: announced as a change, never corrected."""
    if in_use(status) and corrected not in set(kept):
        raise ValidationError(
            field,
            f"{corrected} is a new country for a vendor in use: announce it with "
            "announceChange(input: {kind: UPDATE, subprocessorId, locations: [{country, "
            "role}]}) so customers get their notice, or add it while the vendor is PROPOSED",
        )


def refuse_new_categories(
    status: SubprocessorStatus, before: Iterable[str], after: Iterable[str]
) -> None:
    """Data categories added to a vendor in use widen what it receives: a change."""
    added = sorted(set(after) - set(before))
    if in_use(status) and added:
        raise ValidationError(
            "dataCategories",
            f"{', '.join(added)}: new data categories for a vendor in use are announced with "
            "announceChange(kind: UPDATE), not corrected",
        )
