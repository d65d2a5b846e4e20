"""Writing a batch's results: the attempts, the ends of the leases, then subscription health."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from registry.delivery import email
from registry.domain.webhooks import Subscription
from registry.services.delivery.health import SubscriptionHealth
from registry.services.deps import Deps
from registry.store import deliveries, delivery_queue
from registry.store.deliveries import Outcome

logger = logging.getLogger("registry.webhooks")


async def record(
    deps: Deps,
    outcomes: Sequence[Outcome],
    subs: Mapping[str, Subscription],
    health: SubscriptionHealth,
) -> None:
    """Log every attempt, end the leases, then update the subscriptions' health.

    A crash between the steps leaves leases to run out: the messages are sent
    again (same `webhook-id`), and nothing is lost.
    """
    if not outcomes:
        return
    recorded = await deliveries.record_many(deps.db, outcomes)
    for o in outcomes:
        if o.delivery.id not in recorded:
            logger.warning("delivery %s: lease lost before its result was recorded", o.delivery.id)
    await delivery_queue.complete(
        deps.db,
        finished=[
            (o.delivery.id, o.delivery.lease_seq) for o in outcomes if o.next_attempt_at is None
        ],
        retries=[
            delivery_queue.Retry(
                o.delivery.id, o.delivery.lease_seq, o.next_attempt_at, o.attempt.number
            )
            for o in outcomes
            if o.next_attempt_at is not None
        ],
    )
    now = deps.clock.now()
    for o in outcomes:
        sub = subs.get(o.delivery.subscription_id)
        if o.delivery.id not in recorded or o.delivery.channel == email.CHANNEL:
            continue
        if sub is None or sub.deleted_at is not None or not sub.active:
            continue  # closed unsent: nothing to learn about the endpoint
        if o.attempt.outcome == "success":
            await health.succeeded(sub, now)
        elif o.attempt.outcome == "gone":
            await health.disable(sub, now, "the endpoint answered 410 Gone")
        else:
            await health.failed(sub, now)
