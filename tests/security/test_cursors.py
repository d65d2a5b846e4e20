"""Forged cursors: a clear ValidationError on `after`, never an operator, never a 500."""

from __future__ import annotations

import base64

import orjson
import pytest

from tests.conftest import Api


def forge(value: object) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(value)).decode()


FORGED = {
    "operator in a name": forge([{"$gt": ""}, {"$gt": ""}]),
    "operator in an id": forge([{"$ne": None}]),
    "not a date": forge(["yesterday", "chg_x"]),
    "date without offset": forge(["2026-01-01T00:00:00", "chg_x"]),
    "number": forge([1, 2]),
    "wrong arity": forge(["a"]),
    "not json": base64.urlsafe_b64encode(b"{nope").decode(),
    "not base64": "%%%",
    "very long": forge(["x" * 5000, "y"]),
}
QUERIES = {
    "subprocessors": "query($a: String) { subprocessors(after: $a) { totalCount } }",
    "customers": "query($a: String) { customers(after: $a) { totalCount } }",
    "changes": "query($a: String) { changes(after: $a) { totalCount } }",
    "notices": "query($a: String) { notices(after: $a) { totalCount } }",
    "objections": "query($a: String) { objections(after: $a) { totalCount } }",
    "auditLog": "query($a: String) { auditLog(after: $a) { totalCount } }",
    "webhookDeliveries": "query($a: String) { webhookDeliveries(after: $a) { totalCount } }",
}


# Shapes that are a valid key for that list (two names; or one id).
ONE_ID = ("wrong arity",)
WELL_FORMED = {
    "subprocessors": ("not a date", "date without offset"),
    "customers": ("not a date", "date without offset"),
    "notices": ONE_ID,
    "objections": ONE_ID,
    "auditLog": ONE_ID,
    "webhookDeliveries": ONE_ID,
}


@pytest.mark.parametrize("field", sorted(QUERIES))
async def test_forged_cursors_are_a_clear_error(api: Api, admin_key: str, field: str) -> None:
    for name, cursor in FORGED.items():
        if name in WELL_FORMED.get(field, ()):
            continue
        response = await api.post(QUERIES[field], {"a": cursor}, admin_key)
        assert response.status_code == 200, (name, response.text)
        errors = response.json()["errors"]
        assert errors[0]["message"].startswith("invalid cursor"), (field, name, errors)


async def test_a_real_cursor_still_pages(api: Api, admin_key: str) -> None:
    create = "mutation($n: String!) { createCustomer(input: {name: $n}) { __typename } }"
    for name in ("Cursor one", "Cursor two"):
        await api.gql(create, {"n": name}, admin_key)
    page = "query($a: String) { customers(first: 1, after: $a) { edges { node { name } } "
    page += "pageInfo { endCursor } } }"
    first = (await api.gql(page, {"a": None}, admin_key))["customers"]
    second = (await api.gql(page, {"a": first["pageInfo"]["endCursor"]}, admin_key))["customers"]
    assert first["edges"][0]["node"]["name"] != second["edges"][0]["node"]["name"]
