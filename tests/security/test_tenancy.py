"""No customer ever sees another's data: every query and mutation, found by introspection."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import StringValueNode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import queries

from registry.api.schema import build_schema
from registry.domain.models import Role
from registry.services.access import hash_key
from tests.conftest import Api
from tests.security.tenancy import Tenants, operation, root_fields, two_tenants

SCHEMA = build_schema()
GRAPHQL = SCHEMA._schema
SCALARS = {
    "DateTime": st.sampled_from(["2026-01-01T00:00:00+00:00", "2030-06-30T12:00:00Z"]).map(
        lambda v: StringValueNode(value=v)
    ),
    "Date": st.sampled_from(["2026-01-01", "2020-07-16"]).map(lambda v: StringValueNode(value=v)),
}
QUERIES = sorted(root_fields(GRAPHQL, "query"))
MUTATIONS = sorted(root_fields(GRAPHQL, "mutation"))


@pytest.fixture(scope="module")
async def tenants(api: Api) -> Tenants:
    return await two_tenants(api)


async def b_snapshot(api: Api, t: Tenants) -> dict[str, list[dict[str, Any]]]:
    db = api.deps.db
    return {
        name: [d async for d in db[name].find({"customer_id": t.b_id}).sort("_id")]
        for name in ("notices", "objections", "webhook_subscriptions", "webhook_deliveries")
    } | {"customer": [d async for d in db["customers"].find({"_id": t.b_id})]}


def assert_no_b_data(text: str, t: Tenants, what: str, echoed: str | None = None) -> None:
    """B's names, reasons and ids must not appear; the id A itself sent may be echoed
    in a not-found message (A knew it already, and unknown ids read the same)."""
    for secret in t.b_secrets:
        if secret == echoed:
            continue
        assert secret not in text, f"{what} leaked {secret!r}: {text[:500]}"


@pytest.mark.parametrize("field", QUERIES)
async def test_every_query_with_b_ids_shows_no_b_data(
    api: Api, tenants: Tenants, field: str
) -> None:
    f = root_fields(GRAPHQL, "query")[field]
    for kind, b_id in tenants.b_ids.items():
        query = operation("query", field, f, [b_id])
        response = await api.post(query, key=tenants.a_key)
        assert response.status_code < 500, (query, response.text)
        assert_no_b_data(response.text, tenants, f"{field} with B's {kind}", echoed=b_id)


@pytest.mark.parametrize("field", MUTATIONS)
async def test_every_mutation_with_b_ids_changes_and_shows_nothing_of_b(
    api: Api, tenants: Tenants, field: str
) -> None:
    f = root_fields(GRAPHQL, "mutation")[field]
    before = await b_snapshot(api, tenants)
    for kind, b_id in tenants.b_ids.items():
        query = operation("mutation", field, f, [b_id], depth=2)
        response = await api.post(query, key=tenants.a_key)
        assert response.status_code < 500, (query, response.text)
        assert_no_b_data(response.text, tenants, f"{field} with B's {kind}", echoed=b_id)
    assert await b_snapshot(api, tenants) == before


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_fuzzed_queries_never_5xx_or_leak(
    api: Api, tenants: Tenants, data: st.DataObject
) -> None:
    query = data.draw(queries(str(SCHEMA), custom_scalars=SCALARS, allow_x00=False))
    response = await api.post(query, key=tenants.a_key)
    assert response.status_code < 500, (query, response.text)
    assert_no_b_data(response.text, tenants, "fuzzed query")


async def test_secrets_are_not_stored_in_plain_text(api: Api, tenants: Tenants) -> None:
    key = await api.key(Role.ADMIN, name="plain-text probe")
    webhook_secret = next(s for s in tenants.b_secrets if s.startswith("whsec_"))
    secrets = [
        key,
        key.removeprefix("rk_"),
        tenants.a_key,
        webhook_secret,
        webhook_secret.removeprefix("whsec_"),
    ]
    for name in await api.deps.db.list_collection_names():
        async for doc in api.deps.db[name].find({}):
            text = repr(doc)
            for secret in secrets:
                assert secret not in text, f"{name} stores a key in plain text"
    stored = await api.deps.db["api_keys"].find_one({"key_hash": hash_key(key)})
    assert stored is not None
