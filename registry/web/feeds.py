"""Change feeds people subscribe to where they already look: Atom and iCalendar.

`/changes.atom` has one entry per transition (announced, effective, cancelled), so a
feed reader shows each as news. `/changes.ics` has one event per effective date and,
for a customer key, one per objection deadline from that customer's own notices (its
effective date too, which can differ per customer). Anonymous callers see what the
public page shows, and only while the list is public.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from feedgen.feed import FeedGenerator  # type: ignore[import-untyped]
from icalendar import Alarm, Calendar, Component, Event, vCalAddress, vText
from starlette.requests import Request
from starlette.responses import Response

from registry.domain import labels, languages
from registry.domain import people_dates as dates
from registry.domain.models import Change, ChangeStatus, Notice
from registry.domain.operator import Operator
from registry.domain.timeline import timeline_ended
from registry.domain.translations import N_, catalog
from registry.services import change_queries, contracts, policy, snapshots
from registry.services import operator as operators
from registry.services.caller import Caller
from registry.services.change_queries import page_notices
from registry.services.deps import Deps
from registry.web import scope_params
from registry.web.pages import (
    describe_change,
    language_headers,
    page_language,
    vendor_names,
    web_caller,
)

FEED_CHANGES = 200
"""How many of the most recently announced changes the feeds look at."""
NOTICE_PAGE = 500
DEADLINE_ALARM = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class _Entry:
    key: str
    at: datetime
    title: str
    summary: str
    change: Change


def _base(deps: Deps) -> str:
    return deps.settings.public_url.rstrip("/")


def _tag(deps: Deps, *parts: str) -> str:
    host = urlsplit(_base(deps)).hostname or "registry"
    return f"tag:{host},2026:" + "/".join(parts)


def _how_to_object(change: Change, language: str | None = None) -> str:
    return catalog(language).gettext(
        "Customers may object until their objection deadline through the link in their "
        "notice e-mail, or through the privacy contact named in their data processing "
        "agreement (change %(change)s)."
    ) % {"change": change.id}


def _about(snapshot: dict[str, Any] | None, language: str | None = None) -> str:
    """ " Purpose: … Data goes to: Ireland, United States." from the change's snapshot."""
    if not snapshot:
        return ""
    _ = catalog(language).gettext
    purpose = (snapshot.get("subprocessor") or {}).get("purpose")
    translated = languages.base(language) != languages.DEFAULT
    countries = sorted(
        {
            labels.country_name(loc["country"], language) if translated else loc["countryName"]
            for loc in snapshot.get("locations") or []
        }
    )
    text = " " + _("Purpose: %(purpose)s.") % {"purpose": purpose} if purpose else ""
    if countries:
        text += " " + _("Data goes to: %(countries)s.") % {"countries": ", ".join(countries)}
    return text


_EMERGENCY_FOR = N_(
    "%(date)s for customers whose terms allow an emergency replacement; for the others on "
    "the date their own notice gives"
)


def _entries(
    items: Sequence[Change],
    names: Mapping[str, str],
    about: Mapping[str, dict[str, Any]],
    own: Mapping[str, Notice],
    language: str | None = None,
) -> list[_Entry]:
    _ = catalog(language).gettext
    entries: list[_Entry] = []
    for change in items:
        status = policy.feed_status(change, own.get(change.id))
        what = describe_change(change, names, language)
        effective = dates.utc_moment(change.effective_at, language)
        if change.emergency:  # each customer's own date differs (DESIGN.md 11)
            effective = _(_EMERGENCY_FOR) % {"date": effective}
        details = f" {change.description}" if change.description else ""
        details += _about(about.get(change.id), language)
        said = {"what": what, "date": effective}
        entries.append(
            _Entry(
                "announced",
                change.announced_at,
                _("Announced: %(what)s, effective %(date)s") % said,
                _("%(what)s takes effect on %(date)s.") % said
                + f"{details} "
                + _how_to_object(change, language),
                change,
            )
        )
        if status is ChangeStatus.EFFECTIVE:
            entries.append(
                _Entry(
                    "effective",
                    change.effective_at,
                    _("Effective: %(what)s") % said,
                    _("%(what)s took effect on %(date)s.") % said + details,
                    change,
                )
            )
        elif status is ChangeStatus.CANCELLED:
            reason = (
                " " + _("Reason: %(reason)s") % {"reason": change.cancel_reason}
                if change.cancel_reason
                else ""
            )
            entries.append(
                _Entry(
                    "cancelled",
                    change.cancelled_at or change.announced_at,
                    _("Cancelled: %(what)s") % said,
                    _("The announced change (%(what)s, effective %(date)s) was cancelled.") % said
                    + reason,
                    change,
                )
            )
    entries.sort(key=lambda e: (e.at, e.change.id, e.key), reverse=True)
    return entries[:FEED_CHANGES]


async def atom_feed(request: Request) -> Response:
    """`GET /changes.atom`: announced, effective and cancelled changes, newest first."""
    # Refusals are raised and answered by web/errors.py.
    deps, caller = await web_caller(request)
    lang = page_language(request)
    keep = await scope_params.change_filter(deps, caller, *scope_params.requested(request))
    items = [
        c
        for c in await change_queries.recent_announcements(deps, caller, (), limit=FEED_CHANGES)
        if keep is None or keep(c)
    ]
    own = await _customer_notices(deps, caller) if policy.own_timeline(caller) else {}
    entries = _entries(
        items,
        await vendor_names(deps, items),
        await snapshots.as_announced(deps, items),
        own,
        lang,
    )
    ends = await _contract_end(deps, caller)
    entries = [e for e in entries if not timeline_ended(ends, e.at)]
    base = _base(deps)
    feed = FeedGenerator()
    feed.id(f"{base}/changes.atom")
    told = await operators.identity(deps)
    feed.title(_title(told, lang))
    feed.subtitle(
        catalog(lang).gettext(
            "Announced, effective and cancelled changes to our list of subprocessors"
        )
    )
    feed.author(_author(told))
    feed.link(href=f"{base}/changes.atom", rel="self", type="application/atom+xml")
    feed.link(href=f"{base}/subprocessors", rel="alternate", type="text/html")
    feed.language(lang)
    feed.updated(entries[0].at if entries else deps.clock.now())
    for entry in entries:
        item = feed.add_entry(order="append")
        item.id(_tag(deps, "change", entry.change.id, entry.key))
        item.title(entry.title)
        item.updated(entry.at)
        item.published(entry.at)
        item.link(href=f"{base}/subprocessors#change-{entry.change.id}", rel="alternate")
        item.summary(entry.summary)
        item.category(term=entry.key)
    body: bytes = feed.atom_str(pretty=True)
    return Response(
        body,
        media_type="application/atom+xml; charset=utf-8",
        headers=language_headers(lang, 300),
    )


async def _contract_end(deps: Deps, caller: Caller) -> datetime | None:
    """When the caller's own customer's contract ends (its timeline ends there)."""
    customer_id = policy.own_timeline(caller)
    return await contracts.ends_at(deps, customer_id) if customer_id is not None else None


async def _customer_notices(deps: Deps, caller: Caller) -> dict[str, Notice]:
    """Every notice of the caller's own customer, by change id (a few per change ever made)."""
    found: dict[str, Notice] = {}
    after: tuple[Any, ...] | None = None
    while True:
        page, _ = await page_notices(
            deps, caller, change_id=None, customer_id=None, after=after, limit=NOTICE_PAGE
        )
        found.update((n.change_id, n) for n in page)
        if len(page) < NOTICE_PAGE:
            return found
        after = (page[-1].id,)


def _event(
    deps: Deps, uid: str, at: datetime, summary: str, description: str, change: Change
) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", deps.clock.now())
    # A DATE-TIME start without an end is an instant (RFC 5545 3.6.1): deadlines are instants.
    event.add("dtstart", at)
    event.add("summary", summary)
    event.add("description", description)
    event.add("url", f"{_base(deps)}/subprocessors#change-{change.id}")
    event.add("status", "TENTATIVE" if change.status is ChangeStatus.ANNOUNCED else "CONFIRMED")
    return event


def _ending(deps: Deps, uid: str, at: datetime, base: str, language: str | None = None) -> Event:
    """The customer's contract's end, as an objection upheld by ending it set."""
    _ = catalog(language).gettext
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", deps.clock.now())
    event.add("dtstart", at)
    event.add("summary", _("Your contract ends"))
    event.add(
        "description",
        _(
            "Your objection was upheld by ending the contract: from this moment no "
            "subprocessor of ours processes your data."
        ),
    )
    event.add("url", f"{base}/subprocessors")
    event.add("status", "CONFIRMED")
    return event


def _title(operator: Operator, language: str | None = None) -> str:
    """The feed's and calendar's title, naming the company whose list it is."""
    _ = catalog(language).gettext
    if operator.named:
        return _("%(company)s: subprocessor changes") % {"company": operator.name}
    return _("Subprocessor changes")


def _author(operator: Operator) -> dict[str, str]:
    """Atom's author: the company, with its privacy contact."""
    author = {"name": operator.legal_name or operator.name}
    if operator.privacy_email:
        author["email"] = operator.privacy_email
    if operator.privacy_url:
        author["uri"] = operator.privacy_url
    return author


def _organize(event: Component, operator: Operator) -> None:
    """ORGANIZER (RFC 5545 3.8.4.3): the company, reached at its privacy contact."""
    if operator.privacy_email:
        organizer = vCalAddress(f"mailto:{operator.privacy_email}")
        organizer.params["cn"] = vText(operator.name)
        event.add("organizer", organizer)


async def calendar(request: Request) -> Response:
    """`GET /changes.ics`: effective dates; with a customer key, its objection deadlines too."""
    # Refusals are raised and answered by web/errors.py.
    deps, caller = await web_caller(request)
    lang = page_language(request)
    _ = catalog(lang).gettext
    timeline = policy.own_timeline(caller)
    own = await _customer_notices(deps, caller) if timeline is not None else {}
    products, region = scope_params.requested(request)
    if timeline is not None and not products and region is None:
        # A customer's calendar follows its own scope (and every change it was told of).
        products, region = await scope_params.customer_scope(deps, caller)
    keep = await scope_params.change_filter(deps, caller, products, region, also=set(own))
    recent = await change_queries.recent_announcements(
        deps, caller, (ChangeStatus.ANNOUNCED, ChangeStatus.EFFECTIVE), limit=FEED_CHANGES
    )
    items = [c for c in recent if keep is None or keep(c)]
    names = await vendor_names(deps, items)
    about = await snapshots.as_announced(deps, items)
    host = urlsplit(_base(deps)).hostname or "registry"
    cal = Calendar()
    cal.add("prodid", "-//Subprocessor registry//changes//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    told = await operators.identity(deps)
    cal.add("x-wr-calname", _title(told, lang))
    ends = await _contract_end(deps, caller)
    if ends is not None:
        cal.add_component(
            _ending(deps, f"{caller.customer_id}-contract-end@{host}", ends, _base(deps), lang)
        )
    for change in sorted(items, key=lambda c: (c.effective_at, c.id)):
        what = describe_change(change, names, lang)
        notice = own.get(change.id)
        if not policy.calendar_shows(policy.feed_status(change, notice)):
            continue
        effective_at = notice.effective_at if notice is not None else change.effective_at
        if timeline_ended(ends, effective_at):
            continue  # its contract ends first: the change never reaches it
        details = f"{change.description}\n" if change.description else ""
        details += f"{_about(about.get(change.id), lang).strip()}\n\n"
        said = {"what": what, "change": what, "date": effective_at.isoformat()}
        cal.add_component(
            _event(
                deps,
                f"{change.id}-effective@{host}",
                effective_at,
                _("Effective: %(what)s") % said,
                details + _("%(what)s takes effect.") % said + f"\n{_how_to_object(change, lang)}",
                change,
            )
        )
        if notice is None:
            continue
        deadline = _event(
            deps,
            f"{notice.id}-objection-deadline@{host}",
            notice.objection_deadline,
            _("Objection deadline: %(change)s") % said,
            details
            + _("Last moment to object to: %(what)s (effective %(date)s).") % said
            + f"\n{_how_to_object(change, lang)}",
            change,
        )
        if change.status is ChangeStatus.ANNOUNCED:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", _("Objection deadline in 7 days: %(what)s") % said)
            alarm.add("trigger", -DEADLINE_ALARM)
            deadline.add_component(alarm)
        cal.add_component(deadline)
    for event in cal.walk("VEVENT"):
        _organize(event, told)
    return Response(
        cal.to_ical(),
        media_type="text/calendar; charset=utf-8",
        headers={
            "content-disposition": 'inline; filename="changes.ics"',
            **language_headers(lang, 300),
        },
    )
