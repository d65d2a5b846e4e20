"""Repeated reads for the caching tests: the same request sent again, byte for byte."""

from __future__ import annotations

from typing import Any

import httpx
import orjson

from registry.domain.models import StatusChange, Subprocessor, SubprocessorStatus
from registry.store import ids, meta, subprocessors
from tests.conftest import START, Api

LIST = "{ subprocessors { totalCount edges { node { legalName } } } }"
STAFF_LIST = """{ subprocessors(filter: {status: [PROPOSED, ACTIVE]}) {
  totalCount edges { node { legalName locations { country } } } } }"""
REPEAT = 4
"""The first runs a request, the second is a response cache hit that prepares the
answer, the rest are answered from memory before the endpoint proper."""


async def create_vendor(api: Api, name: str) -> str:
    """An active vendor, as the public sees it (written directly, then the version bumped)."""
    sub_id = ids.new_id("Subprocessor")
    active = SubprocessorStatus.ACTIVE
    vendor = Subprocessor(
        id=sub_id,
        legal_name=name,
        purpose="p",
        status=active,
        created_at=START,
        status_history=(StatusChange(active, START),),
        active_from=START,
    )
    await subprocessors.insert(api.deps.db, vendor)
    await meta.bump(api.deps.db)
    return sub_id


def names(response: httpx.Response) -> list[str]:
    edges = response.json()["data"]["subprocessors"]["edges"]
    return [e["node"]["legalName"] for e in edges]


def raw(query: str, variables: dict[str, Any] | None = None) -> bytes:
    return orjson.dumps({"query": query, "variables": variables or {}})


async def send(api: Api, body: bytes, key: str | None = None, **headers: str) -> httpx.Response:
    sent = {"content-type": "application/json", **headers}
    if key is not None:
        sent["authorization"] = f"Bearer {key}"
    return await api.http.post("/graphql", content=body, headers=sent)


async def repeated(api: Api, body: bytes, key: str | None = None) -> httpx.Response:
    """The answer to the last of `REPEAT` identical requests (all must agree)."""
    answers = [await send(api, body, key) for _ in range(REPEAT)]
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1
    assert len({a.headers["etag"] for a in answers}) == 1
    assert answers[-1].headers["x-cache"] == "hit"
    return answers[-1]
