"""Console benchmark: server time of every staff console page on a registry of realistic size.

Seeds 500 subprocessors (450 in force, 50 proposed; 1-3 locations and 0-2 transfer
bases each), 10,000 customers over eight sets of terms, three announced changes with
their 30,000 notices and 40 open objections on the embedded database, signs in with an
ADMIN key, and times each console page through the ASGI app in-process (no network,
no browser: the server's time to answer). Each page is timed cold (the registry version
bumped before every view, so the page is built from the database: from the digests it
reads by `_id`, as after any write elsewhere) and warm (served from the per-session
page cache). Target: p95 under 100 ms per page. Then the first view after a write to
what a digest summarises (a vendor's facts, a customer), which rebuilds it, is timed
for the pages reading one. Last line: one JSON object.

    python -m bench.console [--subprocessors 500] [--customers 10000] [--requests 40] [--trace]

`--trace` also prints, for one cold view of each page, every database command it
sent with its time and the documents it returned: what a page reads.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bson import ObjectId
from pymongo import monitoring

from registry import devdb
from registry.clock import FrozenClock
from registry.domain.drafts import ChangeAnnouncement, ObjectionFiling
from registry.domain.models import (
    ChangeKind,
    Customer,
    CustomerTerms,
    DataOrigin,
    LocationRole,
    ProcessingLocation,
    Role,
    StatusChange,
    Subprocessor,
    SubprocessorStatus,
    TransferBasis,
    TransferMechanism,
)
from registry.services import changes
from registry.services.caller import Caller
from registry.services.change_jobs import expand_changes
from registry.store import (
    customer_groups,
    customer_roster,
    customer_terms,
    customers,
    digests,
    ids,
    meta,
    processing_locations,
    subprocessors,
    transfer_bases,
)
from tests.conftest import Api, make_settings
from tests.web.console_support import browser_like, sign_in, token_of
from tests.web.support import running_web_api

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
TERMS = [
    CustomerTerms(),
    CustomerTerms(notice_period="P30D", objection_window="P14D"),
    CustomerTerms(notice_period="P1M", allows_emergency_replacement=True),
    CustomerTerms(notice_period="P6M", data_origin=DataOrigin.UK, weekend_rolls_to_monday=True),
    CustomerTerms(notice_period="P2M", time_zone="Europe/Berlin"),
    CustomerTerms(notice_period="P60D", objection_window="P30D", time_zone="America/New_York"),
    CustomerTerms(notice_period="P3M", data_origin=DataOrigin.CH, time_zone="Europe/Zurich"),
    CustomerTerms(notice_period="P45D", time_zone="Asia/Tokyo"),
]
COUNTRIES = ["IE", "DE", "FR", "NL", "US", "GB", "JP", "IN", "AU", "CA", "SE", "SG"]
MECHANISMS = [TransferMechanism.SCC_2021, TransferMechanism.EU_US_DPF, TransferMechanism.BCR]
ADMIN = Caller(role=Role.ADMIN, key_id="bench")
# Pages read from digests, and the topic whose write makes their next view rebuild one.
REBUILT = {
    "overview": digests.VENDORS,
    "subprocessors": digests.VENDORS,
    "announce_form": digests.VENDORS,
    "customers": digests.CUSTOMERS,
}
REBUILDS = 5


async def seed_vendors(api: Api, count: int) -> list[str]:
    rng = random.Random(7)
    proposed: list[str] = []
    for n in range(count):
        active = n % 10 != 0
        sub = Subprocessor(
            id=ids.new_id("Subprocessor"),
            legal_name=f"Vendor {n:04d} Ltd",
            purpose=rng.choice(["Hosting", "Email delivery", "Analytics", "Support desk"]),
            status=SubprocessorStatus.ACTIVE if active else SubprocessorStatus.PROPOSED,
            created_at=START - timedelta(days=400),
            status_history=(StatusChange(SubprocessorStatus.PROPOSED, START),),
            active_from=START - timedelta(days=365) if active else None,
        )
        await subprocessors.insert(api.deps.db, sub)
        if not active:
            proposed.append(sub.id)
        for country in rng.sample(COUNTRIES, rng.randint(1, 3)):
            await processing_locations.upsert(
                api.deps.db,
                ProcessingLocation(
                    id=ids.new_id("ProcessingLocation"),
                    subprocessor_id=sub.id,
                    country=country,
                    role=rng.choice(list(LocationRole)),
                ),
            )
        for _ in range(rng.randint(0, 2)):
            mechanism = rng.choice(MECHANISMS)
            await transfer_bases.upsert(
                api.deps.db,
                TransferBasis(
                    id=ids.new_id("TransferBasis"),
                    subprocessor_id=sub.id,
                    mechanism=mechanism,
                    destination=rng.choice(["US", "IN", "AU", "SG"]),
                    valid_from=date(2024, 1, 1),
                    scc_module=2 if mechanism is TransferMechanism.SCC_2021 else None,
                ),
            )
    return proposed


async def seed_customers(api: Api, count: int) -> None:
    for terms in TERMS:
        await customer_terms.remember(api.deps.db, terms)
    made = [
        Customer(
            id=f"cus_{ObjectId()}",
            name=f"Customer {n:06d}",
            terms=TERMS[n % len(TERMS)],
            created_at=START,
            notice_emails=(f"privacy@customer{n}.example",),
        )
        for n in range(count)
    ]
    for customer in made[: len(TERMS)]:
        await customer_groups.remember(api.deps.db, customer)
    for start in range(0, count, 5000):
        batch = [customers.to_document(c) for c in made[start : start + 5000]]
        await api.deps.db[customers.NAME].insert_many(batch, ordered=False)
        await customer_roster.add_many(api.deps.db, [(d["_id"], d["group"]) for d in batch])
    # Written in bulk past the store's functions: count the write as they would.
    await digests.bump(api.deps.db, digests.CUSTOMERS)


async def seed_changes(api: Api, proposed: list[str], objections: int) -> str:
    announced = [
        await changes.announce_change(api.deps, ADMIN, ChangeAnnouncement(ChangeKind.ADD, sub))
        for sub in proposed[:3]
    ]
    while await expand_changes(api.deps, "bench"):
        pass
    some = [
        d["_id"] async for d in api.deps.db[customers.NAME].find({}, {"_id": 1}).limit(objections)
    ]
    for customer_id in some:
        await changes.file_objection(
            api.deps,
            ADMIN,
            ObjectionFiling(
                change_id=announced[0].id,
                reason="We need to review this vendor",
                customer_id=customer_id,
            ),
        )
    return announced[0].id


class Trace(monitoring.CommandListener):
    """Every database command while `on`: (command, collection, ms, documents returned)."""

    def __init__(self) -> None:
        self.on = False
        self.started_at: dict[int, tuple[str, str]] = {}
        self.seen: list[tuple[str, str, float, int]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if self.on:
            target = event.command.get(event.command_name)
            if not isinstance(target, str):  # getMore names its cursor, then the collection
                target = event.command.get("collection", "")
            self.started_at[event.request_id] = (event.command_name, str(target))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        what = self.started_at.pop(event.request_id, None)
        if what is not None:
            cursor = event.reply.get("cursor", {})
            docs = len(cursor.get("firstBatch", cursor.get("nextBatch", [])))
            self.seen.append((*what, event.duration_micros / 1000, docs))

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        self.started_at.pop(event.request_id, None)


async def _trace(client: Any, path: str, api: Api, trace: Trace) -> None:
    await meta.bump(api.deps.db)
    trace.seen, trace.started_at, trace.on = [], {}, True
    began = time.perf_counter()
    await client.get(path)
    elapsed = (time.perf_counter() - began) * 1000
    trace.on = False
    db_ms = sum(ms for _, _, ms, _ in trace.seen)
    print(f"  {path}: {elapsed:.1f} ms, {len(trace.seen)} commands, {db_ms:.1f} ms in them")
    for command, collection, ms, docs in trace.seen:
        print(f"    {ms:8.1f} ms  {command:10s} {collection:24s} {docs:6d} docs")


async def _times(client: Any, path: str, requests: int, bump: Api | None) -> list[float]:
    samples = []
    for n in range(requests + 3):
        if bump is not None:
            await meta.bump(bump.deps.db)
        began = time.perf_counter()
        response = await client.get(path)
        elapsed = (time.perf_counter() - began) * 1000
        assert response.status_code == 200, (path, response.status_code)
        if n >= 3:  # warm-up: template compilation, first queries
            samples.append(elapsed)
    return samples


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18]


async def measure(
    uri: str, vendors: int, count: int, requests: int, trace: Trace | None
) -> dict[str, Any]:
    settings = make_settings(uri, f"bench_console_{ObjectId()}")
    async with running_web_api(settings, FrozenClock(START)) as api:
        began = time.perf_counter()
        proposed = await seed_vendors(api, vendors)
        print(f"vendors seeded in {time.perf_counter() - began:.1f} s", flush=True)
        await seed_customers(api, count)
        print(f"customers seeded in {time.perf_counter() - began:.1f} s", flush=True)
        change_id = await seed_changes(api, proposed, 40)
        seeded_s = time.perf_counter() - began
        print(f"changes, notices and objections seeded in {seeded_s:.1f} s", flush=True)
        sample_vendor = (await subprocessors.all_matching(api.deps.db, subprocessors.ListFilter()))[
            7
        ]
        sample_customer = await api.deps.db[customers.NAME].find_one({}, sort=[("name", 1)])
        assert sample_customer is not None
        admin = await api.key(Role.ADMIN, name="bench")
        pages = {
            "overview": "/console",
            "subprocessors": "/console/subprocessors",
            "subprocessors_search": "/console/subprocessors?search=vendor%2001&country=US",
            "subprocessor": f"/console/subprocessors/{sample_vendor.id}",
            "subprocessor_edit": f"/console/subprocessors/{sample_vendor.id}/edit",
            "announce_form": "/console/announce",
            "change": f"/console/changes/{change_id}",
            "objections": "/console/objections",
            "customers": "/console/customers",
            "customer": f"/console/customers/{sample_customer['_id']}",
        }
        results: dict[str, dict[str, float]] = {}
        async with browser_like(api) as client:
            response = await sign_in(client, admin)
            assert response.status_code == 303, response.text
            if trace is not None:
                print("what one cold view of each page reads:", flush=True)
                for path in pages.values():
                    await client.get(path)  # templates compiled, first queries made
                    await _trace(client, path, api, trace)
            for name, path in pages.items():
                # Cold: something changed just before each view, so the page is built.
                cold = await _times(client, path, requests, bump=api)
                # Warm: nothing changed since the last view of the same page.
                warm = await _times(client, path, requests, bump=None)
                results[name] = {
                    "cold_p50_ms": statistics.median(cold),
                    "cold_p95_ms": p95(cold),
                    "warm_p50_ms": statistics.median(warm),
                    "warm_p95_ms": p95(warm),
                }
                print(
                    f"{name:22s} cold p50 {statistics.median(cold):7.1f} p95 {p95(cold):7.1f} ms"
                    f"   warm p50 {statistics.median(warm):6.1f} p95 {p95(warm):6.1f} ms",
                    flush=True,
                )
            # The first view after a write to what a digest summarises rebuilds it.
            rebuilt: dict[str, dict[str, float]] = {}
            for name, topic in REBUILT.items():
                samples = []
                for _ in range(REBUILDS):
                    await digests.bump(api.deps.db, topic)
                    await meta.bump(api.deps.db)
                    began = time.perf_counter()
                    response = await client.get(pages[name])
                    samples.append((time.perf_counter() - began) * 1000)
                    assert response.status_code == 200, (name, response.status_code)
                rebuilt[name] = {"p50_ms": statistics.median(samples), "max_ms": max(samples)}
                print(
                    f"{name:22s} first view after a {topic} write: p50"
                    f" {statistics.median(samples):7.1f} max {max(samples):7.1f} ms",
                    flush=True,
                )
            form = await client.get("/console/announce")
            token = token_of(form.text)
            samples = []
            for n in range(requests + 3):
                began = time.perf_counter()
                response = await client.post(
                    "/console/announce",
                    data={
                        "csrf_token": token,
                        "kind": "ADD",
                        "subprocessorId": proposed[5],
                        "intent": "preview",
                    },
                )
                elapsed = (time.perf_counter() - began) * 1000
                assert response.status_code == 200, response.text[:500]
                assert 'id="affected"' in response.text
                if n >= 3:
                    samples.append(elapsed)
            # A POST is never served from the page cache: every preview is computed.
            results["announce_preview"] = {
                "cold_p50_ms": statistics.median(samples),
                "cold_p95_ms": p95(samples),
                "warm_p50_ms": statistics.median(samples),
                "warm_p95_ms": p95(samples),
            }
            print(
                f"{'announce_preview':22s} p50 {statistics.median(samples):7.1f}"
                f" p95 {p95(samples):7.1f} ms",
                flush=True,
            )
        await api.deps.db.client.drop_database(settings.db_name)
    return {"seeded_s": seeded_s, "pages": results, "after_write": rebuilt}


async def main(vendors: int, count: int, requests: int, trace: bool) -> dict[str, Any]:
    listener = Trace() if trace else None
    if listener is not None:
        monitoring.register(listener)  # for clients made from now on
    with tempfile.TemporaryDirectory() as tmp, devdb.running(Path(tmp)) as uri:
        measured = await measure(uri, vendors, count, requests, listener)
    pages, rebuilt = measured["pages"], measured["after_write"]
    worst_cold = max(pages, key=lambda n: pages[n]["cold_p95_ms"])
    worst_warm = max(pages, key=lambda n: pages[n]["warm_p95_ms"])
    return {
        "subprocessors": vendors,
        "customers": count,
        "requests_per_page": requests,
        "seed_s": round(measured["seeded_s"], 1),
        "target_p95_ms": 100,
        "worst_cold_page": worst_cold,
        "worst_cold_p95_ms": round(pages[worst_cold]["cold_p95_ms"], 1),
        "worst_warm_page": worst_warm,
        "worst_warm_p95_ms": round(pages[worst_warm]["warm_p95_ms"], 1),
        "cold_p50_ms": {name: round(f["cold_p50_ms"], 1) for name, f in pages.items()},
        "cold_p95_ms": {name: round(f["cold_p95_ms"], 1) for name, f in pages.items()},
        "warm_p50_ms": {name: round(f["warm_p50_ms"], 1) for name, f in pages.items()},
        "warm_p95_ms": {name: round(f["warm_p95_ms"], 1) for name, f in pages.items()},
        "after_write_p50_ms": {n: round(f["p50_ms"], 1) for n, f in rebuilt.items()},
        "after_write_max_ms": {n: round(f["max_ms"], 1) for n, f in rebuilt.items()},
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subprocessors", type=int, default=500)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--trace", action="store_true", help="print what each page reads")
    args = parser.parse_args()
    figures = asyncio.run(main(args.subprocessors, args.customers, args.requests, args.trace))
    print(json.dumps(figures))
