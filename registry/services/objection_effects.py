"""What follows from an objection's recorded state (DESIGN.md section 10).

Filing (the insert) and resolving (a guarded OPEN → RESOLVED write) are the commit
points; each marks the objection unsettled. The events and the resolution's effect on
the customer's notice follow here in idempotent steps, at once and, after a crash, from
the scheduler's `settle_objections`, as for changes (services/change_effects.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from registry.domain.event_types import EventType
from registry.domain.models import Objection, ObjectionResolution, ObjectionStatus
from registry.services import change_effects, rendering, settling
from registry.services.deps import Deps
from registry.store import changes, events, notices, objections

Step = Callable[[Deps, Objection], Awaitable[None]]


async def _tell(deps: Deps, objection: Objection, type: EventType) -> None:
    change = await changes.get(deps.db, objection.change_id)
    notice = await notices.for_customer(deps.db, objection.change_id, objection.customer_id)
    if change is None or notice is None:
        return
    at = objection.resolved_at if type is EventType.OBJECTION_RESOLVED else None
    await events.emit(
        deps.db,
        await rendering.event_for(
            deps,
            type,
            change,
            notice,
            occurred_at=at or objection.filed_at,
            dedupe=objection.id,
            objection=objection,
        ),
    )


async def tell_filed(deps: Deps, objection: Objection) -> None:
    await _tell(deps, objection, EventType.OBJECTION_FILED)


async def apply_resolution(deps: Deps, objection: Objection) -> None:
    """The customer's notice follows a resolution that cancels the change for it; the
    vendor the change takes is kept for an excluded customer, and used by one whose
    contract ends only until the end."""
    if objection.resolution is ObjectionResolution.CHANGE_CANCELLED_FOR_CUSTOMER:
        await notices.cancel_for_customer(deps.db, objection.change_id, objection.customer_id)
    elif objection.resolution is not ObjectionResolution.CUSTOMER_TERMINATES:
        return
    change = await changes.get(deps.db, objection.change_id)
    if change is not None:
        await change_effects.release_taken(deps, change)


async def tell_resolved(deps: Deps, objection: Objection) -> None:
    await _tell(deps, objection, EventType.OBJECTION_RESOLVED)


STEPS: dict[ObjectionStatus, tuple[Step, ...]] = {
    ObjectionStatus.OPEN: (tell_filed,),
    # The filing's event too: a crash may have left it untold before the resolution.
    ObjectionStatus.RESOLVED: (tell_filed, apply_resolution, tell_resolved),
}
"""Each state's effects in order; every step can run again with the same outcome."""


async def settle(deps: Deps, owner: str, objection_id: str | None = None) -> Objection | None:
    found: Objection | None = await settling.settle(deps, owner, objections, STEPS, objection_id)
    return found


async def settle_now(deps: Deps, objection: Objection) -> None:
    await settling.settle_now(deps, objection.id, settle)


async def settle_objections(deps: Deps, worker_id: str) -> int:
    """The scheduler's job: settle one objection whose effects a crash left undone."""
    return 0 if await settle(deps, worker_id) is None else 1
