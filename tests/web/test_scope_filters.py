"""`?product=` and `?region=` on the public page, exports and feeds (DESIGN.md 8)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from pymongo import AsyncMongoClient

from registry.clock import FrozenClock
from registry.domain.models import Role
from registry.store.database import Document
from tests.conftest import START, Api, make_settings
from tests.web.support import running_web_api

SETUP = """mutation($p: CreateProductInput!, $r: CreateHostingRegionInput!) {
  createProduct(input: $p) { __typename } createHostingRegion(input: $r) { __typename } }"""
SUB = """mutation($input: CreateSubprocessorInput!) { createSubprocessor(input: $input) {
  ... on SubprocessorCreated { subprocessor { id } } } }"""
ANNOUNCE = """mutation($id: ID!) { announceChange(input: {kind: ADD, subprocessorId: $id}) {
  __typename } }"""


@pytest.fixture(scope="module")
async def scoped(mongo_uri: str, mongo_client: AsyncMongoClient[Document]) -> AsyncIterator[Api]:
    """CRM vendor in the US, HR vendor in the EU, one for everything; all in force."""
    name = f"t_scope_web_{uuid.uuid4().hex[:8]}"
    async with running_web_api(make_settings(mongo_uri, name), FrozenClock(START)) as api:
        admin = await api.key(Role.ADMIN)
        for code, region in [("crm", "us"), ("hr", "eu")]:
            values = {
                "p": {"code": code, "name": code.upper()},
                "r": {"code": region, "name": region.upper()},
            }
            await api.gql(SETUP, values, admin)
        for legal, scope in [
            ("CRM Mailer", {"products": ["crm"], "hostingRegions": ["us"]}),
            ("HR Payroll", {"products": ["hr"], "hostingRegions": ["eu"]}),
            ("Everywhere Cloud", None),
        ]:
            input_ = {"legalName": legal, "purpose": "Demo", "scope": scope}
            sub_id = (await api.gql(SUB, {"input": input_}, admin))["createSubprocessor"][
                "subprocessor"
            ]["id"]
            assert (await api.gql(ANNOUNCE, {"id": sub_id}, admin))["announceChange"][
                "__typename"
            ] == "ChangeAnnounced"
        await api.scheduler.run_until_idle()
        api.clock.advance(timedelta(days=1))
        await api.scheduler.run_until_idle()
        yield api
    await mongo_client.drop_database(name)


async def test_exports_show_the_matching_list(scoped: Api) -> None:
    body = (await scoped.http.get("/subprocessors.json?product=crm")).json()
    assert sorted(s["legal_name"] for s in body["subprocessors"]) == [
        "CRM Mailer",
        "Everywhere Cloud",
    ]
    body = (await scoped.http.get("/subprocessors.json?region=eu")).json()
    assert sorted(s["legal_name"] for s in body["subprocessors"]) == [
        "Everywhere Cloud",
        "HR Payroll",
    ]
    body = (await scoped.http.get("/subprocessors.json?product=crm&region=eu")).json()
    assert [s["legal_name"] for s in body["subprocessors"]] == ["Everywhere Cloud"]
    csv = (await scoped.http.get("/subprocessors.csv?product=hr")).text
    assert "HR Payroll" in csv
    assert "CRM Mailer" not in csv
    unknown = await scoped.http.get("/subprocessors.json?product=nope")
    assert unknown.status_code == 400
    assert "nope" in unknown.json()["error"]


async def test_page_offers_the_filters_and_applies_them(scoped: Api) -> None:
    page = (await scoped.http.get("/subprocessors")).text
    assert '<select id="product" name="product">' in page
    assert '<option value="eu"' in page
    for name in ("CRM Mailer", "HR Payroll", "Everywhere Cloud"):
        assert name in page
    filtered = (await scoped.http.get("/subprocessors?product=hr&region=eu")).text
    assert "HR Payroll" in filtered
    assert "CRM Mailer" not in filtered
    assert '<option value="hr" selected>' in filtered
    assert (await scoped.http.get("/subprocessors?region=mars")).status_code == 400


async def test_feeds_show_the_matching_changes(scoped: Api) -> None:
    atom = (await scoped.http.get("/changes.atom?region=us")).text
    assert "CRM Mailer" in atom
    assert "Everywhere Cloud" in atom
    assert "HR Payroll" not in atom
    ics = (await scoped.http.get("/changes.ics?product=hr")).text
    assert "HR Payroll" in ics
    assert "CRM Mailer" not in ics
    everything = (await scoped.http.get("/changes.atom")).text
    assert all(name in everything for name in ("CRM Mailer", "HR Payroll", "Everywhere Cloud"))


async def test_a_customer_calendar_follows_its_scope(scoped: Api) -> None:
    admin = await scoped.key(Role.ADMIN)
    created = await scoped.gql(
        """mutation { createCustomer(input: {name: "EU HR", products: ["hr"], hostingRegion: "eu"})
        { ... on CustomerCreated { customer { id } } } }""",
        {},
        admin,
    )
    key = await scoped.key(Role.CUSTOMER, created["createCustomer"]["customer"]["id"])
    ics = (await scoped.http.get("/changes.ics", headers={"authorization": f"Bearer {key}"})).text
    assert "HR Payroll" in ics
    assert "Everywhere Cloud" in ics
    assert "CRM Mailer" not in ics
