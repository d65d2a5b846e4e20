"""The proof of notice from the console: the change page links to it, it opens for the
signed-in person's session (no API key), and every row names its customer."""

from __future__ import annotations

import csv
import io
import json

from registry.domain.models import Role
from tests.conftest import Api
from tests.web.console_support import browser_like, sign_in
from tests.web.support import Seeded, add_vendor, announce


async def test_the_change_page_links_the_proof_of_notice_with_names(
    web: Api, seeded: Seeded
) -> None:
    sub_id = await add_vendor(
        web, seeded.admin, "Proof Mail AB", "E-mail", [("SE", "PROCESSING")], []
    )
    change_id = await announce(web, seeded.admin, sub_id)
    await web.scheduler.run_until_idle()
    path = f"/console/changes/{change_id}/notices.csv"

    async with browser_like(web) as anonymous:
        refused = await anonymous.get(path)
        assert refused.status_code == 303  # no session: to the sign-in page, nothing shown
        assert refused.headers["location"].startswith("/console/sign-in")

    async with browser_like(web) as client:
        await sign_in(client, await web.key(Role.PROCUREMENT, name="auditor"))
        page = await client.get(f"/console/changes/{change_id}")
        assert page.status_code == 200
        assert f'href="{path}"' in page.text
        answer = await client.get(path)
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(answer.text)))
        assert {r["customer_name"] for r in rows} == {"Acme", "Globex"}
        for row in rows:
            assert row["customer_id"].startswith("cus_")
            assert row["objection_contract_ends_at"] == ""
        lines = (await client.get(f"/console/changes/{change_id}/notices.json")).text.splitlines()
        assert {json.loads(line)["customer_name"] for line in lines} == {"Acme", "Globex"}
        assert (await client.get(f"/console/changes/{change_id}/notices.xml")).status_code == 404
