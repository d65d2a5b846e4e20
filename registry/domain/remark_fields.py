"""Staff's free-text remarks on records, declared once (see `fields.py`): internal notes
on how a fact was found, read by staff only (`Audience.STAFF`) wherever the record shows.
"""

from __future__ import annotations

from registry.domain.fields import Audience, Field, Kind, Shown
from registry.domain.vendor_fields import VENDOR_FIELDS
from registry.domain.versions import RecordKind

_STAFF_SURFACES = Shown.API | Shown.CONSOLE

LOCATION_NOTE = Field(
    "note",
    "Note",
    "Free-text remark by staff, e.g. how the country or region was inferred from the "
    "vendor's policy; null when none.",
    Kind.TEXT,
    max_length=2000,
    audience=Audience.STAFF,
    shown=_STAFF_SURFACES,
)
TRANSFER_BASIS_NOTE = Field(
    "note",
    "Note",
    "Free-text remark by staff.",
    Kind.TEXT,
    max_length=2000,
    audience=Audience.STAFF,
    shown=_STAFF_SURFACES,
)
CUSTOMER_NOTE = Field(
    "note",
    "Note",
    "Free-text remark by staff about the customer, e.g. where its terms come from; null when none.",
    Kind.TEXT,
    max_length=2000,
    audience=Audience.STAFF,
    shown=_STAFF_SURFACES,
)


def staff_only(kind: RecordKind) -> frozenset[str]:
    """The API names of a record kind's staff-only fields: their values are staff's in a
    correction's before and after too (domain/versions.py)."""
    return _STAFF_ONLY.get(kind, frozenset())


_STAFF_ONLY: dict[RecordKind, frozenset[str]] = {
    RecordKind.SUBPROCESSOR: frozenset(
        f.api_name for f in VENDOR_FIELDS if f.audience is Audience.STAFF
    ),
    RecordKind.PROCESSING_LOCATION: frozenset({LOCATION_NOTE.api_name}),
    RecordKind.TRANSFER_BASIS: frozenset({TRANSFER_BASIS_NOTE.api_name}),
    RecordKind.CUSTOMER: frozenset({CUSTOMER_NOTE.api_name}),
}
