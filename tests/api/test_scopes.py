"""Scoped registry: catalogs, scopes, and who a change is for (DESIGN.md 8)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from registry.clock import FrozenClock
from registry.domain.drafts import ChangeAnnouncement
from registry.domain.models import ChangeKind, Role
from registry.services import change_preview
from registry.services.caller import Caller
from registry.services.seeding import SeedError, load_seed_file
from registry.store import ensure_indexes
from registry.store.database import Document
from tests.conftest import START, Api, make_settings, running_api

PRODUCT = """mutation($input: CreateProductInput!) { createProduct(input: $input) {
  __typename ... on ProductCreated { product { code name } }
  ... on ValidationError { field message } ... on PermissionDenied { message } } }"""
REGION = """mutation($input: CreateHostingRegionInput!) { createHostingRegion(input: $input) {
  __typename ... on HostingRegionCreated { hostingRegion { code name countries } }
  ... on ValidationError { field message } } }"""
REMOVE_PRODUCT = """mutation($code: String!) { removeProduct(code: $code) {
  __typename ... on ProductRemoved { product { code } } ... on ValidationError { message } } }"""
CATALOGS = "{ products { code name } hostingRegions { code name countries } }"
CUSTOMER = """mutation($input: CreateCustomerInput!) { createCustomer(input: $input) {
  __typename ... on CustomerCreated { customer { id products { code } hostingRegion { code } } }
  ... on ValidationError { field message } } }"""
UPDATE_CUSTOMER = """mutation($id: ID!, $input: UpdateCustomerInput!) {
  updateCustomer(id: $id, input: $input) {
  __typename ... on CustomerUpdated { customer { id name timeZone periodEnds
    terms { noticePeriod objectionWindow } products { code } hostingRegion { code } } }
  ... on ValidationError { field message } ... on NotFound { message } } }"""
SUB = """mutation($input: CreateSubprocessorInput!) { createSubprocessor(input: $input) {
  __typename ... on SubprocessorCreated { subprocessor { id
    scope { products { code name } hostingRegions { code } } } }
  ... on ValidationError { field message } } }"""
UPDATE_SUB = """mutation($id: ID!, $input: UpdateSubprocessorInput!) {
  updateSubprocessor(id: $id, input: $input) {
  __typename ... on SubprocessorUpdated { subprocessor { id
    scope { products { code } hostingRegions { code } } } }
  ... on ValidationError { field message } } }"""
ANNOUNCE = """mutation($input: AnnounceChangeInput!) { announceChange(input: $input) {
  __typename ... on ChangeAnnounced { change { id effectiveAt description } }
  ... on NoticeWindowViolation { earliestAllowed customers { id } }
  ... on ValidationError { field message } } }"""
NOTICES = """query($id: ID!) { change(id: $id) { status notices(first: 100) { totalCount
  edges { node { effectiveAt customer { id } } } } } }"""
LIST = """query($customerId: ID, $asOf: DateTime, $filter: SubprocessorFilter) {
  subprocessors(customerId: $customerId, asOf: $asOf, filter: $filter) {
  edges { node { legalName } } } }"""
HISTORY = """query($id: ID!) { subprocessor(id: $id) { changes { kind status description } } }"""
ASSESS = """query($customerId: ID) { transferAssessment(customerId: $customerId) {
  origin items { subprocessor { legalName } country } } }"""

DAY = timedelta(days=1)
SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


@pytest.fixture
async def fresh(mongo_uri: str, mongo_client: AsyncMongoClient[Document]) -> AsyncIterator[Api]:
    name = f"t_scopes_{uuid.uuid4().hex[:8]}"
    async with running_api(make_settings(mongo_uri, name), FrozenClock(START)) as api:
        yield api
    await mongo_client.drop_database(name)


async def setup(api: Api) -> dict[str, Any]:
    """Two products x two regions, a customer in each cell and one unscoped."""
    admin = await api.key(Role.ADMIN)
    ids: dict[str, Any] = {"admin": admin}
    for code, name in [("crm", "CRM"), ("hr", "HR suite")]:
        assert (await api.gql(PRODUCT, {"input": {"code": code, "name": name}}, admin))[
            "createProduct"
        ]["__typename"] == "ProductCreated"
    for code, name, countries in [("eu", "EU", ["DE", "FR"]), ("us", "US", ["US"])]:
        data = await api.gql(
            REGION, {"input": {"code": code, "name": name, "countries": countries}}, admin
        )
        assert data["createHostingRegion"]["__typename"] == "HostingRegionCreated"
    for name, products, region, period in [
        ("eu_crm", ["crm"], "eu", "P3M"),
        ("us_crm", ["crm"], "us", "P30D"),
        ("eu_hr", ["hr"], "eu", "P6M"),
        ("us_hr", ["hr"], "us", "P1M"),
        ("all", None, None, "P30D"),
    ]:
        values = {
            "name": name,
            "products": products,
            "hostingRegion": region,
            "noticePeriod": period,
        }
        data = await api.gql(CUSTOMER, {"input": values}, admin)
        ids[name] = data["createCustomer"]["customer"]["id"]
    data = await api.gql(
        SUB,
        {
            "input": {
                "legalName": "Mailer",
                "purpose": "E-mail",
                "scope": {"products": ["crm"], "hostingRegions": ["us"]},
            }
        },
        admin,
    )
    ids["sub"] = data["createSubprocessor"]["subprocessor"]["id"]
    return ids


async def names(api: Api, key: str, customer: str | None, at: datetime | None = None) -> set[str]:
    data = await api.gql(LIST, {"customerId": customer, "asOf": iso(at) if at else None}, key)
    return {e["node"]["legalName"] for e in data["subprocessors"]["edges"]}


async def notified(api: Api, key: str, change_id: str) -> dict[str, str]:
    await api.scheduler.run_until_idle()
    data = await api.gql(NOTICES, {"id": change_id}, key)
    edges = data["change"]["notices"]["edges"]
    return {e["node"]["customer"]["id"]: e["node"]["effectiveAt"] for e in edges}


async def test_catalogs_and_their_bad_input(fresh: Api) -> None:
    ids = await setup(fresh)
    admin = ids["admin"]
    data = await fresh.gql(CATALOGS, {}, admin)
    assert [p["code"] for p in data["products"]] == ["crm", "hr"]
    assert data["hostingRegions"][0] == {"code": "eu", "name": "EU", "countries": ["DE", "FR"]}
    for values, field in [
        ({"code": "crm", "name": "again"}, "code"),
        ({"code": "Not A Slug", "name": "x"}, "code"),
        ({"code": "ok", "name": "  "}, "name"),
    ]:
        payload = (await fresh.gql(PRODUCT, {"input": values}, admin))["createProduct"]
        assert (payload["__typename"], payload["field"]) == ("ValidationError", field)
    payload = await fresh.gql(
        REGION, {"input": {"code": "xx", "name": "X", "countries": ["ZZ"]}}, admin
    )
    assert payload["createHostingRegion"]["field"] == "countries"
    customer_key = await fresh.key(Role.CUSTOMER, ids["eu_crm"])
    payload = await fresh.gql(PRODUCT, {"input": {"code": "new", "name": "N"}}, customer_key)
    assert payload["createProduct"]["__typename"] == "PermissionDenied"
    assert len((await fresh.gql(CATALOGS, {}, admin))["products"]) == 2

    # In use: refused, naming who uses it; unused: removed.
    refused = (await fresh.gql(REMOVE_PRODUCT, {"code": "crm"}, admin))["removeProduct"]
    assert refused["__typename"] == "ValidationError"
    assert "Mailer" in refused["message"]
    assert "eu_crm" in refused["message"]
    await fresh.gql(PRODUCT, {"input": {"code": "spare", "name": "Spare"}}, admin)
    removed = (await fresh.gql(REMOVE_PRODUCT, {"code": "spare"}, admin))["removeProduct"]
    assert removed == {"__typename": "ProductRemoved", "product": {"code": "spare"}}


async def test_unknown_codes_are_refused_everywhere(fresh: Api) -> None:
    ids = await setup(fresh)
    admin = ids["admin"]
    bad_customer = {"name": "x", "products": ["crm", "nope"]}
    payload = (await fresh.gql(CUSTOMER, {"input": bad_customer}, admin))["createCustomer"]
    assert payload["field"] == "products"
    assert payload["message"] == "no product with code 'nope'"
    payload = await fresh.gql(CUSTOMER, {"input": {"name": "x", "hostingRegion": "mars"}}, admin)
    assert payload["createCustomer"]["field"] == "hostingRegion"
    assert payload["createCustomer"]["message"] == "no hosting region with code 'mars'"
    bad_sub = {"legalName": "X", "purpose": "Y", "scope": {"hostingRegions": ["mars"]}}
    payload = (await fresh.gql(SUB, {"input": bad_sub}, admin))["createSubprocessor"]
    assert payload["field"] == "scope.hostingRegions"
    payload = await fresh.gql(
        UPDATE_CUSTOMER, {"id": ids["eu_crm"], "input": {"products": ["nope"]}}, admin
    )
    assert payload["updateCustomer"]["__typename"] == "ValidationError"
    filtered = await fresh.post(LIST, {"filter": {"products": ["nope"]}}, admin)
    assert filtered.json()["data"] is None
    assert await fresh.deps.db["customers"].count_documents({"name": "x"}) == 0
    assert await fresh.deps.db["subprocessors"].count_documents({"legal_name": "X"}) == 0


async def test_update_customer_changes_terms_and_scope(fresh: Api) -> None:
    ids = await setup(fresh)
    admin = ids["admin"]
    values = {
        "name": "EU CRM GmbH",
        "timeZone": "Europe/Berlin",
        "periodEnds": "END_OF_DAY",
        "objectionWindow": "P14D",
        "products": ["crm", "hr"],
        "hostingRegion": None,
    }
    payload = await fresh.gql(UPDATE_CUSTOMER, {"id": ids["eu_crm"], "input": values}, admin)
    customer = payload["updateCustomer"]["customer"]
    assert customer["name"] == "EU CRM GmbH"
    assert customer["timeZone"] == "Europe/Berlin"
    assert customer["periodEnds"] == "END_OF_DAY"
    assert customer["terms"] == {"noticePeriod": "P3M", "objectionWindow": "P14D"}
    assert [p["code"] for p in customer["products"]] == ["crm", "hr"]
    assert customer["hostingRegion"] is None
    bad = await fresh.gql(
        UPDATE_CUSTOMER, {"id": ids["eu_crm"], "input": {"timeZone": "Mars/Base"}}, admin
    )
    assert bad["updateCustomer"]["field"] == "timeZone"
    missing = await fresh.gql(
        UPDATE_CUSTOMER, {"id": "cus_000000000000000000000000", "input": {}}, admin
    )
    assert missing["updateCustomer"]["__typename"] == "NotFound"
    # It now moved to the unscoped group: a change to the US-only CRM vendor reaches it.
    change = await fresh.gql(
        ANNOUNCE, {"input": {"kind": "ADD", "subprocessorId": ids["sub"]}}, admin
    )
    got = await notified(fresh, admin, change["announceChange"]["change"]["id"])
    assert set(got) == {ids["us_crm"], ids["all"], ids["eu_crm"]}


async def test_a_scoped_change_is_for_its_customers_only(fresh: Api) -> None:
    ids = await setup(fresh)
    admin = ids["admin"]
    too_early = {"kind": "ADD", "subprocessorId": ids["sub"], "effectiveAt": iso(START + 10 * DAY)}
    violation = (await fresh.gql(ANNOUNCE, {"input": too_early}, admin))["announceChange"]
    assert violation["__typename"] == "NoticeWindowViolation"
    assert {c["id"] for c in violation["customers"]} == {ids["us_crm"], ids["all"]}
    # Its location, recorded while it is PROPOSED (a vendor in use announces a new one).
    located = await fresh.gql(
        """mutation($id: ID!) { addProcessingLocation(subprocessorId: $id, input: {country: "US"})
        { __typename } }""",
        {"id": ids["sub"]},
        admin,
    )
    assert located["addProcessingLocation"]["__typename"] == "ProcessingLocationAdded"
    # The EU HR customer's six months do not hold up a US-only CRM vendor: 30 days do.
    payload = await fresh.gql(
        ANNOUNCE, {"input": {"kind": "ADD", "subprocessorId": ids["sub"]}}, admin
    )
    change = payload["announceChange"]["change"]
    assert change["effectiveAt"] == iso(START + 30 * DAY)
    assert set(await notified(fresh, admin, change["id"])) == {ids["us_crm"], ids["all"]}
    # An unaffected customer cannot object to it (it has no notice and gets none).
    eu_key = await fresh.key(Role.CUSTOMER, ids["eu_crm"])
    objection = await fresh.post(
        """mutation($id: ID!) { fileObjection(input: {changeId: $id, reason: "no"}) {
        __typename ... on ValidationError { message } } }""",
        {"id": change["id"]},
        eu_key,
    )
    assert objection.json()["data"]["fileObjection"]["__typename"] == "ValidationError"

    fresh.clock.set(START + 31 * DAY)
    await fresh.scheduler.run_until_idle()
    assert await names(fresh, admin, ids["us_crm"]) == {"Mailer"}
    assert await names(fresh, admin, ids["all"]) == {"Mailer"}
    assert await names(fresh, admin, ids["eu_crm"]) == set()
    assert await names(fresh, admin, None) == {"Mailer"}  # the whole registry
    # A customer key sees its own scope by default, and never another customer's.
    assert await names(fresh, eu_key, None) == set()
    other = await fresh.post(LIST, {"customerId": ids["us_crm"]}, eu_key)
    assert other.json()["data"] is None
    assert other.json()["errors"]
    # Public filters.
    assert await names(fresh, None, None) == {"Mailer"}
    filtered = await fresh.gql(LIST, {"filter": {"products": ["hr"]}}, None)
    assert filtered["subprocessors"]["edges"] == []
    filtered = await fresh.gql(LIST, {"filter": {"products": ["crm"], "hostingRegion": "us"}}, None)
    assert len(filtered["subprocessors"]["edges"]) == 1
    # Transfer assessment follows the customer's scope and data origin.
    mine = (await fresh.gql(ASSESS, {"customerId": ids["us_crm"]}, admin))["transferAssessment"]
    assert [i["subprocessor"]["legalName"] for i in mine["items"]] == ["Mailer"]
    theirs = (await fresh.gql(ASSESS, {"customerId": ids["eu_hr"]}, admin))["transferAssessment"]
    assert theirs["items"] == []
    assert theirs["origin"] == "EEA"
    own = (await fresh.gql(ASSESS, {}, eu_key))["transferAssessment"]
    assert own["items"] == []  # a customer key's default is its own scope
    refused = await fresh.post(ASSESS, {"customerId": ids["us_crm"]}, eu_key)
    assert refused.json()["data"] is None
    assert refused.json()["errors"]


async def test_widening_is_announced_to_the_newly_affected_and_narrowing_is_at_once(
    fresh: Api,
) -> None:
    ids = await setup(fresh)
    admin = ids["admin"]
    add = await fresh.gql(ANNOUNCE, {"input": {"kind": "ADD", "subprocessorId": ids["sub"]}}, admin)
    await notified(fresh, admin, add["announceChange"]["change"]["id"])
    fresh.clock.set(START + 31 * DAY)
    await fresh.scheduler.run_until_idle()

    wider = {"products": ["crm"], "hostingRegions": ["eu", "us"]}
    direct = await fresh.gql(UPDATE_SUB, {"id": ids["sub"], "input": {"scope": wider}}, admin)
    refused = direct["updateSubprocessor"]
    assert refused["__typename"] == "ValidationError"
    assert "announceChange" in refused["message"]

    widening = {"kind": "UPDATE", "subprocessorId": ids["sub"], "scope": wider}
    payload = (await fresh.gql(ANNOUNCE, {"input": widening}, admin))["announceChange"]
    assert payload["__typename"] == "ChangeAnnounced", payload
    at = START + 31 * DAY
    # Only the EU CRM customer is newly exposed; its three months set the date.
    got = await notified(fresh, admin, payload["change"]["id"])
    assert set(got) == {ids["eu_crm"]}
    effective = datetime.fromisoformat(payload["change"]["effectiveAt"])
    assert effective == datetime(2026, 5, 5, 9, 0, tzinfo=UTC)
    assert effective > at
    assert await names(fresh, admin, ids["eu_crm"]) == set()
    assert await names(fresh, admin, ids["eu_crm"], effective) == {"Mailer"}
    assert await names(fresh, admin, ids["us_crm"], effective) == {"Mailer"}
    assert await names(fresh, admin, ids["eu_hr"], effective) == set()
    # A second scope change waits for the first.
    again = await fresh.gql(ANNOUNCE, {"input": {**widening, "scope": {}}}, admin)
    assert again["announceChange"]["__typename"] == "ValidationError"

    fresh.clock.set(effective + DAY)
    await fresh.scheduler.run_until_idle()
    assert await names(fresh, admin, ids["eu_crm"]) == {"Mailer"}

    # Narrowing back to the US applies at once and is recorded as a change.
    narrow = {"products": ["crm"], "hostingRegions": ["us"]}
    done = await fresh.gql(UPDATE_SUB, {"id": ids["sub"], "input": {"scope": narrow}}, admin)
    assert done["updateSubprocessor"]["subprocessor"]["scope"]["hostingRegions"] == [{"code": "us"}]
    assert await names(fresh, admin, ids["eu_crm"]) == set()
    history = (await fresh.gql(HISTORY, {"id": ids["sub"]}, admin))["subprocessor"]["changes"]
    assert [(c["kind"], c["status"]) for c in history] == [
        ("ADD", "EFFECTIVE"),
        ("UPDATE", "EFFECTIVE"),
        ("UPDATE", "EFFECTIVE"),
    ]
    assert "narrowed" in history[-1]["description"]


async def test_a_roster_stored_before_groups_is_rebuilt_at_start(fresh: Api) -> None:
    ids = await setup(fresh)
    db = fresh.deps.db
    # The layout before groups: one chunk of ids with parallel terms keys, no group field.
    docs = [d async for d in db["customers"].find({})]
    await db["customer_roster"].delete_many({})
    await db["customer_groups"].delete_many({})
    await db["customers"].update_many({}, {"$unset": {"group": ""}})
    await db["meta"].delete_many({})  # a database from before the flag
    await db["customer_roster"].insert_one(
        {"_id": "old", "n": len(docs), "ids": [d["_id"] for d in docs], "keys": ["k"] * len(docs)}
    )
    await ensure_indexes(db)
    await ensure_indexes(db)  # twice = once
    assert await db["customer_roster"].count_documents({"group": {"$exists": False}}) == 0
    assert await db["customers"].count_documents({"group": {"$exists": False}}) == 0
    payload = await fresh.gql(
        ANNOUNCE, {"input": {"kind": "ADD", "subprocessorId": ids["sub"]}}, ids["admin"]
    )
    change_id = payload["announceChange"]["change"]["id"]
    assert set(await notified(fresh, ids["admin"], change_id)) == {ids["us_crm"], ids["all"]}


async def test_proactlink_seed_declares_its_eea_region_and_loads_idempotently(
    fresh: Api,
) -> None:
    path = SEEDS / "proactlink.json"
    first = await load_seed_file(fresh.deps, path)
    db = fresh.deps.db
    snapshot = {
        name: [d async for d in db[name].find({}).sort("_id")]
        for name in ("hosting_regions", "customers", "customer_roster", "subprocessors")
    }
    second = await load_seed_file(fresh.deps, path)
    assert first.changed > 0
    assert second.changed == 0
    for name, docs in snapshot.items():
        assert [d async for d in db[name].find({}).sort("_id")] == docs
    admin = await fresh.key(Role.ADMIN)
    regions = {r["code"]: r for r in (await fresh.gql(CATALOGS, {}, admin))["hostingRegions"]}
    assert "CY" in regions["eea"]["countries"]
    assert "GB" not in regions["eea"]["countries"]
    by_name = {c["name"]: c.get("hosting_region") async for c in db["customers"].find({})}
    assert by_name["Thistle Apps Ltd"] == "other"
    assert by_name["Helios Webshop IKE"] == "eea"


async def test_a_scope_filter_narrows_a_customer_view_and_never_widens_it(fresh: Api) -> None:
    ids = await setup(fresh)
    admin = ids["admin"]
    everywhere = {"legalName": "Everywhere", "purpose": "Hosting"}
    sub = await fresh.gql(SUB, {"input": everywhere}, admin)
    for sub_id in (ids["sub"], sub["createSubprocessor"]["subprocessor"]["id"]):
        await fresh.gql(ANNOUNCE, {"input": {"kind": "ADD", "subprocessorId": sub_id}}, admin)
    await fresh.scheduler.run_until_idle()
    fresh.clock.set(START + 200 * DAY)
    await fresh.scheduler.run_until_idle()

    async def listed(customer: str | None, flt: dict[str, Any]) -> set[str]:
        data = await fresh.gql(LIST, {"customerId": customer, "filter": flt}, admin)
        return {e["node"]["legalName"] for e in data["subprocessors"]["edges"]}

    assert await listed(None, {"hostingRegion": "us"}) == {"Mailer", "Everywhere"}
    assert await listed(None, {"hostingRegion": "eu"}) == {"Everywhere"}
    assert await listed(ids["us_crm"], {}) == {"Mailer", "Everywhere"}
    assert await listed(ids["us_crm"], {"products": ["hr"]}) == {"Everywhere"}
    assert await listed(ids["eu_hr"], {"products": ["crm"], "hostingRegion": "us"}) == {
        "Everywhere"
    }


def _seed(path: Path, scope_products: list[str]) -> Path:
    path.write_text(
        json.dumps(
            {
                "format": 1,
                "source": {"document": "demo-scoped", "title": "Demo", "dated": "2025-01-01"},
                "products": [{"code": "crm", "name": "CRM"}, {"code": "hr", "name": "HR"}],
                "hosting_regions": [{"code": "eu", "name": "EU", "countries": ["DE"]}],
                "subprocessors": [
                    {
                        "key": "mailer",
                        "legal_name": "Mailer",
                        "purpose": "E-mail",
                        "scope": {"products": scope_products, "hosting_regions": ["eu"]},
                    }
                ],
                "customers": [
                    {"key": "acme", "name": "Acme", "products": ["hr"], "hosting_region": "eu"}
                ],
            }
        )
    )
    return path


async def test_a_seed_declares_products_regions_and_scopes(fresh: Api, tmp_path: Path) -> None:
    path = _seed(tmp_path / "scoped.json", ["crm"])
    first = await load_seed_file(fresh.deps, path)
    second = await load_seed_file(fresh.deps, path)
    assert first.changed > 0
    assert second.changed == 0
    admin = await fresh.key(Role.ADMIN)
    data = await fresh.gql(
        "{ subprocessors { edges { node { legalName scope { products { code } "
        "hostingRegions { code } } } } } customers { edges { node { name products { code } "
        "hostingRegion { code } } } } }",
        {},
        admin,
    )
    vendor = data["subprocessors"]["edges"][0]["node"]
    assert vendor["scope"] == {"products": [{"code": "crm"}], "hostingRegions": [{"code": "eu"}]}
    customer = data["customers"]["edges"][0]["node"]
    assert customer["products"] == [{"code": "hr"}]
    assert customer["hostingRegion"] == {"code": "eu"}
    # The seeded customer (HR in the EU) is not in the CRM vendor's scope.
    customer_id = (await fresh.gql("{ customers { edges { node { id } } } }", {}, admin))[
        "customers"
    ]["edges"][0]["node"]["id"]
    assert await names(fresh, admin, customer_id) == set()
    with pytest.raises(SeedError, match="nope"):
        await load_seed_file(fresh.deps, _seed(tmp_path / "bad.json", ["nope"]))


async def test_the_console_preview_counts_only_affected_customers(fresh: Api) -> None:
    ids = await setup(fresh)
    staff = Caller(role=Role.PROCUREMENT, key_id="k")
    preview = await change_preview.preview_change(
        fresh.deps, staff, ChangeAnnouncement(kind=ChangeKind.ADD, subprocessor_id=ids["sub"])
    )
    # us_crm and the unscoped customer share P30D terms: one group of two, 30 days.
    assert [(g.terms.notice_period, g.customer_count) for g in preview.groups] == [("P30D", 2)]
    assert set(preview.groups[0].sample) == {"us_crm", "all"}
    assert preview.earliest_allowed == START + 30 * DAY


async def test_a_proposed_vendor_widens_freely_until_its_add_is_announced(fresh: Api) -> None:
    ids = await setup(fresh)
    admin = ids["admin"]
    wider = {"scope": {"products": ["crm", "hr"], "hostingRegions": ["us"]}}
    free = await fresh.gql(UPDATE_SUB, {"id": ids["sub"], "input": wider}, admin)
    assert free["updateSubprocessor"]["__typename"] == "SubprocessorUpdated"
    await fresh.gql(ANNOUNCE, {"input": {"kind": "ADD", "subprocessorId": ids["sub"]}}, admin)
    widest = {"scope": {"products": [], "hostingRegions": []}}
    refused = await fresh.gql(UPDATE_SUB, {"id": ids["sub"], "input": widest}, admin)
    assert refused["updateSubprocessor"]["__typename"] == "ValidationError"
    assert "cancel the announced change" in refused["updateSubprocessor"]["message"]
    history = (await fresh.gql(HISTORY, {"id": ids["sub"]}, admin))["subprocessor"]["changes"]
    assert [c["kind"] for c in history] == ["ADD"]
