"""The kinds of event the registry emits: one enum for the outbox, the published JSON
Schemas, e-mail subjects and metrics labels, so the four cannot disagree."""

from __future__ import annotations

import enum


class EventType(enum.StrEnum):
    CHANGE_ANNOUNCED = "change.announced"
    CHANGE_REMINDER = "change.reminder"
    CHANGE_EFFECTIVE = "change.effective"
    CHANGE_CANCELLED = "change.cancelled"
    OBJECTION_FILED = "objection.filed"
    OBJECTION_RESOLVED = "objection.resolved"
    SUBSCRIPTION_DISABLED = "subscription.disabled"


EVENT_TYPES = tuple(t.value for t in EventType)
"""Every type's name, in declaration order (what a subscription without a filter wants)."""

CHANGE_EVENTS = (
    EventType.CHANGE_ANNOUNCED,
    EventType.CHANGE_REMINDER,
    EventType.CHANGE_EFFECTIVE,
    EventType.CHANGE_CANCELLED,
)
"""Events about a change itself: each carries the change's snapshot and the notice link."""

PUBLIC_EVENTS = (
    EventType.CHANGE_ANNOUNCED,
    EventType.CHANGE_EFFECTIVE,
    EventType.CHANGE_CANCELLED,
)
"""What public e-mail subscribers receive (without any customer's deadlines)."""

PING = "ping"
"""A test event (sendTestEvent): sent on request to one subscription, whatever event types
it chose, and never subscribed to, so it is not an `EventType`."""
