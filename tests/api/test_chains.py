"""Vendors' chains of sub-processors over the API: the demo data's chains, and recording
a link with each refusal."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from registry.clock import FrozenClock
from registry.domain.models import Change, ChangeKind, ChangeStatus, DataOrigin, Role
from registry.services import snapshots
from registry.services.access import create_api_key
from registry.services.seeding import load_seed_file
from registry.store import ids
from registry.store.database import Document
from tests.conftest import START, Api, make_settings, running_api

SEED = Path(__file__).parents[2] / "seeds" / "pronestor.json"
NS = "pronestor-privacy-policy.txt"
ZENDESK = ids.stable_id("Subprocessor", NS, "zendesk")
AWS = ids.stable_id("Subprocessor", NS, "aws")
CHAIN = """
query($id: ID!) { subprocessor(id: $id) { legalName chain {
  id depth legalName address contact parentId catalogVendorId
  locations { country role } bases { mechanism sccModule }
} } }"""
RECORD = """
mutation($input: ChainLinkInput!) { recordChainLink(input: $input) {
  __typename
  ... on ChainLinkRecorded { link { id depth legalName } }
  ... on ValidationError { field message }
} }"""
CREATE = """
mutation { createSubprocessor(input: {legalName: "Postmark", purpose: "E-mail"}) {
  ... on SubprocessorCreated { subprocessor { id } } } }"""


@pytest.fixture(scope="module")
async def seeded(mongo_uri: str, mongo_client: AsyncMongoClient[Document]) -> AsyncIterator[Api]:
    name = f"t_chains_{uuid.uuid4().hex[:8]}"
    async with running_api(make_settings(mongo_uri, name), FrozenClock(START)) as api:
        report = await load_seed_file(api.deps, SEED)
        assert report.skipped == []
        yield api
    await mongo_client.drop_database(name)


@pytest.fixture(scope="module")
async def key(seeded: Api) -> str:
    _, secret = await create_api_key(seeded.deps, role=Role.ADMIN, name="chains", customer_id=None)
    return secret


def link_input(vendor: str, **extra: Any) -> dict[str, Any]:
    return {
        "subprocessorId": vendor,
        "legalName": "Amazon Web Services, Inc.",
        "address": "410 Terry Avenue North, Seattle",
        "purpose": "Hosting",
        "locations": [{"country": "US"}],
        "bases": [{"mechanism": "SCC_2021", "sccModule": 3}],
        **extra,
    }


async def test_the_demo_data_has_a_two_level_chain_readable_anonymously(seeded: Api) -> None:
    found = (await seeded.gql(CHAIN, {"id": ZENDESK}))["subprocessor"]
    got = [(x["depth"], x["legalName"], x["catalogVendorId"]) for x in found["chain"]]
    assert got == [(1, "Twilio Inc.", None), (2, "Amazon Web Services, Inc.", AWS)]
    twilio, aws = found["chain"]
    assert aws["parentId"] == twilio["id"]
    assert twilio["parentId"] == ZENDESK
    assert aws["locations"] == [
        {"country": "US", "role": "STORAGE"},
        {"country": "IE", "role": "BACKUP"},
    ]
    assert twilio["bases"] == [{"mechanism": "SCC_2021", "sccModule": 3}]


async def test_seeding_again_changes_nothing(seeded: Api) -> None:
    again = await load_seed_file(seeded.deps, SEED)
    assert again.changed == 0
    assert again.skipped == []


async def test_a_proposed_vendor_gets_a_chain_and_each_refusal_names_its_field(
    seeded: Api, key: str
) -> None:
    vendor = (await seeded.gql(CREATE, key=key))["createSubprocessor"]["subprocessor"]["id"]
    first = await seeded.gql(RECORD, {"input": link_input(vendor, catalogVendorId=AWS)}, key)
    made = first["recordChainLink"]
    assert made["__typename"] == "ChainLinkRecorded", made
    refusals = {
        "self": link_input(vendor, catalogVendorId=vendor),
        "cycle": link_input(vendor, parentId=made["link"]["id"], catalogVendorId=vendor),
        "no location": link_input(vendor, locations=[]),
        "bad lei": link_input(vendor, lei="529900T8BM49AURSDO56"),
    }
    answers = {}
    for what, given in refusals.items():
        answers[what] = (await seeded.gql(RECORD, {"input": given}, key))["recordChainLink"]
    assert {w: (a["__typename"], a["field"]) for w, a in answers.items()} == {
        "self": ("ValidationError", "catalogVendorId"),
        "cycle": ("ValidationError", "catalogVendorId"),
        "no location": ("ValidationError", "locations"),
        "bad lei": ("ValidationError", "lei"),
    }
    assert "cannot be a sub-processor of itself" in answers["self"]["message"]
    assert "check digit" in answers["bad lei"]["message"]
    chain = (await seeded.gql(CHAIN, {"id": vendor}, key))["subprocessor"]["chain"]
    assert [x["legalName"] for x in chain] == ["Amazon Web Services, Inc."]  # nothing else


async def test_an_active_vendors_chain_changes_only_by_announcement(seeded: Api, key: str) -> None:
    answer = (await seeded.gql(RECORD, {"input": link_input(ZENDESK)}, key))["recordChainLink"]
    assert answer["__typename"] == "ValidationError"
    assert "only by an announced change" in answer["message"]


async def test_customers_and_anonymous_callers_may_not_record(seeded: Api) -> None:
    answer = (await seeded.gql(RECORD, {"input": link_input(ZENDESK)}))["recordChainLink"]
    assert answer["__typename"] == "PermissionDenied"


ASSESS = """
query($customer: ID, $withdrawn: [TransferMechanism!]) {
  transferAssessment(customerId: $customer, withdrawn: $withdrawn, asOf: "2026-03-02") {
    counts { invalid missing valid notRequired expiring }
    items { subprocessor { legalName } country status reasons
      chainLink { legalName depth } hops { name status } }
} }"""
HAVBLIK = ids.stable_id("Customer", NS, "havblik")


def onward(items: list[dict[str, Any]]) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {
        (i["subprocessor"]["legalName"], i["chainLink"]["legalName"], i["country"]): i
        for i in items
        if i["chainLink"] is not None
    }


async def test_an_eea_customers_transfer_view_names_each_hop(seeded: Api, key: str) -> None:
    view = (await seeded.gql(ASSESS, {"customer": HAVBLIK}, key))["transferAssessment"]
    routes = onward(view["items"])
    assert set(routes) == {
        ("Mailgun Technologies Inc.", "Amazon Web Services, Inc.", "US"),
        ("Zendesk", "Twilio Inc.", "US"),
        ("Zendesk", "Amazon Web Services, Inc.", "US"),
        ("Zendesk", "Amazon Web Services, Inc.", "IE"),
    }
    deep = routes[("Zendesk", "Amazon Web Services, Inc.", "US")]
    assert deep["chainLink"]["depth"] == 2
    assert [h["name"] for h in deep["hops"]] == [
        "EEA → Zendesk (US)",
        "Zendesk → Twilio Inc. (US)",
        "Twilio Inc. → Amazon Web Services, Inc. (US)",
    ]
    # Zendesk's own US hosting has no basis recorded: that hop decides the route.
    assert deep["status"] == "MISSING"
    assert deep["reasons"][0] == "weakest hop: EEA → Zendesk (US), MISSING"
    assert [h["status"] for h in deep["hops"]] == ["MISSING", "VALID", "VALID"]
    assert any(
        r.startswith("Twilio Inc. → Amazon Web Services, Inc. (US): ") for r in deep["reasons"]
    )
    mailgun = routes[("Mailgun Technologies Inc.", "Amazon Web Services, Inc.", "US")]
    assert mailgun["status"] == "INVALID"  # our own Privacy Shield basis fell in 2020
    assert mailgun["hops"][1]["status"] == "VALID"  # module 3 SCCs and the DPF hold


async def test_the_what_if_reaches_down_the_chain(seeded: Api, key: str) -> None:
    given = {"customer": HAVBLIK, "withdrawn": ["EU_US_DPF"]}
    view = (await seeded.gql(ASSESS, given, key))["transferAssessment"]
    deep = onward(view["items"])[("Zendesk", "Amazon Web Services, Inc.", "US")]
    assert [h["status"] for h in deep["hops"]] == ["MISSING", "VALID", "INVALID"]
    assert deep["status"] == "INVALID"
    assert deep["reasons"][0] == (
        "weakest hop: Twilio Inc. → Amazon Web Services, Inc. (US), INVALID"
    )


async def test_the_list_exports_carry_the_chain(seeded: Api) -> None:
    document = (await seeded.http.get("/subprocessors.json")).json()
    zendesk = next(v for v in document["subprocessors"] if v["id"] == ZENDESK)
    assert [(x["depth"], x["legal_name"]) for x in zendesk["chain"]] == [
        (1, "Twilio Inc."),
        (2, "Amazon Web Services, Inc."),
    ]
    twilio, aws = zendesk["chain"]
    assert aws["parent_id"] == twilio["id"]
    assert aws["catalog_vendor_id"] == AWS
    assert twilio["bases"][0]["mechanism"] == "SCC_2021"
    assert twilio["bases"][0]["scc_module"] == 3
    text = (await seeded.http.get("/subprocessors.csv")).text
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(text))}
    assert rows[ZENDESK]["chain"] == (
        "Twilio Inc. (US) for Zendesk; Amazon Web Services, Inc. (US, IE) for Twilio Inc."
    )


async def test_a_changes_snapshot_carries_the_chain(seeded: Api) -> None:
    change = Change(
        id="chg_x",
        kind=ChangeKind.UPDATE,
        subprocessor_id=ZENDESK,
        announced_at=START,
        effective_at=START,
        status=ChangeStatus.ANNOUNCED,
        earliest_allowed=START,
    )
    taken = await snapshots.take(seeded.deps, change)
    body = snapshots.change_payload(change, taken, DataOrigin.EEA)
    chain = body["subprocessor"]["chain"]
    assert [(x["depth"], x["legalName"], x["address"][:3]) for x in chain] == [
        (1, "Twilio Inc.", "101"),
        (2, "Amazon Web Services, Inc.", "410"),
    ]
    assert chain[1]["locations"][1] == {"country": "IE", "countryName": "Ireland", "role": "BACKUP"}
