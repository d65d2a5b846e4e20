"""Webhook delivery throughput: the real worker path against a local receiver.

For each concurrency C, N deliveries are queued on the embedded database (or
MONGODB_URI) and `deliver_due` drains them, claiming --batch at a time (at least four
times C, so that C requests stay in flight while the next batch is claimed) with C
requests in flight: claim (lease slots + conditional updates), SSRF check, sign,
send over httpx to a receiver in a separate process that verifies every
signature, record (bulk fenced writes). In the same run, with the same body and
concurrency:

- `reference_per_s`: plain POSTs from aiohttp with its defaults (keep-alive),
  and `reference_fresh_connections_per_s`, a new connection per request;
- `sender_only_per_s`: our SSRF check + signing + httpx send without the database,
  which splits the gap between HTTP and storage;
- `client_only_per_s`: plain POSTs through our delivery client, which splits what
  httpx's API costs over aiohttp from what checking and signing cost.

`vs_client` is the worker path against our client alone, the issue's measure of what
delivery's own work costs. With it, CPU time per message: the worker's process
(`worker_cpu_us`), the embedded database's (`database_cpu_us`, read from /proc) and
the client alone's (`client_only_cpu_us`), which say whether the run was bound by
cores rather than by waiting.

The worker phase stops after --time-limit seconds per concurrency; `delivered`
then says how many of the N went out. Last line: one JSON object.

The deliveries notify --changes changes in turn (default 10: the fan-out of a few
announcements, each change's snapshot stored once and read once per worker); --changes
equal to --n makes every delivery a different change, each snapshot read for one message.

    python -m bench.delivery [--n 20000] [--concurrency 64 512] [--batch 512] [--changes 10]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import httpx
from standardwebhooks import Webhook

from bench.processes import cpu_seconds
from registry import devdb
from registry.clock import SystemClock
from registry.delivery.bodies import delivery_body, render_body
from registry.delivery.sender import build_client
from registry.domain.event_types import EventType
from registry.domain.events import Event
from registry.domain.models import Role
from registry.services import webhooks
from registry.services.caller import Caller
from registry.services.deps import Deps
from registry.services.outbox.batch import Batch
from registry.services.outbox.options import DeliveryOptions
from registry.services.outbox.worker import deliver_due
from registry.settings import Settings
from registry.store import deliveries, delivery_queue, events, webhook_subscriptions
from registry.store.database import connect
from tests.event_bodies import change, event_data

CUSTOMER = Caller(role=Role.CUSTOMER, customer_id="cus_" + "b" * 24)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def p99(values: list[float]) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100)[98]


# --- the receiver (its own process) ---------------------------------------------------


async def receive(port: int, secret: str) -> None:
    """Answer 200 to everything; verify and count webhook deliveries; GET /stats."""
    verifier = Webhook(secret)
    stats = {"deliveries": 0, "verified": 0, "plain": 0}
    ids: set[str] = set()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:  # keep-alive when the client wants it
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
                request_line, *lines = head.removesuffix("\r\n\r\n").split("\r\n")
                path = request_line.split(" ")[1]
                headers = {
                    k.strip().lower(): v.strip() for k, v in (ln.split(":", 1) for ln in lines)
                }
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                reply = b"ok"
                if path == "/stats":
                    reply = json.dumps({**stats, "unique_ids": len(ids)}).encode()
                elif path == "/hook":
                    stats["deliveries"] += 1
                    with contextlib.suppress(Exception):
                        verifier.verify(body, headers, json_parse=False)
                        stats["verified"] += 1
                        ids.add(headers["webhook-id"])
                else:
                    stats["plain"] += 1
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(reply), reply)
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=4096)
    async with server:
        await server.serve_forever()


@contextlib.contextmanager
def receiver_process(secret: str, port: int) -> Iterator[None]:
    env = {**os.environ, "BENCH_WEBHOOK_SECRET": secret}  # not argv: ps shows argv
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.delivery", "--receiver", "--port", str(port)], env=env
    )
    try:
        deadline = time.monotonic() + 10
        while not devdb.port_in_use("127.0.0.1", port):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the receiver did not start")
            time.sleep(0.05)
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# --- the measured paths ----------------------------------------------------------------


async def queue_deliveries(
    deps: Deps, subscription_id: str, count: int, changes: int
) -> tuple[list[str], str]:
    """N pending deliveries of real change notices, as dispatch makes them: one event each
    (the vendor's snapshot stored once per change and shared, a notice link signed at
    send), the delivery holding the event's own part. The deliveries notify `changes`
    changes in turn, as the fan-out of a few announcements does.
    Returns the delivery ids and one body as sent, for the reference paths."""
    now = deps.clock.now()
    customer = CUSTOMER.customer_id or ""
    outbox: list[Event] = []
    queued: list[dict[str, Any]] = []
    made: list[str] = []
    sample = ""
    announced = [change() for _ in range(max(1, changes))]
    for n in range(count):
        event = Event(
            type=EventType.CHANGE_ANNOUNCED,
            customer_id=customer,
            occurred_at=now,
            dedupe_key=f"bench:{uuid.uuid4().hex}",
            data=event_data(
                customer, of=announced[n % len(announced)], at=now.replace(microsecond=0)
            ),
        )
        document = events.to_document(event)
        sample = sample or render_body(document)
        outbox.append(event)
        (stored,), _ = events.stored_forms([document])
        doc = deliveries.new_document(
            delivery_id=events.delivery_id(document, subscription_id),
            event_id=document["_id"],
            event_type="change.announced",
            subscription_id=subscription_id,
            customer_id=customer,
            body=delivery_body(stored),
            now=now,
        )
        queued.append(doc)
        made.append(doc["_id"])
        if len(queued) == 1000:
            await _queue(deps, outbox, queued)
            outbox, queued = [], []
    await _queue(deps, outbox, queued)
    return made, sample


async def _queue(deps: Deps, outbox: list[Event], docs: list[dict[str, Any]]) -> None:
    now = deps.clock.now()
    if outbox:
        await events.emit_many(deps.db, outbox)
    await deliveries.insert_new(deps.db, docs)
    await delivery_queue.enqueue(deps.db, [delivery_queue.new_entry(d["_id"], now) for d in docs])


BATCHES_IN_FLIGHT = 4
"""A batch holds at least this many times the requests in flight: with one batch's
worth in flight at once, each batch ended waiting for its slowest answer before the
next could start, and concurrency 512 ran at 750/s where 2,048 a batch ran at 1,014/s."""


def worker_options(concurrency: int, batch: int) -> DeliveryOptions:
    """Production's timeouts and leases (renewed while a batch is in flight)."""
    return DeliveryOptions(batch_size=batch, concurrency=concurrency)


async def worker_path(
    deps: Deps, options: DeliveryOptions, time_limit: float
) -> tuple[int, float, list[float]]:
    started = time.perf_counter()
    delivered = 0
    while time.perf_counter() - started < time_limit:
        done = await deliver_due(deps, "bench-worker", options=options)
        if done == 0:
            break
        delivered += done
    elapsed = time.perf_counter() - started
    log = deps.db[deliveries.ATTEMPTS].find({"outcome": "success"}, {"latency_ms": 1})
    latencies = [attempt["latency_ms"] async for attempt in log]
    return delivered, elapsed, latencies


async def sender_only(deps: Deps, ids: list[str], concurrency: int) -> float:
    """Our SSRF check + signing + httpx send, without claiming or recording."""
    docs = deps.db[deliveries.NAME].find({"_id": {"$in": ids[: min(len(ids), 5000)]}})
    sample = [deliveries.from_document(doc) async for doc in docs]
    options = worker_options(concurrency, concurrency)
    assert deps.webhook_client is not None
    started = time.perf_counter()
    for start in range(0, len(sample), concurrency):
        chunk = sample[start : start + concurrency]
        batch = await Batch.prepare(deps, chunk, options)
        now = deps.clock.now()
        await asyncio.gather(
            *(batch.send(deps.webhook_client, d, batch.subs[d.subscription_id], now) for d in chunk)
        )
    return len(sample) / (time.perf_counter() - started)


async def client_only(
    client: httpx.AsyncClient, port: int, body: bytes, count: int, concurrency: int
) -> float:
    """Plain POSTs through our delivery client (httpx's API over aiohttp's pool): what
    httpx's API costs over the reference, without checking, signing or storage."""
    remaining = iter(range(count))
    url = f"http://127.0.0.1:{port}/plain"
    headers = {"content-type": "application/json"}

    async def post_loop() -> None:
        for _ in remaining:
            response = await client.post(url, content=body, headers=headers)
            assert response.status_code == 200

    started = time.perf_counter()
    await asyncio.gather(*(post_loop() for _ in range(concurrency)))
    return count / (time.perf_counter() - started)


async def reference(
    port: int, body: bytes, count: int, concurrency: int, *, keepalive: bool
) -> tuple[float, list[float]]:
    latencies: list[float] = []
    remaining = iter(range(count))
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=not keepalive)
    url = f"http://127.0.0.1:{port}/plain"
    headers = {"content-type": "application/json"}
    async with aiohttp.ClientSession(connector=connector) as session:

        async def post_loop() -> None:
            for _ in remaining:
                sent = time.perf_counter()
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                    assert response.status == 200
                latencies.append((time.perf_counter() - sent) * 1000)

        started = time.perf_counter()
        await asyncio.gather(*(post_loop() for _ in range(concurrency)))
        return count / (time.perf_counter() - started), latencies


def launcher_pid(data_dir: str) -> int | None:
    """The embedded database serving `data_dir` (its CPU time is read from /proc)."""
    found = subprocess.run(
        ["pgrep", "-f", "--", f"--data-dir {data_dir}"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    return int(found[0]) if found else None


def per_message_us(seconds: float, count: int) -> float:
    return round(seconds / count * 1e6, 1) if count else 0.0


async def one_concurrency(
    uri: str,
    count: int,
    concurrency: int,
    batch: int,
    time_limit: float,
    changes: int,
    database_pid: int | None = None,
) -> dict[str, Any]:
    client = connect(uri)
    settings = Settings(
        _env_file=None,
        mongodb_uri=uri,
        db_name=f"bench_delivery_{concurrency}_{uuid.uuid4().hex[:6]}",
        webhook_allow_cidrs="127.0.0.1/32",
        secret_key="bench-only-secret-key",  # noqa: S106 - a throwaway database
    )
    db = client[settings.db_name]
    await webhook_subscriptions.ensure_indexes(db)
    await deliveries.ensure_indexes(db)
    await delivery_queue.ensure_indexes(db)
    http = build_client(max_connections=concurrency)
    deps = Deps(db=db, clock=SystemClock(), settings=settings, webhook_client=http)
    try:
        result: dict[str, Any] = {}
        with contextlib.ExitStack() as stack:
            port = devdb.free_port()
            sub, secret = await webhooks.create_subscription(
                deps, CUSTOMER, url=f"http://127.0.0.1:{port}/hook"
            )
            stack.enter_context(receiver_process(secret, port))
            queued = time.perf_counter()
            ids, sample = await queue_deliveries(deps, sub.id, count, changes)
            queued = time.perf_counter() - queued
            options = worker_options(concurrency, max(batch, BATCHES_IN_FLIGHT * concurrency))
            ours, database = time.process_time(), cpu_seconds(database_pid)
            delivered, elapsed, latencies = await worker_path(deps, options, time_limit)
            ours, database = time.process_time() - ours, cpu_seconds(database_pid) - database
            body = sample.encode()
            async with httpx.AsyncClient() as probe:
                stats = (await probe.get(f"http://127.0.0.1:{port}/stats")).json()
            ref_per_s, ref_latencies = await reference(
                port, body, count, concurrency, keepalive=True
            )
            fresh_per_s, _ = await reference(port, body, count, concurrency, keepalive=False)
            only_per_s = await sender_only(deps, ids, concurrency)
            client_cpu = time.process_time()
            client_per_s = await client_only(http, port, body, count, concurrency)
            client_cpu = time.process_time() - client_cpu
            per_s = delivered / elapsed if elapsed else 0.0
            result = {
                "delivered": delivered,
                "complete": delivered == count,
                "seconds": round(elapsed, 2),
                "per_s": round(per_s, 1),
                "reference_per_s": round(ref_per_s, 1),
                "reference_fresh_connections_per_s": round(fresh_per_s, 1),
                "sender_only_per_s": round(only_per_s, 1),
                "client_only_per_s": round(client_per_s, 1),
                "ratio": round(per_s / ref_per_s, 4),
                "vs_client": round(per_s / client_per_s, 4),
                # CPU per message: where the time goes on a machine with few cores.
                "worker_cpu_us": per_message_us(ours, delivered),
                "database_cpu_us": per_message_us(database, delivered),
                "client_only_cpu_us": per_message_us(client_cpu, count),
                "p99_ms": round(p99(latencies), 1),
                "reference_p99_ms": round(p99(ref_latencies), 1),
                "receiver_verified": stats["verified"],
                "receiver_unique_ids": stats["unique_ids"],
                "queue_insert_per_s": round(count / queued, 1),
            }
        return result
    finally:
        await http.aclose()
        await client.drop_database(settings.db_name)
        await client.close()


async def run(
    count: int, levels: list[int], batch: int, time_limit: float, changes: int
) -> dict[str, Any]:
    with contextlib.ExitStack() as stack:
        uri = os.environ.get("MONGODB_URI")
        database = "MONGODB_URI"
        database_pid = None
        if not uri:
            tmp = stack.enter_context(tempfile.TemporaryDirectory())
            uri = stack.enter_context(devdb.running(Path(tmp)))
            database = "embedded FerretDB v1 (SQLite)"
            database_pid = launcher_pid(tmp)
        by_level = {}
        for level in levels:
            by_level[str(level)] = await one_concurrency(
                uri, count, level, batch, time_limit, changes, database_pid
            )
            print(json.dumps({"concurrency": level, **by_level[str(level)]}), flush=True)

    def pick(key: str) -> dict[str, Any]:
        return {level: result[key] for level, result in by_level.items()}

    return {
        "deliveries": count,
        "changes": min(max(1, changes), count),
        "delivered": pick("delivered"),
        "per_s": pick("per_s"),
        "reference_per_s": pick("reference_per_s"),
        "ratio": pick("ratio"),
        "p99_ms": pick("p99_ms"),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "sender_only_per_s": pick("sender_only_per_s"),
        "client_only_per_s": pick("client_only_per_s"),
        "vs_client": pick("vs_client"),
        "worker_cpu_us": pick("worker_cpu_us"),
        "database_cpu_us": pick("database_cpu_us"),
        "client_only_cpu_us": pick("client_only_cpu_us"),
        "reference_fresh_connections_per_s": pick("reference_fresh_connections_per_s"),
        "batch": batch,
        "database": database,
        "cpus": os.cpu_count(),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=20_000, help="deliveries per concurrency")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[64, 512])
    parser.add_argument("--batch", type=int, default=512, help="deliveries claimed per call")
    parser.add_argument(
        "--changes",
        type=int,
        default=10,
        help="changes the deliveries notify (each one's snapshot is stored and read once); "
        "--changes equal to --n, every delivery a different change, is the worst case",
    )
    parser.add_argument("--time-limit", type=float, default=120.0, help="seconds per level")
    parser.add_argument("--receiver", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.receiver:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(receive(args.port, os.environ["BENCH_WEBHOOK_SECRET"]))
        return
    print(
        json.dumps(
            asyncio.run(run(args.n, args.concurrency, args.batch, args.time_limit, args.changes))
        )
    )


if __name__ == "__main__":
    main()
