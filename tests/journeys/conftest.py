"""Journey fixtures: a registry whose e-mail goes to an SMTP sink, on a movable clock
that starts on Monday 7 December 2026, 09:00 UTC (tests/journeys/people.py reads what
each person sees)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from pymongo import AsyncMongoClient

from registry.clock import FrozenClock
from registry.store.database import Document
from tests.conftest import Api, make_settings, running_api
from tests.journeys.people import DAY_ONE
from tests.mail import MailServer


@pytest.fixture
async def mail() -> AsyncIterator[MailServer]:
    async with MailServer() as server:
        yield server


@pytest.fixture
async def api(
    mongo_uri: str, mongo_client: AsyncMongoClient[Document], mail: MailServer
) -> AsyncIterator[Api]:
    name = f"t_journey_{uuid.uuid4().hex[:8]}"
    settings = make_settings(mongo_uri, name, smtp_url=mail.url, public_url="http://registry.test")
    async with running_api(settings, FrozenClock(DAY_ONE)) as made:
        yield made
    await mongo_client.drop_database(name)
