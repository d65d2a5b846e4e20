"""What the feeds publish of a cancelled change is the access policy's rule
(policy.feed_status, policy.calendar_shows): a change called off for one customer (its
notice cancelled after an upheld objection) is cancelled in that customer's feeds, while
the public and other customers see it take effect."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import timedelta

import feedparser  # type: ignore[import-untyped]
import pytest
from icalendar import Calendar, Event
from pymongo import AsyncMongoClient

from registry.clock import FrozenClock
from registry.domain.models import ChangeStatus, NoticeStatus, Role
from registry.services import policy
from registry.store import changes, notices
from registry.store.database import Document
from tests.conftest import START, Api, make_settings
from tests.web.support import add_vendor, announce, running_web_api

CUSTOMER = """mutation($n: String!) { createCustomer(input: {name: $n, noticePeriod: "P10D",
  objectionWindow: "P5D"}) { ... on CustomerCreated { customer { id } } } }"""
OBJECT = """mutation($c: ID!) { fileObjection(input: {changeId: $c, reason: "not for us"}) {
  ... on ObjectionFiled { objection { id } } } }"""
UPHOLD = """mutation($o: ID!) { resolveObjection(id: $o, resolution: CHANGE_CANCELLED_FOR_CUSTOMER,
  note: "you keep the current list") { __typename } }"""
TITLE = "Add Feedsplit Analytics Ltd"


@dataclass
class World:
    api: Api
    excluded: str  # the excluded customer's key
    other: str
    change: str
    excluded_id: str


@pytest.fixture(scope="module")
async def world(mongo_uri: str, mongo_client: AsyncMongoClient[Document]) -> AsyncIterator[World]:
    name = f"t_feed_cancel_{uuid.uuid4().hex[:8]}"
    async with running_web_api(make_settings(mongo_uri, name), FrozenClock(START)) as api:
        admin = await api.key(Role.ADMIN)
        keys, ids = [], []
        for who in ("Excluded AB", "Other AS"):
            made = await api.gql(CUSTOMER, {"n": who}, admin)
            ids.append(made["createCustomer"]["customer"]["id"])
            keys.append(await api.key(Role.CUSTOMER, ids[-1]))
        sub = await add_vendor(api, admin, "Feedsplit Analytics Ltd", "Analytics", [], [])
        change = await announce(api, admin, sub)
        await api.scheduler.run_until_idle()
        objection = (await api.gql(OBJECT, {"c": change}, keys[0]))["fileObjection"]
        await api.gql(UPHOLD, {"o": objection["objection"]["id"]}, admin)
        api.clock.advance(timedelta(days=11))
        await api.scheduler.run_until_idle()
        yield World(api, keys[0], keys[1], change, ids[0])
    await mongo_client.drop_database(name)


async def _titles(api: Api, key: str | None) -> list[str]:
    headers = {"authorization": f"Bearer {key}"} if key else {}
    feed = feedparser.parse((await api.http.get("/changes.atom", headers=headers)).content)
    return [str(e.title) for e in feed.entries]


async def _calendar(api: Api, key: str | None) -> list[str]:
    headers = {"authorization": f"Bearer {key}"} if key else {}
    body = (await api.http.get("/changes.ics", headers=headers)).content
    calendar = Calendar.from_ical(body)
    return [str(e["summary"]) for e in calendar.walk("VEVENT") if isinstance(e, Event)]


async def test_a_change_called_off_for_a_customer_is_cancelled_in_its_feeds(
    world: World,
) -> None:
    api = world.api
    stored = await changes.get(api.deps.db, world.change)
    assert stored is not None
    assert stored.status is ChangeStatus.EFFECTIVE

    for key in (None, world.other):
        assert f"Effective: {TITLE}" in await _titles(api, key)
        assert f"Effective: {TITLE}" in await _calendar(api, key)
    own = await _titles(api, world.excluded)
    assert f"Cancelled: {TITLE}" in own
    assert f"Effective: {TITLE}" not in own
    assert not [s for s in await _calendar(api, world.excluded) if s.endswith(TITLE)]


async def test_the_rule_in_the_policy(world: World) -> None:
    change = await changes.get(world.api.deps.db, world.change)
    assert change is not None
    notice = await notices.for_customer(world.api.deps.db, world.change, world.excluded_id)
    assert notice is not None
    assert notice.status is NoticeStatus.CANCELLED
    assert policy.feed_status(change, notice) is ChangeStatus.CANCELLED
    assert policy.feed_status(change, None) is ChangeStatus.EFFECTIVE
    assert policy.calendar_shows(ChangeStatus.EFFECTIVE)
    assert not policy.calendar_shows(ChangeStatus.CANCELLED)
    cancelled = replace(change, status=ChangeStatus.CANCELLED)
    assert policy.feed_status(cancelled, None) is ChangeStatus.CANCELLED
