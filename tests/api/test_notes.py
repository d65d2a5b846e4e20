"""Staff's notes on processing locations and customers: recorded, shown, and seeded."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from registry.clock import FrozenClock
from registry.domain.drafts import CustomerEdit
from registry.domain.models import Role
from registry.services import customers
from registry.services.caller import Caller
from registry.services.seeding import load_seed_file
from registry.store import customers as stored_customers
from registry.store import ids, processing_locations
from registry.store.database import Document
from tests.conftest import START, Api, make_settings, running_api

SEED = Path(__file__).parents[2] / "seeds" / "pronestor.json"
NAMESPACE = "pronestor-privacy-policy.txt"
ADMIN = Caller(Role.ADMIN)

CREATE_VENDOR = """
mutation { createSubprocessor(input: {legalName: "Mailer", purpose: "mail"}) {
  ... on SubprocessorCreated { subprocessor { id } } } }"""
ADD_LOCATION = """
mutation($id: ID!, $input: ProcessingLocationInput!) {
  addProcessingLocation(subprocessorId: $id, input: $input) {
    __typename
    ... on ProcessingLocationAdded { subprocessor { locations { country note } } }
    ... on ValidationError { field }
  }
}"""
CREATE_CUSTOMER = """
mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) {
    __typename
    ... on CustomerCreated { customer { id note } }
    ... on ValidationError { field }
  }
}"""
UPDATE_CUSTOMER = """
mutation($id: ID!, $input: UpdateCustomerInput!) {
  updateCustomer(id: $id, input: $input) {
    ... on CustomerUpdated { customer { name note } }
  }
}"""


async def test_a_location_keeps_its_note(api: Api, procurement_key: str) -> None:
    created = await api.gql(CREATE_VENDOR, key=procurement_key)
    sub_id = created["createSubprocessor"]["subprocessor"]["id"]
    note = "Policy: 'Ireland'; region inferred."
    data = await api.gql(
        ADD_LOCATION,
        {"id": sub_id, "input": {"country": "IE", "note": f"  {note} "}},
        procurement_key,
    )
    assert data["addProcessingLocation"]["subprocessor"]["locations"] == [
        {"country": "IE", "note": note}
    ]


async def test_a_note_over_2000_characters_is_refused_and_nothing_is_written(
    api: Api, procurement_key: str, admin_key: str
) -> None:
    note = "x" * 2001
    db = api.deps.db
    before = [await db[name].count_documents({}) for name in ("processing_locations", "customers")]
    created = await api.gql(CREATE_VENDOR, key=procurement_key)
    sub_id = created["createSubprocessor"]["subprocessor"]["id"]
    location = {"id": sub_id, "input": {"country": "IE", "note": note}}
    refused = await api.gql(ADD_LOCATION, location, procurement_key)
    assert refused["addProcessingLocation"] == {"__typename": "ValidationError", "field": "note"}
    customer = {"input": {"name": "Acme", "note": note}}
    refused = await api.gql(CREATE_CUSTOMER, customer, admin_key)
    assert refused["createCustomer"] == {"__typename": "ValidationError", "field": "note"}
    after = [await db[name].count_documents({}) for name in ("processing_locations", "customers")]
    assert after == before


async def test_a_customer_note_is_kept_unless_changed_or_removed(api: Api, admin_key: str) -> None:
    data = await api.gql(
        CREATE_CUSTOMER, {"input": {"name": "Acme", "note": "Terms from clause 7.1"}}, admin_key
    )
    customer = data["createCustomer"]["customer"]
    assert customer["note"] == "Terms from clause 7.1"

    async def update(values: dict[str, Any]) -> Any:
        answer = await api.gql(UPDATE_CUSTOMER, {"id": customer["id"], "input": values}, admin_key)
        return answer["updateCustomer"]["customer"]

    assert await update({"name": "Acme GmbH"}) == {
        "name": "Acme GmbH",
        "note": "Terms from clause 7.1",
    }
    assert (await update({"note": "Negotiated 2025"}))["note"] == "Negotiated 2025"
    assert (await update({"note": None}))["note"] is None


@pytest.fixture
async def fresh(mongo_uri: str, mongo_client: AsyncMongoClient[Document]) -> AsyncIterator[Api]:
    name = f"t_notes_{uuid.uuid4().hex[:8]}"
    async with running_api(make_settings(mongo_uri, name), FrozenClock(START)) as api:
        yield api
    await mongo_client.drop_database(name)


def _location_id(key: str, n: int) -> str:
    return ids.stable_id("ProcessingLocation", NAMESPACE, key, str(n))


async def test_seeds_load_the_notes_of_locations_and_customers(fresh: Api) -> None:
    report = await load_seed_file(fresh.deps, SEED)
    assert report.skipped == []
    db = fresh.deps.db
    aws = ids.stable_id("Subprocessor", NAMESPACE, "aws")
    located = {loc.id: loc for loc in (await processing_locations.by_subprocessors(db, [aws]))[aws]}
    ireland = located[_location_id("aws", 0)]
    assert ireland.note is not None
    assert ireland.note.startswith("Policy: 'Ireland'")
    havblik = await stored_customers.get(db, ids.stable_id("Customer", NAMESPACE, "havblik"))
    assert havblik is not None
    assert havblik.note is not None
    assert "30-day objection window" in havblik.note


async def test_a_database_seeded_before_notes_gains_them_and_an_edited_note_stays(
    fresh: Api,
) -> None:
    deps = fresh.deps
    await load_seed_file(deps, SEED)
    # As stored before notes existed: the documents have no `note` key at all.
    await deps.db["processing_locations"].update_many({}, {"$unset": {"note": ""}})
    await deps.db["customers"].update_many({}, {"$unset": {"note": ""}})
    larkspur = ids.stable_id("Customer", NAMESPACE, "larkspur")
    # An edit writes the note (here: none); seeding must not bring the seed's back.
    await customers.update_customer(deps, ADMIN, larkspur, CustomerEdit(name="Larkspur Ltd"))

    again = await load_seed_file(deps, SEED)

    havblik = await stored_customers.get(deps.db, ids.stable_id("Customer", NAMESPACE, "havblik"))
    assert havblik is not None
    assert havblik.note is not None
    edited = await stored_customers.get(deps.db, larkspur)
    assert edited is not None
    assert (edited.name, edited.note) == ("Larkspur Ltd", None)
    aws = ids.stable_id("Subprocessor", NAMESPACE, "aws")
    located = (await processing_locations.by_subprocessors(deps.db, [aws]))[aws]
    assert all(loc.note for loc in located), located
    noted_locations = await deps.db["processing_locations"].count_documents(
        {"note": {"$type": "string"}}
    )
    assert again.changed == noted_locations + 4  # every customer's note but the edited one
    assert again.skipped == [
        "customer 'larkspur': exists and differs from the seed (kept as it is)"
    ]
