"""Prometheus metrics: `/metrics` and the ASGI middleware that counts requests.

Two kinds of numbers:

- request counts and latency, by route template and by GraphQL operation name, kept in
  memory by `MetricsMiddleware` in a registry of its own (one per app, so test apps
  never share counters);
- the state of due work, computed from the database on every scrape (deliveries by
  channel and status, deliveries given up by channel and cause, failures staff are
  still to be told of, due backlog, oldest due age, scheduler lag), so every API
  process reports the same cluster-wide truth whichever one is scraped.

The middleware is plain ASGI (not BaseHTTPMiddleware): it wraps `send` to see the
status and, for GraphQL POSTs, `receive` to read the operation name from the body the
endpoint consumes anyway, without buffering ahead of it.
"""

from __future__ import annotations

import bisect
import functools
import hmac
import itertools
import logging
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector
from pymongo.errors import PyMongoError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from registry.domain.errors import Unauthenticated
from registry.domain.event_types import EventType
from registry.domain.models import Role
from registry.domain.webhooks import FailureKind
from registry.services import due_work
from registry.services.access import authenticate
from registry.services.deps import Deps
from registry.services.policy import require_role

logger = logging.getLogger("registry.metrics")

SCOPE_KEY = "registry.metrics"
GRAPHQL_PATH = "/graphql"
MAX_OPERATIONS = 200
"""Distinct GraphQL operation names tracked; clients choose them, so cap the label set."""
OPERATION_KEY = "registry.operation"
_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]{0,63}$")
_DEFINITION = re.compile(r"\b(query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)")
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_BUCKET_LABELS = (*(repr(bound) for bound in _LATENCY_BUCKETS), "+Inf")  # as prometheus prints
DELIVERY_STATUSES = ("PENDING", "DELIVERED", "FAILED")
CHANNELS = ("webhook", "email")


@dataclass(slots=True)
class _Latencies:
    """One histogram series: counts per bucket (the last is +Inf) and the sum."""

    counts: list[int] = field(default_factory=lambda: [0] * (len(_LATENCY_BUCKETS) + 1))
    total: float = 0.0

    def observe(self, seconds: float) -> None:
        self.counts[bisect.bisect_left(_LATENCY_BUCKETS, seconds)] += 1
        self.total += seconds

    def buckets(self) -> list[tuple[str, float]]:
        return list(zip(_BUCKET_LABELS, itertools.accumulate(self.counts), strict=True))


class HttpMetrics:
    """The in-memory request metrics of one app, in their own registry.

    Plain counters in dicts, turned into metric families when scraped: prometheus_client's
    Counter and Histogram take a lock and walk their buckets on every request, which
    showed in the cost of a cached answer."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry(auto_describe=True)
        self.requests: dict[tuple[str, str, str], int] = {}
        self.latency: dict[tuple[str, str], _Latencies] = {}
        self.operations: dict[tuple[str, str], int] = {}
        self.operation_latency: dict[str, _Latencies] = {}
        self._operation_names: set[str] = set()
        self._children: dict[tuple[str, str, int, str | None], tuple[Any, ...]] = {}
        self.registry.register(_HttpCollector(self))

    def operation_label(self, name: str | None) -> str:
        if not name:
            return "anonymous"
        if not _NAME.match(name):
            return "invalid"
        if name not in self._operation_names:
            if len(self._operation_names) >= MAX_OPERATIONS:
                return "other"
            self._operation_names.add(name)
        return name

    def observe(
        self, route: str, method: str, status: int, seconds: float, operation: str | None
    ) -> None:
        # The label tuples and series are looked up once per label set.
        key = (route, method, status, operation)
        children = self._children.get(key)
        if children is None:
            code = str(status)
            children = self._children[key] = (
                (route, method, code),
                self.latency.setdefault((route, method), _Latencies()),
                (operation, code) if operation is not None else None,
                self.operation_latency.setdefault(operation, _Latencies())
                if operation is not None
                else None,
            )
        requests, latency, operations, operation_latency = children
        self.requests[requests] = self.requests.get(requests, 0) + 1
        latency.observe(seconds)
        if operations is not None and operation_latency is not None:
            self.operations[operations] = self.operations.get(operations, 0) + 1
            operation_latency.observe(seconds)


class _HttpCollector(Collector):
    def __init__(self, http: HttpMetrics) -> None:
        self.http = http

    def collect(self) -> Iterable[Metric]:
        http = self.http
        requests = CounterMetricFamily(
            "registry_http_requests",
            "HTTP requests by route template, method and status code.",
            labels=("route", "method", "status"),
        )
        for labels, count in http.requests.items():
            requests.add_metric(labels, count)
        latency = HistogramMetricFamily(
            "registry_http_request_duration_seconds",
            "HTTP request latency by route template and method.",
            labels=("route", "method"),
        )
        for route_method, series in http.latency.items():
            latency.add_metric(route_method, series.buckets(), series.total)
        operations = CounterMetricFamily(
            "registry_graphql_operations",
            "GraphQL requests by operation name and HTTP status code.",
            labels=("operation", "status"),
        )
        for operation_status, count in http.operations.items():
            operations.add_metric(operation_status, count)
        operation_latency = HistogramMetricFamily(
            "registry_graphql_operation_duration_seconds",
            "GraphQL request latency by operation name.",
            labels=("operation",),
        )
        for operation, series in http.operation_latency.items():
            operation_latency.add_metric((operation,), series.buckets(), series.total)
        return [requests, latency, operations, operation_latency]


def _route_label(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    # Unmatched paths are not labels: a scanner would blow up the series count.
    return path if isinstance(path, str) else "unmatched"


@functools.lru_cache(maxsize=1024)
def operation_name(query: str | None, name: str | None = None) -> str | None:
    """The operation a GraphQL request names: `operationName`, else the first definition."""
    if name:
        return name
    if isinstance(query, str):
        found = _DEFINITION.search(query)
        if found:
            return found.group(2)
    return None


def note_operation(scope: Scope, query: str | None, name: str | None) -> None:
    """Called by the GraphQL endpoint, which has already parsed the request body."""
    scope[OPERATION_KEY] = operation_name(query, name)


class MetricsMiddleware:
    """Counts every HTTP request; `Middleware(MetricsMiddleware)` in the app's middleware."""

    def __init__(self, app: ASGIApp, registry: CollectorRegistry | None = None) -> None:
        self.app = app
        self.metrics = HttpMetrics(registry)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope[SCOPE_KEY] = self.metrics
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            seconds = time.perf_counter() - started
            operation: str | None = None
            if scope.get("path") == GRAPHQL_PATH:
                operation = self.metrics.operation_label(scope.get(OPERATION_KEY))
            self.metrics.observe(
                _route_label(scope), str(scope.get("method", "")), status, seconds, operation
            )


@dataclass(slots=True)
class DatabaseSnapshot:
    up: bool = True
    deliveries: dict[tuple[str, str], int] | None = None
    by_event_type: dict[tuple[str, str], int] | None = None
    backlog: dict[str, int] | None = None
    oldest_age: dict[str, float] | None = None
    failures: dict[tuple[str, str], int] | None = None
    alerts_pending: int | None = None


def _deliveries(
    found: dict[tuple[str, str, str], int],
) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], int]]:
    """Deliveries by (channel, status) and by (event type, status), every known type shown."""
    counts: dict[tuple[str, str], int] = {("webhook", s): 0 for s in DELIVERY_STATUSES}
    by_type: dict[tuple[str, str], int] = {
        (t.value, s): 0 for t in EventType for s in DELIVERY_STATUSES
    }
    for (channel, event_type, status), n in found.items():
        counts[(channel, status)] = counts.get((channel, status), 0) + n
        by_type[(event_type, status)] = by_type.get((event_type, status), 0) + n
    return counts, by_type


async def snapshot(deps: Deps) -> DatabaseSnapshot:
    """Count due work and deliveries; any collection may be empty or not exist yet."""
    now = deps.clock.now()
    try:
        deliveries, by_type = _deliveries(await due_work.delivery_counts(deps))
        failures = {(c, k.value): 0 for c in CHANNELS for k in FailureKind}
        failures.update(await due_work.delivery_failures(deps))
        alerts_pending = await due_work.staff_alerts_pending(deps)
        work = await due_work.backlogs(deps)
    except PyMongoError:
        logger.warning("metrics: database unreachable", exc_info=True)
        return DatabaseSnapshot(up=False)
    backlog = {kind: b.count for kind, b in work.items()}
    oldest_age = {
        kind: max((now - b.oldest_due).total_seconds(), 0.0) if b.oldest_due else 0.0
        for kind, b in work.items()
    }
    return DatabaseSnapshot(
        True, deliveries, by_type, backlog, oldest_age, failures, alerts_pending
    )


class _SnapshotCollector(Collector):
    def __init__(self, data: DatabaseSnapshot) -> None:
        self.data = data

    def collect(self) -> Iterable[Metric]:
        data = self.data
        up = GaugeMetricFamily("registry_database_up", "1 if the last scrape reached MongoDB.")
        up.add_metric([], 1.0 if data.up else 0.0)
        yield up
        if data.deliveries is not None:
            deliveries = GaugeMetricFamily(
                "registry_deliveries",
                "Deliveries in the outbox by channel and status.",
                labels=("channel", "status"),
            )
            for (channel, status), n in sorted(data.deliveries.items()):
                deliveries.add_metric([channel, status], float(n))
            yield deliveries
        if data.by_event_type is not None:
            typed = GaugeMetricFamily(
                "registry_deliveries_by_event_type",
                "Deliveries in the outbox by event type and status.",
                labels=("event_type", "status"),
            )
            for (event_type, status), n in sorted(data.by_event_type.items()):
                typed.add_metric([event_type, status], float(n))
            yield typed
        if data.failures is not None:
            failed = GaugeMetricFamily(
                "registry_deliveries_failed",
                "Deliveries given up, by channel and cause: unrenderable (the message could "
                "not be built), refused (for good by the receiver), retries_exhausted, "
                "not_sent (withheld on purpose: unsubscribed, subscription deleted).",
                labels=("channel", "cause"),
            )
            for (channel, cause), n in sorted(data.failures.items()):
                failed.add_metric([channel, cause], float(n))
            yield failed
        if data.alerts_pending is not None:
            alerts = GaugeMetricFamily(
                "registry_staff_alerts_pending",
                "Failed deliveries staff have not yet been told of by e-mail "
                "(REGISTRY_STAFF_EMAIL); grows while it is unset or unreachable.",
            )
            alerts.add_metric([], float(data.alerts_pending))
            yield alerts
        if data.backlog is not None and data.oldest_age is not None:
            backlog = GaugeMetricFamily(
                "registry_due_backlog", "Work items due now, by kind.", labels=("kind",)
            )
            oldest = GaugeMetricFamily(
                "registry_oldest_due_age_seconds",
                "How long the oldest due work item of each kind has been due (0 if none).",
                labels=("kind",),
            )
            for kind in sorted(data.backlog):
                backlog.add_metric([kind], float(data.backlog[kind]))
                oldest.add_metric([kind], data.oldest_age.get(kind, 0.0))
            yield backlog
            yield oldest
            lag = GaugeMetricFamily(
                "registry_scheduler_lag_seconds",
                "How far behind due work the scheduler is: the oldest due age over all kinds.",
            )
            lag.add_metric([], max(data.oldest_age.values(), default=0.0))
            yield lag


def exposition(http: HttpMetrics | None, data: DatabaseSnapshot) -> bytes:
    """The text format of both sources (distinct metric names, so they concatenate)."""
    scraped = CollectorRegistry(auto_describe=False)
    scraped.register(_SnapshotCollector(data))
    text = generate_latest(http.registry) if http is not None else b""
    return text + generate_latest(scraped)


def _scrape_token(deps: Deps, authorization: str | None) -> bool:
    """Whether the request carries the configured scrape token (compared in constant time)."""
    token = deps.settings.metrics_token
    scheme, _, presented = (authorization or "").partition(" ")
    return bool(
        token
        and scheme.lower() == "bearer"
        and hmac.compare_digest(presented.strip().encode(), token.encode())
    )


async def _require_scraper(deps: Deps, request: Request) -> None:
    """`/metrics` shows operations (queue depths, request counts): ADMIN keys or the token."""
    authorization = request.headers.get("authorization")
    if _scrape_token(deps, authorization):
        return
    caller = await authenticate(deps, authorization)
    if caller.is_anonymous:
        raise Unauthenticated("/metrics needs an ADMIN key or REGISTRY_METRICS_TOKEN")
    require_role(caller, Role.ADMIN)


async def metrics(request: Request) -> Response:
    """`GET /metrics`: Prometheus text format, for an ADMIN key or the scrape token."""
    deps: Deps = request.app.state.deps
    await _require_scraper(deps, request)  # refusals are answered by web/errors.py
    http: Any = request.scope.get(SCOPE_KEY)
    body = exposition(http if isinstance(http, HttpMetrics) else None, await snapshot(deps))
    return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"cache-control": "no-store"})
