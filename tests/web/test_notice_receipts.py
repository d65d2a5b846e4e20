"""The notice page as a receipt: a late submission keeps what was typed and explains the
deadline in the customer's zone; a link that no longer opens the page offers to send a
fresh one to the contract's notice addresses, with one answer whether or not anything
is sent. Each test is told of a change of its own and sets the clock it needs."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from registry.delivery import notice_links
from registry.services import fresh_links
from registry.store import objections
from tests.conftest import START
from tests.web.notice_world import CUSTOMER, LINK, Told, World, guard_of, notice_world, path_of

CORA = "privacy@cora.test"
REVOKE = """
mutation($id: ID!) { revokeNoticeLinks(customerId: $id) { __typename } }"""


@pytest.fixture(scope="module")
async def world(mongo_uri: str, db_name: str) -> AsyncIterator[World]:
    async with notice_world(mongo_uri, db_name) as made:
        yield made


@pytest.fixture
async def told(world: World) -> Told:
    world.api.clock.set(START)
    return await world.announce()


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


async def ask_fresh_link(world: World, path: str) -> str:
    """Open the dead link, send its form, and wait until the request is decided (the
    per-client limit, tested on its own below, starts afresh)."""
    world.api.app.state.fresh_link_limiter = None
    page = await world.api.http.get(path)
    assert page.status_code == 404
    assert "Send a fresh link" in page.text
    answer = await world.api.http.post(f"{path}/fresh-link", data={"guard": guard_of(page.text)})
    assert answer.status_code == 200
    await fresh_links.settled()
    return text_of(answer.text)


def notice_of(path: str) -> str:
    return path.rsplit("/", 1)[1].split(".")[0]


def fresh_links_to(world: World, address: str, notice_id: str) -> list[str]:
    """The fresh links to one notice sent to the address (other tests ask for others)."""
    found = []
    for message in world.mail.messages:
        if message["To"] == address and str(message["Subject"]).startswith("A fresh link"):
            body = message.get_body(preferencelist=("plain",))
            assert body is not None
            link = LINK.search(body.get_content())
            assert link is not None
            if notice_of(urlsplit(link.group(0)).path) == notice_id:
                found.append(link.group(0))
    return found


async def test_a_late_objection_keeps_what_was_typed_and_says_the_deadline_in_the_zone(
    world: World, told: Told
) -> None:
    link = told.link_for(CORA)
    guard = guard_of((await world.api.http.get(path_of(link))).text)
    world.api.clock.advance(timedelta(days=31))
    late = await world.api.http.post(
        path_of(link),
        data={
            "action": "object",
            "guard": guard,
            "reason": "Our auditors refuse US processing",
            "name": "Cy Young",
            "email": "cy@cora.test",
        },
    )
    assert late.status_code == 409
    shown = text_of(late.text)
    assert (
        "Your objection arrived on 5 February 2026, 04:00 EST (2026-02-05 09:00 UTC), after "
        "the deadline to object (4 February 2026, 04:00 EST (2026-02-04 09:00 UTC)): it was "
        "not filed." in shown
    )
    assert "What you wrote (not filed)" in shown
    for typed in ("Our auditors refuse US processing", "Cy Young", "cy@cora.test"):
        assert typed in shown
    assert 'name="reason"' not in late.text  # no form: objections are closed
    filed = await objections.by_changes(world.api.deps.db, [told.change_id], None)
    assert filed[told.change_id] == []


async def test_a_late_acknowledgement_is_recorded_and_says_the_deadline_has_passed(
    world: World, told: Told
) -> None:
    link = told.link_for(CORA)
    world.api.clock.advance(timedelta(days=31))
    guard = guard_of((await world.api.http.get(path_of(link))).text)
    done = await world.api.http.post(
        path_of(link), data={"action": "acknowledge", "guard": guard, "name": "Cy Young"}
    )
    assert done.status_code == 303
    page = text_of((await world.api.http.get(done.headers["location"])).text)
    assert (
        "Acknowledged on 5 February 2026, 04:00 EST (2026-02-05 09:00 UTC) by Cy Young. That "
        "was after the deadline to object (4 February 2026, 04:00 EST (2026-02-04 09:00 UTC))"
    ) in page


async def test_a_refused_acknowledgement_keeps_what_was_typed(world: World, told: Told) -> None:
    link = told.link_for(CORA)
    guard = guard_of((await world.api.http.get(path_of(link))).text)
    refused = await world.api.http.post(
        path_of(link),
        data={"action": "acknowledge", "guard": guard, "name": "Cy Young", "email": "not mail"},
    )
    assert refused.status_code == 400
    assert 'value="Cy Young"' in refused.text
    assert 'value="not mail"' in refused.text


async def test_an_expired_link_sends_a_fresh_one_to_the_contracts_addresses(
    world: World, told: Told
) -> None:
    old = path_of(told.link_for(CORA))
    world.api.clock.advance(notice_links.LINK_LIFETIME + timedelta(days=1))
    answer = await ask_fresh_link(world, old)
    assert "If this link was one of ours, a fresh link is on its way" in answer
    sent = fresh_links_to(world, CORA, notice_of(old))
    assert len(sent) == 1
    opened = await world.api.http.get(path_of(sent[0]))
    assert opened.status_code == 200
    assert "Notice to Cora Inc" in text_of(opened.text)


async def test_a_guessed_link_gets_the_same_answer_and_nothing_is_sent(
    world: World, told: Told
) -> None:
    real = path_of(told.link_for(CORA))
    world.api.clock.advance(notice_links.LINK_LIFETIME + timedelta(days=1))
    before = len(world.mail.messages)
    forged = real[:-4] + ("AAAA" if not real.endswith("AAAA") else "BBBB")
    guessed = await ask_fresh_link(world, forged)
    assert len(world.mail.messages) == before
    genuine = await ask_fresh_link(world, real)
    assert guessed == genuine  # the same words whether or not anything is sent
    assert len(fresh_links_to(world, CORA, notice_of(real))) == 1


async def test_fresh_links_for_one_notice_are_limited_a_day(world: World, told: Told) -> None:
    old = path_of(told.link_for(CORA))
    world.api.clock.advance(notice_links.LINK_LIFETIME + timedelta(days=2))
    before = len(fresh_links_to(world, CORA, notice_of(old)))
    for _ in range(fresh_links.PER_DAY + 2):
        await ask_fresh_link(world, old)
    assert len(fresh_links_to(world, CORA, notice_of(old))) - before == fresh_links.PER_DAY
    world.api.clock.advance(timedelta(days=1, seconds=1))
    await ask_fresh_link(world, old)
    assert len(fresh_links_to(world, CORA, notice_of(old))) - before == fresh_links.PER_DAY + 1


async def test_a_revoked_link_sends_a_fresh_one_only_to_the_contracts_addresses(
    world: World,
) -> None:
    world.api.clock.set(START)
    address = "privacy@erin.test"
    made = await world.api.gql(
        CUSTOMER,
        {"input": {"name": "Erin AB", "noticePeriod": "P30D", "noticeEmails": [address]}},
        world.admin,
    )
    erin = made["createCustomer"]["customer"]["id"]
    told = await world.announce("privacy@acme.test", address)
    leaked = path_of(told.link_for(address))
    world.api.clock.advance(timedelta(seconds=1))
    await world.api.gql(REVOKE, {"id": erin}, world.admin)
    world.api.clock.advance(timedelta(seconds=1))
    before = len(world.mail.messages)
    await ask_fresh_link(world, leaked)
    sent = world.mail.messages[before:]
    assert [m["To"] for m in sent] == [address]
    fresh = fresh_links_to(world, address, notice_of(leaked))[-1]
    assert (await world.api.http.get(path_of(fresh))).status_code == 200
    assert (await world.api.http.get(leaked)).status_code == 404  # the old one stays closed


async def test_requests_from_one_client_are_limited(world: World, told: Told) -> None:
    world.api.app.state.fresh_link_limiter = None  # a fresh limiter for this test
    path = "/notices/nonsense"
    page = await world.api.http.get(path)
    answers = [
        (await world.api.http.post(f"{path}/fresh-link", data={"guard": guard_of(page.text)}))
        for _ in range(11)
    ]
    assert [a.status_code for a in answers] == [200] * 10 + [429]
    world.api.app.state.fresh_link_limiter = None
