"""Webhook query fields; `Query` inherits them (see schema.py)."""

from __future__ import annotations

from functools import partial
from typing import Annotated

import strawberry

from registry.api.context import Info
from registry.api.pagination import (
    AFTER,
    FIRST,
    Connection,
    as_text,
    paged,
)
from registry.api.types.webhook import (
    WebhookDelivery,
    WebhookReachability,
    WebhookSubscription,
)
from registry.domain.webhooks import DeliveryStatus
from registry.services import webhooks


@strawberry.type
class WebhookQueries:
    @strawberry.field(
        description="Live webhook subscriptions (never their secret; deleted ones are left "
        "out), by customer and id. ADMIN keys see all, CUSTOMER keys their own customer's."
    )
    async def webhook_subscriptions(
        self,
        info: Info,
        customer_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description=(
                    "Only this customer's subscriptions (ADMIN); a CUSTOMER key always gets"
                    " its own."
                )
            ),
        ] = None,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[WebhookSubscription]:
        return await paged(
            partial(
                webhooks.list_subscriptions, info.context.deps, info.context.caller, customer_id
            ),
            first,
            after,
            (as_text, as_text),
            lambda s: (s.customer_id, s.id),
            WebhookSubscription.from_domain,
        )

    @strawberry.field(
        description="The delivery log with every attempt, newest first. ADMIN keys see all, "
        "CUSTOMER keys their own customer's."
    )
    async def webhook_deliveries(
        self,
        info: Info,
        subscription_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Only deliveries to this subscription."),
        ] = None,
        status: Annotated[
            list[DeliveryStatus] | None,
            strawberry.argument(description="Only deliveries with these statuses; default all."),
        ] = None,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[WebhookDelivery]:
        return await paged(
            partial(
                webhooks.list_deliveries,
                info.context.deps,
                info.context.caller,
                subscription_id=subscription_id,
                statuses=status or (),
            ),
            first,
            after,
            (as_text,),
            lambda d: (d.id,),
            WebhookDelivery.from_domain,
        )

    @strawberry.field(
        description="Whether a customer is reachable by webhook. ADMIN keys ask about any "
        "customer, CUSTOMER keys about their own."
    )
    async def webhook_reachability(
        self,
        info: Info,
        customer_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description=(
                    "The customer to ask about; required for ADMIN keys, a CUSTOMER key "
                    "always gets its own."
                )
            ),
        ] = None,
    ) -> WebhookReachability:
        found = await webhooks.reachability(info.context.deps, info.context.caller, customer_id)
        return WebhookReachability.from_domain(found)
