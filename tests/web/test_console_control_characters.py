"""Console forms refuse line breaks and control characters in one-line fields, beside
the field, with what was typed kept and nothing written; notes keep their lines."""

from __future__ import annotations

import re

from registry.domain.models import Role
from registry.store import processing_locations, subprocessors
from tests.conftest import Api
from tests.web.console_support import browser_like, sign_in, submit
from tests.web.support import Seeded


def beside(html: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="e-{field}">([^<]*)</p>', html)
    assert found, f"no message beside {field}"
    return found.group(1)


async def test_a_vendor_name_with_a_line_break_is_refused_beside_the_field(
    web: Api, seeded: Seeded
) -> None:
    key = await web.key(Role.PROCUREMENT, name="buyer")
    async with browser_like(web) as client:
        await sign_in(client, key)
        count = await web.deps.db[subprocessors.NAME].count_documents({})
        refused = await submit(
            client,
            "/console/subprocessors/new",
            {"legalName": "Evil Corp\r\nBcc: all@acme.test", "purpose": "Product analytics"},
        )
        assert refused.status_code == 400
        assert beside(refused.text, "legalName") == (
            "legalName must be one line: it contains a carriage return (U+000D)"
        )
        assert "Product analytics" in refused.text
        assert await web.deps.db[subprocessors.NAME].count_documents({}) == count


async def test_a_region_with_a_control_character_is_refused_and_a_note_keeps_its_lines(
    web: Api, seeded: Seeded
) -> None:
    key = await web.key(Role.PROCUREMENT, name="buyer")
    vendor = next(iter(seeded.vendors.values()))
    path = f"/console/subprocessors/{vendor}/locations/new"
    async with browser_like(web) as client:
        await sign_in(client, key)
        count = await web.deps.db[processing_locations.NAME].count_documents({})
        refused = await submit(
            client, path, {"country": "DE", "region": "eu-central-1\x1b[0m", "role": "PROCESSING"}
        )
        assert refused.status_code == 400
        assert "region may not contain" in beside(refused.text, "region")
        assert await web.deps.db[processing_locations.NAME].count_documents({}) == count

        added = await submit(
            client,
            path,
            {"country": "DE", "role": "PROCESSING", "note": "Frankfurt office.\r\nSince 2024."},
        )
        assert added.status_code == 303
        stored = await web.deps.db[processing_locations.NAME].find_one(
            {"subprocessor_id": vendor, "note": {"$ne": None}}, sort=[("_id", -1)]
        )
        assert stored is not None
        assert stored["note"] == "Frankfurt office.\nSince 2024."
