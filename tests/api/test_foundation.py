"""The service's ground floor: health, GraphiQL, keys, refusals of bad requests."""

from __future__ import annotations

from pathlib import Path

import pytest

from registry.api.sdl import export_sdl
from registry.domain.models import Role
from registry.services.access import hash_key
from tests.conftest import Api

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema" / "schema.graphql"


async def test_health_and_ready(api: Api) -> None:
    assert (await api.http.get("/health")).json() == {"status": "ok"}
    missing = ["Legal name", "Postal address", "Privacy contact e-mail", "Privacy contact page"]
    assert (await api.http.get("/ready")).json() == {
        "status": "ready",
        "details": {"operator": {"missing": missing}},
    }


async def test_graphiql_on_get(api: Api) -> None:
    response = await api.http.get("/graphql")
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_typename_anonymous(api: Api) -> None:
    assert await api.gql("{ __typename viewer { role customer { id } } }") == {
        "__typename": "Query",
        "viewer": {"role": None, "customer": None},
    }


@pytest.mark.parametrize("role", [Role.ADMIN, Role.PROCUREMENT])
async def test_viewer_role_from_key(api: Api, role: Role) -> None:
    key = await api.key(role)
    assert key.startswith("rk_")
    assert len(key) == 3 + 43
    data = await api.gql("{ viewer { role } }", key=key)
    assert data == {"viewer": {"role": role.value}}


async def test_key_stored_only_as_hash(api: Api) -> None:
    key = await api.key(Role.ADMIN)
    stored = await api.deps.db["api_keys"].find_one({"key_hash": hash_key(key)})
    assert stored is not None
    assert key not in str(stored)


@pytest.mark.parametrize(
    "header",
    ["Bearer rk_unknownkeyvalue", "Bearer not-a-key", "Basic abc", "Bearer "],
    ids=["unknown key", "no rk_ prefix", "wrong scheme", "empty token"],
)
async def test_bad_key_is_refused_not_anonymous(api: Api, header: str) -> None:
    response = await api.http.post(
        "/graphql", json={"query": "{ viewer { role } }"}, headers={"authorization": header}
    )
    assert response.status_code == 401
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b'[{"query": "{ __typename }"}]', "application/json", 400),
        (b'{"query": 42}', "application/json", 400),
        (b'{"query": "{ __typename }", "variables": [1]}', "application/json", 400),
        (b"query { __typename }", "text/plain", 415),
        (b'{"query": "{ viewer { role } "}', "application/json", 400),
        (b'{"query": "' + b" " * 1_100_000 + b'{ __typename }"}', "application/json", 413),
    ],
    ids=[
        "malformed json",
        "batch",
        "query not a string",
        "variables not an object",
        "wrong content type",
        "syntax error",
        "body over 1 MB",
    ],
)
async def test_malformed_requests_get_4xx_with_graphql_error(
    api: Api, content: bytes, content_type: str, status: int
) -> None:
    response = await api.http.post(
        "/graphql", content=content, headers={"content-type": content_type}
    )
    assert response.status_code == status
    assert response.json()["errors"][0]["message"]


async def test_get_mutation_is_refused(api: Api) -> None:
    response = await api.http.get("/graphql", params={"query": "mutation { __typename }"})
    assert response.status_code == 405


def test_committed_sdl_matches_code() -> None:
    assert SCHEMA_FILE.read_text() == export_sdl(), (
        "schema/schema.graphql is stale: run `registry export-schema`"
    )
