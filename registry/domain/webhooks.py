"""Webhook subscriptions and delivery records, as plain values.

The store maps them to documents (store/webhook_subscriptions.py, store/deliveries.py);
the delivery worker and the API read them. Nothing here performs I/O.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class SealedSecrets:
    """Encrypted signing secrets; the previous one only until it expires."""

    current: str
    previous: str | None = None
    previous_expires_at: datetime | None = None

    def valid_at(self, now: datetime) -> tuple[str, ...]:
        if self.previous and self.previous_expires_at and now < self.previous_expires_at:
            return (self.current, self.previous)
        return (self.current,)


@dataclass(frozen=True, slots=True)
class Subscription:
    id: str
    customer_id: str
    url: str
    event_types: tuple[str, ...]
    active: bool
    created_at: datetime
    # repr=False: ciphertexts stay out of logs and tracebacks all the same.
    secrets: SealedSecrets = field(repr=False)
    secret_rotated_at: datetime | None = None
    disabled_at: datetime | None = None
    disabled_reason: str | None = None
    deleted_at: datetime | None = None
    failing_since: datetime | None = None
    last_success_at: datetime | None = None

    def wants(self, event_type: str) -> bool:
        return self.active and self.deleted_at is None and event_type in self.event_types


class DeliveryStatus(enum.Enum):
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"


class FailureKind(enum.StrEnum):
    """Why a delivery ended FAILED: what `/metrics` counts and staff are told."""

    UNRENDERABLE = "unrenderable"  # the message could not be built from what is stored
    REFUSED = "refused"  # the receiver refused it for good (SMTP 5xx, HTTP 410)
    RETRIES_EXHAUSTED = "retries_exhausted"  # it kept failing until the schedule ran out
    NOT_SENT = "not_sent"  # withheld on purpose: unsubscribed, subscription deleted or disabled


@dataclass(frozen=True, slots=True)
class DeliveryFailure:
    """Why a delivery was given up, in words staff can act on."""

    kind: FailureKind
    cause: str  # "the subject could not be rendered: …", "the mail server refused …"

    @property
    def tells_staff(self) -> bool:
        """A notice someone relies on did not arrive; one withheld on purpose did not fail."""
        return self.kind is not FailureKind.NOT_SENT

    @property
    def summary(self) -> str:
        return f"not delivered: {self.cause}"


@dataclass(frozen=True, slots=True)
class Attempt:
    number: int
    at: datetime
    status_code: int | None
    latency_ms: float | None
    response_excerpt: str
    error: str | None
    outcome: str


@dataclass(frozen=True, slots=True)
class Delivery:
    """A delivery record; `lease_seq` is set on the copy a worker claimed."""

    id: str
    event_id: str
    event_type: str
    subscription_id: str
    customer_id: str
    status: DeliveryStatus
    created_at: datetime
    next_attempt_at: datetime | None
    attempt_count: int
    body: str = field(repr=False)
    attempts: tuple[Attempt, ...] = ()
    channel: str = "webhook"  # or "email", to `target` (an address) instead of a subscription
    target: str | None = field(default=None, repr=False)
    delivered_at: datetime | None = None
    failed_at: datetime | None = None
    failure: DeliveryFailure | None = None  # set when FAILED
    lease_seq: int = 0  # the queue generation the claim was made at
