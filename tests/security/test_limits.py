"""GraphQL limits: each refusal comes before execution, a 4xx or a GraphQL error, never
a 5xx. (How fast that is, is the benchmarks' business, not a timed test's.)"""

from __future__ import annotations

import logging
import uuid

import pytest

from registry.services import changes as change_service
from registry.services import vendors
from tests.conftest import Api


def deep_query(levels: int) -> str:
    body = "id"
    for _ in range(levels):
        body = f"subprocessor {{ changes {{ {body} }} }}"
    return '{ change(id: "chg_000000000000000000000000") { ' + body + " } }"


CASES = {
    "depth 11": deep_query(6),
    "aliases 16": "{ " + " ".join(f"a{i}: __typename" for i in range(16)) + " }",
    "tokens over 2000": "{ " + " ".join("__typename" for _ in range(2100)) + " }",
    "depth through fragments": (
        'query { ...A } fragment A on Query { change(id: "x") { ...B } } '
        "fragment B on Change { subprocessor { changes { subprocessor { changes { subprocessor {"
        " changes { subprocessor { changes { subprocessor { changes { id } } } } } } } } } } }"
    ),
    "aliases through fragments": (
        "query { ...F ...G } fragment F on Query { "
        + " ".join(f"f{i}: __typename" for i in range(8))
        + " } fragment G on Query { "
        + " ".join(f"g{i}: __typename" for i in range(8))
        + " }"
    ),
    "circular fragments": (
        "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }"
    ),
}


@pytest.mark.parametrize("query", CASES.values(), ids=CASES.keys())
async def test_limits_refuse_before_execution_with_a_4xx(
    api: Api, admin_key: str, query: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    executed: list[object] = []

    async def resolved(*args: object, **kwargs: object) -> None:
        executed.append(args)

    monkeypatch.setattr(change_service, "get_change", resolved)
    response = await api.post(query, key=admin_key)
    assert 400 <= response.status_code < 500
    body = response.json()
    assert body["errors"]
    assert body.get("data") is None
    assert executed == []  # refused by validation: no resolver ran
    # A query within the limits does reach it (text of its own: no cached answer).
    await api.post(f"{deep_query(3)} # {uuid.uuid4().hex}", key=admin_key)
    assert len(executed) == 1


async def test_within_limits_is_served(api: Api, admin_key: str) -> None:
    ok = "{ " + " ".join(f"a{i}: __typename" for i in range(15)) + " }"
    assert len(await api.gql(ok, key=admin_key)) == 15
    assert (await api.gql(deep_query(3), key=admin_key)) == {"change": None}


async def test_page_size_over_100_is_refused(api: Api) -> None:
    response = await api.post("{ subprocessors(first: 101) { totalCount } }")
    assert response.status_code < 500
    assert "first" in response.json()["errors"][0]["message"]


async def test_unexpected_errors_are_masked_with_request_id(
    api: Api, admin_key: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(vendors, "get_subprocessor", broken)
    with caplog.at_level(logging.ERROR, logger="registry.api"):
        response = await api.post(
            '{ subprocessor(id: "sp_000000000000000000000000") { id } }', key=admin_key
        )
    assert response.status_code == 200
    error = response.json()["errors"][0]
    assert error["message"] == "Unexpected error"
    assert "hunter2" not in response.text
    request_id = error["extensions"]["requestId"]
    assert request_id == response.headers["x-request-id"]
    assert any(request_id in record.getMessage() for record in caplog.records)
