"""Change events share their payload: stored once, and sent as before, byte for byte."""

from __future__ import annotations

from typing import Any

import orjson

from registry.delivery import notice_links
from registry.delivery.bodies import BY_EVENT, delivery_body, render_body
from registry.domain.event_types import EventType
from registry.domain.events import Event
from registry.domain.webhooks import DeliveryFailure, DeliveryStatus, FailureKind
from registry.services import subscribers
from registry.services.deps import Deps
from registry.services.outbox.batch import Batch
from registry.services.outbox.options import DeliveryOptions
from registry.store import change_payloads, deliveries, events
from registry.store.database import Document
from tests.event_bodies import ANNOUNCED, change, event_data

OPTIONS = DeliveryOptions()


def change_event(customer_id: str, data: dict[str, Any], n: int) -> Event:
    return Event(
        type=EventType.CHANGE_ANNOUNCED,
        customer_id=customer_id,
        occurred_at=ANNOUNCED,
        dedupe_key=f"shared-test:{customer_id}:{n}",
        data=data,
    )


def as_document(event: Event) -> Document:
    return events.to_document(event)


async def sent_body(deps: Deps, event_id: str, body: str) -> str:
    """What the worker sends for a delivery of the event storing `body`."""
    doc = deliveries.new_document(
        delivery_id=f"whd_{event_id[4:]}",
        event_id=event_id,
        event_type="change.announced",
        subscription_id="whs_" + "0" * 24,
        customer_id="cus_" + "0" * 24,
        body=body,
        now=ANNOUNCED,
    )
    delivery = deliveries.from_document(doc)
    batch = await Batch.prepare(deps, [delivery], OPTIONS)
    return batch.body_of(delivery)


def expected(deps: Deps, event: Event) -> str:
    key = notice_links.link_key(deps.settings.effective_secret_key())
    return notice_links.fill_in(render_body(as_document(event)), key, deps.settings.public_url)


async def test_a_changes_events_store_its_payload_once_and_send_the_same_bytes(
    deps: Deps,
) -> None:
    the_change = change()
    customers = ["cus_" + str(n) * 24 for n in range(1, 4)]
    emitted = [change_event(c, event_data(c, of=the_change), n) for n, c in enumerate(customers)]
    assert await events.emit_many(deps.db, emitted) == 3
    stored_payloads = deps.db[change_payloads.NAME].find({"change_id": the_change.id})
    payloads = [doc async for doc in stored_payloads]
    assert len(payloads) == 1
    assert orjson.loads(payloads[0]["text"]) == emitted[0].data["change"]
    for event in emitted:
        stored = await deps.db[events.NAME].find_one({"_id": events.id_of(event)})
        assert stored is not None
        assert stored["data"]["change"] == {"id": the_change.id}
        assert list(stored["data"]) == list(event.data)  # the key keeps its place
        body = delivery_body(stored)
        assert len(body) < len(render_body(as_document(event)))
        assert await sent_body(deps, events.id_of(event), body) == expected(deps, event)
        # A delivery referring to its event (as made before) sends the same bytes too.
        assert await sent_body(deps, events.id_of(event), BY_EVENT) == expected(deps, event)


async def test_events_stored_with_their_whole_payload_are_sent_as_before(deps: Deps) -> None:
    customer = "cus_" + "7" * 24
    event = change_event(customer, event_data(customer), 0)
    await deps.db[events.NAME].insert_one(
        as_document(event)
    )  # as stored before payloads were shared
    stored = await deps.db[events.NAME].find_one({"_id": events.id_of(event)})
    assert stored is not None
    assert delivery_body(stored) == BY_EVENT
    assert await sent_body(deps, events.id_of(event), BY_EVENT) == expected(deps, event)


async def test_text_looking_like_the_stand_in_is_sent_as_written(deps: Deps) -> None:
    customer = "cus_" + "8" * 24
    first = change_event(customer, event_data(customer), 0)
    assert await events.emit(deps.db, first)
    stored = await deps.db[events.NAME].find_one({"_id": events.id_of(first)})
    assert stored is not None
    ref = events.payload_ref(stored)
    assert ref is not None
    data = event_data(customer)
    data["change"] = {**data["change"], "description": f"@@change-payload:{ref}@@"}
    data["customer"] = {
        **data["customer"],
        "timeZone": f'"data":{{"change":"@@change-payload:{ref}@@"',
    }
    second = change_event(customer, data, 1)
    assert await events.emit(deps.db, second)
    again = await deps.db[events.NAME].find_one({"_id": events.id_of(second)})
    assert again is not None
    body = delivery_body(again)
    assert await sent_body(deps, events.id_of(second), body) == expected(deps, second)


async def test_a_missing_payload_closes_the_delivery_unsent(deps: Deps) -> None:
    customer = "cus_" + "9" * 24
    event = change_event(customer, event_data(customer), 0)
    (stored,), _ = events.stored_forms([as_document(event)])
    stored = {**stored, "data": {**stored["data"]}}
    stored[events.PAYLOAD_REF] = "chg_" + "f" * 24 + ".missing"
    await deps.db[events.NAME].insert_one(stored)
    doc = deliveries.new_document(
        delivery_id="whd_" + "9" * 24,
        event_id=events.id_of(event),
        event_type="change.announced",
        subscription_id="whs_" + "0" * 24,
        customer_id=customer,
        body=delivery_body(stored),
        now=ANNOUNCED,
    )
    delivery = deliveries.from_document(doc)
    batch = await Batch.prepare(deps, [delivery], OPTIONS)
    outcome = await batch.attempt(None, delivery)  # type: ignore[arg-type]
    assert outcome.attempt.error == "not delivered: its change payload is missing"
    assert outcome.status is DeliveryStatus.FAILED
    assert outcome.failure == DeliveryFailure(
        FailureKind.UNRENDERABLE, "its change payload is missing"
    )


def test_an_event_whose_change_is_not_its_first_key_keeps_its_whole_payload() -> None:
    customer = "cus_" + "6" * 24
    own = event_data(customer)
    page = {"page": "https://registry.example/subprocessors"}
    data = {"audience": subscribers.PUBLIC, "change": own["change"], "links": page}
    event = change_event(subscribers.PUBLIC, data, 0)
    (stored,), payloads = events.stored_forms([as_document(event)])
    assert stored == as_document(event)
    assert payloads == []
    assert delivery_body(stored) == BY_EVENT


async def test_a_payload_stored_as_nested_fields_is_sent_the_same(deps: Deps) -> None:
    customer = "cus_" + "5" * 24
    event = change_event(customer, event_data(customer), 0)
    (stored,), (payload,) = events.stored_forms([as_document(event)])
    # As payloads were stored before they were stored as text.
    nested = {"_id": payload["_id"], "change_id": payload["change_id"]}
    await deps.db[change_payloads.NAME].insert_one({**nested, "payload": event.data["change"]})
    await deps.db[events.NAME].insert_one(stored)
    body = delivery_body(stored)
    assert await sent_body(deps, events.id_of(event), body) == expected(deps, event)
