"""The delivery queue's due scan: what one claim costs with a small and a large backlog.

Two queues are filled, one with --small and one with --large due entries (every entry
due, the worst case: the scan's range holds the whole backlog). Each round, in turn
on both queues, a worker's first steps are timed: the due scan (`delivery_queue.due`,
limit batch x 8, as `deliver_due` makes it) and claiming one batch from it (its lease
slots taken, then released so that the next round finds the same queue). The figure is
the cost per claimed entry; `large_over_small` is the large queue's median over the
small one's, measured in the same run (1.0: the backlog costs nothing).

    python -m bench.due_scan [--small 5000] [--large 100000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from registry import devdb
from registry.services.outbox.options import DEFAULT_OPTIONS
from registry.services.outbox.worker import SCAN_BATCHES
from registry.store import delivery_queue
from registry.store.database import Database, connect

BATCH = DEFAULT_OPTIONS.batch_size


async def fill(db: Database, count: int, now: datetime) -> None:
    """`count` entries due over the last day, in chunks as dispatch queues them."""
    await delivery_queue.ensure_indexes(db)
    step = timedelta(days=1) / count
    for start in range(0, count, 5000):
        chunk = range(start, min(count, start + 5000))
        await delivery_queue.enqueue(
            db,
            [
                delivery_queue.new_entry(f"dlv_{uuid.uuid4().hex}", now - (count - n) * step)
                for n in chunk
            ],
        )


async def one_claim(db: Database, now: datetime) -> tuple[float, float]:
    """Seconds for the scan, and for the scan and one batch's claim."""
    started = time.perf_counter()
    seen = await delivery_queue.due(db, now, BATCH * SCAN_BATCHES)
    scanned = time.perf_counter()
    batch = seen[:BATCH]
    won = await delivery_queue.take_slots(
        db, batch, owner="bench", until=now + DEFAULT_OPTIONS.lease, now=now
    )
    claimed = time.perf_counter()
    assert len(won) == len(batch) == BATCH
    await delivery_queue.release_slots(db, [(e.id, e.lease_seq + 1) for e in batch])
    return scanned - started, claimed - started


async def run(small: int, large: int, rounds: int) -> dict[str, Any]:
    with contextlib.ExitStack() as stack:
        uri = os.environ.get("MONGODB_URI")
        database = "MONGODB_URI"
        if not uri:
            tmp = stack.enter_context(tempfile.TemporaryDirectory())
            uri = stack.enter_context(devdb.running(Path(tmp)))
            database = "embedded FerretDB v1 (SQLite)"
        client = connect(uri)
        names = {size: f"bench_due_{size}_{uuid.uuid4().hex[:6]}" for size in (small, large)}
        now = datetime.now(UTC)
        try:
            filled = {}
            for size, name in names.items():
                started = time.perf_counter()
                await fill(client[name], size, now)
                filled[size] = round(time.perf_counter() - started, 1)
            await one_claim(client[names[small]], now)  # warm both
            await one_claim(client[names[large]], now)
            scans: dict[int, list[float]] = {small: [], large: []}
            claims: dict[int, list[float]] = {small: [], large: []}
            for number in range(rounds):
                # Interleaved, the order swapped every round: both see the same machine.
                order = (small, large) if number % 2 == 0 else (large, small)
                for size in order:
                    scan, claim = await one_claim(client[names[size]], now)
                    scans[size].append(scan * 1000)
                    claims[size].append(claim * 1000)
                print(
                    json.dumps(
                        {
                            "round": number + 1,
                            **{f"claim_ms_{s}": round(claims[s][-1], 2) for s in order},
                        }
                    ),
                    flush=True,
                )
        finally:
            for name in names.values():
                await client.drop_database(name)
            await client.close()

    def per_claim_us(size: int) -> float:
        return statistics.median(claims[size]) * 1000 / BATCH

    def spread(values: list[float]) -> list[float]:
        return [round(min(values), 2), round(max(values), 2)]

    return {
        "due_entries": [small, large],
        "scan_limit": BATCH * SCAN_BATCHES,
        "batch": BATCH,
        "rounds": rounds,
        "scan_ms": {str(s): round(statistics.median(v), 2) for s, v in scans.items()},
        "scan_ms_spread": {str(s): spread(v) for s, v in scans.items()},
        "claim_ms": {str(s): round(statistics.median(v), 2) for s, v in claims.items()},
        "claim_ms_spread": {str(s): spread(v) for s, v in claims.items()},
        "per_claim_us": {str(s): round(per_claim_us(s), 1) for s in (small, large)},
        "large_over_small": round(per_claim_us(large) / per_claim_us(small), 3),
        "fill_s": {str(s): t for s, t in filled.items()},
        "database": database,
        "cpus": os.cpu_count(),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", type=int, default=5_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.small, args.large, args.rounds))))


if __name__ == "__main__":
    main()
