"""The state of the registry's background work, for operators (`/metrics`).

Each kind of due work is counted with the query its job claims with (the store owns
both), so the backlog shown is exactly what the scheduler would pick up next.
"""

from __future__ import annotations

from registry.services.deps import Deps
from registry.store import (
    changes,
    deliveries,
    delivery_queue,
    events,
    notice_schedule,
    objections,
    staff_alerts,
)
from registry.store.database import Backlog

__all__ = ["Backlog", "backlogs", "delivery_counts", "delivery_failures", "staff_alerts_pending"]


async def backlogs(deps: Deps) -> dict[str, Backlog]:
    """Due work by kind: how many items, and since when the oldest is due."""
    now = deps.clock.now()
    return {
        "change_expansion": await changes.expansion_backlog(deps.db),
        "change_effective": await changes.effective_backlog(deps.db, now),
        "change_effects": await changes.settling_backlog(deps.db),
        "objection_effects": await objections.settling_backlog(deps.db),
        "reminder": await notice_schedule.due_backlog(deps.db, notice_schedule.REMINDER, now),
        "lagging_notice": await notice_schedule.due_backlog(deps.db, notice_schedule.LAGGING, now),
        "event_dispatch": await events.dispatch_backlog(deps.db),
        "delivery": await delivery_queue.due_backlog(deps.db, now),
    }


async def delivery_counts(deps: Deps) -> dict[tuple[str, str, str], int]:
    """Deliveries by (channel, event type, status)."""
    return await deliveries.counts(deps.db)


async def delivery_failures(deps: Deps) -> dict[tuple[str, str], int]:
    """Deliveries given up, by (channel, failure kind)."""
    return await deliveries.failure_counts(deps.db)


async def staff_alerts_pending(deps: Deps) -> int:
    """Failed deliveries staff have not yet been told of."""
    return await staff_alerts.count_pending(deps.db)
