"""A customer's DORA register templates (B_05.01, B_05.02, B_02.02's locations) as a zip of
plain-CSV files with a manifest, from the demo data."""

from __future__ import annotations

import csv
import io
import json
import uuid
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pymongo import AsyncMongoClient

from registry.clock import FrozenClock
from registry.domain.models import Role
from registry.services.access import create_api_key
from registry.services.seeding import load_seed_file
from registry.store import ids
from registry.store.database import Document
from tests.conftest import START, Api, make_settings, running_api

SEED = Path(__file__).parents[2] / "seeds" / "pronestor.json"
NS = "pronestor-privacy-policy.txt"
NORDHAVN = ids.stable_id("Customer", NS, "nordhavn")
HAVBLIK = ids.stable_id("Customer", NS, "havblik")
KOBBERHUSET = ids.stable_id("Customer", NS, "kobberhuset")  # given a reference by one test
AWS = ids.stable_id("Subprocessor", NS, "aws")
SET = """
mutation($input: RegisterDetailsInput!) { setRegisterDetails(input: $input) {
  __typename ... on ValidationError { field message }
  ... on RegisterDetailsSet { details { lei contractReference } } } }"""
UPDATE_VENDOR = """
mutation($id: ID!, $lei: String) { updateSubprocessor(id: $id, input: {lei: $lei,
  headquartersCountry: "US", reason: "LEI from GLEIF"}) {
  __typename ... on ValidationError { field message } } }"""


@pytest.fixture(scope="module")
async def seeded(mongo_uri: str, mongo_client: AsyncMongoClient[Document]) -> AsyncIterator[Api]:
    name = f"t_dora_{uuid.uuid4().hex[:8]}"
    async with running_api(make_settings(mongo_uri, name), FrozenClock(START)) as api:
        await load_seed_file(api.deps, SEED)
        yield api
    await mongo_client.drop_database(name)


async def key_for(api: Api, role: Role, customer: str | None = None) -> str:
    _, secret = await create_api_key(api.deps, role=role, name="dora", customer_id=customer)
    return secret


async def fetch(api: Api, customer: str, key: str | None) -> tuple[int, bytes]:
    headers = {"authorization": f"Bearer {key}"} if key else {}
    response = await api.http.get(f"/customers/{customer}/dora-register.zip", headers=headers)
    return response.status_code, response.content


def table(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(archive.read(name).decode())))


async def test_the_customers_own_key_gets_the_templates_with_the_chain(seeded: Api) -> None:
    status, body = await fetch(seeded, NORDHAVN, await key_for(seeded, Role.CUSTOMER, NORDHAVN))
    assert status == 200, body
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert sorted(archive.namelist()) == [
        "b_02.02.csv",
        "b_05.01.csv",
        "b_05.02.csv",
        "manifest.json",
    ]
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["dataPointModel"].startswith("EBA DPM 4.0")
    chain = table(archive, "b_05.02.csv")
    assert {r["c0010"] for r in chain} == {"PRN-2024-017"}
    assert {r["c0020"] for r in chain} == {"eba_TA:S19"}
    ranks = [int(r["c0050"]) for r in chain]
    assert ranks.count(1) == 1
    assert ranks.count(3) == 2  # AWS under Mailgun, Twilio under Zendesk
    assert ranks.count(4) == 1  # AWS under Twilio
    providers = table(archive, "b_05.01.csv")
    names = [r["c0050"] for r in providers]
    assert "Pronestor ApS" in names
    assert "Twilio Inc." in names
    # AWS is a catalog vendor and a sub-processor of two chains: one provider row.
    assert names.count("Amazon Web Services") == 1
    assert "Amazon Web Services, Inc." not in names
    twilio = next(r for r in providers if r["c0050"] == "Twilio Inc.")
    assert twilio["c0080"] == "eba_GA:US"
    assert twilio["c0070"] == "eba_CT:x212"
    (locations,) = table(archive, "b_02.02.csv")
    assert locations["c0020"] == "9845000DEM0HAVB1IK96"
    assert locations["c0130"] == "eba_GA:DK"
    assert locations["c0140"] == "eba_BT:x28"
    assert locations["c0150"].startswith("eba_GA:")
    for entry in manifest["files"]:
        assert entry["sha256"]
        assert entry["rows"] == len(table(archive, entry["name"]))
    assert any("no LEI or EUID" in gap for gap in manifest["gaps"])
    readable = manifest["supplyChain"]["rows"]
    assert len(readable) == len(chain)
    assert {"rank": 4, "provider": "Amazon Web Services", "recipient": "Twilio Inc."} in readable
    assert {"rank": 3, "provider": "Twilio Inc.", "recipient": "Zendesk"} in readable


async def test_a_recorded_lei_identifies_the_vendor_and_its_place_in_the_chain(
    seeded: Api,
) -> None:
    admin = await key_for(seeded, Role.ADMIN)
    bad = await seeded.gql(UPDATE_VENDOR, {"id": AWS, "lei": "529900T8BM49AURSDO56"}, admin)
    assert bad["updateSubprocessor"]["__typename"] == "ValidationError"
    assert bad["updateSubprocessor"]["field"] == "lei"
    good = await seeded.gql(UPDATE_VENDOR, {"id": AWS, "lei": "529900T8BM49AURSDO55"}, admin)
    assert good["updateSubprocessor"]["__typename"] == "SubprocessorUpdated"
    _, body = await fetch(seeded, NORDHAVN, admin)
    chain = table(zipfile.ZipFile(io.BytesIO(body)), "b_05.02.csv")
    aws = [r for r in chain if r["c0030"] == "529900T8BM49AURSDO55"]
    assert sorted(r["c0050"] for r in aws) == ["2", "3", "4"]
    assert {r["c0040"] for r in aws} == {"eba_qCO:qx2000"}


async def test_a_customer_without_a_contract_reference_is_told_which_field(seeded: Api) -> None:
    status, body = await fetch(seeded, HAVBLIK, await key_for(seeded, Role.ADMIN))
    assert status == 400
    assert b"contractReference" in body


async def test_register_details_are_checked_and_kept(seeded: Api) -> None:
    admin = await key_for(seeded, Role.ADMIN)
    given = {"customerId": KOBBERHUSET, "lei": "5299", "contractReference": "H-1"}
    refused = (await seeded.gql(SET, {"input": given}, admin))["setRegisterDetails"]
    assert refused == {
        "__typename": "ValidationError",
        "field": "lei",
        "message": refused["message"],
    }
    status, _ = await fetch(seeded, KOBBERHUSET, admin)
    assert status == 400  # nothing was written
    given = {"customerId": KOBBERHUSET, "contractReference": "H-1"}
    done = (await seeded.gql(SET, {"input": given}, admin))["setRegisterDetails"]
    assert done["details"]["contractReference"] == "H-1"
    status, _ = await fetch(seeded, KOBBERHUSET, admin)
    assert status == 200


async def test_another_customer_and_anonymous_callers_get_nothing(seeded: Api) -> None:
    other = await key_for(seeded, Role.CUSTOMER, HAVBLIK)
    status, _ = await fetch(seeded, NORDHAVN, other)
    assert status == 404
    status, _ = await fetch(seeded, NORDHAVN, None)
    assert status in (401, 403)
