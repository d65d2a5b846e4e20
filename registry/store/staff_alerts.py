"""Staff alerts: failed deliveries staff have not yet been told of.

One document per failed delivery, `_id` the delivery's id, so a failure recorded
twice (a retried batch write, a claim finding an entry its worker finished) is one
alert. The worker that sends them holds the sender's lease, one more document
here, so two workers never mail the same alerts; an alert is removed once the
message naming it was accepted. The collection holds only what is still to be told.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pymongo.errors import DuplicateKeyError

from registry.domain.webhooks import Delivery, DeliveryFailure, FailureKind
from registry.store.database import Database, Document, insert_skipping_duplicates

NAME = "staff_alerts"
_SENDER = "~sender"  # the sender's lease; no delivery id starts with "~"


async def ensure_indexes(db: Database) -> None:
    """Only `_id` lookups and whole reads of a small collection."""


@dataclass(frozen=True, slots=True)
class StaffAlert:
    """A delivery staff must hear has failed."""

    delivery_id: str
    event_id: str
    event_type: str
    customer_id: str
    channel: str
    failure: DeliveryFailure
    failed_at: datetime


def alert_of(delivery: Delivery, failure: DeliveryFailure, at: datetime) -> StaffAlert:
    return StaffAlert(
        delivery.id,
        delivery.event_id,
        delivery.event_type,
        delivery.customer_id,
        delivery.channel,
        failure,
        at,
    )


def _document(alert: StaffAlert) -> Document:
    return {
        "_id": alert.delivery_id,
        "event_id": alert.event_id,
        "event_type": alert.event_type,
        "customer_id": alert.customer_id,
        "channel": alert.channel,
        "kind": alert.failure.kind.value,
        "cause": alert.failure.cause,
        "failed_at": alert.failed_at,
    }


def _alert(doc: Document) -> StaffAlert:
    return StaffAlert(
        doc["_id"],
        doc["event_id"],
        doc["event_type"],
        doc["customer_id"],
        doc["channel"],
        DeliveryFailure(FailureKind(doc["kind"]), doc["cause"]),
        doc["failed_at"],
    )


async def add(db: Database, alerts: Sequence[StaffAlert]) -> None:
    """Record alerts; one already recorded (or already sent and removed) is kept as is."""
    await insert_skipping_duplicates(db, NAME, [_document(a) for a in alerts])


async def pending(db: Database, limit: int) -> list[StaffAlert]:
    """The oldest alerts not yet sent."""
    cursor = db[NAME].find({"_id": {"$ne": _SENDER}}).sort("failed_at", 1).limit(limit)
    return [_alert(doc) async for doc in cursor]


async def count_pending(db: Database) -> int:
    return await db[NAME].count_documents({"_id": {"$ne": _SENDER}})


async def remove(db: Database, delivery_ids: Sequence[str]) -> None:
    """Staff were told of these."""
    if delivery_ids:
        await db[NAME].delete_many({"_id": {"$in": list(delivery_ids)}})


async def take_sender_lease(db: Database, owner: str, now: datetime, until: datetime) -> bool:
    """Become the one worker sending alerts until `until`: an `_id` insert is atomic
    everywhere; a lapsed lease is removed first, only if it is still the one seen."""
    try:
        await db[NAME].insert_one({"_id": _SENDER, "owner": owner, "until": until})
        return True
    except DuplicateKeyError:
        pass
    held = await db[NAME].find_one({"_id": _SENDER})
    if held is None or held["until"] >= now:
        return False
    await db[NAME].delete_one({"_id": _SENDER, "owner": held["owner"], "until": held["until"]})
    try:
        await db[NAME].insert_one({"_id": _SENDER, "owner": owner, "until": until})
    except DuplicateKeyError:
        return False
    return True


async def release_sender_lease(db: Database, owner: str) -> None:
    await db[NAME].delete_one({"_id": _SENDER, "owner": owner})
