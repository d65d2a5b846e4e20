"""The operator's identity through the API: anyone reads it, an ADMIN sets it, every bad
value is refused with a typed error and changes nothing, and each edit keeps a version."""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from registry.clock import FrozenClock
from registry.domain.models import Role
from registry.domain.operator import LOGO_MAX_BYTES
from registry.services import operator as operators
from registry.services.caller import Caller
from registry.services.seeding import load_seed_file
from registry.store.database import Document
from tests.conftest import START, Api, make_settings, running_api

SEEDS = Path(__file__).parents[2] / "seeds"
READ = """{ operator { name legalName tradingName address privacyEmail privacyUrl dpaTitle
  dpaUrl brandColour logo missing } }"""
UPDATE = """
mutation($input: UpdateOperatorInput!) {
  updateOperator(input: $input) {
    __typename
    ... on OperatorUpdated { operator { name legalName privacyEmail brandColour logo missing
      history { kind reason changes { field before after } } } }
    ... on ValidationError { field message }
  }
}"""
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
COMPLETE = {
    "legalName": "Acme Cloud GmbH",
    "tradingName": "Acme",
    "address": "Hauptstrasse 1\n10115 Berlin\nGermany",
    "privacyEmail": "privacy@acme.example",
    "privacyUrl": "https://acme.example/privacy",
    "dpaTitle": "Data Processing Addendum",
    "dpaUrl": "https://acme.example/dpa",
    "brandColour": "#0A4FA6",
}


@pytest.fixture
async def fresh(mongo_uri: str, mongo_client: AsyncMongoClient[Document]) -> AsyncIterator[Api]:
    name = f"t_operator_{uuid.uuid4().hex[:8]}"
    settings = make_settings(mongo_uri, name, operator_legal_name="Settings Default Ltd")
    async with running_api(settings, FrozenClock(START)) as api:
        yield api
    await mongo_client.drop_database(name)


async def _update(api: Api, key: str, values: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = (await api.gql(UPDATE, {"input": values}, key))["updateOperator"]
    return found


async def test_the_settings_give_the_identity_until_an_admin_records_one(fresh: Api) -> None:
    anonymous = (await fresh.gql(READ))["operator"]
    assert anonymous["name"] == "Settings Default Ltd"
    assert anonymous["missing"] == [
        "Postal address",
        "Privacy contact e-mail",
        "Privacy contact page",
    ]
    admin = await fresh.key(Role.ADMIN)
    updated = await _update(fresh, admin, {**COMPLETE, "reason": "Our real identity"})
    assert updated["__typename"] == "OperatorUpdated"
    recorded = updated["operator"]
    assert recorded["name"] == "Acme"
    assert recorded["brandColour"] == "#0a4fa6"  # stored in lower case
    assert recorded["missing"] == []
    [version] = recorded["history"]
    assert version["kind"] == "OPERATOR"
    assert version["reason"] == "Our real identity"
    assert {"field": "legalName", "before": "Settings Default Ltd", "after": "Acme Cloud GmbH"} in (
        version["changes"]
    )
    assert (await fresh.gql(READ))["operator"]["privacyEmail"] == "privacy@acme.example"


async def test_only_an_admin_sets_it(fresh: Api) -> None:
    for role in (Role.PROCUREMENT, Role.CUSTOMER):
        key = await fresh.key(role) if role is not Role.CUSTOMER else None
        answer = await fresh.post(UPDATE, {"input": {"legalName": "Mine Ltd"}}, key)
        assert answer.json()["data"]["updateOperator"]["__typename"] == "PermissionDenied"
    assert (await fresh.gql(READ))["operator"]["name"] == "Settings Default Ltd"


BAD = [
    ("a malformed e-mail", {"privacyEmail": "privacy at acme"}, "privacyEmail"),
    ("a URL that is not http(s)", {"privacyUrl": "javascript:alert(1)"}, "privacyUrl"),
    ("a DPA address without a host", {"dpaUrl": "https://"}, "dpaUrl"),
    ("a colour name", {"brandColour": "blue"}, "brandColour"),
    ("a short colour", {"brandColour": "#fff"}, "brandColour"),
    (
        "an oversized logo",
        {"logo": "data:image/png;base64," + base64.b64encode(PNG * 2000).decode()},
        "logo",
    ),
    ("an SVG logo", {"logo": "data:image/svg+xml;base64,PHN2Zz48L3N2Zz4="}, "logo"),
    (
        "a logo whose bytes are not its type",
        {"logo": "data:image/png;base64," + base64.b64encode(b"GIF89a....").decode()},
        "logo",
    ),
    ("a name with a line break", {"legalName": "Acme\r\nBcc: x@evil.example"}, "legalName"),
]


@pytest.mark.parametrize(("case", "values", "field"), BAD, ids=[b[0] for b in BAD])
async def test_a_bad_value_is_refused_and_nothing_changes(
    api: Api, admin_key: str, case: str, values: dict[str, Any], field: str
) -> None:
    before = (await api.gql(READ))["operator"]
    history = await api.deps.db["operator"].find_one({"_id": "operator"})
    refused = await _update(api, admin_key, {"legalName": "Changed Ltd", **values})
    assert refused["__typename"] == "ValidationError"
    assert refused["field"] == field
    assert (await api.gql(READ))["operator"] == before
    assert await api.deps.db["operator"].find_one({"_id": "operator"}) == history


async def test_a_small_logo_is_kept_and_a_field_given_as_null_is_cleared(
    api: Api, admin_key: str
) -> None:
    logo = "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert len(PNG) < LOGO_MAX_BYTES
    set_logo = await _update(api, admin_key, {"logo": logo, "privacyEmail": "dpo@acme.example"})
    assert set_logo["operator"]["logo"] == logo
    cleared = await _update(api, admin_key, {"logo": None})
    assert cleared["operator"]["logo"] is None
    # Versions name the logo by its size, never carry its bytes.
    logo_changes = [c for c in cleared["operator"]["history"][0]["changes"] if c["field"] == "logo"]
    assert logo_changes == [
        {"field": "logo", "before": f"an image ({len(PNG)} bytes)", "after": None}
    ]
    assert cleared["operator"]["privacyEmail"] == "dpo@acme.example"  # left out: kept


async def test_the_first_seed_file_records_its_company_and_a_later_one_changes_nothing(
    fresh: Api,
) -> None:
    await load_seed_file(fresh.deps, SEEDS / "prolite-crm.json")
    recorded = await operators.identity(fresh.deps)
    assert recorded.legal_name == "Prolite CRM LLC"
    assert recorded.trading_name == "Prolite CRM"
    assert recorded.privacy_email == "info@prolitecrm.com"
    await load_seed_file(fresh.deps, SEEDS / "pronestor.json")
    assert await operators.identity(fresh.deps) == recorded
    [version] = await operators.history(fresh.deps, Caller(Role.ADMIN))
    assert version.reason == operators.SEED_REASON
