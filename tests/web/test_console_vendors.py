"""Console vendor forms over HTTP: each result checked through the GraphQL API."""

from __future__ import annotations

import re

from registry.domain.models import Role
from registry.services.access import hash_key
from registry.store import api_keys, audit_log, subprocessors
from tests.conftest import Api
from tests.web.console_support import browser_like, sign_in, submit
from tests.web.support import Seeded

DETAIL = """
query($id: ID!) {
  subprocessor(id: $id) {
    legalName purpose dataCategories website status
    locations { country region role }
    transferBases { mechanism destination validFrom }
    transfers { country status mechanism }
  }
}"""


async def test_create_a_vendor_add_a_us_location_and_a_dpf_basis(web: Api, seeded: Seeded) -> None:
    key = await web.key(Role.PROCUREMENT, name="buyer")
    async with browser_like(web) as client:
        await sign_in(client, key)
        count = await web.deps.db[subprocessors.NAME].count_documents({})
        refused = await submit(
            client,
            "/console/subprocessors/new",
            {"legalName": "  ", "purpose": "Product analytics", "website": "notaurl"},
        )
        assert refused.status_code == 400
        # The message sits beside its field, and what was typed is kept.
        assert 'id="e-legalName"' in refused.text
        assert 'value="notaurl"' in refused.text
        assert "Product analytics" in refused.text
        assert await web.deps.db[subprocessors.NAME].count_documents({}) == count

        created = await submit(
            client,
            "/console/subprocessors/new",
            {
                "legalName": "Amplitude, Inc.",
                "purpose": "Product analytics",
                "dataCategories": "Usage data, Device identifiers",
                "website": "https://amplitude.com",
            },
        )
        assert created.status_code == 303
        found = re.fullmatch(
            r"/console/subprocessors/([^/?]+)\?done=created", created.headers["location"]
        )
        assert found
        sub_id = found.group(1)
        data = (await web.gql(DETAIL, {"id": sub_id}, seeded.admin))["subprocessor"]
        assert data["legalName"] == "Amplitude, Inc."
        # Both attempts are in the audit log with the key's id; the refusal names its error.
        stored_key = await api_keys.find_by_hash(web.deps.db, hash_key(key))
        assert stored_key is not None
        entries = [
            (e["result"], e["target"])
            async for e in web.deps.db[audit_log.NAME].find(
                {"action": "console.createSubprocessor", "key_id": stored_key["_id"]}
            )
        ]
        assert entries == [("ValidationError", None), ("ok", sub_id)]
        assert data["dataCategories"] == ["Usage data", "Device identifiers"]
        assert data["status"] == "PROPOSED"

        bad_country = await submit(
            client,
            f"/console/subprocessors/{sub_id}/locations/new",
            {"country": "XX", "region": "us-east-1", "role": "STORAGE"},
        )
        assert bad_country.status_code == 400
        assert 'id="e-country"' in bad_country.text
        assert 'value="us-east-1"' in bad_country.text
        added = await submit(
            client,
            f"/console/subprocessors/{sub_id}/locations/new",
            {"country": "us", "region": "us-east-1", "role": "STORAGE"},
        )
        assert added.status_code == 303
        page = await client.get(added.headers["location"])
        assert "Missing" in page.text  # no basis yet for a transfer to the US

        late = await submit(
            client,
            f"/console/subprocessors/{sub_id}/transfer-bases/new",
            {
                "mechanism": "EU_US_DPF",
                "destination": "US",
                "origin": "EEA",
                "validFrom": "2024-02-01",
                "validUntil": "2023-01-01",
            },
        )
        assert late.status_code == 400
        assert 'id="e-validUntil"' in late.text
        basis = await submit(
            client,
            f"/console/subprocessors/{sub_id}/transfer-bases/new",
            {
                "mechanism": "EU_US_DPF",
                "destination": "US",
                "origin": "EEA",
                "validFrom": "2024-02-01",
            },
        )
        assert basis.status_code == 303
        page = await client.get(basis.headers["location"])
        verdicts = page.text.split('id="transfers"')[1].split("</table>")[0]
        assert "Valid" in verdicts
        assert "EU–US Data Privacy Framework" in verdicts

        data = (await web.gql(DETAIL, {"id": sub_id}, seeded.admin))["subprocessor"]
        assert data["locations"] == [{"country": "US", "region": "us-east-1", "role": "STORAGE"}]
        assert data["transferBases"][0]["mechanism"] == "EU_US_DPF"
        assert data["transfers"][0]["status"] == "VALID"

        edited = await submit(
            client,
            f"/console/subprocessors/{sub_id}/edit",
            {
                "legalName": "Amplitude Inc.",
                "purpose": "Product analytics and experiments",
                "dataCategories": "Usage data",
                "website": "https://amplitude.com",  # as the form shows it
            },
        )
        assert edited.status_code == 303
        data = (await web.gql(DETAIL, {"id": sub_id}, seeded.admin))["subprocessor"]
        assert data["legalName"] == "Amplitude Inc."
        assert data["website"] == "https://amplitude.com"
        # A field emptied in the form is cleared; a required one cannot be.
        cleared = await submit(
            client,
            f"/console/subprocessors/{sub_id}/edit",
            {"legalName": "Amplitude Inc.", "purpose": "Product analytics", "website": ""},
        )
        assert cleared.status_code == 303
        data = (await web.gql(DETAIL, {"id": sub_id}, seeded.admin))["subprocessor"]
        assert (data["website"], data["dataCategories"]) == (None, [])
        kept = await submit(
            client, f"/console/subprocessors/{sub_id}/edit", {"legalName": "", "purpose": "x"}
        )
        assert kept.status_code == 400
        assert "legalName cannot be cleared" in kept.text

        dpa = await submit(
            client,
            f"/console/subprocessors/{sub_id}/dpas/new",
            {"version": "2024-01", "signedOn": "2024-01-15", "sccModules": "2, 3"},
        )
        assert dpa.status_code == 303
        assert "2, 3" in (await client.get(dpa.headers["location"])).text

        listing = await client.get("/console/subprocessors", params={"search": "amplitude"})
        assert listing.status_code == 200
        assert "1 subprocessor<" in listing.text
        assert "Amplitude Inc." in listing.text


async def test_a_form_without_its_token_writes_nothing(web: Api, seeded: Seeded) -> None:
    key = await web.key(Role.ADMIN, name="forger")
    async with browser_like(web) as client:
        await sign_in(client, key)
        count = await web.deps.db[subprocessors.NAME].count_documents({})
        forged = await client.post(
            "/console/subprocessors/new", data={"legalName": "Forged Ltd", "purpose": "x"}
        )
        assert forged.status_code == 403
        wrong = await client.post(
            "/console/subprocessors/new",
            data={"legalName": "Forged Ltd", "purpose": "x", "csrf_token": "0" * 64},
        )
        assert wrong.status_code == 403
        assert await web.deps.db[subprocessors.NAME].count_documents({}) == count


async def test_a_forged_session_cookie_writes_nothing(web: Api, seeded: Seeded) -> None:
    async with browser_like(web) as client:
        client.cookies.set("registry_console", "guessed", path="/console")
        count = await web.deps.db[subprocessors.NAME].count_documents({})
        response = await client.post(
            "/console/subprocessors/new",
            data={"legalName": "Forged Ltd", "purpose": "x", "csrf_token": "x"},
        )
        assert response.status_code == 401
        assert await web.deps.db[subprocessors.NAME].count_documents({}) == count


async def test_an_unknown_vendor_is_a_404_page(web: Api, seeded: Seeded) -> None:
    key = await web.key(Role.ADMIN, name="reader")
    async with browser_like(web) as client:
        await sign_in(client, key)
        response = await client.get("/console/subprocessors/sub_000000000000000000000000")
        assert response.status_code == 404
        assert "no subprocessor" in response.text


async def test_a_write_elsewhere_shows_at_once_despite_the_page_cache(
    web: Api, seeded: Seeded
) -> None:
    key = await web.key(Role.PROCUREMENT, name="watcher")
    async with browser_like(web) as client:
        await sign_in(client, key)
        first = await client.get("/console/subprocessors")
        assert "Segment.io, Inc." not in first.text
        again = await client.get("/console/subprocessors")
        assert again.text == first.text  # nothing changed: the same page
        await web.gql(
            """mutation { createSubprocessor(input: {legalName: "Segment.io, Inc.",
               purpose: "Customer data platform"}) { __typename } }""",
            key=seeded.admin,
        )
        after = await client.get("/console/subprocessors")
        assert "Segment.io, Inc." in after.text


async def test_a_vendor_scoped_to_a_product_and_region(web: Api, seeded: Seeded) -> None:
    for mutation, code, name in [
        ("createProduct", "crm", "CRM"),
        ("createProduct", "helpdesk", "Helpdesk"),
        ("createHostingRegion", "eu", "European Union"),
    ]:
        kind = "Product" if mutation == "createProduct" else "HostingRegion"
        await web.gql(
            f"mutation($i: Create{kind}Input!) {{ {mutation}(input: $i) {{ __typename }} }}",
            {"i": {"code": code, "name": name}},
            seeded.admin,
        )
    key = await web.key(Role.PROCUREMENT, name="scoper")
    async with browser_like(web) as client:
        await sign_in(client, key)
        form = await client.get("/console/subprocessors/new")
        assert 'value="helpdesk"' in form.text
        assert "European Union (eu)" in form.text
        refused = await submit(
            client,
            "/console/subprocessors/new",
            {
                "legalName": "Freshdesk Ltd",
                "purpose": "Helpdesk",
                "scopeProducts": ["helpdesk", "nope"],
            },
        )
        assert refused.status_code == 400
        assert 'id="e-scopeProducts"' in refused.text
        assert 'value="helpdesk" checked' in refused.text
        created = await submit(
            client,
            "/console/subprocessors/new",
            {
                "legalName": "Freshdesk Ltd",
                "purpose": "Helpdesk",
                "scopeProducts": ["helpdesk"],
                "scopeRegions": ["eu"],
            },
        )
        assert created.status_code == 303
        sub_id = created.headers["location"].split("/")[-1].split("?")[0]
        scope = """query($id: ID!) { subprocessor(id: $id) {
            scope { products { code } hostingRegions { code } } } }"""
        data = (await web.gql(scope, {"id": sub_id}, seeded.admin))["subprocessor"]["scope"]
        assert data == {"products": [{"code": "helpdesk"}], "hostingRegions": [{"code": "eu"}]}
        page = await client.get(created.headers["location"])
        assert "<dt>Products</dt><dd>helpdesk</dd>" in page.text
        edit = await client.get(f"/console/subprocessors/{sub_id}/edit")
        assert 'value="helpdesk" checked' in edit.text
