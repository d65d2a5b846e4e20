"""What notice e-mails say, table-tested on rendered event bodies."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from registry.delivery import email, email_content
from registry.delivery.bodies import render_body
from registry.delivery.event_schemas import rendered
from registry.domain import people_dates
from registry.domain.event_types import EventType
from registry.domain.models import ChangeKind, CustomerTerms
from registry.web.metrics import DatabaseSnapshot, exposition
from tests.event_bodies import SNAPSHOT, change, event_data


def test_one_enum_names_the_schemas_the_subjects_and_the_metrics() -> None:
    names = {t.value for t in EventType}
    assert {name.removesuffix(".json") for name in rendered()} == names
    assert set(email_content.SUBJECT_PREFIX) == set(EventType)
    assert set(email_content.INTRO) == set(EventType)
    by_type = {(t.value, "DELIVERED"): 0 for t in EventType}
    text = exposition(None, DatabaseSnapshot(by_event_type=by_type)).decode()
    for name in names:
        assert f'registry_deliveries_by_event_type{{event_type="{name}"' in text


@pytest.mark.parametrize(
    ("zone", "instant", "shown"),
    [
        ("UTC", datetime(2027, 1, 29, 9, 0, tzinfo=UTC), "29 January 2027, 09:00 UTC"),
        (
            "Europe/Berlin",
            datetime(2027, 2, 28, 8, 0, tzinfo=UTC),
            "28 February 2027, 09:00 CET (2027-02-28 08:00 UTC)",
        ),
        (
            "America/New_York",
            datetime(2027, 7, 1, 3, 30, tzinfo=UTC),
            "30 June 2027, 23:30 EDT (2027-07-01 03:30 UTC)",
        ),
        ("Not/AZone", datetime(2027, 1, 2, tzinfo=UTC), "2 January 2027, 00:00 UTC"),
    ],
)
def test_dates_are_written_the_way_people_write_them(
    zone: str, instant: datetime, shown: str
) -> None:
    assert people_dates.moment_with_utc(instant, zone) == shown


def _message(data: dict[str, Any], type: str = "change.announced") -> email.EmailMessage:
    body = render_body(
        {"type": type, "occurred_at": datetime(2026, 1, 5, 9, tzinfo=UTC), "data": data}
    )
    return email.render_message(body, sender="registry@example.test", to="a@b.test", message_id="m")


@pytest.mark.parametrize(
    ("type", "kind", "subject"),
    [
        (
            "change.announced",
            ChangeKind.ADD,
            "New subprocessor: Mailgun Technologies, Inc. — object by 6 March 2026",
        ),
        (
            "change.reminder",
            ChangeKind.ADD,
            "Reminder: New subprocessor: Mailgun Technologies, Inc. — object by 6 March 2026",
        ),
        (
            "change.effective",
            ChangeKind.ADD,
            "Now in effect: New subprocessor: Mailgun Technologies, Inc. — since 6 April 2026",
        ),
        (
            "change.cancelled",
            ChangeKind.REMOVE,
            "Cancelled: Subprocessor removed: Mailgun Technologies, Inc.",
        ),
    ],
)
def test_the_subject_names_kind_vendor_and_deadline(
    type: str, kind: ChangeKind, subject: str
) -> None:
    data = event_data("cus_" + "a" * 24, type, of=change(kind=kind))
    message = _message(data, type)
    assert message["Subject"] == subject
    has_calendar = any(p.get_content_type() == "text/calendar" for p in message.iter_attachments())
    assert has_calendar is (type in ("change.announced", "change.reminder"))


def test_an_emergency_replacement_says_why_and_whom_it_replaces() -> None:
    replaced = {"id": "sp_" + "9" * 24, "legalName": "SendGrid"}
    snapshot = {**SNAPSHOT, "replaces": replaced}
    the_change = change(
        kind=ChangeKind.REPLACE,
        replaces_id=replaced["id"],
        emergency=True,
        emergency_reason="SendGrid stopped service without warning",
    )
    data = event_data("cus_" + "a" * 24, of=the_change, terms=CustomerTerms(time_zone="Asia/Tokyo"))
    data["change"] = {**data["change"], "replaces": snapshot["replaces"]}
    message = _message(data)
    assert message["Subject"].startswith("Subprocessor replaced (emergency): SendGrid by Mailgun")
    plain = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    [replaces] = [line for line in plain.splitlines() if line.startswith("Replaces:")]
    assert replaces.split(":", 1)[1].strip() == "SendGrid"
    assert "emergency: SendGrid stopped service without warning" in plain
    assert "6 March 2026, 09:00 JST" in plain  # the deadline in the customer's zone


def test_every_resolution_reads_as_a_sentence_for_the_customer() -> None:
    from registry.domain.models import ObjectionResolution

    assert set(email_content.RESOLUTIONS) == {r.value for r in ObjectionResolution}
    ends = {"resolution": "CUSTOMER_TERMINATES", "contractEndsAt": "2027-03-31T22:00:00+00:00"}
    assert email_content.resolution_text(ends, "Europe/Berlin").startswith(
        "upheld: your contract ends on 1 April 2027, 00:00"
    )
