"""Request metrics: counts and latency by route template and by GraphQL operation name,
kept in memory by `MetricsMiddleware` in a registry of its own (one per app, so test
apps never share counters); `/metrics` (web/metrics.py) adds them to its answer.

The middleware is plain ASGI (not BaseHTTPMiddleware): it wraps `send` to see the
status; the GraphQL endpoint, which parses the body anyway, names the operation
(`note_operation`) without the middleware buffering ahead of it.
"""

from __future__ import annotations

import bisect
import itertools
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SCOPE_KEY = "registry.metrics"
GRAPHQL_PATH = "/graphql"
MAX_OPERATIONS = 200
"""Distinct GraphQL operation names tracked; clients choose them, so cap the label set."""
OPERATION_KEY = "registry.operation"
_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]{0,63}$")
_DEFINITION = re.compile(r"\b(query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)")
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_BUCKET_LABELS = (*(repr(bound) for bound in _LATENCY_BUCKETS), "+Inf")  # as prometheus prints


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


def operation_name(query: str | None, name: str | None = None) -> str | None:
    """The operation a GraphQL request names: `operationName`, else the first definition.

    Not cached: a cache keyed by the query would keep callers' texts, and the search
    costs about what a digest of the (bounded) text would."""
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

    def __init__(
        self,
        app: ASGIApp,
        registry: CollectorRegistry | None = None,
        metrics: HttpMetrics | None = None,
    ) -> None:
        self.app = app
        # `metrics` shared with the app's front door, which counts the answers it gives.
        self.metrics = metrics or HttpMetrics(registry)

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
