"""Notes in the console: a location's note on the vendor page, a customer's note on its
page, both set through the console's forms and read back through the GraphQL API."""

from __future__ import annotations

import dataclasses
from typing import Any

from markupsafe import escape

from registry.domain.models import Role
from registry.services.access import hash_key
from registry.store import api_keys, audit_log, customers, meta, processing_locations
from tests.conftest import Api
from tests.web.console_support import browser_like, sign_in, submit
from tests.web.support import Seeded

LOCATIONS = """
query($id: ID!) { subprocessor(id: $id) { locations { country region note } } }"""
CUSTOMER = """query($id: ID!) { customer(id: $id) { note } }"""
TOO_LONG = "Inferred from the vendor status page. " * 60  # 2,280 characters


async def _audited(web: Api, key: str, action: str) -> list[tuple[str, str | None]]:
    stored = await api_keys.find_by_hash(web.deps.db, hash_key(key))
    assert stored is not None
    return [
        (e["result"], e["target"])
        async for e in web.deps.db[audit_log.NAME].find(
            {"action": f"console.{action}", "key_id": stored["_id"]}
        )
    ]


async def _customer_note(web: Api, seeded: Seeded, customer_id: str) -> Any:
    return (await web.gql(CUSTOMER, {"id": customer_id}, seeded.admin))["customer"]["note"]


async def test_a_location_added_with_a_note_shows_it_beside_the_location(
    web: Api, seeded: Seeded
) -> None:
    vendor = seeded.vendors["Mailgun"]
    key = await web.key(Role.PROCUREMENT, name="note taker")
    async with browser_like(web) as client:
        await sign_in(client, key)
        # The page is seen first: its facts digest and the page itself are current, kept.
        before = await client.get(f"/console/subprocessors/{vendor}")
        assert "Frankfurt office" not in before.text
        count = await web.deps.db[processing_locations.NAME].count_documents({})

        refused = await submit(
            client,
            f"/console/subprocessors/{vendor}/locations/new",
            {"country": "DE", "region": "eu-central-1", "role": "PROCESSING", "note": TOO_LONG},
        )
        assert refused.status_code == 400
        beside = refused.text.split('id="f-note"')[1].split("</div>")[0]
        assert 'id="e-note"' in beside
        assert "longer than 2000 characters" in beside
        assert TOO_LONG.strip() in beside  # what was typed is kept
        assert 'value="eu-central-1"' in refused.text
        assert await web.deps.db[processing_locations.NAME].count_documents({}) == count

        note = "Frankfurt office: support staff read tickets here.\nSince 2024."
        added = await submit(
            client,
            f"/console/subprocessors/{vendor}/locations/new",
            {"country": "DE", "region": "eu-central-1", "role": "PROCESSING", "note": note},
        )
        assert added.status_code == 303
        page = await client.get(added.headers["location"])
        row = next(
            r for r in page.text.split('id="transfers"')[1].split("<tr>") if "eu-central-1" in r
        )
        assert '<td class="note">' + note + "</td>" in row

    locations = (await web.gql(LOCATIONS, {"id": vendor}, seeded.admin))["subprocessor"]
    assert {"country": "DE", "region": "eu-central-1", "note": note} in locations["locations"]
    assert await _audited(web, key, "addProcessingLocation") == [
        ("ValidationError", vendor),
        ("ok", vendor),
    ]


async def test_staff_set_change_and_remove_a_customers_note(web: Api, seeded: Seeded) -> None:
    customer_id = seeded.customers["Globex"]
    path = f"/console/customers/{customer_id}"
    key = await web.key(Role.ADMIN, name="account manager")
    async with browser_like(web) as client:
        await sign_in(client, key)
        first = await client.get(path)
        assert "No note." in first.text
        assert 'id="f-note"' in first.text

        note = "Terms from the 2023 MSA, clause 9; the DPO wants calls, not e-mail."
        saved = await submit(client, f"{path}/note", {"note": f"  {note}  "}, form_path=path)
        assert saved.status_code == 303
        assert saved.headers["location"] == f"{path}?done=note"
        page = await client.get(saved.headers["location"])
        assert "Note saved." in page.text
        assert f'<p class="note" id="customer-note">{escape(note)}</p>' in page.text
        assert await _customer_note(web, seeded, customer_id) == note

        stored = await web.deps.db[customers.NAME].find_one({"_id": customer_id})
        refused = await submit(client, f"{path}/note", {"note": TOO_LONG}, form_path=path)
        assert refused.status_code == 400
        beside = refused.text.split('id="f-note"')[1].split("</div>")[0]
        assert 'id="e-note"' in beside
        assert "longer than 2000 characters" in beside
        assert TOO_LONG.strip() in beside
        assert await web.deps.db[customers.NAME].find_one({"_id": customer_id}) == stored
        assert await _customer_note(web, seeded, customer_id) == note

        removed = await submit(client, f"{path}/note", {"note": "   "}, form_path=path)
        assert removed.status_code == 303
        assert "No note." in (await client.get(removed.headers["location"])).text
        assert await _customer_note(web, seeded, customer_id) is None

        unknown = await submit(
            client,
            "/console/customers/cus_000000000000000000000000/note",
            {"note": "x"},
            form_path=path,
        )
        assert unknown.status_code == 404
    assert await _audited(web, key, "updateCustomer") == [
        ("ok", customer_id),
        ("ValidationError", customer_id),
        ("ok", customer_id),
        ("NotFound", "cus_000000000000000000000000"),
    ]


async def test_a_procurement_key_sees_the_note_but_may_not_change_it(
    web: Api, seeded: Seeded
) -> None:
    customer_id = seeded.customers["Acme"]
    path = f"/console/customers/{customer_id}"
    note = "Acme's terms were agreed by phone; see the CRM."
    set_note = """mutation($id: ID!, $note: String) {
        updateCustomer(id: $id, input: {note: $note}) { __typename } }"""
    await web.gql(set_note, {"id": customer_id, "note": note}, seeded.admin)
    key = await web.key(Role.PROCUREMENT, name="buyer")
    async with browser_like(web) as client:
        await sign_in(client, key)
        page = await client.get(path)
        assert f'<p class="note" id="customer-note">{escape(note)}</p>' in page.text
        # The policy lets only an ADMIN change it, so the page offers no form to fill.
        assert "Save note" not in page.text
        assert 'id="note-readonly"' in page.text
        # A hand-made post is still refused by the service, and the page says so.
        refused = await submit(client, f"{path}/note", {"note": "Changed"}, form_path=path)
        assert refused.status_code == 403
        assert 'role="alert"' in refused.text
        assert "Save note" not in refused.text
    assert await _customer_note(web, seeded, customer_id) == note
    assert await _audited(web, key, "updateCustomer") == [("PermissionDenied", customer_id)]


async def test_a_note_the_seeds_bring_to_a_stored_location_shows_on_the_vendor_page(
    web: Api, seeded: Seeded
) -> None:
    vendor = seeded.vendors["Mailgun"]
    key = await web.key(Role.PROCUREMENT, name="seed reader")
    located = (await processing_locations.by_subprocessors(web.deps.db, [vendor]))[vendor]
    stored = next(loc for loc in located if loc.note is None)
    async with browser_like(web) as client:
        await sign_in(client, key)
        # Seen first, so its facts digest is current before the seeds add the note.
        assert (
            "Region outage runbook"
            not in (await client.get(f"/console/subprocessors/{vendor}")).text
        )

        # As stored before notes existed: no `note` key at all.
        await web.deps.db[processing_locations.NAME].update_one(
            {"_id": stored.id}, {"$unset": {"note": ""}}
        )
        note = "Region outage runbook: traffic fails over here."
        assert await processing_locations.add_missing_note(
            web.deps.db, dataclasses.replace(stored, note=note)
        )
        await meta.bump(web.deps.db)  # as a seed run does once it has written

        page = await client.get(f"/console/subprocessors/{vendor}")
        assert f'<td class="note">{note}</td>' in page.text
