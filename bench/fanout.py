"""Fan-out benchmark: one change announced to N customers on the embedded database.

Measures the announce mutation (through the ASGI app) at N=10 and at N, the
background expansion of N notices, and a bare `insert_many(ordered=False)` of
equally sized documents in the same run as the baseline. Last line: one JSON object.

    python -m bench.fanout [--customers 100000]
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
from registry.domain.models import CustomerTerms, DataOrigin, Role
from registry.services.change_jobs import expand_changes
from registry.store import customer_roster, customer_terms, customers
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
CREATE = """mutation { createSubprocessor(input: {legalName: "Bench vendor", purpose: "Bench"}) {
  ... on SubprocessorCreated { subprocessor { id } } } }"""


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def add_customers(api: Api, count: int) -> None:
    for terms in TERMS:
        await customer_terms.remember(api.deps.db, terms)
    batch: list[dict[str, Any]] = []
    for n in range(count):
        terms = TERMS[n % len(TERMS)]
        batch.append(
            {
                "_id": f"cus_{ObjectId()}",
                "name": f"Customer {n:07d}",
                "terms": customers.terms_to_document(terms),
                "terms_key": customers.terms_key(terms),
                "created_at": START,
                "notice_emails": [],
            }
        )
        if len(batch) == 5000:
            await _insert(api, batch)
            batch = []
    if batch:
        await _insert(api, batch)


async def _insert(api: Api, batch: list[dict[str, Any]]) -> None:
    """Customers and their roster chunks, batch by batch: setup memory stays flat too."""
    await api.deps.db[customers.NAME].insert_many(batch, ordered=False)
    await customer_roster.add_many(api.deps.db, [(d["_id"], d["terms_key"]) for d in batch])


async def announce_once(api: Api) -> tuple[float, str]:
    key = await api.key(Role.ADMIN)
    sub_id = (await api.gql(CREATE, key=key))["createSubprocessor"]["subprocessor"]["id"]
    began = time.perf_counter()
    data = await api.gql(ANNOUNCE, {"id": sub_id}, key)
    elapsed_ms = (time.perf_counter() - began) * 1000
    assert data["announceChange"]["__typename"] == "ChangeAnnounced", data
    return elapsed_ms, data["announceChange"]["change"]["id"]


async def measure(uri: str, count: int, rounds: int) -> dict[str, float]:
    """Alternate expansion and baseline `rounds` times; medians resist a noisy machine."""
    name = f"bench_fanout_{count}_{ObjectId()}"
    mutation_times, expansion_times, baselines = [], [], []
    async with running_api(make_settings(uri, name), FrozenClock(START)) as api:
        await add_customers(api, count)
        for _ in range(rounds):
            mutation_ms, change_id = await announce_once(api)
            began = time.perf_counter()
            while await expand_changes(api.deps, "bench-worker"):
                pass
            expansion_times.append(time.perf_counter() - began)
            mutation_times.append(mutation_ms)
            written = await api.deps.db["notices"].count_documents({"change_id": change_id})
            assert written == count, (written, count)
            sample = await api.deps.db["notices"].find_one({"change_id": change_id}) or {}
            baselines.append(await baseline_insert_many(api, sample, count))
        await api.deps.db.client.drop_database(name)
    expansion_s = statistics.median(expansion_times)
    return {
        "mutation_ms": statistics.median(mutation_times),
        "expansion_s": expansion_s,
        "notices_per_s": count / expansion_s,
        "baseline_insert_many_per_s": statistics.median(baselines),
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


async def main(count: int, rounds: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, devdb.running(Path(tmp)) as uri:
        await measure(uri, 10, 1)  # warm-up: the first announce in a process pays for imports
        small = await measure(uri, 10, rounds)
        large = await measure(uri, count, rounds)
    result = {
        "customers": count,
        "rounds": rounds,
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
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.customers, args.rounds))))
