"""Recovery: how soon a killed worker's messages are attempted again.

Two `registry worker` processes, as shipped (their scheduler at its default interval,
production's delivery options), share the embedded database (or MONGODB_URI). Each
round queues --n deliveries (one batch) to a receiver in this process that never
answers: one worker claims them and keeps them on the wire, renewing its claims; the
other finds them held. Then the holder is killed (SIGKILL) and the receiver answers
200 from then on. For each message the bench takes the time from the kill to its next
arrival: the p50, p99 and worst over all rounds, and the spread of the rounds' medians.

In the same run, the baseline: how soon the surviving worker sends a message queued
while it is idle (its scheduler's polling, without a wake-up from another process).
`recovery_over_baseline` is the median recovery over that median.

    python -m bench.recovery [--rounds 5] [--n 64]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.delivery import CUSTOMER, p99, queue_deliveries
from registry import devdb
from registry.clock import SystemClock
from registry.services import webhooks
from registry.services.deps import Deps
from registry.services.outbox.options import DEFAULT_OPTIONS
from registry.settings import Settings
from registry.store import deliveries, delivery_queue, webhook_subscriptions
from registry.store.database import connect


class Receiver:
    """Records when each webhook-id arrives; hangs while `answering` is unset."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[float, str]] = []
        self.answering = asyncio.Event()
        self.arrived = asyncio.Event()
        self.port = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0, backlog=1024)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
                _, *lines = head.removesuffix("\r\n\r\n").split("\r\n")
                headers = {
                    k.strip().lower(): v.strip() for k, v in (ln.split(":", 1) for ln in lines)
                }
                await reader.readexactly(int(headers.get("content-length", "0")))
                self.arrivals.append((time.monotonic(), headers.get("webhook-id", "")))
                self.arrived.set()
                await self.answering.wait()
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def until(self, count: int) -> None:
        async with asyncio.timeout(60):
            while len(self.arrivals) < count:
                self.arrived.clear()
                await self.arrived.wait()


@contextlib.asynccontextmanager
async def worker(env: dict[str, str]) -> AsyncIterator[asyncio.subprocess.Process]:
    """A `registry worker` process, yielded once it says it runs."""
    with tempfile.TemporaryFile() as log:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "registry",
            "worker",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=log,
        )
        try:
            assert proc.stdout is not None
            async with asyncio.timeout(60):
                line = await proc.stdout.readline()
            if b"running" not in line:
                log.seek(0)
                said = log.read().decode(errors="replace")[-2000:]
                raise RuntimeError(f"the worker did not start: {line!r}\n{said}")
            yield proc
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGKILL)
            await proc.wait()


async def _drained(deps: Deps) -> None:
    """Until the queue is empty: the other process's writes ring no bell here."""
    async with asyncio.timeout(60):
        while await deps.db[delivery_queue.NAME].count_documents({}):  # noqa: ASYNC110
            await asyncio.sleep(0.05)


async def one_round(
    deps: Deps, env: dict[str, str], receiver: Receiver, sub_id: str, n: int
) -> dict[str, Any]:
    """Kill the worker holding a batch; returns each message's time to its next attempt,
    and how soon the survivor sends a message queued while it idles."""
    receiver.arrivals.clear()
    receiver.answering.clear()
    async with worker(env) as first:
        await queue_deliveries(deps, sub_id, n, 1)
        await receiver.until(n)  # all on the wire, from whichever worker claimed them
        async with worker(env) as second:
            # Both run: the first renews its claims (the second started after every
            # message was on the wire, and finds them held). Two renewals go by.
            await asyncio.sleep(2 * DEFAULT_OPTIONS.renew_every.total_seconds())
            held = len(receiver.arrivals)
            holders = {doc["owner"] async for doc in deps.db[delivery_queue.LEASES].find({})}
            assert len(holders) == 1, holders
            killed_at = time.monotonic()
            first.send_signal(signal.SIGKILL)
            receiver.answering.set()
            await first.wait()
            await receiver.until(held + n)
            await _drained(deps)
            again: dict[str, float] = {}
            for at, delivery_id in receiver.arrivals[held:]:
                again.setdefault(delivery_id, at - killed_at)
            # The baseline: one message queued while the survivor idles.
            mark = len(receiver.arrivals)
            queued_at = time.monotonic()
            await queue_deliveries(deps, sub_id, 1, 1)
            await receiver.until(mark + 1)
            pickup = receiver.arrivals[mark][0] - queued_at
            await _drained(deps)
            assert second.returncode is None  # the survivor did it all
    return {"recovery_s": sorted(again.values()), "held": held, "pickup_s": pickup}


async def run(rounds: int, n: int) -> dict[str, Any]:
    with contextlib.ExitStack() as stack:
        uri = os.environ.get("MONGODB_URI")
        database = "MONGODB_URI"
        if not uri:
            tmp = stack.enter_context(tempfile.TemporaryDirectory())
            uri = stack.enter_context(devdb.running(Path(tmp)))
            database = "embedded FerretDB v1 (SQLite)"
        settings = Settings(
            _env_file=None,
            mongodb_uri=uri,
            db_name=f"bench_recovery_{uuid.uuid4().hex[:6]}",
            webhook_allow_cidrs="127.0.0.1/32",
            secret_key="bench-only-secret-key",  # noqa: S106 - a throwaway database
        )
        env = {
            **os.environ,
            "MONGODB_URI": uri,
            "REGISTRY_DB_NAME": settings.db_name,
            "REGISTRY_SECRET_KEY": "bench-only-secret-key",
            "REGISTRY_WEBHOOK_ALLOW_CIDRS": "127.0.0.1/32",
        }
        client = connect(uri)
        db = client[settings.db_name]
        receiver = Receiver()
        await receiver.start()
        try:
            await webhook_subscriptions.ensure_indexes(db)
            await deliveries.ensure_indexes(db)
            await delivery_queue.ensure_indexes(db)
            deps = Deps(db=db, clock=SystemClock(), settings=settings)
            sub, _ = await webhooks.create_subscription(
                deps, CUSTOMER, url=f"http://127.0.0.1:{receiver.port}/hook"
            )
            results = []
            for number in range(rounds):
                result = await one_round(deps, env, receiver, sub.id, n)
                results.append(result)
                times = result["recovery_s"]
                print(
                    json.dumps(
                        {
                            "round": number + 1,
                            "messages": len(times),
                            "recovery_p50_s": round(statistics.median(times), 2),
                            "recovery_max_s": round(max(times), 2),
                            "pickup_s": round(result["pickup_s"], 2),
                        }
                    ),
                    flush=True,
                )
        finally:
            await receiver.stop()
            await client.drop_database(settings.db_name)
            await client.close()
    every = [t for r in results for t in r["recovery_s"]]
    medians = [statistics.median(r["recovery_s"]) for r in results]
    pickups = [r["pickup_s"] for r in results]
    p50 = statistics.median(every)
    return {
        "rounds": rounds,
        "messages_per_round": n,
        "recovered": sum(len(r["recovery_s"]) for r in results),
        "recovery_p50_s": round(p50, 2),
        "recovery_p99_s": round(p99(every), 2),
        "recovery_max_s": round(max(every), 2),
        "recovery_round_medians_s": [round(m, 2) for m in medians],
        "baseline_pickup_p50_s": round(statistics.median(pickups), 2),
        "recovery_over_baseline": round(p50 / statistics.median(pickups), 2),
        "lease_s": DEFAULT_OPTIONS.lease.total_seconds(),
        "renew_every_s": DEFAULT_OPTIONS.renew_every.total_seconds(),
        "database": database,
        "cpus": os.cpu_count(),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--n", type=int, default=64, help="messages held by the killed worker")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.rounds, args.n))))


if __name__ == "__main__":
    main()
