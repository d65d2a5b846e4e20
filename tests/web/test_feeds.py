"""The change feeds: Atom for feed readers, iCalendar for calendars, checked by parsers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import feedparser  # type: ignore[import-untyped]
import pytest
from icalendar import Calendar, Event

from registry.clock import FrozenClock
from registry.domain.models import Role
from registry.store import notices
from tests.conftest import START, Api, make_settings
from tests.web.support import Seeded, running_web_api


def events(body: bytes) -> list[Event]:
    calendar = Calendar.from_ical(body)
    assert isinstance(calendar, Calendar)
    assert calendar["version"] == "2.0"
    return [e for e in calendar.walk("VEVENT") if isinstance(e, Event)]


def starts(found: list[Event], prefix: str) -> dict[str, datetime]:
    return {
        str(e["summary"]): e.decoded("dtstart")
        for e in found
        if str(e["summary"]).startswith(prefix)
    }


async def test_atom_feed_has_every_transition(web: Api, seeded: Seeded) -> None:
    response = await web.http.get("/changes.atom")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    assert feed.feed.title == "Subprocessor changes"
    titles = [e.title for e in feed.entries]
    assert len([t for t in titles if t.startswith("Announced:")]) == 6
    assert len([t for t in titles if t.startswith("Effective:")]) == 4
    assert titles.count("Cancelled: Add Dropped Analytics Ltd") == 1
    assert any(t.startswith("Announced: Add Mailgun Technologies, Inc., effective") for t in titles)
    assert len({e.id for e in feed.entries}) == len(feed.entries)
    updated = [e.updated_parsed for e in feed.entries]
    assert updated == sorted(updated, reverse=True)
    mailgun = next(e for e in feed.entries if "Mailgun" in e.title)
    assert seeded.upcoming in mailgun.summary
    # People read the vendor's purpose and where the data goes, not API syntax.
    assert "Purpose: " in mailgun.summary
    assert "Data goes to: " in mailgun.summary
    assert "mutation" not in mailgun.summary
    assert mailgun.link.endswith(f"/subprocessors#change-{seeded.upcoming}")


async def test_anonymous_calendar_has_public_effective_dates_only(web: Api, seeded: Seeded) -> None:
    response = await web.http.get("/changes.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    found = events(response.content)
    effective = starts(found, "Effective: ")
    assert len(effective) == len(found) == 5  # four in force, Mailgun upcoming; not cancelled
    assert effective["Effective: Add Mailgun Technologies, Inc."] == START + timedelta(
        days=40
    ) + timedelta(days=30)
    assert len({str(e["uid"]) for e in found}) == len(found)


async def test_customer_calendar_adds_its_own_deadlines(web: Api, seeded: Seeded) -> None:
    acme = seeded.customers["Acme"]
    key = await web.key(Role.CUSTOMER, acme)
    response = await web.http.get("/changes.ics", headers={"authorization": f"Bearer {key}"})
    assert response.status_code == 200
    found = events(response.content)
    deadlines = starts(found, "Objection deadline: ")
    assert len(deadlines) == 5
    notice = await notices.for_customer(web.deps.db, seeded.upcoming, acme)
    assert notice is not None
    # 14-day objection window: earlier than the effective date.
    assert deadlines["Objection deadline: Add Mailgun Technologies, Inc."] == (
        notice.objection_deadline
    )
    assert notice.objection_deadline == notice.sent_at + timedelta(days=14)
    upcoming = next(e for e in found if str(e["summary"]).endswith("Mailgun Technologies, Inc."))
    assert upcoming["status"] == "TENTATIVE"
    assert "Purpose: " in str(upcoming["description"])
    assert "Data goes to: " in str(upcoming["description"])
    deadline = next(
        e
        for e in found
        if str(e["summary"]) == "Objection deadline: Add Mailgun Technologies, Inc."
    )
    assert [a["action"] for a in deadline.walk("VALARM")] == ["DISPLAY"]

    globex = await web.key(Role.CUSTOMER, seeded.customers["Globex"])
    other = events(
        (await web.http.get("/changes.ics", headers={"authorization": f"Bearer {globex}"})).content
    )
    theirs = starts(other, "Objection deadline: ")
    # No objection window: the deadline is the effective date.
    assert (
        theirs["Objection deadline: Add Mailgun Technologies, Inc."]
        == starts(other, "Effective: ")["Effective: Add Mailgun Technologies, Inc."]
    )
    staff = await web.key(Role.PROCUREMENT)
    staff_events = events(
        (await web.http.get("/changes.ics", headers={"authorization": f"Bearer {staff}"})).content
    )
    assert not starts(staff_events, "Objection deadline: ")


@pytest.fixture(scope="module")
async def private(mongo_uri: str, db_name: str) -> AsyncIterator[Api]:
    settings = make_settings(mongo_uri, db_name, public_read=False)
    async with running_web_api(settings, FrozenClock(START)) as api:
        yield api


@pytest.mark.parametrize("path", ["/changes.atom", "/changes.ics"])
async def test_private_feeds_need_a_key(private: Api, seeded: Seeded, path: str) -> None:
    assert (await private.http.get(path)).status_code == 403
    key = await private.key(Role.CUSTOMER, seeded.customers["Acme"])
    assert (await private.http.get(path, headers={"authorization": f"Bearer {key}"})).is_success
    bad = await private.http.get(path, headers={"authorization": "Bearer rk_unknown"})
    assert bad.status_code == 401
