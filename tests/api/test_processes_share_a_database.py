"""Several processes on one database: two `registry serve` (each running the scheduler)
and one `registry worker` share the test database, and all three race for the same work.

A vendor replacement is announced in one process and takes effect a few seconds later
(an emergency replacement, which every customer's terms allow, so the date is short
and no clock needs moving); an addition is announced in the other and cancelled once
its notices are out. Webhooks go to a local receiver that refuses the first attempt of
every other message (500, 503 or 429), so those are retried on a one-second schedule
by whichever process claims them. Nothing may be lost (every notice written, every event
delivered) and nothing done twice (one transition per change, one event per dedupe
key, no message sent again after it was accepted, every attempt logged once).

The last test creates customers through the API while the schedulers run and announces
a change at once: every one of them must get its notice. (A placement in the roster
claimed by another process before the customer's insert landed used to be spent, leaving
the customer out of every later change.)
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from registry import devdb
from registry.clock import SystemClock
from registry.domain.drafts import CustomerDraft
from registry.domain.models import CustomerTerms, Role
from registry.services import customers as customer_service
from registry.services import webhooks
from registry.services.access import create_api_key
from registry.services.caller import Caller
from registry.services.deps import Deps
from registry.store import deliveries
from registry.store.database import Database, Document
from tests.conftest import make_settings

CUSTOMERS = 6
REFUSALS = ("500 X", "503 X", "429 X\r\nretry-after: 1")
RETRY_SCHEDULE = "0,1s,1s,1s,1s,1s,1s,1s,1s,1s"
DEADLINE_S = 240
"""Only for a run that is stuck: every wait ends as soon as its condition holds."""

SUB = """mutation($name: String!) { createSubprocessor(input: {legalName: $name,
  purpose: "Email delivery"}) { __typename ... on SubprocessorCreated { subprocessor { id } } } }"""
CUSTOMER = """mutation($name: String!) { createCustomer(input: {name: $name, noticePeriod: "P1M"})
  { __typename ... on CustomerCreated { customer { id } } } }"""
ANNOUNCE = """mutation($input: AnnounceChangeInput!) { announceChange(input: $input) {
  __typename ... on ChangeAnnounced { change { id } } } }"""
CANCEL = """mutation($id: ID!) { cancelChange(id: $id, reason: "Plans changed") {
  __typename } }"""


@dataclass
class FlakyReceiver:
    """Webhook endpoint on 127.0.0.1: refuses the first attempt of every other message
    (by its `webhook-id`), accepts the rest; records each request and its answer."""

    answered: list[tuple[str, int]] = field(default_factory=list)
    port: int = 0
    _server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def url(self, n: int) -> str:
        return f"http://127.0.0.1:{self.port}/hook/{n}"

    def status_for(self, message_id: str) -> str:
        if any(seen == message_id for seen, _ in self.answered):
            return "200 OK"
        refused = sum(1 for _, status in self.answered if status != 200)
        first_attempts = len({seen for seen, _ in self.answered})
        if first_attempts % 2:
            return "200 OK"
        return REFUSALS[refused % len(REFUSALS)]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            lines = head.removesuffix("\r\n\r\n").split("\r\n")[1:]
            headers = {k.strip().lower(): v.strip() for k, v in (ln.split(":", 1) for ln in lines)}
            await reader.readexactly(int(headers.get("content-length", "0")))
            status = self.status_for(headers["webhook-id"])
            self.answered.append((headers["webhook-id"], int(status[:3])))
            writer.write(
                f"HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".encode()
            )
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()


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
    log.parent.mkdir(exist_ok=True)
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "registry", *command], env=env, stdout=out, stderr=out
        )
        try:
            yield log
        finally:
            proc.terminate()
            proc.wait(timeout=30)


async def wait_until(
    what: str,
    condition: Callable[[], Awaitable[bool]],
    report: Callable[[], Awaitable[str]] | None = None,
) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting for {what}\n{await report() if report else ''}")
        await asyncio.sleep(0.2)


async def change_is(db: Database, change_id: str, status: str) -> bool:
    doc = await db["changes"].find_one({"_id": change_id})
    return doc is not None and doc["status"] == status and doc.get("settled") is True


@contextlib.asynccontextmanager
async def processes(deps: Deps, logs: Path) -> AsyncIterator[tuple[Registry, Registry, list[Path]]]:
    """Two `registry serve` and a `registry worker` on the database of `deps`, started
    together (so they also prepare it at the same time); yields both APIs and the
    processes' logs."""
    _, key = await create_api_key(deps, name="processes", role=Role.ADMIN, customer_id=None)
    mongo_uri, db_name = deps.settings.mongodb_uri or "", deps.settings.db_name
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
    with contextlib.ExitStack() as stack:
        written = [
            stack.enter_context(
                process(["serve", "--port", str(port), "--log-level", "warning"], env, log)
            )
            for port, log in zip(ports, [logs / "serve-a", logs / "serve-b"], strict=True)
        ]
        written.append(stack.enter_context(process(["worker"], env, logs / "worker")))
        async with httpx.AsyncClient(timeout=60) as http:
            one, other = (Registry(http, f"http://127.0.0.1:{port}", key) for port in ports)
            await asyncio.gather(one.up(), other.up())

            async def worker_runs() -> bool:
                return "running" in written[-1].read_text()

            await wait_until("the worker", worker_runs)
            yield one, other, written


@pytest.fixture
async def deps(mongo_uri: str, mongo_client: AsyncMongoClient[Document]) -> AsyncIterator[Deps]:
    """A database of the test's own: each test starts from an empty registry."""
    name = f"t_processes_{uuid.uuid4().hex[:8]}"
    settings = make_settings(mongo_uri, name)
    yield Deps(db=mongo_client[name], clock=SystemClock(), settings=settings)
    await mongo_client.drop_database(name)


async def vendor(api: Registry, name: str) -> str:
    made = await api.gql(SUB, name=name)
    vendor_id: str = made["createSubprocessor"]["subprocessor"]["id"]
    return vendor_id


async def announce(api: Registry, **fields: Any) -> str:
    made = (await api.gql(ANNOUNCE, input=fields))["announceChange"]
    assert made["__typename"] == "ChangeAnnounced", made
    change_id: str = made["change"]["id"]
    return change_id


async def test_two_servers_and_a_worker_lose_nothing_and_do_nothing_twice(
    deps: Deps, tmp_path: Path
) -> None:
    db = deps.db
    logs: list[Path] = []
    # An active vendor to replace: added while there is no customer to give notice to.
    async with processes(deps, tmp_path / "before") as (one, _, written):
        old = await vendor(one, "Old Mail Ltd")
        added = await announce(one, kind="ADD", subprocessorId=old)
        await wait_until("the first vendor to be active", lambda: change_is(db, added, "EFFECTIVE"))
    logs += written
    receiver = FlakyReceiver()
    await receiver.start()
    # The customers and their subscriptions, written while no scheduler runs.
    terms = CustomerTerms(notice_period="P1M", allows_emergency_replacement=True)
    customers = []
    for n in range(CUSTOMERS):
        made = await customer_service.create_customer(
            deps, Caller(Role.ADMIN), CustomerDraft(name=f"Customer {n}", terms=terms)
        )
        customers.append(made.id)
        await webhooks.create_subscription(
            deps, Caller(Role.ADMIN), url=receiver.url(n), customer_id=made.id
        )
    async with contextlib.AsyncExitStack() as stack:
        stack.push_async_callback(receiver.stop)
        one, other, written = await stack.enter_async_context(processes(deps, tmp_path / "after"))
        logs += written
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

        async def state() -> str:
            changes = [
                {k: c.get(k) for k in ("_id", "status", "expanded", "settled", "lease_owner")}
                async for c in db["changes"].find({})
            ]
            made = collections.Counter(
                [
                    (e["type"], e.get("change_id"), e["dispatched_at"] is not None)
                    async for e in db["events"].find()
                ]
            )
            statuses = collections.Counter(
                [(d["status"], d.get("attempt_count")) async for d in db[deliveries.NAME].find()]
            )
            tails = "\n".join(f"{log.name}: {log.read_text()[-3000:]}" for log in logs)
            return (
                f"changes: {changes}\nevents (type, change, dispatched): {made}\n"
                f"deliveries: {statuses}\nanswers: {receiver.answered}\n{tails}"
            )

        await wait_until("every delivery", all_delivered, state)

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
    accepted = collections.Counter(m for m, status in receiver.answered if status == 200)
    assert accepted == {d["_id"]: 1 for d in sent}
    refused = [m for m, status in receiver.answered if status != 200]
    assert len(refused) == len(expected) // 2, (
        "every other message is refused once, then sent again"
    )
    requests = collections.Counter(m for m, _ in receiver.answered)
    attempts = collections.Counter(
        [a["delivery_id"] async for a in db[deliveries.ATTEMPTS].find({})]
    )
    assert attempts == requests

    # No process hit an error on the way.
    for log in logs:
        text = log.read_text()
        assert "Traceback" not in text, text
        assert '"level":"ERROR"' not in text, text


async def test_customers_created_while_the_schedulers_run_are_told_of_later_changes(
    deps: Deps, tmp_path: Path
) -> None:
    db = deps.db
    async with processes(deps, tmp_path) as (one, other, _):
        made = [
            (await api.gql(CUSTOMER, name=f"Late customer {n}"))["createCustomer"]
            for n, api in enumerate([one, other] * (CUSTOMERS // 2))
        ]
        added = await announce(one, kind="ADD", subprocessorId=await vendor(other, "Later Ltd"))

        async def expanded() -> bool:
            doc = await db["changes"].find_one({"_id": added})
            return doc is not None and doc.get("expanded") is True

        await wait_until("the addition's notices", expanded)

    told = {n["customer_id"] async for n in db["notices"].find({"change_id": added})}
    assert told == {m["customer"]["id"] for m in made}
