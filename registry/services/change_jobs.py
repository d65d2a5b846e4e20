"""The change engine's background jobs: expand notices, apply changes, remind.

Each job claims its work with a lease (store/leases.py) and is safe to run in
several workers at once; every write is idempotent (unique indexes, conditional
updates), so a crash at any point is repaired by running the job again.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
from datetime import datetime, timedelta

from registry.domain import notice as rules
from registry.domain import timeline
from registry.domain.durations import parse_duration
from registry.domain.event_types import EventType
from registry.domain.events import Event
from registry.domain.models import (
    Change,
    ChangeStatus,
    Customer,
    CustomerTerms,
    Notice,
    NoticeStatus,
)
from registry.domain.objection_rights import objection_right
from registry.services import audience, change_effects, contracts, rendering, subscribers
from registry.services.deps import Deps
from registry.store import (
    changes,
    customer_roster,
    customers,
    events,
    ids,
    notice_schedule,
    notices,
    objections,
)

BATCH = 2500
LEASE = timedelta(seconds=60)


@functools.lru_cache(maxsize=32)
def reminder_offsets(text: str) -> tuple[timedelta, ...]:
    offsets = []
    for part in text.split(","):
        d = parse_duration(part.strip())
        if d.years or d.months:
            raise ValueError(f"reminder offset {part!r} must be in weeks, days or hours")
        offsets.append(
            timedelta(
                weeks=d.weeks, days=d.days, hours=d.hours, minutes=d.minutes, seconds=d.seconds
            )
        )
    return tuple(offsets)


@dataclasses.dataclass(frozen=True, slots=True)
class NoticePlan:
    """One terms set's notice of a change: the same for every customer holding it."""

    notice: Notice
    reminders: tuple[datetime, ...]
    lags: bool

    def for_customer(self, customer_id: str) -> Notice:
        notice_id = ids.notice_id(self.notice.change_id, customer_id)
        return dataclasses.replace(self.notice, id=notice_id, customer_id=customer_id)

    def schedule(self, notice: Notice, *, reachable: bool) -> list[notice_schedule.Entry]:
        """Reminders only where someone receives them; the lagging entry always."""
        entries = [
            notice_schedule.entry(notice_schedule.REMINDER, at, notice)
            for at in (self.reminders if reachable else ())
        ]
        if self.lags:
            entries.append(
                notice_schedule.entry(notice_schedule.LAGGING, self.notice.effective_at, notice)
            )
        return entries


def plan_notice(
    change: Change,
    terms: CustomerTerms,
    offsets: tuple[timedelta, ...] = rules.DEFAULT_REMINDER_OFFSETS,
) -> NoticePlan:
    sent_at = change.announced_at
    dates = rules.notice_dates(sent_at, change.effective_at, terms, emergency=change.emergency)
    notice = Notice(
        id="",
        change_id=change.id,
        customer_id="",
        sent_at=sent_at,
        earliest_effective_at=dates.earliest_effective_at,
        effective_at=dates.effective_at,
        objection_deadline=dates.objection_deadline,
    )
    return NoticePlan(
        notice=notice,
        reminders=tuple(rules.reminder_times(sent_at, notice.objection_deadline, offsets)),
        lags=dates.effective_at > change.effective_at,
    )


async def expand_changes(deps: Deps, worker_id: str) -> int:
    """Write every affected customer's notice of one announced change, in resumable
    batches: only the roster chunks of the groups its audience affects are read.

    Reading the next batch of customers overlaps writing the previous batch of
    notices; the checkpoint after each write doubles as the lease renewal, and a
    worker that lost its lease stops.
    """
    now = deps.clock.now()
    claimed = await changes.claim_expansion(deps.db, owner=worker_id, now=now, lease=LEASE)
    if claimed is None:
        return 0
    change = claimed.change
    reachable = await rendering.reachable_customer_ids(deps)
    made = await rendering.rendering(deps, change, claimed.snapshot)
    offsets = reminder_offsets(deps.settings.reminder_offsets)
    written = 0
    plans: dict[str, NoticePlan] = {}
    scheduled: list[notice_schedule.Entry] = []
    batch: list[Notice] = []
    outbox: list[Event] = []
    last_id = claimed.resume_after
    # Notices held by the chunks up to the checkpoint; it rides on the checkpoint, so a
    # rerun from there counts the rewritten batch once.
    tally = claimed.notices_written
    pending: asyncio.Task[bool] | None = None

    async def write(
        written_notices: list[Notice],
        made_events: list[Event],
        entries: list[notice_schedule.Entry],
        upto: str,
    ) -> bool:
        nonlocal written, tally
        written += await notices.insert_batch(deps.db, written_notices)
        await notice_schedule.add_many(deps.db, entries)
        await events.emit_many(deps.db, made_events)
        tally = None if tally is None else tally + len(written_notices)
        # The checkpoint rides on the lease renewal: one write, fenced by the owner.
        return await changes.record_expansion(
            deps.db,
            change.id,
            owner=worker_id,
            until=deps.clock.now() + LEASE,
            done_upto=upto,
            notices_written=tally,
        )

    who = await audience.audience_of(deps, change)
    groups = {g.key: g for g in await audience.affected_groups(deps, who)}
    wanted = [chunk_id for g in groups.values() for chunk_id in g.chunks]
    told = (batch, scheduled, outbox)
    async for chunk in customer_roster.chunks_after(deps.db, wanted, last_id):
        group = groups[chunk.group]
        plan = plans.get(group.terms_key)
        if plan is None:
            plan = plans[group.terms_key] = plan_notice(change, group.terms, offsets)
        for customer_id in chunk.ids:
            _tell(made, plan, customer_id, group.terms, customer_id in reachable, told)
        # A chunk is the unit of progress: the checkpoint is the last chunk written.
        last_id = chunk.id
        if len(batch) >= BATCH:
            if pending is not None and not await pending:
                return written
            pending = asyncio.create_task(write(batch, outbox, scheduled, last_id))
            batch, outbox, scheduled = [], [], []
            told = (batch, scheduled, outbox)
    if pending is not None and not await pending:
        return written
    if batch and last_id is not None and not await write(batch, outbox, scheduled, last_id):
        return written
    written += await _tell_excluded_again(deps, change, made, reachable, offsets)
    # Public subscribers hear of it once (idempotent: a rerun emits nothing new).
    await subscribers.emit_public(deps, change, EventType.CHANGE_ANNOUNCED)
    # A cancel that landed meanwhile is settled once the lease is free: its notices,
    # these too, are cancelled then (services/change_effects.py).
    await changes.finish_expansion(deps.db, change.id, owner=worker_id)
    return written + 1


Told = tuple[list[Notice], list[notice_schedule.Entry], list[Event]]
"""What a fan-out has made and not yet written: notices, scheduled entries, events."""


def _tell(
    made: rendering.ChangeRendering,
    plan: NoticePlan,
    customer_id: str,
    terms: CustomerTerms,
    is_reachable: bool,
    told: Told,
) -> None:
    """One customer's notice, its scheduled reminders and deadlines (or its lagging
    date), and its announcement when it can be reached."""
    batch, scheduled, outbox = told
    notice = plan.for_customer(customer_id)
    batch.append(notice)
    if is_reachable or plan.lags:
        scheduled.extend(plan.schedule(notice, reachable=is_reachable))
    if is_reachable:
        outbox.append(
            made.event(
                EventType.CHANGE_ANNOUNCED,
                notice,
                terms,
                occurred_at=made.change.announced_at,
                dedupe=f"{made.change.id}:{customer_id}",
            )
        )


async def excluded_reached_by_widening(deps: Deps, change: Change) -> list[Customer]:
    """Customers excluded from the vendor by an upheld objection whose data a widening
    of its scope now touches beyond the old scope. The old scope touched them, so they
    are not in the widening's groups; yet it is a new change for them and they are told
    (their exclusion from the earlier change holds: domain/timeline.py)."""
    if change.scope is None or change.scope_before is None:
        return []
    vendor = change.subprocessor_id
    earlier = (await changes.by_subprocessors(deps.db, [vendor])).get(vendor, [])
    excluded: set[str] = set()
    for other in earlier:  # the changes that brought the vendor (or widened it) and stand
        if (
            other.id != change.id
            and other.subprocessor_id == vendor
            and other.status is not ChangeStatus.CANCELLED
        ):
            excluded.update(await notices.cancelled_customers(deps.db, other.id))
    found = [await customers.get(deps.db, c) for c in sorted(excluded)]
    return [
        c
        for c in found
        if c is not None
        and timeline.widening_reaches_more(
            change.scope_before, change.scope, c.products, c.hosting_region
        )
    ]


async def _tell_excluded_again(
    deps: Deps,
    change: Change,
    made: rendering.ChangeRendering,
    reachable: set[str],
    offsets: tuple[timedelta, ...],
) -> int:
    """The notices of `excluded_reached_by_widening`, written like the groups' (every
    write idempotent, so a rerun after a crash adds nothing)."""
    batch: list[Notice] = []
    scheduled: list[notice_schedule.Entry] = []
    outbox: list[Event] = []
    told = (batch, scheduled, outbox)
    for customer in await excluded_reached_by_widening(deps, change):
        plan = plan_notice(change, customer.terms, offsets)
        _tell(made, plan, customer.id, customer.terms, customer.id in reachable, told)
    if not batch:
        return 0
    written = await notices.insert_batch(deps.db, batch)
    await notice_schedule.add_many(deps.db, scheduled)
    await events.emit_many(deps.db, outbox)
    return written


async def apply_effective_changes(deps: Deps, worker_id: str) -> int:
    """Make one due change EFFECTIVE (the commit point), then apply what follows from it
    (services/change_effects.py; re-driven by `settle_changes` after a crash)."""
    change = await changes.take_effect(deps.db, deps.clock.now())
    if change is None:
        return 0
    await change_effects.settle(deps, worker_id, change.id)
    return 1


async def send_reminders(deps: Deps, worker_id: str) -> int:
    """Emit `change.reminder` before each objection deadline; one event per reminder."""
    now = deps.clock.now()
    entry = await notice_schedule.claim_due(
        deps.db, notice_schedule.REMINDER, owner=worker_id, now=now, lease=LEASE
    )
    if entry is None:
        return 0
    notice = await notices.get(deps.db, entry.notice_id)
    change = await changes.get(deps.db, entry.change_id)
    # A reminder asks for a decision: only while the customer may object (the rule the
    # API and the notice page follow; not after its objection, nor once it is decided).
    latest = (
        (await objections.by_changes(deps.db, [entry.change_id], notice.customer_id)).get(
            entry.change_id, []
        )
        if notice is not None
        else []
    )
    if (
        notice is not None
        and change is not None
        and objection_right(now, change, notice, latest[-1] if latest else None).may_object
    ):
        await events.emit(
            deps.db,
            await rendering.event_for(
                deps,
                EventType.CHANGE_REMINDER,
                change,
                notice,
                occurred_at=now,
                dedupe=entry.id,
            ),
        )
    await notice_schedule.done(deps.db, entry, owner=worker_id)
    return 1


async def apply_lagging_notices(deps: Deps, worker_id: str) -> int:
    """Notices that take effect after their change (an emergency replacement the
    customer did not agree to) become EFFECTIVE on their own date."""
    now = deps.clock.now()
    entry = await notice_schedule.claim_due(
        deps.db, notice_schedule.LAGGING, owner=worker_id, now=now, lease=LEASE
    )
    if entry is None:
        return 0
    # Told from the notice's state, not from winning its transition: a rerun after a
    # crash between the two still tells (the event's id makes it once).
    await notices.take_effect(deps.db, entry.notice_id)
    notice = await notices.get(deps.db, entry.notice_id)
    if notice is not None and notice.status is NoticeStatus.EFFECTIVE:
        change = await changes.get(deps.db, entry.change_id)
        if change is not None:  # the last customer reached: the replaced vendor retires
            await change_effects.release_taken(deps, change)
        ends = await contracts.ends_at(deps, notice.customer_id)
        if (
            change
            and timeline.reaches_customer(notice, ends)
            and await rendering.reachable_customer_ids(deps, among=[notice.customer_id])
        ):
            await events.emit(
                deps.db,
                await rendering.event_for(
                    deps,
                    EventType.CHANGE_EFFECTIVE,
                    change,
                    notice,
                    occurred_at=now,
                    dedupe=notice.id,
                ),
            )
    await notice_schedule.done(deps.db, entry, owner=worker_id)
    return 1
