"""Checks for user-supplied values; each failure names the field it came from.

Text is one line unless a caller says otherwise (`multiline=True`: descriptions,
reasons, notes). A one-line value ends up in places where a line break or a control
character changes meaning: an e-mail header (a CR/LF in a vendor's name made every
notice of it unsendable), a CSV cell, a log line, a table on a page. So one-line text
refuses every control character (Unicode Cc, including tab and U+0085), the line and
paragraph separators (Zl, Zp), lone surrogates (Cs) and the bidirectional embeddings,
overrides and isolates (U+202A–U+202E, U+2066–U+2069), which can make a name read
differently from what it is. Marks such as U+200E and joiners (U+200C, U+200D) stay:
scripts need them. Multi-line text keeps LF (CRLF becomes LF) and tab, and refuses
the rest of the same list but the bidirectional controls.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
import zoneinfo
from datetime import date
from urllib.parse import urlsplit

import pycountry
from stdnum import lei as iso17442
from stdnum.exceptions import ValidationError as NumberInvalid

from registry.domain import addresses
from registry.domain.errors import ValidationError
from registry.domain.labels import RESERVED_TERRITORIES

_SHA256 = re.compile(r"[0-9a-f]{64}")
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
_IMAGE = re.compile(r"data:(image/(?:png|jpeg|webp));base64,([A-Za-z0-9+/=\s]+)")
# The first bytes of each image type accepted (a declared type must match the content).
_IMAGE_MAGIC = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/webp": (b"RIFF",),
}
_REGION = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\- ]{0,63}")
_CODE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?")
_REFUSED_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_KEPT_IN_MULTILINE = frozenset("\n\t")
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
_CHARACTER_NAMES = {
    "\n": "a line feed",
    "\r": "a carriage return",
    "\t": "a tab",
    "\x00": "a NUL character",
    "\x85": "a next-line character",
    "\u2028": "a line separator",
    "\u2029": "a paragraph separator",
}


def refused_character(value: str, *, multiline: bool = False) -> str | None:
    """The first character `value` may not hold, or None; `multiline` allows LF and tab."""
    if value.isprintable():  # no Cc, Cf, Cs, Zl, Zp at all: the common case, in C
        return None
    for ch in value:
        if multiline and ch in _KEPT_IN_MULTILINE:
            continue
        if unicodedata.category(ch) in _REFUSED_CATEGORIES:
            return ch
        if not multiline and ch in _BIDI_CONTROLS:
            return ch
    return None


def describe_character(ch: str) -> str:
    """ "a line feed (U+000A)", "a right-to-left override (U+202E)"."""
    name = _CHARACTER_NAMES.get(ch) or f"a {unicodedata.name(ch, 'control character').lower()}"
    return f"{name} (U+{ord(ch):04X})"


def shown(value: str) -> str:
    """`value` for one line of a message, each refused character written as `<U+000D>`:
    stored text from before the rule must still be shown, and shown for what it is."""
    if refused_character(value) is None:
        return value
    return "".join(
        f"<U+{ord(ch):04X}>" if refused_character(ch) is not None else ch for ch in value
    )


def plain(value: str, field: str, *, multiline: bool = False) -> str:
    """`value` if it holds no refused character (see the module's docstring); CRLF is
    read as LF in multi-line text."""
    if multiline and "\r" in value:
        value = value.replace("\r\n", "\n")
    bad = refused_character(value, multiline=multiline)
    if bad is None:
        return value
    what = describe_character(bad)
    if not multiline and bad in _LINE_BREAKS:
        raise ValidationError(field, f"{field} must be one line: it contains {what}")
    raise ValidationError(field, f"{field} may not contain {what}")


def country(value: str, field: str = "country") -> str:
    """An ISO 3166-1 alpha-2 code, upper case as written (no silent case folding); also
    the exceptionally reserved codes of the Canary Islands (IC) and Ceuta and Melilla (EA),
    which the transfer rules place in Spain."""
    if len(value) != 2 or not value.isascii() or not value.isupper() or not value.isalpha():
        raise ValidationError(field, f"{value!r} is not an ISO 3166-1 alpha-2 country code")
    if pycountry.countries.get(alpha_2=value) is None and value not in RESERVED_TERRITORIES:
        raise ValidationError(field, f"{value!r} is not an assigned ISO 3166-1 country code")
    return value


def lei(value: str, field: str = "lei") -> str:
    """A Legal Entity Identifier: 20 characters whose last two are the ISO 7064 mod 97-10
    check digits (ISO 17442); upper case as written, spaces refused."""
    cleaned = value.strip()
    if cleaned != cleaned.upper() or " " in cleaned:
        raise ValidationError(field, f"{shown(cleaned)!r} is not an LEI: 20 upper-case characters")
    try:
        return str(iso17442.validate(cleaned))
    except NumberInvalid as exc:
        raise ValidationError(
            field, f"{shown(cleaned)!r} is not a valid LEI (ISO 17442): {exc}"
        ) from None


def text(
    value: str,
    field: str,
    *,
    max_length: int = 500,
    required: bool = True,
    multiline: bool = False,
) -> str:
    """Trimmed text; one line unless `multiline` (see the module's docstring)."""
    cleaned = plain(value, field, multiline=multiline).strip()
    if required and not cleaned:
        raise ValidationError(field, f"{field} must not be blank")
    if len(cleaned) > max_length:
        raise ValidationError(field, f"{field} is longer than {max_length} characters")
    return cleaned


def optional_text(
    value: str | None, field: str, *, max_length: int = 500, multiline: bool = False
) -> str | None:
    if value is None:
        return None
    cleaned = text(value, field, max_length=max_length, required=False, multiline=multiline)
    return cleaned or None


def note(value: str | None, field: str = "note") -> str | None:
    """A staff remark (how a country was inferred, where terms come from); blank is none.
    It may run over several lines."""
    return optional_text(value, field, max_length=2000, multiline=True)


def url(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    # urlsplit drops tabs and line breaks silently: they would be stored all the same.
    plain(value, field)
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or len(value) > 2048:
        raise ValidationError(field, f"{value!r} is not an http(s) URL")
    return value.strip()


def email(value: str | None, field: str) -> str | None:
    """One mailbox, parsed (domain/addresses.py): never a list, comment or display name."""
    if value is None:
        return None
    cleaned = plain(value, field).strip()
    return addresses.address(cleaned, field, f"{cleaned[:80]!r} is not an email address")


def sha256(value: str | None, field: str = "sha256") -> str | None:
    if value is None:
        return None
    cleaned = value.strip().lower()
    if not _SHA256.fullmatch(cleaned):
        raise ValidationError(field, "sha256 must be 64 hexadecimal characters")
    return cleaned


def region(value: str | None, field: str = "region") -> str | None:
    if value is None or not value.strip():
        return None
    plain(value, field)
    if not _REGION.fullmatch(value.strip()):
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
    if not _CODE.fullmatch(value):
        raise ValidationError(
            field,
            f"{value!r} is not a code: use 1–32 lower-case letters, digits and inner hyphens",
        )
    return value


def colour(value: str, field: str) -> str:
    """An sRGB colour written `#rrggbb`, returned in lower case."""
    cleaned = plain(value, field).strip()
    if not _COLOUR.fullmatch(cleaned):
        raise ValidationError(field, f"{value[:40]!r} is not a colour written #rrggbb")
    return cleaned.lower()


def image(value: str, field: str, *, max_bytes: int) -> str:
    """A small PNG, JPEG or WebP image as a `data:image/…;base64,…` URI. SVG is refused:
    it may carry scripts, and the image is shown on pages and in e-mails."""
    size_hint = f"at most {max_bytes // 1024} KiB"
    if len(value) > max_bytes * 4 // 3 + 64:  # refuse before decoding a huge text
        raise ValidationError(field, f"{field} is too large: {size_hint}")
    found = _IMAGE.fullmatch(value.strip())
    if found is None:
        raise ValidationError(
            field, f"{field} must be a PNG, JPEG or WebP image as a data:image/…;base64, URI"
        )
    kind, encoded = found.group(1), "".join(found.group(2).split())
    try:
        content = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError(field, f"{field} is not valid base64") from None
    if len(content) > max_bytes:
        raise ValidationError(field, f"{field} is too large ({len(content)} bytes): {size_hint}")
    if not content.startswith(_IMAGE_MAGIC[kind]):
        raise ValidationError(field, f"{field} is not the {kind} image it says it is")
    return f"data:{kind};base64,{encoded}"
