"""Memory pinning by large distinct queries (issue 28): the server's resident memory
before and after 40 anonymous requests of about 990 KB each, every text distinct and
mostly comment, and again after 200 distinct texts just under the query limit.

Starts the real service (`registry serve`) on the embedded database and reads its
resident set size from /proc. Last line: one JSON object (sizes in MB).

    python -m bench.memory_pinning [--requests 40] [--size 990000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.read import post_raw, wait_for
from registry import devdb
from registry.api.http_request import MAX_QUERY_BYTES


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def padded(index: int, size: int) -> bytes:
    head = f"# {index}\n#"
    text = head + "x" * (size - len(head) - 20) + "\n{ __typename }"
    return json.dumps({"query": text}).encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--size", type=int, default=990_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, devdb.running(Path(tmp) / "db") as uri:
        port = devdb.free_port()
        env = {**os.environ, "MONGODB_URI": uri, "REGISTRY_LOG_LEVEL": "WARNING"}
        argv = [sys.executable, "-m", "registry", "serve", "--port", str(port)]
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(f"http://127.0.0.1:{port}/health")
            url = f"http://127.0.0.1:{port}/graphql"
            post_raw(url, json.dumps({"query": "{ __typename }"}).encode())
            before = rss_mb(proc.pid)
            statuses = [post_raw(url, padded(i, args.size))[0] for i in range(args.requests)]
            time.sleep(2)  # let the server settle before reading its memory (a figure only)
            after_large = rss_mb(proc.pid)
            within = [post_raw(url, padded(i, MAX_QUERY_BYTES - 100))[0] for i in range(200)]
            time.sleep(2)
            after_within = rss_mb(proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    figures = {
        "requests": args.requests,
        "request_bytes": args.size,
        "statuses": sorted(set(statuses)),
        "rss_before_mb": round(before, 1),
        "rss_after_large_mb": round(after_large, 1),
        "within_limit_statuses": sorted(set(within)),
        "rss_after_200_within_limit_mb": round(after_within, 1),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
