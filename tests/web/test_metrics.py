"""`/metrics`: request counts by route and GraphQL operation, due work from the database."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from pymongo import AsyncMongoClient

from registry.clock import FrozenClock
from registry.domain.models import Role
from registry.http.request_metrics import operation_name
from registry.store import delivery_queue
from registry.store.database import Document
from registry.store.deliveries import NAME as DELIVERIES
from registry.web.metrics import DatabaseSnapshot, exposition
from tests.conftest import START, Api, make_settings
from tests.web.support import Seeded, running_web_api

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(api: Api) -> Samples:
    key = await api.key(Role.ADMIN, name="scraper")
    response = await api.http.get("/metrics", headers={"authorization": f"Bearer {key}"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return parse(response.text)


def parse(text: str) -> Samples:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def test_requests_by_route_and_operation(web: Api, seeded: Seeded) -> None:
    before = await scrape(web)
    await web.http.get("/subprocessors")
    await web.http.get("/subprocessors?country=XX")
    await web.http.get("/no/such/page")
    await web.post("query ListVendors { subprocessors { totalCount } }")
    await web.http.post(
        "/graphql",
        json={
            "query": "query A { viewer { role } } query B { viewer { role } }",
            "operationName": "B",
        },
    )
    await web.http.get("/graphql", params={"query": "query Viewer { viewer { role } }"})
    after = await scrape(web)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    requests = "registry_http_requests_total"
    assert delta(requests, route="/subprocessors", method="GET", status="200") == 1
    assert delta(requests, route="/subprocessors", method="GET", status="400") == 1
    assert delta(requests, route="unmatched", method="GET", status="404") == 1
    assert delta(requests, route="/graphql", method="POST", status="200") == 2
    latency = "registry_http_request_duration_seconds_count"
    assert delta(latency, route="/subprocessors", method="GET") == 2
    operations = "registry_graphql_operations_total"
    assert delta(operations, operation="ListVendors", status="200") == 1
    assert delta(operations, operation="B", status="200") == 1
    assert delta(operations, operation="Viewer", status="200") == 1
    assert delta("registry_graphql_operation_duration_seconds_count", operation="B") == 1


async def test_due_work_and_deliveries_from_the_database(web: Api, seeded: Seeded) -> None:
    now = web.clock.now()
    rows: list[Document] = [
        {"_id": "dlv_1", "status": "PENDING", "next_attempt_at": now - timedelta(minutes=10)},
        {"_id": "dlv_2", "status": "PENDING", "next_attempt_at": now},
        {"_id": "dlv_3", "status": "PENDING", "next_attempt_at": now + timedelta(hours=1)},
        {"_id": "dlv_4", "status": "DELIVERED", "next_attempt_at": None},
        {"_id": "dlv_5", "status": "FAILED", "next_attempt_at": None, "channel": "email"},
    ]
    await web.deps.db[DELIVERIES].insert_many(rows)
    queued = [(r["_id"], r["next_attempt_at"]) for r in rows if r["status"] == "PENDING"]
    await delivery_queue.enqueue(web.deps.db, [delivery_queue.new_entry(i, at) for i, at in queued])
    samples = await scrape(web)
    assert value(samples, "registry_database_up") == 1
    assert value(samples, "registry_deliveries", channel="webhook", status="PENDING") == 3
    assert value(samples, "registry_deliveries", channel="webhook", status="DELIVERED") == 1
    assert value(samples, "registry_deliveries", channel="webhook", status="FAILED") == 0
    assert value(samples, "registry_deliveries", channel="email", status="FAILED") == 1
    assert value(samples, "registry_due_backlog", kind="delivery") == 2
    assert value(samples, "registry_oldest_due_age_seconds", kind="delivery") == 600
    assert value(samples, "registry_due_backlog", kind="change_effective") == 0

    # An hour after Mailgun's effective date, with the scheduler not running.
    mailgun = await web.deps.db["changes"].find_one({"_id": seeded.upcoming})
    assert mailgun is not None
    web.clock.set(mailgun["effective_at"] + timedelta(hours=1))
    later = await scrape(web)
    assert value(later, "registry_due_backlog", kind="change_effective") == 1
    assert value(later, "registry_oldest_due_age_seconds", kind="change_effective") == 3600
    oldest = max(v for (name, _), v in later.items() if name == "registry_oldest_due_age_seconds")
    assert value(later, "registry_scheduler_lag_seconds") == oldest > 3600


@pytest.fixture
async def empty(mongo_uri: str, mongo_client: AsyncMongoClient[Document]) -> AsyncIterator[Api]:
    name = f"t_metrics_empty_{uuid.uuid4().hex[:8]}"
    async with running_web_api(make_settings(mongo_uri, name), FrozenClock(START)) as api:
        yield api
    await mongo_client.drop_database(name)


async def test_empty_database_and_one_registry_per_app(web: Api, empty: Api) -> None:
    await empty.deps.db[DELIVERIES].drop()
    samples = await scrape(empty)
    assert value(samples, "registry_deliveries", channel="webhook", status="PENDING") == 0
    assert all(
        v == 0 for (name, _), v in samples.items() if name.startswith("registry_due_backlog")
    )
    assert value(samples, "registry_scheduler_lag_seconds") == 0
    # Only this app's own scrape was counted, none of the other app's requests.
    assert (
        value(
            samples,
            "registry_http_requests_total",
            route="/subprocessors",
            method="GET",
            status="200",
        )
        == 0
    )


async def test_metrics_need_an_admin_key_or_the_scrape_token(
    mongo_uri: str, mongo_client: AsyncMongoClient[Document]
) -> None:
    name = f"t_metrics_auth_{uuid.uuid4().hex[:8]}"
    settings = make_settings(mongo_uri, name, metrics_token="scrape-token-7f3a-0123456789")
    async with running_web_api(settings, FrozenClock(START)) as api:

        async def status(authorization: str | None) -> int:
            headers = {"authorization": authorization} if authorization else {}
            return (await api.http.get("/metrics", headers=headers)).status_code

        procurement = await api.key(Role.PROCUREMENT)
        customer = await api.key(Role.CUSTOMER, await _customer(api))
        assert await status(None) == 401
        assert await status("Bearer wrong-token") == 401
        assert await status("Bearer scrape-token-7f3a-0123456789-and-more") == 401
        assert await status(f"Bearer {procurement}") == 403
        assert await status(f"Bearer {customer}") == 403
        assert await status("Bearer scrape-token-7f3a-0123456789") == 200
        assert await status(f"Bearer {await api.key(Role.ADMIN)}") == 200
    await mongo_client.drop_database(name)


async def _customer(api: Api) -> str:
    admin = await api.key(Role.ADMIN)
    create = 'mutation { createCustomer(input: {name: "M"}) '
    create += "{ ... on CustomerCreated { customer { id } } } }"
    return str((await api.gql(create, key=admin))["createCustomer"]["customer"]["id"])


def test_exposition_without_the_middleware() -> None:
    samples = parse(exposition(None, DatabaseSnapshot(up=False)).decode())
    assert samples == {("registry_database_up", frozenset()): 0.0}


@pytest.mark.parametrize(
    ("query", "given", "name"),
    [
        ("query Q { a }", "Named", "Named"),
        ("mutation Announce($x: ID) { a }", None, "Announce"),
        ("{ a }", None, None),
        (None, None, None),
    ],
    ids=["operationName wins", "first definition", "anonymous", "no query"],
)
def test_operation_name(query: str | None, given: str | None, name: str | None) -> None:
    assert operation_name(query, given) == name
