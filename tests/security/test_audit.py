"""The audit trail: every mutation and refused attempt, readable by admins only."""

from __future__ import annotations

import json

from registry.domain.models import Role
from tests.conftest import Api

AUDIT = """{ auditLog(first: 100) { totalCount
  edges { node { action result target role keyId requestId } } } }"""
CREATE_KEY = """mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) {
  __typename ... on ApiKeyCreated { key apiKey { id role prefix } }
  ... on PermissionDenied { message } } }"""
REVOKE = """mutation($id: ID!) { revokeApiKey(id: $id) { __typename } }"""


async def test_mutations_and_refusals_are_audited_without_secrets(api: Api, admin_key: str) -> None:
    created = await api.gql(
        CREATE_KEY, {"input": {"name": "ops", "role": "PROCUREMENT"}}, admin_key
    )
    key = created["createApiKey"]["key"]
    key_id = created["createApiKey"]["apiKey"]["id"]
    assert created["createApiKey"]["apiKey"]["prefix"] == key[:7]
    assert (await api.gql("{ viewer { role } }", key=key))["viewer"]["role"] == "PROCUREMENT"

    # A refused privileged attempt: PROCUREMENT may not create keys.
    refused = await api.gql(CREATE_KEY, {"input": {"name": "x", "role": "ADMIN"}}, key)
    assert refused["createApiKey"]["__typename"] == "PermissionDenied"
    # Revoking works at once.
    assert (await api.gql(REVOKE, {"id": key_id}, admin_key))["revokeApiKey"][
        "__typename"
    ] == "ApiKeyRevoked"
    assert (await api.post("{ viewer { role } }", key=key)).status_code == 401

    entries = [e["node"] for e in (await api.gql(AUDIT, key=admin_key))["auditLog"]["edges"]]
    by_action = {(e["action"], e["result"]) for e in entries}
    # One vocabulary on every channel (the console's entries read the same): ok, or the
    # refusal's error class.
    assert ("createApiKey", "ok") in by_action
    assert ("createApiKey", "PermissionDenied") in by_action
    assert ("revokeApiKey", "ok") in by_action
    assert ("authenticate", "InvalidApiKey") in by_action
    assert all(e["requestId"] for e in entries)
    revoked = next(e for e in entries if e["action"] == "revokeApiKey")
    assert revoked["target"] == key_id

    export = await api.http.get("/audit.jsonl", headers={"authorization": f"Bearer {admin_key}"})
    lines = [json.loads(line) for line in export.text.splitlines()]
    assert len(lines) == len(entries)
    assert key not in export.text
    everything = [d async for d in api.deps.db["audit_log"].find({})]
    assert key not in repr(everything)


async def test_audit_log_is_for_admins_only(api: Api, procurement_key: str) -> None:
    response = await api.post(AUDIT, key=procurement_key)
    assert response.json()["data"] is None
    export = await api.http.get(
        "/audit.jsonl", headers={"authorization": f"Bearer {procurement_key}"}
    )
    assert export.status_code == 403
    customer_key_attempt = await api.http.get("/audit.jsonl")
    assert customer_key_attempt.status_code == 403


async def test_customer_key_needs_its_customer(api: Api, admin_key: str) -> None:
    unbound = await api.gql(CREATE_KEY, {"input": {"name": "c", "role": "CUSTOMER"}}, admin_key)
    assert unbound["createApiKey"]["__typename"] == "ValidationError"
    assert Role.CUSTOMER.value == "CUSTOMER"
