"""Repeated reads answered before the endpoint proper (`registry/api/hot_answers.py`).

Every test repeats a request at least three times: the first runs it, the second is a
response cache hit that prepares the answer, the rest are answered from memory. What
they check is that such an answer is never one another request may not have."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import httpx
import orjson
import pytest

from registry.clock import FrozenClock
from registry.domain.models import Role
from tests.api.test_http_caching import LIST, create_vendor, names
from tests.conftest import START, Api, make_settings, running_api
from tests.web.test_metrics import scrape, value

REPEAT = 4
VIEWER = "{ viewer { role customer { name } } }"
CREATE_CUSTOMER = """mutation($name: String!) { createCustomer(input: {name: $name}) {
  ... on CustomerCreated { customer { id } } } }"""
RENAME = """mutation($id: ID!, $name: String!) { updateCustomer(id: $id, input: {name: $name}) {
  __typename } }"""
REVOKE = """mutation($id: ID!) { revokeApiKey(id: $id) { __typename } }"""


@pytest.fixture
async def fresh(mongo_uri: str, db_name: str) -> AsyncIterator[Api]:
    """An app of its own, with its own clock (moved by some tests)."""
    async with running_api(make_settings(mongo_uri, db_name), FrozenClock(START)) as api:
        yield api


def raw(query: str, variables: dict[str, Any] | None = None) -> bytes:
    return orjson.dumps({"query": query, "variables": variables or {}})


async def send(api: Api, body: bytes, key: str | None = None, **headers: str) -> httpx.Response:
    sent = {"content-type": "application/json", **headers}
    if key is not None:
        sent["authorization"] = f"Bearer {key}"
    return await api.http.post("/graphql", content=body, headers=sent)


async def repeated(api: Api, body: bytes, key: str | None = None) -> httpx.Response:
    """The answer to the last of `REPEAT` identical requests (all must agree)."""
    answers = [await send(api, body, key) for _ in range(REPEAT)]
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1
    assert len({a.headers["etag"] for a in answers}) == 1
    assert answers[-1].headers["x-cache"] == "hit"
    return answers[-1]


async def test_after_a_write_the_same_bytes_get_the_new_answer(fresh: Api) -> None:
    admin = await fresh.key(Role.ADMIN)
    await create_vendor(fresh, admin, "Hot Before Ltd")
    body = raw(LIST)
    before = await repeated(fresh, body)
    current = await send(fresh, body, **{"if-none-match": before.headers["etag"]})
    assert (current.status_code, current.content) == (304, b"")
    await create_vendor(fresh, admin, "Hot After Ltd")
    stale = await send(fresh, body, **{"if-none-match": before.headers["etag"]})
    assert stale.status_code == 200
    assert "Hot After Ltd" in names(stale)
    assert stale.headers["etag"] != before.headers["etag"]
    assert "Hot After Ltd" in names(await repeated(fresh, body))


async def test_the_same_bytes_from_another_visibility_get_their_own_answer(fresh: Api) -> None:
    admin = await fresh.key(Role.ADMIN)
    ids = [
        (await fresh.gql(CREATE_CUSTOMER, {"name": n}, admin))["createCustomer"]["customer"]["id"]
        for n in ("Hot A", "Hot B")
    ]
    keys = {
        None: None,
        "ADMIN": admin,
        "Hot A": await fresh.key(Role.CUSTOMER, ids[0]),
        "Hot B": await fresh.key(Role.CUSTOMER, ids[1]),
    }
    body = raw(VIEWER)
    tags = {}
    for _ in range(2):  # interleaved: each caller's entry is made before the next asks
        for who, key in keys.items():
            viewer = (await repeated(fresh, body, key)).json()["data"]["viewer"]
            if who in (None, "ADMIN"):
                assert viewer == {"role": who, "customer": None}
            else:
                assert viewer == {"role": "CUSTOMER", "customer": {"name": who}}
            tags[who] = (await send(fresh, body, key)).headers["etag"]
    assert len(set(tags.values())) == len(keys)
    for who, key in keys.items():
        for other, tag in tags.items():
            answer = await send(fresh, body, key, **{"if-none-match": tag})
            assert answer.status_code == (304 if other == who else 200)


async def test_a_viewer_answer_follows_a_rename(fresh: Api) -> None:
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


async def test_a_revoked_key_is_refused_at_once(fresh: Api) -> None:
    admin = await fresh.key(Role.ADMIN)
    created = await fresh.gql(
        """mutation { createApiKey(input: {name: "hot", role: PROCUREMENT}) {
          ... on ApiKeyCreated { apiKey { id } key } } }""",
        key=admin,
    )
    key_id = created["createApiKey"]["apiKey"]["id"]
    key = created["createApiKey"]["key"]
    body = raw(LIST)
    tag = (await repeated(fresh, body, key)).headers["etag"]
    await fresh.gql(REVOKE, {"id": key_id}, admin)
    for headers in ({}, {"if-none-match": tag}):
        refused = await send(fresh, body, key, **headers)
        assert refused.status_code == 401
        assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


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


async def test_repeated_get_queries_are_answered_and_revalidated(fresh: Api) -> None:
    url = "/graphql?query=" + quote(LIST)
    answers = [await fresh.http.get(url) for _ in range(REPEAT)]
    assert len({(a.status_code, a.content, a.headers["etag"]) for a in answers}) == 1
    assert answers[-1].headers["x-cache"] == "hit"
    again = await fresh.http.get(url, headers={"if-none-match": answers[-1].headers["etag"]})
    assert (again.status_code, again.content) == (304, b"")
    assert again.headers["cache-control"].startswith("public, max-age=")


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
