"""Webhook subscriptions: subscribe, rotate, delete, replay, and read the delivery log.

A CUSTOMER key manages its own customer's subscriptions; an ADMIN names the
customer. Anything of another customer is answered exactly like a missing id.
The signing secret is returned once, by the call that made it, and otherwise
only exists encrypted in the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from registry.delivery import email, retry, signing, ssrf
from registry.delivery.secrets import SecretBox
from registry.domain.durations import parse_duration
from registry.domain.errors import NotFound, UnsafeUrlError, ValidationError
from registry.domain.event_types import EVENT_TYPES
from registry.domain.models import Role
from registry.domain.webhooks import Delivery, DeliveryStatus, SealedSecrets, Subscription
from registry.services import policy
from registry.services.caller import Caller
from registry.services.deps import Deps
from registry.services.policy import require_role
from registry.settings import Settings
from registry.store import customers, deliveries, delivery_queue, ids, webhook_subscriptions

ROTATION_OVERLAP = timedelta(hours=24)
"""How long the old secret keeps signing after a rotation."""


@dataclass(frozen=True, slots=True)
class Reachability:
    """Whether a customer's systems still hear from us by webhook."""

    customer_id: str
    reachable: bool
    unreachable_since: datetime | None
    reason: str | None
    disabled_subscription_ids: tuple[str, ...]


def check_webhook_settings(settings: Settings) -> None:
    """Refuse webhook settings that cannot work, or that open private networks in production.

    Raises ValueError with a message naming the setting.
    """
    networks = ssrf.parse_allow_cidrs(settings.webhook_allow_cidrs)
    retry.parse_schedule(settings.webhook_retry_schedule)
    parse_duration(settings.webhook_disable_after)
    if settings.environment != "production":
        return
    settings.effective_secret_key()
    if ssrf.allowlist_opens_private(networks) and not settings.allow_private_webhooks:
        raise ValueError(
            "REGISTRY_WEBHOOK_ALLOW_CIDRS lets webhooks reach private, loopback or link-local "
            "networks; set REGISTRY_ALLOW_PRIVATE_WEBHOOKS=true if that is intended"
        )


def secret_box(settings: Settings) -> SecretBox:
    return SecretBox(settings.effective_secret_key())


async def create_subscription(
    deps: Deps,
    caller: Caller,
    *,
    url: str,
    event_types: Sequence[str] | None = None,
    customer_id: str | None = None,
) -> tuple[Subscription, str]:
    """A new subscription and the only copy of its signing secret."""
    owner = await _owner(deps, caller, customer_id)
    types = _checked_event_types(event_types)
    target = await _checked_url(deps, url)
    secret = signing.generate_secret()
    subscription = Subscription(
        id=ids.new_id("WebhookSubscription"),
        customer_id=owner,
        url=target.url,
        event_types=types,
        active=True,
        created_at=deps.clock.now(),
        secrets=SealedSecrets(current=secret_box(deps.settings).encrypt(secret)),
    )
    await webhook_subscriptions.insert(deps.db, subscription)
    return subscription, secret


async def rotate_secret(
    deps: Deps, caller: Caller, subscription_id: str
) -> tuple[Subscription, str]:
    """A new secret, shown once; the old one signs too for ROTATION_OVERLAP."""
    current = await _visible(deps, caller, subscription_id)
    secret = signing.generate_secret()
    now = deps.clock.now()
    rotated = await webhook_subscriptions.rotate_secret(
        deps.db,
        current.id,
        current=secret_box(deps.settings).encrypt(secret),
        previous=current.secrets.current,
        previous_expires_at=now + ROTATION_OVERLAP,
        at=now,
    )
    if rotated is None:
        raise _not_found(subscription_id)
    return rotated, secret


async def delete_subscription(deps: Deps, caller: Caller, subscription_id: str) -> Subscription:
    """Stop delivering; pending deliveries fail with a reason, the log stays."""
    current = await _visible(deps, caller, subscription_id)
    deleted = await webhook_subscriptions.mark_deleted(deps.db, current.id, deps.clock.now())
    if deleted is None:
        raise _not_found(subscription_id)
    return deleted


async def enable_subscription(deps: Deps, caller: Caller, subscription_id: str) -> Subscription:
    """Turn a disabled subscription back on (after the receiver was fixed)."""
    current = await _visible(deps, caller, subscription_id)
    await _checked_url(deps, current.url)  # the allowlist may have changed since
    enabled = await webhook_subscriptions.enable(deps.db, current.id)
    if enabled is None:
        raise _not_found(subscription_id)
    return enabled


async def list_subscriptions(
    deps: Deps,
    caller: Caller,
    customer_id: str | None = None,
    *,
    after: tuple[Any, ...] | None = None,
    limit: int,
) -> tuple[list[Subscription], int]:
    """Live subscriptions by customer and id, `limit` after the key `after`, and how many
    there are; another customer's read as none."""
    require_role(caller, *policy.WEBHOOK_ROLES)
    scope = policy.webhook_scope(caller)
    if customer_id is not None and not scope.allows(customer_id):
        return [], 0  # exactly what an unknown customer gets
    key = (str(after[0]), str(after[1])) if after else None
    return await webhook_subscriptions.page(deps.db, customer_id or scope.only, key, limit)


async def list_deliveries(
    deps: Deps,
    caller: Caller,
    *,
    subscription_id: str | None,
    statuses: Sequence[DeliveryStatus],
    after: tuple[Any, ...] | None,
    limit: int,
    customer_id: str | None = None,
) -> tuple[list[Delivery], int]:
    """The delivery log, newest first; another customer's subscription reads as empty.

    `customer_id` narrows an admin's view to one customer; a customer key sees its own.
    """
    require_role(caller, *policy.WEBHOOK_ROLES)
    scope = policy.webhook_scope(caller)
    if customer_id is not None and not scope.allows(customer_id):
        return [], 0  # exactly what an unknown customer gets
    own = scope.only or customer_id
    if subscription_id is not None:
        found = await webhook_subscriptions.get_many(deps.db, [subscription_id])
        sub = found.get(subscription_id)
        if sub is None or not scope.allows(sub.customer_id):
            return [], 0
    return await deliveries.page(
        deps.db,
        subscription_id=subscription_id,
        customer_id=own,
        statuses=statuses,
        after=str(after[0]) if after else None,
        limit=limit,
    )


async def replay_delivery(deps: Deps, caller: Caller, delivery_id: str) -> Delivery:
    """Send a finished (usually FAILED) delivery again, with the same webhook-id."""
    require_role(caller, *policy.WEBHOOK_ROLES)
    found = await get_delivery(deps, caller, delivery_id)
    if found is None:
        raise NotFound(f"no webhook delivery {delivery_id!r}")
    if found.status is DeliveryStatus.PENDING:
        # Queued already; queueing again is harmless and heals a replay cut short.
        await delivery_queue.enqueue_one(deps.db, found.id, deps.clock.now())
        return found
    if found.channel == email.CHANNEL:
        # An e-mail has no subscription: it goes to one of the customer's notice addresses.
        customer = await customers.get(deps.db, found.customer_id)
        if customer is None or found.target not in customer.notice_emails:
            raise ValidationError("id", "the address is no longer a notice address of the customer")
    else:
        subscription = await webhook_subscriptions.get(deps.db, found.subscription_id)
        if subscription is None:
            raise NotFound(f"the subscription of delivery {delivery_id!r} was deleted")
        if not subscription.active:
            raise ValidationError("id", "the subscription is disabled; enable it first")
    now = deps.clock.now()
    replayed = await deliveries.replay(deps.db, found.id, now)
    await delivery_queue.enqueue_one(deps.db, found.id, now)
    return replayed or found


async def reachability(deps: Deps, caller: Caller, customer_id: str | None) -> Reachability:
    """Flagged while any of the customer's live subscriptions is disabled."""
    require_role(caller, *policy.WEBHOOK_ROLES)
    customer_id = policy.customer_view(caller, customer_id)
    if customer_id is None:
        raise ValidationError("customerId", "name the customer")
    disabled = sorted(
        (
            s
            for s in await webhook_subscriptions.for_customer(deps.db, customer_id)
            if s.disabled_at
        ),
        key=lambda s: (s.disabled_at, s.id),
    )
    first = disabled[0] if disabled else None
    return Reachability(
        customer_id=customer_id,
        reachable=first is None,
        unreachable_since=first.disabled_at if first else None,
        reason=first.disabled_reason if first else None,
        disabled_subscription_ids=tuple(s.id for s in disabled),
    )


async def _owner(deps: Deps, caller: Caller, customer_id: str | None) -> str:
    owner = policy.acting_customer(caller, customer_id)
    if caller.role is Role.CUSTOMER:
        return owner
    if not _is("Customer", owner) or await customers.get(deps.db, owner) is None:
        raise ValidationError("customerId", f"no customer {owner!r}")
    return owner


def _checked_event_types(event_types: Sequence[str] | None) -> tuple[str, ...]:
    if event_types is None:
        return EVENT_TYPES
    unknown = sorted({t for t in event_types if t not in EVENT_TYPES})
    if unknown:
        raise ValidationError(
            "eventTypes", f"unknown event types {unknown}; known: {', '.join(EVENT_TYPES)}"
        )
    if not event_types:
        raise ValidationError("eventTypes", "subscribe to at least one event type (or omit it)")
    return tuple(t for t in EVENT_TYPES if t in event_types)


async def _checked_url(deps: Deps, url: str) -> ssrf.CheckedTarget:
    allow = ssrf.parse_allow_cidrs(deps.settings.webhook_allow_cidrs)
    try:
        return await ssrf.check_url(url, resolver=deps.resolver, allow=allow)
    except ssrf.UnsafeUrl as exc:
        raise UnsafeUrlError(exc.message) from None


async def get_subscription(deps: Deps, caller: Caller, subscription_id: str) -> Subscription | None:
    """One subscription, if the access policy lets the caller see it."""
    found = (
        await webhook_subscriptions.get(deps.db, subscription_id)
        if _is("WebhookSubscription", subscription_id)
        else None
    )
    if found is None or not policy.may_see_webhook_record(caller, found.customer_id):
        return None
    return found


async def get_delivery(deps: Deps, caller: Caller, delivery_id: str) -> Delivery | None:
    """One delivery with its attempts, if the access policy lets the caller see it."""
    found = (
        await deliveries.get(deps.db, delivery_id) if _is("WebhookDelivery", delivery_id) else None
    )
    if found is None or not policy.may_see_webhook_record(caller, found.customer_id):
        return None
    return found


async def _visible(deps: Deps, caller: Caller, subscription_id: str) -> Subscription:
    require_role(caller, *policy.WEBHOOK_ROLES)
    found = await get_subscription(deps, caller, subscription_id)
    if found is None:
        raise _not_found(subscription_id)
    return found


def _is(kind: str, id_: str) -> bool:
    return ids.is_id_of(kind, id_)


def _not_found(subscription_id: str) -> NotFound:
    return NotFound(f"no webhook subscription {subscription_id!r}")
