"""Leasing due deliveries: a batch is claimed from one scan of the queue, side by side
with other workers; a lease whose worker died is written off and claimed again."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime

from registry.domain.webhooks import Delivery, DeliveryStatus
from registry.services.deps import Deps
from registry.services.outbox.options import DeliveryOptions
from registry.store import deliveries, delivery_queue, staff_alerts


async def claim_due(deps: Deps, worker_id: str, options: DeliveryOptions) -> list[Delivery]:
    """Lease one batch of due deliveries for `worker_id`."""
    seen = await delivery_queue.due(deps.db, deps.clock.now(), options.batch_size)
    claimed, _ = await claim_from(deps, worker_id, options, seen)
    return claimed


async def claim_from(
    deps: Deps, worker_id: str, options: DeliveryOptions, seen: Sequence[delivery_queue.Entry]
) -> tuple[list[Delivery], list[delivery_queue.Entry]]:
    """Lease up to a batch of the scanned entries `seen`; returns it and the entries left.

    Entries other workers hold are skipped, not waited on, so workers drain one
    queue side by side; each entry is leased by one worker at a time.
    """
    now = deps.clock.now()
    until = now + options.lease
    ours: list[delivery_queue.Entry] = []
    rest = list(seen)
    while rest and len(ours) < options.batch_size:
        cut = options.batch_size - len(ours)
        window, rest = rest[:cut], rest[cut:]
        # Taking the slots is the check: a slot another worker holds is refused by
        # its unique id, and only then is it read, to see whether its lease ran out.
        won = await delivery_queue.take_slots(
            deps.db, window, owner=worker_id, until=until, now=now
        )
        ours.extend(e for e in window if e.id in won)
        refused = [e for e in window if e.id not in won]
        if refused:
            ours.extend(await _revive_dead(deps, worker_id, refused, until=until, now=now))
    # Which slots make a claim, and the records: two reads side by side (a record
    # read for an entry that turns out not to be ours is only dropped).
    mine, records = await asyncio.gather(
        delivery_queue.claimed(deps.db, ours),
        deliveries.get_many(deps.db, [e.id for e in ours], with_attempts=False),
    )
    held = {e.id for e in mine}
    await delivery_queue.release_slots(
        deps.db, [(e.id, e.lease_seq + 1) for e in ours if e.id not in held]
    )
    ready: list[Delivery] = []
    stale: list[tuple[str, int]] = []
    owed: list[staff_alerts.StaffAlert] = []
    for entry in mine:
        record = records.get(entry.id)
        if record is None or record.status is not DeliveryStatus.PENDING:
            stale.append((entry.id, entry.lease_seq))  # finished already, or gone
            if record is not None and record.failure and record.failure.tells_staff:
                # Its worker recorded the failure and died before the alert: owed still.
                at = record.failed_at or now
                owed.append(staff_alerts.alert_of(record, record.failure, at))
            continue
        attempt = entry.attempt_count + 1
        ready.append(deliveries.claimed_copy(record, seq=entry.lease_seq, attempt=attempt))
    if stale:
        await staff_alerts.add(deps.db, owed)
        await delivery_queue.complete(deps.db, finished=stale, retries=[])
    return ready, rest


async def _revive_dead(
    deps: Deps,
    worker_id: str,
    refused: Sequence[delivery_queue.Entry],
    *,
    until: datetime,
    now: datetime,
) -> list[delivery_queue.Entry]:
    """Of entries whose next slot was refused, claim those whose holder's lease ran out.

    Its attempt is written off as lost, the entry steps past that generation, and
    the slot after it is taken for `worker_id`; returns the entries won that way.
    """
    taken = await delivery_queue.slots_taken(deps.db, refused)
    dead = [e for e in refused if e.id in taken and taken[e.id] < now]
    revived: list[delivery_queue.Entry] = []
    for entry in dead:
        moved = await delivery_queue.step_past(deps.db, entry)
        if moved is not None:
            lost = deliveries.lost_attempt(moved.attempt_count, now)
            await deliveries.note_lost(deps.db, entry.id, lost)
            revived.append(moved)
    await delivery_queue.release_slots(deps.db, [(e.id, e.lease_seq + 1) for e in dead])
    won = await delivery_queue.take_slots(deps.db, revived, owner=worker_id, until=until, now=now)
    return [e for e in revived if e.id in won]
