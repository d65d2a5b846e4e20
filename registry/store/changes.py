"""Announced changes, with the leases of the jobs that expand and apply them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from registry.domain.models import Change, ChangeKind, ChangeStatus
from registry.store import leases
from registry.store.codec import Codec
from registry.store.database import Backlog, Database, Document, backlog, create_missing_indexes

NAME = "changes"
INDEXES = [
    # A retried announce with the same idempotency key finds the first change.
    IndexModel([("idempotency_key", ASCENDING)], unique=True, name="idempotency_key_unique"),
    # At most one open ADD/REPLACE/REMOVE per vendor; closed changes hold their own id.
    IndexModel([("open_guard", ASCENDING)], unique=True, name="open_guard_unique"),
    IndexModel([("status", ASCENDING), ("effective_at", ASCENDING)], name="status_effective"),
    IndexModel([("expanded", ASCENDING), ("announced_at", ASCENDING)], name="expansion_due"),
    # Changes whose recorded state's effects are not all applied yet (services/change_effects).
    IndexModel([("settled", ASCENDING), ("announced_at", ASCENDING)], name="settling_due"),
    IndexModel([("subprocessor_id", ASCENDING)], name="subprocessor_id"),
    IndexModel([("announced_at", DESCENDING), ("_id", DESCENDING)], name="announced_desc"),
    # The public page: what is upcoming on any date.
    IndexModel([("effective_at", ASCENDING), ("_id", ASCENDING)], name="effective_at_id"),
]


class DuplicateChange(Exception):
    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


async def ensure_indexes(db: Database) -> None:
    await create_missing_indexes(db, NAME, INDEXES)


def open_guard(
    kind: ChangeKind, subprocessor_id: str, change_id: str, *, scoped: bool = False
) -> str:
    if kind is ChangeKind.UPDATE and scoped:
        # At most one announced scope change per vendor: each widens from the last.
        return f"scope:{subprocessor_id}"
    if kind is ChangeKind.UPDATE:
        return change_id
    return f"open:{subprocessor_id}"


CODEC = Codec(Change)
from_document = CODEC.from_document


def to_document(change: Change, *, idempotency_key: str, created_by: str | None) -> Document:
    """A new change, with the state its jobs keep and the keys its indexes guard."""
    return {
        **CODEC.to_document(change),
        "expansion_cursor": None,
        "lease_owner": None,
        "lease_until": None,
        "idempotency_key": idempotency_key,
        "open_guard": open_guard(
            change.kind, change.subprocessor_id, change.id, scoped=change.scope is not None
        ),
        "created_by": created_by,
        "scoped": change.scope is not None,
        LOCATED: bool(change.locations_added or change.locations_ended),
        SETTLED: False,
    }


SETTLED = "settled"
"""False from each transition (the commit point) until its effects are all applied; a
change stored before this field existed had its effects applied inline and has none."""


NOTICES_WRITTEN = "notices_written"


def expansion_progress(upto: str, notices_written: int | None) -> Document:
    """The expansion's checkpoint: the last roster chunk written and, in the same write,
    how many notices the chunks up to it hold (None: not known, counting began earlier)."""
    progress: Document = {"expansion_cursor": upto}
    if notices_written is not None:
        progress[NOTICES_WRITTEN] = notices_written
    return progress


def notices_written_at_claim(doc: Document) -> int | None:
    """The count an expansion resumes from: 0 before its first checkpoint."""
    if doc.get("expansion_cursor") is None:
        return 0
    found = doc.get(NOTICES_WRITTEN)
    return None if found is None else int(found)


async def notices_written(db: Database, change_id: str) -> int | None:
    """How many notices the change's expansion has written so far, read by `_id`; None
    for a change whose expansion began before the count was kept."""
    doc = await db[NAME].find_one({"_id": change_id})
    if doc is None or (doc.get(NOTICES_WRITTEN) is None and doc.get("expanded")):
        return None
    return notices_written_at_claim(doc)


async def insert(db: Database, document: Document) -> None:
    try:
        await db[NAME].insert_one(document)
    except DuplicateKeyError as exc:
        message = str(exc)
        raise DuplicateChange(
            "idempotency_key" if "idempotency_key" in message else "open_guard"
        ) from None


async def by_idempotency_key(db: Database, key: str) -> Change | None:
    doc = await db[NAME].find_one({"idempotency_key": key})
    return from_document(doc) if doc else None


async def get(db: Database, change_id: str) -> Change | None:
    doc = await db[NAME].find_one({"_id": change_id})
    return from_document(doc) if doc else None


async def get_many(db: Database, ids: Sequence[str]) -> list[Change | None]:
    found = {d["_id"]: from_document(d) async for d in db[NAME].find({"_id": {"$in": list(ids)}})}
    return [found.get(i) for i in ids]


async def by_subprocessors(db: Database, ids: Sequence[str]) -> dict[str, list[Change]]:
    grouped: dict[str, list[Change]] = {i: [] for i in ids}
    query = {"$or": [{"subprocessor_id": {"$in": list(ids)}}, {"replaces_id": {"$in": list(ids)}}]}
    async for doc in db[NAME].find(query).sort("announced_at", ASCENDING):
        change = from_document(doc)
        for key in (change.subprocessor_id, change.replaces_id):
            if key in grouped:
                grouped[key].append(change)
    return grouped


async def announced_scope_changes(db: Database) -> list[Change]:
    """Scope changes still under notice (few: at most one per vendor)."""
    query = {"status": ChangeStatus.ANNOUNCED.value, "scoped": True}
    return [from_document(d) async for d in db[NAME].find(query)]


LOCATED = "located"
"""True on a change that adds or ends processing locations (services/location_changes)."""


async def location_changes_of(db: Database, vendor_ids: Sequence[str]) -> dict[str, list[Change]]:
    """The changes of these vendors' locations that are not cancelled, by vendor."""
    grouped: dict[str, list[Change]] = {i: [] for i in vendor_ids}
    query = {
        "subprocessor_id": {"$in": list(vendor_ids)},
        LOCATED: True,
        "status": {"$ne": ChangeStatus.CANCELLED.value},
    }
    async for doc in db[NAME].find(query):
        change = from_document(doc)
        grouped[change.subprocessor_id].append(change)
    return grouped


async def using_scope_code(db: Database, field: str, code: str, limit: int) -> list[str]:
    """Announced scope changes naming a catalog code (`scope.products`...)."""
    query = {"status": ChangeStatus.ANNOUNCED.value, "scoped": True, field: code}
    return [d["_id"] async for d in db[NAME].find(query, {"_id": 1}).limit(limit)]


async def cancel(db: Database, change_id: str, at: datetime, reason: str) -> Change | None:
    """ANNOUNCED → CANCELLED; None when the change was not (or no longer) announced."""
    result = await db[NAME].update_one(
        {"_id": change_id, "status": ChangeStatus.ANNOUNCED.value},
        {
            "$set": {
                "status": ChangeStatus.CANCELLED.value,
                "cancelled_at": at,
                "cancel_reason": reason,
                "open_guard": change_id,
                SETTLED: False,
            }
        },
    )
    if result.modified_count != 1:
        return None
    return await get(db, change_id)


async def page(
    db: Database,
    *,
    statuses: Sequence[ChangeStatus],
    after: tuple[Any, ...] | None,
    limit: int,
) -> tuple[list[Change], int]:
    """Newest first."""
    query: Document = {"status": {"$in": [s.value for s in statuses]}} if statuses else {}
    total = await db[NAME].count_documents(query)
    if after is not None:
        at, id_ = after
        when = datetime.fromisoformat(at)
        keyset = {
            "$or": [
                {"announced_at": {"$lt": when}},
                {"announced_at": when, "_id": {"$lt": id_}},
            ]
        }
        query = {"$and": [query, keyset]} if query else keyset
    cursor = (
        db[NAME].find(query).sort([("announced_at", DESCENDING), ("_id", DESCENDING)]).limit(limit)
    )
    return [from_document(d) async for d in cursor], total


def sort_key(change: Change) -> tuple[str, str]:
    return (change.announced_at.isoformat(), change.id)


async def snapshot(db: Database, change_id: str) -> Document | None:
    """The vendor as announced (services/snapshots.py), None before it was taken."""
    doc = await db[NAME].find_one({"_id": change_id}, {"snapshot": 1})
    return doc.get("snapshot") if doc else None


async def keep_snapshot(db: Database, change_id: str, taken: Document) -> None:
    """Record the snapshot once: the first one taken is the one announced."""
    await db[NAME].update_one(
        {"_id": change_id, "snapshot": {"$exists": False}}, {"$set": {"snapshot": taken}}
    )


async def upcoming_at(
    db: Database, as_of: datetime, *, vendor_ids: Sequence[str] | None, limit: int
) -> list[Change]:
    """Changes announced by `as_of` that take effect after it and were not cancelled by
    then, soonest first; with `vendor_ids`, only those adding, replacing or removing them."""
    clauses: list[Document] = [
        {"effective_at": {"$gt": as_of}},
        {"announced_at": {"$lte": as_of}},
        {"$or": [{"cancelled_at": None}, {"cancelled_at": {"$gt": as_of}}]},
    ]
    if vendor_ids is not None:
        wanted = list(vendor_ids)
        clauses.append(
            {"$or": [{"subprocessor_id": {"$in": wanted}}, {"replaces_id": {"$in": wanted}}]}
        )
    cursor = (
        db[NAME]
        .find({"$and": clauses})
        .sort([("effective_at", ASCENDING), ("_id", ASCENDING)])
        .limit(limit)
    )
    return [from_document(d) async for d in cursor]


# The change engine's jobs (services/change_jobs.py): claims, progress and transitions,
# each fenced by the lease owner and guarded by the state the job decided on.

EXPANSION_DUE: Document = {"expanded": False}
"""Announced changes whose notices are not all written yet."""


def effective_due(now: datetime) -> Document:
    """Announced changes whose date has come (expanded or not)."""
    return {"status": ChangeStatus.ANNOUNCED.value, "effective_at": {"$lte": now}}


@dataclass(frozen=True, slots=True)
class ClaimedExpansion:
    """A change a worker claimed to expand, with where an earlier worker stopped."""

    change: Change
    snapshot: Document | None
    resume_after: str | None  # the last roster chunk whose notices were written
    notices_written: int | None  # by the chunks up to it (None: not counted)


async def claim_expansion(
    db: Database, *, owner: str, now: datetime, lease: timedelta
) -> ClaimedExpansion | None:
    doc = await leases.claim(
        db, NAME, EXPANSION_DUE, owner=owner, now=now, lease=lease, sort="announced_at"
    )
    if doc is None:
        return None
    return ClaimedExpansion(
        from_document(doc),
        doc.get("snapshot"),
        doc.get("expansion_cursor"),
        notices_written_at_claim(doc),
    )


async def record_expansion(
    db: Database,
    change_id: str,
    *,
    owner: str,
    until: datetime,
    done_upto: str,
    notices_written: int | None = None,
) -> bool:
    """Renew the expansion lease and checkpoint the last chunk written (and how many
    notices the chunks up to it hold), in one write; False once the lease is lost."""
    return await leases.extend(
        db,
        NAME,
        change_id,
        owner=owner,
        until=until,
        progress=expansion_progress(done_upto, notices_written),
    )


async def finish_expansion(db: Database, change_id: str, *, owner: str) -> bool:
    return await leases.complete(
        db, NAME, change_id, owner=owner, update={"$set": {"expanded": True}}
    )


async def take_effect(db: Database, now: datetime) -> Change | None:
    """ANNOUNCED → EFFECTIVE for the earliest expanded change whose date has come: the
    commit point, one write guarded by the state it was decided on, so a cancel racing
    it wins or loses whole. None when nothing is due."""
    due = {**effective_due(now), "expanded": True}
    for _ in range(_TAKE_EFFECT_TRIES):
        found = await db[NAME].find_one(due, {"_id": 1}, sort=[("effective_at", ASCENDING)])
        if found is None:
            return None
        change_id = found["_id"]
        result = await db[NAME].update_one(
            {**due, "_id": change_id},
            {
                "$set": {
                    "status": ChangeStatus.EFFECTIVE.value,
                    "applied_at": now,
                    "open_guard": change_id,
                    SETTLED: False,
                }
            },
        )
        if result.modified_count == 1:
            return await get(db, change_id)
        # Another worker (or a cancel) moved it first: look for the next one.
    return None


_TAKE_EFFECT_TRIES = 8


SETTLING_DUE: Document = {SETTLED: False}
"""Changes whose recorded state's effects are not all applied."""


async def claim_settling(
    db: Database, *, owner: str, now: datetime, lease: timedelta, only: str | None = None
) -> Change | None:
    """A change whose effects are due (that one, with `only`), leased to `owner`.
    The lease is the change's only one, so settling never overlaps its expansion."""
    due = SETTLING_DUE if only is None else {**SETTLING_DUE, "_id": only}
    doc = await leases.claim(db, NAME, due, owner=owner, now=now, lease=lease, sort="announced_at")
    return from_document(doc) if doc is not None else None


async def finish_settling(db: Database, change: Change, *, owner: str) -> bool:
    """Record that the effects of `change.status` are applied, if the change is still in
    that state (a transition meanwhile leaves it due); the lease is released either way.
    A cancelled change is told to no one else: its expansion ends where it stopped."""
    ended = change.status is ChangeStatus.CANCELLED
    update: Document = {"$set": {SETTLED: True, **({"expanded": True} if ended else {})}}
    if await leases.complete(
        db, NAME, change.id, owner=owner, guard={"status": change.status.value}, update=update
    ):
        return True
    await leases.release(db, NAME, change.id, owner=owner)
    return False


async def expansion_backlog(db: Database) -> Backlog:
    return await backlog(db, NAME, EXPANSION_DUE, "announced_at")


async def effective_backlog(db: Database, now: datetime) -> Backlog:
    return await backlog(db, NAME, effective_due(now), "effective_at")


async def settling_backlog(db: Database) -> Backlog:
    return await backlog(db, NAME, SETTLING_DUE, "announced_at")
