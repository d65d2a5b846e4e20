"""Prometheus metrics: `/metrics`.

Three kinds of numbers:

- request counts and latency, kept in memory by the middleware (http/request_metrics.py);
- the writes asked for in this process, by channel, action and outcome (services/runner.py);
- the state of due work, computed from the database on every scrape (deliveries by
  channel and status, deliveries given up by channel and cause, failures staff are
  still to be told of, due backlog, oldest due age, scheduler lag), so every API
  process reports the same cluster-wide truth whichever one is scraped.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    Metric,
)
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector
from pymongo.errors import PyMongoError
from starlette.requests import Request
from starlette.responses import Response

from registry.domain.errors import Unauthenticated
from registry.domain.event_types import EventType
from registry.domain.models import Role
from registry.domain.webhooks import FailureKind
from registry.http.request_metrics import SCOPE_KEY, HttpMetrics
from registry.services import due_work
from registry.services.access import authenticate
from registry.services.deps import Deps
from registry.services.policy import require_role

logger = logging.getLogger("registry.metrics")

DELIVERY_STATUSES = ("PENDING", "DELIVERED", "FAILED")
CHANNELS = ("webhook", "email")


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


class _UseCaseCollector(Collector):
    def __init__(self, counts: Mapping[tuple[str, str, str], int]) -> None:
        self.counts = dict(counts)

    def collect(self) -> Iterable[Metric]:
        ran = CounterMetricFamily(
            "registry_use_cases",
            "Writes asked for in this process, by channel (api, console, notices), action "
            "and outcome (ok, or the refusal: ValidationError, EditConflict, ...).",
            labels=("channel", "action", "outcome"),
        )
        for (channel, action, outcome), n in sorted(self.counts.items()):
            ran.add_metric([channel, action, outcome], float(n))
        yield ran


def exposition(
    http: HttpMetrics | None,
    data: DatabaseSnapshot,
    use_cases: Mapping[tuple[str, str, str], int] | None = None,
) -> bytes:
    """The text format of all sources (distinct metric names, so they concatenate)."""
    scraped = CollectorRegistry(auto_describe=False)
    scraped.register(_SnapshotCollector(data))
    scraped.register(_UseCaseCollector(use_cases or {}))
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
    body = exposition(
        http if isinstance(http, HttpMetrics) else None, await snapshot(deps), deps.use_cases
    )
    return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"cache-control": "no-store"})
