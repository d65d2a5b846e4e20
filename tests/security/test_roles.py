"""Every operation × every role, against the access table of the API contract."""

from __future__ import annotations

import pytest

from registry.api.schema import build_schema
from registry.domain.models import Role
from tests.conftest import Api
from tests.security.tenancy import Tenants, operation, root_fields, two_tenants

GRAPHQL = build_schema()._schema
ADMIN, PROCUREMENT, CUSTOMER, ANONYMOUS = "ADMIN", "PROCUREMENT", "CUSTOMER", "ANONYMOUS"
STAFF = {ADMIN, PROCUREMENT}

# Who may call each mutation (API.md "Access"); anyone else gets PermissionDenied.
MUTATION_ACCESS: dict[str, set[str]] = {
    "createSubprocessor": STAFF,
    "updateSubprocessor": STAFF,
    "addProcessingLocation": STAFF,
    "recordDpa": STAFF,
    "recordTransferBasis": STAFF,
    "announceChange": STAFF,
    "cancelChange": STAFF,
    "resolveObjection": STAFF,
    "createCustomer": {ADMIN},
    "updateCustomer": {ADMIN},
    "createProduct": STAFF,
    "createHostingRegion": STAFF,
    "removeProduct": STAFF,
    "removeHostingRegion": STAFF,
    "createApiKey": {ADMIN},
    "revokeApiKey": {ADMIN},
    "revokeNoticeLinks": {ADMIN},
    "deleteEmailSubscriber": {ADMIN},
    "fileObjection": {ADMIN, CUSTOMER},
    "createWebhookSubscription": {ADMIN, CUSTOMER},
    "rotateWebhookSecret": {ADMIN, CUSTOMER},
    "deleteWebhookSubscription": {ADMIN, CUSTOMER},
    "replayDelivery": {ADMIN, CUSTOMER},
    "enableWebhookSubscription": {ADMIN, CUSTOMER},
}
# Queries refused outright to some roles (others answer, limited to what they may see).
QUERY_REFUSED: dict[str, set[str]] = {
    "auditLog": {PROCUREMENT, CUSTOMER, ANONYMOUS},
    "emailSubscribers": {PROCUREMENT, CUSTOMER, ANONYMOUS},
    "changes": {ANONYMOUS},
    "notices": {ANONYMOUS},
    "objections": {ANONYMOUS},
    "customers": {ANONYMOUS},
    "webhookSubscriptions": {PROCUREMENT, ANONYMOUS},
    "webhookDeliveries": {PROCUREMENT, ANONYMOUS},
}
ROLES = [ADMIN, PROCUREMENT, CUSTOMER, ANONYMOUS]


@pytest.fixture(scope="module")
async def keys(api: Api) -> dict[str, str | None]:
    tenants: Tenants = await two_tenants(api)
    return {
        ADMIN: tenants.admin,
        PROCUREMENT: await api.key(Role.PROCUREMENT),
        CUSTOMER: tenants.a_key,
        ANONYMOUS: None,
        "ids": tenants.a_id,
    }


def test_every_mutation_is_in_the_access_table() -> None:
    assert set(root_fields(GRAPHQL, "mutation")) <= set(MUTATION_ACCESS)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("field", sorted(root_fields(GRAPHQL, "mutation")))
async def test_mutation_access(
    api: Api, keys: dict[str, str | None], field: str, role: str
) -> None:
    f = root_fields(GRAPHQL, "mutation")[field]
    query = operation("mutation", field, f, ["sp_000000000000000000000000"], depth=1)
    response = await api.post(query, key=keys[role])
    assert response.status_code < 500
    body = response.json()
    typename = ((body.get("data") or {}).get(field) or {}).get("__typename")
    if role in MUTATION_ACCESS[field]:
        assert typename != "PermissionDenied", (field, role, body)
    else:
        assert typename == "PermissionDenied", (field, role, body)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("field", sorted(QUERY_REFUSED))
async def test_query_access(api: Api, keys: dict[str, str | None], field: str, role: str) -> None:
    f = root_fields(GRAPHQL, "query")[field]
    response = await api.post(
        operation("query", field, f, [str(keys["ids"])], depth=1), key=keys[role]
    )
    assert response.status_code < 500
    body = response.json()
    refused = bool(body.get("errors")) and (body.get("data") or {}).get(field) is None
    assert refused == (role in QUERY_REFUSED[field]), (field, role, body)
