"""What the public sees of a transfer verdict is a setting: by default its status and
mechanism only (REGISTRY_PUBLIC_VERDICT_DETAIL=mechanism); with `full`, also its reasons
and the basis it rests on. Staff and customers always read the whole verdict, in the API
and on the public page alike."""

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
TRANSFERS = """{ subprocessors(first: 100) { edges { node {
  transfers { status mechanism reasons basis { id } } } } }
  transferAssessment { items { reasons basis { id } hops { reasons } } } }"""


@pytest.fixture(scope="module")
async def api(mongo_uri: str, db_name: str) -> AsyncIterator[Api]:
    async with running_api(make_settings(mongo_uri, db_name), FrozenClock(START)) as api:
        await load_seed_file(api.deps, SEED)
        yield api


def _detail(data: dict[str, Any]) -> tuple[int, int, int]:
    """(verdicts, with reasons, with a basis) over the list and the assessment."""
    verdicts = [t for e in data["subprocessors"]["edges"] for t in e["node"]["transfers"]]
    verdicts += data["transferAssessment"]["items"]
    return (
        len(verdicts),
        len([v for v in verdicts if v["reasons"]]),
        len([v for v in verdicts if v["basis"]]),
    )


async def test_the_public_sees_the_mechanism_and_keys_the_whole_verdict(api: Api) -> None:
    anonymous = await api.gql(TRANSFERS)
    customer = ids.stable_id("Customer", NAMESPACE, "havblik")
    keyed = [await api.key(Role.PROCUREMENT), await api.key(Role.CUSTOMER, customer)]

    total, reasoned, based = _detail(anonymous)
    assert total > 0
    assert (reasoned, based) == (0, 0)
    assert any(
        t["mechanism"] for e in anonymous["subprocessors"]["edges"] for t in e["node"]["transfers"]
    )
    for key in keyed:
        _, reasoned, based = _detail(await api.gql(TRANSFERS, key=key))
        assert reasoned > 0
        assert based > 0
    page = (await api.http.get("/subprocessors")).text
    assert "<summary>Why" not in page
    staff_page = await api.http.get(
        "/subprocessors", headers={"authorization": f"Bearer {keyed[0]}"}
    )
    assert "<summary>Why" in staff_page.text


async def test_a_server_may_publish_full_verdicts(mongo_uri: str, db_name: str, api: Api) -> None:
    settings = make_settings(mongo_uri, db_name, public_verdict_detail="full")
    async with running_api(settings, FrozenClock(START)) as full:
        total, reasoned, based = _detail(await full.gql(TRANSFERS))
        page = (await full.http.get("/subprocessors")).text

    assert reasoned == total > 0
    assert based > 0
    assert "<summary>Why" in page
