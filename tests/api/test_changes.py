"""The change-notice engine end to end: windows, notices, objections, the scheduler."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from registry.clock import FrozenClock
from registry.domain.drafts import ChangeAnnouncement
from registry.domain.models import ChangeKind, Role
from registry.scheduler.jobs import JOBS
from registry.scheduler.loop import Scheduler
from registry.services import change_jobs, change_preview
from registry.services.caller import Caller
from registry.store import changes, customer_roster, leases
from registry.store.database import Document
from tests.conftest import START, Api, make_settings, running_api

CUSTOMER = """
mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { ... on CustomerCreated { customer { id } } }
}"""
SUB = """
mutation($name: String!) {
  createSubprocessor(input: {legalName: $name, purpose: "Email delivery"}) {
    ... on SubprocessorCreated { subprocessor { id } }
  }
}"""
ANNOUNCE = """
mutation($input: AnnounceChangeInput!) {
  announceChange(input: $input) {
    __typename
    ... on ChangeAnnounced { change { id effectiveAt earliestAllowed status kind } }
    ... on NoticeWindowViolation { message earliestAllowed customers { id } }
    ... on ValidationError { message field }
    ... on NotFound { message }
    ... on PermissionDenied { message }
  }
}"""
OBJECT = """
mutation($input: FileObjectionInput!) {
  fileObjection(input: $input) {
    __typename
    ... on ObjectionFiled { objection { id status deadline reason } }
    ... on ObjectionDeadlinePassed { message deadline }
    ... on ValidationError { message field }
    ... on NotFound { message }
    ... on PermissionDenied { message }
  }
}"""
NOTICES = """
query($id: ID!) { change(id: $id) { status notices(first: 100) { totalCount edges { node {
  sentAt effectiveAt objectionDeadline status customer { id } } } } } }"""
LIST = """
query($asOf: DateTime) { subprocessors(asOf: $asOf) { totalCount edges { node { id status } } } }"""


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


@pytest.fixture
async def fresh(mongo_uri: str, mongo_client: AsyncMongoClient[Document]) -> AsyncIterator[Api]:
    """A new database per test: each lifecycle starts from an empty registry."""
    name = f"t_changes_{uuid.uuid4().hex[:8]}"
    async with running_api(make_settings(mongo_uri, name), FrozenClock(START)) as api:
        yield api
    await mongo_client.drop_database(name)


async def setup(api: Api) -> dict[str, Any]:
    admin = await api.key(Role.ADMIN)
    ids: dict[str, Any] = {"admin": admin}
    for name, terms in [
        ("three_months", {}),
        ("thirty_days", {"noticePeriod": "P30D", "objectionWindow": "P14D"}),
        ("emergency_ok", {"noticePeriod": "P1M", "allowsEmergencyReplacement": True}),
    ]:
        data = await api.gql(CUSTOMER, {"input": {"name": name, **terms}}, admin)
        ids[name] = data["createCustomer"]["customer"]["id"]
    data = await api.gql(SUB, {"name": "Postmark"}, admin)
    ids["sub"] = data["createSubprocessor"]["subprocessor"]["id"]
    return ids


async def announce(api: Api, key: str, **values: Any) -> dict[str, Any]:
    data = await api.gql(ANNOUNCE, {"input": values}, key)
    payload: dict[str, Any] = data["announceChange"]
    return payload


async def test_default_effective_date_is_the_latest_window(fresh: Api) -> None:
    ids = await setup(fresh)
    payload = await announce(fresh, ids["admin"], kind="ADD", subprocessorId=ids["sub"])
    assert payload["__typename"] == "ChangeAnnounced"
    # 5 Jan 2026 + P3M = 5 Apr 2026, the longest of the three windows.
    expected = datetime(2026, 4, 5, 9, 0, tzinfo=UTC)
    assert payload["change"]["effectiveAt"] == iso(expected)
    assert payload["change"]["earliestAllowed"] == iso(expected)


async def test_too_early_is_refused_naming_customers_and_writes_nothing(fresh: Api) -> None:
    ids = await setup(fresh)
    payload = await announce(
        fresh,
        ids["admin"],
        kind="ADD",
        subprocessorId=ids["sub"],
        effectiveAt=iso(START + timedelta(days=40)),
    )
    assert payload["__typename"] == "NoticeWindowViolation"
    assert payload["earliestAllowed"] == iso(datetime(2026, 4, 5, 9, 0, tzinfo=UTC))
    assert {c["id"] for c in payload["customers"]} == {ids["three_months"]}
    assert await fresh.deps.db["changes"].count_documents({}) == 0


@pytest.mark.parametrize(
    ("values", "typename", "field"),
    [
        ({"kind": "REPLACE"}, "ValidationError", "replacesId"),
        ({"kind": "REMOVE"}, "ValidationError", "subprocessorId"),
        ({"kind": "ADD", "emergency": True}, "ValidationError", "emergencyReason"),
        (
            {"kind": "ADD", "effectiveAt": "2020-01-01T00:00:00+00:00"},
            "NoticeWindowViolation",
            None,
        ),
        ({"kind": "UPDATE", "description": "new region"}, "ValidationError", "subprocessorId"),
    ],
    ids=[
        "REPLACE without replacesId",
        "REMOVE of a PROPOSED vendor",
        "emergency without reason",
        "date in the past",
        "UPDATE of a PROPOSED vendor",
    ],
)
async def test_bad_announcements_write_nothing(
    fresh: Api, values: dict[str, Any], typename: str, field: str | None
) -> None:
    ids = await setup(fresh)
    payload = await announce(fresh, ids["admin"], subprocessorId=ids["sub"], **values)
    assert payload["__typename"] == typename, payload
    if field:
        assert payload["field"] == field
    assert await fresh.deps.db["changes"].count_documents({}) == 0


async def test_unknown_subprocessor_and_customer_key(fresh: Api) -> None:
    ids = await setup(fresh)
    payload = await announce(fresh, ids["admin"], kind="ADD", subprocessorId="sp_" + "0" * 24)
    assert payload["__typename"] == "NotFound"
    customer_key = await fresh.key(Role.CUSTOMER, ids["three_months"])
    payload = await announce(fresh, customer_key, kind="ADD", subprocessorId=ids["sub"])
    assert payload["__typename"] == "PermissionDenied"


async def test_retried_announce_creates_one_change(fresh: Api) -> None:
    ids = await setup(fresh)
    first = await announce(
        fresh, ids["admin"], kind="ADD", subprocessorId=ids["sub"], idempotencyKey="k-1"
    )
    again = await announce(
        fresh, ids["admin"], kind="ADD", subprocessorId=ids["sub"], idempotencyKey="k-1"
    )
    assert first["change"]["id"] == again["change"]["id"]
    # Without a key, the open-change guard refuses a second ADD for the same vendor.
    third = await announce(fresh, ids["admin"], kind="ADD", subprocessorId=ids["sub"])
    assert third["__typename"] == "ValidationError"
    assert await fresh.deps.db["changes"].count_documents({}) == 1


async def test_idempotency_key_is_stored_as_it_is_looked_up(fresh: Api) -> None:
    ids = await setup(fresh)
    padded = "  k-2 "
    first = await announce(
        fresh, ids["admin"], kind="ADD", subprocessorId=ids["sub"], idempotencyKey=padded
    )
    again = await announce(
        fresh, ids["admin"], kind="ADD", subprocessorId=ids["sub"], idempotencyKey=padded
    )
    assert again["__typename"] == "ChangeAnnounced", again
    assert first["change"]["id"] == again["change"]["id"]
    stored = await fresh.deps.db["changes"].find_one({"_id": first["change"]["id"]})
    assert stored is not None
    assert stored["idempotency_key"] == "k-2"


async def test_lifecycle_with_a_moved_clock(fresh: Api) -> None:
    ids = await setup(fresh)
    admin = ids["admin"]
    change = (await announce(fresh, admin, kind="ADD", subprocessorId=ids["sub"]))["change"]
    effective = datetime.fromisoformat(change["effectiveAt"])
    await fresh.scheduler.run_until_idle()

    notices = (await fresh.gql(NOTICES, {"id": change["id"]}, admin))["change"]["notices"]
    assert notices["totalCount"] == 3
    by_customer = {e["node"]["customer"]["id"]: e["node"] for e in notices["edges"]}
    assert by_customer[ids["thirty_days"]]["objectionDeadline"] == iso(START + timedelta(days=14))
    assert by_customer[ids["three_months"]]["objectionDeadline"] == iso(effective)
    for node in by_customer.values():
        assert node["sentAt"] == iso(START)
        assert node["effectiveAt"] == iso(effective)

    # The future list already shows the vendor; today's does not.
    now_list = await fresh.gql(LIST, {}, admin)
    assert ids["sub"] not in {e["node"]["id"] for e in now_list["subprocessors"]["edges"]}
    future = await fresh.gql(LIST, {"asOf": iso(effective)}, admin)
    assert ids["sub"] in {e["node"]["id"] for e in future["subprocessors"]["edges"]}

    # A customer objects before its deadline; after it, the objection is refused.
    key = await fresh.key(Role.CUSTOMER, ids["thirty_days"])
    filed = (
        await fresh.gql(OBJECT, {"input": {"changeId": change["id"], "reason": "US transfer"}}, key)
    )["fileObjection"]
    assert filed["__typename"] == "ObjectionFiled"
    assert filed["objection"]["deadline"] == iso(START + timedelta(days=14))
    again = (
        await fresh.gql(OBJECT, {"input": {"changeId": change["id"], "reason": "twice"}}, key)
    )["fileObjection"]
    assert again["__typename"] == "ValidationError"
    fresh.clock.set(START + timedelta(days=14))
    other_key = await fresh.key(Role.CUSTOMER, ids["thirty_days"], name="second")
    late = (
        await fresh.gql(OBJECT, {"input": {"changeId": change["id"], "reason": "late"}}, other_key)
    )["fileObjection"]
    assert late["__typename"] == "ObjectionDeadlinePassed"

    # A customer key cannot object for another customer, nor without a reason.
    foreign = (
        await fresh.gql(
            OBJECT,
            {"input": {"changeId": change["id"], "reason": "x", "customerId": ids["three_months"]}},
            key,
        )
    )["fileObjection"]
    assert foreign["__typename"] == "NotFound"
    blank = (
        await fresh.gql(
            OBJECT,
            {"input": {"changeId": change["id"], "reason": " "}},
            await fresh.key(Role.CUSTOMER, ids["three_months"]),
        )
    )["fileObjection"]
    assert blank["__typename"] == "ValidationError"

    # Just before the effective date nothing happens; at it, the vendor becomes ACTIVE.
    fresh.clock.set(effective - timedelta(seconds=1))
    await fresh.scheduler.run_until_idle()
    assert (await fresh.gql(NOTICES, {"id": change["id"]}, admin))["change"][
        "status"
    ] == "ANNOUNCED"
    fresh.clock.set(effective)
    await fresh.scheduler.run_until_idle()
    done = await fresh.gql(NOTICES, {"id": change["id"]}, admin)
    assert done["change"]["status"] == "EFFECTIVE"
    assert {e["node"]["status"] for e in done["change"]["notices"]["edges"]} == {"EFFECTIVE"}
    current = await fresh.gql(LIST, {}, admin)
    assert {"id": ids["sub"], "status": "ACTIVE"} in [
        e["node"] for e in current["subprocessors"]["edges"]
    ]

    # Objecting to an effective change is refused by its deadline (here the effective date).
    closed = (
        await fresh.gql(
            OBJECT,
            {"input": {"changeId": change["id"], "reason": "now?"}},
            await fresh.key(Role.CUSTOMER, ids["three_months"], name="x"),
        )
    )["fileObjection"]
    assert closed["__typename"] == "ObjectionDeadlinePassed"
    assert closed["deadline"] == iso(effective)


async def test_objection_deadline_passed_names_the_deadline(fresh: Api) -> None:
    ids = await setup(fresh)
    change = (await announce(fresh, ids["admin"], kind="ADD", subprocessorId=ids["sub"]))["change"]
    await fresh.scheduler.run_until_idle()
    fresh.clock.set(START + timedelta(days=14))  # exactly at the deadline: too late
    key = await fresh.key(Role.CUSTOMER, ids["thirty_days"])
    late = (await fresh.gql(OBJECT, {"input": {"changeId": change["id"], "reason": "late"}}, key))[
        "fileObjection"
    ]
    assert late == {
        "__typename": "ObjectionDeadlinePassed",
        "message": late["message"],
        "deadline": iso(START + timedelta(days=14)),
    }
    assert await fresh.deps.db["objections"].count_documents({}) == 0


async def test_cancel_change(fresh: Api) -> None:
    ids = await setup(fresh)
    change = (await announce(fresh, ids["admin"], kind="ADD", subprocessorId=ids["sub"]))["change"]
    await fresh.scheduler.run_until_idle()
    cancel = """mutation($id: ID!) { cancelChange(id: $id, reason: "vendor withdrew") {
      __typename ... on ChangeCancelled { change { status cancelReason } } } }"""
    data = await fresh.gql(cancel, {"id": change["id"]}, ids["admin"])
    assert data["cancelChange"] == {
        "__typename": "ChangeCancelled",
        "change": {"status": "CANCELLED", "cancelReason": "vendor withdrew"},
    }
    notices = (await fresh.gql(NOTICES, {"id": change["id"]}, ids["admin"]))["change"]["notices"]
    assert {e["node"]["status"] for e in notices["edges"]} == {"CANCELLED"}
    # The same cancel retried (its answer lost) is answered as the first; another is refused.
    again = await fresh.gql(cancel, {"id": change["id"]}, ids["admin"])
    assert again["cancelChange"] == data["cancelChange"]
    other = cancel.replace("vendor withdrew", "changed our mind")
    refused = await fresh.gql(other, {"id": change["id"]}, ids["admin"])
    assert refused["cancelChange"]["__typename"] == "ValidationError"
    # The vendor no longer appears in the future list, and can be announced again.
    future = await fresh.gql(LIST, {"asOf": iso(START + timedelta(days=400))}, ids["admin"])
    assert ids["sub"] not in {e["node"]["id"] for e in future["subprocessors"]["edges"]}
    fresh.clock.set(START + timedelta(days=400))
    await fresh.scheduler.run_until_idle()
    assert (await fresh.gql(NOTICES, {"id": change["id"]}, ids["admin"]))["change"][
        "status"
    ] == "CANCELLED"
    second = await announce(fresh, ids["admin"], kind="ADD", subprocessorId=ids["sub"])
    assert second["__typename"] == "ChangeAnnounced"


async def test_expansion_interrupted_and_resumed_gives_one_notice_each(
    fresh: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(customer_roster, "CHUNK", 4)
    ids = await setup(fresh)
    for n in range(25):
        await fresh.gql(CUSTOMER, {"input": {"name": f"bulk-{n:02d}"}}, ids["admin"])
    change = (await announce(fresh, ids["admin"], kind="ADD", subprocessorId=ids["sub"]))["change"]
    monkeypatch.setattr(change_jobs, "BATCH", 4)

    # The first worker loses its lease after writing a few batches (as if it crashed).
    real_extend = leases.extend
    calls = 0

    async def flaky_extend(*args: Any, **kwargs: Any) -> bool:
        nonlocal calls
        calls += 1
        return False if calls >= 3 else await real_extend(*args, **kwargs)

    monkeypatch.setattr(leases, "extend", flaky_extend)
    await change_jobs.expand_changes(fresh.deps, "crashed-worker")
    partial = await fresh.deps.db["notices"].count_documents({"change_id": change["id"]})
    assert 0 < partial < 28
    # Counted up to the last checkpoint: the batch written after it is not yet counted.
    assert 0 < (await changes.notices_written(fresh.deps.db, change["id"]) or 0) < partial
    monkeypatch.setattr(leases, "extend", real_extend)

    # A second worker can take over only after the lease expires; it then finishes the job.
    assert await change_jobs.expand_changes(fresh.deps, "second-worker") == 0
    fresh.clock.advance(change_jobs.LEASE + timedelta(seconds=1))
    await change_jobs.expand_changes(fresh.deps, "second-worker")
    # The count kept on the change rides on each checkpoint: the rerun batch counts once.
    assert await changes.notices_written(fresh.deps.db, change["id"]) == 28
    # Even a full re-expansion from scratch writes nothing new.
    await fresh.deps.db["changes"].update_one(
        {"_id": change["id"]}, {"$set": {"expanded": False, "expansion_cursor": None}}
    )
    await change_jobs.expand_changes(fresh.deps, "third-worker")
    pipeline = [
        {"$match": {"change_id": change["id"]}},
        {"$group": {"_id": "$customer_id", "n": {"$sum": 1}}},
    ]
    counts = [d["n"] async for d in await fresh.deps.db["notices"].aggregate(pipeline)]
    assert len(counts) == 28
    assert set(counts) == {1}
    assert await changes.notices_written(fresh.deps.db, change["id"]) == 28


async def test_two_workers_never_apply_a_change_twice(fresh: Api) -> None:
    ids = await setup(fresh)
    subs = [ids["sub"]]
    for n in range(7):
        data = await fresh.gql(SUB, {"name": f"Vendor {n}"}, ids["admin"])
        subs.append(data["createSubprocessor"]["subprocessor"]["id"])
    # Make every customer reachable so events are emitted for each notice.
    await fresh.deps.db["webhook_subscriptions"].insert_many(
        [
            {"_id": f"whs_test_{c}", "customer_id": ids[c], "active": True}
            for c in ("three_months", "thirty_days", "emergency_ok")
        ]
    )
    for sub in subs:
        payload = await announce(fresh, ids["admin"], kind="ADD", subprocessorId=sub)
        assert payload["__typename"] == "ChangeAnnounced"
    fresh.clock.advance(timedelta(days=120))
    one = Scheduler(fresh.deps, JOBS, worker_id="w1")
    two = Scheduler(fresh.deps, JOBS, worker_id="w2")
    done = await asyncio.gather(one.run_until_idle(), two.run_until_idle())
    assert all(done), done  # both workers took part: the due work was raced for

    db = fresh.deps.db
    assert await db["changes"].count_documents({"status": "EFFECTIVE"}) == len(subs)
    async for sub in db["subprocessors"].find({"_id": {"$in": subs}}):
        assert [h["status"] for h in sub["status_history"]] == ["PROPOSED", "ACTIVE"]
    keys = [e["dedupe_key"] async for e in db["events"].find({})]
    assert len(keys) == len(set(keys))
    assert sum(k.startswith("change.effective:") for k in keys) == len(subs) * 3
    assert sum(k.startswith("change.announced:") for k in keys) == len(subs) * 3


async def test_proof_of_notice_export(fresh: Api) -> None:
    ids = await setup(fresh)
    change = (await announce(fresh, ids["admin"], kind="ADD", subprocessorId=ids["sub"]))["change"]
    await fresh.scheduler.run_until_idle()
    key = await fresh.key(Role.CUSTOMER, ids["thirty_days"])
    await fresh.gql(OBJECT, {"input": {"changeId": change["id"], "reason": "no"}}, key)
    headers = {"authorization": f"Bearer {ids['admin']}"}
    csv_text = (await fresh.http.get(f"/changes/{change['id']}/notices.csv", headers=headers)).text
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("customer_id,sent_at,objection_deadline,effective_at")
    assert len(lines) == 4
    objecting = [line for line in lines if line.startswith(ids["thirty_days"])]
    assert objecting
    assert ",OPEN," in objecting[0]
    json_rows = (
        await fresh.http.get(f"/changes/{change['id']}/notices.json", headers=headers)
    ).text
    assert len(json_rows.strip().splitlines()) == 3
    denied = await fresh.http.get(
        f"/changes/{change['id']}/notices.csv", headers={"authorization": f"Bearer {key}"}
    )
    assert denied.status_code == 403
    missing = await fresh.http.get(
        "/changes/chg_000000000000000000000000/notices.csv", headers=headers
    )
    assert missing.status_code == 404


async def test_emergency_replacement_reaches_only_customers_who_allow_it(fresh: Api) -> None:
    ids = await setup(fresh)
    admin = ids["admin"]
    old = ids["sub"]
    await announce(fresh, admin, kind="ADD", subprocessorId=old)
    fresh.clock.advance(timedelta(days=120))
    await fresh.scheduler.run_until_idle()
    new = (await fresh.gql(SUB, {"name": "Replacement"}, admin))["createSubprocessor"]
    new_id = new["subprocessor"]["id"]
    now = fresh.clock.now()
    replaced = await announce(
        fresh,
        admin,
        kind="REPLACE",
        subprocessorId=new_id,
        replacesId=old,
        emergency=True,
        emergencyReason="vendor breached",
        effectiveAt=iso(now + timedelta(hours=1)),
    )
    assert replaced["__typename"] == "ChangeAnnounced", replaced
    await fresh.scheduler.run_until_idle()
    customer_list = """query($c: ID!, $at: DateTime) { subprocessors(customerId: $c, asOf: $at) {
      edges { node { id } } } }"""

    async def seen_by(customer: str, at: datetime) -> set[str]:
        data = await fresh.gql(customer_list, {"c": ids[customer], "at": iso(at)}, admin)
        return {e["node"]["id"] for e in data["subprocessors"]["edges"]}

    soon = now + timedelta(hours=2)
    assert await seen_by("emergency_ok", soon) == {new_id}
    # The customer without emergency terms keeps the old vendor for its full window.
    assert await seen_by("three_months", soon) == {old}
    fresh.clock.set(soon)
    await fresh.scheduler.run_until_idle()
    statuses = {
        d["customer_id"]: d["status"]
        async for d in fresh.deps.db["notices"].find({"change_id": replaced["change"]["id"]})
    }
    assert statuses[ids["emergency_ok"]] == "EFFECTIVE"
    assert statuses[ids["three_months"]] == "PENDING"
    notice = await fresh.deps.db["notices"].find_one(
        {"change_id": replaced["change"]["id"], "customer_id": ids["three_months"]}
    )
    assert notice is not None
    own_date = notice["effective_at"]
    assert now == datetime(2026, 5, 5, 9, 0, tzinfo=UTC)
    assert own_date == datetime(2026, 8, 5, 9, 0, tzinfo=UTC)  # its full P3M window
    assert await seen_by("three_months", own_date) == {new_id}
    fresh.clock.set(own_date)
    await fresh.scheduler.run_until_idle()
    refreshed = await fresh.deps.db["notices"].find_one({"_id": notice["_id"]})
    assert refreshed is not None
    assert refreshed["status"] == "EFFECTIVE"


async def test_reminders_before_each_objection_deadline(fresh: Api) -> None:
    ids = await setup(fresh)
    reachable = ids["thirty_days"]  # P30D notice, P14D objection window
    await fresh.deps.db["webhook_subscriptions"].insert_one(
        {"_id": "whs_reminder_test", "customer_id": reachable, "active": True}
    )
    change = (await announce(fresh, ids["admin"], kind="ADD", subprocessorId=ids["sub"]))["change"]
    await fresh.scheduler.run_until_idle()
    deadline = START + timedelta(days=14)

    async def reminders() -> list[dict[str, Any]]:
        return [e async for e in fresh.deps.db["events"].find({"type": "change.reminder"})]

    fresh.clock.set(deadline - timedelta(days=14))  # = the send time: no reminder then
    await fresh.scheduler.run_until_idle()
    assert await reminders() == []
    fresh.clock.set(deadline - timedelta(days=1) - timedelta(seconds=1))
    await fresh.scheduler.run_until_idle()
    assert await reminders() == []
    fresh.clock.set(deadline - timedelta(days=1))
    await fresh.scheduler.run_until_idle()
    await fresh.scheduler.run_until_idle()
    sent = await reminders()
    assert len(sent) == 1
    assert sent[0]["customer_id"] == reachable
    assert sent[0]["data"]["notice"]["objectionDeadline"] == iso(deadline)
    assert sent[0]["data"]["change"]["id"] == change["id"]
    # Customers nobody delivers to get no reminder events.
    assert {e["customer_id"] async for e in fresh.deps.db["events"].find({})} == {reachable}


async def test_customers_with_notice_emails_get_events_when_email_is_on(
    mongo_uri: str, mongo_client: AsyncMongoClient[Document]
) -> None:
    name = f"t_changes_email_{uuid.uuid4().hex[:8]}"
    settings = make_settings(mongo_uri, name, smtp_url="smtp://127.0.0.1:2525")
    async with running_api(settings, FrozenClock(START)) as api:
        admin = await api.key(Role.ADMIN)
        emailed = (
            await api.gql(
                CUSTOMER, {"input": {"name": "Mailed", "noticeEmails": ["dpo@example.com"]}}, admin
            )
        )["createCustomer"]["customer"]["id"]
        await api.gql(CUSTOMER, {"input": {"name": "Silent"}}, admin)
        sub = (await api.gql(SUB, {"name": "Vendor"}, admin))["createSubprocessor"]["subprocessor"][
            "id"
        ]
        await announce(api, admin, kind="ADD", subprocessorId=sub)
        await change_jobs.expand_changes(api.deps, "w")
        announced = [
            e["customer_id"] async for e in api.deps.db["events"].find({"type": "change.announced"})
        ]
        assert announced == [emailed]
    await mongo_client.drop_database(name)


MIXED_TERMS = [
    ("utc 30d", {"noticePeriod": "P30D", "objectionWindow": "P14D"}),
    (
        "berlin end of day",
        {"noticePeriod": "P30D", "timeZone": "Europe/Berlin", "periodEnds": "END_OF_DAY"},
    ),
    (
        "new york rolled",
        {
            "noticePeriod": "P1M",
            "timeZone": "America/New_York",
            "periodEnds": "END_OF_DAY",
            "weekendRollsToMonday": True,
        },
    ),
    ("tokyo 6w", {"noticePeriod": "P6W", "timeZone": "Asia/Tokyo", "objectionWindow": "P21D"}),
    (
        "auckland emergency",
        {"noticePeriod": "P2M", "timeZone": "Pacific/Auckland", "allowsEmergencyReplacement": True},
    ),
]


@pytest.mark.parametrize(
    ("requested_days", "emergency", "violated"),
    [
        pytest.param(None, False, set(), id="no date asked"),
        pytest.param(40, False, {"tokyo 6w", "auckland emergency"}, id="40 days: two too short"),
        pytest.param(150, False, set(), id="150 days: every window fits"),
        pytest.param(2, True, set(), id="emergency in 2 days: the others lag"),
    ],
)
async def test_the_preview_and_the_announcement_agree(
    fresh: Api, requested_days: int | None, emergency: bool, violated: set[str]
) -> None:
    """Customers with different windows, zones and period ends: the console's preview
    shows the dates and refusals the announcement then records, customer by customer."""
    admin = await fresh.key(Role.ADMIN)
    named: dict[str, str] = {}
    for name, terms in MIXED_TERMS:
        data = await fresh.gql(CUSTOMER, {"input": {"name": name, **terms}}, admin)
        named[data["createCustomer"]["customer"]["id"]] = name
    vendor = (await fresh.gql(SUB, {"name": "Postmark"}, admin))["createSubprocessor"]
    vendor_id = vendor["subprocessor"]["id"]
    replaced: str | None = None
    if emergency:  # an emergency replaces an ACTIVE vendor
        replaced = vendor_id
        await announce(fresh, admin, kind="ADD", subprocessorId=replaced)
        fresh.clock.advance(timedelta(days=120))
        await fresh.scheduler.run_until_idle()
        vendor = (await fresh.gql(SUB, {"name": "Replacement"}, admin))["createSubprocessor"]
        vendor_id = vendor["subprocessor"]["id"]
    now = fresh.clock.now()
    requested = now + timedelta(days=requested_days) if requested_days is not None else None
    kind = ChangeKind.REPLACE if emergency else ChangeKind.ADD
    preview = await change_preview.preview_change(
        fresh.deps,
        Caller(role=Role.PROCUREMENT, key_id="k"),
        ChangeAnnouncement(
            kind=kind,
            subprocessor_id=vendor_id,
            replaces_id=replaced,
            effective_at=requested,
            emergency=emergency,
        ),
    )
    assert {name for g in preview.violated for name in g.sample} == violated
    values: dict[str, Any] = {"kind": kind.value, "subprocessorId": vendor_id}
    if requested is not None:
        values["effectiveAt"] = iso(requested)
    if emergency:
        values |= {"replacesId": replaced, "emergency": True, "emergencyReason": "breached"}
    payload = await announce(fresh, admin, **values)
    if violated:
        assert payload["__typename"] == "NoticeWindowViolation"
        assert payload["earliestAllowed"] == iso(preview.earliest_allowed)
        assert {named[c["id"]] for c in payload["customers"]} == violated
        return
    assert payload["__typename"] == "ChangeAnnounced", payload
    assert payload["change"]["effectiveAt"] == iso(preview.effective_at)
    assert payload["change"]["earliestAllowed"] == iso(preview.earliest_allowed)
    await fresh.scheduler.run_until_idle()
    notices = (await fresh.gql(NOTICES, {"id": payload["change"]["id"]}, admin))["change"]
    recorded = {
        named[e["node"]["customer"]["id"]]: (
            e["node"]["effectiveAt"],
            e["node"]["objectionDeadline"],
        )
        for e in notices["notices"]["edges"]
    }
    shown = {
        name: (iso(g.effective_at), iso(g.objection_deadline))
        for g in preview.groups
        for name in g.sample
    }
    assert recorded == shown
    assert len(set(shown.values())) >= 3  # the terms really differ
