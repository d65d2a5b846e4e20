"""The cost curve: one change announced to 10,000, 100,000 (and 1,000,000) customers.

For each size, a fresh embedded database (or a fresh database on MONGODB_URI) gets N
customers (four contract terms, as `bench.fanout` makes them), of which --subscribers
have a webhook subscription to a receiver in its own process. Then one ADD change is
announced through the GraphQL API, and the bench times what the scheduler does with it:

- `announce_ms`: the mutation, as the staff member waits for it;
- `fanout_s`, `notices_per_s`: expanding the change into N notices (`expand_changes`
  until it has nothing left), and `fanout_us_per_customer`;
- `webhooks_s`: dispatching the subscribers' events and delivering them
  (`dispatch_events`, then `deliver_due`, until both are idle), `webhooks_delivered`
  as the receiver counted them;
- `peak_rss_mb`: the bench process (API, scheduler jobs) at its largest so far, and
  `database_peak_rss_mb` the embedded database's (the largest finished so far);
- `database_mb`: the database's files on disk after the run (embedded database only).

A run of 100 customers goes first and is not reported (the first announce in a process
pays for imports). `cost_over_smallest` divides each size's fan-out cost per customer by
the smallest size's, measured in the same run (1.0: flat). Last line: one JSON object.

    python -m bench.scale [--customers 10000 100000 1000000] [--subscribers 100]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import resource
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bson import ObjectId

from bench.fanout import START, add_customers, announce_once
from registry import devdb
from registry.clock import FrozenClock
from registry.delivery.sender import build_client
from registry.domain.models import Role
from registry.services import webhooks
from registry.services.caller import Caller
from registry.services.change_jobs import expand_changes
from registry.services.outbox.dispatch import dispatch_events
from registry.services.outbox.worker import deliver_due
from registry.store import customers
from tests.conftest import make_settings, running_api


class Receiver:
    """Answers 200 to every request and counts the webhook ids it saw (in this process:
    a few hundred requests)."""

    def __init__(self) -> None:
        self.ids: set[str] = set()
        self.requests = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
                _, *lines = head.removesuffix("\r\n\r\n").split("\r\n")
                headers = {
                    k.strip().lower(): v.strip() for k, v in (ln.split(":", 1) for ln in lines)
                }
                await reader.readexactly(int(headers.get("content-length", "0")))
                self.requests += 1
                self.ids.add(headers.get("webhook-id", ""))
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


WARM_UP = -1
"""A first size of 100 customers, not reported: the first announce in a process pays
for imports and caches."""


def _rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def _size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


async def one_size(uri: str, count: int, subscribers: int, data_dir: Path | None) -> dict[str, Any]:
    name = f"bench_scale_{count}_{ObjectId()}"
    settings = make_settings(uri, name, webhook_allow_cidrs="127.0.0.1/32")
    async with running_api(settings, FrozenClock(START)) as api:
        began = time.perf_counter()
        await add_customers(api, count, scoped=False)
        setup_s = time.perf_counter() - began
        receiver = Receiver()
        server = await asyncio.start_server(receiver.handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        chosen = api.deps.db[customers.NAME].find({}, {"_id": 1}).limit(subscribers)
        subscribed = [doc["_id"] async for doc in chosen]
        for customer_id in subscribed:
            caller = Caller(role=Role.CUSTOMER, customer_id=customer_id)
            await webhooks.create_subscription(
                api.deps, caller, url=f"http://127.0.0.1:{port}/hook"
            )
        async with server:
            announce_ms, change_id = await announce_once(api, scoped=False)
            began = time.perf_counter()
            while await expand_changes(api.deps, "bench-worker"):
                pass
            fanout_s = time.perf_counter() - began
            notices = await api.deps.db["notices"].count_documents({"change_id": change_id})
            assert notices == count, (notices, count)
            async with build_client() as client:
                deps = dataclasses.replace(api.deps, webhook_client=client)
                began = time.perf_counter()
                while True:
                    done = await dispatch_events(deps, "bench-worker")
                    done += await deliver_due(deps, "bench-worker")
                    if not done:
                        break
                webhooks_s = time.perf_counter() - began
        if data_dir is None:  # a server of its own: its files are measured, then go
            await api.deps.db.client.drop_database(name)
    return {
        "customers": count,
        "setup_s": round(setup_s, 1),
        "announce_ms": round(announce_ms, 1),
        "fanout_s": round(fanout_s, 2),
        "notices_per_s": round(count / fanout_s),
        "fanout_us_per_customer": round(fanout_s / count * 1e6, 1),
        "subscribers": len(subscribed),
        "webhooks_delivered": len(receiver.ids),
        "webhook_requests": receiver.requests,
        "webhooks_s": round(webhooks_s, 2),
        "peak_rss_mb": round(_rss_mb(resource.RUSAGE_SELF), 1),
    }


async def run(sizes: list[int], subscribers: int) -> dict[str, Any]:
    results: list[dict[str, Any]] = []
    uri = os.environ.get("MONGODB_URI")
    for count in [WARM_UP, *sizes]:
        with contextlib.ExitStack() as stack:
            data_dir: Path | None = None
            if not uri:
                data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
                used = stack.enter_context(devdb.running(data_dir))
            else:
                used = uri
            size = 100 if count is WARM_UP else count
            result = await one_size(used, size, min(subscribers, size), data_dir)
            if data_dir is not None:
                result["database_mb"] = round(_size_mb(data_dir), 1)
        result["database_peak_rss_mb"] = round(_rss_mb(resource.RUSAGE_CHILDREN), 1)
        if count is WARM_UP:
            continue
        results.append(result)
        print(json.dumps(result), flush=True)
    smallest = results[0]["fanout_us_per_customer"]
    return {
        "sizes": [r["customers"] for r in results],
        "announce_ms": [r["announce_ms"] for r in results],
        "fanout_s": [r["fanout_s"] for r in results],
        "notices_per_s": [r["notices_per_s"] for r in results],
        "fanout_us_per_customer": [r["fanout_us_per_customer"] for r in results],
        "cost_over_smallest": [round(r["fanout_us_per_customer"] / smallest, 3) for r in results],
        "webhooks_delivered": [r["webhooks_delivered"] for r in results],
        "webhooks_s": [r["webhooks_s"] for r in results],
        "peak_rss_mb": [r["peak_rss_mb"] for r in results],
        "database_peak_rss_mb": [r["database_peak_rss_mb"] for r in results],
        "database_mb": [r.get("database_mb") for r in results],
        "subscribers": subscribers,
        "database": "MONGODB_URI" if uri else "embedded FerretDB v1 (SQLite)",
        "cpus": os.cpu_count(),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--subscribers", type=int, default=100)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(sorted(args.customers), args.subscribers))))


if __name__ == "__main__":
    main()
