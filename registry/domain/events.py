"""An event the registry emits: one fact, for one customer (or the public), as a value.

The change engine, objections and the delivery worker make them; the store keeps
them in the outbox (store/events.py, which derives the id from `dedupe_key`, so the
same fact emitted twice is stored once) and the channels deliver them. `data` is the
webhook body's `data`, rendered once when the event is made, so delivery never
re-reads the registry. Nothing here performs I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from registry.domain.event_types import EventType


@dataclass(frozen=True, slots=True)
class Event:
    type: EventType
    customer_id: str  # or "public": the announcements for e-mail subscribers
    occurred_at: datetime
    dedupe_key: str  # names the fact: emitting it again is a no-op
    data: dict[str, Any] = field(repr=False)
    change_id: str | None = None  # the change it is about, if any (proof of notice)
