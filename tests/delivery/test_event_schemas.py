"""The published event schemas: checked in, in step with the code, and strict enough
to catch a body that is not self-contained."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest

from registry.delivery import event_schemas
from registry.delivery.bodies import render_body
from registry.domain.event_types import EventType
from registry.domain.events import Event
from registry.store import events
from tests.conftest import validate_event
from tests.event_bodies import ANNOUNCED, event_data

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schema" / "events"


def test_checked_in_schemas_match_the_code() -> None:
    on_disk = {p.name: p.read_text() for p in SCHEMA_DIR.glob("*.json")}
    assert on_disk == event_schemas.rendered(), (
        "schema/events/ is stale: run `registry export-schema`"
    )


def test_every_event_type_has_a_schema_and_it_is_valid() -> None:
    for event_type in EventType:
        schema = json.loads((SCHEMA_DIR / f"{event_type.value}.json").read_text())
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["properties"]["type"] == {"const": event_type.value}


def _event(data: dict[str, object], type: str = "change.announced") -> dict[str, object]:
    return {"type": type, "occurred_at": ANNOUNCED, "data": data}


def test_a_rendered_change_event_matches() -> None:
    validate_event(_event(event_data("cus_" + "a" * 24)))


@pytest.mark.parametrize(
    "path",
    [
        ("change", "subprocessor", "legalName"),
        ("change", "subprocessor", "locations", 0, "transfer"),
        ("notice", "objectionDeadline"),
        ("links", "notice"),
        ("customer", "timeZone"),
    ],
)
def test_a_body_missing_part_of_the_snapshot_is_refused(path: tuple[object, ...]) -> None:
    data = copy.deepcopy(event_data("cus_" + "a" * 24))
    parent: object = data
    for step in path[:-1]:
        parent = parent[step]  # type: ignore[index]
    del parent[path[-1]]  # type: ignore[union-attr]
    with pytest.raises(jsonschema.ValidationError):
        validate_event(_event(data))


def test_objection_events_need_the_objection() -> None:
    # The suite checks every event as the outbox stores it: one without its objection
    # is refused.
    customer = "cus_" + "a" * 24
    data = event_data(customer, "objection.filed")
    event = Event(EventType.OBJECTION_FILED, customer, ANNOUNCED, "objection.filed:t", data)
    with pytest.raises(jsonschema.ValidationError, match="objection"):
        events.to_document(event)


def test_the_stored_body_holds_no_signed_link() -> None:
    body = render_body(_event(event_data("cus_" + "a" * 24)))
    assert "/notices/" not in body
    assert "@@notice-link:ntc_" in body
