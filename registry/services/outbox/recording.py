"""Writing a batch's results: the attempts, the alerts staff are owed, the ends of the
leases, then subscription health."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from registry.delivery import email
from registry.domain.webhooks import Subscription
from registry.services.deps import Deps
from registry.services.outbox.health import SubscriptionHealth
from registry.store import deliveries, delivery_queue, staff_alerts
from registry.store.deliveries import Outcome

logger = logging.getLogger("registry.webhooks")


async def record(
    deps: Deps,
    outcomes: Sequence[Outcome],
    subs: Mapping[str, Subscription],
    health: SubscriptionHealth,
) -> None:
    """Log every attempt, note the failures staff must hear of, end the leases, then
    update the subscriptions' health.

    A crash between the steps leaves leases to run out: the messages are sent
    again (same `webhook-id`), and nothing is lost; a delivery found FAILED when
    its lease is taken again gets its alert then (`claims.py`).
    """
    if not outcomes:
        return
    recorded = await deliveries.record_many(deps.db, outcomes)
    for o in outcomes:
        if o.delivery.id not in recorded:
            logger.warning("delivery %s: lease lost before its result was recorded", o.delivery.id)
    alerts = [
        staff_alerts.alert_of(o.delivery, o.failure, o.attempt.at)
        for o in outcomes
        if o.delivery.id in recorded and o.failure is not None and o.failure.tells_staff
    ]
    for alert in alerts:
        logger.warning(
            "delivery %s (%s) failed: %s",
            alert.delivery_id,
            alert.channel,
            alert.failure.kind.value,
        )
    await staff_alerts.add(deps.db, alerts)
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
