"""Customer ids in chunks of up to 1,000 per document, one group per chunk.

Fan-out reads one chunk document per thousand customers instead of a thousand
customer documents, so writing notices, not reading customers, bounds the
expansion (the bucket pattern; arrays of scalars only, as FerretDB v1 requires).
Every chunk holds customers of one group (equal scope and terms) and its group
lists it (store/customer_groups.py), so a scoped change reads only the chunks of
the groups it affects, by `_id`, and plans one notice per chunk.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from itertools import groupby

from bson import ObjectId

from registry.store import customer_groups, customers, meta
from registry.store.database import Database, Document

NAME = "customer_roster"
CHUNK = 1000
READ_AHEAD = 16


async def ensure_indexes(db: Database) -> None:
    """Chunks are only ever read by `_id`."""
    await _migrate(db)


LAYOUT_FLAG = "customer_roster_groups"


async def _migrate(db: Database) -> None:
    """Rosters written before groups (ids with parallel terms keys) are rebuilt once;
    a flag spares later start-ups the look."""
    if await meta.has_flag(db, LAYOUT_FLAG):
        return
    old = [d["_id"] async for d in db[NAME].find({"group": {"$exists": False}}, {"_id": 1})]
    stale = await customers.without_group(db)
    for doc in stale:
        customer = customers.from_document(doc)
        await customers.rewrite(db, customer)
        await customer_groups.remember(db, customer)
    if old:
        members = []
        async for doc in db[customers.NAME].find({}):
            customer = customers.from_document(doc)
            await customer_groups.remember(db, customer)
            members.append((customer.id, customers.group_key(customer)))
        await db[NAME].delete_many({"_id": {"$in": old}})
        await add_many(db, members)
    await meta.set_flag(db, LAYOUT_FLAG)


def _new_id() -> str:
    return str(ObjectId())


async def add(db: Database, customer_id: str, group: str) -> None:
    """Append to the group's last chunk if it has room, atomically; else start a chunk.

    The group must be remembered first (customer_groups.remember)."""
    found = await customer_groups.get(db, group)
    if found is None:
        raise LookupError(f"customer group {group!r} is not remembered")
    if found.chunks:
        result = await db[NAME].update_one(
            {"_id": found.chunks[-1], "n": {"$lt": CHUNK}},
            {"$push": {"ids": customer_id}, "$inc": {"n": 1}},
        )
        if result.matched_count:
            return
    chunk_id = _new_id()
    await customer_groups.add_chunks(db, group, [chunk_id])
    await db[NAME].insert_one({"_id": chunk_id, "group": group, "n": 1, "ids": [customer_id]})


async def join(db: Database, customer_id: str, group: str) -> None:
    """Make the group's roster hold the customer, once (a rerun finds it there)."""
    found = await customer_groups.get(db, group)
    if found is not None and found.chunks:
        held = await db[NAME].find_one(
            {"_id": {"$in": list(found.chunks)}, "ids": customer_id}, {"_id": 1}
        )
        if held is not None:
            return
    await add(db, customer_id, group)


async def remove(db: Database, customer_id: str, group: str) -> None:
    found = await customer_groups.get(db, group)
    if found is None or not found.chunks:
        return
    await db[NAME].update_one(
        {"_id": {"$in": list(found.chunks)}, "ids": customer_id},
        {"$pull": {"ids": customer_id}, "$inc": {"n": -1}},
    )


async def add_many(db: Database, members: list[tuple[str, str]]) -> None:
    """Bulk loading (seeds, benchmarks, migration): full chunks written directly."""
    ordered = sorted(members, key=lambda m: m[1])
    for group, part in groupby(ordered, key=lambda m: m[1]):
        ids = [m[0] for m in part]
        docs = [
            {"_id": _new_id(), "group": group, "n": len(chunk), "ids": chunk}
            for chunk in (ids[start : start + CHUNK] for start in range(0, len(ids), CHUNK))
        ]
        await customer_groups.add_chunks(db, group, [d["_id"] for d in docs])
        await db[NAME].insert_many(docs)


@dataclass(frozen=True, slots=True)
class Chunk:
    """Up to a thousand customers of one group, in one document."""

    id: str  # ordered: a checkpoint names the last chunk done
    group: str  # the customer group's key
    ids: list[str]  # the customers' ids (a list as stored: not copied per read)


async def chunks_after(
    db: Database, chunk_ids: Sequence[str], after: str | None
) -> AsyncIterator[Chunk]:
    """The named chunks after a checkpoint, in `_id` order, a few `_id` lookups at a time."""
    wanted = sorted(c for c in chunk_ids if after is None or c > after)
    for start in range(0, len(wanted), READ_AHEAD):
        part = wanted[start : start + READ_AHEAD]
        found = {d["_id"]: d async for d in db[NAME].find({"_id": {"$in": part}})}
        for chunk_id in part:
            if chunk_id in found:
                doc = found[chunk_id]
                yield Chunk(chunk_id, doc["group"], doc["ids"])


async def first_ids(db: Database, chunk_ids: Sequence[str], limit: int) -> list[str]:
    """Up to `limit` customer ids from the named chunks (who a refusal names)."""
    named: list[str] = []
    async for chunk in chunks_after(db, chunk_ids, None):
        named.extend(chunk.ids[: limit - len(named)])
        if len(named) >= limit:
            break
    return sorted(named)


async def count(db: Database, chunk_ids: Sequence[str]) -> int:
    """How many customers the named chunks hold (their counters only)."""
    total = 0
    async for doc in db[NAME].find({"_id": {"$in": list(chunk_ids)}}, {"n": 1}):
        total += int(doc["n"])
    return total


async def explain(db: Database, chunk_ids: Sequence[str]) -> Document:
    """The query plan of reading affected chunks (for the benchmark's report)."""
    part = sorted(chunk_ids)[:READ_AHEAD]
    return await db.command("explain", {"find": NAME, "filter": {"_id": {"$in": part}}})
