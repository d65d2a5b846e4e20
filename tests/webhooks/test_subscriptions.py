"""Subscribing, rotating, deleting: secrets shown once, bad input refused, tenants apart."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from registry import cli
from registry.delivery.secrets import SecretBox
from registry.domain.event_types import EVENT_TYPES
from registry.domain.models import Role
from registry.domain.webhooks import DeliveryStatus
from registry.services import webhooks
from registry.services.deps import Deps
from registry.store import deliveries, webhook_subscriptions
from tests.conftest import Api, make_settings
from tests.webhooks.conftest import HOOK_HOST, INTERNAL_HOST, gql, new_customer

CREATE = """
mutation($input: CreateWebhookSubscriptionInput!) {
  createWebhookSubscription(input: $input) {
    __typename
    ... on WebhookSubscriptionCreated {
      secret subscription { id customerId url eventTypes active disabledAt }
    }
    ... on UnsafeUrl { message }
    ... on ValidationError { message field }
    ... on NotFound { message }
    ... on PermissionDenied { message }
  }
}
"""
ROTATE = """
mutation($id: ID!) { rotateWebhookSecret(id: $id) {
  __typename
  ... on WebhookSecretRotated { secret subscription { id secretRotatedAt previousSecretExpiresAt } }
  ... on NotFound { message }
} }
"""
DELETE = """
mutation($id: ID!) { deleteWebhookSubscription(id: $id) {
  __typename
  ... on WebhookSubscriptionDeleted { subscription { id active deletedAt } }
  ... on NotFound { message }
} }
"""
LIST = """query($c: ID) { webhookSubscriptions(customerId: $c) {
  totalCount edges { node { id customerId url } } } }"""


async def create(deps: Deps, key: str, **input: Any) -> dict[str, Any]:
    data = await gql(deps, key, CREATE, {"input": input})
    payload: dict[str, Any] = data["createWebhookSubscription"]
    return payload


async def count_subscriptions(deps: Deps) -> int:
    return await deps.db[webhook_subscriptions.NAME].count_documents({})


async def test_secret_is_returned_once_and_stored_only_encrypted(api: Api, deps: Deps) -> None:
    customer = await new_customer(deps)
    key = await api.key(Role.CUSTOMER, customer)

    created = await create(deps, key, url=f"https://{HOOK_HOST}/hooks?x=1")

    assert created["__typename"] == "WebhookSubscriptionCreated"
    secret = created["secret"]
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 32
    sub = created["subscription"]
    assert sub["customerId"] == customer
    assert sub["url"] == f"https://{HOOK_HOST}/hooks?x=1"
    assert sub["eventTypes"] == list(EVENT_TYPES)
    assert (sub["active"], sub["disabledAt"]) == (True, None)
    stored = await deps.db[webhook_subscriptions.NAME].find_one({"_id": sub["id"]})
    assert stored is not None
    assert secret not in str(stored)
    assert secret.removeprefix("whsec_") not in str(stored)
    assert SecretBox("test-secret-key").decrypt(stored["secret"]) == secret
    listed = await gql(deps, key, LIST)
    assert "secret" not in str(listed).lower()


async def test_admin_subscribes_a_named_customer_to_some_event_types(
    api: Api, deps: Deps, admin_key: str
) -> None:
    customer = await new_customer(deps)

    created = await create(
        deps,
        admin_key,
        url=f"http://{HOOK_HOST}:8080/in",
        customerId=customer,
        eventTypes=["change.effective", "change.announced", "change.announced"],
    )

    assert created["subscription"]["customerId"] == customer
    assert created["subscription"]["eventTypes"] == ["change.announced", "change.effective"]


BAD_INPUT = [
    ({"url": "ftp://hooks.example.test/x"}, "UnsafeUrl", "scheme"),
    ({"url": "javascript:alert(1)"}, "UnsafeUrl", "scheme"),
    ({"url": f"https://user:pw@{HOOK_HOST}/x"}, "UnsafeUrl", "credentials"),
    ({"url": f"https://{INTERNAL_HOST}/x"}, "UnsafeUrl", "private"),
    ({"url": "http://10.0.0.5/x"}, "UnsafeUrl", "private"),
    ({"url": "http://169.254.169.254/latest"}, "UnsafeUrl", "metadata"),
    ({"url": "http://[::ffff:10.0.0.5]/x"}, "UnsafeUrl", "private"),
    ({"url": "http://nowhere.example.test/x"}, "UnsafeUrl", "resolved"),
    (
        {"url": f"https://{HOOK_HOST}/x", "eventTypes": ["change.exploded"]},
        "ValidationError",
        "change.exploded",
    ),
    ({"url": f"https://{HOOK_HOST}/x", "eventTypes": []}, "ValidationError", "at least one"),
]


@pytest.mark.parametrize(
    ("input", "typename", "says"),
    BAD_INPUT,
    ids=[
        "ftp scheme",
        "javascript scheme",
        "credentials in URL",
        "name resolving to 10.0.0.5",
        "private IP literal",
        "cloud metadata",
        "IPv4-mapped IPv6",
        "unresolvable host",
        "unknown event type",
        "no event types",
    ],
)
async def test_bad_input_is_refused_and_nothing_written(
    api: Api, deps: Deps, input: dict[str, Any], typename: str, says: str
) -> None:
    key = await api.key(Role.CUSTOMER, await new_customer(deps))

    refused = await create(deps, key, **input)

    assert refused["__typename"] == typename
    assert says in refused["message"]
    assert await count_subscriptions(deps) == 0


async def test_admin_must_name_an_existing_customer(api: Api, deps: Deps, admin_key: str) -> None:
    missing = await create(deps, admin_key, url=f"https://{HOOK_HOST}/x")
    unknown = await create(
        deps, admin_key, url=f"https://{HOOK_HOST}/x", customerId="cus_" + "0" * 24
    )

    assert (missing["__typename"], missing["field"]) == ("ValidationError", "customerId")
    assert (unknown["__typename"], unknown["field"]) == ("ValidationError", "customerId")
    assert await count_subscriptions(deps) == 0


async def test_procurement_may_not_subscribe(api: Api, deps: Deps, procurement_key: str) -> None:
    customer = await new_customer(deps)
    refused = await create(deps, procurement_key, url=f"https://{HOOK_HOST}/x", customerId=customer)
    assert refused["__typename"] == "PermissionDenied"


async def test_customer_keys_never_see_each_other(api: Api, deps: Deps) -> None:
    mine, theirs = await new_customer(deps, "Mine"), await new_customer(deps, "Theirs")
    my_key = await api.key(Role.CUSTOMER, mine)
    their_key = await api.key(Role.CUSTOMER, theirs)
    their_sub = (await create(deps, their_key, url=f"https://{HOOK_HOST}/theirs"))["subscription"]
    unknown_id = "whs_" + "0" * 24

    for_them = await create(deps, my_key, url=f"https://{HOOK_HOST}/x", customerId=theirs)
    listed = await gql(deps, my_key, LIST, {"c": theirs})
    rotate_theirs = (await gql(deps, my_key, ROTATE, {"id": their_sub["id"]}))[
        "rotateWebhookSecret"
    ]
    rotate_unknown = (await gql(deps, my_key, ROTATE, {"id": unknown_id}))["rotateWebhookSecret"]
    delete_theirs = (await gql(deps, my_key, DELETE, {"id": their_sub["id"]}))[
        "deleteWebhookSubscription"
    ]

    assert for_them["__typename"] == "NotFound"
    assert listed == {"webhookSubscriptions": {"totalCount": 0, "edges": []}}
    assert rotate_theirs == {
        "__typename": "NotFound",
        "message": f"no webhook subscription {their_sub['id']!r}",
    }
    assert rotate_unknown == {
        "__typename": "NotFound",
        "message": f"no webhook subscription {unknown_id!r}",
    }
    assert delete_theirs["__typename"] == "NotFound"
    edges = (await gql(deps, their_key, LIST))["webhookSubscriptions"]["edges"]
    assert [e["node"]["id"] for e in edges] == [their_sub["id"]]
    assert await count_subscriptions(deps) == 1


async def test_rotation_returns_a_new_secret_and_keeps_the_old_for_a_day(
    api: Api, deps: Deps
) -> None:
    key = await api.key(Role.CUSTOMER, await new_customer(deps))
    created = await create(deps, key, url=f"https://{HOOK_HOST}/x")
    sub_id = created["subscription"]["id"]

    rotated = (await gql(deps, key, ROTATE, {"id": sub_id}))["rotateWebhookSecret"]

    assert rotated["__typename"] == "WebhookSecretRotated"
    assert rotated["secret"].startswith("whsec_")
    assert rotated["secret"] != created["secret"]
    stored = await webhook_subscriptions.get(deps.db, sub_id)
    assert stored is not None
    now = deps.clock.now()
    assert stored.secrets.previous_expires_at == now + webhooks.ROTATION_OVERLAP
    box = SecretBox("test-secret-key")
    assert [box.decrypt(s) for s in stored.secrets.valid_at(now)] == [
        rotated["secret"],
        created["secret"],
    ]
    later = now + webhooks.ROTATION_OVERLAP
    assert [box.decrypt(s) for s in stored.secrets.valid_at(later)] == [rotated["secret"]]


async def test_deleted_subscription_cannot_be_rotated_or_deleted_again(
    api: Api, deps: Deps
) -> None:
    key = await api.key(Role.CUSTOMER, await new_customer(deps))
    sub_id = (await create(deps, key, url=f"https://{HOOK_HOST}/x"))["subscription"]["id"]

    deleted = (await gql(deps, key, DELETE, {"id": sub_id}))["deleteWebhookSubscription"]
    before = await deps.db[webhook_subscriptions.NAME].find_one({"_id": sub_id})
    rotated = (await gql(deps, key, ROTATE, {"id": sub_id}))["rotateWebhookSecret"]
    again = (await gql(deps, key, DELETE, {"id": sub_id}))["deleteWebhookSubscription"]

    assert deleted["subscription"]["active"] is False
    assert deleted["subscription"]["deletedAt"] is not None
    assert rotated["__typename"] == again["__typename"] == "NotFound"
    assert await deps.db[webhook_subscriptions.NAME].find_one({"_id": sub_id}) == before
    assert (await gql(deps, key, LIST))["webhookSubscriptions"]["edges"] == []


async def test_replaying_another_customers_delivery_is_not_found(api: Api, deps: Deps) -> None:
    mine, theirs = await new_customer(deps, "Mine"), await new_customer(deps, "Theirs")
    my_key = await api.key(Role.CUSTOMER, mine)
    their_key = await api.key(Role.CUSTOMER, theirs)
    sub = (await create(deps, their_key, url=f"https://{HOOK_HOST}/x"))["subscription"]
    doc = deliveries.new_document(
        delivery_id="dlv_" + "1" * 24,
        event_id="evt_" + "1" * 24,
        event_type="change.announced",
        subscription_id=sub["id"],
        customer_id=theirs,
        body="{}",
        now=deps.clock.now(),
    )
    doc["status"] = "FAILED"
    await deliveries.insert_new(deps.db, [doc])

    replay = """mutation($id: ID!) { replayDelivery(id: $id) {
      __typename ... on NotFound { message } } }"""
    refused = (await gql(deps, my_key, replay, {"id": doc["_id"]}))["replayDelivery"]
    log = """query($s: ID) {
      webhookDeliveries(subscriptionId: $s) { totalCount edges { node { id } } } }"""
    seen = (await gql(deps, my_key, log, {"s": sub["id"]}))["webhookDeliveries"]

    assert refused == {"__typename": "NotFound", "message": f"no webhook delivery {doc['_id']!r}"}
    assert seen == {"totalCount": 0, "edges": []}
    stored = await deliveries.get(deps.db, doc["_id"])
    assert stored is not None
    assert stored.status is DeliveryStatus.FAILED


def settings(**overrides: Any) -> Any:
    return make_settings("mongodb://unused", "unused", **overrides)


@pytest.mark.parametrize(
    "overrides",
    [
        {"environment": "development", "webhook_allow_cidrs": "127.0.0.1/32"},
        {"environment": "production", "webhook_allow_cidrs": ""},
        {"environment": "production", "webhook_allow_cidrs": "203.0.112.0/24"},
        {
            "environment": "production",
            "webhook_allow_cidrs": "127.0.0.1/32",
            "allow_private_webhooks": True,
        },
    ],
    ids=["dev loopback", "prod empty", "prod public net", "prod loopback, explicitly allowed"],
)
def test_webhook_settings_accepted(overrides: dict[str, Any]) -> None:
    webhooks.check_webhook_settings(settings(**overrides))


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        ({"environment": "production", "webhook_allow_cidrs": "127.0.0.1/32"}, "PRIVATE"),
        ({"environment": "production", "webhook_allow_cidrs": "10.0.0.0/8"}, "PRIVATE"),
        ({"environment": "production", "webhook_allow_cidrs": "::1/128"}, "PRIVATE"),
        ({"webhook_allow_cidrs": "10.0.0.1/8"}, "ALLOW_CIDRS"),
        ({"webhook_retry_schedule": "0,5 minutes"}, "retry schedule"),
        ({"webhook_disable_after": "5 days"}, "duration"),
        ({"environment": "production", "secret_key": None}, "SECRET_KEY"),
    ],
    ids=[
        "prod loopback",
        "prod private net",
        "prod IPv6 loopback",
        "host bits set",
        "bad schedule",
        "bad disable-after",
        "prod without secret key",
    ],
)
def test_webhook_settings_refused(overrides: dict[str, Any], says: str) -> None:
    with pytest.raises(ValueError, match=says):
        webhooks.check_webhook_settings(settings(**overrides))


def test_a_worker_process_refuses_an_allowlist_opening_private_networks(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # `serve` refuses in create_app (test_webhook_settings_refused covers the check).
    monkeypatch.setenv("REGISTRY_ENVIRONMENT", "production")
    monkeypatch.setenv("REGISTRY_SECRET_KEY", "a-production-secret-key-of-some-length")
    monkeypatch.setenv("REGISTRY_WEBHOOK_ALLOW_CIDRS", "10.0.0.0/8")
    monkeypatch.setenv("MONGODB_URI", "mongodb://127.0.0.1:9/")  # never reached

    assert cli.main(["worker"]) == 1

    assert "REGISTRY_ALLOW_PRIVATE_WEBHOOKS" in capsys.readouterr().err
