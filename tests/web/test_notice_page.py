"""The notice page, reached from a real e-mail: read, acknowledge, object, and the
same 404 for every link that is not genuine and live. Each test is told of a change of
its own (`told`), at the world's start, and does to its notices what it checks."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest

from registry.domain.models import Role
from registry.services import notice_page
from registry.store import audit_log, events, notice_views
from tests.conftest import START
from tests.web.notice_world import (
    CUSTOMER,
    OBJECTIONS,
    Told,
    World,
    guard_of,
    notice_world,
    path_of,
)

ACME, BOLT, CORA = "privacy@acme.test", "privacy@bolt.test", "privacy@cora.test"
DANA = "privacy@dana.test"
REVOKE = """
mutation($id: ID!) { revokeNoticeLinks(customerId: $id) { __typename } }"""


@pytest.fixture(scope="module")
async def world(mongo_uri: str, db_name: str) -> AsyncIterator[World]:
    async with notice_world(mongo_uri, db_name) as made:
        yield made


@pytest.fixture
async def told(world: World) -> Told:
    """A change of this test's own, announced at the world's start time."""
    world.api.clock.set(START)
    return await world.announce()


async def get(world: World, link: str) -> httpx.Response:
    return await world.api.http.get(path_of(link))


async def post(world: World, link: str, **fields: str) -> httpx.Response:
    return await world.api.http.post(path_of(link), data=fields)


async def acknowledge(world: World, link: str) -> httpx.Response:
    guard = guard_of((await get(world, link)).text)
    return await post(
        world, link, action="acknowledge", guard=guard, name="Ana Ruiz", email="ana@acme.test"
    )


async def object_to(world: World, link: str, reason: str) -> httpx.Response:
    guard = guard_of((await get(world, link)).text)
    return await post(
        world,
        link,
        action="object",
        guard=guard,
        reason=reason,
        name="Ana Ruiz",
        email="ana@acme.test",
    )


async def test_the_link_in_the_email_opens_that_customers_notice(world: World, told: Told) -> None:
    link = told.link_for(ACME)
    assert link.startswith("http://registry.test/notices/ntc_")
    response = await get(world, link)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    page = response.text
    assert "New subprocessor: Postmark" in page
    assert "Notice to <strong>Acme GmbH</strong>" in page
    assert "Transactional e-mail delivery" in page
    assert "e-mail address, message content" in page
    assert "United States (US)" in page
    assert "Ireland (IE)" in page
    assert "Standard contractual clauses (2021)" in page
    # 5 Jan 2026 09:00 UTC + P30D, shown in Berlin time with the UTC instant beside it.
    assert "4 February 2026, 10:00 CET (2026-02-04 09:00 UTC)" in page
    assert "graphql" not in page.lower().replace('href="/graphql"', "")
    for other in ("Bolt Ltd", "Cora Inc"):
        assert other not in page


async def test_the_first_opening_is_recorded_once(world: World, told: Told) -> None:
    await get(world, told.link_for(ACME))
    before = await world.evidence(told.change_id)
    first = before[world.customers["Acme GmbH"]]["viewedAt"]
    assert first is not None
    world.api.clock.advance(timedelta(minutes=5))
    await get(world, told.link_for(ACME))
    after = await world.evidence(told.change_id)
    assert after[world.customers["Acme GmbH"]]["viewedAt"] == first
    assert after[world.customers["Cora Inc"]]["viewedAt"] is None
    assert after[world.customers["Cora Inc"]]["deliveredAt"] is not None
    assert after[world.customers["Cora Inc"]]["channels"] == ["email"]


async def test_a_post_without_its_anti_forgery_field_changes_nothing(
    world: World, told: Told
) -> None:
    link = told.link_for(ACME)
    assert (await get(world, link)).status_code == 200
    refused = await post(world, link, action="acknowledge")
    assert refused.status_code == 403
    wrong = await post(world, link, action="acknowledge", guard="0" * 32)
    assert wrong.status_code == 403
    view = await notice_views.get(world.api.deps.db, _notice_id(link))
    assert view is not None
    assert view.get("acknowledged_at") is None


async def test_acknowledging(world: World, told: Told) -> None:
    done = await acknowledge(world, told.link_for(ACME))
    assert done.status_code == 303
    assert done.headers["location"].endswith("?done=acknowledged")
    page = (await world.api.http.get(done.headers["location"])).text
    assert "the notice is acknowledged" in page
    evidence = await world.evidence(told.change_id)
    assert evidence[world.customers["Acme GmbH"]]["acknowledgedAt"] is not None
    # The proof of notice names who acknowledged it.
    export = await world.api.http.get(
        f"/changes/{told.change_id}/notices.json",
        headers={"authorization": f"Bearer {world.admin}"},
    )
    rows = {r["customer_id"]: r for r in map(json.loads, export.text.splitlines())}
    assert rows[world.customers["Acme GmbH"]]["acknowledged_by"] == "Ana Ruiz <ana@acme.test>"


async def test_an_objection_needs_a_reason(world: World, told: Told) -> None:
    link = told.link_for(ACME)
    guard = guard_of((await get(world, link)).text)
    response = await post(
        world, link, action="object", guard=guard, reason="  ", name="Ana", email="ana@acme.test"
    )
    assert response.status_code == 400
    assert "reason must not be blank" in response.text
    data = await world.api.gql(OBJECTIONS, {"id": told.change_id}, world.admin)
    assert data["change"]["objections"] == []


async def test_objecting_files_the_same_record_as_the_api(world: World, told: Told) -> None:
    link = told.link_for(ACME)
    audit = world.api.deps.db[audit_log.NAME]
    earlier = {e["_id"] async for e in audit.find({}, {"_id": 1})}
    blank = await object_to(world, link, "  ")
    assert blank.status_code == 400
    world.api.clock.advance(timedelta(seconds=1))
    done = await object_to(world, link, "Postmark has no EU-only hosting")
    assert done.status_code == 303
    data = await world.api.gql(OBJECTIONS, {"id": told.change_id}, world.admin)
    [objection] = data["change"]["objections"]
    assert objection == {
        "reason": "Postmark has no EU-only hosting",
        "status": "OPEN",
        "customer": {"id": world.customers["Acme GmbH"]},
    }
    evidence = await world.evidence(told.change_id)
    assert evidence[world.customers["Acme GmbH"]]["objectionFiledBy"] == "Ana Ruiz <ana@acme.test>"
    filed = await world.api.deps.db[events.NAME].find_one(
        {"type": "objection.filed", "change_id": told.change_id}
    )
    assert filed is not None
    assert filed["customer_id"] == world.customers["Acme GmbH"]
    entries = audit.find({"action": "notices.fileObjection", "_id": {"$nin": list(earlier)}})
    # The blank reason was refused and audited too; then the filing, under the outcome
    # names every channel uses.
    assert [(e["role"], e["customer_id"], e["result"]) async for e in entries.sort("at", 1)] == [
        ("CUSTOMER", world.customers["Acme GmbH"], "ValidationError"),
        ("CUSTOMER", world.customers["Acme GmbH"], "ok"),
    ]
    page = (await world.api.http.get(done.headers["location"])).text
    assert "Your objection is filed" in page
    assert 'name="reason"' not in page  # one open objection at a time


def _notice_id(link: str) -> str:
    return path_of(link).rsplit("/", 1)[1].split(".")[0]


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-2],
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
        lambda t: t.split(".")[0],
        lambda t: "ntc_" + "0" * 48 + "." + t.split(".", 1)[1],
        lambda t: "nonsense",
    ],
    ids=["truncated", "forged", "no signature", "another notice", "garbage"],
)
async def test_a_bad_link_gets_a_404_and_changes_nothing(
    world: World, told: Told, tamper: object
) -> None:
    token = path_of(told.link_for(CORA)).rsplit("/", 1)[1]
    bad = "/notices/" + tamper(token)  # type: ignore[operator]
    page = await world.api.http.get(bad)
    assert page.status_code == 404
    assert "This link is not valid" in page.text
    posted = await world.api.http.post(bad, data={"action": "acknowledge", "guard": "x"})
    assert posted.status_code == 404
    assert await notice_views.get(world.api.deps.db, _notice_id(told.link_for(CORA))) is None


async def test_another_server_key_voids_every_link(world: World, told: Told) -> None:
    token = path_of(told.link_for(BOLT)).rsplit("/", 1)[1]
    assert (await notice_page.holder(world.api.deps, token)).customer.name == "Bolt Ltd"
    rotated = world.api.deps.settings.model_copy(update={"secret_key": "rotated-key"})
    with pytest.raises(notice_page.NotFound):
        await notice_page.holder(dataclasses.replace(world.api.deps, settings=rotated), token)


async def test_the_proof_of_notice_shows_what_each_customer_did(world: World, told: Told) -> None:
    """Acme acknowledges and objects, Bolt only opens the notice, Cora never does."""
    assert (await acknowledge(world, told.link_for(ACME))).status_code == 303
    assert (await object_to(world, told.link_for(ACME), "No EU hosting")).status_code == 303
    assert (await get(world, told.link_for(BOLT))).status_code == 200
    response = await world.api.http.get(
        f"/changes/{told.change_id}/notices.csv",
        headers={"authorization": f"Bearer {world.admin}"},
    )
    assert response.status_code == 200
    rows = {r["customer_id"]: r for r in csv.DictReader(io.StringIO(response.text))}
    acme = rows[world.customers["Acme GmbH"]]
    bolt = rows[world.customers["Bolt Ltd"]]
    cora = rows[world.customers["Cora Inc"]]
    for row in (acme, bolt, cora):
        assert row["delivered_at"]
        assert row["channels"] == "email"
    assert acme["viewed_at"]
    assert acme["acknowledged_at"]
    assert acme["objection_status"] == "OPEN"
    assert acme["objection_filed_by"] == "Ana Ruiz <ana@acme.test>"
    assert bolt["viewed_at"]
    assert (bolt["acknowledged_at"], bolt["objection_status"]) == ("", "")
    assert (cora["viewed_at"], cora["acknowledged_at"], cora["objection_status"]) == ("", "", "")


async def test_a_revoked_customer_link_gets_a_404(world: World) -> None:
    """Revocation voids every link issued to the customer until then: this test's own
    customer (with the others' notice period), so that the links other tests are sent
    stay live."""
    world.api.clock.set(START)
    terms = {"name": "Dana AB", "noticePeriod": "P30D", "noticeEmails": [DANA]}
    made = await world.api.gql(CUSTOMER, {"input": terms}, world.admin)
    dana = made["createCustomer"]["customer"]["id"]
    told = await world.announce(ACME, BOLT, CORA, DANA)
    link = told.link_for(DANA)
    assert (await get(world, link)).status_code == 200
    world.api.clock.advance(timedelta(seconds=1))
    await world.api.gql(REVOKE, {"id": dana}, world.admin)
    assert (await get(world, link)).status_code == 404
    assert (await get(world, told.link_for(CORA))).status_code == 200  # others unaffected
    customer_key = await world.api.key(Role.CUSTOMER, dana)
    response = await world.api.post(REVOKE, {"id": dana}, customer_key)
    assert response.json()["data"]["revokeNoticeLinks"]["__typename"] == "PermissionDenied"


async def test_after_the_deadline_the_form_is_closed_and_a_post_is_refused(
    world: World, told: Told
) -> None:
    link = told.link_for(CORA)
    guard = guard_of((await get(world, link)).text)
    world.api.clock.advance(timedelta(days=31))
    page = (await get(world, link)).text
    assert "The deadline to object was 4 February 2026, 04:00 EST" in page
    assert 'name="reason"' not in page
    late = await post(
        world,
        link,
        action="object",
        guard=guard,
        reason="Too late?",
        name="Cy",
        email="cy@cora.test",
    )
    assert late.status_code == 409
    assert "after the deadline to object" in late.text
    data = await world.api.gql(OBJECTIONS, {"id": told.change_id}, world.admin)
    assert data["change"]["objections"] == []
