"""The languages customers and the public read us in: BCP 47 tags, checked and negotiated.

A customer's contract is written in its language, so its notices are too. A tag keeps
its region ("de-CH", "en-GB": CLDR formats dates for it); the texts come from the
language's catalog ("de"). Pure: no I/O.
"""

from __future__ import annotations

import re

from babel import Locale, UnknownLocaleError

from registry.domain.errors import ValidationError

DEFAULT = "en"
SUPPORTED: tuple[str, ...] = ("en", "de", "fr", "da")
"""The languages with a complete catalog (registry/locales), English first."""

NAMES: dict[str, str] = {"en": "English", "de": "Deutsch", "fr": "Français", "da": "Dansk"}
"""Each language in itself, for the language switcher."""

_TAG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8}){0,3}$")
MAX_HEADER = 4096
"""Accept-Language beyond this many characters is not read (bounded work)."""
_Q = re.compile(r"0(?:\.\d{0,3})?|1(?:\.0{0,3})?")
MAX_RANGES = 32
"""Only the first ranges of an Accept-Language header are weighed."""


def supported_text() -> str:
    return ", ".join(SUPPORTED)


def parse(value: str, field: str = "language") -> str:
    """The canonical tag ("de-CH") of a supported language, or ValidationError."""
    text = value.strip() if isinstance(value, str) else ""
    found = _canonical(text)
    if found is None:
        raise ValidationError(
            field,
            f"{field} {text[:40]!r} is not a supported language: "
            f"use a BCP 47 tag of one of {supported_text()} (e.g. de, de-CH, en-GB)",
        )
    return found


def _canonical(text: str) -> str | None:
    if not _TAG.match(text):
        return None
    try:
        locale = Locale.parse(text.replace("_", "-"), sep="-")
    except (UnknownLocaleError, ValueError, TypeError):
        return None
    if locale.language not in SUPPORTED:
        return None
    return "-".join(part for part in (locale.language, locale.script, locale.territory) if part)


def base(tag: str | None) -> str:
    """The catalog's language of a stored tag ("de" for "de-CH"); English when unknown."""
    head = (tag or DEFAULT).replace("_", "-").split("-")[0].lower()
    return head if head in SUPPORTED else DEFAULT


def babel_locale(tag: str | None) -> Locale:
    """The CLDR locale dates and names are written in. Plain English reads as British
    English ("4 February 2026"), as the registry has always written it."""
    canonical = _canonical(tag or "") or DEFAULT
    if canonical == "en":
        canonical = "en-GB"
    return Locale.parse(canonical, sep="-")


def negotiate(query: str | None, header: str | None) -> str:
    """The page's language: `?lang=` when given (ValidationError when it names no
    supported language), else the best of Accept-Language, else English. A malformed
    range or weight is skipped, never an error; work is bounded by MAX_HEADER and
    MAX_RANGES."""
    if query is not None and query.strip():
        return parse(query, "lang")
    best: tuple[float, int, str] | None = None
    for order, item in enumerate((header or "")[:MAX_HEADER].split(",")[:MAX_RANGES]):
        tag, _, params = item.strip().partition(";")
        weight = _weight(params)
        if weight is None or weight <= 0:
            continue
        found = _canonical(tag.strip())
        if found is not None and base(found) == DEFAULT:
            found = DEFAULT  # a browser's en-US leaves English pages as they have read
        if found is not None and (best is None or (weight, -order) > (best[0], best[1])):
            best = (weight, -order, found)
    return best[2] if best is not None else DEFAULT


def _weight(params: str) -> float | None:
    """The range's q (1 when absent); None for a malformed one (RFC 9110 12.4.2)."""
    params = params.strip()
    if not params:
        return 1.0
    name, _, value = params.partition("=")
    if name.strip().lower() != "q" or not _Q.fullmatch(value.strip()):
        return None
    return float(value)
