"""Single-document atomicity under concurrent clients, on the embedded database.

Each client is a thread with a connection of its own; a barrier releases them
together before every command, so the commands genuinely overlap:

- `$inc`: C clients x M increments of one counter; lost increments are the
  shortfall of the final value against C x M (summed over the trials);
- guarded update: K clients each run `update_one({_id, status: ANNOUNCED},
  {$set: {status: CANCELLED}})` on one document; a trial in which more than one
  is told it modified the document has double winners;
- `$set` of different fields: two clients set one field each on one document; a
  trial that ends without both fields lost a field;
- first upsert: K clients `update_one({_id: k}, {$inc: {n: 1}}, upsert=True)` on a
  new key; a trial fails when a client gets an error or the count is not K.

Runs against MONGODB_URI when set, else starts the embedded database (`--binary`
starts a given launcher binary instead, to compare builds). Last line: one JSON object.

    python -m bench.engine_atomicity [--trials 20] [--clients 32] [--increments 20]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pymongo import MongoClient
from pymongo.collection import Collection

from registry import devdb

Doc = dict[str, Any]
ERRORS: Counter[str] = Counter()
"""The errors clients got, by type and message, over the whole run."""


def overlapping(
    collections: list[Collection[Doc]], step: Callable[[int, Collection[Doc]], Any]
) -> list[Any]:
    """Run `step(i, collection)` once per client, all released by one barrier; each
    result is the step's return value or the exception it raised."""
    barrier = threading.Barrier(len(collections))

    def run(i: int) -> Any:
        barrier.wait()
        try:
            return step(i, collections[i])
        except Exception as error:  # the figures count errors
            ERRORS[f"{type(error).__name__}: {str(error)[:80]}"] += 1
            return error

    with ThreadPoolExecutor(len(collections)) as pool:
        return list(pool.map(run, range(len(collections))))


def increments(collections: list[Collection[Doc]], trials: int, each: int) -> Doc:
    lost = errors = 0
    for _ in range(trials):
        key = uuid.uuid4().hex
        collections[0].insert_one({"_id": key, "n": 0})

        def inc(_i: int, c: Collection[Doc], k: str = key) -> Any:
            return c.update_one({"_id": k}, {"$inc": {"n": 1}})

        for _ in range(each):
            results = overlapping(collections, inc)
            errors += sum(isinstance(r, Exception) for r in results)
        final = collections[0].find_one({"_id": key}) or {}
        lost += len(collections) * each - int(final.get("n", 0))
    return {"increments": trials * len(collections) * each, "lost": lost, "errors": errors}


def guarded_updates(collections: list[Collection[Doc]], trials: int) -> Doc:
    double = none = errors = 0
    for _ in range(trials):
        key = uuid.uuid4().hex
        collections[0].insert_one({"_id": key, "status": "ANNOUNCED"})

        def cancel(_i: int, c: Collection[Doc], k: str = key) -> Any:
            return c.update_one(
                {"_id": k, "status": "ANNOUNCED"}, {"$set": {"status": "CANCELLED"}}
            )

        results = overlapping(collections, cancel)
        errors += sum(isinstance(r, Exception) for r in results)
        winners = sum(1 for r in results if not isinstance(r, Exception) and r.modified_count)
        double += winners > 1
        none += winners == 0
    return {"trials": trials, "double_winners": double, "no_winner": none, "errors": errors}


def field_sets(collections: list[Collection[Doc]], trials: int) -> Doc:
    lost = errors = 0
    pair = collections[:2]
    for _ in range(trials):
        key = uuid.uuid4().hex
        pair[0].insert_one({"_id": key})

        def set_one(i: int, c: Collection[Doc], k: str = key) -> Any:
            return c.update_one({"_id": k}, {"$set": {f"field_{i}": i}})

        results = overlapping(pair, set_one)
        errors += sum(isinstance(r, Exception) for r in results)
        final = pair[0].find_one({"_id": key}) or {}
        lost += not {"field_0", "field_1"} <= set(final)
    return {"trials": trials, "lost_fields": lost, "errors": errors}


def first_upserts(collections: list[Collection[Doc]], trials: int) -> Doc:
    failed = errors = 0
    for _ in range(trials):
        key = uuid.uuid4().hex

        def upsert(_i: int, c: Collection[Doc], k: str = key) -> Any:
            return c.update_one({"_id": k}, {"$inc": {"n": 1}}, upsert=True)

        results = overlapping(collections, upsert)
        raised = sum(isinstance(r, Exception) for r in results)
        errors += raised
        final = collections[0].find_one({"_id": key}) or {}
        failed += bool(raised) or final.get("n") != len(collections)
    return {"trials": trials, "failed": failed, "errors": errors}


@contextlib.contextmanager
def database(binary: str | None) -> Iterator[tuple[str, str]]:
    """The connection string and a description of the database measured."""
    if uri := os.environ.get("MONGODB_URI"):
        yield uri, "MONGODB_URI"
        return
    with tempfile.TemporaryDirectory() as tmp:
        if binary is None:
            with devdb.running(Path(tmp)) as uri:
                yield uri, f"embedded ({devdb.binary_path().name})"
            return
        port = devdb.free_port()
        argv = [binary, "--port", str(port), "--data-dir", tmp, "--log-level", "error"]
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while not devdb.port_in_use("127.0.0.1", port):
                assert proc.poll() is None, "the database exited"
                time.sleep(0.05)
            yield f"mongodb://127.0.0.1:{port}/", f"embedded ({Path(binary).name})"
        finally:
            devdb.stop(proc)


def main(trials: int, clients: int, each: int, binary: str | None) -> Doc:
    with database(binary) as (uri, described):
        opened: list[MongoClient[Doc]] = [MongoClient(uri, maxPoolSize=1) for _ in range(clients)]
        name = f"bench_atomicity_{uuid.uuid4().hex[:8]}"
        try:
            collections = [client[name]["docs"] for client in opened]
            began = time.perf_counter()
            inc = increments(collections, max(1, trials // 4), each)
            print(f"$inc: {json.dumps(inc)}", flush=True)
            guarded = guarded_updates(collections, trials)
            print(f"guarded update: {json.dumps(guarded)}", flush=True)
            fields = field_sets(collections, trials)
            print(f"$set of different fields: {json.dumps(fields)}", flush=True)
            upserts = first_upserts(collections, trials)
            print(f"first upsert: {json.dumps(upserts)}", flush=True)
            seconds = time.perf_counter() - began
        finally:
            opened[0].drop_database(name)
            for client in opened:
                client.close()
    return {
        "clients": clients,
        "increments": inc["increments"],
        "lost_increments": inc["lost"],
        "guarded_trials": trials,
        "double_winners": guarded["double_winners"],
        "no_winner": guarded["no_winner"],
        "set_trials": trials,
        "lost_fields": fields["lost_fields"],
        "upsert_trials": trials,
        "upsert_failures": upserts["failed"],
        "errors": inc["errors"] + guarded["errors"] + fields["errors"] + upserts["errors"],
        "error_kinds": dict(ERRORS),
        "seconds": round(seconds, 1),
        "database": described,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--increments", type=int, default=20, help="per client and $inc trial")
    parser.add_argument("--binary", help="a devdb launcher binary to start instead")
    args = parser.parse_args()
    print(json.dumps(main(args.trials, args.clients, args.increments, args.binary)))
