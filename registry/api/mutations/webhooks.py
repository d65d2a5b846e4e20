"""Webhook subscriptions: create, rotate the secret, enable, delete; replay a delivery."""

from __future__ import annotations

from typing import Annotated

import strawberry

from registry.api.context import Info
from registry.api.mutations import attempt
from registry.api.types.errors import NotFound, PermissionDenied, UnsafeUrl, ValidationError
from registry.api.types.webhook import WebhookDelivery, WebhookSubscription
from registry.services import webhooks


@strawberry.input
class CreateWebhookSubscriptionInput:
    url: str
    event_types: list[str] | None = strawberry.field(
        default=None, description="Event types to receive; all of them when omitted."
    )
    customer_id: strawberry.ID | None = strawberry.field(
        default=None, description="ADMIN only; a CUSTOMER key subscribes its own customer."
    )


@strawberry.type
class WebhookSubscriptionCreated:
    subscription: WebhookSubscription
    secret: str = strawberry.field(description="The signing secret; shown once, store it now.")


@strawberry.type
class WebhookSecretRotated:
    subscription: WebhookSubscription
    secret: str = strawberry.field(
        description="The new secret, shown once; the old one also signs for 24 hours."
    )


@strawberry.type
class WebhookSubscriptionDeleted:
    subscription: WebhookSubscription


@strawberry.type
class WebhookSubscriptionEnabled:
    subscription: WebhookSubscription


@strawberry.type
class DeliveryReplayed:
    delivery: WebhookDelivery


CreateWebhookSubscriptionPayload = Annotated[
    WebhookSubscriptionCreated | UnsafeUrl | ValidationError | NotFound | PermissionDenied,
    strawberry.union("CreateWebhookSubscriptionPayload"),
]
RotateWebhookSecretPayload = Annotated[
    WebhookSecretRotated | NotFound | PermissionDenied,
    strawberry.union("RotateWebhookSecretPayload"),
]
DeleteWebhookSubscriptionPayload = Annotated[
    WebhookSubscriptionDeleted | NotFound | PermissionDenied,
    strawberry.union("DeleteWebhookSubscriptionPayload"),
]
EnableWebhookSubscriptionPayload = Annotated[
    WebhookSubscriptionEnabled | UnsafeUrl | NotFound | PermissionDenied,
    strawberry.union("EnableWebhookSubscriptionPayload"),
]
ReplayDeliveryPayload = Annotated[
    DeliveryReplayed | NotFound | ValidationError | PermissionDenied,
    strawberry.union("ReplayDeliveryPayload"),
]


@strawberry.type
class WebhookMutations:
    @strawberry.mutation(description="Subscribe to events; the signing secret is shown once.")
    async def create_webhook_subscription(
        self, info: Info, input: CreateWebhookSubscriptionInput
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

    @strawberry.mutation(description="A new secret, shown once; the old one signs for 24 hours.")
    async def rotate_webhook_secret(
        self, info: Info, id: strawberry.ID
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

    @strawberry.mutation(description="Turn a disabled subscription back on.")
    async def enable_webhook_subscription(
        self, info: Info, id: strawberry.ID
    ) -> EnableWebhookSubscriptionPayload:
        call = webhooks.enable_subscription(info.context.deps, info.context.caller, id)
        return await attempt(
            info,
            call,
            lambda s: WebhookSubscriptionEnabled(subscription=WebhookSubscription.from_domain(s)),
            target=id,
        )

    @strawberry.mutation
    async def delete_webhook_subscription(
        self, info: Info, id: strawberry.ID
    ) -> DeleteWebhookSubscriptionPayload:
        call = webhooks.delete_subscription(info.context.deps, info.context.caller, id)
        return await attempt(
            info,
            call,
            lambda s: WebhookSubscriptionDeleted(subscription=WebhookSubscription.from_domain(s)),
            target=id,
        )

    @strawberry.mutation(description="Send a finished delivery again, with the same webhook-id.")
    async def replay_delivery(self, info: Info, id: strawberry.ID) -> ReplayDeliveryPayload:
        call = webhooks.replay_delivery(info.context.deps, info.context.caller, id)
        return await attempt(
            info,
            call,
            lambda d: DeliveryReplayed(delivery=WebhookDelivery.from_domain(d)),
            target=id,
        )
