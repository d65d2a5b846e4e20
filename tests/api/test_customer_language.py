"""A customer's language: a BCP 47 tag kept with its region, refused when unsupported,
carried by its events (the JSON stays English); a switch between the announcement and
the reminder reaches the reminder, and the change's snapshot is untouched."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from registry.clock import FrozenClock
from registry.delivery import email_content
from registry.domain.models import Role
from registry.store.database import Document
from tests.api.test_changes import ANNOUNCE, SUB
from tests.conftest import START, Api, make_settings, running_api

CREATE = """
mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) {
    __typename
    ... on CustomerCreated { customer { id terms { language } } }
    ... on ValidationError { message field }
  }
}"""
UPDATE = """
mutation($id: ID!, $input: UpdateCustomerInput!) {
  updateCustomer(id: $id, input: $input) {
    __typename
    ... on CustomerUpdated { customer { terms { language } } }
    ... on ValidationError { message field }
  }
}"""


@pytest.fixture
async def fresh(mongo_uri: str, mongo_client: AsyncMongoClient[Document]) -> AsyncIterator[Api]:
    name = f"t_language_{uuid.uuid4().hex[:8]}"
    async with running_api(make_settings(mongo_uri, name), FrozenClock(START)) as api:
        yield api
    await mongo_client.drop_database(name)


async def _create(api: Api, admin: str, **terms: Any) -> dict[str, Any]:
    data = await api.gql(CREATE, {"input": {"name": "Kunde GmbH", **terms}}, admin)
    found: dict[str, Any] = data["createCustomer"]
    return found


async def test_the_language_is_kept_with_its_region_and_english_by_default(fresh: Api) -> None:
    admin = await fresh.key(Role.ADMIN)
    plain = await _create(fresh, admin)
    assert plain["customer"]["terms"]["language"] == "en"
    swiss = await _create(fresh, admin, language="de-ch")
    assert swiss["customer"]["terms"]["language"] == "de-CH"


@pytest.mark.parametrize("tag", ["xx", "es", "de_CH_x_y_z_w", ""])
async def test_an_unsupported_language_is_refused_and_nothing_is_stored(
    fresh: Api, tag: str
) -> None:
    admin = await fresh.key(Role.ADMIN)
    refused = await _create(fresh, admin, language=tag)
    assert refused["__typename"] == "ValidationError"
    assert refused["field"] == "language"
    assert "en, de, fr, da" in refused["message"]
    assert await fresh.deps.db["customers"].count_documents({}) == 0


async def test_a_switch_before_the_reminder_reaches_the_reminder_not_the_snapshot(
    fresh: Api,
) -> None:
    admin = await fresh.key(Role.ADMIN)
    created = await _create(fresh, admin, language="de", noticePeriod="P1M")
    customer = created["customer"]["id"]
    await fresh.deps.db["webhook_subscriptions"].insert_one(
        {"_id": "whs_language", "customer_id": customer, "active": True}
    )
    sub = (await fresh.gql(SUB, {"name": "Postmark"}, admin))["createSubprocessor"]
    announced = await fresh.gql(
        ANNOUNCE, {"input": {"kind": "ADD", "subprocessorId": sub["subprocessor"]["id"]}}, admin
    )
    change_id = announced["announceChange"]["change"]["id"]
    await fresh.scheduler.run_until_idle()
    [announcement] = [e async for e in fresh.deps.db["events"].find({"type": "change.announced"})]
    assert announcement["data"]["customer"]["language"] == "de"
    assert email_content.compose(announcement).intro.startswith("Wir informieren Sie")
    snapshot = await fresh.deps.db["changes"].find_one({"_id": change_id})

    switched = await fresh.gql(UPDATE, {"id": customer, "input": {"language": "fr"}}, admin)
    assert switched["updateCustomer"]["customer"]["terms"]["language"] == "fr"
    refused = await fresh.gql(UPDATE, {"id": customer, "input": {"language": "klingon"}}, admin)
    assert refused["updateCustomer"]["field"] == "language"

    fresh.clock.set(START + timedelta(days=31) - timedelta(days=1))
    await fresh.scheduler.run_until_idle()
    reminders = [e async for e in fresh.deps.db["events"].find({"type": "change.reminder"})]
    assert reminders
    assert {r["data"]["customer"]["language"] for r in reminders} == {"fr"}
    assert email_content.compose(reminders[0]).intro.startswith("Rappel : le délai")
    assert list(reminders[0]["data"]["change"]) == list(announcement["data"]["change"])
    assert await fresh.deps.db["changes"].find_one({"_id": change_id}) == snapshot
    again = [e async for e in fresh.deps.db["events"].find({"type": "change.announced"})]
    assert again[0]["data"]["customer"]["language"] == "de"
