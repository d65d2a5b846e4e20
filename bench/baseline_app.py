"""The read benchmark's baseline: plain starlette endpoints, no GraphQL.

`/list` reads the same collections with the same driver as the GraphQL list query
and returns the same JSON document (same fields, same order) serialised with
orjson; `/hello` is the smallest possible endpoint; `/bytes` reads the request body
and answers the bytes stored for it (the GraphQL service's cached answers, given in
the JSON file `BENCH_BYTES_FILE` as `[[request body, response body], ...]`): the
floor for a cached answer.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from pymongo import ASCENDING
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from registry.api.pagination import as_text, decode_cursor, encode_cursor
from registry.store.database import connect


def _group(docs: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for doc in docs:
        grouped.setdefault(doc["subprocessor_id"], []).append(doc)
    return grouped


def _stored_answers(path: str) -> dict[bytes, bytes]:
    pairs = orjson.loads(Path(path).read_bytes())
    return {request.encode(): response.encode() for request, response in pairs}


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    client = connect(os.environ["MONGODB_URI"])
    app.state.db = client[os.environ["REGISTRY_DB_NAME"]]
    if path := os.environ.get("BENCH_BYTES_FILE"):
        app.state.answers = _stored_answers(path)
    yield
    await client.close()


async def hello(request: Request) -> Response:
    return Response(b'{"data":{"__typename":"Query"}}', media_type="application/json")


async def stored_bytes(request: Request) -> Response:
    """The stored answer to this very request body, from memory."""
    return Response(app.state.answers[await request.body()], media_type="application/json")


async def hook(request: Request) -> Response:
    """A webhook receiver for the delivery load of the read benchmark."""
    await request.body()
    return Response(status_code=204)


async def listing(request: Request) -> Response:
    db = app.state.db
    body = orjson.loads(await request.body()) if request.method == "POST" else {}
    after = decode_cursor(body.get("after"), as_text, as_text)
    query: dict[str, Any] = {"active_from": {"$lte": datetime.now(UTC)}}
    total = await db.subprocessors.count_documents(query)
    if after is not None:
        query = {
            "$and": [
                query,
                {
                    "$or": [
                        {"sort_name": {"$gt": after[0]}},
                        {"sort_name": after[0], "_id": {"$gt": after[1]}},
                    ]
                },
            ]
        }
    cursor = (
        db.subprocessors.find(query).sort([("sort_name", ASCENDING), ("_id", ASCENDING)]).limit(101)
    )
    subs = [d async for d in cursor]
    shown = subs[:100]
    ids = [s["_id"] for s in shown]
    locations = _group(
        [
            d
            async for d in db.processing_locations.find({"subprocessor_id": {"$in": ids}}).sort(
                "_id", 1
            )
        ]
    )
    dpas = _group([d async for d in db.dpas.find({"subprocessor_id": {"$in": ids}}).sort("_id", 1)])
    bases = _group(
        [d async for d in db.transfer_bases.find({"subprocessor_id": {"$in": ids}}).sort("_id", 1)]
    )
    edges = []
    for s in shown:
        edges.append(
            {
                "cursor": encode_cursor([s["legal_name"].casefold(), s["_id"]]),
                "node": {
                    "id": s["_id"],
                    "legalName": s["legal_name"],
                    "purpose": s["purpose"],
                    "status": s["status"],
                    "website": s.get("website"),
                    "locations": [
                        {
                            "country": loc["country"],
                            "region": loc.get("region"),
                            "role": loc["role"],
                        }
                        for loc in locations.get(s["_id"], [])
                    ],
                    "dpas": [
                        {
                            "version": d["version"],
                            "signedOn": d["signed_on"],
                            "expiresOn": d.get("expires_on"),
                        }
                        for d in dpas.get(s["_id"], [])
                    ],
                    "transferBases": [
                        {
                            "mechanism": b["mechanism"],
                            "origin": b["origin"],
                            "destination": b["destination"],
                            "validUntil": b.get("valid_until"),
                        }
                        for b in bases.get(s["_id"], [])
                    ],
                },
            }
        )
    document = {
        "data": {
            "subprocessors": {
                "totalCount": total,
                "pageInfo": {
                    "hasNextPage": len(subs) > 100,
                    "endCursor": edges[-1]["cursor"] if edges else None,
                },
                "edges": edges,
            }
        }
    }
    return Response(orjson.dumps(document), media_type="application/json")


app = Starlette(
    routes=[
        Route("/hello", hello, methods=["GET", "POST"]),
        Route("/hook", hook, methods=["POST"]),
        Route("/list", listing, methods=["POST"]),
        Route("/bytes", stored_bytes, methods=["POST"]),
    ],
    lifespan=lifespan,
)
