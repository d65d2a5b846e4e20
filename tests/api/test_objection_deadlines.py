"""The deadline decides an objection, also after an emergency replacement took effect; a
customer's periods are counted in its time zone; typo periods are refused (issue rules 6-8)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from registry.clock import FrozenClock
from registry.domain.models import Role
from registry.store.database import Document
from tests.api.test_changes import ANNOUNCE, CUSTOMER, NOTICES, OBJECT, SUB, iso
from tests.conftest import START, Api, make_settings, running_api

CREATE = """
mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) {
    __typename
    ... on CustomerCreated { customer { id } }
    ... on ValidationError { message field }
  }
}"""


@pytest.fixture
async def fresh(mongo_uri: str, mongo_client: AsyncMongoClient[Document]) -> AsyncIterator[Api]:
    name = f"t_deadlines_{uuid.uuid4().hex[:8]}"
    async with running_api(make_settings(mongo_uri, name), FrozenClock(START)) as api:
        yield api
    await mongo_client.drop_database(name)


async def _customer(api: Api, admin: str, name: str, **terms: Any) -> str:
    data = await api.gql(CUSTOMER, {"input": {"name": name, **terms}}, admin)
    customer_id: str = data["createCustomer"]["customer"]["id"]
    return customer_id


async def _sub(api: Api, admin: str, name: str) -> str:
    sub_id: str = (await api.gql(SUB, {"name": name}, admin))["createSubprocessor"]["subprocessor"][
        "id"
    ]
    return sub_id


async def _object(api: Api, key: str, change_id: str, reason: str) -> dict[str, Any]:
    data = await api.gql(OBJECT, {"input": {"changeId": change_id, "reason": reason}}, key)
    payload: dict[str, Any] = data["fileObjection"]
    return payload


async def test_emergency_replacement_objection_after_the_fact_until_notice_plus_p30d(
    fresh: Api,
) -> None:
    admin = await fresh.key(Role.ADMIN)
    customer = await _customer(
        fresh, admin, "emergency_ok", noticePeriod="P1M", allowsEmergencyReplacement=True
    )
    await fresh.deps.db["webhook_subscriptions"].insert_one(
        {"_id": "whs_emergency_reminder", "customer_id": customer, "active": True}
    )
    old = await _sub(fresh, admin, "Old vendor")
    await fresh.gql(ANNOUNCE, {"input": {"kind": "ADD", "subprocessorId": old}}, admin)
    fresh.clock.advance(timedelta(days=40))
    await fresh.scheduler.run_until_idle()
    new = await _sub(fresh, admin, "Replacement")
    sent = fresh.clock.now()
    announced = await fresh.gql(
        ANNOUNCE,
        {
            "input": {
                "kind": "REPLACE",
                "subprocessorId": new,
                "replacesId": old,
                "emergency": True,
                "emergencyReason": "vendor breached",
                "effectiveAt": iso(sent),
            }
        },
        admin,
    )
    change_id = announced["announceChange"]["change"]["id"]
    fresh.clock.advance(timedelta(hours=1))
    await fresh.scheduler.run_until_idle()
    state = await fresh.gql(NOTICES, {"id": change_id}, admin)
    assert state["change"]["status"] == "EFFECTIVE"
    deadline = sent + timedelta(days=30)
    [notice] = [e["node"] for e in state["change"]["notices"]["edges"]]
    assert notice["objectionDeadline"] == iso(deadline)
    assert notice["effectiveAt"] == iso(sent)

    # Reminders (14 days and 1 day before) follow that deadline, though the change is in force.
    fresh.clock.set(deadline - timedelta(days=1))
    await fresh.scheduler.run_until_idle()
    reminders = [e async for e in fresh.deps.db["events"].find({"type": "change.reminder"})]
    assert [r["data"]["notice"]["objectionDeadline"] for r in reminders] == [iso(deadline)] * 2

    key = await fresh.key(Role.CUSTOMER, customer)
    filed = await _object(fresh, key, change_id, "we did not agree to this vendor")
    assert filed["__typename"] == "ObjectionFiled", filed
    assert filed["objection"]["deadline"] == iso(deadline)

    fresh.clock.set(deadline)
    late = await _object(fresh, await fresh.key(Role.CUSTOMER, customer, name="b"), change_id, "x")
    assert (late["__typename"], late["deadline"]) == ("ObjectionDeadlinePassed", iso(deadline))
    assert await fresh.deps.db["objections"].count_documents({}) == 1


async def test_notice_window_is_counted_in_the_customers_time_zone(fresh: Api) -> None:
    admin = await fresh.key(Role.ADMIN)
    await _customer(
        fresh,
        admin,
        "berlin",
        noticePeriod="P1M",
        timeZone="Europe/Berlin",
        periodEnds="END_OF_DAY",
    )
    sub = await _sub(fresh, admin, "Vendor")
    data = await fresh.gql(ANNOUNCE, {"input": {"kind": "ADD", "subprocessorId": sub}}, admin)
    # 5 Jan 10:00 Berlin + P1M ends with 5 Feb in Berlin: 6 Feb 00:00 Berlin = 5 Feb 23:00 UTC.
    change = data["announceChange"]["change"]
    assert change["effectiveAt"] == iso(datetime(2026, 2, 5, 23, 0, tzinfo=UTC))
    assert datetime(2026, 1, 5, 9, 0, tzinfo=UTC) == START


@pytest.mark.parametrize(
    ("field", "value", "hint"),
    [
        pytest.param(
            "noticePeriod", "PT3M", "3 months is 'P3M'", id="noticePeriod PT3M -> suggests P3M"
        ),
        pytest.param(
            "objectionWindow",
            "PT30M",
            "30 months is 'P30M'",
            id="objectionWindow PT30M -> suggests P30M",
        ),
    ],
)
async def test_suspiciously_short_period_is_a_validation_error(
    fresh: Api, field: str, value: str, hint: str
) -> None:
    admin = await fresh.key(Role.ADMIN)
    data = await fresh.gql(CREATE, {"input": {"name": "typo", field: value}}, admin)
    payload = data["createCustomer"]
    assert (payload["__typename"], payload["field"]) == ("ValidationError", field)
    assert hint in payload["message"]
    assert await fresh.deps.db["customers"].count_documents({}) == 0
