"""acknowledgeNotice: a CUSTOMER key acknowledges its own notice, writing the record the
notice page writes (the first acknowledgement stands); someone else's notice is NotFound.
The customer's diff since it last acknowledged starts at that acknowledgement."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from registry.clock import FrozenClock
from registry.domain.models import Role
from registry.store import notice_views
from registry.store.database import Document
from tests.conftest import START, Api, make_settings, running_api

CUSTOMER = """mutation($n: String!) { createCustomer(input: {name: $n, noticePeriod: "P1D"}) {
  ... on CustomerCreated { customer { id } } } }"""
VENDOR = """mutation { createSubprocessor(input: {legalName: "Acked Analytics Ltd",
  purpose: "Product analytics"}) { ... on SubprocessorCreated { subprocessor { id } } } }"""
LOCATION = """mutation($s: ID!) { addProcessingLocation(subprocessorId: $s,
  input: {country: "IE"}) { __typename } }"""
ANNOUNCE = """mutation($s: ID!) { announceChange(input: {kind: ADD, subprocessorId: $s}) {
  ... on ChangeAnnounced { change { id } } } }"""
NOTICES = """{ notices(first: 10) { edges { node { id acknowledgedAt } } } }"""
ACKNOWLEDGE = """mutation($id: ID!, $name: String!) {
  acknowledgeNotice(noticeId: $id, name: $name) { __typename
  ... on NoticeAcknowledged { acknowledgedNow notice { id acknowledgedAt } }
  ... on NotFound { message }
  ... on ValidationError { field message } } }"""
SINCE = """query($from: DateTime) { subprocessorDiff(from: $from, sinceLastAcknowledged: true) {
  from added { subprocessor { legalName } change { id } } removed { subprocessor { id } } } }"""


@dataclass
class World:
    """Customer A acknowledges, B stands by, C acknowledges before its diff."""

    api: Api
    a_key: str
    b_key: str
    c_key: str
    a_notice: str
    b_notice: str
    c_notice: str
    change: str


async def _own_notice(api: Api, key: str) -> str:
    edges = (await api.gql(NOTICES, key=key))["notices"]["edges"]
    assert len(edges) == 1
    notice_id: str = edges[0]["node"]["id"]
    return notice_id


@pytest.fixture(scope="module")
async def world(mongo_uri: str, mongo_client: AsyncMongoClient[Document]) -> AsyncIterator[World]:
    """A registry of its own: its customers get a notice of every change announced here."""
    name = f"t_acknowledge_{uuid.uuid4().hex[:8]}"
    async with running_api(make_settings(mongo_uri, name), FrozenClock(START)) as api:
        admin = await api.key(Role.ADMIN)
        keys = []
        for who in ("Acking A/S", "Bystander B.V.", "Comparing C Oy"):
            made = await api.gql(CUSTOMER, {"n": who}, admin)
            keys.append(await api.key(Role.CUSTOMER, made["createCustomer"]["customer"]["id"]))
        sub = (await api.gql(VENDOR, key=admin))["createSubprocessor"]["subprocessor"]["id"]
        await api.gql(LOCATION, {"s": sub}, admin)
        change = (await api.gql(ANNOUNCE, {"s": sub}, admin))["announceChange"]["change"]["id"]
        await api.scheduler.run_until_idle()
        a, b, c = keys
        notices = [await _own_notice(api, key) for key in keys]
        yield World(api, a, b, c, notices[0], notices[1], notices[2], change)
    await mongo_client.drop_database(name)


async def _acknowledge(api: Api, key: str, notice_id: str, name: str) -> dict[str, Any]:
    answer: dict[str, Any] = (await api.gql(ACKNOWLEDGE, {"id": notice_id, "name": name}, key))[
        "acknowledgeNotice"
    ]
    return answer


async def test_acknowledging_writes_the_notice_pages_record_once(world: World) -> None:
    api = world.api
    first_at = api.clock.now()

    first = await _acknowledge(api, world.a_key, world.a_notice, "Compliance bot")
    api.clock.advance(timedelta(minutes=5))
    again = await _acknowledge(api, world.a_key, world.a_notice, "Someone later")

    assert first["__typename"] == "NoticeAcknowledged"
    assert first["acknowledgedNow"] is True
    assert first["notice"]["acknowledgedAt"] == first_at.isoformat()
    assert again["acknowledgedNow"] is False
    assert again["notice"]["acknowledgedAt"] == first_at.isoformat()
    record = await notice_views.get(api.deps.db, world.a_notice)
    assert record is not None
    assert record["acknowledged_by"] == {"name": "Compliance bot", "email": None}


async def test_someone_elses_notice_is_not_found_and_unchanged(world: World) -> None:
    api = world.api

    refused = await _acknowledge(api, world.b_key, world.a_notice, "Intruder")
    made_up = await _acknowledge(api, world.b_key, "Notice:nothing", "Intruder")

    assert refused["__typename"] == "NotFound"
    assert made_up["__typename"] == "NotFound"
    record = await notice_views.get(api.deps.db, world.a_notice)
    assert record is None or record["acknowledged_by"] in (
        None,
        {"name": "Compliance bot", "email": None},
    )


async def test_a_blank_name_is_refused_and_changes_nothing(world: World) -> None:
    api = world.api

    refused = await _acknowledge(api, world.b_key, world.b_notice, "   ")

    assert refused == {
        "__typename": "ValidationError",
        "field": "name",
        "message": refused["message"],
    }
    notices = (await api.gql(NOTICES, key=world.b_key))["notices"]["edges"]
    assert notices[0]["node"]["acknowledgedAt"] is None


async def test_the_diff_since_the_customer_last_acknowledged(world: World) -> None:
    api = world.api
    await _acknowledge(api, world.c_key, world.c_notice, "Diff bot")
    acknowledged = await notice_views.get(api.deps.db, world.c_notice)
    assert acknowledged is not None
    api.clock.advance(timedelta(days=2))  # past the one-day notice: the ADD takes effect
    await api.scheduler.run_until_idle()

    diff = (await api.gql(SINCE, key=world.c_key))["subprocessorDiff"]
    as_json = await api.http.get(
        "/subprocessors/diff.json",
        params={"since": "acknowledged"},
        headers={"authorization": f"Bearer {world.c_key}"},
    )
    never = await api.post(SINCE, key=world.b_key)
    both = await api.post(SINCE, {"from": START.isoformat()}, world.c_key)

    assert diff["from"] == acknowledged["acknowledged_at"].isoformat()
    assert diff["added"] == [
        {"subprocessor": {"legalName": "Acked Analytics Ltd"}, "change": {"id": world.change}}
    ]
    assert diff["removed"] == []
    assert as_json.status_code == 200, as_json.text
    assert [e["legal_name"] for e in as_json.json()["added"]] == ["Acked Analytics Ltd"]
    assert "acknowledged yet" in never.json()["errors"][0]["message"]
    assert "not both" in both.json()["errors"][0]["message"]
