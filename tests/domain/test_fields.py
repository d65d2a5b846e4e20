"""Declared fields: each rule, clearing, and the declarations' fit with the entity."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from registry.domain import fields
from registry.domain.errors import ValidationError
from registry.domain.fields import Audience, Field, Kind, Shown
from registry.domain.models import Subprocessor
from registry.domain.vendor_fields import SNAPSHOT_FIELDS, VENDOR_FIELDS

NAME = Field("name", "Name", "A name.", Kind.LINE, required=True, max_length=10)
ABOUT = Field("about", "About", "Text.", Kind.TEXT, max_length=20)
SITE = Field("site", "Site", "A URL.", Kind.URL)
MAIL = Field("mail", "Mail", "An address.", Kind.EMAIL)
TAGS = Field("tags", "Tags", "Tags.", Kind.LINES, max_length=5, max_items=2)
DECLARED = (NAME, ABOUT, SITE, MAIL, TAGS)

ACCEPTED = [
    ("one line, trimmed", NAME, "  Acme ", "Acme"),
    ("paragraphs keep line breaks", ABOUT, "a\r\nb", "a\nb"),
    ("blank optional text is empty", ABOUT, "   ", None),
    ("an http(s) address", SITE, " https://acme.example ", "https://acme.example"),
    ("blank address is empty", SITE, "", None),
    ("an e-mail address", MAIL, "dpo@acme.example", "dpo@acme.example"),
    ("a list, items trimmed and repeats dropped", TAGS, [" a", "a "], ("a",)),
    ("an empty list", TAGS, [], ()),
]


@pytest.mark.parametrize(
    ("case", "field", "given", "stored"), ACCEPTED, ids=[c[0] for c in ACCEPTED]
)
def test_a_value_is_stored_as_its_rule_cleans_it(
    case: str, field: Field, given: object, stored: object
) -> None:
    assert field.check(given) == stored


REFUSED = [
    ("a line break in one-line text", NAME, "Acme\nInc", "one line"),
    ("longer than allowed", NAME, "x" * 11, "longer than 10"),
    ("a required field left blank", NAME, "  ", "must not be blank"),
    ("not an http(s) URL", SITE, "ftp://acme.example", "not an http"),
    ("not an address", MAIL, "dpo(at)acme", "not an email"),
    ("a list item too long", TAGS, ["abcdef"], "longer than 5"),
    ("too many items", TAGS, ["a", "b", "c"], "at most 2"),
    ("a blank item", TAGS, ["a", " "], "blank item"),
    ("a text where a list is due", TAGS, "a, b", "list of texts"),
    ("a number where text is due", NAME, 7, "must be text"),
]


@pytest.mark.parametrize(
    ("case", "field", "given", "message"), REFUSED, ids=[c[0] for c in REFUSED]
)
def test_a_bad_value_is_refused_naming_the_field(
    case: str, field: Field, given: object, message: str
) -> None:
    with pytest.raises(ValidationError, match=message) as refused:
        field.check(given)
    assert refused.value.field == field.api_name


CHECKED: list[tuple[str, dict[str, Any], bool, dict[str, Any]]] = [
    (
        "creating: left out is empty",
        {"name": "Acme"},
        True,
        {"name": "Acme", "about": None, "site": None, "mail": None, "tags": ()},
    ),
    (
        "editing: left out is kept",
        {"site": "https://a.example"},
        False,
        {"site": "https://a.example"},
    ),
    ("editing: None clears", {"site": None, "tags": None}, False, {"site": None, "tags": ()}),
]


@pytest.mark.parametrize(
    ("case", "given", "creating", "expected"), CHECKED, ids=[c[0] for c in CHECKED]
)
def test_creating_and_editing(
    case: str, given: dict[str, Any], creating: bool, expected: dict[str, Any]
) -> None:
    assert fields.checked(DECLARED, given, creating=creating) == expected


@pytest.mark.parametrize(
    ("case", "given", "creating", "field"),
    [
        ("a required field left out on creation", {}, True, "name"),
        ("a required field cleared", {"name": None}, False, "name"),
        ("a name that is no field", {"colour": "red"}, False, "input"),
    ],
    ids=lambda v: v if isinstance(v, str) and " " in v else "",
)
def test_refusals_of_a_whole_record(
    case: str, given: dict[str, Any], creating: bool, field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        fields.checked(DECLARED, given, creating=creating)
    assert refused.value.field == field


def test_api_names_are_camel_case() -> None:
    assert [f.api_name for f in DECLARED] == ["name", "about", "site", "mail", "tags"]
    assert Field("data_categories", "x", "x", Kind.LINES).api_name == "dataCategories"


def test_facts_for_people_read_a_record_as_sent() -> None:
    sent = {"name": "Acme", "site": "https://acme.example", "tags": ["a", "b"]}
    found = {f.field.name: (f.text, f.link) for f in fields.facts(DECLARED, Shown.NOTICE, sent)}
    assert found == {
        "name": ("Acme", None),
        "about": ("", None),
        "site": ("https://acme.example", "https://acme.example"),
        "tags": ("a, b", None),
    }


# --- the vendor's declarations --------------------------------------------------------


def test_every_declared_vendor_field_is_a_field_of_the_vendor() -> None:
    hints = {f.name: f.type for f in dataclasses.fields(Subprocessor)}
    for f in VENDOR_FIELDS:
        assert f.name in hints, f"Subprocessor has no field {f.name!r}"
        expected = (
            "tuple[str, ...]" if f.kind is Kind.LINES else "str" if f.required else "str | None"
        )
        assert hints[f.name] == expected, f.name


def test_staff_only_fields_never_leave_in_a_snapshot() -> None:
    assert all(f.audience is Audience.EVERYONE for f in SNAPSHOT_FIELDS)
    staff_only = {f.name for f in VENDOR_FIELDS if f.audience is Audience.STAFF}
    assert staff_only == {"note"}
    assert staff_only.isdisjoint(f.name for f in SNAPSHOT_FIELDS)
