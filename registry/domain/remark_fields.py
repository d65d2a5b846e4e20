"""Staff's free-text remarks on records, declared once (see `fields.py`): internal notes
on how a fact was found, read by staff only (`Audience.STAFF`) wherever the record shows.
"""

from __future__ import annotations

from registry.domain.fields import Audience, Field, Kind, Shown

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
