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
from typing import Any

from registry.domain import notice as rules
from registry.domain.durations import parse_duration
from registry.domain.event_types import EventType
from registry.domain.models import (
    Change,
    ChangeKind,
    ChangeStatus,
    CustomerTerms,
    Notice,
    NoticeStatus,
    SubprocessorStatus,
)
from registry.services import audience
from registry.services import events as rendering
from registry.services import subscriptions as subscribers
from registry.services.deps import Deps
from registry.store import (
    changes,
    customer_roster,
    events,
    ids,
    leases,
    meta,
    notice_schedule,
    notices,
    subprocessors,
)
from registry.store.database import Document

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

    document: Document
    notice: Notice
    reminders: tuple[datetime, ...]
    lags: bool

    def for_customer(self, customer_id: str) -> tuple[Document, Notice]:
        notice_id = ids.notice_id(self.notice.change_id, customer_id)
        document = {**self.document, "_id": notice_id, "customer_id": customer_id}
        notice = dataclasses.replace(self.notice, id=document["_id"], customer_id=customer_id)
        return document, notice

    def schedule(self, document: Document, *, reachable: bool) -> list[Document]:
        """Reminders only where someone receives them; the lagging entry always."""
        entries = [
            notice_schedule.entry(notice_schedule.REMINDER, at, document)
            for at in (self.reminders if reachable else ())
        ]
        if self.lags:
            entries.append(
                notice_schedule.entry(notice_schedule.LAGGING, self.notice.effective_at, document)
            )
        return entries


def plan_notice(
    change: Change,
    terms: CustomerTerms,
    offsets: tuple[timedelta, ...] = rules.DEFAULT_REMINDER_OFFSETS,
) -> NoticePlan:
    sent_at = change.announced_at
    effective_at = rules.customer_effective_at(
        sent_at, change.effective_at, terms, emergency=change.emergency
    )
    notice = Notice(
        id="",
        change_id=change.id,
        customer_id="",
        sent_at=sent_at,
        earliest_effective_at=rules.earliest_effective_at(sent_at, terms),
        effective_at=effective_at,
        objection_deadline=rules.objection_deadline(
            sent_at, effective_at, terms, emergency=change.emergency
        ),
    )
    return NoticePlan(
        document=notices.to_document(notice),
        notice=notice,
        reminders=tuple(rules.reminder_times(sent_at, notice.objection_deadline, offsets)),
        lags=effective_at > change.effective_at,
    )


async def expand_changes(deps: Deps, worker_id: str) -> int:
    """Write every affected customer's notice of one announced change, in resumable
    batches: only the roster chunks of the groups its audience affects are read.

    Reading the next batch of customers overlaps writing the previous batch of
    notices; the checkpoint after each write doubles as the lease renewal, and a
    worker that lost its lease stops.
    """
    now = deps.clock.now()
    doc = await leases.claim(
        deps.db,
        changes.NAME,
        {"expanded": False},
        owner=worker_id,
        now=now,
        lease=LEASE,
        sort="announced_at",
    )
    if doc is None:
        return 0
    change = changes.from_document(doc)
    reachable = await rendering.reachable_customer_ids(deps)
    made = await rendering.rendering(deps, change, doc.get("snapshot"))
    offsets = reminder_offsets(deps.settings.reminder_offsets)
    written = 0
    plans: dict[str, NoticePlan] = {}
    scheduled: list[Document] = []
    batch: list[Document] = []
    outbox: list[Document] = []
    last_id: str | None = doc.get("expansion_cursor")
    pending: asyncio.Task[bool] | None = None

    async def write(
        notice_docs: list[Document], event_docs: list[Document], entries: list[Document], upto: str
    ) -> bool:
        nonlocal written
        written += await notices.insert_batch(deps.db, notice_docs)
        await notice_schedule.add_many(deps.db, entries)
        await events.emit_many(deps.db, event_docs)
        # The checkpoint rides on the lease renewal: one write, fenced by the owner.
        return await leases.extend(
            deps.db,
            changes.NAME,
            change.id,
            owner=worker_id,
            until=deps.clock.now() + LEASE,
            progress={"expansion_cursor": upto},
        )

    who = await audience.audience_of(deps, change)
    groups = {g.key: g for g in await audience.affected_groups(deps, who)}
    wanted = [chunk_id for g in groups.values() for chunk_id in g.chunks]
    async for chunk in customer_roster.chunks_after(deps.db, wanted, last_id):
        group = groups[chunk["group"]]
        plan = plans.get(group.terms_key)
        if plan is None:
            plan = plans[group.terms_key] = plan_notice(change, group.terms, offsets)
        for customer_id in chunk["ids"]:
            document, notice = plan.for_customer(customer_id)
            batch.append(document)
            is_reachable = customer_id in reachable
            if is_reachable or plan.lags:
                scheduled.extend(plan.schedule(document, reachable=is_reachable))
            if is_reachable:
                outbox.append(
                    made.event(
                        EventType.CHANGE_ANNOUNCED,
                        notice,
                        group.terms,
                        occurred_at=change.announced_at,
                        dedupe=f"{change.id}:{customer_id}",
                    )
                )
        # A chunk is the unit of progress: the checkpoint is the last chunk written.
        last_id = chunk["_id"]
        if len(batch) >= BATCH:
            if pending is not None and not await pending:
                return written
            pending = asyncio.create_task(write(batch, outbox, scheduled, last_id))
            batch, outbox, scheduled = [], [], []
    if pending is not None and not await pending:
        return written
    if batch and last_id is not None and not await write(batch, outbox, scheduled, last_id):
        return written
    # Public subscribers hear of it once (idempotent: a rerun emits nothing new).
    await subscribers.emit_public(deps, change, EventType.CHANGE_ANNOUNCED)
    done = await leases.complete(
        deps.db, changes.NAME, change.id, owner=worker_id, update={"$set": {"expanded": True}}
    )
    await meta.bump(deps.db)
    current = await changes.get(deps.db, change.id)
    if done and current is not None and current.status is ChangeStatus.CANCELLED:
        # Cancelled while expanding: notices written after the cancel are cancelled too.
        await notices.set_status(
            deps.db, change.id, NoticeStatus.CANCELLED, only=NoticeStatus.PENDING
        )
    return written + 1


async def apply_effective_changes(deps: Deps, worker_id: str) -> int:
    """Make one due change EFFECTIVE: vendor statuses, notices, events."""
    now = deps.clock.now()
    doc = await leases.claim(
        deps.db,
        changes.NAME,
        {"status": ChangeStatus.ANNOUNCED.value, "effective_at": {"$lte": now}, "expanded": True},
        owner=worker_id,
        now=now,
        lease=LEASE,
        sort="effective_at",
    )
    if doc is None:
        return 0
    change = changes.from_document(doc)
    at = change.effective_at
    if change.kind in (ChangeKind.ADD, ChangeKind.REPLACE):
        await subprocessors.transition(
            deps.db, change.subprocessor_id, SubprocessorStatus.ACTIVE, at, {"active_from": at}
        )
    if change.kind is ChangeKind.REPLACE and change.replaces_id:
        await subprocessors.transition(
            deps.db, change.replaces_id, SubprocessorStatus.RETIRED, at, {"active_until": at}
        )
    if change.kind is ChangeKind.REMOVE:
        await subprocessors.transition(
            deps.db, change.subprocessor_id, SubprocessorStatus.RETIRED, at, {"active_until": at}
        )
    if change.scope is not None:
        await subprocessors.set_scope(deps.db, change.subprocessor_id, change.scope)
    await deps.db[notices.NAME].update_many(
        {
            **ids.notices_of_change(change.id),
            "status": NoticeStatus.PENDING.value,
            "effective_at": {"$lte": now},
        },
        {"$set": {"status": NoticeStatus.EFFECTIVE.value}},
    )
    effective = Change(**{**_fields(change), "status": ChangeStatus.EFFECTIVE, "applied_at": now})
    await rendering.emit_for_reachable(deps, effective, EventType.CHANGE_EFFECTIVE)
    await subscribers.emit_public(deps, effective, EventType.CHANGE_EFFECTIVE)
    completed = await leases.complete(
        deps.db,
        changes.NAME,
        change.id,
        owner=worker_id,
        update={
            "$set": {
                "status": ChangeStatus.EFFECTIVE.value,
                "applied_at": now,
                "open_guard": change.id,
            }
        },
    )
    await meta.bump(deps.db)
    return 1 if completed else 0


def _fields(change: Change) -> dict[str, Any]:
    return {name: getattr(change, name) for name in change.__dataclass_fields__}


async def send_reminders(deps: Deps, worker_id: str) -> int:
    """Emit `change.reminder` before each objection deadline; one event per reminder."""
    now = deps.clock.now()
    entry = await notice_schedule.claim_due(
        deps.db, notice_schedule.REMINDER, owner=worker_id, now=now, lease=LEASE
    )
    if entry is None:
        return 0
    notice = await notices.get(deps.db, entry["notice_id"])
    change = await changes.get(deps.db, entry["change_id"])
    if (
        notice is not None
        and change is not None
        and change.status is not ChangeStatus.CANCELLED  # an emergency's deadline outlives it
        and notice.status is not NoticeStatus.CANCELLED
        and now < notice.objection_deadline
    ):
        await events.emit(
            deps.db,
            await rendering.event_for(
                deps,
                EventType.CHANGE_REMINDER,
                change,
                notice,
                occurred_at=now,
                dedupe=entry["_id"],
            ),
        )
    await notice_schedule.done(deps.db, entry["_id"], owner=worker_id)
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
    result = await deps.db[notices.NAME].update_one(
        {"_id": entry["notice_id"], "status": NoticeStatus.PENDING.value},
        {"$set": {"status": NoticeStatus.EFFECTIVE.value}},
    )
    if result.modified_count:
        change = await changes.get(deps.db, entry["change_id"])
        notice = await notices.get(deps.db, entry["notice_id"])
        if (
            change
            and notice
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
    await notice_schedule.done(deps.db, entry["_id"], owner=worker_id)
    await meta.bump(deps.db)
    return 1
