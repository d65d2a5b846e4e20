"""Email notices: the message for one delivery (pure) and one SMTP attempt to send it.

An email delivery carries the same rendered body as a webhook delivery (the event's
`type`, `timestamp` and `data`); the message is built from it at each attempt, with a
`Message-ID` made from the delivery id so a resent message can be recognised.
"""

from __future__ import annotations

import html
import time
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any
from urllib.parse import unquote, urlsplit

import aiosmtplib
import orjson

from registry.delivery.sender import AttemptResult, Outcome

CHANNEL = "email"
SUBSCRIPTION_PREFIX = "email:"
"""Email deliveries use `email:<address>` as their subscription id: the same unique index."""

_SUBJECTS = {
    "change.announced": "Subprocessor change announced",
    "change.reminder": "Reminder: objection deadline approaching",
    "change.effective": "Subprocessor change now effective",
    "change.cancelled": "Subprocessor change cancelled",
    "objection.filed": "Objection filed",
    "objection.resolved": "Objection resolved",
    "subscription.disabled": "Webhook subscription disabled",
}


@dataclass(frozen=True, slots=True)
class SmtpServer:
    """Where email goes, from `REGISTRY_SMTP_URL` (`smtp://host:port`, `smtps://user:pass@host`)."""

    host: str
    port: int
    use_tls: bool
    username: str | None = None
    password: str | None = None


def parse_smtp_url(url: str) -> SmtpServer:
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("REGISTRY_SMTP_URL must look like smtp://host:port or smtps://host:port")
    use_tls = parts.scheme == "smtps"
    return SmtpServer(
        host=parts.hostname,
        port=parts.port or (465 if use_tls else 25),
        use_tls=use_tls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def subscription_id(address: str) -> str:
    return SUBSCRIPTION_PREFIX + address


def render_message(body: str, *, sender: str, to: str, message_id: str) -> EmailMessage:
    """A plain-text and HTML notice for one rendered delivery body."""
    payload: dict[str, Any] = orjson.loads(body)
    event_type = str(payload.get("type", "notice"))
    data: dict[str, Any] = payload.get("data") or {}
    lines = _lines(event_type, data)
    message = EmailMessage()
    message["Subject"] = _subject(event_type, data)
    message["From"] = sender
    message["To"] = to
    message["Message-ID"] = f"<{message_id}@{sender.rpartition('@')[2] or 'localhost'}>"
    if (occurred := _timestamp(payload)) is not None:
        message["Date"] = format_datetime(occurred)
    message.set_content("\n".join(lines) + "\n")
    paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in lines if line)
    message.add_alternative(f"<html><body>{paragraphs}</body></html>\n", subtype="html")
    return message


def _subject(event_type: str, data: dict[str, Any]) -> str:
    subject = _SUBJECTS.get(event_type, f"Registry notice: {event_type}")
    change = data.get("change") or {}
    vendor = _vendor(change)
    return f"{subject}: {change.get('kind', '')} {vendor}".rstrip() if vendor else subject


def _vendor(change: dict[str, Any]) -> str:
    name = change.get("subprocessorName") or (change.get("subprocessor") or {}).get("name")
    vendor_id = change.get("subprocessorId")
    if name and vendor_id:
        return f"{name} ({vendor_id})"
    return str(name or vendor_id or "")


def _lines(event_type: str, data: dict[str, Any]) -> list[str]:
    change: dict[str, Any] = data.get("change") or {}
    notice: dict[str, Any] = data.get("notice") or {}
    links: dict[str, Any] = data.get("links") or {}
    lines = [f"Event: {event_type}"]
    if change:
        lines.append(f"Change {change.get('id', '')}: {change.get('kind', '')}".rstrip())
        if vendor := _vendor(change):
            lines.append(f"Subprocessor: {vendor}")
        if change.get("description"):
            lines.append(f"Description: {change['description']}")
    if notice.get("objectionDeadline"):
        lines.append(f"Your objection deadline: {notice['objectionDeadline']}")
    effective = notice.get("effectiveAt") or change.get("effectiveAt")
    if effective:
        lines.append(f"Effective date: {effective}")
    if objection := data.get("objection"):
        lines.append(f"Objection {objection.get('id', '')}: {objection.get('status', '')}")
    if subscription := data.get("subscription"):
        lines.append(f"Subscription {subscription.get('id', '')}: {subscription.get('reason', '')}")
    if change and links.get("graphql"):
        lines += [
            "",
            "To object, call the fileObjection mutation at "
            f"{links['graphql']} before the deadline:",
            f'mutation {{ fileObjection(input: {{changeId: "{change.get("id", "")}", '
            'reason: "…"}) { __typename } }',
        ]
    return lines


def _timestamp(payload: dict[str, Any]) -> datetime | None:
    """When the event happened; a message without it gets its Date from the server."""
    try:
        return datetime.fromisoformat(str(payload.get("timestamp")).replace("Z", "+00:00"))
    except ValueError:
        return None


async def send(message: EmailMessage, server: SmtpServer, *, total_timeout: float) -> AttemptResult:
    """One SMTP attempt; any refusal or connection trouble is a failure to retry."""
    started = time.monotonic()

    def result(
        code: int | None, excerpt: str, error: str | None, outcome: Outcome
    ) -> AttemptResult:
        latency = (time.monotonic() - started) * 1000
        return AttemptResult(code, latency, excerpt[:1024], error, None, outcome)

    try:
        _, reply = await aiosmtplib.send(
            message,
            hostname=server.host,
            port=server.port,
            username=server.username,
            password=server.password,
            use_tls=server.use_tls,
            timeout=total_timeout,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        first = exc.recipients[0] if exc.recipients else None
        code = first.code if first else None
        text = first.message if first else str(exc)
        return result(code, text, f"SMTP server refused the recipient ({code})", "failure")
    except aiosmtplib.SMTPResponseException as exc:
        return result(exc.code, exc.message, f"SMTP server answered {exc.code}", "failure")
    except (aiosmtplib.SMTPException, OSError) as exc:
        return result(None, "", f"SMTP server unreachable: {type(exc).__name__}", "failure")
    return result(250, reply, None, "success")
