"""Public e-mail subscribers to the subprocessor list's announcements (double opt-in).

`_id` is derived from the normalised address (`subscriber_id`), so a second request for
the same address finds the same document and no index beyond `_id` is needed. The
address is personal data: only ADMIN lists it, and `delete` erases it.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from registry.domain.subscribers import Subscriber
from registry.store.codec import Codec
from registry.store.database import Database, page_by_id

NAME = "email_subscribers"
PENDING, CONFIRMED, UNSUBSCRIBED = "PENDING", "CONFIRMED", "UNSUBSCRIBED"


async def ensure_indexes(db: Database) -> None:
    """Only `_id`: every lookup is by the address's derived id."""


def normalise(address: str) -> str:
    return address.strip().lower()


def subscriber_id(address: str) -> str:
    digest = hashlib.sha256(normalise(address).encode()).hexdigest()[:32]
    return f"esub_{digest}"


CODEC = Codec(Subscriber)
from_document = CODEC.from_document


async def get(db: Database, sub_id: str) -> Subscriber | None:
    doc = await db[NAME].find_one({"_id": sub_id})
    return from_document(doc) if doc else None


async def request(
    db: Database, address: str, now: datetime, *, per_day: int, language: str = "en"
) -> tuple[Subscriber, bool]:
    """Record a subscription request; True when a confirmation may be sent now (the
    address is not confirmed and has had fewer than `per_day` in the last 24 hours).

    The limit is one conditional write: `asked` keeps the last `per_day` request times
    (oldest first), and a request is claimed only while that list is short or its
    oldest entry is a day old, so concurrent requests cannot exceed it."""
    sub_id = subscriber_id(address)
    # A concurrent request may insert it first: the claim below decides either way.
    with contextlib.suppress(DuplicateKeyError):
        await db[NAME].update_one(
            {"_id": sub_id},
            {
                "$setOnInsert": {
                    "address": normalise(address),
                    "status": PENDING,
                    "created_at": now,
                    "asked": [],
                }
            },
            upsert=True,
        )
    claimed = await db[NAME].find_one_and_update(
        {
            "_id": sub_id,
            "status": {"$ne": CONFIRMED},
            "$or": [
                {f"asked.{per_day - 1}": {"$exists": False}},
                {"asked.0": {"$lte": now - timedelta(days=1)}},
            ],
        },
        {
            "$push": {"asked": {"$each": [now], "$slice": -per_day}},
            "$set": {"status": PENDING, "language": language},
        },
        return_document=ReturnDocument.AFTER,
    )
    if claimed is not None:
        return from_document(claimed), True
    doc = await db[NAME].find_one({"_id": sub_id})
    if doc is None:  # erased meanwhile: nothing is left to confirm
        return Subscriber(sub_id, normalise(address), PENDING, now), False
    return from_document(doc), False


async def confirm(db: Database, sub_id: str, now: datetime) -> bool:
    result = await db[NAME].update_one(
        {"_id": sub_id, "status": PENDING},
        {"$set": {"status": CONFIRMED, "confirmed_at": now, "unsubscribed_at": None}},
    )
    return result.modified_count == 1


async def unsubscribe(db: Database, sub_id: str, now: datetime) -> bool:
    result = await db[NAME].update_one(
        {"_id": sub_id, "status": {"$ne": UNSUBSCRIBED}},
        {"$set": {"status": UNSUBSCRIBED, "unsubscribed_at": now}},
    )
    return result.modified_count == 1


async def any_confirmed(db: Database) -> bool:
    return await db[NAME].find_one({"status": CONFIRMED}, {"_id": 1}) is not None


async def confirmed_addresses(db: Database) -> list[tuple[str, str]]:
    """(id, address) of every confirmed subscriber, for fan-out."""
    cursor = db[NAME].find({"status": CONFIRMED}, {"address": 1}).sort("_id", ASCENDING)
    return [(d["_id"], d["address"]) async for d in cursor]


async def page(
    db: Database, *, after: tuple[Any, ...] | None, limit: int
) -> tuple[list[Subscriber], int]:
    docs, total = await page_by_id(db, NAME, {}, after=after[0] if after else None, limit=limit)
    return [from_document(d) for d in docs], total


async def delete(db: Database, sub_id: str) -> Subscriber | None:
    doc = await db[NAME].find_one_and_delete({"_id": sub_id})
    return from_document(doc) if doc else None


async def ids_of(db: Database, sub_ids: Sequence[str]) -> list[str]:
    return [d["_id"] async for d in db[NAME].find({"_id": {"$in": list(sub_ids)}}, {"_id": 1})]


async def confirmed_among(db: Database, addresses: Sequence[str]) -> dict[str, str]:
    """The addresses among these whose subscriber is confirmed now, with the language
    each chose (English for those who subscribed before languages)."""
    wanted = [subscriber_id(a) for a in addresses]
    cursor = db[NAME].find(
        {"_id": {"$in": wanted}, "status": CONFIRMED}, {"address": 1, "language": 1}
    )
    return {d["address"]: d.get("language") or "en" async for d in cursor}
