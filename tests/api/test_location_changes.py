"""A vendor in use opening a data centre in a new country: announceChange(kind: UPDATE,
locations:) carries the locations through the notice engine; bad input is refused with
a typed error and changes nothing; each view shows the new location from its date."""

from __future__ import annotations

import io
import zipfile
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from registry.domain.drafts import CustomerDraft, ObjectionFiling
from registry.domain.models import (
    CustomerTerms,
    ObjectionResolution,
    Role,
    Subprocessor,
    SubprocessorStatus,
)
from registry.scheduler.jobs import JOBS
from registry.scheduler.loop import Scheduler
from registry.services import changes, customers, dora_register
from registry.services.caller import Caller
from registry.store import ids, processing_locations, subprocessors
from registry.store.database import Document
from tests.conftest import START, Api, api_of_its_own
from tests.vendors_in_use import vendor_in_use

ANNOUNCE = """mutation($input: AnnounceChangeInput!) { announceChange(input: $input) {
  __typename
  ... on ChangeAnnounced { change { id description effectiveAt
      locationsAdded { country role } locationsEnded { country } } }
  ... on ValidationError { field message } } }"""
ADD = """mutation($s: ID!) { addProcessingLocation(subprocessorId: $s, input: {country: "US"}) {
  __typename ... on ValidationError { field message } } }"""
LIST = """query($at: DateTime) { subprocessors(asOf: $at) { edges { node { legalName
  locations { country role } } } } }"""
SET_DETAILS = """mutation($input: RegisterDetailsInput!) { setRegisterDetails(input: $input) {
  __typename ... on ValidationError { field message } } }"""
WHAT_IF = """query($on: Date) { transferAssessment(asOf: $on, origin: EEA) {
  items { subprocessor { legalName } country status } } }"""


async def _active_in_germany(api: Api, name: str = "In Use GmbH") -> str:
    return await vendor_in_use(api.deps.db, name)


def _input(sub_id: str, **more: Any) -> dict[str, Any]:
    return {
        "input": {
            "kind": "UPDATE",
            "subprocessorId": sub_id,
            "description": "A new data centre.",
            "locations": [
                {"country": "US", "role": "STORAGE"},
                {"country": "US", "role": "SUPPORT_ACCESS"},
            ],
            **more,
        }
    }


async def test_a_new_country_is_announced_and_shows_from_its_date(api: Api) -> None:
    admin = await api.key(Role.ADMIN)
    customer = await customers.create_customer(
        api.deps,
        Caller(Role.ADMIN),
        CustomerDraft(name="Acme", terms=CustomerTerms(notice_period="P30D")),
    )
    mine = await api.key(Role.CUSTOMER, customer.id)
    sub_id = await _active_in_germany(api, "Relocating GmbH")

    refused = (await api.gql(ADD, {"s": sub_id}, admin))["addProcessingLocation"]
    answer = (await api.gql(ANNOUNCE, _input(sub_id), admin))["announceChange"]

    assert "announceChange(input: {kind: UPDATE, subprocessorId, locations:" in refused["message"]
    assert answer["__typename"] == "ChangeAnnounced", answer
    change = answer["change"]
    assert change["description"] == (
        "Relocating GmbH adds processing in the United States (storage, support access). "
        "A new data centre."
    )
    assert [x["role"] for x in change["locationsAdded"]] == ["STORAGE", "SUPPORT_ACCESS"]
    await Scheduler(api.deps, JOBS, worker_id="w").run_until_idle()

    def countries(data: dict[str, Any]) -> list[str]:
        (vendor,) = [
            e["node"]
            for e in data["subprocessors"]["edges"]
            if e["node"]["legalName"] == "Relocating GmbH"
        ]
        return sorted(loc["country"] for loc in vendor["locations"])

    date = change["effectiveAt"]
    before = (START + timedelta(days=29)).isoformat()
    assert countries(await api.gql(LIST, {"at": None}, mine)) == ["DE"]
    assert countries(await api.gql(LIST, {"at": before}, mine)) == ["DE"]
    assert countries(await api.gql(LIST, {"at": date}, mine)) == ["DE", "US", "US"]
    assert countries(await api.gql(LIST, {"at": date}, admin)) == ["DE", "US", "US"]
    # The what-if on the change's date judges the new route.
    day = date[:10]
    items = (await api.gql(WHAT_IF, {"on": day}, admin))["transferAssessment"]["items"]
    seen = {
        (i["country"], i["status"])
        for i in items
        if i["subprocessor"]["legalName"] == "Relocating GmbH"
    }
    assert ("US", "MISSING") in seen, seen
    assert ("DE", "NOT_REQUIRED") in seen, seen


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param({"locations": []}, "locations", id="no location -> locations"),
        pytest.param(
            {"locations": [{"country": "DE"}]},
            "locations[0].country",
            id="a country it has -> locations[0].country",
        ),
        pytest.param(
            {"locations": [{"country": "XX"}]},
            "locations[0].country",
            id="not a country -> locations[0].country",
        ),
        pytest.param({"kind": "REMOVE"}, "locations", id="not an UPDATE -> locations"),
        pytest.param(
            {"endLocationIds": ["ProcessingLocation:nope"]},
            "endLocationIds[0]",
            id="ending a location it has not -> endLocationIds[0]",
        ),
    ],
)
async def test_bad_locations_are_refused_and_change_nothing(
    api: Api, change: dict[str, Any], field: str
) -> None:
    admin = await api.key(Role.ADMIN)
    sub_id = await _active_in_germany(api)
    asked = _input(sub_id)
    asked["input"].update(change)

    answer = (await api.gql(ANNOUNCE, asked, admin))["announceChange"]

    assert answer["__typename"] == "ValidationError", answer
    assert answer["field"] == field
    assert await api.deps.db["changes"].count_documents({"subprocessor_id": sub_id}) == 0


async def test_a_vendor_not_in_use_and_a_country_announced_twice_are_refused(api: Api) -> None:
    admin = await api.key(Role.ADMIN)
    sub_id = await _active_in_germany(api)
    other = ids.new_id("Subprocessor")
    await subprocessors.insert(
        api.deps.db,
        Subprocessor(
            id=other,
            legal_name="Draft Ltd",
            purpose="p",
            status=SubprocessorStatus.PROPOSED,
            created_at=START,
        ),
    )

    first = (await api.gql(ANNOUNCE, _input(sub_id), admin))["announceChange"]
    twice = (await api.gql(ANNOUNCE, _input(sub_id), admin))["announceChange"]
    not_in_use = (await api.gql(ANNOUNCE, _input(other), admin))["announceChange"]

    assert first["__typename"] == "ChangeAnnounced"
    assert (twice["__typename"], twice["field"]) == ("ValidationError", "locations[0].country")
    assert "already announced" in twice["message"]
    assert (not_in_use["__typename"], not_in_use["field"]) == ("ValidationError", "subprocessorId")
    assert await api.deps.db["changes"].count_documents({"subprocessor_id": other}) == 0


async def test_a_cancelled_change_of_locations_never_reaches_anyone(api: Api) -> None:
    admin = await api.key(Role.ADMIN)
    sub_id = await _active_in_germany(api, "Withdrawn GmbH")
    asked = _input(sub_id, endLocationIds=[])
    answer = (await api.gql(ANNOUNCE, asked, admin))["announceChange"]
    cancel = """mutation($id: ID!) { cancelChange(id: $id, reason: "the vendor kept Europe") {
      __typename } }"""
    cancelled = await api.gql(cancel, {"id": answer["change"]["id"]}, admin)
    assert cancelled["cancelChange"]["__typename"] == "ChangeCancelled"
    api.clock.set(START + timedelta(days=400))
    await Scheduler(api.deps, JOBS, worker_id="w").run_until_idle()

    data = await api.gql(LIST, {"at": (START + timedelta(days=200)).isoformat()}, admin)
    (vendor,) = [
        e["node"]
        for e in data["subprocessors"]["edges"]
        if e["node"]["legalName"] == "Withdrawn GmbH"
    ]
    assert [loc["country"] for loc in vendor["locations"]] == ["DE"]
    stored = await processing_locations.by_subprocessors(api.deps.db, [sub_id])
    assert [loc.country for loc in stored[sub_id]] == ["DE"]


async def _exported_countries(api: Api, key: str, at: str | None, name: str) -> list[str]:
    params = {"asOf": at} if at else {}
    answer = await api.http.get(
        "/subprocessors.json", params=params, headers={"authorization": f"Bearer {key}"}
    )
    assert answer.status_code == 200, answer.text
    (vendor,) = [v for v in answer.json()["subprocessors"] if v["legal_name"] == name]
    return sorted(loc["country"] for loc in vendor["locations"])


def _registered_countries(extract: dora_register.Extract) -> set[str]:
    with zipfile.ZipFile(io.BytesIO(dora_register.package(extract))) as archive:
        text = " ".join(archive.read(n).decode() for n in archive.namelist())
    return {code for code in ("DE", "US") if f"eba_GA:{code}" in text}


@pytest.fixture
async def alone(mongo_uri: str, mongo_client: AsyncMongoClient[Document]) -> AsyncIterator[Api]:
    """The register counts every vendor: this test's vendor is the only one."""
    async with api_of_its_own(mongo_uri, mongo_client, "locations") as api:
        yield api


async def test_exports_and_the_dora_register_read_locations_from_each_ones_date(
    alone: Api,
) -> None:
    api = alone
    """The list export on an asked day, and a customer's own export and DORA register,
    show a change of locations from the date it takes effect for them (never for a
    customer excluded from it), before and after it is recorded on the vendor."""
    admin = await api.key(Role.ADMIN)
    staff = Caller(Role.ADMIN)
    await customers.create_customer(api.deps, staff, CustomerDraft(name="Told"))
    excluded = await customers.create_customer(api.deps, staff, CustomerDraft(name="Excluded"))
    theirs = await api.key(Role.CUSTOMER, excluded.id)
    reference = {"customerId": excluded.id, "contractReference": "X-1"}
    set_details = (await api.gql(SET_DETAILS, {"input": reference}, admin))["setRegisterDetails"]
    assert set_details["__typename"] == "RegisterDetailsSet", set_details
    sub_id = await _active_in_germany(api, "Exported GmbH")
    change = (await api.gql(ANNOUNCE, _input(sub_id), admin))["announceChange"]["change"]
    await Scheduler(api.deps, JOBS, worker_id="w").run_until_idle()
    objection = await changes.file_objection(
        api.deps, staff, ObjectionFiling(change["id"], "not outside the EU", excluded.id)
    )
    await changes.resolve_objection(
        api.deps, staff, objection.id, ObjectionResolution.CHANGE_CANCELLED_FOR_CUSTOMER
    )
    date = change["effectiveAt"]
    before = (datetime.fromisoformat(date) - timedelta(days=1)).isoformat()

    # Announced, not recorded: the record has Germany only, the export on the day has both.
    assert await _exported_countries(api, admin, None, "Exported GmbH") == ["DE"]
    assert await _exported_countries(api, admin, date, "Exported GmbH") == ["DE", "US", "US"]
    assert await _exported_countries(api, theirs, date, "Exported GmbH") == ["DE"]

    api.clock.set(datetime.fromisoformat(date) + timedelta(hours=1))
    await Scheduler(api.deps, JOBS, worker_id="w").run_until_idle()
    # Recorded: the record has both, the export of the day before has Germany only.
    assert await _exported_countries(api, admin, None, "Exported GmbH") == ["DE", "US", "US"]
    assert await _exported_countries(api, admin, before, "Exported GmbH") == ["DE"]
    # The excluded customer's own export and register keep Germany only.
    assert await _exported_countries(api, theirs, None, "Exported GmbH") == ["DE"]
    assert _registered_countries(await dora_register.extract(api.deps, staff, excluded.id)) == {
        "DE"
    }
