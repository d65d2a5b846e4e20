"""`node(id:)`: one lookup service asks the access policy; this maps what it found."""

from __future__ import annotations

from registry.api.context import Info
from registry.api.types.change import Change, Notice, Objection
from registry.api.types.customer import Customer
from registry.api.types.node import Node
from registry.api.types.subprocessor import Subprocessor
from registry.api.types.webhook import WebhookDelivery, WebhookSubscription
from registry.domain import models
from registry.domain.webhooks import Delivery, Subscription
from registry.services import lookup


async def resolve_node(info: Info, id_: str) -> Node | None:
    found = await lookup.find(info.context.deps, info.context.caller, id_)
    match found:
        case models.Subprocessor():
            return Subprocessor.from_domain(found)
        case models.Customer():
            return Customer.from_domain(found)
        case models.Change():
            return Change.from_domain(found)
        case models.Notice():
            return Notice.from_domain(found)
        case models.Objection():
            return Objection.from_domain(found)
        case Subscription():
            return WebhookSubscription.from_domain(found)
        case Delivery():
            return WebhookDelivery.from_domain(found)
    return None
