"""The e-mail that tells staff notices were not delivered (pure: no I/O, no settings).

Its subject names only how many: vendor and customer names are stored text that
may be the very reason a notice could not be rendered, so they appear in the body
only, one line each, any line break or control character written out (`shown`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime

from registry.delivery.email import identify
from registry.delivery.email_content import subject_prefix
from registry.domain.operator import Operator
from registry.domain.validation import shown

CHANNEL_NAMES = {"email": "e-mail", "webhook": "webhook"}


@dataclass(frozen=True, slots=True)
class NotDelivered:
    """One failed delivery as staff read it."""

    delivery_id: str
    event_type: str
    channel: str
    customer: str
    customer_link: str | None
    vendor: str | None
    change_link: str | None
    summary: str  # "not delivered: the subject could not be rendered: …"
    failed_at: datetime | None


def subject(count: int) -> str:
    return f"{count} notice{'' if count == 1 else 's'} not delivered"


def text(items: Sequence[NotDelivered], overview: str) -> str:
    lines = [
        subject(len(items)),
        "",
        "These notices were given up and will not be sent again unless someone replays "
        "them. Fix the cause, then replay each delivery from its customer's page.",
        "",
    ]
    for item in items:
        vendor = shown(item.vendor) if item.vendor else "no vendor"
        when = (
            item.failed_at.astimezone(UTC).strftime("%-d %B %Y, %H:%M UTC")
            if item.failed_at
            else "at an unknown time"
        )
        lines += [
            f"- {vendor}: {item.event_type} to {shown(item.customer)} by "
            f"{CHANNEL_NAMES.get(item.channel, item.channel)}, {when}",
            f"  {shown(item.summary)}",
            f"  delivery {item.delivery_id}",
        ]
        lines += [f"  {link}" for link in (item.customer_link, item.change_link) if link]
        lines.append("")
    lines += ["All notices not delivered:", overview, "", "-- ", "Sent by the registry to staff."]
    return "\n".join(lines) + "\n"


def render(
    items: Sequence[NotDelivered],
    *,
    sender: str,
    to: str,
    overview: str,
    now: datetime,
    operator: Operator | None = None,
) -> EmailMessage:
    """One message listing `items`; its Message-ID is made from their ids, so a copy
    sent again (a worker died before noting it sent) can be recognised."""
    digest = hashlib.sha256("\n".join(i.delivery_id for i in items).encode()).hexdigest()[:32]
    message = EmailMessage()
    message["Subject"] = subject_prefix(operator) + subject(len(items))
    identify(message, operator, sender, reply_to=False)
    message["To"] = to
    message["Message-ID"] = f"<staff-alert.{digest}@{sender.rpartition('@')[2] or 'localhost'}>"
    message["Date"] = format_datetime(now)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text(items, overview))
    return message
