"""One attempt of an e-mail delivery: the body rendered as a message, sent over SMTP."""

from __future__ import annotations

from email.message import EmailMessage

from registry.delivery import email
from registry.delivery.sender import AttemptResult
from registry.domain.webhooks import Delivery
from registry.services import subscribers
from registry.services.deps import Deps
from registry.services.outbox.options import DeliveryOptions

NO_SMTP = AttemptResult(None, 0.0, "", "not sent: REGISTRY_SMTP_URL is not set", None, "failure")


def build_email(
    deps: Deps, delivery: Delivery, body: str, language: str | None = None
) -> EmailMessage:
    """The message for `body` (as sent), in `language` (a public subscriber's; a
    customer's is in the body); raises `email.Unrenderable` when it cannot be built,
    which no later attempt would change."""
    public = delivery.customer_id == subscribers.PUBLIC
    return email.render_message(
        body,
        sender=deps.settings.smtp_from,
        to=delivery.target or "",
        message_id=delivery.id,
        unsubscribe=subscribers.unsubscribe_url(deps, delivery.target or "") if public else None,
        language=language if public else None,
    )


def can_send(deps: Deps, delivery: Delivery) -> bool:
    """Without REGISTRY_SMTP_URL (or an address) the delivery waits, retried."""
    return bool(deps.settings.smtp_url) and delivery.target is not None


async def send_email(
    deps: Deps, options: DeliveryOptions, message: EmailMessage, recipient: str
) -> AttemptResult:
    """One SMTP attempt of a built message to exactly `recipient` (the delivery's target)."""
    server = email.parse_smtp_url(deps.settings.smtp_url or "")
    return await email.send(
        message,
        server,
        total_timeout=options.total_timeout,
        sender=deps.settings.smtp_from,
        recipient=recipient,
    )
