"""Which role a person's claim gives, and how they are named (domain/staff.py)."""

from __future__ import annotations

import pytest

from registry.domain.models import Role
from registry.domain.person import Person
from registry.domain.staff import parse_role_map, person_from_claims, role_for

MAPPING = {"registry-admins": Role.ADMIN, "procurement": Role.PROCUREMENT}


@pytest.mark.parametrize(
    ("claim", "role"),
    [
        (["registry-admins"], Role.ADMIN),
        (["staff", "procurement"], Role.PROCUREMENT),
        (["procurement", "registry-admins"], Role.ADMIN),
        ("procurement registry-admins", Role.ADMIN),
        ("procurement", Role.PROCUREMENT),
        (["sales"], None),
        ([], None),
        (None, None),
        ({"registry-admins": True}, None),
        ([42, "procurement"], Role.PROCUREMENT),
        (["Registry-Admins"], None),
    ],
    ids=[
        "admin group -> ADMIN",
        "one mapped group among others -> its role",
        "both -> the stronger, ADMIN",
        "space-separated string -> values",
        "one string -> its role",
        "unmapped group -> no role",
        "empty list -> no role",
        "no claim -> no role",
        "an object is not a list of values -> no role",
        "non-strings ignored",
        "values match exactly (case too)",
    ],
)
def test_the_strongest_mapped_value_decides(claim: object, role: Role | None) -> None:
    assert role_for(claim, MAPPING) == role


@pytest.mark.parametrize(
    ("text", "mapping"),
    [
        ("", {}),
        ("admins=ADMIN", {"admins": Role.ADMIN}),
        (
            " admins = admin , buyers=PROCUREMENT,",
            {"admins": Role.ADMIN, "buyers": Role.PROCUREMENT},
        ),
        ("ou=groups=ADMIN", {"ou=groups": Role.ADMIN}),
        ("a=ADMIN,a=ADMIN", {"a": Role.ADMIN}),
    ],
    ids=["empty", "one", "spaces and case", "the last = splits", "a repeat"],
)
def test_role_maps_parse(text: str, mapping: dict[str, Role]) -> None:
    assert parse_role_map(text) == mapping


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("admins", "is not VALUE=ROLE"),
        ("=ADMIN", "is not VALUE=ROLE"),
        ("customers=CUSTOMER", "must be ADMIN or PROCUREMENT"),
        ("a=ADMIN,a=PROCUREMENT", "mapped to both"),
    ],
    ids=["no role", "no value", "CUSTOMER is not staff", "two roles for one value"],
)
def test_bad_role_maps_are_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_role_map(text)


@pytest.mark.parametrize(
    ("claims", "person"),
    [
        (
            {"sub": "u1", "name": "Ada Lovelace", "email": "ada@example.com"},
            Person("u1", "Ada Lovelace", "ada@example.com"),
        ),
        (
            {"sub": "u2", "preferred_username": "piet", "email": "piet@example.com"},
            Person("u2", "piet", "piet@example.com"),
        ),
        ({"sub": "u3", "email": "x@example.com"}, Person("u3", "x@example.com", "x@example.com")),
        ({"sub": "u4", "name": "  "}, Person("u4", "u4", None)),
        ({"sub": "u5", "name": "N" * 300}, Person("u5", "N" * 200, None)),
    ],
    ids=["name and e-mail", "username", "e-mail only", "blank name", "long name cut"],
)
def test_a_person_is_named_from_the_id_token(claims: dict[str, object], person: Person) -> None:
    assert person_from_claims(claims) == person
