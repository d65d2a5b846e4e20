"""The open list format: `/subprocessors.json` is described by a published JSON Schema
(schema/list/), checked for compatibility with the released one like the event schemas,
and the demo data's document validates against it; ETag and conditional GET apply."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import jsonschema
from pymongo import AsyncMongoClient

from registry.clock import FrozenClock
from registry.services.seeding import load_seed_file
from registry.store.database import Document
from tests.conftest import START, Api, make_settings, running_api
from tests.delivery import event_schema_compat
from tests.web.support import Seeded

LIST_DIR = Path(__file__).resolve().parents[2] / "schema" / "list"
SEEDS = Path(__file__).resolve().parents[2] / "seeds"
SCHEMA = json.loads((LIST_DIR / "subprocessor-list.json").read_text())


def _validate(document: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    validator = jsonschema.Draft202012Validator(
        SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    validator.validate(document)


def test_no_change_breaks_a_reader_of_the_released_format() -> None:
    allowed = event_schema_compat.allowed_changes(LIST_DIR / "breaking-changes.toml")
    released = json.loads((LIST_DIR / "released" / "subprocessor-list.json").read_text())

    found = set(event_schema_compat.breaking_changes(released, SCHEMA))

    assert sorted(found - set(allowed)) == []
    assert sorted(set(allowed) - found) == [], "an allowed change no longer happens: drop it"


def test_removing_a_key_from_the_format_fails_the_check() -> None:
    current = json.loads(json.dumps(SCHEMA))
    del current["properties"]["subprocessors"]["items"]["properties"]["locations"]

    found = list(event_schema_compat.breaking_changes(SCHEMA, current))

    assert found == ["$.subprocessors[].locations: removed"]


async def test_the_demo_list_validates_against_its_schema(web: Api, seeded: Seeded) -> None:
    response = await web.http.get("/subprocessors.json")
    document = response.json()

    _validate(document)
    assert document["format"] == "subprocessor-list"
    assert document["format_version"] == 1
    assert {s["legal_name"] for s in document["subprocessors"]} >= {"Zendesk, Inc."}
    (upcoming,) = document["upcoming_changes"]
    assert upcoming["id"] == seeded.upcoming
    assert upcoming["subprocessor"] == "Mailgun Technologies, Inc."
    filtered = (await web.http.get("/subprocessors.json?country=DE")).json()
    _validate(filtered)
    assert all("DE" in s["countries"] for s in filtered["subprocessors"])
    assert filtered["upcoming_changes"] == []  # Mailgun's only location is in the US


async def test_the_list_answers_a_conditional_get(web: Api, seeded: Seeded) -> None:
    first = await web.http.get("/subprocessors.json")
    etag = first.headers.get("etag")
    assert etag

    again = await web.http.get("/subprocessors.json", headers={"if-none-match": etag})

    assert again.status_code == 304


async def test_the_seeded_demo_data_validates_against_the_schema(
    mongo_uri: str, mongo_client: AsyncMongoClient[Document]
) -> None:
    name = f"t_list_demo_{uuid.uuid4().hex[:8]}"
    try:
        async with running_api(make_settings(mongo_uri, name), FrozenClock(START)) as api:
            for seed in sorted(SEEDS.glob("*.json")):
                await load_seed_file(api.deps, seed)
            await api.scheduler.run_until_idle()
            for as_of in (None, "2027-06-01T00:00:00Z"):
                params = {"asOf": as_of} if as_of else {}
                document = (await api.http.get("/subprocessors.json", params=params)).json()
                _validate(document)
                assert document["subprocessors"] or document["upcoming_changes"]
    finally:
        await mongo_client.drop_database(name)


async def test_the_publisher_names_the_operator_and_how_to_reach_it(
    mongo_uri: str, mongo_client: AsyncMongoClient[Document]
) -> None:
    name = f"t_list_operator_{uuid.uuid4().hex[:8]}"
    settings = make_settings(
        mongo_uri,
        name,
        operator_legal_name="Acme Cloud GmbH",
        operator_privacy_email="privacy@acme.example",
    )
    try:
        async with running_api(settings, FrozenClock(START)) as api:
            document = (await api.http.get("/subprocessors.json")).json()
            diff = (
                await api.http.get(
                    "/subprocessors/diff.json?from=2025-01-01T00:00:00Z&to=2025-06-01T00:00:00Z"
                )
            ).json()
    finally:
        await mongo_client.drop_database(name)
    _validate(document)
    assert document["publisher"] == {
        "url": "http://127.0.0.1:8000/subprocessors",
        "name": "Acme Cloud GmbH",
        "legal_name": "Acme Cloud GmbH",
        "privacy_email": "privacy@acme.example",
    }
    assert diff["operator"]["privacy_email"] == "privacy@acme.example"
