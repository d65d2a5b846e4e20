"""Keys remembered for one registry version (`services/access.KnownKeys`).

A process accepts a key it has looked up without asking again only while the registry
version is the one it was looked up at; revoking a key bumps the version. Revocation's
one place: a revoked key is refused at once, whatever was remembered or cached for it
(across processes: test_two_processes.py)."""

from __future__ import annotations

import pytest

from registry.domain.models import Role
from registry.services.access import (
    InvalidApiKey,
    KnownKeys,
    authenticate,
    create_api_key,
    generate_key,
    hash_key,
)
from registry.services.caller import Caller
from registry.store import api_keys, ids
from tests.api.reads import LIST, raw, repeated, send
from tests.conftest import START, Api

CREATE_KEY = """mutation { createApiKey(input: {name: "to revoke", role: PROCUREMENT}) {
  ... on ApiKeyCreated { apiKey { id } key } } }"""
REVOKE = "mutation($id: ID!) { revokeApiKey(id: $id) { __typename } }"


class Versions:
    """A registry version the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1

    async def __call__(self) -> int:
        return self.now


async def test_a_key_is_remembered_for_the_version_it_was_looked_up_at(api: Api) -> None:
    versions = Versions()
    known = KnownKeys(versions)
    key_id, key = await create_api_key(
        api.deps, name="remembered", role=Role.PROCUREMENT, customer_id=None
    )
    header = f"Bearer {key}"
    caller = await authenticate(api.deps, header, known)
    assert caller == Caller(role=Role.PROCUREMENT, key_id=key_id.id)
    # Revoked behind the registry's back (no new version): still the remembered caller...
    await api_keys.revoke(api.deps.db, key_id.id, START)
    assert await authenticate(api.deps, header, known) == caller
    # ...until the version moves, as every real revocation makes it.
    versions.now += 1
    with pytest.raises(InvalidApiKey):
        await authenticate(api.deps, header, known)


async def test_an_unknown_key_is_never_remembered(api: Api) -> None:
    known = KnownKeys(Versions())
    key = generate_key()
    with pytest.raises(InvalidApiKey):
        await authenticate(api.deps, f"Bearer {key}", known)
    await api_keys.insert(
        api.deps.db,
        {
            "_id": ids.new_id("ApiKey"),
            "name": "late",
            "role": Role.ADMIN.value,
            "customer_id": None,
            "key_hash": hash_key(key),
            "prefix": key[:7],
            "created_at": START,
            "revoked_at": None,
        },
    )
    assert (await authenticate(api.deps, f"Bearer {key}", known)).role is Role.ADMIN


@pytest.mark.parametrize("header", ["Basic abc", "Bearer", "Bearer xyz", "rk_abc"])
async def test_a_malformed_header_is_refused(api: Api, header: str) -> None:
    with pytest.raises(InvalidApiKey, match="malformed"):
        await authenticate(api.deps, header, KnownKeys(Versions()))


async def test_a_revoked_key_is_refused_at_once_wherever_it_was_remembered(
    api: Api, admin_key: str
) -> None:
    """Revoked through the API, whose write retires what processes remember (the
    version): a process that remembered the key, the answers kept for it and the tags it
    was given all refuse it from then on, on the API and the exports alike."""
    created = await api.gql(CREATE_KEY, key=admin_key)
    key_id = created["createApiKey"]["apiKey"]["id"]
    key = created["createApiKey"]["key"]
    known = KnownKeys(api.app.state.version_watch.read)
    await authenticate(api.deps, f"Bearer {key}", known)
    body = raw(LIST)
    tag = (await repeated(api, body, key)).headers["etag"]  # answered from memory
    keyed = {"authorization": f"Bearer {key}"}
    export_tag = (await api.http.get("/subprocessors.json", headers=keyed)).headers["etag"]

    revoked = await api.gql(REVOKE, {"id": key_id}, admin_key)
    assert revoked["revokeApiKey"]["__typename"] == "ApiKeyRevoked"

    with pytest.raises(InvalidApiKey):
        await authenticate(api.deps, f"Bearer {key}", known)
    for headers in ({}, {"if-none-match": tag}):
        refused = await send(api, body, key, **headers)
        assert refused.status_code == 401
        assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    export = await api.http.get(
        "/subprocessors.json", headers={**keyed, "if-none-match": export_tag}
    )
    assert export.status_code == 401
    # A key never valid is refused too, not revalidated with the tag anyone may hold.
    public_tag = (await api.http.get("/subprocessors.json")).headers["etag"]
    unknown = {"authorization": "Bearer rk_not-a-key", "if-none-match": public_tag}
    assert (await api.http.get("/subprocessors.json", headers=unknown)).status_code == 401


def test_a_full_table_starts_again() -> None:
    known = KnownKeys(Versions(), max_keys=2)
    callers = [Caller(role=Role.ADMIN, key_id=f"k{n}") for n in range(3)]
    for n, caller in enumerate(callers):
        known.remember(f"h{n}", 1, caller)
    assert known.get("h2", 1) == callers[2]
    assert known.get("h0", 1) is None
    assert known.get("h2", 2) is None
