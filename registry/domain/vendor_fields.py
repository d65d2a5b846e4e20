"""The vendor's fields that people edit, declared once (see `fields.py`).

Everything else about a vendor (status, history, dates, scope) is kept by the change
engine and is not edited as a detail.
"""

from __future__ import annotations

from registry.domain.fields import Audience, Field, Kind, Shown

VENDOR_FIELDS: tuple[Field, ...] = (
    Field(
        "legal_name",
        "Legal name",
        "The vendor's legal name as in the DPA (e.g. Amazon Web Services EMEA SARL), "
        "1-200 characters.",
        Kind.LINE,
        required=True,
        notice_label="Vendor",
    ),
    Field(
        "purpose",
        "Purpose",
        "What the vendor does for us with customer data, 1-1000 characters.",
        Kind.TEXT,
        required=True,
        max_length=1000,
        hint="What the vendor does with customer data.",
        notice_label="What for",
    ),
    Field(
        "data_categories",
        "Data categories",
        "Categories of personal data it processes (e.g. name, email address; each 1-200 "
        "characters, at most 50); empty when not recorded.",
        Kind.LINES,
        hint="Separated by commas, e.g. Contact details, Support tickets.",
        notice_label="Which data",
    ),
    Field(
        "website",
        "Website",
        "The vendor's website, an http(s) URL.",
        Kind.URL,
        max_length=2048,
        hint="https://…",
    ),
    Field(
        "certifications",
        "Certifications",
        "Security and privacy certifications the vendor holds (e.g. ISO/IEC 27001, SOC 2 "
        "Type II; each 1-100 characters, at most 20); empty when not recorded.",
        Kind.LINES,
        max_length=100,
        max_items=20,
        hint="Separated by commas, e.g. ISO/IEC 27001, SOC 2 Type II.",
    ),
    Field(
        "contact_email",
        "Contact e-mail",
        "The vendor's privacy or DPA contact address.",
        Kind.EMAIL,
        shown=Shown.API | Shown.CONSOLE | Shown.EXPORT,
    ),
    Field(
        "lei",
        "LEI",
        "The vendor's Legal Entity Identifier (ISO 17442, 20 characters, check digits "
        "verified); customers' DORA registers identify providers by it.",
        Kind.LEI,
        shown=Shown.API | Shown.CONSOLE,
    ),
    Field(
        "headquarters_country",
        "Headquarters country",
        "Where the vendor's headquarters are (ISO 3166-1 alpha-2), for customers' DORA registers.",
        Kind.COUNTRY,
        shown=Shown.API | Shown.CONSOLE,
    ),
    Field(
        "note",
        "Note",
        "A remark by staff (e.g. where a fact comes from), up to 2000 characters.",
        Kind.TEXT,
        max_length=2000,
        audience=Audience.STAFF,
        shown=Shown.API | Shown.CONSOLE,
    ),
)

SNAPSHOT_FIELDS = tuple(
    f for f in VENDOR_FIELDS if Shown.SNAPSHOT in f.shown and f.audience is Audience.EVERYONE
)
"""What a change's snapshot carries of the vendor: what every customer is told."""
