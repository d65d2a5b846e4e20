"""Webhook subscriptions: create, rotate the secret, enable, delete; replay a delivery."""

from __future__ import annotations

from typing import Annotated

import strawberry

from registry.api.context import Info
from registry.api.mutations import attempt
from registry.api.types.errors import (
    NotFound,
    PermissionDenied,
    SubscriptionDisabled,
    UnsafeUrl,
    ValidationError,
)
from registry.api.types.webhook import WebhookDelivery, WebhookSubscription
from registry.services import pings, webhooks


@strawberry.input(description="A new webhook subscription (createWebhookSubscription).")
class CreateWebhookSubscriptionInput:
    url: str = strawberry.field(
        description="The http(s) endpoint that receives signed POSTs; refused (UnsafeUrl) when it"
        " resolves to a private, loopback, link-local or metadata address."
    )
    event_types: list[str] | None = strawberry.field(
        default=None,
        description="Event types to receive: change.announced, change.reminder, "
        "change.effective, change.cancelled, objection.filed, objection.resolved, "
        "subscription.disabled. All of them when omitted.",
    )
    customer_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The customer to subscribe; required for ADMIN keys. A CUSTOMER key "
        "subscribes its own customer.",
    )


@strawberry.type(description="createWebhookSubscription succeeded.")
class WebhookSubscriptionCreated:
    subscription: WebhookSubscription = strawberry.field(description="The new subscription.")
    secret: str = strawberry.field(description="The signing secret; shown once, store it now.")


@strawberry.type(description="rotateWebhookSecret succeeded.")
class WebhookSecretRotated:
    subscription: WebhookSubscription = strawberry.field(description="The subscription.")
    secret: str = strawberry.field(
        description="The new secret, shown once; the old one also signs for 24 hours."
    )


@strawberry.type(description="deleteWebhookSubscription succeeded.")
class WebhookSubscriptionDeleted:
    subscription: WebhookSubscription = strawberry.field(
        description="The subscription, now deleted."
    )


@strawberry.type(description="enableWebhookSubscription succeeded.")
class WebhookSubscriptionEnabled:
    subscription: WebhookSubscription = strawberry.field(
        description="The subscription, active again."
    )


@strawberry.type(description="replayDelivery succeeded; the delivery is queued again.")
class DeliveryReplayed:
    delivery: WebhookDelivery = strawberry.field(description="The delivery, PENDING again.")


@strawberry.type(
    description="sendTestEvent succeeded: a `ping` is queued for the subscription and sent "
    "by the delivery worker like any event."
)
class TestEventQueued:
    delivery: WebhookDelivery = strawberry.field(
        description="The ping's delivery, PENDING until the worker sends it; follow it in "
        "webhookDeliveries (eventType ping)."
    )


CreateWebhookSubscriptionPayload = Annotated[
    WebhookSubscriptionCreated | UnsafeUrl | ValidationError | NotFound | PermissionDenied,
    strawberry.union(
        "CreateWebhookSubscriptionPayload",
        description=(
            "The result of createWebhookSubscription: WebhookSubscriptionCreated or"
            " an expected failure."
        ),
    ),
]
RotateWebhookSecretPayload = Annotated[
    WebhookSecretRotated | NotFound | PermissionDenied,
    strawberry.union(
        "RotateWebhookSecretPayload",
        description=(
            "The result of rotateWebhookSecret: WebhookSecretRotated or an expected failure."
        ),
    ),
]
DeleteWebhookSubscriptionPayload = Annotated[
    WebhookSubscriptionDeleted | NotFound | PermissionDenied,
    strawberry.union(
        "DeleteWebhookSubscriptionPayload",
        description=(
            "The result of deleteWebhookSubscription: WebhookSubscriptionDeleted or"
            " an expected failure."
        ),
    ),
]
EnableWebhookSubscriptionPayload = Annotated[
    WebhookSubscriptionEnabled | UnsafeUrl | NotFound | PermissionDenied,
    strawberry.union(
        "EnableWebhookSubscriptionPayload",
        description=(
            "The result of enableWebhookSubscription: WebhookSubscriptionEnabled or"
            " an expected failure (UnsafeUrl if the URL is no longer allowed)."
        ),
    ),
]
ReplayDeliveryPayload = Annotated[
    DeliveryReplayed | NotFound | ValidationError | PermissionDenied,
    strawberry.union(
        "ReplayDeliveryPayload",
        description="The result of replayDelivery: DeliveryReplayed or an expected failure.",
    ),
]

SendTestEventPayload = Annotated[
    TestEventQueued | SubscriptionDisabled | NotFound | PermissionDenied,
    strawberry.union(
        "SendTestEventPayload",
        description="The result of sendTestEvent: TestEventQueued or an expected failure "
        "(SubscriptionDisabled: enable the subscription first).",
    ),
]


@strawberry.type
class WebhookMutations:
    @strawberry.mutation(
        description="Subscribe an endpoint to events; the signing secret is shown once. "
        "ADMIN keys (naming customerId), and CUSTOMER keys for their own customer."
    )
    async def create_webhook_subscription(
        self,
        info: Info,
        input: Annotated[
            CreateWebhookSubscriptionInput,
            strawberry.argument(description="The endpoint, event types and customer."),
        ],
    ) -> CreateWebhookSubscriptionPayload:
        call = webhooks.create_subscription(
            info.context.deps,
            info.context.caller,
            url=input.url,
            event_types=input.event_types,
            customer_id=input.customer_id,
        )
        return await attempt(
            info,
            call,
            lambda r: WebhookSubscriptionCreated(
                subscription=WebhookSubscription.from_domain(r[0]), secret=r[1]
            ),
        )

    @strawberry.mutation(
        description="A new signing secret, shown once; the old one also signs for 24 hours. "
        "ADMIN keys, and CUSTOMER keys for their own customer's subscriptions."
    )
    async def rotate_webhook_secret(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID, strawberry.argument(description="The subscription's global id.")
        ],
    ) -> RotateWebhookSecretPayload:
        call = webhooks.rotate_secret(info.context.deps, info.context.caller, id)
        return await attempt(
            info,
            call,
            lambda r: WebhookSecretRotated(
                subscription=WebhookSubscription.from_domain(r[0]), secret=r[1]
            ),
            target=id,
        )

    @strawberry.mutation(
        description="Turn a disabled subscription back on (its URL is checked again). "
        "ADMIN keys, and CUSTOMER keys for their own customer's subscriptions."
    )
    async def enable_webhook_subscription(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID, strawberry.argument(description="The subscription's global id.")
        ],
    ) -> EnableWebhookSubscriptionPayload:
        call = webhooks.enable_subscription(info.context.deps, info.context.caller, id)
        return await attempt(
            info,
            call,
            lambda s: WebhookSubscriptionEnabled(subscription=WebhookSubscription.from_domain(s)),
            target=id,
        )

    @strawberry.mutation(
        description="Stop delivering to a subscription; its pending deliveries fail with a reason"
        " and its log stays. ADMIN keys, and CUSTOMER keys for their own customer's "
        "subscriptions."
    )
    async def delete_webhook_subscription(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID, strawberry.argument(description="The subscription's global id.")
        ],
    ) -> DeleteWebhookSubscriptionPayload:
        call = webhooks.delete_subscription(info.context.deps, info.context.caller, id)
        return await attempt(
            info,
            call,
            lambda s: WebhookSubscriptionDeleted(subscription=WebhookSubscription.from_domain(s)),
            target=id,
        )

    @strawberry.mutation(
        description="Send a finished (usually FAILED) delivery again, with the same webhook-id. "
        "ADMIN keys, and CUSTOMER keys for their own customer's deliveries."
    )
    async def replay_delivery(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The delivery's global id.")],
    ) -> ReplayDeliveryPayload:
        call = webhooks.replay_delivery(info.context.deps, info.context.caller, id)
        return await attempt(
            info,
            call,
            lambda d: DeliveryReplayed(delivery=WebhookDelivery.from_domain(d)),
            target=id,
        )

    @strawberry.mutation(
        description="Send a signed test event to one subscription, whatever event types it "
        'chose: a POST of `{"type": "ping", "timestamp": …, "data": {"subscription": '
        '{"id", "url"}, "customer": {"id"}, "message"}}` with the same '
        "webhook-id, webhook-timestamp and webhook-signature headers, retries and delivery "
        "log as real events. ADMIN keys, and CUSTOMER keys for their own customer's "
        "subscriptions."
    )
    async def send_test_event(
        self,
        info: Info,
        subscription_id: Annotated[
            strawberry.ID, strawberry.argument(description="The subscription's global id.")
        ],
    ) -> SendTestEventPayload:
        call = pings.send_test_event(info.context.deps, info.context.caller, subscription_id)
        return await attempt(
            info,
            call,
            lambda d: TestEventQueued(delivery=WebhookDelivery.from_domain(d)),
            target=subscription_id,
        )
