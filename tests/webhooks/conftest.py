"""Webhook fixtures: a scriptable receiver on 127.0.0.1, stub DNS, a schema of our fields.

Customer host names resolve through a stub (`hooks.example.test` -> 127.0.0.1,
`internal.example.test` -> 10.0.0.5); nothing is ever sent beyond loopback.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
import strawberry
from standardwebhooks import Webhook

from registry.api.context import Context
from registry.api.loaders import Loaders
from registry.api.mutations.webhooks import WebhookMutations
from registry.api.queries_webhooks import WebhookQueries
from registry.clock import SystemClock
from registry.domain.drafts import CustomerDraft
from registry.domain.event_types import EventType
from registry.domain.events import Event
from registry.domain.models import Role
from registry.services import customers
from registry.services.access import authenticate
from registry.services.caller import Caller
from registry.services.deps import Deps
from registry.store import deliveries, delivery_queue, events, webhook_subscriptions
from tests.conftest import Api
from tests.event_bodies import event_data, with_change

HOOK_HOST = "hooks.example.test"
INTERNAL_HOST = "internal.example.test"
ADMIN = Caller(role=Role.ADMIN)


class StubDns:
    """Names to addresses; tests change answers to model DNS rebinding."""

    def __init__(self) -> None:
        self.answers = {HOOK_HOST: ["127.0.0.1"], INTERNAL_HOST: ["10.0.0.5"]}

    async def __call__(self, host: str, port: int) -> list[str]:
        if host not in self.answers:
            raise OSError(f"unknown host {host}")
        return list(self.answers[host])


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A raw HTTP/1.1 endpoint: the next answers from `script`, then by path, else `default`.

    An answer is a status ("500"), a status and Retry-After ("429 120"), or "hang".
    """

    default: str = "200"
    script: list[str] = field(default_factory=list)
    routes: dict[str, str] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    port: int = 0
    _server: asyncio.Server | None = None
    _handlers: set[asyncio.Task[None]] = field(default_factory=set)
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def url(self, path: str = "/hook", host: str = HOOK_HOST) -> str:
        return f"http://{host}:{self.port}{path}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Close the port: connections are refused until `start()` again."""
        if self._server is None:
            return
        self._server.close()
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        await self._server.wait_closed()
        self._server = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            request_line, *lines = head.removesuffix("\r\n\r\n").split("\r\n")
            _, path, _ = request_line.split(" ")
            headers = {k.strip().lower(): v.strip() for k, v in (ln.split(":", 1) for ln in lines)}
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            self.received.append(Received(path, headers, body))
            self._arrived.set()
            answer = self.script.pop(0) if self.script else self.routes.get(path, self.default)
            if answer == "hang":
                await reader.read()  # until the client gives up
                return
            status, _, extra = answer.partition(" ")
            extra_header = f"retry-after: {extra}\r\n" if extra else ""
            if status.startswith("3"):
                extra_header = "location: http://127.0.0.1:9/elsewhere\r\n"
            reply = f"answer {status}".encode()
            writer.write(
                f"HTTP/1.1 {status} X\r\ncontent-length: {len(reply)}\r\n"
                f"connection: close\r\n{extra_header}\r\n".encode()
                + reply
            )
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                await writer.wait_closed()
            self._handlers.discard(task)

    async def wait_for_requests(self, count: int) -> None:
        """Until `count` requests have arrived in all (30 s at most)."""
        async with asyncio.timeout(30):
            while len(self.received) < count:
                self._arrived.clear()
                await self._arrived.wait()

    def ids(self) -> list[str]:
        return [r.headers["webhook-id"] for r in self.received]


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    await receiver.start()
    try:
        yield receiver
    finally:
        await receiver.stop()


@pytest.fixture
def dns() -> StubDns:
    return StubDns()


@pytest.fixture
async def deps(api: Api, dns: StubDns) -> Deps:
    """The app's deps with stub DNS, over empty webhook collections, at real time.

    Real time so `standardwebhooks`' five-minute freshness check accepts what we sign
    until a test moves the clock.
    """
    db = api.deps.db
    await webhook_subscriptions.ensure_indexes(db)
    await deliveries.ensure_indexes(db)
    await delivery_queue.ensure_indexes(db)
    webhook_collections = (
        deliveries.NAME,
        deliveries.ATTEMPTS,
        delivery_queue.NAME,
        delivery_queue.LEASES,
    )
    for name in (webhook_subscriptions.NAME, *webhook_collections, events.NAME):
        await db[name].delete_many({})
    api.clock.set(SystemClock().now())
    return dataclasses.replace(api.deps, resolver=dns)


async def new_customer(deps: Deps, name: str = "Acme") -> str:
    customer = await customers.create_customer(deps, ADMIN, CustomerDraft(name))
    return customer.id


def customer_caller(customer_id: str) -> Caller:
    return Caller(role=Role.CUSTOMER, customer_id=customer_id)


async def emit_event(
    deps: Deps, customer_id: str, type: str = "change.announced", **data: Any
) -> str:
    event = Event(
        type=EventType(type),
        customer_id=customer_id,
        occurred_at=deps.clock.now(),
        dedupe_key=f"test:{uuid.uuid4().hex}",
        data=with_change(event_data(customer_id, type), **data),
    )
    assert await events.emit(deps.db, event)
    return events.id_of(event)


async def emit_announcements(deps: Deps, customer_id: str, count: int) -> None:
    """`count` change announcements to one customer, stored in one write."""
    now = deps.clock.now()
    batch = [
        Event(
            type=EventType.CHANGE_ANNOUNCED,
            customer_id=customer_id,
            occurred_at=now,
            dedupe_key=f"load:{uuid.uuid4().hex}",
            data=event_data(customer_id),
        )
        for _ in range(count)
    ]
    assert await events.emit_many(deps.db, batch) == count


def signed_by(secret: str, received: Received) -> bool:
    """The `standardwebhooks` signature check, without its wall-clock freshness test."""
    timestamp = datetime.fromtimestamp(int(received.headers["webhook-timestamp"]), UTC)
    expected = Webhook(secret).sign(
        received.headers["webhook-id"], timestamp, received.body.decode()
    )
    return expected in received.headers["webhook-signature"].split(" ")


@strawberry.type
class _Query(WebhookQueries):
    pass


SCHEMA = strawberry.Schema(query=_Query, mutation=WebhookMutations)


async def gql(
    deps: Deps, key: str, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Our fields over our own schema, authenticated by a real API key."""
    caller = await authenticate(deps, f"Bearer {key}")
    context = Context(deps, caller, uuid.uuid4().hex, Loaders(deps, caller))
    result = await SCHEMA.execute(query, variable_values=variables, context_value=context)
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data
