"""Announcing a new country for a vendor in use from the console's form: the change
carries the location and says it in words; a country the vendor has is refused beside
the country picker, and nothing is announced."""

from __future__ import annotations

from registry.domain.models import Role
from registry.store import changes
from tests.conftest import Api
from tests.web.console_support import browser_like, sign_in, submit
from tests.web.support import Seeded


async def test_a_new_country_is_announced_from_the_form(web: Api, seeded: Seeded) -> None:
    key = await web.key(Role.PROCUREMENT, name="procurement lead")
    vendor = seeded.vendors["Hetzner Online GmbH"]
    form = {"kind": "UPDATE", "subprocessorId": vendor, "newRole": "STORAGE"}
    async with browser_like(web) as client:
        await sign_in(client, key)
        page = await client.get("/console/announce")
        before = await web.deps.db[changes.NAME].count_documents({"subprocessor_id": vendor})
        refused = await submit(
            client, "/console/announce", {**form, "newCountry": "DE", "intent": "announce"}
        )
        after_refusal = await web.deps.db[changes.NAME].count_documents({"subprocessor_id": vendor})
        announced = await submit(
            client,
            "/console/announce",
            {**form, "newCountry": "FI", "intent": "announce", "idempotencyKey": "fi-1"},
        )

    assert 'name="newCountry"' in page.text
    assert refused.status_code == 400
    assert 'id="e-newCountry"' in refused.text
    assert "already processes data in Germany" in refused.text
    assert after_refusal == before
    assert announced.status_code == 303
    change = await changes.by_idempotency_key(web.deps.db, "fi-1")
    assert change is not None
    assert [(x.country, x.role.value) for x in change.locations_added] == [("FI", "STORAGE")]
    assert change.description == "Hetzner Online GmbH adds processing in Finland (storage)."
