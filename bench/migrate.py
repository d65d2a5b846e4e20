"""Layout migration benchmark: N layout-1 events, each with one delivery, moved to
layout 2 on the embedded database (the start-up migration's cost on an old database).

Prints the time to write the old database, the migration's time and rate, and a
check that every event and delivery is there exactly once. Last line: one JSON object.

    python -m bench.migrate [--events 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from registry import devdb
from registry.clock import FrozenClock
from registry.store import deliveries, events, ids, migration
from registry.store.database import Database, connect
from tests.store.old_layout import OLD_EVENT_INDEX

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
CHUNK = 1000


async def write_old(db: Database, count: int) -> None:
    """Layout-1 events (ObjectId ids, unique dedupe keys) and one delivery each."""
    await db[events.NAME].create_indexes([OLD_EVENT_INDEX])
    await deliveries.ensure_indexes(db)
    sub_id = ids.new_id("WebhookSubscription")
    customer_id = ids.new_id("Customer")
    for start in range(0, count, CHUNK):
        batch, made = [], []
        for n in range(start, min(start + CHUNK, count)):
            at = START + timedelta(seconds=n)
            event_id = ids.new_id("Event")
            batch.append(
                {
                    "_id": event_id,
                    "type": "change.announced",
                    "customer_id": customer_id,
                    "change_id": None,
                    "occurred_at": at,
                    "dedupe_key": f"change.announced:{n}",
                    "data": {"n": n, "text": "x" * 400},
                    "dispatched_at": at,
                }
            )
            made.append(
                deliveries.new_document(
                    delivery_id=ids.delivery_id(event_id, sub_id, None),
                    event_id=event_id,
                    event_type="change.announced",
                    subscription_id=sub_id,
                    customer_id=customer_id,
                    body="{}",
                    now=at,
                )
            )
        await db[events.NAME].insert_many(batch)
        await db[deliveries.NAME].insert_many(made)


async def main(count: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, devdb.running(Path(tmp)) as uri:
        client = connect(uri)
        db = client["bench_migrate"]
        try:
            began = time.perf_counter()
            await write_old(db, count)
            written = time.perf_counter() - began
            print(f"wrote {count} layout-1 events and deliveries in {written:.1f} s", flush=True)
            began = time.perf_counter()
            report = await migration.migrate(db, clock=FrozenClock(START))
            took = time.perf_counter() - began
            print(report.summary(), flush=True)
            moved = await db[events.NAME].count_documents({"former_id": {"$exists": True}})
            linked = len(await db[deliveries.NAME].distinct("event_id"))
            kept = await db[deliveries.NAME].count_documents({})
            print(
                f"migrated in {took:.1f} s ({count / took:.0f} events/s); "
                f"{moved} events moved, {kept} deliveries naming {linked} events",
                flush=True,
            )
        finally:
            await client.close()
    return {
        "events": count,
        "write_s": round(written, 2),
        "migrate_s": round(took, 2),
        "events_per_s": round(count / took),
        "all_kept_once": moved == count == kept == linked == report.deliveries_relinked,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20000)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.events))))
