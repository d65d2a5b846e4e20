"""Read hot path in CPU time: a cache hit and a `304` against the bare bytes endpoint.

`bench.read` measures requests per second over the network with `wrk`, which on a
shared machine swings with everyone else's load. This one calls the ASGI apps
in-process (no network, no HTTP parsing) and counts the CPU time of this thread
(`time.thread_time`) per request, which other processes barely disturb: the cost of
our own code on the hot path, comparable between runs and commits.

Seeds N subprocessors on the embedded database, starts the real app (scheduler and
version watch running), and times, in interleaved rounds: the bench's bare endpoint
returning the first page's cached bytes (`bench.baseline_app` `/bytes`), the same page
as a cache hit (anonymous and with an ADMIN key) and as a `304`. Each cost is the least
of `--rounds` rounds of `--requests` requests, in µs of CPU (contention from other
processes only ever adds); each ratio (CPU per request against the bytes endpoint's:
lower is cheaper) is the median of the rounds' ratios. Last line: one JSON object.

    python -m bench.read_cpu [--subprocessors 500] [--requests 3000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench import baseline_app
from bench.read import LIST_QUERY, admin_key, seed
from registry import devdb
from registry.app import create_app
from registry.settings import Settings
from tests.asgi_calls import App, Headers, post


async def call(
    app: App, path: str, body: bytes, extra: Headers | None = None
) -> list[dict[str, Any]]:
    """One POST through the ASGI app; the messages it sent."""
    return await post(app, path, body, extra)


async def measure(uri: str, requests: int, rounds: int) -> dict[str, Any]:
    settings = Settings(
        _env_file=None, mongodb_uri=uri, db_name="bench_read_cpu", response_cache=True
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        key = admin_key(uri, "bench_read_cpu")
        keyed = [(b"authorization", f"Bearer {key}".encode())]
        body = json.dumps({"query": LIST_QUERY, "variables": {"after": None}}).encode()
        for extra in ([], keyed):
            await call(app, "/graphql", body, extra)  # computes and caches
        hit = await call(app, "/graphql", body)
        answer, etag = hit[1]["body"], dict(hit[0]["headers"])[b"etag"]
        baseline_app.app.state.answers = {body: answer}
        cases: dict[str, Callable[[], Awaitable[list[dict[str, Any]]]]] = {
            "bytes": lambda: call(baseline_app.app, "/bytes", body),
            "hit": lambda: call(app, "/graphql", body),
            "hit_keyed": lambda: call(app, "/graphql", body, keyed),
            "not_modified": lambda: call(app, "/graphql", body, [(b"if-none-match", etag)]),
        }
        for name, case in cases.items():
            sent = await case()
            assert sent[0]["status"] == (304 if name == "not_modified" else 200), (name, sent)
            assert name == "not_modified" or sent[1]["body"] == answer, name
        timings: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(rounds):
            for name, case in cases.items():
                started = time.thread_time()
                for _ in range(requests):
                    await case()
                timings[name].append((time.thread_time() - started) / requests * 1e6)
    return {"answer_bytes": len(answer), "timings": timings}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subprocessors", type=int, default=500)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, devdb.running(Path(tmp) / "db") as uri:
        seed(uri, "bench_read_cpu", args.subprocessors)
        measured = asyncio.run(measure(uri, args.requests, args.rounds))
    timings: dict[str, list[float]] = measured["timings"]
    for name, rounds in timings.items():
        print(name, "µs per round:", [round(t, 1) for t in rounds])

    def vs_bytes(name: str) -> float:
        pairs = zip(timings[name], timings["bytes"], strict=True)
        return statistics.median(us / bytes_us for us, bytes_us in pairs)

    figures = {
        "subprocessors": args.subprocessors,
        "answer_bytes": measured["answer_bytes"],
        **{f"{name}_us": round(min(rounds), 1) for name, rounds in timings.items()},
        "hit_vs_bytes": round(vs_bytes("hit"), 3),
        "hit_keyed_vs_bytes": round(vs_bytes("hit_keyed"), 3),
        "not_modified_vs_bytes": round(vs_bytes("not_modified"), 3),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
