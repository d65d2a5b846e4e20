"""Field-level rules: staff's remarks (location, transfer basis and customer notes) are
read by staff only, whoever may see the record they are on (services/policy.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from registry.clock import FrozenClock
from registry.domain.models import Role
from registry.services.seeding import load_seed_file
from registry.store import ids
from tests.conftest import START, Api, make_settings, running_api

SEED = Path(__file__).parents[2] / "seeds" / "pronestor.json"
NAMESPACE = "pronestor-privacy-policy.txt"
VENDOR = """query($id: ID!) { subprocessor(id: $id) {
  locations { country note } transferBases { note } } }"""
CUSTOMER = """query($id: ID!) { customer(id: $id) { name note } }"""


@pytest.fixture(scope="module")
async def seeded(mongo_uri: str, db_name: str) -> AsyncIterator[Api]:
    async with running_api(make_settings(mongo_uri, db_name), FrozenClock(START)) as api:
        report = await load_seed_file(api.deps, SEED)
        assert report.skipped == []
        yield api


def _location_notes(data: dict[str, Any]) -> list[str | None]:
    return [loc["note"] for loc in data["subprocessor"]["locations"]]


async def test_location_notes_are_for_staff_only(seeded: Api) -> None:
    aws = ids.stable_id("Subprocessor", NAMESPACE, "aws")
    havblik = ids.stable_id("Customer", NAMESPACE, "havblik")
    staff = [await seeded.key(Role.ADMIN), await seeded.key(Role.PROCUREMENT)]
    for key in staff:
        data = await seeded.gql(VENDOR, {"id": aws}, key)
        assert any(note for note in _location_notes(data))
    customer = await seeded.key(Role.CUSTOMER, havblik)
    for key in (None, customer):
        data = await seeded.gql(VENDOR, {"id": aws}, key)
        assert data["subprocessor"]["locations"], "the locations themselves are public"
        assert set(_location_notes(data)) == {None}
        assert {b["note"] for b in data["subprocessor"]["transferBases"]} <= {None}


async def test_a_customer_does_not_read_staffs_note_about_it(seeded: Api) -> None:
    havblik = ids.stable_id("Customer", NAMESPACE, "havblik")
    admin = await seeded.key(Role.ADMIN)
    assert (await seeded.gql(CUSTOMER, {"id": havblik}, admin))["customer"]["note"]
    own = await seeded.key(Role.CUSTOMER, havblik)
    seen = (await seeded.gql(CUSTOMER, {"id": havblik}, own))["customer"]
    assert seen["name"]
    assert seen["note"] is None


async def test_lists_apply_the_policys_rule_for_unannounced_vendors(seeded: Api) -> None:
    proposed = """mutation { createSubprocessor(input: {legalName: "Unannounced Ltd",
      purpose: "internal"}) { ... on SubprocessorCreated { subprocessor { id } } } }"""
    admin = await seeded.key(Role.ADMIN)
    await seeded.gql(proposed, key=admin)
    listing = """query($s: [SubprocessorStatus!]) { subprocessors(first: 100,
      filter: {status: $s}) { edges { node { legalName } } } }"""
    everything = ["ACTIVE", "RETIRED"]
    havblik = ids.stable_id("Customer", NAMESPACE, "havblik")
    for key in (None, await seeded.key(Role.CUSTOMER, havblik)):
        for statuses in (None, everything):
            data = await seeded.gql(listing, {"s": statuses}, key)
            names = {e["node"]["legalName"] for e in data["subprocessors"]["edges"]}
            assert "Unannounced Ltd" not in names
    data = await seeded.gql(listing, {"s": ["PROPOSED"]}, admin)
    assert "Unannounced Ltd" in {e["node"]["legalName"] for e in data["subprocessors"]["edges"]}
