"""One rule for when a vendor is in force (domain/in_force.py): a vendor the API shows by
id is in every list and export of the same instant, also an ACTIVE vendor stored without
`active_from` (written before the dates were kept, or by an import)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from registry.clock import FrozenClock
from registry.domain import in_force
from registry.domain.models import (
    Role,
    Subprocessor,
    SubprocessorStatus,
)
from tests.conftest import START, Api, make_settings, running_api
from tests.vendors_in_use import vendor_in_use

BY_ID = """query($id: ID!) { subprocessor(id: $id) { legalName } }"""
LIST = """query($asOf: DateTime) { subprocessors(first: 100, asOf: $asOf,
  filter: {country: ["UY"]}) { edges { node { legalName } } } }"""
RECORDED = START - timedelta(days=30)


@pytest.fixture(scope="module")
async def api(mongo_uri: str, db_name: str) -> AsyncIterator[Api]:
    async with running_api(make_settings(mongo_uri, db_name), FrozenClock(START)) as api:
        yield api


async def _stored_without_start(api: Api, name: str) -> str:
    return await vendor_in_use(
        api.deps.db,
        name,
        country="UY",
        since=RECORDED,
        purpose="Imported before active dates were kept",
        with_start=False,
    )


def test_the_rule() -> None:
    sub = Subprocessor("s", "Old Ltd", "p", SubprocessorStatus.ACTIVE, created_at=RECORDED)
    assert in_force.start(sub) == RECORDED
    assert in_force.in_force(sub, START)
    assert not in_force.in_force(sub, RECORDED - timedelta(seconds=1))
    proposed = Subprocessor("p", "New Ltd", "p", SubprocessorStatus.PROPOSED, created_at=RECORDED)
    assert in_force.start(proposed) is None
    assert not in_force.announced(proposed)


async def test_an_active_vendor_without_active_from_is_listed_where_it_is_shown(api: Api) -> None:
    sub_id = await _stored_without_start(api, "Legacy Uruguay SA")
    for key in (None, await api.key(Role.PROCUREMENT)):
        shown = await api.gql(BY_ID, {"id": sub_id}, key)
        assert shown["subprocessor"]["legalName"] == "Legacy Uruguay SA"
        listed = await api.gql(LIST, {}, key)
        assert [e["node"]["legalName"] for e in listed["subprocessors"]["edges"]] == [
            "Legacy Uruguay SA"
        ]
    before = await api.gql(LIST, {"asOf": (RECORDED - timedelta(days=1)).isoformat()})
    assert before["subprocessors"]["edges"] == []
    csv_rows = (await api.http.get("/subprocessors.csv", params={"country": "UY"})).text
    assert "Legacy Uruguay SA" in csv_rows
    document = (await api.http.get("/subprocessors.json", params={"country": "UY"})).json()
    assert [s["legal_name"] for s in document["subprocessors"]] == ["Legacy Uruguay SA"]
    page = (await api.http.get("/subprocessors", params={"country": "UY"})).text
    assert "Legacy Uruguay SA" in page
