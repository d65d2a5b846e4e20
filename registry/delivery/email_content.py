"""What a notice e-mail says: subject, plain text, HTML and the deadline's calendar
event, from one event body. Pure: no I/O, no settings.

A privacy officer must be able to decide from the message alone: who the vendor
is, what for, which data, where (country names) on which transfer basis, when it
takes effect and until when they may object, in their own time zone, and one link
to act on. No API vocabulary appears in any message.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import icalendar

from registry.domain import fields, labels
from registry.domain import people_dates as dates
from registry.domain.event_types import EventType
from registry.domain.fields import Shown
from registry.domain.labels import headline
from registry.domain.operator import Operator, from_sent
from registry.domain.vendor_fields import VENDOR_FIELDS

SUBJECT_PREFIX: dict[EventType, str] = {
    EventType.CHANGE_ANNOUNCED: "",
    EventType.CHANGE_REMINDER: "Reminder: ",
    EventType.CHANGE_EFFECTIVE: "Now in effect: ",
    EventType.CHANGE_CANCELLED: "Cancelled: ",
    EventType.OBJECTION_FILED: "Objection received: ",
    EventType.OBJECTION_RESOLVED: "Objection resolved: ",
    EventType.SUBSCRIPTION_DISABLED: "",
}
"""Every event type's subject opening; a test holds it to the enum."""

INTRO: dict[EventType, str] = {
    EventType.CHANGE_ANNOUNCED: (
        "We are giving you notice of a change to the subprocessors that process "
        "personal data on your behalf. You may object until the deadline below."
    ),
    EventType.CHANGE_REMINDER: (
        "A reminder: the deadline to object to this subprocessor change is approaching."
    ),
    EventType.CHANGE_EFFECTIVE: "This subprocessor change is now in effect.",
    EventType.CHANGE_CANCELLED: (
        "This subprocessor change has been cancelled: nothing changes, no action is needed."
    ),
    EventType.OBJECTION_FILED: "We have received your objection to this subprocessor change.",
    EventType.OBJECTION_RESOLVED: "Your objection to this subprocessor change has been resolved.",
    EventType.SUBSCRIPTION_DISABLED: (
        "One of your webhook endpoints kept failing, so we stopped sending to it."
    ),
}

NO_OBJECTION_INTRO = (
    "We are giving you notice of a change to the subprocessors that process "
    "personal data on your behalf."
)
"""An announcement to a customer who may not object (rare: e.g. objected already)."""

STILL_OBJECT = "You may still object until the deadline below."
"""Added when a change is in effect for the customer and its deadline still runs
(after an emergency replacement its terms allowed)."""

PUBLIC_INTRO: dict[EventType, str] = {
    EventType.CHANGE_ANNOUNCED: "We have announced a change to our list of subprocessors.",
    EventType.CHANGE_EFFECTIVE: "A change to our list of subprocessors is now in effect.",
    EventType.CHANGE_CANCELLED: "An announced change to our list of subprocessors is cancelled.",
}
"""Public subscribers are told, not asked: customers object through their own notice."""

_ASKS_FOR_DECISION = (EventType.CHANGE_ANNOUNCED, EventType.CHANGE_REMINDER)


@dataclass(frozen=True, slots=True)
class Content:
    subject: str
    heading: str
    intro: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    dates: list[tuple[str, str]] = field(default_factory=list)
    link: str | None = None
    link_text: str = "Open your notice to acknowledge it or to object"
    footer: list[str] = field(default_factory=list)
    calendar: bytes | None = None
    operator: Operator | None = None  # who gives the notice, as the body names it


RESOLUTIONS: dict[str, str] = {
    "WITHDRAWN": "withdrawn by you",
    "CHANGE_CANCELLED_FOR_CUSTOMER": (
        "upheld: you are excluded from this change; the previous arrangement stays for you"
    ),
    "CUSTOMER_TERMINATES": "upheld: your contract ends",
    "ACCOMMODATED": "your concern was met another way (see our note)",
    "REJECTED": "not upheld (see our note for the reason)",
}
"""Each resolution for the customer who objected; a test holds it to the enum."""


def resolution_text(objection: dict[str, Any], zone: str) -> str:
    value = str(objection.get("resolution") or "")
    text = RESOLUTIONS.get(value, value.replace("_", " ").lower())
    ends = _instant(objection.get("contractEndsAt"))
    return f"{text} on {dates.moment_with_utc(ends, zone)}" if ends is not None else text


def event_type(value: str) -> EventType | None:
    try:
        return EventType(value)
    except ValueError:
        return None


def _instant(value: Any) -> datetime | None:
    return dates.parse_instant(value) if isinstance(value, str) and value else None


def place(location: dict[str, Any]) -> str:
    """ "United States (US), us-east: processing; transfer basis: SCCs (2021), valid"."""
    where = f"{location.get('countryName') or location['country']} ({location['country']})"
    if location.get("region"):
        where += f", {location['region']}"
    text = f"{where}: {labels.role(location.get('role', ''))}"
    transfer = location.get("transfer")
    if transfer:
        basis = labels.mechanism(transfer.get("mechanism"))
        status = labels.transfer_status(transfer.get("status", ""))
        text += f"; transfer basis: {basis}, {status}" if basis else f"; {status}"
    return text


def compose(body: dict[str, Any], *, message_id: str = "notice") -> Content:
    """The message's content for one delivered body (`type`, `timestamp`, `data`)."""
    kind = event_type(str(body.get("type", "")))
    data: dict[str, Any] = body.get("data") or {}
    operator = from_sent(data.get("operator"))
    if kind is EventType.SUBSCRIPTION_DISABLED or "change" not in data:
        return _subscription_content(kind, data, operator)
    change: dict[str, Any] = data["change"]
    notice: dict[str, Any] = data.get("notice") or {}
    zone = (data.get("customer") or {}).get("timeZone") or "UTC"
    sub: dict[str, Any] = change.get("subprocessor") or {}
    deadline = _instant(notice.get("objectionDeadline"))
    effective = _instant(notice.get("effectiveAt") or change.get("effectiveAt"))
    title = headline(change)
    # The objection rule's answer when the event happened (domain/objection_rights.py);
    # bodies rendered before it was recorded ask whenever a deadline is given.
    asks = bool(
        kind in _ASKS_FOR_DECISION and deadline is not None and notice.get("mayObject", True)
    )
    subject = subject_prefix(operator)
    subject += SUBJECT_PREFIX.get(kind, "") if kind else ""
    subject += title
    if asks and deadline is not None:
        subject += f" — object by {dates.day(deadline, zone)}"
    elif kind is EventType.CHANGE_ANNOUNCED and effective is not None:
        subject += f" — from {dates.day(effective, zone)}"
    elif kind is EventType.CHANGE_EFFECTIVE and effective is not None:
        subject += f" — since {dates.day(effective, zone)}"
    intro = (
        (PUBLIC_INTRO if data.get("audience") == "public" else INTRO).get(kind, "") if kind else ""
    )
    if kind is EventType.CHANGE_ANNOUNCED and notice and not asks:
        intro = NO_OBJECTION_INTRO
    elif kind is EventType.CHANGE_EFFECTIVE and notice.get("mayObject"):
        intro += " " + STILL_OBJECT
    # The vendor's declared facts (domain/vendor_fields.py), as the notice page shows them.
    facts = [
        (fact.label, fact.text or fields.NOT_STATED)
        for fact in fields.facts(VENDOR_FIELDS, Shown.NOTICE, sub)
    ]
    if change.get("replaces"):
        facts.append(("Replaces", change["replaces"]["legalName"]))
    if change.get("description"):
        facts.append(("What changes", change["description"]))
    if change.get("emergency"):
        facts.append(
            (
                "Emergency",
                "this replacement is an emergency: "
                + (change.get("emergencyReason") or "no reason given"),
            )
        )
    if objection := data.get("objection"):
        facts.append(("Your objection", objection.get("reason", "")))
        if objection.get("resolution"):
            facts.append(("Resolution", resolution_text(objection, zone)))
        if objection.get("note"):
            facts.append(("Our note to you", objection["note"]))
    when: list[tuple[str, str]] = []
    if effective is not None:
        when.append(("Takes effect for you", dates.moment_with_utc(effective, zone)))
    if effective is not None and not notice:
        when = [("Takes effect", dates.moment_with_utc(effective, zone))]
    if deadline is not None and kind not in (EventType.CHANGE_CANCELLED,):
        when.append(("Objection deadline", dates.moment_with_utc(deadline, zone)))
    links = data.get("links") or {}
    link = links.get("notice") or links.get("page")
    calendar = None
    if asks and deadline is not None:
        calendar = deadline_event(
            uid=f"{notice.get('id', message_id)}-objection-deadline",
            summary=f"Objection deadline: {title}",
            at=deadline,
            description=f"Last moment to object to: {title}." + (f"\n{link}" if link else ""),
            url=link,
            stamp=_instant(body.get("timestamp")) or deadline,
        )
    return Content(
        subject=subject,
        heading=title,
        intro=intro,
        facts=facts,
        places=[*(place(loc) for loc in sub.get("locations") or []), *chain_places(sub)],
        dates=when,
        link=link if isinstance(link, str) else None,
        link_text=(
            "Open your notice to acknowledge it or to object"
            if links.get("notice")
            else "See the current subprocessor list"
        ),
        footer=[
            *footer_lines(
                operator, WHY_PUBLIC if data.get("audience") == "public" else WHY_CUSTOMER
            ),
            f"Dates are shown in {zone}.",
        ],
        calendar=calendar,
        operator=operator,
    )


def chain_places(sub: Mapping[str, Any]) -> list[str]:
    """Where the vendor's sub-processors take the data, down the chain: "United States
    (US): Twilio Inc., sub-processor of Zendesk"."""
    chain = sub.get("chain") or []
    names = {x.get("id"): x.get("legalName") for x in chain}
    found = []
    for x in chain:
        where = ", ".join(
            f"{loc.get('countryName')} ({loc.get('country')})" for loc in x.get("locations") or []
        )
        parent = names.get(x.get("parentId")) or sub.get("legalName")
        found.append(f"{where}: {x.get('legalName')}, sub-processor of {parent}")
    return found


def subject_prefix(operator: Operator | None) -> str:
    """ "[Acme] ": every subject names the company, so the reader knows who writes."""
    return f"[{operator.name}] " if operator is not None and operator.named else ""


WHY_CUSTOMER = (
    "You receive this because this address receives subprocessor notices for your organisation."
)
WHY_PUBLIC = "You receive this because you subscribed to changes of our subprocessor list."


def footer_lines(operator: Operator | None, why: str = WHY_CUSTOMER) -> list[str]:
    """Who sent the message and why, and how to reach them: the company's name and
    address, its privacy contact (replies go there too), and its DPA."""
    if operator is None or not operator.named:
        return [why, "To object or ask a question, use the link above."]
    sender = operator.legal_name or operator.name
    if operator.address:
        sender += ", " + ", ".join(line.strip() for line in operator.address.splitlines())
    lines = [f"Sent by {sender}.", why]
    if operator.privacy_email:
        lines.append(
            f"Objections and privacy questions: {operator.privacy_email} "
            "(or reply to this message)."
        )
    if operator.privacy_url:
        lines.append(f"Privacy contact page: {operator.privacy_url}")
    if not operator.privacy_email and not operator.privacy_url:
        lines.append("To object or ask a question, use the link above.")
    if operator.dpa_url:
        lines.append(f"{operator.dpa_title or 'Data processing agreement'}: {operator.dpa_url}")
    return lines


def _subscription_content(
    kind: EventType | None, data: dict[str, Any], operator: Operator | None = None
) -> Content:
    sub: dict[str, Any] = data.get("subscription") or {}
    title = "Webhook endpoint disabled" if sub else "Registry notice"
    return Content(
        subject=subject_prefix(operator) + title,
        heading=title,
        intro=INTRO.get(kind, "") if kind else "",
        facts=[("Endpoint", str(sub.get("url", ""))), ("Why", str(sub.get("reason", "")))],
        footer=[
            "Re-enable it in your registry settings once the endpoint works again.",
            *footer_lines(operator, "You receive this as the owner of that endpoint."),
        ],
        operator=operator,
    )


def deadline_event(
    *, uid: str, summary: str, at: datetime, description: str, url: str | None, stamp: datetime
) -> bytes:
    """An iCalendar event at the deadline, so it lands in the reader's calendar."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Subprocessor registry//notices//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", at)
    event.add("dtend", at + timedelta(minutes=30))
    event.add("summary", summary)
    event.add("description", description)
    if url:
        event.add("url", url)
    alarm = icalendar.Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", summary)
    alarm.add("trigger", timedelta(days=-2))
    event.add_component(alarm)
    calendar.add_component(event)
    return bytes(calendar.to_ical())


def text(content: Content) -> str:
    lines = [content.heading, "", content.intro, ""]
    width = max((len(label) for label, _ in [*content.facts, *content.dates]), default=0) + 2
    lines += [f"{label + ':':<{width}}{value}" for label, value in content.facts]
    if content.places:
        lines += ["", "Where the data goes:"]
        lines += [f"  - {p}" for p in content.places]
    if content.dates:
        lines.append("")
        lines += [f"{label + ':':<{width}}{value}" for label, value in content.dates]
    if content.link:
        lines += ["", f"{content.link_text}:", content.link]
    lines += ["", "-- ", *content.footer]
    return "\n".join(lines) + "\n"


def html_part(content: Content) -> str:
    e = html.escape
    facts = "".join(
        f'<tr><th scope="row" style="text-align:left;padding:4px 12px 4px 0;'
        f'vertical-align:top">{e(label)}</th><td style="padding:4px 0">{e(value)}</td></tr>'
        for label, value in [*content.facts, *content.dates]
    )
    places = "".join(f"<li>{e(p)}</li>" for p in content.places)
    parts = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(content.subject)}</title></head>",
        '<body style="font-family:sans-serif;line-height:1.5;color:#1a1a1a;max-width:40em">',
        f'<h1 style="font-size:1.3em">{e(content.heading)}</h1>',
        f"<p>{e(content.intro)}</p>",
        f"<table>{facts}</table>" if facts else "",
        f'<h2 style="font-size:1.1em">Where the data goes</h2><ul>{places}</ul>' if places else "",
    ]
    if content.link:
        parts.append(
            f'<p><a href="{e(content.link)}" style="font-weight:bold">'
            f"{e(content.link_text)}</a></p>"
        )
    parts.append(
        '<hr><p style="font-size:0.9em;color:#444">'
        + "<br>".join(e(line) for line in content.footer)
        + "</p></body></html>\n"
    )
    return "".join(parts)
