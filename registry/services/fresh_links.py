"""A fresh link to a notice, asked for from an expired or revoked link (DESIGN.md 11).

Whoever holds a link that no longer opens the page may ask for a new one; it is sent
only to the notice addresses in the customer's contract, never to the person asking,
so a leaked (revoked) link gives its holder nothing. The answer is the same whether or
not anything is sent: the request is queued and decided in the background (as the
subscription form's), so neither the words nor the timing tell a genuine link from a
guessed one. At most `PER_DAY` fresh links a day go out for one notice; the web layer
limits requests per client address.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from registry.delivery import email, notice_links
from registry.delivery.email_content import footer_lines, subject_prefix
from registry.domain import people_dates as dates
from registry.domain.labels import headline
from registry.domain.models import Customer
from registry.domain.operator import Operator
from registry.services import operator as operators
from registry.services import snapshots
from registry.services.background import Background
from registry.services.deps import Deps
from registry.store import changes, customers, ids, notice_views, notices

logger = logging.getLogger("registry.notice_links")

PER_DAY = 3
_deciding = Background()


def request(deps: Deps, token: str) -> asyncio.Task[None]:
    """Queue a request for a fresh link; returns the background task deciding it."""
    return _deciding.start(_decide(deps, token))


async def settled() -> None:
    """Until every queued request has been decided (and its message sent)."""
    await _deciding.settled()


def _key(deps: Deps) -> bytes:
    return notice_links.link_key(deps.settings.effective_secret_key())


async def _decide(deps: Deps, token: str) -> None:
    try:
        claims = notice_links.genuine(_key(deps), token)
        if claims is None:
            return
        notice = await notices.get(deps.db, claims.notice_id)
        customer = await customers.get(deps.db, ids.customer_of_notice(claims.notice_id))
        if notice is None or customer is None or not customer.notice_emails:
            return
        now = deps.clock.now()
        if not await notice_views.claim_fresh_link(deps.db, notice.id, now, per_day=PER_DAY):
            return
        revoked = await customers.notice_links_revoked_at(deps.db, customer.id)
        issued = now if revoked is None or revoked < now else revoked + timedelta(seconds=1)
        link = notice_links.url(
            deps.settings.public_url, notice_links.sign(_key(deps), notice.id, issued)
        )
        title = await _title(deps, notice.change_id, customer)
        told = await operators.identity(deps)
        for address in customer.notice_emails:
            await _send(deps, message(deps, address, customer, title, link, now, told), address)
    except Exception:
        logger.exception("fresh notice link not sent")


async def _title(deps: Deps, change_id: str, customer: Customer) -> str:
    change = await changes.get(deps.db, change_id)
    if change is None:
        return "a change to our subprocessors"
    snapshot = await snapshots.of_change(deps, change)
    return headline(snapshots.change_payload(change, snapshot, customer.terms.data_origin))


def message(
    deps: Deps,
    to: str,
    customer: Customer,
    title: str,
    link: str,
    now: datetime,
    operator: Operator | None = None,
) -> EmailMessage:
    """The fresh link, to one of the contract's notice addresses."""
    out = EmailMessage()
    out["Subject"] = f"{subject_prefix(operator)}A fresh link to your notice: {title}"
    email.identify(out, operator, deps.settings.smtp_from)
    out["To"] = to
    out["Date"] = format_datetime(now)
    out["Message-ID"] = make_msgid(domain=deps.settings.smtp_from.rpartition("@")[2] or None)
    out["Auto-Submitted"] = "auto-generated"
    asked = dates.moment_with_utc(now, customer.terms.time_zone)
    out.set_content(
        f"Someone opened an expired or withdrawn link to the notice to {customer.name} of "
        f"this change, {title}, and asked for a fresh one on {asked}.\n\n"
        f"The notice, where you can read, acknowledge and object:\n{link}\n\n"
        "This message goes only to the notice addresses in your contract. If nobody in "
        "your organisation asked, you need do nothing: the old link stays closed.\n"
        "\n-- \n" + "\n".join(footer_lines(operator)) + "\n"
    )
    return out


async def _send(deps: Deps, message: EmailMessage, recipient: str) -> None:
    if not deps.settings.smtp_url:
        return
    server = email.parse_smtp_url(deps.settings.smtp_url)
    result = await email.send(
        message, server, total_timeout=30.0, sender=deps.settings.smtp_from, recipient=recipient
    )
    if result.outcome != "success":
        logger.warning("fresh notice link not sent: %s", result.error)
