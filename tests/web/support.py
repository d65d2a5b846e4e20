"""Helpers for the web tests: an app with the web routes, registry data made through the
GraphQL API, and a real HTTP server (uvicorn on a free loopback port) for the browser.

`web_app` adds the web routes and the metrics middleware only when `create_app` does
not already, so these tests pass before and after the app wires them itself.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette

from registry.app import create_app
from registry.clock import FrozenClock
from registry.http.request_metrics import MetricsMiddleware
from registry.settings import Settings
from registry.web.routes import web_routes
from tests.conftest import Api

CUSTOMER = """
mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { __typename ... on CustomerCreated { customer { id } } }
}"""
SUB = """
mutation($input: CreateSubprocessorInput!) {
  createSubprocessor(input: $input) {
    __typename ... on SubprocessorCreated { subprocessor { id } }
  }
}"""
LOCATION = """
mutation($id: ID!, $input: ProcessingLocationInput!) {
  addProcessingLocation(subprocessorId: $id, input: $input) { __typename }
}"""
BASIS = """
mutation($id: ID!, $input: TransferBasisInput!) {
  recordTransferBasis(subprocessorId: $id, input: $input) { __typename }
}"""
ANNOUNCE = """
mutation($input: AnnounceChangeInput!) {
  announceChange(input: $input) {
    __typename ... on ChangeAnnounced { change { id effectiveAt } }
  }
}"""
CANCEL = """
mutation($id: ID!, $reason: String!) { cancelChange(id: $id, reason: $reason) { __typename } }"""
LIST = """
query($asOf: DateTime, $filter: SubprocessorFilter) {
  subprocessors(asOf: $asOf, filter: $filter, first: 100) {
    totalCount edges { node { legalName } }
  }
}"""

# name, purpose, [(country, role)], recorded transfer bases
ACTIVE_VENDORS: list[tuple[str, str, list[tuple[str, str]], list[dict[str, Any]]]] = [
    (
        "Amazon Web Services EMEA SARL",
        "Cloud hosting",
        [("DE", "STORAGE"), ("IE", "BACKUP")],
        [],
    ),
    (
        "Postmark (ActiveCampaign LLC)",
        "Transactional email",
        [("US", "PROCESSING")],
        [{"mechanism": "EU_US_DPF", "destination": "US", "validFrom": "2023-07-10"}],
    ),
    ("Zendesk, Inc.", "Customer support desk", [("US", "SUPPORT_ACCESS")], []),
    ("Hetzner Online GmbH", "Backups", [("DE", "BACKUP")], []),
]


@dataclass
class Seeded:
    admin: str
    customers: dict[str, str] = field(default_factory=dict)
    vendors: dict[str, str] = field(default_factory=dict)
    upcoming: str = ""
    upcoming_effective: str = ""
    cancelled: str = ""
    effective: list[str] = field(default_factory=list)


def web_app(settings: Settings, clock: FrozenClock) -> Starlette:
    app = create_app(settings, clock=clock, run_scheduler=False)
    paths = {getattr(route, "path", None) for route in app.router.routes}
    if "/changes.atom" not in paths:
        app.router.routes.extend(web_routes())
    wrapped: list[object] = [m.cls for m in app.user_middleware]
    if MetricsMiddleware not in wrapped:
        app.add_middleware(MetricsMiddleware)
    return app


@contextlib.asynccontextmanager
async def running_web_api(settings: Settings, clock: FrozenClock) -> AsyncIterator[Api]:
    app = web_app(settings, clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://registry.test") as http:
            yield Api(http, app.state.deps, clock, app.state.scheduler)


async def _typename(api: Api, query: str, variables: dict[str, Any], key: str, field: str) -> Any:
    data = await api.gql(query, variables, key)
    payload = data[field]
    assert not payload["__typename"].endswith(("Error", "NotFound", "Violation")), payload
    return payload


async def add_vendor(
    api: Api,
    key: str,
    name: str,
    purpose: str,
    locations: list[tuple[str, str]],
    bases: list[dict[str, Any]],
) -> str:
    payload = await _typename(
        api, SUB, {"input": {"legalName": name, "purpose": purpose}}, key, "createSubprocessor"
    )
    sub_id: str = payload["subprocessor"]["id"]
    for country, role in locations:
        await _typename(
            api,
            LOCATION,
            {"id": sub_id, "input": {"country": country, "role": role}},
            key,
            "addProcessingLocation",
        )
    for basis in bases:
        await _typename(api, BASIS, {"id": sub_id, "input": basis}, key, "recordTransferBasis")
    return sub_id


async def announce(api: Api, key: str, sub_id: str, description: str | None = None) -> str:
    values: dict[str, Any] = {"kind": "ADD", "subprocessorId": sub_id}
    if description:
        values["description"] = description
    payload = await _typename(api, ANNOUNCE, {"input": values}, key, "announceChange")
    change_id: str = payload["change"]["id"]
    return change_id


async def seed(api: Api, admin: str) -> Seeded:
    """Four vendors in force, one ADD announced for later, one ADD announced and cancelled.

    Customers: Acme (30-day notice, 14-day objection window) and Globex (one month), so
    every change takes effect a month after it is announced.
    """
    seeded = Seeded(admin=admin)
    for name, terms in [
        ("Acme", {"noticePeriod": "P30D", "objectionWindow": "P14D"}),
        ("Globex", {"noticePeriod": "P1M"}),
    ]:
        payload = await _typename(
            api, CUSTOMER, {"input": {"name": name, **terms}}, admin, "createCustomer"
        )
        seeded.customers[name] = payload["customer"]["id"]
    for name, purpose, locations, bases in ACTIVE_VENDORS:
        sub_id = await add_vendor(api, admin, name, purpose, locations, bases)
        seeded.vendors[name] = sub_id
        seeded.effective.append(await announce(api, admin, sub_id))
    await api.scheduler.run_until_idle()
    api.clock.advance(timedelta(days=40))
    await api.scheduler.run_until_idle()

    mailgun = await add_vendor(
        api,
        admin,
        "Mailgun Technologies, Inc.",
        "Email delivery",
        [("US", "PROCESSING")],
        [{"mechanism": "SCC_2021", "destination": "US", "sccModule": 3}],
    )
    seeded.vendors["Mailgun"] = mailgun
    seeded.upcoming = await announce(api, admin, mailgun, "Second email provider for failover")
    dropped = await add_vendor(
        api, admin, "Dropped Analytics Ltd", "Analytics", [("GB", "PROCESSING")], []
    )
    seeded.vendors["Dropped"] = dropped
    seeded.cancelled = await announce(api, admin, dropped)
    cancelled = await _typename(
        api, CANCEL, {"id": seeded.cancelled, "reason": "Not needed"}, admin, "cancelChange"
    )
    assert cancelled["__typename"] == "ChangeCancelled"
    await api.scheduler.run_until_idle()
    return seeded


async def total_count(
    api: Api, *, as_of: str | None = None, countries: list[str] | None = None
) -> int:
    variables: dict[str, Any] = {"asOf": as_of}
    if countries:
        variables["filter"] = {"country": countries}
    data = await api.gql(LIST, variables)
    count: int = data["subprocessors"]["totalCount"]
    return count


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextlib.contextmanager
def serving(
    app: Starlette, *, timeout: float = 20.0, sock: socket.socket | None = None
) -> Iterator[str]:
    """Serve `app` with uvicorn in a thread on a free loopback port (or on `sock`, bound
    by a caller that needed the address first); yields its base URL."""
    sock = sock or free_socket()
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, lifespan="on", log_level="warning", ws="none", http="h11", loop="asyncio"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="uvicorn", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)
        sock.close()
