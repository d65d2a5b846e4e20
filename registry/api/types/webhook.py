"""Webhook subscriptions and their delivery log, as clients see them (never a secret)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from registry.api.types.node import Node
from registry.services.webhooks import Reachability
from registry.store import deliveries
from registry.store import webhook_subscriptions as subscriptions
from registry.store.deliveries import DeliveryStatus

strawberry.enum(DeliveryStatus)


@strawberry.type(description="Where a customer receives signed change notices.")
class WebhookSubscription(Node):
    customer_id: strawberry.ID
    url: str
    event_types: list[str]
    active: bool
    created_at: datetime
    secret_rotated_at: datetime | None = strawberry.field(
        description="Last rotation; the previous secret signs too until previousSecretExpiresAt."
    )
    previous_secret_expires_at: datetime | None
    disabled_at: datetime | None = strawberry.field(
        description="Set when deliveries kept failing (or the endpoint answered 410)."
    )
    disabled_reason: str | None
    failing_since: datetime | None = strawberry.field(
        description="First failed attempt since the last success."
    )
    last_success_at: datetime | None
    deleted_at: datetime | None

    @classmethod
    def from_domain(cls, sub: subscriptions.Subscription) -> WebhookSubscription:
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
    at: datetime
    status_code: int | None
    latency_ms: float | None
    response_excerpt: str = strawberry.field(description="The first 1 KB of the response body.")
    error: str | None
    outcome: str = strawberry.field(description="success, redirect, gone, retry or failure.")

    @classmethod
    def from_domain(cls, attempt: deliveries.Attempt) -> WebhookAttempt:
        return cls(
            number=attempt.number,
            at=attempt.at,
            status_code=attempt.status_code,
            latency_ms=attempt.latency_ms,
            response_excerpt=attempt.response_excerpt,
            error=attempt.error,
            outcome=attempt.outcome,
        )


@strawberry.type(description="One event sent to one subscription, with every attempt.")
class WebhookDelivery(Node):
    subscription_id: strawberry.ID
    event_id: strawberry.ID
    event_type: str
    channel: str = strawberry.field(description="webhook, or email to a notice address.")
    status: DeliveryStatus
    created_at: datetime
    next_attempt_at: datetime | None
    attempt_count: int
    delivered_at: datetime | None
    failed_at: datetime | None
    attempts: list[WebhookAttempt]

    @classmethod
    def from_domain(cls, delivery: deliveries.Delivery) -> WebhookDelivery:
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
    customer_id: strawberry.ID
    reachable: bool = strawberry.field(
        description="false while any of the customer's subscriptions is disabled."
    )
    unreachable_since: datetime | None
    reason: str | None
    disabled_subscription_ids: list[strawberry.ID]

    @classmethod
    def from_domain(cls, value: Reachability) -> WebhookReachability:
        return cls(
            customer_id=strawberry.ID(value.customer_id),
            reachable=value.reachable,
            unreachable_since=value.unreachable_since,
            reason=value.reason,
            disabled_subscription_ids=[strawberry.ID(i) for i in value.disabled_subscription_ids],
        )
