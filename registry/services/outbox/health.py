"""What a batch's results say of its subscriptions: healthy, failing, or disabled.

A subscription failing for longer than `webhook_disable_after` is disabled, and its
customer told with a `subscription.disabled` event on their other subscriptions.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from registry.domain.durations import Duration, add_duration, parse_duration
from registry.domain.event_types import EventType
from registry.domain.events import Event
from registry.domain.operator import Operator, as_sent
from registry.domain.webhooks import Subscription
from registry.services import operator as operators
from registry.services.deps import Deps
from registry.store import customers, events, webhook_subscriptions

logger = logging.getLogger("registry.webhooks")

SUCCESS_WRITE_INTERVAL = timedelta(minutes=1)
"""A healthy subscription's `last_success_at` is refreshed at most this often (one write)."""


class SubscriptionHealth:
    """One batch's health updates: each subscription written at most once per state."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.disable_after: Duration = parse_duration(deps.settings.webhook_disable_after)
        self._healthy: set[str] = set()
        self._failing: dict[str, datetime] = {}

    async def succeeded(self, sub: Subscription, now: datetime) -> None:
        if sub.id in self._healthy:
            return
        self._healthy.add(sub.id)
        stale = sub.last_success_at is None or now - sub.last_success_at > SUCCESS_WRITE_INTERVAL
        if sub.failing_since is not None or stale:
            await webhook_subscriptions.record_success(self.deps.db, sub.id, now)

    async def failed(self, sub: Subscription, now: datetime) -> None:
        since = sub.failing_since or self._failing.get(sub.id)
        if since is None:
            since = await webhook_subscriptions.record_failure(self.deps.db, sub.id, now)
            self._failing[sub.id] = since
        if add_duration(since, self.disable_after) <= now:
            reason = (
                f"no successful delivery since {since.isoformat()} "
                f"(disabled after {self.deps.settings.webhook_disable_after} of failures)"
            )
            await self.disable(sub, now, reason)

    async def disable(self, sub: Subscription, now: datetime, reason: str) -> None:
        if not await webhook_subscriptions.disable(self.deps.db, sub.id, at=now, reason=reason):
            return  # already disabled, and its owner already told
        logger.warning(
            "webhook subscription %s of %s disabled: %s", sub.id, sub.customer_id, reason
        )
        told = await operators.identity(self.deps)
        owner = await customers.get(self.deps.db, sub.customer_id)
        language = owner.terms.language if owner is not None else "en"
        event = disabled_event(self.deps, sub, now, reason, told, language)
        await events.emit(self.deps.db, event)


def disabled_event(
    deps: Deps,
    sub: Subscription,
    at: datetime,
    reason: str,
    operator: Operator | None = None,
    language: str = "en",
) -> Event:
    """`subscription.disabled`, for the customer's remaining subscriptions (and, by
    e-mail, in the customer's language)."""
    graphql = deps.settings.public_url.rstrip("/") + "/graphql"
    data: dict[str, Any] = {
        "subscription": {
            "id": sub.id,
            "url": sub.url,
            "disabledAt": at.isoformat(),
            "reason": reason,
        },
        "customer": {"id": sub.customer_id, "language": language},
        "links": {"graphql": graphql},
    }
    if operator is not None:
        data["operator"] = as_sent(operator)
    return Event(
        type=EventType.SUBSCRIPTION_DISABLED,
        customer_id=sub.customer_id,
        occurred_at=at,
        dedupe_key=f"subscription.disabled:{sub.id}:{at.isoformat()}",
        data=data,
    )
