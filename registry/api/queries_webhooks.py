"""Webhook query fields; `Query` inherits them (see schema.py)."""

from __future__ import annotations

import strawberry

from registry.api.context import Info
from registry.api.pagination import Connection, connection, decode_cursor, page_size
from registry.api.types.webhook import (
    WebhookDelivery,
    WebhookReachability,
    WebhookSubscription,
)
from registry.services import webhooks
from registry.store.deliveries import DeliveryStatus, sort_key


@strawberry.type
class WebhookQueries:
    @strawberry.field(description="Subscriptions (never their secret); a customer sees its own.")
    async def webhook_subscriptions(
        self, info: Info, customer_id: strawberry.ID | None = None
    ) -> list[WebhookSubscription]:
        found = await webhooks.list_subscriptions(
            info.context.deps, info.context.caller, customer_id
        )
        return [WebhookSubscription.from_domain(s) for s in found]

    @strawberry.field(description="The delivery log with every attempt, newest first.")
    async def webhook_deliveries(
        self,
        info: Info,
        subscription_id: strawberry.ID | None = None,
        status: list[DeliveryStatus] | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[WebhookDelivery]:
        limit = page_size(first)
        cursor = decode_cursor(after, 1)
        items, total = await webhooks.list_deliveries(
            info.context.deps,
            info.context.caller,
            subscription_id=subscription_id,
            statuses=status or (),
            after=str(cursor[0]) if cursor else None,
            limit=limit + 1,
        )
        return connection(items, total, limit, sort_key, WebhookDelivery.from_domain)

    @strawberry.field(
        description="Whether a customer is reachable by webhook (ADMIN: any customer)."
    )
    async def webhook_reachability(
        self, info: Info, customer_id: strawberry.ID | None = None
    ) -> WebhookReachability:
        found = await webhooks.reachability(info.context.deps, info.context.caller, customer_id)
        return WebhookReachability.from_domain(found)
