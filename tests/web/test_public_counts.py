"""The public page and the API count transfers the same way (per processing location), and
the page finds upcoming changes for any date, however many were announced since."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from pymongo import AsyncMongoClient

from registry.clock import FrozenClock
from registry.domain.models import Change, ChangeKind, ChangeStatus, Role
from registry.store import changes, ids
from registry.store.database import Document
from tests.conftest import START, Api, make_settings
from tests.web.support import Seeded, running_web_api, seed

ASSESSMENT = """query($on: Date!) { transferAssessment(asOf: $on, origin: EEA) {
  counts { notRequired valid expiring invalid missing } } }"""
LABELS = {
    "Not required": "notRequired",
    "Valid": "valid",
    "Expiring": "expiring",
    "Invalid": "invalid",
    "Missing": "missing",
}


@pytest.fixture
async def web(mongo_uri: str, mongo_client: AsyncMongoClient[Document]) -> AsyncIterator[Api]:
    name = f"t_public_counts_{uuid.uuid4().hex[:8]}"
    async with running_web_api(make_settings(mongo_uri, name), FrozenClock(START)) as api:
        yield api
    await mongo_client.drop_database(name)


async def test_page_counts_are_the_api_counts(web: Api) -> None:
    seeded: Seeded = await seed(web, await web.key(Role.ADMIN, name="admin"))
    # A second location in a country the vendor already has: counted twice in both.
    add = """mutation($s: ID!) { addProcessingLocation(subprocessorId: $s,
      input: {country: "US", region: "us-west-2", role: STORAGE}) { __typename } }"""
    postmark = next(v for k, v in seeded.vendors.items() if "ostmark" in k)
    await web.gql(add, {"s": postmark}, seeded.admin)

    html = (await web.http.get("/subprocessors")).text
    shown = {
        LABELS[label]: int(n)
        for label, n in re.findall(r'<span class="status [a-z_]+">([A-Za-z ]+): (\d+)</span>', html)
    }
    on = web.clock.now().date().isoformat()
    counts = (await web.gql(ASSESSMENT, {"on": on}))["transferAssessment"]["counts"]
    assert shown == {k: v for k, v in counts.items() if v}
    assert sum(shown.values()) > len(re.findall(r'<tr id="sp', html))


async def test_upcoming_changes_are_found_for_any_date(web: Api) -> None:
    early = await _change(web, START, START + timedelta(days=40), "early")
    # 250 later announcements (more than the page used to look at).
    for n in range(250):
        announced = START + timedelta(days=2, minutes=n)
        await _change(web, announced, announced + timedelta(days=30), f"later {n}")

    on_day_one = (START + timedelta(days=1)).isoformat().replace("+00:00", "Z")
    html = (await web.http.get("/subprocessors", params={"asOf": on_day_one})).text
    assert f'id="change-{early}"' in html
    assert html.count('<tr id="change-') == 1  # the later ones were not announced yet

    after = (START + timedelta(days=3)).isoformat().replace("+00:00", "Z")
    html = (await web.http.get("/subprocessors", params={"asOf": after})).text
    assert html.count('<tr id="change-') == 251


async def _change(api: Api, announced: object, effective: object, key: str) -> str:
    change = Change(
        id=ids.new_id("Change"),
        kind=ChangeKind.ADD,
        subprocessor_id=ids.stable_id("Subprocessor", "counts", key),
        announced_at=announced,  # type: ignore[arg-type]
        effective_at=effective,  # type: ignore[arg-type]
        status=ChangeStatus.ANNOUNCED,
        earliest_allowed=effective,  # type: ignore[arg-type]
    )
    await changes.insert(
        api.deps.db, changes.to_document(change, idempotency_key=change.id, created_by=None)
    )
    return change.id
