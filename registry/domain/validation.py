"""Checks for user-supplied values; each failure names the field it came from."""

from __future__ import annotations

import re
import zoneinfo
from datetime import date
from urllib.parse import urlsplit

import pycountry

from registry.domain.errors import ValidationError

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_REGION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\- ]{0,63}$")
_CODE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$")


def country(value: str, field: str = "country") -> str:
    """An ISO 3166-1 alpha-2 code, upper case as written (no silent case folding)."""
    if len(value) != 2 or not value.isascii() or not value.isupper() or not value.isalpha():
        raise ValidationError(field, f"{value!r} is not an ISO 3166-1 alpha-2 country code")
    if pycountry.countries.get(alpha_2=value) is None:
        raise ValidationError(field, f"{value!r} is not an assigned ISO 3166-1 country code")
    return value


def text(value: str, field: str, *, max_length: int = 500, required: bool = True) -> str:
    cleaned = value.strip()
    if required and not cleaned:
        raise ValidationError(field, f"{field} must not be blank")
    if len(cleaned) > max_length:
        raise ValidationError(field, f"{field} is longer than {max_length} characters")
    return cleaned


def optional_text(value: str | None, field: str, *, max_length: int = 500) -> str | None:
    if value is None:
        return None
    cleaned = text(value, field, max_length=max_length, required=False)
    return cleaned or None


def note(value: str | None, field: str = "note") -> str | None:
    """A staff remark (how a country was inferred, where terms come from); blank is none."""
    return optional_text(value, field, max_length=2000)


def url(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or len(value) > 2048:
        raise ValidationError(field, f"{value!r} is not an http(s) URL")
    return value.strip()


def email(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    cleaned = value.strip()
    if not _EMAIL.match(cleaned) or len(cleaned) > 254:
        raise ValidationError(field, f"{value!r} is not an email address")
    return cleaned


def sha256(value: str | None, field: str = "sha256") -> str | None:
    if value is None:
        return None
    cleaned = value.strip().lower()
    if not _SHA256.match(cleaned):
        raise ValidationError(field, "sha256 must be 64 hexadecimal characters")
    return cleaned


def region(value: str | None, field: str = "region") -> str | None:
    if value is None or not value.strip():
        return None
    if not _REGION.match(value.strip()):
        raise ValidationError(field, f"{value!r} is not a provider region name")
    return value.strip()


def scc_module(value: int | None, field: str = "sccModule") -> int | None:
    if value is not None and value not in (1, 2, 3, 4):
        raise ValidationError(field, f"SCC module {value} does not exist (modules are 1–4)")
    return value


def date_order(earlier: date | None, later: date | None, field: str, message: str) -> None:
    if earlier is not None and later is not None and later < earlier:
        raise ValidationError(field, message)


def time_zone(value: str, field: str = "timeZone") -> str:
    """An IANA time zone name known to this system's zone database (`Europe/Berlin`)."""
    cleaned = value.strip()
    if cleaned not in zoneinfo.available_timezones():
        raise ValidationError(
            field, f"{value!r} is not an IANA time zone name (for example Europe/Berlin or UTC)"
        )
    return cleaned


def code(value: str, field: str = "code") -> str:
    """A catalog code: a short, stable lower-case slug such as `crm` or `eu-west`."""
    if not _CODE.match(value):
        raise ValidationError(
            field,
            f"{value!r} is not a code: use 1–32 lower-case letters, digits and inner hyphens",
        )
    return value
