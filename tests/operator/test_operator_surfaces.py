"""The feed, the calendar and the public page name the operator: the Atom feed's title
and author, the calendar's name and each event's ORGANIZER, the page's title, header
and contact; with no name recorded they say what they said before."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import feedparser  # type: ignore[import-untyped]
import icalendar
import pytest
from pymongo import AsyncMongoClient

from registry.clock import FrozenClock
from registry.domain.models import Role
from registry.store.database import Document
from tests.conftest import START, Api, make_settings
from tests.web.support import running_web_api, seed

IDENTITY = {
    "operator_legal_name": "Acme Cloud GmbH",
    "operator_trading_name": "Acme Cloud",
    "operator_address": "Hauptstrasse 1, 10115 Berlin",
    "operator_privacy_email": "privacy@acme-cloud.example",
    "operator_privacy_url": "https://acme-cloud.example/privacy",
}


@pytest.fixture(scope="module")
async def named(mongo_uri: str, mongo_client: AsyncMongoClient[Document]) -> AsyncIterator[Api]:
    name = f"t_opsurfaces_{uuid.uuid4().hex[:8]}"
    settings = make_settings(mongo_uri, name, **IDENTITY)
    async with running_web_api(settings, FrozenClock(START)) as api:
        await seed(api, await api.key(Role.ADMIN))
        yield api
    await mongo_client.drop_database(name)


async def test_the_feed_is_titled_and_authored_by_the_company(named: Api) -> None:
    feed = feedparser.parse((await named.http.get("/changes.atom")).content).feed
    assert feed.title == "Acme Cloud: subprocessor changes"
    assert feed.author_detail == {
        "name": "Acme Cloud GmbH",
        "email": "privacy@acme-cloud.example",
        "href": "https://acme-cloud.example/privacy",
    }


async def test_every_calendar_event_is_organized_by_the_company(named: Api) -> None:
    calendar = icalendar.Calendar.from_ical((await named.http.get("/changes.ics")).content)
    assert str(calendar["x-wr-calname"]) == "Acme Cloud: subprocessor changes"
    events = calendar.walk("VEVENT")
    assert events
    for event in events:
        assert str(event["organizer"]) == "mailto:privacy@acme-cloud.example"
        assert event["organizer"].params["CN"] == "Acme Cloud"


async def test_the_public_page_names_the_company_and_its_contact(named: Api) -> None:
    page = (await named.http.get("/subprocessors")).text
    assert "· Acme Cloud</title>" in page
    assert '<p class="operator"' in page
    assert "on behalf of Acme Cloud" in page
    assert '<a href="mailto:privacy@acme-cloud.example">' in page
    assert "Acme Cloud GmbH</strong>, Hauptstrasse 1, 10115 Berlin." in page


async def test_without_a_name_the_surfaces_say_what_they_said_before(api: Api) -> None:
    feed = feedparser.parse((await api.http.get("/changes.atom")).content).feed
    assert feed.title == "Subprocessor changes"
    calendar = icalendar.Calendar.from_ical((await api.http.get("/changes.ics")).content)
    assert str(calendar["x-wr-calname"]) == "Subprocessor changes"
    page = (await api.http.get("/subprocessors")).text
    assert '<p class="operator"' not in page
    assert '<address class="operator-contact">' not in page
