"""Bad API keys and failed console sign-ins slow down per client and per key prefix,
and are audited in one entry per window, not one per attempt."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from pymongo import AsyncMongoClient

from registry.clock import FrozenClock
from registry.domain.models import Role
from registry.services.failed_auth import PER_CLIENT, FailureThrottle
from registry.store import audit_log
from registry.store.database import Document
from tests.conftest import START, Api, make_settings, running_api
from tests.web.console_support import token_of


@pytest.fixture
async def fresh(mongo_uri: str, mongo_client: AsyncMongoClient[Document]) -> AsyncIterator[Api]:
    """A registry of the test's own: a window's failures share one audit entry, so
    another test's failures would be counted in this one's."""
    name = f"t_failed_auth_{uuid.uuid4().hex[:8]}"
    async with running_api(make_settings(mongo_uri, name), FrozenClock(START)) as api:
        yield api
    await mongo_client.drop_database(name)


async def _entries(api: Api, action: str) -> list[dict[str, object]]:
    return [d async for d in api.deps.db[audit_log.NAME].find({"action": action})]


async def _bad_key(http: httpx.AsyncClient, key: str) -> int:
    response = await http.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"authorization": f"Bearer {key}"}
    )
    return response.status_code


async def test_bad_keys_slow_down_and_are_audited_once_per_window(fresh: Api) -> None:
    async with fresh.client_from("198.51.100.200") as http:
        statuses = [await _bad_key(http, f"rk_wrong_{n:04d}_key") for n in range(PER_CLIENT + 5)]
    assert statuses == [401] * PER_CLIENT + [429] * 5
    [entry] = await _entries(fresh, "authenticate")
    assert entry["result"] == "InvalidApiKey"
    assert entry["count"] == PER_CLIENT  # the refused ones were never looked up
    admin = await fresh.key(Role.ADMIN)
    log = await fresh.gql("{ auditLog(first: 50) { edges { node { action count } } } }", key=admin)
    counted = [e["node"] for e in log["auditLog"]["edges"] if e["node"]["action"] == "authenticate"]
    assert counted == [{"action": "authenticate", "count": PER_CLIENT}]
    async with fresh.client_from("198.51.100.201") as other:
        assert await _bad_key(other, "rk_other_key") == 401  # another client is not slowed


async def test_a_key_prefix_is_slowed_across_clients(fresh: Api) -> None:
    statuses = []
    for n in range(25):
        async with fresh.client_from(f"203.0.113.{n}") as http:
            statuses.append(await _bad_key(http, f"rk_sameprefix{n}"))
    assert statuses.count(429) >= 5
    assert len(await _entries(fresh, "authenticate")) == 1


async def test_failed_sign_ins_slow_down_and_are_audited_once(fresh: Api) -> None:
    async with fresh.client_from("198.51.100.210") as client:
        statuses = []
        for n in range(PER_CLIENT + 2):
            form = await client.get("/console/sign-in")
            response = await client.post(
                "/console/sign-in",
                data={
                    "csrf_token": token_of(form.text),
                    "api_key": f"wrong-{n}",
                    "next": "/console",
                },
            )
            statuses.append(response.status_code)
    assert statuses == [401] * PER_CLIENT + [429, 429]
    [entry] = await _entries(fresh, "console.signIn")
    assert entry["count"] == PER_CLIENT


def test_the_throttle_forgets_after_a_window_and_bounds_its_table() -> None:
    throttle = FailureThrottle(per_client=2, per_prefix=100, window=10.0, max_entries=50)
    for _ in range(2):
        throttle.failed("a", None, now=0.0)
    assert throttle.blocked("a", None, now=5.0)
    assert not throttle.blocked("a", None, now=10.5)
    for n in range(1_000):
        throttle.failed(f"c{n}", f"Bearer key{n}", now=1.0)
    assert len(throttle.failures) <= 50


async def test_failures_are_counted_across_processes(
    mongo_uri: str, mongo_client: AsyncMongoClient[Document]
) -> None:
    """Two processes on one database: failures spread over both reach the limit once in
    total, not once in each (each learns the shared count at its own next failure)."""
    name = f"t_failed_auth_{uuid.uuid4().hex[:8]}"
    settings = make_settings(mongo_uri, name)
    async with (
        running_api(settings, FrozenClock(START)) as one,
        running_api(settings, FrozenClock(START)) as two,
    ):
        first = [await _bad_key(one.http, f"rk_first_{n}") for n in range(PER_CLIENT - 4)]
        second = [await _bad_key(two.http, f"rk_second_{n}") for n in range(4)]
        then_second = await _bad_key(two.http, "rk_second_again")
        then_first = [await _bad_key(one.http, f"rk_first_again_{n}") for n in range(2)]
        stored = [d async for d in one.deps.db["auth_failures"].find({})]
    await mongo_client.drop_database(name)

    assert set(first) == set(second) == {401}
    assert then_second == 429  # its own four failures, but ten in all
    assert then_first == [401, 429]  # learnt the shared count at its next failure
    assert stored
    assert all("127.0.0.1" not in str(d) and "rk_" not in str(d) for d in stored)
