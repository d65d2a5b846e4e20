"""Announcing through the console: the preview's dates, a too-early date refused, the notices."""

from __future__ import annotations

import re
from datetime import timedelta

from registry.domain.models import Role
from registry.store import changes
from tests.conftest import Api
from tests.web.console_support import browser_like, sign_in, submit, token_of
from tests.web.support import Seeded, add_vendor

CHANGE = """
query($id: ID!) { change(id: $id) { kind status effectiveAt subprocessor { legalName } } }"""


async def test_preview_then_announce_an_add(web: Api, seeded: Seeded) -> None:
    sub_id = await add_vendor(
        web, seeded.admin, "Plausible Insights OÜ", "Web analytics", [("EE", "PROCESSING")], []
    )
    key = await web.key(Role.PROCUREMENT, name="announcer")
    now = web.clock.now()
    async with browser_like(web) as client:
        await sign_in(client, key)
        form = await client.get("/console/announce", params={"subprocessor": sub_id})
        assert form.status_code == 200
        assert f'<option value="{sub_id}" selected>' in form.text
        values = {
            "kind": "ADD",
            "subprocessorId": sub_id,
            "replacesId": "",
            "effectiveAt": "",
            "description": "Privacy-friendly analytics",
            "emergencyReason": "",
            "idempotencyKey": re.search(r'name="idempotencyKey" value="([^"]+)"', form.text).group(
                1
            ),  # type: ignore[union-attr]
        }
        token = token_of(form.text)
        preview = await client.post(
            "/console/announce", data={**values, "csrf_token": token, "intent": "preview"}
        )
        assert preview.status_code == 200
        table = preview.text.split('id="affected"')[1].split("</table>")[0]
        # Acme: 30 days' notice, 14 days to object; Globex: one month, objects until it starts.
        acme_earliest = now + timedelta(days=30)
        assert f"{acme_earliest:%-d %B %Y, %H:%M} UTC" in table
        assert f"{now + timedelta(days=14):%-d %B %Y, %H:%M} UTC" in table
        assert "Acme" in table
        assert "Globex" in table
        assert "Too early" not in table
        assert "Announce change" in preview.text

        early = (now + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
        too_early = await client.post(
            "/console/announce",
            data={**values, "effectiveAt": early, "csrf_token": token, "intent": "preview"},
        )
        assert too_early.status_code == 200
        assert 'id="too-early"' in too_early.text
        assert too_early.text.count("Too early</span>") == 2
        assert ">Announce change<" not in too_early.text
        before = await web.deps.db[changes.NAME].count_documents({})
        refused = await client.post(
            "/console/announce",
            data={**values, "effectiveAt": early, "csrf_token": token, "intent": "announce"},
        )
        assert refused.status_code == 400
        assert 'id="e-effectiveAt"' in refused.text
        assert f'value="{early}"' in refused.text
        assert await web.deps.db[changes.NAME].count_documents({}) == before

        announced = await client.post(
            "/console/announce", data={**values, "csrf_token": token, "intent": "announce"}
        )
        assert announced.status_code == 303
        change_id = announced.headers["location"].split("/")[-1].split("?")[0]
        again = await client.post(
            "/console/announce", data={**values, "csrf_token": token, "intent": "announce"}
        )
        assert again.headers["location"] == announced.headers["location"]  # announced once
        data = (await web.gql(CHANGE, {"id": change_id}, seeded.admin))["change"]
        assert data["kind"] == "ADD"
        assert data["status"] == "ANNOUNCED"
        assert data["subprocessor"]["legalName"] == "Plausible Insights OÜ"

        await web.scheduler.run_until_idle()
        page = await client.get(announced.headers["location"])
        assert re.search(r'id="notice-count">2<', page.text)
        overview = await client.get("/console")
        assert "Plausible Insights OÜ" in overview.text


async def test_a_wrong_kind_for_the_vendor_is_shown_beside_the_vendor(
    web: Api, seeded: Seeded
) -> None:
    key = await web.key(Role.ADMIN, name="remover")
    async with browser_like(web) as client:
        await sign_in(client, key)
        response = await submit(
            client,
            "/console/announce",
            {
                "kind": "ADD",
                "subprocessorId": seeded.vendors["Hetzner Online GmbH"],
                "intent": "preview",
            },
        )
        assert response.status_code == 400
        assert 'id="e-subprocessorId"' in response.text
        assert "needs a PROPOSED subprocessor" in response.text
