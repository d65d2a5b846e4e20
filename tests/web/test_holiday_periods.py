"""Holidays in periods (Regulation 1182/71 Art. 3(4)): a customer whose terms name a holiday
calendar gets the same end of period in the console's preview, the announcement, its notice,
its e-mail and its calendar (issue 31)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event
from pymongo import AsyncMongoClient

from registry.clock import FrozenClock
from registry.delivery.email_content import compose, text
from registry.domain.drafts import ChangeAnnouncement
from registry.domain.models import ChangeKind, Role
from registry.services import change_preview, rendering
from registry.services.caller import Caller
from registry.store import notices
from registry.store.database import Document
from tests.api.test_changes import ANNOUNCE, SUB
from tests.conftest import Api, make_settings
from tests.web.support import running_web_api

BERLIN = ZoneInfo("Europe/Berlin")
SENT = datetime(2026, 11, 25, 9, 0, tzinfo=BERLIN)
# Ends with Monday 28 December: 25 and 26 December are Berlin holidays, the 27th a Sunday.
ENDS = datetime(2026, 12, 29, 0, 0, tzinfo=BERLIN).astimezone(UTC)

CREATE = """
mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) {
    __typename
    ... on CustomerCreated { customer { id terms { holidayCalendar weekendRollsToMonday } } }
    ... on ValidationError { message field }
  }
}"""
UPDATE = """
mutation($id: ID!, $input: UpdateCustomerInput!) {
  updateCustomer(id: $id, input: $input) {
    __typename
    ... on CustomerUpdated { customer { terms { holidayCalendar } } }
    ... on ValidationError { message field }
  }
}"""
BERLIN_TERMS = {
    "noticePeriod": "P1M",
    "timeZone": "Europe/Berlin",
    "periodEnds": "END_OF_DAY",
    "weekendRollsToMonday": True,
    "holidayCalendar": "DE-BE",
}


@pytest.fixture
async def web(mongo_uri: str, mongo_client: AsyncMongoClient[Document]) -> AsyncIterator[Api]:
    name = f"t_holidays_{uuid.uuid4().hex[:8]}"
    async with running_web_api(make_settings(mongo_uri, name), FrozenClock(SENT)) as api:
        yield api
    await mongo_client.drop_database(name)


async def test_preview_notice_email_and_calendar_agree(web: Api) -> None:
    admin = await web.key(Role.ADMIN)
    made = await web.gql(CREATE, {"input": {"name": "Berlin GmbH", **BERLIN_TERMS}}, admin)
    customer = made["createCustomer"]["customer"]
    assert customer["terms"] == {"holidayCalendar": "DE-BE", "weekendRollsToMonday": True}
    sub = (await web.gql(SUB, {"name": "Vendor"}, admin))["createSubprocessor"]["subprocessor"]

    staff = Caller(role=Role.ADMIN, key_id="test")
    draft = ChangeAnnouncement(kind=ChangeKind.ADD, subprocessor_id=sub["id"])
    preview = await change_preview.preview_change(web.deps, staff, draft)
    [group] = preview.groups
    assert (group.earliest_effective_at, group.objection_deadline) == (ENDS, ENDS)

    data = await web.gql(ANNOUNCE, {"input": {"kind": "ADD", "subprocessorId": sub["id"]}}, admin)
    change = data["announceChange"]["change"]
    assert change["effectiveAt"] == "2026-12-28T23:00:00+00:00"
    await web.scheduler.run_until_idle()  # the notices are written by the change's jobs

    notice = await notices.for_customer(web.deps.db, change["id"], customer["id"])
    assert notice is not None
    assert (notice.earliest_effective_at, notice.effective_at) == (ENDS, ENDS)
    assert notice.objection_deadline == ENDS

    body = {
        "type": "change.announced",
        "timestamp": SENT.isoformat(),
        "data": {
            "change": {"kind": "ADD", "subprocessor": {"legalName": "Vendor", "locations": []}},
            "customer": {"id": customer["id"], "timeZone": "Europe/Berlin"},
            "notice": rendering.notice_data(notice),
        },
    }
    mail = text(compose(body))
    assert "Takes effect for you: 29 December 2026, 00:00 CET (2026-12-28 23:00 UTC)" in mail
    assert "Objection deadline:   29 December 2026, 00:00 CET (2026-12-28 23:00 UTC)" in mail

    key = await web.key(Role.CUSTOMER, customer["id"])
    response = await web.http.get("/changes.ics", headers={"authorization": f"Bearer {key}"})
    calendar = Calendar.from_ical(response.content)
    assert isinstance(calendar, Calendar)
    starts = {
        str(e["summary"]): e.decoded("dtstart")
        for e in calendar.walk("VEVENT")
        if isinstance(e, Event)
    }
    assert starts["Objection deadline: Add Vendor"] == ENDS
    assert starts["Effective: Add Vendor"] == ENDS


@pytest.mark.parametrize(
    ("terms", "message"),
    [
        pytest.param(
            {**BERLIN_TERMS, "holidayCalendar": "DE-XX"},
            "has no subdivision 'XX'",
            id="a subdivision that does not exist -> ValidationError (holidayCalendar)",
        ),
        pytest.param(
            {**BERLIN_TERMS, "holidayCalendar": "Berlin"},
            "not a holiday calendar code",
            id="a name instead of a code -> ValidationError (holidayCalendar)",
        ),
        pytest.param(
            {**BERLIN_TERMS, "holidayCalendar": "ZZ"},
            "no public-holiday calendar is known for 'ZZ'",
            id="a country without a calendar -> ValidationError (holidayCalendar)",
        ),
        pytest.param(
            {**BERLIN_TERMS, "weekendRollsToMonday": False},
            "set weekendRollsToMonday too",
            id="a calendar for periods that do not roll -> ValidationError (holidayCalendar)",
        ),
    ],
)
async def test_bad_holiday_calendars_are_refused(
    web: Api, terms: dict[str, object], message: str
) -> None:
    admin = await web.key(Role.ADMIN)
    payload = (await web.gql(CREATE, {"input": {"name": "Typo", **terms}}, admin))["createCustomer"]
    assert (payload["__typename"], payload["field"]) == ("ValidationError", "holidayCalendar")
    assert message in payload["message"]
    assert await web.deps.db["customers"].count_documents({}) == 0


async def test_update_sets_keeps_and_clears_the_calendar(web: Api) -> None:
    admin = await web.key(Role.ADMIN)
    made = await web.gql(CREATE, {"input": {"name": "Copenhagen ApS", **BERLIN_TERMS}}, admin)
    customer_id = made["createCustomer"]["customer"]["id"]

    async def update(**given: object) -> dict[str, object]:
        data = await web.gql(UPDATE, {"id": customer_id, "input": given}, admin)
        result: dict[str, object] = data["updateCustomer"]
        return result

    assert (await update(holidayCalendar="DK"))["customer"] == {"terms": {"holidayCalendar": "DK"}}
    assert (await update(name="Copenhagen A/S"))["customer"] == {"terms": {"holidayCalendar": "DK"}}
    assert (await update(holidayCalendar=None))["customer"] == {"terms": {"holidayCalendar": None}}
