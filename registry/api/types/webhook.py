"""Webhook subscriptions and their delivery log, as clients see them (never a secret)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from registry.api.types.node import Node
from registry.api.types.scalars import describe_enum
from registry.domain.webhooks import Attempt, Delivery, DeliveryStatus, Subscription
from registry.services.webhooks import Reachability

describe_enum(
    DeliveryStatus,
    "Where one webhook delivery stands.",
    {
        "PENDING": "Not yet delivered; attempts continue on the retry schedule (about a day).",
        "DELIVERED": "An attempt succeeded (a 2xx answer; for e-mail, the server accepted it).",
        "FAILED": "The last attempt failed (or the endpoint answered 410 Gone); replayDelivery "
        "sends it again.",
    },
)


@strawberry.type(description="Where a customer receives signed change notices.")
class WebhookSubscription(Node):
    customer_id: strawberry.ID = strawberry.field(
        description="The customer whose notices this subscription receives."
    )
    url: str = strawberry.field(
        description="The endpoint that receives signed POSTs (Standard Webhooks)."
    )
    event_types: list[str] = strawberry.field(
        description="The event types it receives (e.g. change.announced): every type when it "
        "was created without a list. A test event (sendTestEvent, type ping) comes whatever "
        "the list says."
    )
    active: bool = strawberry.field(
        description="False once disabled or deleted; inactive subscriptions receive nothing."
    )
    created_at: datetime = strawberry.field(description="When it was created (DateTime, UTC).")
    secret_rotated_at: datetime | None = strawberry.field(
        description="Last rotation (DateTime, UTC); the previous secret signs too until "
        "previousSecretExpiresAt."
    )
    previous_secret_expires_at: datetime | None = strawberry.field(
        description="Until when the previous secret still signs (DateTime, UTC); null when there "
        "is none."
    )
    disabled_at: datetime | None = strawberry.field(
        description="When it was disabled (DateTime, UTC): deliveries kept failing for days, or "
        "the endpoint answered 410 Gone; enableWebhookSubscription turns it back on."
    )
    disabled_reason: str | None = strawberry.field(
        description="Why it was disabled, in plain English."
    )
    failing_since: datetime | None = strawberry.field(
        description="The first failed attempt since the last success (DateTime, UTC); null "
        "while healthy."
    )
    last_success_at: datetime | None = strawberry.field(
        description="The last successful delivery (DateTime, UTC)."
    )
    deleted_at: datetime | None = strawberry.field(
        description="When it was deleted (DateTime, UTC). A deleted subscription is left out "
        "of webhookSubscriptions; it is still read by its id (node), with its deliveries."
    )

    @classmethod
    def from_domain(cls, sub: Subscription) -> WebhookSubscription:
        return cls(
            id=strawberry.ID(sub.id),
            customer_id=strawberry.ID(sub.customer_id),
            url=sub.url,
            event_types=list(sub.event_types),
            active=sub.active,
            created_at=sub.created_at,
            secret_rotated_at=sub.secret_rotated_at,
            previous_secret_expires_at=sub.secrets.previous_expires_at,
            disabled_at=sub.disabled_at,
            disabled_reason=sub.disabled_reason,
            failing_since=sub.failing_since,
            last_success_at=sub.last_success_at,
            deleted_at=sub.deleted_at,
        )


@strawberry.type(description="One attempt to deliver a webhook.")
class WebhookAttempt:
    number: int = strawberry.field(description="1 for the first attempt (again after a replay).")
    at: datetime = strawberry.field(description="When the attempt was made (DateTime, UTC).")
    status_code: int | None = strawberry.field(
        description="The HTTP status the endpoint answered; null when no answer came."
    )
    latency_ms: float | None = strawberry.field(
        description="Milliseconds from sending to the answer (or to the failure)."
    )
    response_excerpt: str = strawberry.field(description="The first 1 KB of the response body.")
    error: str | None = strawberry.field(
        description="Why no usable answer came (e.g. timeout, refused connection, unsafe address)."
    )
    outcome: str = strawberry.field(description="success, redirect, gone, retry or failure.")

    @classmethod
    def from_domain(cls, attempt: Attempt) -> WebhookAttempt:
        return cls(
            number=attempt.number,
            at=attempt.at,
            status_code=attempt.status_code,
            latency_ms=attempt.latency_ms,
            response_excerpt=attempt.response_excerpt,
            error=attempt.error,
            outcome=attempt.outcome,
        )


@strawberry.type(
    description="One event sent to one subscription (or by e-mail to one notice address), with "
    "every attempt. Its id is the webhook-id header of every attempt: the same on retries and "
    "replays, so receivers drop duplicates by it (Standard Webhooks)."
)
class WebhookDelivery(Node):
    subscription_id: strawberry.ID = strawberry.field(
        description="The subscription it is sent to; for an e-mail, `email:` and the address."
    )
    event_id: strawberry.ID = strawberry.field(
        description="The event's id, shared by every delivery of that event (to each "
        "subscription and notice address). The webhook-id header is not this: it carries the "
        "delivery's own id."
    )
    event_type: str = strawberry.field(
        description="The event type (e.g. change.announced); ping for a test event."
    )
    channel: str = strawberry.field(description="webhook, or email to a notice address.")
    status: DeliveryStatus = strawberry.field(
        description="PENDING until it is delivered or its last attempt fails."
    )
    created_at: datetime = strawberry.field(
        description="When the event was queued for this subscription (DateTime, UTC)."
    )
    next_attempt_at: datetime | None = strawberry.field(
        description="When the next attempt is due (DateTime, UTC); null once finished."
    )
    attempt_count: int = strawberry.field(description="How many attempts were made.")
    delivered_at: datetime | None = strawberry.field(
        description="When an attempt succeeded (DateTime, UTC)."
    )
    failed_at: datetime | None = strawberry.field(
        description="When the last attempt failed and the delivery was given up (DateTime, UTC); "
        "replayDelivery sends it again."
    )
    attempts: list[WebhookAttempt] = strawberry.field(description="Every attempt, oldest first.")

    @classmethod
    def from_domain(cls, delivery: Delivery) -> WebhookDelivery:
        return cls(
            id=strawberry.ID(delivery.id),
            subscription_id=strawberry.ID(delivery.subscription_id),
            event_id=strawberry.ID(delivery.event_id),
            event_type=delivery.event_type,
            channel=delivery.channel,
            status=delivery.status,
            created_at=delivery.created_at,
            next_attempt_at=delivery.next_attempt_at,
            attempt_count=delivery.attempt_count,
            delivered_at=delivery.delivered_at,
            failed_at=delivery.failed_at,
            attempts=[WebhookAttempt.from_domain(a) for a in delivery.attempts],
        )


@strawberry.type(description="Whether a customer can be reached by webhook.")
class WebhookReachability:
    customer_id: strawberry.ID = strawberry.field(description="The customer asked about.")
    reachable: bool = strawberry.field(
        description="false while any of the customer's subscriptions is disabled."
    )
    unreachable_since: datetime | None = strawberry.field(
        description="Since when it is unreachable (DateTime, UTC); null while reachable."
    )
    reason: str | None = strawberry.field(
        description="Why it is unreachable, in plain English; null while reachable."
    )
    disabled_subscription_ids: list[strawberry.ID] = strawberry.field(
        description="The customer's disabled subscriptions."
    )

    @classmethod
    def from_domain(cls, value: Reachability) -> WebhookReachability:
        return cls(
            customer_id=strawberry.ID(value.customer_id),
            reachable=value.reachable,
            unreachable_since=value.unreachable_since,
            reason=value.reason,
            disabled_subscription_ids=[strawberry.ID(i) for i in value.disabled_subscription_ids],
        )
