"""sendTestEvent: a signed ping through the real outbox path (queue, worker, signature,
delivery log) to one subscription, whatever it subscribed to; a disabled subscription is a
typed SubscriptionDisabled and nothing is queued; another customer's reads as missing.
Also: webhookSubscriptions pages like every other list."""

from __future__ import annotations

from standardwebhooks import Webhook

from registry.domain.models import Role
from registry.services import webhooks
from registry.services.deps import Deps
from registry.services.outbox.options import DeliveryOptions
from registry.services.outbox.worker import deliver_due
from registry.store import deliveries, delivery_queue, webhook_subscriptions
from tests.conftest import Api
from tests.webhooks.conftest import Receiver, customer_caller, gql, new_customer

FAST = DeliveryOptions(connect_timeout=1.0, total_timeout=2.0)
SEND = """mutation($id: ID!) { sendTestEvent(subscriptionId: $id) {
  __typename
  ... on TestEventQueued { delivery { id eventId eventType status subscriptionId } }
  ... on SubscriptionDisabled { message subscriptionId disabledAt reason }
  ... on NotFound { message }
  ... on PermissionDenied { message }
} }"""
LOG = """query($id: ID!) { webhookDeliveries(subscriptionId: $id) {
  edges { node { id eventType status attempts { statusCode outcome } } } } }"""
PAGE = """query($after: String) { webhookSubscriptions(first: 2, after: $after) {
  totalCount edges { node { id customerId } } pageInfo { hasNextPage endCursor } } }"""


async def test_a_ping_arrives_signed_through_the_worker(
    api: Api, deps: Deps, receiver: Receiver
) -> None:
    customer = await new_customer(deps)
    # Subscribed to one type only: the ping comes all the same, and only to it.
    sub, secret = await webhooks.create_subscription(
        deps, customer_caller(customer), url=receiver.url(), event_types=["change.cancelled"]
    )
    other, _ = await webhooks.create_subscription(
        deps, customer_caller(customer), url=receiver.url("/other")
    )
    key = await api.key(Role.CUSTOMER, customer_id=customer, name="integration")
    sent = (await gql(deps, key, SEND, {"id": sub.id}))["sendTestEvent"]
    assert sent["__typename"] == "TestEventQueued"
    delivery = sent["delivery"]
    assert (delivery["eventType"], delivery["status"]) == ("ping", "PENDING")
    assert delivery["subscriptionId"] == sub.id
    assert receiver.received == []  # queued, not sent by the API call

    assert await deliver_due(deps, "w1", options=FAST) == 1
    [received] = receiver.received
    payload = Webhook(secret).verify(received.body, received.headers)
    assert received.path == "/hook"
    assert received.headers["webhook-id"] == delivery["id"]
    assert payload["type"] == "ping"
    assert payload["data"]["subscription"] == {"id": sub.id, "url": sub.url}
    assert payload["data"]["customer"] == {"id": customer}
    log = (await gql(deps, key, LOG, {"id": sub.id}))["webhookDeliveries"]["edges"]
    assert [(n["node"]["eventType"], n["node"]["status"]) for n in log] == [("ping", "DELIVERED")]
    assert log[0]["node"]["attempts"] == [{"statusCode": 200, "outcome": "success"}]
    assert (await gql(deps, key, LOG, {"id": other.id}))["webhookDeliveries"]["edges"] == []

    again = (await gql(deps, key, SEND, {"id": sub.id}))["sendTestEvent"]
    assert again["delivery"]["id"] != delivery["id"]  # each ping is a message of its own
    assert again["delivery"]["eventId"] != delivery["eventId"]


async def test_a_disabled_or_someone_elses_subscription_gets_no_ping(
    api: Api, deps: Deps, receiver: Receiver
) -> None:
    customer = await new_customer(deps)
    sub, _ = await webhooks.create_subscription(deps, customer_caller(customer), url=receiver.url())
    theirs = await new_customer(deps, "Globex")
    their_sub, _ = await webhooks.create_subscription(
        deps, customer_caller(theirs), url=receiver.url()
    )
    assert await webhook_subscriptions.disable(
        deps.db, sub.id, at=deps.clock.now(), reason="failing for 5 days"
    )
    key = await api.key(Role.CUSTOMER, customer_id=customer, name="integration")
    before = await deps.db[deliveries.NAME].count_documents({})

    disabled = (await gql(deps, key, SEND, {"id": sub.id}))["sendTestEvent"]
    assert disabled["__typename"] == "SubscriptionDisabled"
    assert disabled["subscriptionId"] == sub.id
    assert disabled["reason"] == "failing for 5 days"
    assert disabled["disabledAt"] is not None
    assert "enableWebhookSubscription" in disabled["message"]
    assert (await gql(deps, key, SEND, {"id": their_sub.id}))["sendTestEvent"] == {
        "__typename": "NotFound",
        "message": f"no webhook subscription {their_sub.id!r}",
    }
    procurement = await api.key(Role.PROCUREMENT, name="buyer")
    refused = (await gql(deps, procurement, SEND, {"id": sub.id}))["sendTestEvent"]
    assert refused["__typename"] == "PermissionDenied"
    assert await deps.db[deliveries.NAME].count_documents({}) == before
    assert await deps.db[delivery_queue.NAME].count_documents({}) == 0


async def test_webhook_subscriptions_page_by_customer_and_id(api: Api, deps: Deps) -> None:
    made = []
    for name in ("Acme", "Globex"):
        customer = await new_customer(deps, name)
        for path in ("/a", "/b"):
            sub, _ = await webhooks.create_subscription(
                deps, customer_caller(customer), url=f"https://hooks.example.test{path}"
            )
            made.append((sub.customer_id, sub.id))
    admin = await api.key(Role.ADMIN, name="admin")
    seen, after, pages = [], None, 0
    while True:
        page = (await gql(deps, admin, PAGE, {"after": after}))["webhookSubscriptions"]
        assert page["totalCount"] == 4
        seen += [(e["node"]["customerId"], e["node"]["id"]) for e in page["edges"]]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert pages == 2
    assert seen == sorted(made)
