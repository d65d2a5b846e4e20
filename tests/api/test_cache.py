"""Answers kept in memory: the response cache, and the hot answers in front of the
endpoint (`registry/api/response_cache.py`, `registry/api/hot_answers.py`).

A repeated read is served from memory until a write retires it, at once; no caller is
ever given an answer, or a tag, made for another visibility. The ETag protocol itself
(formats, If-None-Match, GET, exports and feeds) is tested in test_http_caching.py."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from registry.app import create_app
from registry.clock import FrozenClock
from registry.domain.drafts import ChangeAnnouncement, SubprocessorDetails
from registry.domain.models import ChangeKind, Role
from registry.services import changes, vendors
from registry.services.caller import Caller
from tests.api.reads import (
    LIST,
    REPEAT,
    STAFF_LIST,
    create_vendor,
    names,
    raw,
    repeated,
    send,
)
from tests.conftest import START, Api, make_settings, running_api
from tests.security.tenancy import two_tenants
from tests.web.test_metrics import scrape, value

VIEWER = "{ viewer { role customer { name } } }"
NOTICES = "{ notices { totalCount edges { node { customer { id name } } } } }"
CREATE = """mutation($name: String!) { createSubprocessor(input: {legalName: $name, purpose: "p"}) {
  ... on SubprocessorCreated { subprocessor { id } } } }"""
ADD_LOCATION = """mutation($id: ID!) {
  addProcessingLocation(subprocessorId: $id, input: {country: "SE"}) { __typename } }"""
CREATE_CUSTOMER = """mutation($name: String!) { createCustomer(input: {name: $name}) {
  ... on CustomerCreated { customer { id } } } }"""
RENAME = """mutation($id: ID!, $name: String!) { updateCustomer(id: $id, input: {name: $name}) {
  __typename } }"""


@pytest.fixture
async def fresh(mongo_uri: str, db_name: str) -> AsyncIterator[Api]:
    """An app of its own, with its own clock (moved by some tests)."""
    async with running_api(make_settings(mongo_uri, db_name), FrozenClock(START)) as api:
        yield api


def vendor_named(response: httpx.Response, name: str) -> dict[str, Any]:
    edges = response.json()["data"]["subprocessors"]["edges"]
    found: dict[str, Any] = next(e["node"] for e in edges if e["node"]["legalName"] == name)
    return found


async def test_a_repeated_read_is_served_from_memory_until_a_write_retires_it(
    fresh: Api,
) -> None:
    admin = await fresh.key(Role.ADMIN)
    body = raw(STAFF_LIST)
    tag = (await repeated(fresh, body, admin)).headers["etag"]
    current = await send(fresh, body, admin, **{"if-none-match": tag})
    assert (current.status_code, current.content) == (304, b"")

    made = await fresh.gql(CREATE, {"name": "Fresh vendor"}, admin)
    sub_id = made["createSubprocessor"]["subprocessor"]["id"]
    # The same bytes, even with the old tag: the new answer, computed again.
    after = await send(fresh, body, admin, **{"if-none-match": tag})
    assert after.status_code == 200
    assert after.headers.get("x-cache") is None
    assert after.headers["etag"] != tag
    assert "Fresh vendor" in names(after)
    assert "Fresh vendor" in names(await repeated(fresh, body, admin))

    await fresh.gql(ADD_LOCATION, {"id": sub_id}, admin)  # a nested list changes
    latest = await repeated(fresh, body, admin)
    assert vendor_named(latest, "Fresh vendor")["locations"] == [{"country": "SE"}]


async def test_an_answer_about_the_caller_follows_a_write(fresh: Api) -> None:
    """`viewer` reads stored data (the customer's name), so it is cached by version."""
    admin = await fresh.key(Role.ADMIN)
    created = await fresh.gql(CREATE_CUSTOMER, {"name": "Old Name"}, admin)
    customer_id = created["createCustomer"]["customer"]["id"]
    key = await fresh.key(Role.CUSTOMER, customer_id)
    first = await repeated(fresh, raw(VIEWER), key)
    assert first.json()["data"]["viewer"]["customer"]["name"] == "Old Name"
    await fresh.gql(RENAME, {"id": customer_id, "name": "New Name"}, admin)
    renamed = await repeated(fresh, raw(VIEWER), key)
    assert renamed.json()["data"]["viewer"]["customer"]["name"] == "New Name"


async def test_scheduler_transitions_retire_cached_answers(api: Api, admin_key: str) -> None:
    """A change the scheduler makes EFFECTIVE retires the answers cached before it."""
    staff = Caller(Role.ADMIN)
    vendor = await vendors.create_subprocessor(
        api.deps, staff, SubprocessorDetails.named("Cache", "x")
    )
    announced = await changes.announce_change(
        api.deps, staff, ChangeAnnouncement(ChangeKind.ADD, vendor.id)
    )
    query = "{ changes(status: [EFFECTIVE]) { totalCount } }"
    before = (await api.gql(query, key=admin_key))["changes"]["totalCount"]
    assert (await api.post(query, key=admin_key)).headers.get("x-cache") is not None
    api.clock.set(announced.effective_at + timedelta(seconds=1))
    await api.scheduler.run_until_idle()
    after = await api.post(query, key=admin_key)
    assert after.headers.get("x-cache") is None
    assert after.json()["data"]["changes"]["totalCount"] > before


async def test_answers_are_never_shared_between_callers(fresh: Api) -> None:
    """The same bytes from each visibility: anonymous, ADMIN, PROCUREMENT and two
    customers (B with a notice and an objection of its own)."""
    tenants = await two_tenants(fresh)
    keys = {
        "anonymous": None,
        "ADMIN": tenants.admin,
        "PROCUREMENT": await fresh.key(Role.PROCUREMENT),
        "A": tenants.a_key,
        "B": await fresh.key(Role.CUSTOMER, tenants.b_id),
    }
    viewers = {
        "anonymous": {"role": None, "customer": None},
        "ADMIN": {"role": "ADMIN", "customer": None},
        "PROCUREMENT": {"role": "PROCUREMENT", "customer": None},
        "A": {"role": "CUSTOMER", "customer": {"name": "Tenant A"}},
        "B": {"role": "CUSTOMER", "customer": {"name": "Tenant B Confidential GmbH"}},
    }
    body = raw(VIEWER)
    for key in keys.values():  # each asks once the answers of those before are kept
        assert (await send(fresh, body, key)).headers.get("x-cache") is None
    tags = {}
    for _ in range(2):  # interleaved: every caller's answer is in memory when others ask
        for who, key in keys.items():
            answer = await repeated(fresh, body, key)
            assert answer.json()["data"]["viewer"] == viewers[who]
            tags[who] = answer.headers["etag"]
    assert len(set(tags.values())) == len(keys)
    for who, key in keys.items():
        for other, tag in tags.items():
            answer = await send(fresh, body, key, **{"if-none-match": tag})
            assert answer.status_code == (304 if other == who else 200)

    # A customer's own records: each customer's cached list holds its notices only.
    notices = raw(NOTICES)
    for who, own in (("A", tenants.a_id), ("B", tenants.b_id)):
        answer = await repeated(fresh, notices, keys[who])
        edges = answer.json()["data"]["notices"]["edges"]
        assert {e["node"]["customer"]["id"] for e in edges} == {own}
    # Staff roles do not share either: PROCUREMENT never receives ADMIN's kept answer.
    await repeated(fresh, notices, keys["ADMIN"])
    assert (await send(fresh, notices, keys["PROCUREMENT"])).headers.get("x-cache") is None


async def test_one_request_computes_the_answer_the_others_wait_for(
    mongo_uri: str, db_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(
        make_settings(mongo_uri, db_name), clock=FrozenClock(START), run_scheduler=False
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://registry.test") as http:
            api = Api(http, app.state.deps, FrozenClock(START), app.state.scheduler)
            await create_vendor(api, "Single Flight Ltd")  # new version: no cache
            executions = 0
            endpoint = app.state.graphql
            execute = endpoint.schema.execute

            async def counted(*args: Any, **kwargs: Any) -> Any:
                nonlocal executions
                executions += 1
                return await execute(*args, **kwargs)

            monkeypatch.setattr(endpoint.schema, "execute", counted)
            responses = await asyncio.gather(*(send(api, raw(LIST)) for _ in range(20)))
    assert executions == 1
    assert {r.status_code for r in responses} == {200}
    assert len({r.content for r in responses}) == 1
    assert "Single Flight Ltd" in names(responses[0])
    assert sum(r.headers.get("x-cache") == "hit" for r in responses) == 19


async def test_the_same_bytes_in_another_content_type_are_refused(fresh: Api) -> None:
    body = raw(LIST)
    await repeated(fresh, body)
    refused = await fresh.http.post(
        "/graphql", content=body, headers={"content-type": "text/plain"}
    )
    assert refused.status_code == 415


async def test_a_new_quarter_hour_gets_a_new_tag(fresh: Api) -> None:
    body = raw(LIST)
    tag = (await repeated(fresh, body)).headers["etag"]
    fresh.clock.advance(timedelta(minutes=15))
    later = await send(fresh, body, **{"if-none-match": tag})
    assert later.status_code == 200
    assert later.headers["etag"] != tag


async def test_answers_from_memory_are_counted(fresh: Api) -> None:
    before = await scrape(fresh)
    body = raw("query HotList { subprocessors { totalCount } }")
    tag = (await repeated(fresh, body)).headers["etag"]
    assert (await send(fresh, body, **{"if-none-match": tag})).status_code == 304
    after = await scrape(fresh)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    operations = "registry_graphql_operations_total"
    assert delta(operations, operation="HotList", status="200") == REPEAT
    assert delta(operations, operation="HotList", status="304") == 1
    requests = "registry_http_requests_total"
    assert delta(requests, route="/graphql", method="POST", status="304") == 1


async def test_without_the_response_cache_only_revalidation_is_answered_from_memory(
    mongo_uri: str, db_name: str
) -> None:
    settings = make_settings(mongo_uri, db_name, response_cache=False)
    async with running_api(settings, FrozenClock(START)) as api:
        body = raw(LIST)
        answers = [await send(api, body) for _ in range(REPEAT)]
        assert all("x-cache" not in a.headers for a in answers)
        tag = answers[0].headers["etag"]
        for _ in range(REPEAT):
            again = await send(api, body, **{"if-none-match": tag})
            assert (again.status_code, again.content) == (304, b"")


async def test_other_methods_and_oversized_bodies_are_refused(fresh: Api) -> None:
    await repeated(fresh, raw(LIST))
    assert (await fresh.http.put("/graphql", content=raw(LIST))).status_code == 405
    too_big = await send(fresh, raw(LIST) + b" " * 1_000_000)
    assert too_big.status_code == 413
    assert too_big.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
