"""The console's precomputed documents stay true: after each write (made through the
GraphQL API, not the console) and when the day turns, a page shows what the API says."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta

import httpx
import pytest

from registry.domain.models import Role
from registry.services import console_vendors
from registry.services.console_digests import refresh_console_digests
from registry.services.console_vendors import VendorLine
from registry.store import digests
from registry.web.console import customers as customer_pages
from registry.web.console import vendors
from tests.conftest import Api
from tests.web.console_support import browser_like, sign_in
from tests.web.support import BASIS, CUSTOMER, LOCATION, SUB, Seeded

TRANSFERS = """
query($id: ID!) { subprocessor(id: $id) { transfers(origin: EEA) { country status } } }"""
UPDATE = """
mutation($id: ID!, $input: UpdateSubprocessorInput!) {
  updateSubprocessor(id: $id, input: $input) { __typename }
}"""
ROW = re.compile(r"<tr>\s*<(?:td|th)[^>]*><a href=\"/console/subprocessors/([^\"]+)\">([^<]+)</a>")


def transfer_rows(html: str) -> dict[tuple[str, str], str]:
    """(vendor id, country code) -> status label, from the overview's transfers table."""
    section = html.split('id="transfers"', 1)[1].split("</section>", 1)[0]
    found = re.findall(
        r'href="/console/subprocessors/([^"]+)">[^<]*</a></td>\s*<td>[^<]*\((\w\w)\)</td>\s*'
        r'<td><span class="status [a-z_]+">([^<]+)</span>',
        section,
    )
    return {(sub_id, country): status for sub_id, country, status in found}


async def api_status(web: Api, key: str, sub_id: str, country: str) -> str:
    data = await web.gql(TRANSFERS, {"id": sub_id}, key)
    statuses = {t["country"]: t["status"] for t in data["subprocessor"]["transfers"]}
    return str(statuses[country])


LABEL = {"MISSING": "Missing", "INVALID": "Invalid", "EXPIRING": "Expiring"}


async def test_overview_transfers_follow_writes_and_the_day(web: Api, seeded: Seeded) -> None:
    zendesk = seeded.vendors["Zendesk, Inc."]
    async with browser_like(web) as client:
        await sign_in(client, await web.key(Role.ADMIN, name="digest-admin"))
        before = transfer_rows((await client.get("/console")).text)
        assert await api_status(web, seeded.admin, zendesk, "US") == "MISSING"
        assert LABEL["MISSING"] in before[(zendesk, "US")]

        # A basis ending within the warning window: EXPIRING on the page as in the API.
        today = web.clock.now().date()
        ends = today + timedelta(days=20)
        basis = {
            "mechanism": "SCC_2021",
            "destination": "US",
            "sccModule": 2,
            "validFrom": (today - timedelta(days=300)).isoformat(),
            "validUntil": ends.isoformat(),
        }
        recorded = await web.gql(BASIS, {"id": zendesk, "input": basis}, seeded.admin)
        assert recorded["recordTransferBasis"]["__typename"] != "ValidationError"
        assert await api_status(web, seeded.admin, zendesk, "US") == "EXPIRING"
        assert transfer_rows((await client.get("/console")).text)[(zendesk, "US")] == "Expiring"

        # Nothing is written when the basis ends: the day turning alone changes the verdict.
        web.clock.advance(timedelta(days=21))
        after = await api_status(web, seeded.admin, zendesk, "US")
        assert after in LABEL
        assert after != "EXPIRING"
        await sign_in(client, await web.key(Role.ADMIN, name="digest-admin-later"))  # idle
        rows = transfer_rows((await client.get("/console")).text)
        assert rows[(zendesk, "US")] == LABEL[after]
        web.clock.advance(-timedelta(days=21))


async def _names(client: httpx.AsyncClient, path: str) -> list[str]:
    html = (await client.get(path)).text
    table = html.split('id="vendors"', 1)[1].split("</table>", 1)[0]
    return [name for _, name in ROW.findall(table)]


async def test_vendor_list_and_page_follow_writes(
    web: Api, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with browser_like(web) as client:
        await sign_in(client, await web.key(Role.PROCUREMENT, name="digest-buyer"))
        assert await _names(client, "/console/subprocessors?search=quokka") == []

        made = await web.gql(
            SUB, {"input": {"legalName": "Quokka Metrics Pty", "purpose": "Metrics"}}, seeded.admin
        )
        sub_id = made["createSubprocessor"]["subprocessor"]["id"]
        assert await _names(client, "/console/subprocessors?search=quokka") == [
            "Quokka Metrics Pty"
        ]
        assert "Quokka" not in " ".join(await _names(client, "/console/subprocessors?country=JP"))

        await web.gql(
            LOCATION, {"id": sub_id, "input": {"country": "JP", "role": "STORAGE"}}, seeded.admin
        )
        assert await _names(client, "/console/subprocessors?country=JP") == ["Quokka Metrics Pty"]
        page = (await client.get(f"/console/subprocessors/{sub_id}")).text
        assert "Japan" in page

        renamed = await web.gql(
            UPDATE, {"id": sub_id, "input": {"legalName": "Wombat Metrics Pty"}}, seeded.admin
        )
        assert renamed["updateSubprocessor"]["__typename"] != "ValidationError"
        assert await _names(client, "/console/subprocessors?search=quokka") == []
        assert await _names(client, "/console/subprocessors?search=METRICS") == [
            "Wombat Metrics Pty"
        ]
        announce = (await client.get("/console/announce")).text
        assert "Wombat Metrics Pty (proposed)" in announce

        # Every vendor once, in name order, two a page, following the cursor.
        monkeypatch.setattr(vendors, "PAGE_SIZE", 2)
        seen: list[str] = []
        path: str | None = "/console/subprocessors"
        while path is not None:
            html = (await client.get(path)).text
            seen.extend(await _names(client, path))
            found = re.search(r'href="(/console/subprocessors\?[^"]*after_id=[^"]*)"', html)
            path = found.group(1).replace("&amp;", "&") if found else None
        assert seen == sorted(seen, key=str.casefold)
        assert "Wombat Metrics Pty" in seen
        stored = web.deps.db["subprocessors"].find({}, {"legal_name": 1})
        every = [doc["legal_name"] async for doc in stored]  # other tests' vendors too
        assert len(seen) == len(set(seen)) == len(every)
        assert set(seen) == set(every)


UPDATE_CUSTOMER = """
mutation($id: ID!, $input: UpdateCustomerInput!) {
  updateCustomer(id: $id, input: $input) { __typename }
}"""
CUSTOMER_NAMES = """{ customers(first: 100) { edges { node { id name } } } }"""
CUSTOMER_ROW = re.compile(r'<th scope="row"><a href="/console/customers/([^"]+)">([^<]+)</a>')


async def _customer_pages(client: httpx.AsyncClient) -> list[tuple[str, str]]:
    """Every (name, id) following "Next page", checking "Previous page" on the way back."""
    seen: list[tuple[str, str]] = []
    pages: list[str] = []
    path: str | None = "/console/customers"
    while path is not None:
        html = (await client.get(path)).text
        pages.append(path)
        seen.extend((name, id_) for id_, name in CUSTOMER_ROW.findall(html))
        found = re.search(r'<a href="([^"]*)">Next page</a>', html)
        path = found.group(1).replace("&amp;", "&") if found else None
    for earlier, later in itertools.pairwise(pages):
        html = (await client.get(later)).text
        back = re.search(r'<a href="([^"]*)">Previous page</a>', html)
        assert back is not None
        assert back.group(1).replace("&amp;", "&") == earlier
    return seen


async def test_customers_by_name_a_page_at_a_time(
    web: Api, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(customer_pages, "PAGE_SIZE", 2)
    made = {}
    for name in ["Zeta Foods", "Alpha Bank", "Mu Health"]:  # joined out of name order
        payload = await web.gql(CUSTOMER, {"input": {"name": name}}, seeded.admin)
        made[name] = payload["createCustomer"]["customer"]["id"]

    async def api_order() -> list[tuple[str, str]]:
        data = await web.gql(CUSTOMER_NAMES, {}, seeded.admin)
        return sorted((e["node"]["name"], e["node"]["id"]) for e in data["customers"]["edges"])

    async with browser_like(web) as client:
        await sign_in(client, await web.key(Role.ADMIN, name="digest-customers"))
        listed = await _customer_pages(client)
        assert listed == await api_order()
        assert listed[0] == ("Acme", seeded.customers["Acme"])

        renamed = await web.gql(
            UPDATE_CUSTOMER,
            {"id": made["Zeta Foods"], "input": {"name": "Aardvark Foods"}},
            seeded.admin,
        )
        assert renamed["updateCustomer"]["__typename"] == "CustomerUpdated"
        listed = await _customer_pages(client)
        assert listed == await api_order()
        assert listed[0] == ("Aardvark Foods", made["Zeta Foods"])


async def test_the_scheduler_rebuilds_stale_digests_before_anyone_asks(
    web: Api, seeded: Seeded
) -> None:
    made = await web.gql(
        SUB, {"input": {"legalName": "Numbat Ledger Ltd", "purpose": "Ledger"}}, seeded.admin
    )
    assert made["createSubprocessor"]["__typename"] == "SubprocessorCreated"
    lines, _ = await digests.load(
        web.deps.db, digests.VENDORS, console_vendors.LINES, digests.decoder(VendorLine)
    )
    assert lines is None  # the write made it stale; no page has been read since
    assert await refresh_console_digests(web.deps, "test") >= 1
    lines, _ = await digests.load(
        web.deps.db, digests.VENDORS, console_vendors.LINES, digests.decoder(VendorLine)
    )
    assert lines is not None
    assert "Numbat Ledger Ltd" in [line.legal_name for line in lines]
    assert await refresh_console_digests(web.deps, "test") == 0  # all current now
