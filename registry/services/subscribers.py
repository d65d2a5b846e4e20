"""Public e-mail subscriptions to the list's announcements, with double opt-in.

A request always gets the same answer ("check your inbox"), whether or not the address
is known, so the form reveals nothing about who subscribes; nor does its timing: the
request is queued and decided in the background, whatever the address's state. The
address is parsed into one canonical mailbox (domain/addresses.py), which the limit
is keyed on and the only recipient. Only a confirmation is
ever sent to an unconfirmed address, at most `CONFIRMATIONS_PER_DAY` a day; requests
per client address are limited by the web layer. Confirmed subscribers get the public
announcements (`change.announced`, `change.effective`, `change.cancelled`, without any
customer's deadlines) through the outbox, each with a one-click unsubscribe link.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from registry.delivery import email, email_content, notice_links, subscriber_links
from registry.domain import addresses, languages
from registry.domain.errors import NotFound
from registry.domain.event_types import PUBLIC_EVENTS, EventType
from registry.domain.events import Event
from registry.domain.models import Change, DataOrigin, Role
from registry.domain.operator import Operator, as_sent
from registry.domain.subscribers import Subscriber
from registry.domain.translations import N_, catalog
from registry.services import operator as operators
from registry.services import snapshots
from registry.services.background import Background
from registry.services.caller import Caller
from registry.services.deps import Deps
from registry.services.policy import require_role
from registry.store import deliveries, email_subscribers, events

logger = logging.getLogger("registry.subscriptions")

CONFIRMATIONS_PER_DAY = 3
_sending = Background()
PUBLIC = "public"
"""The `customer_id` of public announcements in the outbox: no customer's."""


def _key(deps: Deps) -> bytes:
    return notice_links.link_key(deps.settings.effective_secret_key())


def unsubscribe_url(deps: Deps, address: str) -> str:
    token = subscriber_links.unsubscribe_token(_key(deps), email_subscribers.subscriber_id(address))
    return subscriber_links.unsubscribe_url(deps.settings.public_url, token)


async def request(deps: Deps, address: str, language: str = "en") -> asyncio.Task[None]:
    """Parse the address and queue the request; the decision (record it, apply the limit,
    send a confirmation) is made in the background, so every well-formed address gets
    its answer after the same work whether it is new, pending, limited or confirmed.
    Returns the background task."""
    mailbox = addresses.mailbox(address, "email")
    chosen = languages.parse(language, "lang")
    return _sending.start(_decide(deps, mailbox, chosen))


async def settled() -> None:
    """Until every queued request has been decided (and its confirmation sent)."""
    await _sending.settled()


async def _decide(deps: Deps, mailbox: str, language: str = "en") -> None:
    now = deps.clock.now()
    try:
        subscriber, send = await email_subscribers.request(
            deps.db, mailbox, now, per_day=CONFIRMATIONS_PER_DAY, language=language
        )
    except Exception:
        logger.exception("subscription request not recorded")
        return
    if not send or not deps.settings.smtp_url:
        return
    token = subscriber_links.confirm_token(_key(deps), subscriber.id, now)
    link = subscriber_links.confirm_url(deps.settings.public_url, token)
    told = await operators.identity(deps)
    message = confirmation_message(deps, mailbox, link, told, subscriber.language)
    await _send(deps, message, mailbox)


def confirmation_message(
    deps: Deps,
    to: str,
    link: str,
    operator: Operator | None = None,
    language: str | None = None,
) -> EmailMessage:
    _ = catalog(language).gettext
    tag = language or "en"
    message = EmailMessage()
    subject = _("Confirm your subscription to subprocessor changes")
    message["Subject"] = email_content.subject_prefix(operator) + subject
    email.identify(message, operator, deps.settings.smtp_from)
    message["To"] = to
    message["Date"] = format_datetime(deps.clock.now())
    message["Message-ID"] = make_msgid(domain=deps.settings.smtp_from.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    asked = _(
        "Someone, probably you, asked to receive e-mail when our list of subprocessors changes."
    )
    ignore = _("If you did not ask, ignore this message: nothing more will be sent.")
    footer = email_content.footer_lines(operator, _WHY, language)
    text = (
        f"{asked}\n\n"
        + _("To confirm, open this link within 7 days:")
        + f"\n{link}\n\n{ignore}\n\n-- \n"
        + "\n".join(footer)
        + "\n"
    )
    message.set_content(text)
    confirm = _('<a href="%(link)s">Confirm the subscription</a> (the link works for 7 days).') % {
        "link": html.escape(link)
    }
    message.add_alternative(
        f'<!DOCTYPE html><html lang="{html.escape(tag)}"><body style="font-family:sans-serif">'
        f"<p>{html.escape(asked)}</p><p>{confirm}</p><p>{html.escape(ignore)}</p>"
        + _html_footer(operator, language)
        + "</body></html>\n",
        subtype="html",
    )
    message["Content-Language"] = tag
    return message


_WHY = N_("You receive this because this address was entered to subscribe.")


def _html_footer(operator: Operator | None, language: str | None = None) -> str:
    lines = email_content.footer_lines(operator, _WHY, language)
    return '<hr><p style="font-size:0.9em">' + "<br>".join(map(html.escape, lines)) + "</p>"


async def _send(deps: Deps, message: EmailMessage, recipient: str) -> None:
    if not deps.settings.smtp_url:
        return
    server = email.parse_smtp_url(deps.settings.smtp_url)
    result = await email.send(
        message, server, total_timeout=30.0, sender=deps.settings.smtp_from, recipient=recipient
    )
    if result.outcome != "success":
        logger.warning("subscription confirmation not sent: %s", result.error)


def confirmable(deps: Deps, token: str) -> bool:
    return subscriber_links.confirmed_subscriber(_key(deps), token, deps.clock.now()) is not None


async def confirm(deps: Deps, token: str) -> Subscriber:
    sub_id = subscriber_links.confirmed_subscriber(_key(deps), token, deps.clock.now())
    found = await email_subscribers.get(deps.db, sub_id) if sub_id else None
    if found is None:
        raise NotFound("This confirmation link is not valid or has expired.")
    confirmed = await email_subscribers.confirm(deps.db, found.id, deps.clock.now())
    if not confirmed and found.status != email_subscribers.CONFIRMED:
        # Unsubscribed since the link was sent: the link no longer subscribes anyone.
        raise NotFound("This confirmation link is not valid or has expired.")
    return found


async def unsubscriber(deps: Deps, token: str) -> Subscriber:
    sub_id = subscriber_links.unsubscribing_subscriber(_key(deps), token)
    found = await email_subscribers.get(deps.db, sub_id) if sub_id else None
    if found is None:
        raise NotFound("This unsubscribe link is not valid (or the address was erased).")
    return found


async def unsubscribe(deps: Deps, token: str) -> Subscriber:
    found = await unsubscriber(deps, token)
    await email_subscribers.unsubscribe(deps.db, found.id, deps.clock.now())
    return found


async def page_subscribers(
    deps: Deps, caller: Caller, *, after: tuple[Any, ...] | None, limit: int
) -> tuple[list[Subscriber], int]:
    require_role(caller, Role.ADMIN)
    return await email_subscribers.page(deps.db, after=after, limit=limit)


async def delete_subscriber(deps: Deps, caller: Caller, sub_id: str) -> Subscriber:
    """Erase the address: the subscriber and the address on its deliveries."""
    require_role(caller, Role.ADMIN)
    found = await email_subscribers.delete(deps.db, sub_id)
    if found is None:
        raise NotFound(f"no email subscriber {sub_id!r}")
    await deliveries.forget_address(
        deps.db, email.subscription_id(found.address), f"erased:{found.id}"
    )
    return found


def public_data(
    deps: Deps, change: Change, snapshot: dict[str, Any], operator: Operator | None = None
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "audience": PUBLIC,
        "change": snapshots.change_payload(change, snapshot, DataOrigin.EEA),
        "links": {"page": f"{deps.settings.public_url.rstrip('/')}/subprocessors"},
    }
    if operator is not None:
        data["operator"] = as_sent(operator)
    return data


async def emit_public(deps: Deps, change: Change, type: EventType) -> bool:
    """One public announcement of the change for subscribers (none without e-mail or
    without a confirmed subscriber)."""
    if type not in PUBLIC_EVENTS or not deps.settings.smtp_url:
        return False
    if not await email_subscribers.any_confirmed(deps.db):
        return False
    snapshot = await snapshots.of_change(deps, change)
    return await events.emit(
        deps.db,
        Event(
            type=type,
            customer_id=PUBLIC,
            occurred_at=deps.clock.now(),
            dedupe_key=f"{type.value}:{PUBLIC}:{change.id}",
            data=public_data(deps, change, snapshot, await operators.identity(deps)),
            change_id=change.id,
        ),
    )


async def still_subscribed(deps: Deps, addresses: Sequence[str]) -> dict[str, str]:
    """The addresses among these whose subscriber is confirmed now, and the language
    each chose (its announcements are written in it)."""
    return await email_subscribers.confirmed_among(deps.db, addresses)
