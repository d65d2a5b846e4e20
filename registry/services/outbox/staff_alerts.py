"""ALERT STAFF: failed deliveries reach a person (REGISTRY_STAFF_EMAIL), batched.

A delivery given up for a cause a person must act on (it cannot be rendered, the
receiver refused it for good, its retries ran out) is noted in `staff_alerts` when
its failure is recorded (`recording.py`). This job mails what is noted, up to
PER_MESSAGE failures in one message, and forgets what the server accepted. One
worker sends at a time (the sender's lease); when the server is down or refuses,
the alerts stay and the lease is kept until it lapses, which spaces the retries.
Without REGISTRY_STAFF_EMAIL the alerts wait (counted in `/metrics`), and the
console's overview lists every failed delivery either way.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from registry.delivery import email, staff_notice
from registry.delivery.sender import TOTAL_TIMEOUT
from registry.domain.models import Role
from registry.services import operator as operators
from registry.services import undelivered
from registry.services.caller import Caller
from registry.services.deps import Deps
from registry.store import staff_alerts

logger = logging.getLogger("registry.webhooks")

PER_MESSAGE = 100
SENDER_LEASE = timedelta(minutes=2)
"""How long one worker holds the sending, and so how long a failed send waits."""

_STAFF = Caller(role=Role.ADMIN, key_id="scheduler:staff-alerts")


async def alert_staff(deps: Deps, worker_id: str) -> int:
    """Mail staff the failures noted since the last message; returns how many were told."""
    settings = deps.settings
    if not settings.staff_email or not settings.smtp_url:
        return 0
    if not await staff_alerts.count_pending(deps.db):
        return 0
    now = deps.clock.now()
    if not await staff_alerts.take_sender_lease(deps.db, worker_id, now, now + SENDER_LEASE):
        return 0
    # Read under the lease: another worker may have sent what was pending a moment ago.
    pending = await staff_alerts.pending(deps.db, PER_MESSAGE)
    if not pending:
        await staff_alerts.release_sender_lease(deps.db, worker_id)
        return 0
    described = await undelivered.describe(deps, _STAFF, pending)
    base = settings.public_url.rstrip("/")
    items = [
        staff_notice.NotDelivered(
            delivery_id=d.delivery_id,
            event_type=d.event_type,
            channel=d.channel,
            customer=d.customer,
            customer_link=None if d.public else f"{base}/console/customers/{d.customer_id}",
            vendor=d.vendor,
            change_link=f"{base}/console/changes/{d.change_id}" if d.change_id else None,
            summary=d.failure.summary,
            failed_at=d.failed_at,
        )
        for d in described
    ]
    message = staff_notice.render(
        items,
        sender=settings.smtp_from,
        to=settings.staff_email,
        overview=f"{base}/console#deliveries",
        now=now,
        operator=await operators.identity(deps),
    )
    server = email.parse_smtp_url(settings.smtp_url)
    result = await email.send(
        message,
        server,
        total_timeout=TOTAL_TIMEOUT,
        sender=settings.smtp_from,
        recipient=settings.staff_email,
    )
    if result.outcome != "success":
        # The lease is kept: the next try waits until it lapses.
        logger.warning("staff alert not sent, tried again later: %s", result.error)
        return 0
    await staff_alerts.remove(deps.db, [a.delivery_id for a in pending])
    await staff_alerts.release_sender_lease(deps.db, worker_id)
    logger.info("staff told of %d failed deliveries", len(pending))
    return len(pending)
