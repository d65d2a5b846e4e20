"""A location records whether its recipient is in a partial adequacy decision's scope; a
customer's transfer assessment is evaluated on its local date (issue rules 4 and 6)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from pymongo import AsyncMongoClient

from registry.clock import FrozenClock
from registry.domain.models import Role
from registry.store.database import Document
from tests.api.test_registry import ADD_LOCATION, CREATE, RECORD_BASIS
from tests.conftest import START, Api, make_settings, running_api

TRANSFERS = """
query($id: ID!) { subprocessor(id: $id) {
  locations { country recipientInScope }
  transfers(origin: EEA, asOf: "2026-03-02") { country status mechanism reasons }
} }"""
ASSESSMENT = """query { transferAssessment { asOf } }"""
CUSTOMER = """
mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { ... on CustomerCreated { customer { id } } }
}"""


@pytest.fixture
async def fresh(mongo_uri: str, mongo_client: AsyncMongoClient[Document]) -> AsyncIterator[Api]:
    name = f"t_scope_{uuid.uuid4().hex[:8]}"
    async with running_api(make_settings(mongo_uri, name), FrozenClock(START)) as api:
        yield api
    await mongo_client.drop_database(name)


async def _sub(api: Api, key: str) -> str:
    data = await api.gql(
        CREATE, {"input": {"legalName": "Maple Hosting Inc.", "purpose": "Hosting"}}, key
    )
    sub_id: str = data["createSubprocessor"]["subprocessor"]["id"]
    return sub_id


@pytest.mark.parametrize(
    ("in_scope", "status", "mechanism", "fragment"),
    [
        pytest.param(
            True,
            "VALID",
            "ADEQUACY",
            "recorded as within its scope",
            id="CA recipient under PIPEDA -> VALID on adequacy",
        ),
        pytest.param(
            False,
            "VALID",
            "SCC_2021",
            "recorded as outside that scope",
            id="CA recipient outside PIPEDA -> VALID on the recorded SCCs",
        ),
        pytest.param(
            None,
            "VALID",
            "ADEQUACY",
            "valid only if the recipient is within its scope",
            id="CA scope not recorded -> VALID on adequacy, partial said",
        ),
    ],
)
async def test_location_records_the_recipients_scope(
    fresh: Api, in_scope: bool | None, status: str, mechanism: str, fragment: str
) -> None:
    admin = await fresh.key(Role.ADMIN)
    sub_id = await _sub(fresh, admin)
    added = await fresh.gql(
        ADD_LOCATION,
        {"id": sub_id, "input": {"country": "CA", "recipientInScope": in_scope}},
        admin,
    )
    assert added["addProcessingLocation"]["__typename"] == "ProcessingLocationAdded"
    basis = {"mechanism": "SCC_2021", "destination": "CA", "sccModule": 2}
    recorded = await fresh.gql(RECORD_BASIS, {"id": sub_id, "input": basis}, admin)
    assert recorded["recordTransferBasis"]["__typename"] == "TransferBasisRecorded"
    data = (await fresh.gql(TRANSFERS, {"id": sub_id}, admin))["subprocessor"]
    assert data["locations"] == [{"country": "CA", "recipientInScope": in_scope}]
    [transfer] = data["transfers"]
    assert (transfer["status"], transfer["mechanism"]) == (status, mechanism)
    assert any(fragment in r for r in transfer["reasons"]), transfer["reasons"]
    # No DPA is on record for this vendor: said, without changing the verdict.
    assert any("no DPA on record" in r for r in transfer["reasons"])


async def test_assessment_day_is_the_customers_local_date(fresh: Api) -> None:
    admin = await fresh.key(Role.ADMIN)
    data = await fresh.gql(
        CUSTOMER, {"input": {"name": "Kiwi", "timeZone": "Pacific/Auckland"}}, admin
    )
    customer = await fresh.key(Role.CUSTOMER, data["createCustomer"]["customer"]["id"])
    fresh.clock.set(datetime(2026, 1, 5, 12, 0, tzinfo=UTC))  # 6 Jan 01:00 in Auckland
    mine = (await fresh.gql(ASSESSMENT, {}, customer))["transferAssessment"]
    staff = (await fresh.gql(ASSESSMENT, {}, admin))["transferAssessment"]
    assert (mine["asOf"], staff["asOf"]) == ("2026-01-06", "2026-01-05")
    assert START.date().isoformat() == "2026-01-05"


async def test_a_customers_transfers_are_evaluated_on_its_local_date(fresh: Api) -> None:
    admin = await fresh.key(Role.ADMIN)
    data = await fresh.gql(
        CUSTOMER, {"input": {"name": "Kiwi", "timeZone": "Pacific/Auckland"}}, admin
    )
    customer = await fresh.key(Role.CUSTOMER, data["createCustomer"]["customer"]["id"])
    sub_id = await _sub(fresh, admin)
    await fresh.gql(ADD_LOCATION, {"id": sub_id, "input": {"country": "IN"}}, admin)
    basis = {
        "mechanism": "SCC_2021",
        "destination": "IN",
        "sccModule": 2,
        "validUntil": "2026-01-05",
    }
    await fresh.gql(RECORD_BASIS, {"id": sub_id, "input": basis}, admin)
    # Customers see vendors in force only; the lifecycle is not what this test is about.
    await fresh.deps.db["subprocessors"].update_one({"_id": sub_id}, {"$set": {"status": "ACTIVE"}})
    fresh.clock.set(datetime(2026, 1, 5, 12, 0, tzinfo=UTC))  # 6 Jan 01:00 in Auckland
    query = """query($id: ID!) { subprocessor(id: $id) { transfers { status reasons } } }"""
    [mine] = (await fresh.gql(query, {"id": sub_id}, customer))["subprocessor"]["transfers"]
    [staff] = (await fresh.gql(query, {"id": sub_id}, admin))["subprocessor"]["transfers"]
    assert (mine["status"], staff["status"]) == ("INVALID", "EXPIRING")
    assert "ended on 2026-01-05" in mine["reasons"][0]
