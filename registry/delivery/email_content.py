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

from registry.domain import fields, labels, languages
from registry.domain import people_dates as dates
from registry.domain.errors import ValidationError
from registry.domain.event_types import EventType
from registry.domain.fields import Shown
from registry.domain.labels import headline
from registry.domain.operator import Operator, from_sent
from registry.domain.translations import N_, catalog
from registry.domain.vendor_fields import VENDOR_FIELDS

NOTICE_FACT_LABELS: tuple[str, ...] = (
    N_("Vendor"),
    N_("What for"),
    N_("Which data"),
    N_("Website"),
    N_("Certifications"),
    N_("Contact e-mail"),
    N_("LEI"),
    N_("Headquarters country"),
    N_("Not stated"),  # fields.NOT_STATED
)
"""The vendor's facts a notice lists (vendor_fields.py), marked here for translation;
a test holds them to the declarations."""

SUBJECT_PREFIX: dict[EventType, str] = {
    EventType.CHANGE_ANNOUNCED: "",
    EventType.CHANGE_REMINDER: N_("Reminder: "),
    EventType.CHANGE_EFFECTIVE: N_("Now in effect: "),
    EventType.CHANGE_CANCELLED: N_("Cancelled: "),
    EventType.OBJECTION_FILED: N_("Objection received: "),
    EventType.OBJECTION_RESOLVED: N_("Objection resolved: "),
    EventType.SUBSCRIPTION_DISABLED: "",
}
"""Every event type's subject opening; a test holds it to the enum."""

INTRO: dict[EventType, str] = {
    EventType.CHANGE_ANNOUNCED: N_(
        "We are giving you notice of a change to the subprocessors that process "
        "personal data on your behalf. You may object until the deadline below."
    ),
    EventType.CHANGE_REMINDER: N_(
        "A reminder: the deadline to object to this subprocessor change is approaching."
    ),
    EventType.CHANGE_EFFECTIVE: N_("This subprocessor change is now in effect."),
    EventType.CHANGE_CANCELLED: N_(
        "This subprocessor change has been cancelled: nothing changes, no action is needed."
    ),
    EventType.OBJECTION_FILED: N_("We have received your objection to this subprocessor change."),
    EventType.OBJECTION_RESOLVED: N_(
        "Your objection to this subprocessor change has been resolved."
    ),
    EventType.SUBSCRIPTION_DISABLED: N_(
        "One of your webhook endpoints kept failing, so we stopped sending to it."
    ),
}

NO_OBJECTION_INTRO = N_(
    "We are giving you notice of a change to the subprocessors that process "
    "personal data on your behalf."
)
"""An announcement to a customer who may not object (rare: e.g. objected already)."""

STILL_OBJECT = N_("You may still object until the deadline below.")
"""Added when a change is in effect for the customer and its deadline still runs
(after an emergency replacement its terms allowed)."""

PUBLIC_INTRO: dict[EventType, str] = {
    EventType.CHANGE_ANNOUNCED: N_("We have announced a change to our list of subprocessors."),
    EventType.CHANGE_EFFECTIVE: N_("A change to our list of subprocessors is now in effect."),
    EventType.CHANGE_CANCELLED: N_(
        "An announced change to our list of subprocessors is cancelled."
    ),
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
    language: str = languages.DEFAULT  # the reader's BCP 47 tag: the parts are in it


RESOLUTIONS: dict[str, str] = {
    "WITHDRAWN": N_("withdrawn by you"),
    "CHANGE_CANCELLED_FOR_CUSTOMER": N_(
        "upheld: you are excluded from this change; the previous arrangement stays for you"
    ),
    "CUSTOMER_TERMINATES": N_("upheld: your contract ends"),
    "ACCOMMODATED": N_("your concern was met another way (see our note)"),
    "REJECTED": N_("not upheld (see our note for the reason)"),
}
"""Each resolution for the customer who objected; a test holds it to the enum."""


def resolution_text(objection: dict[str, Any], zone: str, language: str | None = None) -> str:
    _ = catalog(language).gettext
    value = str(objection.get("resolution") or "")
    found = RESOLUTIONS.get(value)
    text = _(found) if found else value.replace("_", " ").lower()
    ends = _instant(objection.get("contractEndsAt"))
    if ends is None:
        return text
    return _("%(resolution)s on %(date)s") % {
        "resolution": text,
        "date": dates.moment_with_utc(ends, zone, language),
    }


def language_of(data: Mapping[str, Any]) -> str:
    """The reader's language: the customer's (its terms), or a public subscriber's."""
    tag = (data.get("customer") or {}).get("language") or data.get("language")
    try:
        return languages.parse(tag) if isinstance(tag, str) else languages.DEFAULT
    except ValidationError:
        return languages.DEFAULT


def event_type(value: str) -> EventType | None:
    try:
        return EventType(value)
    except ValueError:
        return None


def _instant(value: Any) -> datetime | None:
    return dates.parse_instant(value) if isinstance(value, str) and value else None


def _country(location: Mapping[str, Any], language: str | None) -> str:
    code = str(location.get("country") or "")
    if languages.base(language) != languages.DEFAULT and code:
        return labels.country_name(code, language)
    return str(location.get("countryName") or code)


def place(location: dict[str, Any], language: str | None = None) -> str:
    """ "United States (US), us-east: processing; transfer basis: SCCs (2021), valid"."""
    _ = catalog(language).gettext
    where = f"{_country(location, language)} ({location['country']})"
    if location.get("region"):
        where += f", {location['region']}"
    text = _("%(label)s: %(value)s") % {
        "label": where,
        "value": labels.role(location.get("role", ""), language),
    }
    transfer = location.get("transfer")
    if transfer:
        basis = labels.mechanism(transfer.get("mechanism"), language)
        status = labels.transfer_status(transfer.get("status", ""), language)
        if basis:
            text += "; " + _("transfer basis: %(basis)s, %(status)s") % {
                "basis": basis,
                "status": status,
            }
        else:
            text += f"; {status}"
    return text


def compose(body: dict[str, Any], *, message_id: str = "notice") -> Content:
    """The message's content for one delivered body (`type`, `timestamp`, `data`), in
    the reader's language (the customer's, or the public subscriber's)."""
    kind = event_type(str(body.get("type", "")))
    data: dict[str, Any] = body.get("data") or {}
    operator = from_sent(data.get("operator"))
    lang = language_of(data)
    _ = catalog(lang).gettext
    if kind is EventType.SUBSCRIPTION_DISABLED or "change" not in data:
        return _subscription_content(kind, data, operator, lang)
    change: dict[str, Any] = data["change"]
    notice: dict[str, Any] = data.get("notice") or {}
    zone = (data.get("customer") or {}).get("timeZone") or "UTC"
    sub: dict[str, Any] = change.get("subprocessor") or {}
    deadline = _instant(notice.get("objectionDeadline"))
    effective = _instant(notice.get("effectiveAt") or change.get("effectiveAt"))
    title = headline(change, lang)
    # The objection rule's answer when the event happened (domain/objection_rights.py);
    # bodies rendered before it was recorded ask whenever a deadline is given.
    asks = bool(
        kind in _ASKS_FOR_DECISION and deadline is not None and notice.get("mayObject", True)
    )
    subject = subject_prefix(operator)
    subject += _(SUBJECT_PREFIX[kind]) if kind and SUBJECT_PREFIX.get(kind) else ""
    subject += title
    if asks and deadline is not None:
        subject += " — " + _("object by %(date)s") % {"date": dates.day(deadline, zone, lang)}
    elif kind is EventType.CHANGE_ANNOUNCED and effective is not None:
        subject += " — " + _("from %(date)s") % {"date": dates.day(effective, zone, lang)}
    elif kind is EventType.CHANGE_EFFECTIVE and effective is not None:
        subject += " — " + _("since %(date)s") % {"date": dates.day(effective, zone, lang)}
    intros = PUBLIC_INTRO if data.get("audience") == "public" else INTRO
    intro = _(intros[kind]) if kind and intros.get(kind) else ""
    if kind is EventType.CHANGE_ANNOUNCED and notice and not asks:
        intro = _(NO_OBJECTION_INTRO)
    elif kind is EventType.CHANGE_EFFECTIVE and notice.get("mayObject"):
        intro += " " + _(STILL_OBJECT)
    # The vendor's declared facts (domain/vendor_fields.py), as the notice page shows them.
    facts = [
        (_(fact.label), fact.text or _(fields.NOT_STATED))
        for fact in fields.facts(VENDOR_FIELDS, Shown.NOTICE, sub)
    ]
    if change.get("replaces"):
        facts.append((_("Replaces"), change["replaces"]["legalName"]))
    if change.get("description"):
        facts.append((_("What changes"), change["description"]))
    if change.get("emergency"):
        facts.append(
            (
                _("Emergency"),
                _("this replacement is an emergency: %(reason)s")
                % {"reason": change.get("emergencyReason") or _("no reason given")},
            )
        )
    if kind is EventType.CHANGE_CANCELLED and change.get("cancelReason"):
        facts.append((_("Why it is cancelled"), change["cancelReason"]))
    if objection := data.get("objection"):
        facts.append((_("Your objection"), objection.get("reason", "")))
        if objection.get("resolution"):
            facts.append((_("Resolution"), resolution_text(objection, zone, lang)))
        if objection.get("note"):
            facts.append((_("Our note to you"), objection["note"]))
    when: list[tuple[str, str]] = []
    if effective is not None:
        when.append((_("Takes effect for you"), dates.moment_with_utc(effective, zone, lang)))
    if effective is not None and not notice:
        when = [(_("Takes effect"), dates.moment_with_utc(effective, zone, lang))]
    if deadline is not None and kind not in (EventType.CHANGE_CANCELLED,):
        when.append((_("Objection deadline"), dates.moment_with_utc(deadline, zone, lang)))
    if kind is EventType.CHANGE_CANCELLED:
        when = []  # it takes effect for nobody
    links = data.get("links") or {}
    link = links.get("notice") or links.get("page")
    calendar = None
    if asks and deadline is not None:
        calendar = deadline_event(
            uid=f"{notice.get('id', message_id)}-objection-deadline",
            summary=_("Objection deadline: %(change)s") % {"change": title},
            at=deadline,
            description=_("Last moment to object to: %(change)s.") % {"change": title}
            + (f"\n{link}" if link else ""),
            url=link,
            stamp=_instant(body.get("timestamp")) or deadline,
            language=lang,
        )
    why = WHY_PUBLIC if data.get("audience") == "public" else WHY_CUSTOMER
    return Content(
        subject=subject,
        heading=title,
        intro=intro,
        facts=facts,
        places=[
            *(place(loc, lang) for loc in sub.get("locations") or []),
            *chain_places(sub, lang),
        ],
        dates=when,
        link=link if isinstance(link, str) else None,
        link_text=(
            _("See the current subprocessor list")
            if not links.get("notice")
            else _("Open your notice")
            if kind is EventType.CHANGE_CANCELLED  # nothing to acknowledge or object to
            else _("Open your notice to acknowledge it or to object")
        ),
        footer=[
            *footer_lines(operator, why, lang),
            _("Dates are shown in %(zone)s.") % {"zone": zone},
        ],
        calendar=calendar,
        operator=operator,
        language=lang,
    )


def chain_places(sub: Mapping[str, Any], language: str | None = None) -> list[str]:
    """Where the vendor's sub-processors take the data, down the chain: "United States
    (US): Twilio Inc., sub-processor of Zendesk"."""
    _ = catalog(language).gettext
    chain = sub.get("chain") or []
    names = {x.get("id"): x.get("legalName") for x in chain}
    found = []
    for x in chain:
        where = ", ".join(
            f"{_country(loc, language)} ({loc.get('country')})" for loc in x.get("locations") or []
        )
        parent = names.get(x.get("parentId")) or sub.get("legalName")
        found.append(
            _("%(where)s: %(vendor)s, sub-processor of %(parent)s")
            % {"where": where, "vendor": x.get("legalName"), "parent": parent}
        )
    return found


def subject_prefix(operator: Operator | None) -> str:
    """ "[Acme] ": every subject names the company, so the reader knows who writes."""
    return f"[{operator.name}] " if operator is not None and operator.named else ""


WHY_CUSTOMER = N_(
    "You receive this because this address receives subprocessor notices for your organisation."
)
WHY_PUBLIC = N_("You receive this because you subscribed to changes of our subprocessor list.")
WHY_ENDPOINT = N_("You receive this as the owner of that endpoint.")


def footer_lines(
    operator: Operator | None, why: str = WHY_CUSTOMER, language: str | None = None
) -> list[str]:
    """Who sent the message and why, and how to reach them: the company's name and
    address, its privacy contact (replies go there too), and its DPA. `why` is one of
    the marked WHY_ messages, translated here."""
    _ = catalog(language).gettext
    use_link = _("To object or ask a question, use the link above.")
    if operator is None or not operator.named:
        return [_(why), use_link]
    sender = operator.legal_name or operator.name
    if operator.address:
        sender += ", " + ", ".join(line.strip() for line in operator.address.splitlines())
    lines = [_("Sent by %(sender)s.") % {"sender": sender}, _(why)]
    if operator.privacy_email:
        lines.append(
            _("Objections and privacy questions: %(address)s (or reply to this message).")
            % {"address": operator.privacy_email}
        )
    if operator.privacy_url:
        lines.append(_("Privacy contact page: %(url)s") % {"url": operator.privacy_url})
    if not operator.privacy_email and not operator.privacy_url:
        lines.append(use_link)
    if operator.dpa_url:
        title = operator.dpa_title or _("Data processing agreement")
        lines.append(f"{title}: {operator.dpa_url}")
    return lines


def _subscription_content(
    kind: EventType | None,
    data: dict[str, Any],
    operator: Operator | None = None,
    language: str | None = None,
) -> Content:
    _ = catalog(language).gettext
    sub: dict[str, Any] = data.get("subscription") or {}
    title = _("Webhook endpoint disabled") if sub else _("Registry notice")
    return Content(
        subject=subject_prefix(operator) + title,
        heading=title,
        intro=_(INTRO[kind]) if kind and INTRO.get(kind) else "",
        facts=[(_("Endpoint"), str(sub.get("url", ""))), (_("Why"), str(sub.get("reason", "")))],
        footer=[
            _("Re-enable it in your registry settings once the endpoint works again."),
            *footer_lines(operator, WHY_ENDPOINT, language),
        ],
        operator=operator,
        language=languages.base(language),
    )


def deadline_event(
    *,
    uid: str,
    summary: str,
    at: datetime,
    description: str,
    url: str | None,
    stamp: datetime,
    language: str | None = None,
) -> bytes:
    """An iCalendar event at the deadline, so it lands in the reader's calendar (its
    texts in the reader's language, said by LANGUAGE: RFC 5545 3.2.10)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Subprocessor registry//notices//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", at)
    event.add("dtend", at + timedelta(minutes=30))
    tag = {"language": language} if language else {}
    event.add("summary", summary, parameters=tag)
    event.add("description", description, parameters=tag)
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
    _ = catalog(content.language).gettext

    def said(label: str) -> str:  # "Label:", "Libellé :" as each language writes it
        return _("%(label)s:") % {"label": label}

    lines = [content.heading, "", content.intro, ""]
    pairs = [*content.facts, *content.dates]
    width = max((len(said(label)) for label, _value in pairs), default=0) + 1
    lines += [f"{said(label):<{width}}{value}" for label, value in content.facts]
    if content.places:
        lines += ["", _("Where the data goes:")]
        lines += [f"  - {p}" for p in content.places]
    if content.dates:
        lines.append("")
        lines += [f"{said(label):<{width}}{value}" for label, value in content.dates]
    if content.link:
        lines += ["", said(content.link_text), content.link]
    lines += ["", "-- ", *content.footer]
    return "\n".join(lines) + "\n"


def html_part(content: Content) -> str:
    _ = catalog(content.language).gettext
    e = html.escape
    facts = "".join(
        f'<tr><th scope="row" style="text-align:left;padding:4px 12px 4px 0;'
        f'vertical-align:top">{e(label)}</th><td style="padding:4px 0">{e(value)}</td></tr>'
        for label, value in [*content.facts, *content.dates]
    )
    places = "".join(f"<li>{e(p)}</li>" for p in content.places)
    where = _("Where the data goes")
    parts = [
        f'<!DOCTYPE html><html lang="{e(content.language)}"><head><meta charset="utf-8">',
        f"<title>{e(content.subject)}</title></head>",
        '<body style="font-family:sans-serif;line-height:1.5;color:#1a1a1a;max-width:40em">',
        f'<h1 style="font-size:1.3em">{e(content.heading)}</h1>',
        f"<p>{e(content.intro)}</p>",
        f"<table>{facts}</table>" if facts else "",
        (f'<h2 style="font-size:1.1em">{e(where)}</h2><ul>{places}</ul>' if places else ""),
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
