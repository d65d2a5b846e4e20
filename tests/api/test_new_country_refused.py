"""Recording a processing location in a new country for a vendor customers were told of
widens where their data goes: refused with a pointer to announcing a change, as a
correction to a new country is; a PROPOSED vendor's locations are recorded freely."""

from __future__ import annotations

from registry.domain.models import (
    Role,
)
from tests.conftest import Api
from tests.vendors_in_use import vendor_in_use

ADD = """mutation($s: ID!, $country: String!, $region: String) {
  addProcessingLocation(subprocessorId: $s, input: {country: $country, region: $region}) {
    __typename ... on ValidationError { field message } } }"""
VENDOR = """mutation { createSubprocessor(input: {legalName: "Still Proposed Ltd", purpose: "p"}) {
  ... on SubprocessorCreated { subprocessor { id } } } }"""
COUNTRIES = """query($s: ID!) { subprocessor(id: $s) { locations { country region } } }"""


async def _active_in_germany(api: Api) -> str:
    return await vendor_in_use(api.deps.db, "In Use GmbH")


async def test_a_new_country_for_a_vendor_in_use_is_refused(api: Api) -> None:
    key = await api.key(Role.PROCUREMENT)
    sub_id = await _active_in_germany(api)

    refused = await api.gql(ADD, {"s": sub_id, "country": "US"}, key)
    same_country = await api.gql(ADD, {"s": sub_id, "country": "DE", "region": "eu-central-2"}, key)

    answer = refused["addProcessingLocation"]
    assert answer["__typename"] == "ValidationError"
    assert answer["field"] == "country"
    assert "announceChange(input: {kind: UPDATE, subprocessorId, locations:" in answer["message"]
    assert same_country["addProcessingLocation"]["__typename"] == "ProcessingLocationAdded"
    found = (await api.gql(COUNTRIES, {"s": sub_id}, key))["subprocessor"]["locations"]
    assert sorted((loc["country"], loc["region"] or "") for loc in found) == [
        ("DE", ""),
        ("DE", "eu-central-2"),
    ]


async def test_a_proposed_vendor_gets_any_country(api: Api) -> None:
    key = await api.key(Role.PROCUREMENT)
    sub_id = (await api.gql(VENDOR, key=key))["createSubprocessor"]["subprocessor"]["id"]

    for country in ("DE", "US"):
        added = await api.gql(ADD, {"s": sub_id, "country": country}, key)
        assert added["addProcessingLocation"]["__typename"] == "ProcessingLocationAdded"
