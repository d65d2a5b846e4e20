"""The fields of a sub-processor in a vendor's chain that people edit, declared once (see
`fields.py`): what EDPB Opinion 22/2024 asks a processor to give for every sub-processor
down the chain (identity: name, address, contact), what it does and with which data, and
the identifiers a DORA register of information needs.

Where it processes data, the basis of the hop to it, the parent it serves and its scope
are structured facts kept by `chain.py`, not edited as details.
"""

from __future__ import annotations

from registry.domain.fields import Audience, Field, Kind, Shown

_EVERYWHERE_BUT_NOTICE = Shown.API | Shown.CONSOLE | Shown.PUBLIC_PAGE | Shown.EXPORT
_EVERYWHERE_BUT_NOTICE |= Shown.SNAPSHOT

CHAIN_FIELDS: tuple[Field, ...] = (
    Field(
        "legal_name",
        "Legal name",
        "The sub-processor's legal name (e.g. Amazon Web Services, Inc.), 1-200 characters.",
        Kind.LINE,
        required=True,
        notice_label="Sub-processor",
    ),
    Field(
        "address",
        "Address",
        "Its registered address, as in its parent's contract, up to 500 characters.",
        Kind.TEXT,
        required=True,
        max_length=500,
        shown=_EVERYWHERE_BUT_NOTICE,
    ),
    Field(
        "contact",
        "Contact",
        "The contact person or function for data protection (e.g. Data Protection Officer), "
        "up to 200 characters.",
        Kind.LINE,
        shown=_EVERYWHERE_BUT_NOTICE,
    ),
    Field(
        "contact_email",
        "Contact e-mail",
        "The contact's e-mail address.",
        Kind.EMAIL,
        shown=_EVERYWHERE_BUT_NOTICE,
    ),
    Field(
        "purpose",
        "Purpose",
        "What it does for its parent with our customers' data, 1-1000 characters.",
        Kind.TEXT,
        required=True,
        max_length=1000,
        notice_label="What for",
    ),
    Field(
        "data_categories",
        "Data categories",
        "Categories of personal data it receives (each 1-200 characters, at most 50); empty: "
        "those of its parent.",
        Kind.LINES,
        notice_label="Which data",
    ),
    Field(
        "lei",
        "LEI",
        "Its Legal Entity Identifier (ISO 17442, 20 characters, check digits verified); the "
        "DORA register identifies providers by it.",
        Kind.LEI,
        shown=Shown.API | Shown.CONSOLE | Shown.EXPORT | Shown.SNAPSHOT,
    ),
    Field(
        "headquarters_country",
        "Headquarters country",
        "Where its headquarters are (ISO 3166-1 alpha-2).",
        Kind.COUNTRY,
        shown=Shown.API | Shown.CONSOLE | Shown.EXPORT | Shown.SNAPSHOT,
    ),
)

CHAIN_SNAPSHOT_FIELDS = tuple(
    f for f in CHAIN_FIELDS if Shown.SNAPSHOT in f.shown and f.audience is Audience.EVERYONE
)
"""What a change's snapshot carries of each sub-processor in the vendor's chain."""
