"""The operator: the company that keeps this registry and gives its notices.

A notice from nobody about a vendor looks like phishing, and a privacy officer who
wants to object needs an address that works. So every page, e-mail, feed, export and
webhook names the company and how to reach it. Its fields are declared once here (as
the vendor's are in `vendor_fields.py`); the record is stored once, with its versions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from registry.domain.fields import Field, Kind, Shown

LOGO_MAX_BYTES = 64 * 1024
"""A logo is shown in the header of pages and e-mails: small, so every page stays light."""

DEFAULT_NAME = "Subprocessor registry"
"""What pages and messages call the operator while no name is recorded."""

_SHOWN = Shown.API | Shown.CONSOLE | Shown.EXPORT | Shown.SNAPSHOT | Shown.PUBLIC_PAGE

OPERATOR_FIELDS: tuple[Field, ...] = (
    Field(
        "legal_name",
        "Legal name",
        "The company's legal name as in its contracts (e.g. Pronestor ApS), 1-200 characters.",
        Kind.LINE,
        shown=_SHOWN,
    ),
    Field(
        "trading_name",
        "Trading name",
        "The name customers know the company by (e.g. Pronestor), when it differs from the "
        "legal name; it names the sender of every e-mail.",
        Kind.LINE,
        max_length=100,
        shown=_SHOWN,
        hint="Leave empty to use the legal name.",
    ),
    Field(
        "address",
        "Postal address",
        "The company's postal address, one or more lines, up to 500 characters.",
        Kind.TEXT,
        max_length=500,
        shown=_SHOWN,
    ),
    Field(
        "privacy_email",
        "Privacy contact e-mail",
        "Where customers send objections and privacy questions; replies to every notice "
        "e-mail go here.",
        Kind.EMAIL,
        shown=_SHOWN,
        hint="Replies to notices go here: use a mailbox someone reads.",
    ),
    Field(
        "privacy_url",
        "Privacy contact page",
        "A page for objections and privacy questions (a form or the privacy policy), an "
        "http(s) URL.",
        Kind.URL,
        max_length=2048,
        shown=_SHOWN,
        hint="https://…",
    ),
    Field(
        "dpa_title",
        "DPA title",
        "The title of the data processing agreement customers signed (e.g. Data Processing "
        "Addendum), up to 200 characters.",
        Kind.LINE,
        shown=_SHOWN,
    ),
    Field(
        "dpa_url",
        "DPA address",
        "Where the data processing agreement can be read, an http(s) URL.",
        Kind.URL,
        max_length=2048,
        shown=_SHOWN,
        hint="https://…",
    ),
    Field(
        "brand_colour",
        "Brand colour",
        "The company's colour as #rrggbb, used for the band of page headers.",
        Kind.COLOUR,
        max_length=7,
        shown=_SHOWN,
        hint="#rrggbb, e.g. #0a4fa6.",
    ),
    Field(
        "logo",
        "Logo",
        f"A PNG, JPEG or WebP image of at most {LOGO_MAX_BYTES // 1024} KiB, as a "
        "data:image/…;base64, URI; shown in page headers.",
        Kind.IMAGE,
        max_length=LOGO_MAX_BYTES,
        shown=Shown.API | Shown.CONSOLE | Shown.PUBLIC_PAGE,
    ),
)
"""What people and programs set; every field may be empty (settings give defaults)."""

FIELDS_BY_NAME: Mapping[str, Field] = {f.name: f for f in OPERATOR_FIELDS}

ESSENTIAL = ("legal_name", "address", "privacy_email", "privacy_url")
"""Without these a notice does not say who gives it or how to answer it."""


@dataclass(frozen=True, slots=True)
class Operator:
    """The company's identity as recorded (or as the settings give it)."""

    legal_name: str | None = None
    trading_name: str | None = None
    address: str | None = None
    privacy_email: str | None = None
    privacy_url: str | None = None
    dpa_title: str | None = None
    dpa_url: str | None = None
    brand_colour: str | None = None
    logo: str | None = None

    @property
    def name(self) -> str:
        """What people call the company: its trading name, else its legal name."""
        return self.trading_name or self.legal_name or DEFAULT_NAME

    @property
    def named(self) -> bool:
        return bool(self.trading_name or self.legal_name)

    def missing(self) -> list[str]:
        """The labels of the essential fields left empty."""
        return [FIELDS_BY_NAME[name].label for name in ESSENTIAL if not getattr(self, name)]

    def header_text_colour(self) -> str:
        """Black or white, whichever reads better on the brand colour (WCAG contrast)."""
        if not self.brand_colour:
            return "#1b1f24"
        return "#000000" if _contrast(self.brand_colour, "#000000") >= 4.5 else "#ffffff"


def with_values(base: Operator, values: Mapping[str, Any]) -> Operator:
    """`base` with the given (already checked) fields replaced."""
    current = {f.name: getattr(base, f.name) for f in fields(Operator)}
    return Operator(**{**current, **values})


def as_sent(operator: Operator) -> dict[str, Any]:
    """The operator as webhooks, e-mails and exports carry it (API names), with `name`."""
    sent: dict[str, Any] = {"name": operator.name}
    for f in OPERATOR_FIELDS:
        if Shown.SNAPSHOT in f.shown:
            sent[f.api_name] = getattr(operator, f.name)
    return sent


def from_sent(sent: Mapping[str, Any] | None) -> Operator | None:
    """An operator read back from a body (`as_sent`); None when the body has none."""
    if not isinstance(sent, Mapping):
        return None
    values = {}
    for f in OPERATOR_FIELDS:
        value = sent.get(f.api_name)
        values[f.name] = value if isinstance(value, str) and value else None
    return Operator(**values)


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)
