"""A person subscribed by e-mail to the public list's announcements, as a plain value.

The store maps it to its document (store/email_subscribers.py); the subscription
service and the API read it. The address is personal data: only ADMIN lists it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Subscriber:
    id: str
    address: str
    status: str  # PENDING, CONFIRMED or UNSUBSCRIBED
    created_at: datetime
    confirmed_at: datetime | None = None
    unsubscribed_at: datetime | None = None
    language: str = "en"  # BCP 47, chosen when subscribing: its e-mails are written in it
