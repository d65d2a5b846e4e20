"""Two builds of the embedded database side by side: CPU per delivery-shaped document.

The registry's FerretDB patches (devdb/patches/) are measured here: two launcher
binaries run at the same time, each on its own data directory, and the same workload
(the delivery worker's reads and writes: insert records and queue entries, the due
scan, the lease slots taken, a claim read by `_id`, the records read, the attempts
logged, their fenced update to DELIVERED, the queue entries and slots deleted) runs
against each in interleaved rounds, A then B, then B then A. What is compared is each
server's own CPU time (from /proc) per delivery, which other processes' load disturbs
far less than wall time; the figure is the median of the rounds' B/A ratios. Build a
launcher of another commit in a checkout of it with
`python -c "from registry import devdb; print(devdb.ensure_built())"`.

    python -m bench.launcher_ab A_BINARY B_BINARY [--rounds 8] [--batch 512]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bson import ObjectId
from pymongo import AsyncMongoClient

from bench.processes import cpu_seconds
from registry import devdb

BODY = json.dumps(  # a delivery record's own part of its message, as fan-out stores it
    {
        "type": "change.announced",
        "timestamp": "2026-12-07T10:00:00Z",
        "data": {
            "customer": {"id": "cus_" + "b" * 24, "timeZone": "Europe/Copenhagen"},
            "change": {"id": "chg_" + "c" * 24, "kind": "ADDITION", "vendor": "Postmark"},
            "noticeUrl": "{notice_link}",
            "takesEffect": {"date": "2027-03-08", "at": "2027-03-08T00:00:00+01:00"},
            "objectionDeadline": {"date": "2027-02-22", "at": "2027-02-22T23:59:59+01:00"},
            "payload": {"$shared": "chg_" + "c" * 24 + ":3"},
            "reasons": ["Transactional e-mail", "Sub-processing in the United States"],
        },
    }
)


@contextlib.contextmanager
def launched(binary: Path, data_dir: Path) -> Iterator[tuple[int, str]]:
    port = devdb.free_port()
    proc = subprocess.Popen(
        [str(binary), "--port", str(port), "--data-dir", str(data_dir), "--log-level", "warn"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not devdb.port_in_use("127.0.0.1", port):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{binary.name} did not start")
            time.sleep(0.05)
        yield proc.pid, f"mongodb://127.0.0.1:{port}/"
    finally:
        devdb.stop(proc)


async def workload(db: Any, batch: int, batches: int) -> int:
    """The delivery worker's mix for `batches` batches; returns the deliveries made."""
    now = datetime.now(UTC)
    for _ in range(batches):
        ids = [uuid.uuid4().hex for _ in range(batch)]
        await db.records.insert_many(
            [
                {
                    "_id": i,
                    "event_id": i,
                    "event_type": "change.announced",
                    "subscription_id": "sub_1",
                    "customer_id": "cus_1",
                    "body": BODY,
                    "created_at": now,
                    "status": "PENDING",
                    "next_attempt_at": now,
                    "attempt_count": 0,
                    "delivered_at": None,
                    "failed_at": None,
                    "channel": "webhook",
                    "target": None,
                }
                for i in ids
            ]
        )
        await db.queue.insert_many(
            [{"_id": i, "due_at": now, "lease_seq": 0, "attempt_count": 0} for i in ids]
        )
        due = db.queue.find({"due_at": {"$lte": now}}).sort([("due_at", 1), ("_id", 1)])
        await due.limit(batch).to_list()
        slots = [f"{i}.1" for i in ids]
        await db.leases.insert_many(
            [{"_id": s, "owner": "w", "taken_at": now, "until": now} for s in slots],
            ordered=False,
        )
        await db.queue.find({"_id": {"$in": ids}}, {"lease_seq": 1}).to_list()
        await db.records.find({"_id": {"$in": ids}}).to_list()
        await db.attempts.insert_many([_attempt(i, now) for i in ids])
        await db.records.update_many(
            {"_id": {"$in": ids}, "attempt_count": {"$lt": 1}},
            {"$set": {"status": "DELIVERED", "attempt_count": 1, "delivered_at": now}},
        )
        await db.queue.delete_many({"_id": {"$in": ids}, "lease_seq": 0})
        await db.leases.delete_many({"_id": {"$in": slots}})
    return batch * batches


def _attempt(delivery_id: str, at: datetime) -> dict[str, Any]:
    return {
        "_id": ObjectId(),
        "delivery_id": delivery_id,
        "number": 1,
        "at": at,
        "status_code": 200,
        "latency_ms": 3.2,
        "response_excerpt": "ok",
        "error": None,
        "outcome": "success",
    }


async def measure(binaries: dict[str, Path], rounds: int, batch: int) -> dict[str, list[float]]:
    per_delivery: dict[str, list[float]] = {name: [] for name in binaries}
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        servers = {
            name: stack.enter_context(launched(binary, Path(tmp) / name))
            for name, binary in binaries.items()
        }
        clients: dict[str, AsyncMongoClient[Any]] = {
            name: AsyncMongoClient(uri) for name, (_, uri) in servers.items()
        }
        for client in clients.values():
            db = client.launcher_ab
            await db.records.create_index([("subscription_id", 1), ("_id", -1)])
            await db.records.create_index([("customer_id", 1), ("_id", -1)])
            await db.queue.create_index([("due_at", 1), ("_id", 1)])
            await db.attempts.create_index([("delivery_id", 1), ("_id", 1)])
        for n in range(rounds):
            for name in list(binaries) if n % 2 == 0 else list(binaries)[::-1]:
                pid = servers[name][0]
                before = cpu_seconds(pid)
                made = await workload(clients[name].launcher_ab, batch, 4)
                per_delivery[name].append((cpu_seconds(pid) - before) / made * 1e6)
        for client in clients.values():
            await client.close()
    return per_delivery


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", type=Path, help="the launcher measured against")
    parser.add_argument("b", type=Path, help="the launcher measured")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--batch", type=int, default=512)
    args = parser.parse_args()
    timings = asyncio.run(measure({"a": args.a, "b": args.b}, args.rounds, args.batch))
    for name, values in timings.items():
        print(name, "database µs of CPU per delivery, per round:", [round(v) for v in values])
    ratios = [b / a for a, b in zip(timings["a"], timings["b"], strict=True)]
    print(
        json.dumps(
            {
                "a_us": round(statistics.median(timings["a"]), 1),
                "b_us": round(statistics.median(timings["b"]), 1),
                "b_over_a": round(statistics.median(ratios), 3),
                "rounds": args.rounds,
                "batch": args.batch,
            }
        )
    )


if __name__ == "__main__":
    main()
