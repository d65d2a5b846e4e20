"""Email notices: the message for one delivery (pure) and one SMTP attempt to send it.

An email delivery carries the same rendered body as a webhook delivery (the event's
`type`, `timestamp` and `data`); the message is built from it at each attempt
(registry/delivery/email_content.py says what it reads), with a `Message-ID` made
from the delivery id so a resent message can be recognised.

Two failures are final, since another attempt would fail the same way: a message
that cannot be built from what is stored (`Unrenderable`, e.g. a vendor name with a
line break, which no header may hold) and a 5xx reply to the recipient or to the
message (RFC 5321: permanent). A 4xx reply, a refused sender or login (our own
settings, fixed once for every queued message) and an unreachable server are retried.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from typing import Any
from urllib.parse import unquote, urlsplit

import aiosmtplib
import orjson

from registry.delivery import email_content
from registry.delivery.sender import AttemptResult, Outcome
from registry.domain.operator import Operator
from registry.domain.translations import catalog

CHANNEL = "email"
SUBSCRIPTION_PREFIX = "email:"
"""Email deliveries use `email:<address>` as their subscription id: the same unique index."""


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


class Unrenderable(Exception):
    """A message that cannot be built from what is stored: no attempt can send it."""

    def __init__(self, part: str, detail: str) -> None:
        super().__init__(f"the {part} could not be rendered: {detail}")
        self.cause = str(self)


@contextlib.contextmanager
def _rendering(part: str) -> Iterator[None]:
    """Whatever the stored values make the e-mail library raise, named by the part."""
    try:
        yield
    except Unrenderable:
        raise
    except Exception as exc:
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise Unrenderable(part, detail[:300]) from exc


def render_message(
    body: str,
    *,
    sender: str,
    to: str,
    message_id: str,
    unsubscribe: str | None = None,
    language: str | None = None,
) -> EmailMessage:
    """The notice for one delivered body: plain text, HTML and, when the reader has a
    deadline, the deadline as a calendar event. `unsubscribe` (public subscribers)
    adds the RFC 8058 one-click headers. Raises `Unrenderable` naming the part that
    could not be built."""
    with _rendering("message content"):
        payload: dict[str, Any] = orjson.loads(body)
        if language is not None:  # a public subscriber's choice: one body, many readers
            payload = {**payload, "data": {**(payload.get("data") or {}), "language": language}}
        content = email_content.compose(payload, message_id=message_id)
    message = EmailMessage()
    with _rendering("subject"):
        message["Subject"] = content.subject
    with _rendering("sender address"):
        identify(message, content.operator, sender)
    with _rendering("recipient address"):
        message["To"] = to
    with _rendering("message id"):
        message["Message-ID"] = f"<{message_id}@{sender.rpartition('@')[2] or 'localhost'}>"
    occurred = _timestamp(payload)
    message["Date"] = format_datetime(occurred or datetime.now(UTC))
    message["Auto-Submitted"] = "auto-generated"
    if unsubscribe is not None:
        with _rendering("unsubscribe link"):
            message["List-Unsubscribe"] = f"<{unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    footer = content.footer
    if unsubscribe is not None:
        _ = catalog(content.language).gettext
        footer = [*footer, _("Unsubscribe: %(link)s") % {"link": unsubscribe}]
        content = dataclasses.replace(content, footer=footer)
    with _rendering("message text"):
        message.set_content(email_content.text(content))
        message.add_alternative(email_content.html_part(content), subtype="html")
    if content.calendar is not None:
        with _rendering("calendar attachment"):
            message.add_attachment(
                content.calendar,
                maintype="text",
                subtype="calendar",
                filename="objection-deadline.ics",
                params={"method": "PUBLISH"},
            )
    # RFC 3282, the reader's language; set last, since building the parts moves Content-*.
    message["Content-Language"] = content.language
    with _rendering("message"):
        message.as_bytes()  # what sending does: any value it cannot write fails here
    return message


def identify(
    message: EmailMessage, operator: Operator | None, sender: str, *, reply_to: bool = True
) -> None:
    """`From` with the company's name before the sender address, and (`reply_to`, for
    mail to customers and the public) `Reply-To` its privacy contact, so an answer
    reaches a person instead of the sending mailbox."""
    named = operator is not None and operator.named
    message["From"] = formataddr((operator.name, sender)) if operator and named else sender
    if reply_to and operator is not None and operator.privacy_email:
        message["Reply-To"] = operator.privacy_email


def _timestamp(payload: dict[str, Any]) -> datetime | None:
    """When the event happened; a message without it gets its Date from the server."""
    try:
        return datetime.fromisoformat(str(payload.get("timestamp")).replace("Z", "+00:00"))
    except ValueError:
        return None


async def send(
    message: EmailMessage,
    server: SmtpServer,
    *,
    total_timeout: float,
    sender: str,
    recipient: str,
) -> AttemptResult:
    """One SMTP attempt to exactly `recipient` (the envelope is given, never taken from
    the headers); a 5xx reply to the recipient or the message is final (`permanent`),
    any other refusal or connection trouble is a failure to retry."""
    started = time.monotonic()

    def result(
        code: int | None,
        excerpt: str,
        error: str | None,
        outcome: Outcome,
        *,
        permanent: bool = False,
    ) -> AttemptResult:
        latency = (time.monotonic() - started) * 1000
        return AttemptResult(code, latency, excerpt[:1024], error, None, outcome, permanent)

    try:
        _, reply = await aiosmtplib.send(
            message,
            sender=sender,
            recipients=[recipient],
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
        if _permanent(code):
            refused = f"the mail server refused the recipient: {_reply(code, text)}"
            return result(code, text, refused, "failure", permanent=True)
        return result(code, text, f"SMTP server refused the recipient ({code})", "failure")
    except aiosmtplib.SMTPDataError as exc:
        if _permanent(exc.code):
            refused = f"the mail server refused the message: {_reply(exc.code, exc.message)}"
            return result(exc.code, exc.message, refused, "failure", permanent=True)
        return result(exc.code, exc.message, f"SMTP server answered {exc.code}", "failure")
    except aiosmtplib.SMTPResponseException as exc:
        return result(exc.code, exc.message, f"SMTP server answered {exc.code}", "failure")
    except (aiosmtplib.SMTPException, OSError) as exc:
        return result(None, "", f"SMTP server unreachable: {type(exc).__name__}", "failure")
    return result(250, reply, None, "success")


def _permanent(code: int | None) -> bool:
    """RFC 5321: a 5yz reply is a permanent negative completion."""
    return code is not None and 500 <= code < 600


def _reply(code: int | None, text: str) -> str:
    """ "550 5.1.1 mailbox unavailable": the server's reply on one line, bounded."""
    return f"{code} {' '.join(text.split())}"[:300]
