"""Reading the registry: as-of lists, filters, pagination, query counts, seeds."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pymongo import monitoring

from registry.clock import FrozenClock
from registry.domain.models import (
    LocationRole,
    ProcessingLocation,
    Role,
    StatusChange,
    Subprocessor,
    SubprocessorStatus,
)
from registry.services.seeding import load_seed_file
from registry.store import ids, meta, processing_locations, subprocessors
from registry.web.exports import FORMULA_STARTS, spreadsheet_safe
from tests.conftest import START, Api, make_settings, running_api

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
LIST = """
query($asOf: DateTime, $filter: SubprocessorFilter, $first: Int, $after: String) {
  subprocessors(asOf: $asOf, filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { legalName } }
  }
}"""
NESTED = """
query { subprocessors(first: 100) { totalCount edges { node {
  id legalName locations { country role } dpas { version } transferBases { mechanism }
  transfers(origin: EEA) { country status reasons mechanism } changes { id }
} } } }"""


class CommandCounter(monitoring.CommandListener):
    """Counts the commands a client sends while `active` is set."""

    def __init__(self) -> None:
        self.active = False
        self.commands: list[str] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        # The registry version is polled in the background: not part of any request. A
        # getMore fetches the next batch of a query already counted (past 101 documents).
        if event.command_name == "getMore":
            return
        if self.active and event.command.get(event.command_name) != meta.NAME:
            self.commands.append(event.command_name)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


@pytest.fixture(scope="module")
def counter() -> Iterator[CommandCounter]:
    listener = CommandCounter()
    monitoring.register(listener)  # applies to clients created afterwards
    yield listener
    listener.active = False


@pytest.fixture(scope="module")
async def listing_api(mongo_uri: str, db_name: str, counter: CommandCounter) -> AsyncIterator[Api]:
    async with running_api(make_settings(mongo_uri, db_name), FrozenClock(START)) as api:
        yield api


async def _vendor(
    api: Api,
    name: str,
    active_from: datetime | None,
    until: datetime | None = None,
    country: str = "DE",
) -> str:
    sub_id = ids.new_id("Subprocessor")
    status = SubprocessorStatus.ACTIVE if active_from else SubprocessorStatus.PROPOSED
    await subprocessors.insert(
        api.deps.db,
        Subprocessor(
            id=sub_id,
            legal_name=name,
            purpose=f"{name} purpose",
            status=status,
            created_at=START,
            status_history=(StatusChange(status, START),),
            active_from=active_from,
            active_until=until,
        ),
    )
    await processing_locations.upsert(
        api.deps.db,
        ProcessingLocation(
            id=ids.new_id("ProcessingLocation"),
            subprocessor_id=sub_id,
            country=country,
            role=LocationRole.STORAGE,
        ),
    )
    await meta.bump(api.deps.db)  # written behind the API's back: retire cached answers
    return sub_id


async def test_as_of_views_from_status_history(listing_api: Api) -> None:
    api = listing_api
    key = await api.key(Role.PROCUREMENT)
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    here = {"country": ["NZ"]}  # where only this test's vendors are
    await _vendor(api, "Always", t0, country="NZ")
    await _vendor(api, "Retired mid-2025", t0, until=datetime(2025, 7, 1, tzinfo=UTC), country="NZ")
    await _vendor(api, "Starts 2026-03", datetime(2026, 3, 1, tzinfo=UTC), country="NZ")
    await _vendor(api, "Never proposed only", None, country="NZ")

    async def names(at: datetime) -> set[str]:
        data = await api.gql(LIST, {"asOf": at.isoformat(), "filter": here}, key)
        return {e["node"]["legalName"] for e in data["subprocessors"]["edges"]}

    assert await names(t0 - timedelta(seconds=1)) == set()
    assert await names(t0) == {"Always", "Retired mid-2025"}
    assert await names(datetime(2025, 7, 1, tzinfo=UTC)) == {"Always"}
    assert await names(datetime(2026, 3, 1, tzinfo=UTC)) == {"Always", "Starts 2026-03"}
    proposed = await api.gql(LIST, {"filter": {"status": ["PROPOSED"], **here}}, key)
    assert [e["node"]["legalName"] for e in proposed["subprocessors"]["edges"]] == [
        "Never proposed only"
    ]
    anonymous = await api.post(LIST, {"filter": {"status": ["PROPOSED"]}})
    assert "staff" in anonymous.json()["errors"][0]["message"]


async def test_filters_and_pagination(listing_api: Api) -> None:
    api = listing_api
    for n in range(7):
        await _vendor(api, f"Page vendor {n}", datetime(2024, 1, 1, tzinfo=UTC), country="JP")
    seen: list[str] = []
    after = None
    while True:
        data = await api.gql(LIST, {"filter": {"country": ["JP"]}, "first": 3, "after": after})
        conn = data["subprocessors"]
        assert conn["totalCount"] == 7
        seen += [e["node"]["legalName"] for e in conn["edges"]]
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    assert seen == [f"Page vendor {n}" for n in range(7)]
    search = await api.gql(LIST, {"filter": {"search": "VENDOR 3"}})
    assert [e["node"]["legalName"] for e in search["subprocessors"]["edges"]] == ["Page vendor 3"]


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"filter": {"country": ["XX"]}}, "country"),
        ({"first": 101}, "first"),
        ({"after": "not-a-cursor"}, "cursor"),
        ({"asOf": "2026-01-01T00:00:00"}, "offset"),
    ],
    ids=["unknown country", "page over 100", "bad cursor", "asOf without offset"],
)
async def test_bad_list_arguments(
    listing_api: Api, variables: dict[str, object], message: str
) -> None:
    response = await listing_api.post(LIST, variables)
    errors = response.json()["errors"]
    assert message in errors[0]["message"]
    assert response.status_code < 500


async def test_nested_list_uses_constant_queries(listing_api: Api, counter: CommandCounter) -> None:
    api = listing_api
    key = await api.key(Role.ADMIN)

    async def count_for_list() -> tuple[int, int]:
        counter.commands.clear()
        counter.active = True
        data = await api.gql(NESTED, {}, key)
        counter.active = False
        return data["subprocessors"]["totalCount"], len(counter.commands)

    for n in range(2):  # a few of its own, so that every nested list is asked for
        await _vendor(api, f"Few {n}", datetime(2024, 1, 1, tzinfo=UTC), country="US")
    few_total, few_queries = await count_for_list()
    for n in range(100 - few_total):
        await _vendor(api, f"Bulk {n:03d}", datetime(2024, 1, 1, tzinfo=UTC), country="US")
    many_total, many_queries = await count_for_list()
    assert many_total >= 100
    # authentication, count, page, then one query per nested list, whatever the count.
    assert many_queries == few_queries
    assert many_queries <= 8, counter.commands


async def test_seed_twice_equals_once_and_assessment_flags(listing_api: Api) -> None:
    api = listing_api
    path = SEEDS / "pronestor.json"
    first = await load_seed_file(api.deps, path)
    snapshot = {
        name: [d async for d in api.deps.db[name].find({}).sort("_id")]
        for name in ("subprocessors", "processing_locations", "transfer_bases", "customers")
    }
    second = await load_seed_file(api.deps, path)
    assert first.changed > 0
    assert second.changed == 0
    for name, docs in snapshot.items():
        assert [d async for d in api.deps.db[name].find({}).sort("_id")] == docs

    query = """query { transferAssessment(asOf: "2026-11-22", origin: EEA) {
      counts { notRequired valid expiring invalid missing }
      items { subprocessor { legalName } country status reasons } } }"""
    # The reasons are the whole verdict: for keys (the public reads status and mechanism).
    data = (await api.gql(query, key=await api.key(Role.PROCUREMENT)))["transferAssessment"]
    items = [
        i
        for i in data["items"]
        if i["subprocessor"]["legalName"]
        in {"Mailgun", "Campaign Monitor", "Facebook", "Google Inc."}
        or i["country"] == "AU"
    ]
    by_country = {(i["subprocessor"]["legalName"], i["country"]): i for i in data["items"]}
    au = [i for i in data["items"] if i["country"] == "AU"]
    assert au
    assert all(i["status"] == "MISSING" for i in au)
    shielded = [i for i in data["items"] if any("Privacy Shield" in r for r in i["reasons"])]
    assert shielded
    assert all(i["status"] == "INVALID" for i in shielded)
    assert data["counts"]["invalid"] >= 3
    assert items
    assert by_country


async def test_list_exports(listing_api: Api) -> None:
    csv_response = await listing_api.http.get("/subprocessors.csv")
    assert csv_response.status_code == 200
    header, *rows = csv_response.text.strip().splitlines()
    # The id, the vendor's declared fields (domain/vendor_fields.py), its places and state,
    # then where it handles data for people, the mechanism of each transfer and its chain.
    assert header == (
        "id,legal_name,purpose,data_categories,website,certifications,contact_email,"
        "countries,status,active_from,country_names,locations,roles,transfer_basis,chain"
    )
    data = (await listing_api.gql(LIST, {"first": 100}))["subprocessors"]
    assert len(rows) == data["totalCount"]
    payload = (await listing_api.http.get("/subprocessors.json")).json()["subprocessors"]
    assert len(payload) == data["totalCount"]
    past = (
        await listing_api.http.get("/subprocessors.json", params={"asOf": "2000-01-01T00:00:00Z"})
    ).json()
    assert past["subprocessors"] == []
    assert past["as_of"] == "2000-01-01T00:00:00+00:00"
    bad = await listing_api.http.get("/subprocessors.csv", params={"asOf": "yesterday"})
    assert bad.status_code == 400
    assert (await listing_api.http.get("/subprocessors.xml")).status_code == 404


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tleading tab", "'\tleading tab"),
        ("\rleading return", "'\rleading return"),
        ("Acme = Co", "Acme = Co"),
        (None, None),
    ],
    ids=["equals", "plus", "minus", "at", "tab", "carriage return", "inner =", "empty"],
)
def test_csv_cells_never_start_a_formula(cell: str | None, shown: str | None) -> None:
    assert spreadsheet_safe(cell) == shown


async def test_csv_export_neutralises_a_formula_in_a_vendor_name(listing_api: Api) -> None:
    await _vendor(listing_api, '=HYPERLINK("http://evil.example","x")', START - timedelta(days=1))
    text = (await listing_api.http.get("/subprocessors.csv")).text
    rows = list(csv.reader(io.StringIO(text)))
    names = [row[1] for row in rows[1:]]
    assert '\'=HYPERLINK("http://evil.example","x")' in names
    assert not any(name.startswith(FORMULA_STARTS) for name in names)
