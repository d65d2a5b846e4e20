"""What follows from a change's recorded state (DESIGN.md section 10).

Every transition of a change (announce, cancel, take effect) is one guarded write —
the commit point — that also marks the change unsettled. The effects of the state it
now records (the vendor's plan or status, notices, events, the registry version) are
applied here, by steps that are each idempotent, under the change's lease; only when
all are done is the change marked settled, guarded by the state they were derived
from. The mutation settles at once; the scheduler's `settle_changes` re-drives any
change a crash left unsettled, so a crash anywhere ends as if there had been none.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from registry.domain import timeline
from registry.domain.event_types import EventType
from registry.domain.models import Change, ChangeKind, ChangeStatus, NoticeStatus
from registry.services import (
    chain_plans,
    location_changes,
    rendering,
    settling,
    snapshots,
    subscribers,
)
from registry.services.deps import Deps
from registry.store import changes, notices, objections, subprocessors

Step = Callable[[Deps, Change], Awaitable[None]]


async def plan(deps: Deps, change: Change) -> None:
    """Record the announced interval on the vendors, so as-of views see the future."""
    await _plan(deps, change, undo=False)


async def withdraw_plan(deps: Deps, change: Change) -> None:
    await _plan(deps, change, undo=True)


async def _plan(deps: Deps, change: Change, *, undo: bool) -> None:
    when = None if undo else change.effective_at
    if change.kind in (ChangeKind.ADD, ChangeKind.REPLACE):
        await subprocessors.plan_start(deps.db, change.subprocessor_id, when)
    if change.kind is ChangeKind.REPLACE and change.replaces_id:
        await subprocessors.plan_end(deps.db, change.replaces_id, when)
    if change.kind is ChangeKind.REMOVE:
        await subprocessors.plan_end(deps.db, change.subprocessor_id, when)


async def keep_snapshot(deps: Deps, change: Change) -> None:
    """The vendor as announced, taken once (the first one taken is kept)."""
    await snapshots.of_change(deps, change)


async def cancel_notices(deps: Deps, change: Change) -> None:
    await notices.set_status(deps.db, change.id, NoticeStatus.CANCELLED, only=NoticeStatus.PENDING)


async def tell_cancelled(deps: Deps, change: Change) -> None:
    await rendering.emit_for_reachable(deps, change, EventType.CHANGE_CANCELLED)


async def tell_public_cancelled(deps: Deps, change: Change) -> None:
    await subscribers.emit_public(deps, change, EventType.CHANGE_CANCELLED)


async def move_vendors(deps: Deps, change: Change) -> None:
    """Vendor statuses and scope as of the change's date (each transition once)."""
    at = change.effective_at
    if change.kind in (ChangeKind.ADD, ChangeKind.REPLACE):
        await subprocessors.activate(deps.db, change.subprocessor_id, at)
    await release_taken(deps, change)
    if change.scope is not None:
        await subprocessors.set_scope(deps.db, change.subprocessor_id, change.scope)


async def release_taken(deps: Deps, change: Change) -> None:
    """The vendor a change in effect takes away retires only once no customer's timeline
    uses it (domain/timeline.py): until then the company and the public see it as being
    replaced until the last customer's own date, or kept while a customer is excluded.
    Asked again when a lagging notice takes effect and when an objection excludes one."""
    taken = change.replaces_id if change.kind is ChangeKind.REPLACE else None
    if change.kind is ChangeKind.REMOVE:
        taken = change.subprocessor_id
    if taken is None or change.status is not ChangeStatus.EFFECTIVE:
        return
    # A customer whose contract ends before its own date uses the vendor until the end.
    ends = await objections.contract_ends(deps.db)
    wanted = len(ends) + 1  # enough of the latest notices (timeline.last_use)
    pending = timeline.last_use(
        await notices.latest(deps.db, change.id, NoticeStatus.PENDING, wanted), ends
    )
    excluded = await notices.cancelled_count(deps.db, change.id)
    if timeline.vendors_released(pending, excluded, deps.clock.now()):
        reached = timeline.last_use(
            await notices.latest(deps.db, change.id, NoticeStatus.EFFECTIVE, wanted), ends
        )
        last = max(d for d in (change.effective_at, pending, reached) if d is not None)
        await subprocessors.retire(deps.db, taken, last)
    else:
        await subprocessors.plan_end(deps.db, taken, None if excluded else pending)


async def notices_take_effect(deps: Deps, change: Change) -> None:
    """Notices due by the moment the change took effect (later ones lag on their own)."""
    await notices.take_effect_due(deps.db, change.id, change.applied_at or change.effective_at)


async def tell_effective(deps: Deps, change: Change) -> None:
    """Only customers whose own date has come: a customer whose terms refused an
    emergency replacement is told on its later date (change_jobs.apply_lagging_notices)."""
    await rendering.emit_for_reachable(
        deps, change, EventType.CHANGE_EFFECTIVE, only=NoticeStatus.EFFECTIVE
    )


async def tell_public_effective(deps: Deps, change: Change) -> None:
    await subscribers.emit_public(deps, change, EventType.CHANGE_EFFECTIVE)


STEPS: dict[ChangeStatus, tuple[Step, ...]] = {
    ChangeStatus.ANNOUNCED: (plan, keep_snapshot),
    ChangeStatus.CANCELLED: (
        withdraw_plan,
        chain_plans.withdraw,
        cancel_notices,
        tell_cancelled,
        tell_public_cancelled,
    ),
    ChangeStatus.EFFECTIVE: (
        move_vendors,
        location_changes.apply,
        notices_take_effect,
        tell_effective,
        tell_public_effective,
    ),
}
"""Each state's effects in order; every step can run again with the same outcome."""


async def settle(deps: Deps, owner: str, change_id: str | None = None) -> Change | None:
    """Apply the effects of one unsettled change's state (that one, with `change_id`)."""
    found: Change | None = await settling.settle(deps, owner, changes, STEPS, change_id)
    return found


async def settle_now(deps: Deps, change: Change) -> None:
    await settling.settle_now(deps, change.id, settle)


async def settle_changes(deps: Deps, worker_id: str) -> int:
    """The scheduler's job: settle one change whose effects a crash left undone."""
    return 0 if await settle(deps, worker_id) is None else 1
