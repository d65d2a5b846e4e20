"""Declared fields: each field of an entity that people edit is declared once.

A declaration says what the field is (its kind and bounds: the rule), who may see it,
whether people may clear it, what people call it, and where it shows. The API's types
and inputs, the console's forms and pages, the exports, the change snapshot and its
JSON Schema, the notices and the seed loader are all derived from the declarations, so
adding a field is one line in its entity's table (e.g. `vendor_fields.py`) and one on
the entity's dataclass.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from registry.domain import validation as check
from registry.domain.errors import ValidationError


class Kind(enum.Enum):
    """How a value is written, by people and programs alike."""

    LINE = "line"  # one line of text
    TEXT = "text"  # paragraphs (line breaks kept)
    URL = "url"  # an http(s) address
    EMAIL = "email"  # one e-mail address
    LINES = "lines"  # a bounded list of one-line texts
    LEI = "lei"  # a Legal Entity Identifier (ISO 17442, check digits verified)
    COUNTRY = "country"  # an ISO 3166-1 alpha-2 code
    COLOUR = "colour"  # an sRGB colour as #rrggbb
    IMAGE = "image"  # a small PNG, JPEG or WebP image as a data: URI (max_length: bytes)


class Audience(enum.Enum):
    """Who may read the field of a record they may see."""

    EVERYONE = "everyone"
    STAFF = "staff"  # ADMIN and PROCUREMENT


class Shown(enum.Flag):
    """Where the field appears."""

    API = enum.auto()
    CONSOLE = enum.auto()
    PUBLIC_PAGE = enum.auto()
    EXPORT = enum.auto()
    SNAPSHOT = enum.auto()  # the vendor as announced: webhooks, notice pages, e-mails
    NOTICE = enum.auto()  # listed among the facts of a notice (page and e-mail)


EVERYWHERE = Shown.API | Shown.CONSOLE | Shown.PUBLIC_PAGE | Shown.EXPORT | Shown.SNAPSHOT
EVERYWHERE |= Shown.NOTICE


@dataclass(frozen=True, slots=True)
class Field:
    name: str  # the attribute on the entity, and the key in seed files
    label: str  # what people call it (console, pages, e-mails, CSV headers)
    description: str  # for integrators (GraphQL, JSON Schema)
    kind: Kind
    required: bool = False  # required fields can never be cleared
    max_length: int = 200  # of the text, or of each item of a list
    max_items: int = 50
    audience: Audience = Audience.EVERYONE
    shown: Shown = EVERYWHERE
    hint: str = ""  # shown under the console's field
    notice_label: str = ""  # the question a notice answers with it, when not the label

    @property
    def api_name(self) -> str:
        head, *rest = self.name.split("_")
        return head + "".join(part.title() for part in rest)

    @property
    def empty(self) -> Any:
        return () if self.kind is Kind.LINES else None

    def check(self, value: object) -> Any:
        """The value as stored, or ValidationError naming the field; blank is empty."""
        field = self.api_name
        if self.kind is Kind.LINES:
            if isinstance(value, str) or not isinstance(value, Iterable):
                raise ValidationError(field, f"{field} must be a list of texts")
            items = [self._text(item) for item in value]
            if not all(items):
                raise ValidationError(field, f"{field} may not hold a blank item")
            if len(items) > self.max_items:
                raise ValidationError(field, f"at most {self.max_items} {self.label.lower()}")
            cleaned: Any = tuple(dict.fromkeys(items))
        else:
            cleaned = self._text(value) or None
        if self.required and not cleaned:
            raise ValidationError(field, f"{field} must not be blank")
        return cleaned

    def _text(self, value: object) -> str:
        field = self.api_name
        if not isinstance(value, str):
            raise ValidationError(field, f"{field} must be text")
        if self.kind is Kind.URL:
            return (check.url(value, field) or "") if value.strip() else ""
        if self.kind is Kind.EMAIL:
            return (check.email(value, field) or "") if value.strip() else ""
        if self.kind is Kind.LEI:
            return check.lei(value, field) if value.strip() else ""
        if self.kind is Kind.COUNTRY:
            return check.country(value.strip(), field) if value.strip() else ""
        if self.kind is Kind.COLOUR:
            return check.colour(value, field) if value.strip() else ""
        if self.kind is Kind.IMAGE:
            return check.image(value, field, max_bytes=self.max_length) if value.strip() else ""
        multiline = self.kind is Kind.TEXT
        return check.text(
            value, field, max_length=self.max_length, required=False, multiline=multiline
        )

    def for_people(self, value: Any) -> str:
        """The value as one text (a list joined by commas); empty as ''."""
        if self.kind is Kind.LINES:
            return ", ".join(value or ())
        return str(value) if value else ""


def checked(
    declared: Iterable[Field], given: Mapping[str, object], *, creating: bool
) -> dict[str, Any]:
    """The given values checked by their fields' rules, keyed by field name.

    Creating, a field left out is empty and a required one must be given. Editing, a
    field left out keeps its value and one given as None (or blank) is cleared, which
    a required field refuses. A name that is no declared field is refused."""
    fields = {f.name: f for f in declared}
    unknown = sorted(set(given) - set(fields))
    if unknown:
        raise ValidationError("input", f"no such field: {', '.join(unknown)}")
    values: dict[str, Any] = {}
    for f in fields.values():
        if f.name not in given:
            if creating and f.required:
                raise ValidationError(f.api_name, f"{f.api_name} must not be blank")
            if creating:
                values[f.name] = f.empty
            continue
        value = given[f.name]
        if value is None:
            if f.required:
                raise ValidationError(f.api_name, f"{f.api_name} cannot be cleared")
            values[f.name] = f.empty
        else:
            values[f.name] = f.check(value)
    return values


def shown_in(declared: Iterable[Field], where: Shown) -> tuple[Field, ...]:
    return tuple(f for f in declared if where in f.shown)


NOT_STATED = "Not stated"
"""What people read for a field left empty."""


def to_json(f: Field, value: Any) -> Any:
    return list(value or ()) if f.kind is Kind.LINES else value


def facts(declared: Iterable[Field], where: Shown, record: Mapping[str, Any]) -> list[Fact]:
    """The fields shown `where` for everyone, read by API name from a record as sent
    (a change snapshot's vendor), for people: label, text ('' when empty), link; an
    empty address is left out."""
    found = []
    for f in declared:
        if where in f.shown and f.audience is Audience.EVERYONE:
            value = record.get(f.api_name)
            text = f.for_people(value)
            if not text and f.kind in (Kind.URL, Kind.EMAIL):
                continue  # an address nobody recorded is left out, not "not stated"
            found.append(Fact(f, text, text if f.kind is Kind.URL and text else None))
    return found


@dataclass(frozen=True, slots=True)
class Fact:
    field: Field
    text: str
    link: str | None

    @property
    def label(self) -> str:
        return self.field.notice_label or self.field.label
