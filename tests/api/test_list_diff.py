"""subprocessorDiff and /subprocessors/diff.json: vendors added, removed and changed
between two instants, each with its cause; bad instants are refused."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from registry.clock import FrozenClock
from registry.domain.models import Role
from registry.store.database import Document
from tests.conftest import START, Api, make_settings, running_api

VENDOR = """mutation($name: String!) {
  createSubprocessor(input: {legalName: $name, purpose: "Support desk"}) {
    ... on SubprocessorCreated { subprocessor { id } } } }"""
PARTS = """mutation($s: ID!) {
  a: addProcessingLocation(subprocessorId: $s, input: {country: "US"}) { __typename }
  b: recordTransferBasis(subprocessorId: $s, input: {mechanism: SCC_2021, destination: "US"})
    { __typename } }"""
ANNOUNCE = """mutation($s: ID!) { announceChange(input: {kind: ADD, subprocessorId: $s}) {
  __typename ... on ChangeAnnounced { change { id } } } }"""
BASES = """query($s: ID!) { subprocessor(id: $s) { transferBases { id } } }"""
CORRECT = """mutation($id: ID!) { correctTransferBasis(id: $id,
  input: {sccModule: 2, reason: "module 2 was left out"}) { __typename } }"""
DIFF = """query($from: DateTime!, $to: DateTime!) { subprocessorDiff(from: $from, to: $to) {
  from to
  added { subprocessor { legalName } change { id kind } }
  removed { subprocessor { legalName } }
  changed { subprocessor { legalName } corrections { kind action reason
            changes { field before after } } } } }"""


async def _vendor_added_then_corrected(api: Api, key: str) -> dict[str, Any]:
    start = api.clock.now()
    made = await api.gql(VENDOR, {"name": "Diffed Desk Inc."}, key)
    sub_id = made["createSubprocessor"]["subprocessor"]["id"]
    await api.gql(PARTS, {"s": sub_id}, key)
    change = (await api.gql(ANNOUNCE, {"s": sub_id}, key))["announceChange"]["change"]["id"]
    await api.scheduler.run_until_idle()
    api.clock.advance(timedelta(days=1))
    basis = (await api.gql(BASES, {"s": sub_id}, key))["subprocessor"]["transferBases"][0]
    assert (await api.gql(CORRECT, {"id": basis["id"]}, key))["correctTransferBasis"] == {
        "__typename": "RecordCorrected"
    }
    return {"start": start, "change": change}


@pytest.fixture(scope="module")
async def history(api: Api, admin_key: str) -> dict[str, Any]:
    return await _vendor_added_then_corrected(api, admin_key)


async def test_a_vendor_added_in_between_names_its_change(
    api: Api, admin_key: str, history: dict[str, Any]
) -> None:
    start = history["start"]
    variables = {
        "from": (start - timedelta(hours=1)).isoformat(),
        "to": (start + timedelta(days=2)).isoformat(),
    }

    diff = (await api.gql(DIFF, variables, admin_key))["subprocessorDiff"]

    assert diff["added"] == [
        {
            "subprocessor": {"legalName": "Diffed Desk Inc."},
            "change": {"id": history["change"], "kind": "ADD"},
        }
    ]
    assert diff["removed"] == []
    assert diff["changed"] == []


async def test_a_vendor_corrected_in_between_is_changed_field_by_field(
    api: Api, admin_key: str, history: dict[str, Any]
) -> None:
    start = history["start"]
    variables = {
        "from": (start + timedelta(hours=1)).isoformat(),
        "to": (start + timedelta(days=2)).isoformat(),
    }

    diff = (await api.gql(DIFF, variables, admin_key))["subprocessorDiff"]

    assert diff["added"] == []
    assert diff["changed"] == [
        {
            "subprocessor": {"legalName": "Diffed Desk Inc."},
            "corrections": [
                {
                    "kind": "TRANSFER_BASIS",
                    "action": "CORRECTED",
                    "reason": "module 2 was left out",
                    "changes": [{"field": "sccModule", "before": None, "after": "2"}],
                }
            ],
        }
    ]
    public = await api.http.get("/subprocessors/diff.json", params=variables)
    assert public.status_code == 200, public.text
    body = public.json()
    assert [e["legal_name"] for e in body["changed"]] == ["Diffed Desk Inc."]
    assert body["changed"][0]["corrections"][0]["changes"] == [
        {"field": "sccModule", "before": None, "after": "2"}
    ]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        pytest.param(
            {"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"},
            "from is after to",
            id="from after to -> 400",
        ),
        pytest.param(
            {"from": "yesterday", "to": "2026-01-01T00:00:00Z"},
            "not an ISO 8601 date-time",
            id="a malformed instant -> 400",
        ),
        pytest.param(
            {"from": "2000-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"},
            "a diff spans at most",
            id="more than the horizon -> 400",
        ),
        pytest.param(
            {"from": "2026-01-01T00:00:00", "to": "2026-01-02T00:00:00Z"},
            "needs a time zone offset",
            id="an instant without offset -> 400",
        ),
        pytest.param({"to": "2026-01-02T00:00:00Z"}, "from is required", id="no from -> 400"),
    ],
)
async def test_bad_instants_are_refused(api: Api, params: dict[str, str], message: str) -> None:
    answer = await api.http.get("/subprocessors/diff.json", params=params)

    assert answer.status_code == 400, answer.text
    assert message in answer.json()["error"]


async def test_a_customer_key_gets_a_diff_of_its_own_list(
    mongo_uri: str, mongo_client: AsyncMongoClient[Document]
) -> None:
    """In a registry of its own: a customer would make the module's ADD (`history`)
    wait for its notice period instead of taking effect at once."""
    name = f"t_list_diff_customer_{uuid.uuid4().hex[:8]}"
    async with running_api(make_settings(mongo_uri, name), FrozenClock(START)) as api:
        admin_key = await api.key(Role.ADMIN)
        made = await api.gql(
            """mutation { createCustomer(input: {name: "Differ GmbH"}) {
              ... on CustomerCreated { customer { id } } } }""",
            key=admin_key,
        )
        customer_id = made["createCustomer"]["customer"]["id"]
        key = await api.key(Role.CUSTOMER, customer_id, name="differ")
        now = api.clock.now()
        variables = {"from": (now - timedelta(days=1)).isoformat(), "to": now.isoformat()}

        diff = (await api.gql(DIFF, variables, key))["subprocessorDiff"]
    await mongo_client.drop_database(name)

    assert diff["removed"] == []


async def test_the_human_page_shows_the_same_diff(api: Api, history: dict[str, Any]) -> None:
    start = history["start"]
    params = {
        "from": (start + timedelta(hours=1)).isoformat(),
        "to": (start + timedelta(days=2)).isoformat(),
    }

    page = await api.http.get("/subprocessors/diff", params=params)
    refused = await api.http.get("/subprocessors/diff", params={"from": "soon"})

    assert page.status_code == 200
    corrected = page.text[page.text.index('id="corrected"') :]
    assert "Diffed Desk Inc." in corrected
    assert "module 2 was left out; sccModule — → 2" in corrected
    assert refused.status_code == 400
