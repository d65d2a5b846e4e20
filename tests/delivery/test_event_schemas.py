"""The published event schemas: checked in, in step with the code, and strict enough
to catch a body that is not self-contained."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest

from registry.delivery import event_schemas, notice_links
from registry.delivery.bodies import render_body
from registry.domain.event_types import EventType
from registry.domain.events import Event
from registry.store import events
from tests.conftest import validate_event
from tests.delivery import event_schema_compat
from tests.event_bodies import ANNOUNCED, event_data

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schema" / "events"


def test_checked_in_schemas_match_the_code() -> None:
    on_disk = {p.name: p.read_text() for p in SCHEMA_DIR.glob("*.json")}
    assert on_disk == event_schemas.rendered(), (
        "schema/events/ is stale: run `registry export-schema`"
    )


RELEASED_DIR = SCHEMA_DIR / "released"


def test_no_change_breaks_a_receiver_holding_the_released_schemas() -> None:
    allowed = event_schema_compat.allowed_changes(SCHEMA_DIR / "breaking-changes.toml")
    found = set()
    for released in sorted(RELEASED_DIR.glob("*.json")):
        current = json.loads((SCHEMA_DIR / released.name).read_text())
        for change in event_schema_compat.breaking_changes(
            json.loads(released.read_text()), current
        ):
            found.add(f"{released.name}: {change}")
    assert sorted(found - set(allowed)) == []
    assert sorted(set(allowed) - found) == [], "an allowed change no longer happens: drop it"


def test_every_event_type_was_released() -> None:
    assert {p.name for p in RELEASED_DIR.glob("*.json")} >= {f"{t.value}.json" for t in EventType}


COMPAT = [
    ("a key added", {"properties": {"a": {"type": "string"}, "b": {"type": "string"}}}, []),
    ("a key removed", {"properties": {}}, ["$.a: removed", "$.a: no longer always sent"]),
    (
        "a type changed",
        {"properties": {"a": {"type": "integer"}}, "required": ["a"]},
        ["$.a: type changed from 'string' to 'integer'"],
    ),
    (
        "a key made optional",
        {"properties": {"a": {"type": "string"}}},
        ["$.a: no longer always sent"],
    ),
    (
        "an object closed",
        {"properties": {"a": {"type": "string"}}, "required": ["a"], "additionalProperties": False},
        ["$: object closed to keys it does not name"],
    ),
]


@pytest.mark.parametrize(("case", "current", "expected"), COMPAT, ids=[c[0] for c in COMPAT])
def test_the_compatibility_check_names_each_break(
    case: str, current: dict[str, object], expected: list[str]
) -> None:
    released = {"properties": {"a": {"type": "string"}}, "required": ["a"]}
    current = {"required": ["a"], **current} if case == "a key added" else current
    assert sorted(event_schema_compat.breaking_changes(released, current)) == sorted(expected)


def test_an_enum_value_added_breaks_receivers() -> None:
    changes = event_schema_compat.breaking_changes({"enum": ["A"]}, {"enum": ["A", "B"]})
    assert list(changes) == ["$: enum values added ['B']"]


def test_a_body_with_a_key_added_later_passes_the_released_schema() -> None:
    """What the open objects are for: tomorrow's keys do not fail today's receivers."""
    released = json.loads((RELEASED_DIR / "change.announced.json").read_text())
    data = copy.deepcopy(event_data("cus_" + "a" * 24))
    data["change"]["subprocessor"]["certifications"] = ["ISO/IEC 27001"]
    data["future"] = {"anything": 1}
    key = notice_links.link_key("schema-check")
    body = notice_links.fill_in(render_body(_event(data)), key, "https://registry.example")
    jsonschema.Draft202012Validator(released).validate(json.loads(body))


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
