"""The ASGI application: routes, middleware and the resources of one process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from pymongo.errors import PyMongoError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from registry import devdb
from registry.api import graphiql
from registry.api.endpoint import GraphQLEndpoint
from registry.api.front_door import FrontDoor
from registry.api.schema import build_schema
from registry.clock import Clock, SystemClock
from registry.delivery.sender import build_client
from registry.http.body_limit import BodyLimit
from registry.http.conditional import conditional
from registry.http.header_limit import HeaderLimit
from registry.http.request_metrics import HttpMetrics, MetricsMiddleware
from registry.http.retirement import RetireWrites
from registry.scheduler.jobs import JOBS
from registry.scheduler.loop import Scheduler
from registry.services import operator, versions
from registry.services.access import KnownKeys
from registry.services.configuration import check_settings
from registry.services.deps import Deps
from registry.settings import Settings
from registry.store import ensure_indexes
from registry.store.database import connect, describe_uri
from registry.web import exports
from registry.web.console import console_routes
from registry.web.errors import exception_handlers
from registry.web.routes import web_routes

logger = logging.getLogger("registry")


class Registry(Starlette):
    """The app, with a front door (`api/front_door.py`) before its middleware stack."""

    front_door: FrontDoor | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.front_door is not None:
            scope["app"] = self
            passed = await self.front_door(scope, receive, send)
            if passed is None:
                return
            receive = passed
        await super().__call__(scope, receive, send)


class StartupError(RuntimeError):
    """The service cannot start; the message is safe to show (no credentials)."""


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def ready(request: Request) -> Response:
    deps: Deps = request.app.state.deps
    try:
        await asyncio.wait_for(deps.db.command("ping"), timeout=2)
    except (PyMongoError, TimeoutError):
        return JSONResponse({"status": "database unreachable"}, status_code=503)
    # An incomplete identity does not stop serving, but notices would come from nobody:
    # operators' checks read it here (and the console's overview says it).
    missing = await operator.missing(deps)
    return JSONResponse({"status": "ready", "details": {"operator": {"missing": missing}}})


def create_app(
    settings: Settings, *, clock: Clock | None = None, run_scheduler: bool = True
) -> Starlette:
    """Build the app; resources are opened in the lifespan, never at import time."""
    the_clock = clock or SystemClock()
    check_settings(settings)  # a bad or unsafe setting stops start-up, naming its variable

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        async with contextlib.AsyncExitStack() as stack:
            uri = settings.mongodb_uri
            if uri is None:
                uri = await asyncio.to_thread(stack.enter_context, devdb.embedded(settings))
                logger.info("embedded database started")
            client = connect(uri, timeout_s=settings.connect_timeout_s)
            stack.push_async_callback(client.close)
            db = client[settings.db_name]
            try:
                await db.command("ping")
                await ensure_indexes(db)
            except PyMongoError as exc:
                raise StartupError(
                    f"cannot reach MongoDB at {describe_uri(uri)}: {type(exc).__name__}"
                ) from None
            webhook_client = build_client()
            stack.push_async_callback(webhook_client.aclose)
            deps = Deps(db=db, clock=the_clock, settings=settings, webhook_client=webhook_client)
            app.state.deps = deps
            # Cached reads learn of writes from this watch, not a round trip per request,
            # and keys seen at the watched version are not looked up again.
            watch = versions.watch(deps)
            app.state.version_watch = watch
            app.state.known_keys = KnownKeys(watch.read)
            watcher = asyncio.create_task(watch.run(), name="registry-version")
            stack.push_async_callback(_cancel, watcher)
            scheduler = Scheduler(deps, JOBS)
            app.state.scheduler = scheduler
            if run_scheduler:
                task = asyncio.create_task(scheduler.run_forever(), name="scheduler")
                stack.push_async_callback(_stop_scheduler, scheduler, task, settings)
            yield {"deps": deps, "scheduler": scheduler}

    schema = build_schema()
    graphql = GraphQLEndpoint(schema)
    routes = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        Route(f"{graphiql.ASSET_PATH}/{{name:str}}", graphiql.asset),
        Route("/health", health),
        Route("/ready", ready),
        Route("/subprocessors.{fmt:str}", conditional(exports.subprocessor_list)),
        Route("/audit.jsonl", exports.audit_export),
        Route("/changes/{change_id:str}/notices.{fmt:str}", exports.proof_of_notice),
        *web_routes(),
        *console_routes(),
    ]
    metrics = HttpMetrics()
    app = Registry(
        routes=routes,
        lifespan=lifespan,
        middleware=[
            Middleware(HeaderLimit),
            Middleware(MetricsMiddleware, metrics=metrics),
            Middleware(BodyLimit),
            Middleware(RetireWrites),
        ],
        exception_handlers=dict(exception_handlers()),
    )
    app.state.schema = schema
    app.state.graphql = graphql
    app.front_door = FrontDoor(graphql, metrics)
    return app


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _stop_scheduler(
    scheduler: Scheduler, task: asyncio.Task[None], settings: Settings
) -> None:
    scheduler.stop()
    try:
        await asyncio.wait_for(task, timeout=settings.shutdown_timeout_s)
    except TimeoutError:
        logger.warning(
            "scheduler did not stop within %.0fs; cancelled", settings.shutdown_timeout_s
        )
    except asyncio.CancelledError:
        pass
