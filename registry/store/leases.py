"""Leases: how a worker claims a job so that many workers can run safely.

A claim sets `lease_owner` and `lease_until` atomically with `find_one_and_update`;
a job whose lease expired can be claimed again. Completing a job filters on the
owner, so a worker that lost its lease (paused, partitioned) cannot complete it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pymongo import ASCENDING, ReturnDocument

from registry.store.database import Database, Document


def claimable(now: datetime) -> Document:
    return {"$or": [{"lease_until": None}, {"lease_until": {"$lt": now}}]}


async def claim(
    db: Database,
    name: str,
    due: Document,
    *,
    owner: str,
    now: datetime,
    lease: timedelta,
    sort: str,
) -> Document | None:
    result: Document | None = await db[name].find_one_and_update(
        {"$and": [due, claimable(now)]},
        {"$set": {"lease_owner": owner, "lease_until": now + lease}},
        sort=[(sort, ASCENDING)],
        return_document=ReturnDocument.AFTER,
    )
    return result


async def complete(
    db: Database,
    name: str,
    job_id: str,
    *,
    owner: str,
    update: Document,
    guard: Document | None = None,
) -> bool:
    """Apply the final update only if `owner` still holds the lease (and the job still
    matches `guard`, the state the worker decided on)."""
    sets = dict(update.get("$set", {}))
    sets.update({"lease_owner": None, "lease_until": None})
    result = await db[name].update_one(
        {**(guard or {}), "_id": job_id, "lease_owner": owner}, {**update, "$set": sets}
    )
    return result.matched_count == 1


async def extend(
    db: Database,
    name: str,
    job_id: str,
    *,
    owner: str,
    until: datetime,
    progress: Document | None = None,
) -> bool:
    """Renew the lease, recording `progress` in the same write; False once it is lost."""
    result = await db[name].update_one(
        {"_id": job_id, "lease_owner": owner},
        {"$set": {**(progress or {}), "lease_until": until}},
    )
    return result.matched_count == 1


async def release(db: Database, name: str, job_id: str, *, owner: str) -> bool:
    """Give the lease up without completing (the job is due again at once)."""
    result = await db[name].update_one(
        {"_id": job_id, "lease_owner": owner},
        {"$set": {"lease_owner": None, "lease_until": None}},
    )
    return result.matched_count == 1
