"""Test events: a signed `ping` sent on request to one webhook subscription.

An integrator checks an endpoint and its signature check before any real change: the
ping takes the path every event takes from the outbox on (a delivery in the log, queued,
claimed by the worker, signed with the subscription's secrets, retried and recorded), so
what arrives is what a real event will look like. It goes to that subscription only,
whatever event types it chose, and never by e-mail.
"""

from __future__ import annotations

from registry.delivery.bodies import render_body
from registry.domain.errors import NotFound, SubscriptionDisabled
from registry.domain.event_types import PING
from registry.domain.webhooks import Delivery
from registry.services import policy, webhooks
from registry.services.caller import Caller
from registry.services.deps import Deps
from registry.store import deliveries, delivery_queue, ids

MESSAGE = "A test event sent on request (sendTestEvent); nothing needs to be done."


async def send_test_event(deps: Deps, caller: Caller, subscription_id: str) -> Delivery:
    """Queue a `ping` to the subscription; SubscriptionDisabled when it is off."""
    policy.require_role(caller, *policy.WEBHOOK_ROLES)
    found = await webhooks.get_subscription(deps, caller, subscription_id)
    if found is None or found.deleted_at is not None:
        raise NotFound(f"no webhook subscription {subscription_id!r}")
    if not found.active:
        raise SubscriptionDisabled(found.id, found.disabled_at, found.disabled_reason)
    now = deps.clock.now()
    event_id = ids.event_id(f"{PING}:{ids.new_id('Event')}")  # each ping is a fact of its own
    body = render_body(
        {
            "type": PING,
            "occurred_at": now,
            "data": {
                "subscription": {"id": found.id, "url": found.url},
                "customer": {"id": found.customer_id},
                "message": MESSAGE,
            },
        }
    )
    delivery_id = ids.delivery_id(event_id, found.id, now)
    document = deliveries.new_document(
        delivery_id=delivery_id,
        event_id=event_id,
        event_type=PING,
        subscription_id=found.id,
        customer_id=found.customer_id,
        body=body,
        now=now,
    )
    await deliveries.insert_new(deps.db, [document])
    await delivery_queue.enqueue(deps.db, [delivery_queue.new_entry(delivery_id, now)])
    queued = await deliveries.get(deps.db, delivery_id)
    if queued is None:  # written just above: only a database that lost it gets here
        raise RuntimeError(f"the test event's delivery {delivery_id} was not kept")
    return queued
