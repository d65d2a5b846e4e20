"""Read-path benchmark: the subprocessor list through GraphQL against plain endpoints.

Seeds N subprocessors (2-4 locations, 1-2 DPAs, 1-3 transfer bases each) on the
embedded database, starts the real service (`registry serve`) twice — response
cache off, then on — and a baseline starlette app reading the same collections
with the same driver and returning the same JSON document with orjson. `wrk`
(Debian's package) drives each at the same concurrency from a separate process.
The list is fetched as pages of 100 (the API's maximum page size) in both.

With the cache on, the same run also measures: a bare starlette endpoint returning
the cached GraphQL answers' very bytes from memory (`bytes_rps`; `cached_vs_bytes`
is the cached list against it), conditional requests whose `If-None-Match` is
current (`not_modified_rps`, all `304`), and the list while a mutation is made every
second (`writing_p99_ms`: each write retires every cached page). The bytes, cached
and 304 figures are measured in `--rounds` short interleaved rounds (bytes, cached,
304, bytes, ...), so a burst of load from elsewhere on a shared machine hits all three
alike; each ratio is the median of the rounds' ratios, each rate the median of its
rounds. Neither server writes access log lines. Last line: one JSON object.

`--transfers` asks each vendor's `transfers { country status mechanism reasons }` too,
the page compliance tools poll (larger answers; the cached figures still compare the
same bytes, while `ratio` then compares against a `/list` without transfers).

    python -m bench.read [--subprocessors 500] [--seconds 10] [--connections 4]
                         [--rounds 5] [--round-seconds 4] [--transfers]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pymongo import MongoClient

from registry import devdb
from registry.store import ids

LIST_QUERY = """query($after: String) { subprocessors(first: 100, after: $after) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { cursor node { id legalName purpose status website
    locations { country region role }
    dpas { version signedOn expiresOn }
    transferBases { mechanism origin destination validUntil } } } } }"""
TRANSFERS = "\n    transfers { country status mechanism reasons }"
COUNTRIES = ["IE", "DE", "FR", "NL", "US", "GB", "JP", "IN", "AU", "CA", "SE", "SG"]
MECHANISMS = ["SCC_2021", "EU_US_DPF", "BCR", "PRIVACY_SHIELD"]


def seed(uri: str, db_name: str, count: int) -> None:
    rng = random.Random(7)
    db = MongoClient(uri, tz_aware=True)[db_name]
    since = datetime(2024, 1, 1, tzinfo=UTC)
    subs, locations, dpas, bases = [], [], [], []
    for n in range(count):
        sub_id = ids.new_id("Subprocessor")
        name = f"Vendor {n:04d} Ltd"
        subs.append(
            {
                "_id": sub_id,
                "legal_name": name,
                "sort_name": name.casefold(),
                "purpose": "Hosting and processing of customer data",
                "data_categories": ["contact"],
                "website": f"https://vendor{n}.example",
                "contact_email": None,
                "status": "ACTIVE",
                "status_history": [{"status": "ACTIVE", "at": since}],
                "active_from": since,
                "active_until": None,
                "note": None,
                "created_at": since,
            }
        )
        for _ in range(rng.randint(2, 4)):
            locations.append(
                {
                    "_id": ids.new_id("ProcessingLocation"),
                    "subprocessor_id": sub_id,
                    "country": rng.choice(COUNTRIES),
                    "region": None,
                    "role": "STORAGE",
                }
            )
        for v in range(rng.randint(1, 2)):
            dpas.append(
                {
                    "_id": ids.new_id("Dpa"),
                    "subprocessor_id": sub_id,
                    "version": f"v{v}",
                    "signed_on": date(2023, 1, 1).isoformat(),
                    "effective_on": None,
                    "expires_on": None,
                    "document_url": None,
                    "sha256": None,
                    "scc_modules": [],
                }
            )
        for _ in range(rng.randint(1, 3)):
            bases.append(
                {
                    "_id": ids.new_id("TransferBasis"),
                    "subprocessor_id": sub_id,
                    "mechanism": rng.choice(MECHANISMS),
                    "origin": "EEA",
                    "destination": rng.choice(COUNTRIES),
                    "valid_from": None,
                    "valid_until": None,
                    "scc_module": None,
                    "reference": None,
                    "tia_on": None,
                    "tia_url": None,
                    "note": None,
                }
            )
    for name, docs in [
        ("subprocessors", subs),
        ("processing_locations", locations),
        ("dpas", dpas),
        ("transfer_bases", bases),
    ]:
        db[name].insert_many(docs)
    db.client.close()


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - loopback only
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


@contextmanager
def server(argv: list[str], env: dict[str, str], health: str) -> Iterator[None]:
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(health)
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def post_raw(
    url: str, body: bytes, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(  # noqa: S310 - loopback only
        url, data=body, headers={"content-type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:  # urllib raises for 304 too
        return error.code, dict(error.headers), error.read()


def post(url: str, payload: dict[str, Any], key: str | None = None) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {key}"} if key else {}
    status, _, body = post_raw(url, json.dumps(payload).encode(), headers)
    assert status == 200, body
    result: dict[str, Any] = json.loads(body)
    return result


def lua_script(path: Path, bodies: list[str], etags: list[str] | None = None) -> None:
    """A wrk script cycling through the given POST bodies (the pages of the list), each
    sent with its `If-None-Match` when `etags` are given."""
    quoted = ",\n".join("[==[" + b + "]==]" for b in bodies)
    tags = ",\n".join("[==[" + t + "]==]" for t in etags or [])
    path.write_text(
        "local bodies = {" + quoted + "}\nlocal tags = {" + tags + "}\nlocal i = 0\n"
        'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
        "request = function()\n  i = i % #bodies + 1\n"
        "  if #tags > 0 then\n"
        "    local headers = {}\n"
        '    headers["Content-Type"] = "application/json"\n'
        '    headers["If-None-Match"] = tags[i]\n'
        "    return wrk.format(nil, nil, headers, bodies[i])\n"
        "  end\n"
        "  return wrk.format(nil, nil, nil, bodies[i])\nend\n"
    )


def run_wrk(url: str, script: Path, seconds: int, connections: int) -> tuple[float, float]:
    out = subprocess.run(
        [
            "wrk",
            "--latency",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "30s",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    assert p99 is not None, out
    value, unit = float(p99.group(1)), p99.group(2)
    p99_ms = value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{url}: {errors.group(1)} failed responses\n{out}")
    return rps, p99_ms


def admin_key(uri: str, db_name: str) -> str:
    """An ADMIN key stored directly (as `registry keys create` would)."""
    from registry.services.access import generate_key, hash_key

    key = generate_key()
    db = MongoClient(uri, tz_aware=True)[db_name]
    db.api_keys.insert_one(
        {
            "_id": ids.new_id("ApiKey"),
            "name": "bench writer",
            "role": "ADMIN",
            "customer_id": None,
            "key_hash": hash_key(key),
            "prefix": key[:7],
            "created_at": datetime.now(UTC),
            "revoked_at": None,
        }
    )
    db.client.close()
    return key


class Writer(threading.Thread):
    """Makes one mutation a second (a new customer: the list is unchanged, but every
    write retires every cached answer) until stopped."""

    def __init__(self, url: str, key: str) -> None:
        super().__init__(daemon=True)
        self.url, self.key = url, key
        self.writes = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        create = "mutation($n: String!) { createCustomer(input: {name: $n}) { __typename } }"
        while not self.stopped.wait(1.0):
            done = post(
                self.url, {"query": create, "variables": {"n": f"W{self.writes}"}}, self.key
            )
            assert done["data"]["createCustomer"]["__typename"] == "CustomerCreated", done
            self.writes += 1


def load_deliveries(uri: str, db_name: str, graphql_url: str, hook_port: int, count: int) -> None:
    """A customer subscribed to a local receiver, and `count` events queued for it: the
    service's in-process scheduler delivers them while the list is measured."""
    from registry.domain.event_types import EventType
    from registry.domain.events import Event
    from registry.services.access import generate_key, hash_key
    from registry.store import events

    db = MongoClient(uri, tz_aware=True)[db_name]
    now = datetime.now(UTC)
    customer_id = ids.new_id("Customer")
    db.customers.insert_one(
        {
            "_id": customer_id,
            "name": "Load",
            "terms": {
                "notice_period": "P3M",
                "objection_window": None,
                "data_origin": "EEA",
                "allows_emergency_replacement": False,
                "weekend_rolls_to_monday": False,
            },
            "terms_key": "P3M|-|EEA|-|-",
            "created_at": now,
            "notice_emails": [],
        }
    )
    key = generate_key()
    db.api_keys.insert_one(
        {
            "_id": ids.new_id("ApiKey"),
            "name": "load",
            "role": "CUSTOMER",
            "customer_id": customer_id,
            "key_hash": hash_key(key),
            "prefix": key[:7],
            "created_at": now,
            "revoked_at": None,
        }
    )
    request = urllib.request.Request(  # noqa: S310 - loopback only
        graphql_url,
        data=json.dumps(
            {
                "query": "mutation($u: String!) { createWebhookSubscription("
                "input: {url: $u}) { __typename } }",
                "variables": {"u": f"http://127.0.0.1:{hook_port}/hook"},
            }
        ).encode(),
        headers={"content-type": "application/json", "authorization": f"Bearer {key}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        assert b"WebhookSubscriptionCreated" in response.read()
    db.events.insert_many(
        [
            events.to_document(
                Event(
                    type=EventType.CHANGE_ANNOUNCED,
                    customer_id=customer_id,
                    occurred_at=now,
                    dedupe_key=f"load:{n}",
                    data={"n": n},
                )
            )
            for n in range(count)
        ]
    )
    db.client.close()


Measure = Any  # (name, url, bodies, etags=None, seconds=None) -> (rps, p99 ms)


def median_run(runs: list[tuple[float, float]]) -> tuple[float, float]:
    """The round with the median rate (its own p99 with it)."""
    return sorted(runs)[len(runs) // 2]


def cached_figures(
    tmp: str,
    env: dict[str, str],
    graphql_url: str,
    gql_pages: list[str],
    measure: Measure,
    rounds_of: tuple[int, int],
    uri: str,
    db_name: str,
) -> dict[str, Any]:
    """With the cache on: cached list, the same bytes from memory, 304s, and writes."""
    rounds, round_seconds = rounds_of
    answers, etags = [], []
    for page in gql_pages:
        post_raw(graphql_url, page.encode())  # fill the cache
        status, headers, body = post_raw(graphql_url, page.encode())
        assert status == 200, body
        assert headers.get("x-cache") == "hit", headers
        answers.append([page, body.decode()])
        etags.append(headers["etag"])
        status, _, empty = post_raw(graphql_url, page.encode(), {"if-none-match": headers["etag"]})
        assert (status, empty) == (304, b""), status
    bytes_file = Path(tmp) / "answers.json"
    bytes_file.write_text(json.dumps(answers))
    bytes_port = devdb.free_port()
    bytes_url = f"http://127.0.0.1:{bytes_port}/bytes"
    bytes_cmd = [
        *[sys.executable, "-m", "uvicorn", "bench.baseline_app:app", "--no-access-log"],
        *["--port", str(bytes_port), "--log-level", "warning"],
    ]
    runs: dict[str, list[tuple[float, float]]] = {"bytes": [], "cached": [], "not_modified": []}
    with server(
        bytes_cmd,
        {**env, "BENCH_BYTES_FILE": str(bytes_file)},
        f"http://127.0.0.1:{bytes_port}/hello",
    ):
        for page, body in answers:  # the very same bytes
            assert post_raw(bytes_url, page.encode())[2] == body.encode()
        for n in range(rounds):
            runs["bytes"].append(measure(f"bytes-{n}", bytes_url, gql_pages, None, round_seconds))
            runs["cached"].append(
                measure(f"cached-{n}", graphql_url, gql_pages, None, round_seconds)
            )
            runs["not_modified"].append(
                measure(f"not-modified-{n}", graphql_url, gql_pages, etags, round_seconds)
            )
    for name, found in runs.items():
        print(name, "rps per round:", [round(rps, 1) for rps, _ in found], file=sys.stderr)
    middle = {name: median_run(found) for name, found in runs.items()}

    def vs_bytes(name: str) -> float:
        pairs = zip(runs[name], runs["bytes"], strict=True)
        return statistics.median(rps / bytes_rps for (rps, _), (bytes_rps, _) in pairs)

    writer = Writer(graphql_url, admin_key(uri, db_name))
    writer.start()
    try:
        writing_rps, writing_p99 = measure("writing", graphql_url, gql_pages)
    finally:
        writer.stopped.set()
        writer.join()
    return {
        "cached_rps": round(middle["cached"][0], 1),
        "cached_p99_ms": round(middle["cached"][1], 1),
        "bytes_rps": round(middle["bytes"][0], 1),
        "bytes_p99_ms": round(middle["bytes"][1], 1),
        "not_modified_rps": round(middle["not_modified"][0], 1),
        "cached_vs_bytes": round(vs_bytes("cached"), 3),
        "not_modified_vs_bytes": round(vs_bytes("not_modified"), 3),
        "rounds": {name: [round(rps, 1) for rps, _ in found] for name, found in runs.items()},
        "writing_rps": round(writing_rps, 1),
        "writing_p99_ms": round(writing_p99, 1),
        "writes_during_measurement": writer.writes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subprocessors", type=int, default=500)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument(
        "--rounds", type=int, default=5, help="interleaved rounds of bytes, cached and 304"
    )
    parser.add_argument("--round-seconds", type=int, default=4, help="length of one round")
    parser.add_argument(
        "--delivery-load",
        type=int,
        default=2000,
        help="events delivered by the service's scheduler while the list is measured again",
    )
    parser.add_argument(
        "--transfers", action="store_true", help="ask each vendor's evaluated transfers too"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("bench/read.py needs wrk: apt-get install wrk")
    with tempfile.TemporaryDirectory() as tmp, devdb.running(Path(tmp) / "db") as uri:
        db_name = "bench_read"
        seed(uri, db_name, args.subprocessors)
        env = {
            **os.environ,
            "MONGODB_URI": uri,
            "REGISTRY_DB_NAME": db_name,
            "REGISTRY_LOG_LEVEL": "WARNING",
            "REGISTRY_WEBHOOK_ALLOW_CIDRS": "127.0.0.1/32",
        }
        gql_port, base_port = devdb.free_port(), devdb.free_port()
        graphql_url = f"http://127.0.0.1:{gql_port}/graphql"
        figures: dict[str, Any] = {
            "subprocessors": args.subprocessors,
            "transfers": args.transfers,
        }

        def measure(
            name: str,
            url: str,
            bodies: list[str],
            etags: list[str] | None = None,
            seconds: int | None = None,
        ) -> tuple[float, float]:
            script = Path(tmp) / f"{name}.lua"
            lua_script(script, bodies, etags)
            run_wrk(url, script, 1 if seconds else 2, args.connections)  # warm-up
            return run_wrk(url, script, seconds or args.seconds, args.connections)

        baseline_cmd = [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.baseline_app:app",
            "--port",
            str(base_port),
            "--log-level",
            "warning",
        ]
        with server(baseline_cmd, env, f"http://127.0.0.1:{base_port}/hello"):
            pages, after = [], None
            while True:
                pages.append(json.dumps({"after": after}))
                doc = post(f"http://127.0.0.1:{base_port}/list", {"after": after})
                info = doc["data"]["subprocessors"]["pageInfo"]
                if not info["hasNextPage"]:
                    break
                after = info["endCursor"]
            baseline_rps, baseline_p99 = measure(
                "baseline", f"http://127.0.0.1:{base_port}/list", pages
            )
            hello_rps, _ = measure("hello", f"http://127.0.0.1:{base_port}/hello", ["{}"])

        query = LIST_QUERY.replace("validUntil }", "validUntil }" + TRANSFERS, 1)
        query = query if args.transfers else LIST_QUERY
        gql_pages = [
            json.dumps({"query": query, "variables": {"after": json.loads(p)["after"]}})
            for p in pages
        ]
        for cache in ("false", "true"):
            cmd = [
                sys.executable,
                "-m",
                "registry",
                "serve",
                "--port",
                str(gql_port),
                "--log-level",
                "warning",
            ]
            with server(
                cmd,
                {**env, "REGISTRY_RESPONSE_CACHE": cache},
                f"http://127.0.0.1:{gql_port}/health",
            ):
                # Both answer the same document for the first page.
                same = post(graphql_url, json.loads(gql_pages[0]))
                assert same["data"]["subprocessors"]["totalCount"] == args.subprocessors
                one = json.dumps({"query": "{ __typename }"})
                one_rps, _ = measure(f"one-field-{cache}", graphql_url, [one])
                if cache == "false":
                    rps, p99 = measure("graphql-uncached", graphql_url, gql_pages)
                    figures.update(graphql_rps=round(rps, 1), graphql_p99_ms=round(p99, 1))
                    figures.update(one_field_uncached_rps=round(one_rps, 1))
                    if args.delivery_load:
                        hook_port = devdb.free_port()
                        receiver = [
                            *baseline_cmd[:-4],
                            "--port",
                            str(hook_port),
                            "--log-level",
                            "warning",
                        ]
                        with server(receiver, env, f"http://127.0.0.1:{hook_port}/hello"):
                            load_deliveries(
                                uri, db_name, graphql_url, hook_port, args.delivery_load
                            )
                            _, loaded_p99 = measure("graphql-loaded", graphql_url, gql_pages)
                            delivered = MongoClient(uri)[db_name][
                                "webhook_deliveries"
                            ].count_documents({"status": "DELIVERED"})
                        # The remaining load must not spill into the cached run.
                        leftover = MongoClient(uri)[db_name]
                        for name in (
                            "events",
                            "webhook_deliveries",
                            "webhook_delivery_attempts",
                            "webhook_delivery_queue",
                            "webhook_delivery_leases",
                            "webhook_subscriptions",
                        ):
                            leftover[name].delete_many({})
                        leftover.client.close()
                        figures.update(
                            loaded_p99_ms=round(loaded_p99, 1),
                            p99_loaded_vs_idle=round(loaded_p99 / p99, 2),
                            deliveries_during_measurement=delivered,
                        )
                else:
                    figures.update(one_field_rps=round(one_rps, 1))
                    figures.update(
                        cached_figures(
                            tmp,
                            env,
                            graphql_url,
                            gql_pages,
                            measure,
                            (args.rounds, args.round_seconds),
                            uri,
                            db_name,
                        )
                    )
        figures.update(
            baseline_rps=round(baseline_rps, 1),
            baseline_p99_ms=round(baseline_p99, 1),
            ratio=round(figures["graphql_rps"] / baseline_rps, 3),
            cached_ratio=round(figures["cached_rps"] / baseline_rps, 3),
            hello_rps=round(hello_rps, 1),
            one_field_ratio=round(figures["one_field_rps"] / hello_rps, 3),
            one_field_uncached_ratio=round(figures["one_field_uncached_rps"] / hello_rps, 3),
            page_size=100,
            connections=args.connections,
        )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
