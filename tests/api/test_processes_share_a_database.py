"""Several processes on one database: two `registry serve` (each running the scheduler)
and one `registry worker` share the test database, and all three race for the same work.

A vendor replacement is announced in one process and takes effect a few seconds later
(an emergency replacement, which every customer's terms allow, so the date is short
and no clock needs moving); an addition is announced in the other and cancelled once
its notices are out. Webhooks go to a local receiver that fails about half of the
first requests (500, 503, 429), so deliveries are retried on a one-second schedule by
whichever process claims them. Nothing may be lost (every notice written, every event
delivered) and nothing done twice (one transition per change, one event per dedupe
key, no message sent again after it was accepted, every attempt logged once).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from registry import devdb
from registry.clock import SystemClock
from registry.domain.models import Role
from registry.services.access import create_api_key
from registry.services.deps import Deps
from registry.store import deliveries
from registry.store.database import Database, Document
from tests.conftest import make_settings
from tests.webhooks.conftest import Receiver

CUSTOMERS = 6
FLAKY = ["500", "200", "503", "429 1", "200", "500"] * 4
"""The receiver's answers to its first requests, in arrival order; later ones get 200."""
RETRY_SCHEDULE = "0,1s,1s,1s,1s,1s,1s,1s,1s,1s"
DEADLINE_S = 240
"""Only for a run that is stuck: every wait ends as soon as its condition holds."""

SUB = """mutation($name: String!) { createSubprocessor(input: {legalName: $name,
  purpose: "Email delivery"}) { __typename ... on SubprocessorCreated { subprocessor { id } } } }"""
CUSTOMER = """mutation($name: String!) { createCustomer(input: {name: $name, noticePeriod: "P1M",
  allowsEmergencyReplacement: true}) { __typename ... on CustomerCreated { customer { id } } } }"""
SUBSCRIBE = """mutation($url: String!, $customer: ID!) {
  createWebhookSubscription(input: {url: $url, customerId: $customer}) { __typename } }"""
ANNOUNCE = """mutation($input: AnnounceChangeInput!) { announceChange(input: $input) {
  __typename ... on ChangeAnnounced { change { id } } } }"""
CANCEL = """mutation($id: ID!) { cancelChange(id: $id, reason: "Plans changed") {
  __typename } }"""


class Registry:
    """The registry's HTTP API in one of the processes, with an ADMIN key."""

    def __init__(self, http: httpx.AsyncClient, base: str, key: str) -> None:
        self.http = http
        self.base = base
        self.key = key

    async def gql(self, query: str, **variables: Any) -> dict[str, Any]:
        response = await self.http.post(
            f"{self.base}/graphql",
            json={"query": query, "variables": variables},
            headers={"authorization": f"Bearer {self.key}"},
        )
        body = response.json()
        assert response.status_code == 200, body
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    async def up(self) -> None:
        deadline = time.monotonic() + DEADLINE_S
        while True:
            with contextlib.suppress(httpx.TransportError):
                if (await self.http.get(f"{self.base}/health")).status_code == 200:
                    return
            assert time.monotonic() < deadline, f"{self.base} did not start"
            await asyncio.sleep(0.1)


@contextlib.contextmanager
def process(command: list[str], env: dict[str, str], logs: Path) -> Iterator[Path]:
    """A `registry` process; yields the file its stdout and stderr go to."""
    log = logs.with_suffix(".log")
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "registry", *command], env=env, stdout=out, stderr=out
        )
        try:
            yield log
        finally:
            proc.terminate()
            proc.wait(timeout=30)


async def wait_until(what: str, condition: Callable[[], Awaitable[bool]]) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not await condition():
        assert time.monotonic() < deadline, f"still waiting for {what}"
        await asyncio.sleep(0.2)


async def change_is(db: Database, change_id: str, status: str) -> bool:
    doc = await db["changes"].find_one({"_id": change_id})
    return doc is not None and doc["status"] == status and doc.get("settled") is True


async def test_two_servers_and_a_worker_lose_nothing_and_do_nothing_twice(
    mongo_uri: str, mongo_client: AsyncMongoClient[Document], db_name: str, tmp_path: Path
) -> None:
    db = mongo_client[db_name]
    settings = make_settings(mongo_uri, db_name)
    deps = Deps(db=db, clock=SystemClock(), settings=settings)
    _, key = await create_api_key(deps, name="processes", role=Role.ADMIN, customer_id=None)
    receiver = Receiver(script=list(FLAKY))
    await receiver.start()
    env = {
        **os.environ,
        "MONGODB_URI": mongo_uri,
        "REGISTRY_DB_NAME": db_name,
        "REGISTRY_SECRET_KEY": "test-secret-key",
        "REGISTRY_WEBHOOK_ALLOW_CIDRS": "127.0.0.1/32",
        "REGISTRY_SCHEDULER_INTERVAL": "100ms",
        "REGISTRY_WEBHOOK_RETRY_SCHEDULE": RETRY_SCHEDULE,
    }
    ports = [devdb.free_port(), devdb.free_port()]
    async with contextlib.AsyncExitStack() as stack:
        stack.push_async_callback(receiver.stop)
        http = await stack.enter_async_context(httpx.AsyncClient(timeout=60))
        # All three start together, so they also prepare the database at the same time.
        logs = [
            stack.enter_context(
                process(["serve", "--port", str(port), "--log-level", "warning"], env, log)
            )
            for port, log in zip(ports, [tmp_path / "serve-a", tmp_path / "serve-b"], strict=True)
        ]
        logs.append(stack.enter_context(process(["worker"], env, tmp_path / "worker")))
        one, other = (Registry(http, f"http://127.0.0.1:{port}", key) for port in ports)
        await asyncio.gather(one.up(), other.up())

        async def worker_runs() -> bool:
            return "running" in logs[-1].read_text()

        await wait_until("the worker", worker_runs)

        async def vendor(api: Registry, name: str) -> str:
            made = await api.gql(SUB, name=name)
            vendor_id: str = made["createSubprocessor"]["subprocessor"]["id"]
            return vendor_id

        async def announce(api: Registry, **fields: Any) -> str:
            made = (await api.gql(ANNOUNCE, input=fields))["announceChange"]
            assert made["__typename"] == "ChangeAnnounced", made
            change_id: str = made["change"]["id"]
            return change_id

        # An active vendor to replace: added while there is no customer to give notice to.
        old = await vendor(one, "Old Mail Ltd")
        added = await announce(one, kind="ADD", subprocessorId=old)
        await wait_until("the first vendor to be active", lambda: change_is(db, added, "EFFECTIVE"))

        customers = []
        for n in range(CUSTOMERS):
            created = await other.gql(CUSTOMER, name=f"Customer {n}")
            customers.append(created["createCustomer"]["customer"]["id"])
            url = receiver.url(f"/hook/{n}", host="127.0.0.1")
            subscribed = await one.gql(SUBSCRIBE, url=url, customer=customers[-1])
            assert subscribed["createWebhookSubscription"]["__typename"] == (
                "WebhookSubscriptionCreated"
            )
        new = await vendor(one, "New Mail Ltd")
        withdrawn = await vendor(other, "Withdrawn Ltd")

        soon = datetime.now(UTC) + timedelta(seconds=3)
        replaced = await announce(
            other,
            kind="REPLACE",
            subprocessorId=new,
            replacesId=old,
            emergency=True,
            emergencyReason="the old vendor was breached",
            effectiveAt=soon.isoformat(),
        )
        cancelled = await announce(one, kind="ADD", subprocessorId=withdrawn)

        async def expanded() -> bool:
            doc = await db["changes"].find_one({"_id": cancelled})
            return doc is not None and doc.get("expanded") is True

        # Cancelled once its notices are all out, so every customer is told both.
        await wait_until("the addition's notices", expanded)
        assert (await other.gql(CANCEL, id=cancelled))["cancelChange"]["__typename"] == (
            "ChangeCancelled"
        )

        expected = {
            (kind, change, customer)
            for customer in customers
            for kind, change in [
                ("change.announced", replaced),
                ("change.effective", replaced),
                ("change.announced", cancelled),
                ("change.cancelled", cancelled),
            ]
        }

        async def all_delivered() -> bool:
            if not (
                await change_is(db, replaced, "EFFECTIVE")
                and await change_is(db, cancelled, "CANCELLED")
            ):
                return False
            sent = await db[deliveries.NAME].count_documents({"status": "DELIVERED"})
            return sent >= len(expected)

        await wait_until("every delivery", all_delivered)

    # Every notice written once, each in the state of its change.
    notices = [n async for n in db["notices"].find({"change_id": {"$in": [replaced, cancelled]}})]
    assert collections.Counter((n["change_id"], n["customer_id"]) for n in notices) == {
        (change, customer): 1 for change in (replaced, cancelled) for customer in customers
    }
    assert {n["status"] for n in notices if n["change_id"] == replaced} == {"EFFECTIVE"}
    assert {n["status"] for n in notices if n["change_id"] == cancelled} == {"CANCELLED"}

    # One transition each: the vendors moved once, each event made once.
    vendors = {v["_id"]: v async for v in db["subprocessors"].find({"_id": {"$in": [old, new]}})}
    assert [h["status"] for h in vendors[new]["status_history"]].count("ACTIVE") == 1
    assert [h["status"] for h in vendors[old]["status_history"]].count("RETIRED") == 1
    assert (vendors[new]["status"], vendors[old]["status"]) == ("ACTIVE", "RETIRED")
    events = [e async for e in db["events"].find({"change_id": {"$in": [replaced, cancelled]}})]
    by_dedupe_key = collections.Counter(e["dedupe_key"] for e in events)
    assert set(by_dedupe_key.values()) == {1}
    emitted = collections.Counter((e["type"], e["change_id"], e["customer_id"]) for e in events)
    assert emitted == dict.fromkeys(expected, 1)

    # Every event delivered: one delivery each, accepted exactly once, every attempt logged.
    sent = [d async for d in db[deliveries.NAME].find({})]
    event_of = {e["_id"]: (e["type"], e["change_id"], e["customer_id"]) for e in events}
    assert collections.Counter(event_of[d["event_id"]] for d in sent) == dict.fromkeys(expected, 1)
    assert {d["status"] for d in sent} == {"DELIVERED"}
    answers = [FLAKY[i] if i < len(FLAKY) else "200" for i in range(len(receiver.received))]
    accepted = collections.Counter(
        r.headers["webhook-id"]
        for r, a in zip(receiver.received, answers, strict=True)
        if a == "200"
    )
    assert accepted == {d["_id"]: 1 for d in sent}
    assert set(answers) - {"200"}, "some requests failed and were retried"
    requests = collections.Counter(r.headers["webhook-id"] for r in receiver.received)
    attempts = collections.Counter(
        [a["delivery_id"] async for a in db[deliveries.ATTEMPTS].find({})]
    )
    assert attempts == requests

    # No process hit an error on the way.
    for log in logs:
        text = log.read_text()
        assert "Traceback" not in text, text
        assert '"level":"ERROR"' not in text, text
