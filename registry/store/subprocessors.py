"""Subprocessors and their status history.

`active_from` / `active_until` bound the interval in which a vendor is in force,
including intervals announced for the future, so an as-of list is one indexed query.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, IndexModel

from registry.domain.models import Scope, Subprocessor, SubprocessorStatus
from registry.domain.versions import RecordVersion
from registry.store import digests, versions
from registry.store.codec import Codec, Spread
from registry.store.database import (
    Conflict,
    Database,
    Document,
    create_missing_indexes,
    set_changed,
)
from registry.store.database import insert_missing as _insert_missing

NAME = "subprocessors"
INDEXES = [
    IndexModel([("sort_name", ASCENDING), ("_id", ASCENDING)], name="sort_name_id"),
    IndexModel([("active_from", ASCENDING)], name="active_from"),
    IndexModel([("status", ASCENDING)], name="status"),
]


async def ensure_indexes(db: Database) -> None:
    await create_missing_indexes(db, NAME, INDEXES)


ALL = "*"


def scope_fields(scope: Scope) -> Document:
    """Stored with a marker for "all", so who a vendor touches is one `$in` per axis."""
    return {
        "scope_products": list(scope.products) or [ALL],
        "scope_regions": list(scope.hosting_regions) or [ALL],
    }


def scope_from_document(doc: Document) -> Scope:
    return Scope(
        products=tuple(p for p in doc.get("scope_products") or () if p != ALL),
        hosting_regions=tuple(r for r in doc.get("scope_regions") or () if r != ALL),
    )


CODEC = Codec(
    Subprocessor,
    derived={"sort_name": lambda sub: sub.legal_name.casefold()},
    fields={"scope": Spread(scope_fields, scope_from_document)},
)
to_document = CODEC.to_document
from_document = CODEC.from_document


@dataclass(frozen=True, slots=True)
class Audience:
    """Whose list it is: a customer's (or a public filter's) products and region."""

    products: tuple[str, ...] = ()
    hosting_region: str | None = None

    def query(self) -> Document:
        # A vendor stored before scopes existed has no scope fields: it serves all.
        clauses: list[Document] = []
        if self.products:
            clauses.append({"scope_products": {"$in": [*self.products, ALL, None]}})
        if self.hosting_region:
            clauses.append({"scope_regions": {"$in": [self.hosting_region, ALL, None]}})
        return {"$and": clauses} if clauses else {}


def in_force_clause(at: datetime) -> Document:
    """The vendors in force at `at`, as domain/in_force.py `in_force` says: from
    `active_from` (or, for an ACTIVE vendor stored without one, its `created_at`) until
    `active_until`."""
    started = {
        "$or": [
            {"active_from": {"$lte": at}},
            {"active_from": None, "status": "ACTIVE", "created_at": {"$lte": at}},
        ]
    }
    not_ended = {"$or": [{"active_until": None}, {"active_until": {"$gt": at}}]}
    return {"$and": [started, not_ended]}


@dataclass(frozen=True, slots=True)
class ListFilter:
    """Which subprocessors a list shows; `as_of` applies when no status is given."""

    as_of: datetime | None = None
    statuses: tuple[SubprocessorStatus, ...] = ()
    ids: tuple[str, ...] | None = None
    purpose: str | None = None
    search: str | None = None
    # One customer's view: vendors whose change has not yet reached it (emergency
    # replacements it did not agree to) are swapped in or out.
    also_in_force: tuple[str, ...] = ()
    not_yet_in_force: tuple[str, ...] = ()
    # Only vendors touching this audience, plus those an announced widening of scope
    # has already brought to it (`scope_reached`).
    audience: Audience | None = None
    scope_reached: tuple[str, ...] = ()
    # A filter by scope asked for (`?product=`, `filter.products`): applies on top.
    scope_filter: Audience | None = None
    # Leave out PROPOSED vendors no change has announced (policy.may_list_unannounced).
    hide_unannounced: bool = False

    def query(self) -> Document:
        clauses: list[Document] = []
        if self.hide_unannounced:
            announced = [{"status": {"$ne": "PROPOSED"}}, {"active_from": {"$ne": None}}]
            clauses.append({"$or": announced})
        if self.statuses:
            clauses.append({"status": {"$in": [s.value for s in self.statuses]}})
        elif self.as_of is not None:
            in_force = in_force_clause(self.as_of)
            if self.also_in_force:
                in_force = {"$or": [in_force, {"_id": {"$in": list(self.also_in_force)}}]}
            clauses.append(in_force)
            if self.not_yet_in_force:
                clauses.append({"_id": {"$nin": list(self.not_yet_in_force)}})
        if self.audience is not None:
            touching = self.audience.query()
            if touching and self.scope_reached:
                touching = {"$or": [touching, {"_id": {"$in": list(self.scope_reached)}}]}
            if touching:
                clauses.append(touching)
        if self.scope_filter is not None and (asked := self.scope_filter.query()):
            clauses.append(asked)
        if self.ids is not None:
            clauses.append({"_id": {"$in": list(self.ids)}})
        if self.purpose:
            clauses.append({"purpose": {"$regex": re.escape(self.purpose), "$options": "i"}})
        if self.search:
            pattern = {"$regex": re.escape(self.search), "$options": "i"}
            clauses.append({"$or": [{"legal_name": pattern}, {"purpose": pattern}]})
        return {"$and": clauses} if clauses else {}


async def insert(db: Database, sub: Subprocessor) -> None:
    await db[NAME].insert_one(to_document(sub))
    await digests.vendor_written(db, sub.id)


async def upsert(db: Database, sub: Subprocessor) -> bool:
    result = await db[NAME].replace_one({"_id": sub.id}, to_document(sub), upsert=True)
    await digests.vendor_written(db, sub.id)
    return bool(result.upserted_id is not None or result.modified_count)


async def insert_missing(db: Database, sub: Subprocessor) -> Subprocessor | None:
    """Create it unless its id exists: None when created, else the stored one (unchanged)."""
    found = await _insert_missing(db, NAME, to_document(sub))
    await digests.vendor_written(db, sub.id)
    return from_document(found) if found is not None else None


async def update_details(
    db: Database, before: Subprocessor, after: Subprocessor, version: RecordVersion | None = None
) -> Subprocessor | Conflict:
    """Write only the fields that differ from `before`, guarded by their values in `before`
    (store/database.py `set_changed`): a concurrent transition (status, history, active
    dates) is never overwritten; a concurrent edit of the same field refuses this one."""
    also = versions.push(version) if version is not None else None
    found = await set_changed(db, NAME, to_document(before), to_document(after), also)
    await digests.vendor_written(db, before.id)
    return found if isinstance(found, Conflict) else from_document(found)


async def get(db: Database, sub_id: str) -> Subprocessor | None:
    doc = await db[NAME].find_one({"_id": sub_id})
    return from_document(doc) if doc else None


async def versions_of(db: Database, sub_id: str) -> list[RecordVersion]:
    """The vendor's own versions (its parts keep theirs)."""
    doc = await db[NAME].find_one({"_id": sub_id}, {versions.KEY: 1})
    return versions.of(doc) if doc else []


async def get_many(db: Database, ids: Sequence[str]) -> list[Subprocessor | None]:
    found = {d["_id"]: from_document(d) async for d in db[NAME].find({"_id": {"$in": list(ids)}})}
    return [found.get(i) for i in ids]


async def page(
    db: Database, flt: ListFilter, *, after: tuple[Any, ...] | None, limit: int
) -> tuple[list[Subprocessor], int]:
    """One page in name order plus the total count, keyset-paginated."""
    query = flt.query()
    total = await db[NAME].count_documents(query)
    if after is not None:
        sort_name, id_ = after
        keyset = {
            "$or": [
                {"sort_name": {"$gt": sort_name}},
                {"sort_name": sort_name, "_id": {"$gt": id_}},
            ]
        }
        query = {"$and": [query, keyset]} if query else keyset
    cursor = db[NAME].find(query).sort([("sort_name", ASCENDING), ("_id", ASCENDING)]).limit(limit)
    return [from_document(d) async for d in cursor], total


def sort_key(sub: Subprocessor) -> tuple[str, str]:
    return (sub.legal_name.casefold(), sub.id)


async def all_matching(db: Database, flt: ListFilter) -> list[Subprocessor]:
    cursor = db[NAME].find(flt.query()).sort([("sort_name", ASCENDING), ("_id", ASCENDING)])
    return [from_document(d) async for d in cursor]


async def set_scope(db: Database, sub_id: str, scope: Scope) -> None:
    await db[NAME].update_one({"_id": sub_id}, {"$set": scope_fields(scope)})
    await digests.vendor_written(db, sub_id)


async def using_scope_code(db: Database, field: str, code: str, limit: int) -> list[str]:
    """Legal names of vendors whose scope names a catalog code (`scope_products`...)."""
    cursor = db[NAME].find({field: code}, {"legal_name": 1}).sort("sort_name", 1).limit(limit)
    return [d["legal_name"] async for d in cursor]


async def transition(
    db: Database, sub_id: str, status: SubprocessorStatus, at: datetime, fields: Document
) -> None:
    """Move to `status` once: a repeated call (a retried job) changes nothing."""
    await db[NAME].update_one(
        {"_id": sub_id, "status": {"$ne": status.value}},
        {
            "$set": {"status": status.value, **fields},
            "$push": {"status_history": {"status": status.value, "at": at}},
        },
    )
    await digests.vendor_written(db, sub_id)


async def plan_start(db: Database, sub_id: str, at: datetime | None) -> None:
    """Record when an announced change makes the vendor active (None withdraws it), so
    as-of views see the future."""
    await db[NAME].update_one({"_id": sub_id}, {"$set": {"active_from": at}})
    await digests.vendor_written(db, sub_id)


async def plan_end(db: Database, sub_id: str, at: datetime | None) -> None:
    """Record when an announced change retires the vendor (None withdraws it)."""
    await db[NAME].update_one({"_id": sub_id}, {"$set": {"active_until": at}})
    await digests.vendor_written(db, sub_id)


async def activate(db: Database, sub_id: str, at: datetime) -> None:
    """The vendor's ADD or REPLACE took effect at `at` (once: a retried job changes nothing)."""
    await transition(db, sub_id, SubprocessorStatus.ACTIVE, at, {"active_from": at})


async def retire(db: Database, sub_id: str, at: datetime) -> None:
    """The vendor's REMOVE (or its replacement) took effect at `at` (once)."""
    await transition(db, sub_id, SubprocessorStatus.RETIRED, at, {"active_until": at})
