"""The MongoDB connection and the indexes every collection declares."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from pymongo import AsyncMongoClient, IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from registry.store.write_watch import WriteWatch

Document = dict[str, Any]
DUPLICATE_KEY = 11000
Database = AsyncDatabase[Document]


def connect(uri: str, *, timeout_s: float = 15.0, **options: Any) -> AsyncMongoClient[Document]:
    """One client per process; every datetime read back is aware UTC, and every write it
    makes is counted for retiring cached answers (store/writes.py)."""
    timeout_ms = int(timeout_s * 1000)
    return AsyncMongoClient(
        uri,
        tz_aware=True,
        serverSelectionTimeoutMS=timeout_ms,
        connectTimeoutMS=min(timeout_ms, 10_000),
        appname="subprocessor-registry",
        event_listeners=[WriteWatch(), *options.pop("event_listeners", ())],
        **options,
    )


def describe_uri(uri: str) -> str:
    """The URI's hosts without credentials, for error messages and logs."""
    parts = urlsplit(uri)
    hosts = parts.netloc.rpartition("@")[2]
    return f"{parts.scheme}://{hosts}"


async def create_missing_indexes(db: Database, name: str, indexes: list[IndexModel]) -> None:
    """Create the indexes not yet present, one at a time.

    One at a time because FerretDB v1 drops the connection when a multi-index
    `createIndexes` names indexes that already exist; skipping existing ones also
    keeps start-up to one round trip per collection.
    """
    existing = {index["name"] async for index in await db[name].list_indexes()}
    for model in indexes:
        if model.document["name"] not in existing:
            await db[name].create_indexes([model])


async def group_by(
    db: Database,
    name: str,
    field: str,
    keys: Sequence[str],
    sort: str = "_id",
    where: Document | None = None,
) -> dict[str, list[Document]]:
    """Documents whose `field` is in `keys` (and that match `where`), grouped by it: one
    `$in` query for a loader."""
    grouped: dict[str, list[Document]] = {key: [] for key in keys}
    cursor = db[name].find({field: {"$in": list(keys)}, **(where or {})}).sort(sort, 1)
    async for doc in cursor:
        grouped.setdefault(doc[field], []).append(doc)
    return grouped


async def page_by_id(
    db: Database, name: str, query: Document, *, after: Any, limit: int
) -> tuple[list[Document], int]:
    """One page in `_id` order after a cursor id, plus the total count of the query."""
    total = await db[name].count_documents(query)
    if after is not None:
        query = {"$and": [query, {"_id": {"$gt": after}}]} if query else {"_id": {"$gt": after}}
    cursor = db[name].find(query).sort("_id", 1).limit(limit)
    return [d async for d in cursor], total


async def insert_missing(db: Database, name: str, doc: Document) -> Document | None:
    """Insert `doc` unless its `_id` exists: None when inserted, else the stored document,
    which is left as it is (seeding creates what is missing, never rewrites live state)."""
    if not await insert_skipping_duplicates(db, name, [doc]):
        return None
    found: Document | None = await db[name].find_one({"_id": doc["_id"]})
    return found


@dataclass(frozen=True, slots=True)
class Conflict:
    """An edit refused because these stored keys changed since it was read."""

    keys: tuple[str, ...]


async def set_changed(
    db: Database, name: str, old: Document, new: Document, also: Document | None = None
) -> Document | Conflict:
    """Write only the keys whose values differ from `old`, guarded by their values in
    `old` (compare-and-set, field by field): edits of other keys, and transitions, made
    meanwhile are kept; an edit of the same keys made meanwhile refuses this one, naming
    them. `also` (more update operators) is written with a change, in the same write.
    Returns the document as now stored."""
    changed = {k: v for k, v in new.items() if k != "_id" and old.get(k) != v}
    if changed:
        guard: Document = {"_id": old["_id"], **{k: old.get(k) for k in changed}}
        update: Document = {**(also or {}), "$set": {**(also or {}).get("$set", {}), **changed}}
        written: Document | None = await db[name].find_one_and_update(
            guard, update, return_document=ReturnDocument.AFTER
        )
        if written is not None:
            return await _fill_missing(db, name, written, new)
    current: Document = await db[name].find_one({"_id": old["_id"]}) or {}
    if not changed and current:
        return current
    return Conflict(tuple(k for k in changed if current.get(k) != old.get(k)) or tuple(changed))


async def _fill_missing(db: Database, name: str, stored: Document, new: Document) -> Document:
    """Keys the edited record lacks (stored before they existed) are written as edited:
    the edit decided them too, and only where they are still missing."""
    missing = {k: v for k, v in new.items() if k not in stored}
    if not missing:
        return stored
    guard = {"_id": stored["_id"], **{k: {"$exists": False} for k in missing}}
    await db[name].update_one(guard, {"$set": missing})
    return {**stored, **missing}


async def add_missing_key(db: Database, name: str, doc: Document, key: str) -> bool:
    """Give the stored document with `doc`'s `_id` the key it lacks (a field added after
    it was written), with `doc`'s value; one holding the key, even as null, keeps it.
    True when added."""
    result = await db[name].update_one(
        {"_id": doc["_id"], key: {"$exists": False}}, {"$set": {key: doc[key]}}
    )
    return result.modified_count == 1


async def insert_skipping_duplicates(db: Database, name: str, docs: Sequence[Document]) -> set[int]:
    """Insert every document whose `_id` (or unique key) is new; returns the positions of
    those skipped as duplicates. Any other write error is raised: nothing is dropped
    silently."""
    if not docs:
        return set()
    try:
        await db[name].insert_many(list(docs), ordered=False)
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        if any(error.get("code") != DUPLICATE_KEY for error in errors):
            raise
        return {int(error["index"]) for error in errors}
    return set()


@dataclass(frozen=True, slots=True)
class Backlog:
    """Work items due now, and when the oldest of them fell due (None if none has)."""

    count: int
    oldest_due: datetime | None


async def backlog(db: Database, name: str, due: Document, due_field: str) -> Backlog:
    """How much of a collection's work is due (`due`, a claim query) and since when."""
    count = await db[name].count_documents(due)
    oldest = await db[name].find_one(
        {"$and": [due, {due_field: {"$ne": None}}]},
        projection={due_field: 1},
        sort=[(due_field, 1)],
    )
    at = oldest.get(due_field) if oldest else None
    return Backlog(count, at if isinstance(at, datetime) else None)
