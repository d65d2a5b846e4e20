"""Input is bounded before any work, and no per-process cache keeps a caller's text.

The pinning pattern of issue 28: forty anonymous requests of about 990 KB each, each
text distinct and mostly comment (comments do not count toward the token limit), used
to stay in three caches keyed by the text. They are now refused by size before they
are parsed, and texts within the limits leave only digests behind."""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import AsyncIterator, Iterator

import orjson
import pytest

from registry.api.endpoint import GraphQLEndpoint
from registry.api.http_request import MAX_QUERY_BYTES, MAX_VARIABLES_BYTES
from registry.clock import FrozenClock
from tests.conftest import START, Api, make_settings, running_api

PINNING_REQUESTS = 40
PINNING_BYTES = 990_000
FLAT = 6_000_000
"""Traced growth allowed after the pattern (it pinned some 120 MB: bench/memory_pinning.py)."""


@pytest.fixture
async def fresh(mongo_uri: str, db_name: str) -> AsyncIterator[Api]:
    async with running_api(make_settings(mongo_uri, db_name), FrozenClock(START)) as api:
        yield api


@pytest.fixture
def traced() -> Iterator[None]:
    tracemalloc.start()
    try:
        yield
    finally:
        tracemalloc.stop()


def _padded(index: int, size: int) -> str:
    """A valid, cacheable query of about `size` bytes, distinct per index, mostly comment."""
    head = f"# {index}\n"
    return head + "#" + "x" * (size - len(head) - 20) + "\n{ __typename }"


async def _post(api: Api, query: str, variables: dict[str, object] | None = None) -> int:
    body = orjson.dumps({"query": query, "variables": variables or {}})
    response = await api.http.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    return response.status_code


def _held() -> int:
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


@pytest.mark.usefixtures("traced")
async def test_the_pinning_pattern_is_refused_and_memory_stays_flat(fresh: Api) -> None:
    assert await _post(fresh, "{ __typename }") == 200  # warm: schema, caches, loaders
    before = _held()
    statuses = {await _post(fresh, _padded(i, PINNING_BYTES)) for i in range(PINNING_REQUESTS)}
    after = _held()
    assert statuses == {413}
    assert after - before < FLAT, f"{(after - before) / 1e6:.1f} MB held"


@pytest.mark.usefixtures("traced")
async def test_distinct_texts_within_the_limits_leave_only_digests(fresh: Api) -> None:
    assert await _post(fresh, "{ __typename }") == 200
    before = _held()
    size = MAX_QUERY_BYTES - 100
    statuses = {await _post(fresh, _padded(i, size)) for i in range(120)}
    after = _held()
    assert statuses == {200}
    # 120 texts of ~32 KB, each kept by several caches before: ~15 MB.
    assert after - before < FLAT, f"{(after - before) / 1e6:.1f} MB held"
    endpoint: GraphQLEndpoint = fresh.app.state.graphql
    assert endpoint.cache.held_bytes <= endpoint.cache.max_bytes
    assert endpoint.limits.verdicts.held_bytes < 120 * 1_000


@pytest.mark.usefixtures("traced")
async def test_distinct_large_variables_are_not_kept(fresh: Api) -> None:
    query = "query($pad: ID!) { subprocessor(id: $pad) { id } }"
    assert await _post(fresh, query, {"pad": "w"}) == 200
    before = _held()
    pad = "v" * (MAX_VARIABLES_BYTES - 1_000)
    statuses = {await _post(fresh, query, {"pad": f"{i}{pad}"}) for i in range(40)}
    after = _held()
    assert statuses == {200}
    assert after - before < FLAT, f"{(after - before) / 1e6:.1f} MB held"


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        pytest.param("#" * MAX_QUERY_BYTES + "\n{ __typename }", None, id="comments count"),
        pytest.param("{ __typename }", {"pad": "v" * MAX_VARIABLES_BYTES}, id="variables"),
        pytest.param("{ __typename }", {"pad": "v" * 1_100_000}, id="body over 1 MB"),
    ],
)
async def test_oversized_parts_are_413(
    fresh: Api, query: str, variables: dict[str, object] | None
) -> None:
    assert await _post(fresh, query, variables) == 413


async def test_a_long_query_string_is_refused(fresh: Api) -> None:
    response = await fresh.http.get("/graphql", params={"query": "#" * 20_000 + "\n{__typename}"})
    assert response.status_code == 414
