"""One attempt of an e-mail delivery: the body rendered as a message, sent over SMTP."""

from __future__ import annotations

from registry.delivery import email
from registry.delivery.sender import AttemptResult
from registry.domain.webhooks import Delivery
from registry.services import subscriptions as subscribers
from registry.services.delivery.options import DeliveryOptions
from registry.services.deps import Deps


async def send_email(
    deps: Deps, options: DeliveryOptions, delivery: Delivery, body: str
) -> AttemptResult:
    """One SMTP attempt of `body` (as sent); without REGISTRY_SMTP_URL the delivery
    waits, retried."""
    settings = deps.settings
    if not settings.smtp_url or delivery.target is None:
        return AttemptResult(
            None, 0.0, "", "not sent: REGISTRY_SMTP_URL is not set", None, "failure"
        )
    public = delivery.customer_id == subscribers.PUBLIC
    message = email.render_message(
        body,
        sender=settings.smtp_from,
        to=delivery.target,
        message_id=delivery.id,
        unsubscribe=subscribers.unsubscribe_url(deps, delivery.target) if public else None,
    )
    server = email.parse_smtp_url(settings.smtp_url)
    return await email.send(message, server, total_timeout=options.total_timeout)
