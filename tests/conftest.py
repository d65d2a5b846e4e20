"""Shared fixtures: one real database server per session, one database per module.

Without MONGODB_URI the embedded FerretDB is started once on a free port; with it,
the suite runs against that server. Nothing here mocks the database.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import hypothesis
import jsonschema
import pytest
from pymongo import AsyncMongoClient

from registry import devdb
from registry.app import create_app
from registry.clock import FrozenClock
from registry.delivery import notice_links
from registry.delivery.bodies import render_body
from registry.domain.events import Event
from registry.domain.models import Role
from registry.scheduler.loop import Scheduler
from registry.services.access import create_api_key
from registry.services.deps import Deps
from registry.settings import Settings
from registry.store import events
from registry.store.database import Document, connect

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

# Hypothesis's per-example deadline is a wall-clock bound: on a busy machine it fails an
# example for being slow, not for being wrong. The number of examples bounds the work.
hypothesis.settings.register_profile("registry", deadline=None)
hypothesis.settings.load_profile("registry")


@pytest.fixture(scope="session")
def mongo_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if uri := os.environ.get("MONGODB_URI"):
        yield uri
        return
    with devdb.running(tmp_path_factory.mktemp("devdb")) as uri:
        yield uri


@pytest.fixture(scope="session")
async def mongo_client(mongo_uri: str) -> AsyncIterator[AsyncMongoClient[Document]]:
    client = connect(mongo_uri)
    yield client
    await client.close()


@pytest.fixture(scope="module")
async def db_name(
    request: pytest.FixtureRequest, mongo_client: AsyncMongoClient[Document]
) -> AsyncIterator[str]:
    module = Path(str(request.module.__file__)).stem.removeprefix("test_")[:20]
    name = f"t_{module}_{uuid.uuid4().hex[:8]}"
    yield name
    await mongo_client.drop_database(name)


def make_settings(mongo_uri: str, db_name: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "mongodb_uri": mongo_uri,
        "db_name": db_name,
        "webhook_allow_cidrs": "127.0.0.1/32",
        "secret_key": "test-secret-key",
        "scheduler_interval": "50ms",
        "connect_timeout_s": 5.0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


class Api:
    """A GraphQL client over the ASGI app, with the app's deps and a movable clock."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        deps: Deps,
        clock: FrozenClock,
        scheduler: Scheduler,
        app: Any = None,
    ) -> None:
        self.http = http
        self.deps = deps
        self.clock = clock
        self.scheduler = scheduler
        self.app = app

    def client_from(self, host: str) -> httpx.AsyncClient:
        """Another HTTP client to the same app, seen as coming from `host`."""
        transport = httpx.ASGITransport(app=self.app, client=(host, 50000))
        return httpx.AsyncClient(transport=transport, base_url="http://registry.test")

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, key: str | None = None
    ) -> httpx.Response:
        headers = {"authorization": f"Bearer {key}"} if key else {}
        return await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )

    async def gql(
        self, query: str, variables: dict[str, Any] | None = None, key: str | None = None
    ) -> dict[str, Any]:
        """Run a query that must succeed; returns `data`."""
        response = await self.post(query, variables, key)
        body = response.json()
        assert response.status_code == 200, body
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    async def key(self, role: Role, customer_id: str | None = None, name: str = "test") -> str:
        _, key = await create_api_key(self.deps, name=name, role=role, customer_id=customer_id)
        return key


@contextlib.asynccontextmanager
async def running_api(settings: Settings, clock: FrozenClock) -> AsyncIterator[Api]:
    app = create_app(settings, clock=clock, run_scheduler=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://registry.test") as http:
            yield Api(http, app.state.deps, clock, app.state.scheduler, app)


@contextlib.asynccontextmanager
async def api_of_its_own(
    mongo_uri: str, mongo_client: AsyncMongoClient[Document], prefix: str
) -> AsyncIterator[Api]:
    """An app on a database of its own, at START, dropped afterwards: for a test whose
    figures count everything in the registry (a register, a total)."""
    name = f"t_{prefix}_{uuid.uuid4().hex[:8]}"
    try:
        async with running_api(make_settings(mongo_uri, name), FrozenClock(START)) as api:
            yield api
    finally:
        await mongo_client.drop_database(name)


@pytest.fixture(scope="module")
async def api(mongo_uri: str, db_name: str) -> AsyncIterator[Api]:
    clock = FrozenClock(START)
    async with running_api(make_settings(mongo_uri, db_name), clock) as client:
        yield client


@pytest.fixture(scope="module")
async def admin_key(api: Api) -> str:
    return await api.key(Role.ADMIN, name="admin")


@pytest.fixture(scope="module")
async def procurement_key(api: Api) -> str:
    return await api.key(Role.PROCUREMENT, name="procurement")


# --- every event the suite produces is checked against the published JSON Schemas ------

EVENT_SCHEMAS = Path(__file__).resolve().parents[1] / "schema" / "events"
_LINK_KEY = notice_links.link_key("schema-check")


@functools.cache
def event_validator(event_type: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((EVENT_SCHEMAS / f"{event_type}.json").read_text())
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def validate_event(event: Document) -> None:
    """The body a receiver gets (signed link put in) must match its type's schema."""
    body = notice_links.fill_in(render_body(event), _LINK_KEY, "https://registry.example")
    event_validator(event["type"]).validate(json.loads(body))


@pytest.fixture(scope="session", autouse=True)
def events_match_their_schemas() -> Iterator[None]:
    original = events.to_document

    def checked(event: Event) -> Document:
        made = original(event)
        validate_event(made)
        return made

    events.to_document = checked  # every emitted event is stored through it
    try:
        yield
    finally:
        events.to_document = original
