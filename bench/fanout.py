"""Fan-out benchmark: one change announced to N customers on the embedded database.

Measures the announce mutation (through the ASGI app) at N=10 and at N, the
background expansion of N notices, and a bare `insert_many(ordered=False)` of
equally sized documents in the same run as the baseline. Last line: one JSON object.

With `--scoped` the customers are spread over 4 products x 2 hosting regions and the
change is scoped to one product in one region: only an eighth of them are affected,
and the baseline inserts as many documents as notices were written. The query plan
of the affected-chunk selection is printed.

With `--reachable 0.1` a tenth of the customers have a notice e-mail address, so they
also get a `change.announced` event with the change's snapshot (nothing is sent).

    python -m bench.fanout [--customers 100000] [--scoped] [--reachable 0.1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bson import ObjectId

from registry import devdb
from registry.clock import FrozenClock
from registry.domain.models import Customer, CustomerTerms, DataOrigin, Role
from registry.services.audience import affected_groups, audience_of
from registry.services.change_jobs import expand_changes
from registry.store import changes, customer_groups, customer_roster, customer_terms, customers
from tests.conftest import Api, make_settings, running_api

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
TERMS = [
    CustomerTerms(),
    CustomerTerms(notice_period="P30D", objection_window="P14D"),
    CustomerTerms(notice_period="P1M", allows_emergency_replacement=True),
    CustomerTerms(notice_period="P6M", data_origin=DataOrigin.UK, weekend_rolls_to_monday=True),
]
ANNOUNCE = """mutation($id: ID!) { announceChange(input: {kind: ADD, subprocessorId: $id}) {
  __typename ... on ChangeAnnounced { change { id effectiveAt } } } }"""
CREATE = """mutation($scope: ScopeInput) {
  createSubprocessor(input: {legalName: "Bench vendor", purpose: "Bench", scope: $scope}) {
  ... on SubprocessorCreated { subprocessor { id } } } }"""
PRODUCT = """mutation($code: String!) {
  createProduct(input: {code: $code, name: $code}) { __typename } }"""
REGION = """mutation($code: String!) {
  createHostingRegion(input: {code: $code, name: $code}) { __typename } }"""
PRODUCTS = ("p1", "p2", "p3", "p4")
REGIONS = ("r1", "r2")
SCOPE = {"products": ["p1"], "hostingRegions": ["r1"]}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_customer(n: int, scoped: bool) -> Customer:
    """Customer n: terms cycle; scoped, it uses one of 4 products in one of 2 regions."""
    if not scoped:
        return Customer(id=f"cus_{ObjectId()}", name=f"Customer {n:07d}", terms=TERMS[n % 4])
    return Customer(
        id=f"cus_{ObjectId()}",
        name=f"Customer {n:07d}",
        terms=TERMS[(n // 8) % len(TERMS)],
        products=(PRODUCTS[n % 4],),
        hosting_region=REGIONS[(n // 4) % 2],
        created_at=START,
    )


async def add_customers(api: Api, count: int, scoped: bool, reachable: float = 0.0) -> None:
    """`reachable`: the share of customers with a notice address (e-mail channel on); they
    get a `change.announced` event carrying the change's snapshot and a link placeholder."""
    every = round(1 / reachable) if reachable > 0 else 0
    if scoped:
        key = await api.key(Role.ADMIN)
        for product in PRODUCTS:
            await api.gql(PRODUCT, {"code": product}, key)
        for region in REGIONS:
            await api.gql(REGION, {"code": region}, key)
    for terms in TERMS:
        await customer_terms.remember(api.deps.db, terms)
    for n in range(32 if scoped else len(TERMS)):
        await customer_groups.remember(api.deps.db, bench_customer(n, scoped))
    batch: list[dict[str, Any]] = []
    for n in range(count):
        doc = customers.to_document(bench_customer(n, scoped))
        if every and n % every == 0:
            doc["notice_emails"] = [f"dpo{n}@example.test"]
        batch.append(doc)
        if len(batch) == 5000:
            await _insert(api, batch)
            batch = []
    if batch:
        await _insert(api, batch)


async def _insert(api: Api, batch: list[dict[str, Any]]) -> None:
    """Customers and their roster chunks, batch by batch: setup memory stays flat too."""
    await api.deps.db[customers.NAME].insert_many(batch, ordered=False)
    await customer_roster.add_many(api.deps.db, [(d["_id"], d["group"]) for d in batch])


async def announce_once(api: Api, scoped: bool) -> tuple[float, str]:
    key = await api.key(Role.ADMIN)
    variables = {"scope": SCOPE if scoped else None}
    created = await api.gql(CREATE, variables, key)
    sub_id = created["createSubprocessor"]["subprocessor"]["id"]
    began = time.perf_counter()
    data = await api.gql(ANNOUNCE, {"id": sub_id}, key)
    elapsed_ms = (time.perf_counter() - began) * 1000
    assert data["announceChange"]["__typename"] == "ChangeAnnounced", data
    return elapsed_ms, data["announceChange"]["change"]["id"]


async def measure(
    uri: str, count: int, rounds: int, scoped: bool = False, reachable: float = 0.0
) -> dict[str, Any]:
    """Alternate expansion and baseline `rounds` times; medians resist a noisy machine."""
    name = f"bench_fanout_{count}_{ObjectId()}"
    mutation_times, expansion_times, baselines = [], [], []
    # Customer n uses PRODUCTS[n % 4] in REGIONS[(n // 4) % 2]; the change is p1 in r1.
    expected = sum(1 for n in range(count) if n % 8 == 0) if scoped else count
    plan: Any = None
    smtp = {"smtp_url": "smtp://127.0.0.1:9"} if reachable else {}  # events only, never sent
    async with running_api(make_settings(uri, name, **smtp), FrozenClock(START)) as api:
        await add_customers(api, count, scoped, reachable)
        for _ in range(rounds):
            mutation_ms, change_id = await announce_once(api, scoped)
            if plan is None:
                change = await changes.get(api.deps.db, change_id)
                assert change is not None
                groups = await affected_groups(api.deps, await audience_of(api.deps, change))
                chunk_ids = [c for g in groups for c in g.chunks]
                plan = await customer_roster.explain(api.deps.db, chunk_ids)
            began = time.perf_counter()
            while await expand_changes(api.deps, "bench-worker"):
                pass
            expansion_times.append(time.perf_counter() - began)
            mutation_times.append(mutation_ms)
            written = await api.deps.db["notices"].count_documents({"change_id": change_id})
            assert written == expected, (written, expected)
            sample = await api.deps.db["notices"].find_one({"change_id": change_id}) or {}
            baselines.append(await baseline_insert_many(api, sample, written))
        await api.deps.db.client.drop_database(name)
    expansion_s = statistics.median(expansion_times)
    return {
        "mutation_ms": statistics.median(mutation_times),
        "expansion_s": expansion_s,
        "notices": expected,
        "notices_per_s": expected / expansion_s,
        "baseline_insert_many_per_s": statistics.median(baselines),
        "plan": plan,
    }


async def baseline_insert_many(api: Api, sample: dict[str, Any], count: int) -> float:
    """A bare insert_many(ordered=False) of documents the size of a notice."""
    collection = api.deps.db["baseline"]
    template = {k: v for k, v in sample.items() if k != "_id"}
    began = time.perf_counter()
    for start in range(0, count, 1000):
        docs = [{**template, "_id": f"ntc_{ObjectId()}"} for _ in range(min(1000, count - start))]
        await collection.insert_many(docs, ordered=False)
    return count / (time.perf_counter() - began)


async def main(
    count: int, rounds: int, scoped: bool = False, reachable: float = 0.0
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, devdb.running(Path(tmp)) as uri:
        await measure(uri, 10, 1)  # warm-up: the first announce in a process pays for imports
        small = await measure(uri, 10, rounds, scoped)
        large = await measure(uri, count, rounds, scoped, reachable)
    if scoped:
        print("query plan of the affected-chunk selection:")
        print(json.dumps(large["plan"], indent=1, default=str))
    result = {
        "customers": count,
        "scoped": scoped,
        "notices_written": large["notices"],
        "rounds": rounds,
        "reachable": reachable,
        "mutation_ms": round(large["mutation_ms"], 1),
        "mutation_ms_at_10": round(small["mutation_ms"], 1),
        "mutation_ratio_vs_10": round(large["mutation_ms"] / small["mutation_ms"], 2),
        "expansion_s": round(large["expansion_s"], 2),
        "notices_per_s": round(large["notices_per_s"]),
        "baseline_insert_many_per_s": round(large["baseline_insert_many_per_s"]),
        "ratio": round(large["notices_per_s"] / large["baseline_insert_many_per_s"], 3),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--scoped", action="store_true", help="4 products x 2 regions")
    parser.add_argument(
        "--reachable",
        type=float,
        default=0.0,
        help="share of customers with a notice e-mail address (they get events)",
    )
    args = parser.parse_args()
    result = main(args.customers, args.rounds, args.scoped, args.reachable)
    print(json.dumps(asyncio.run(result)))
