"""The outbox's mapping of the domain event: the document it stores, and its id."""

from __future__ import annotations

from datetime import UTC, datetime

from registry.domain.event_types import EventType
from registry.domain.events import Event
from registry.store import events, ids
from tests.event_bodies import event_data

AT = datetime(2027, 1, 15, 9, tzinfo=UTC)


def test_an_event_is_stored_with_an_id_derived_from_its_dedupe_key() -> None:
    data = event_data("cus_" + "1" * 24)
    event = Event(
        EventType.CHANGE_REMINDER,
        "cus_" + "1" * 24,
        AT,
        "change.reminder:rem_1",
        data,
        change_id="chg_" + "2" * 24,
    )
    assert events.to_document(event) == {
        "_id": ids.event_id("change.reminder:rem_1"),
        "type": "change.reminder",
        "customer_id": "cus_" + "1" * 24,
        "change_id": "chg_" + "2" * 24,
        "occurred_at": AT,
        "dedupe_key": "change.reminder:rem_1",
        "data": data,
        "dispatched_at": None,
    }
    assert events.id_of(event) == events.to_document(event)["_id"]
    # The same fact, made again later, has the same id (emitting it again is a no-op).
    again = Event(EventType.CHANGE_REMINDER, "cus_x", AT, "change.reminder:rem_1", data)
    assert events.id_of(again) == events.id_of(event)
