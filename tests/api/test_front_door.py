"""The front door (`registry/api/front_door.py`): a repeated read answered before the
middleware stack, with the stack's own checks, and everything else handed on intact."""

from __future__ import annotations

from collections.abc import AsyncIterator

import orjson
import pytest

from registry.clock import FrozenClock
from registry.domain.drafts import SubprocessorDetails
from registry.domain.models import Role
from registry.services import vendors
from registry.services.caller import Caller
from tests.api.reads import LIST, REPEAT, STAFF_LIST, names, raw, repeated, send
from tests.asgi_calls import post
from tests.conftest import START, Api, make_settings, running_api
from tests.web.test_metrics import scrape, value


@pytest.fixture
async def fresh(mongo_uri: str, db_name: str) -> AsyncIterator[Api]:
    async with running_api(make_settings(mongo_uri, db_name), FrozenClock(START)) as api:
        yield api


async def call_in_chunks(api: Api, body: bytes, *, chunk: int) -> tuple[int, bytes]:
    """POST `body` to the ASGI app directly, in messages of `chunk` bytes."""
    sent = await post(api.app, "/graphql", body, chunk=chunk)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


async def test_a_body_in_several_messages_reaches_the_endpoint_whole(fresh: Api) -> None:
    body = raw(LIST)
    expected = (await repeated(fresh, body)).content  # now a hot answer
    assert await call_in_chunks(fresh, body, chunk=len(body)) == (200, expected)
    assert await call_in_chunks(fresh, body, chunk=7) == (200, expected)
    assert orjson.loads(expected)["data"]["subprocessors"] is not None


async def test_a_hot_request_with_an_oversized_header_block_is_refused(fresh: Api) -> None:
    body = raw(LIST)
    await repeated(fresh, body)
    refused = await send(fresh, body, **{f"x-padding-{i}": "p" * 4000 for i in range(10)})
    assert refused.status_code == 431


async def test_a_write_made_outside_any_request_is_seen_by_the_next_repeat(fresh: Api) -> None:
    admin = await fresh.key(Role.ADMIN)
    body = raw(STAFF_LIST)
    assert "Written Aside" not in names(await repeated(fresh, body, admin))
    staff = Caller(role=Role.ADMIN)
    await vendors.create_subprocessor(
        fresh.deps, staff, SubprocessorDetails.named("Written Aside", "p")
    )
    assert "Written Aside" in names(await send(fresh, body, admin))


async def test_answers_at_the_door_are_counted_once(fresh: Api) -> None:
    body = raw("query DoorList { subprocessors { totalCount } }")
    before = await scrape(fresh)
    await repeated(fresh, body)
    for _ in range(3):
        assert (await send(fresh, body)).headers["x-cache"] == "hit"
    after = await scrape(fresh)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    requests = "registry_http_requests_total"
    assert delta(requests, route="/graphql", method="POST", status="200") == REPEAT + 3
    operations = "registry_graphql_operations_total"
    assert delta(operations, operation="DoorList", status="200") == REPEAT + 3
