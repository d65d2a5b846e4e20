"""Console corrections over HTTP: a basis corrected with a reason, a DPA removed, a vendor
in use edited only with a reason; each listed under Corrections and checked through the API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from registry.domain.models import Role
from registry.store import audit_log, subprocessors
from tests.conftest import START, Api
from tests.web.console_support import browser_like, sign_in, submit
from tests.web.support import Seeded

VENDOR = """mutation($name: String!) {
  createSubprocessor(input: {legalName: $name, purpose: "Support desk"}) {
    ... on SubprocessorCreated { subprocessor { id } } } }"""
PARTS = """mutation($s: ID!) {
  a: addProcessingLocation(subprocessorId: $s, input: {country: "US"}) { __typename }
  b: recordTransferBasis(subprocessorId: $s, input: {mechanism: SCC_2021, destination: "US"})
    { __typename }
  c: recordDpa(subprocessorId: $s, input: {version: "v1", signedOn: "2026-01-01",
                                           sccModules: [2]}) { __typename } }"""
FACTS = """query($s: ID!) { subprocessor(id: $s) {
  website dpas { id } transferBases { id sccModule }
  history { kind action reason changes { field before after } } } }"""


async def _vendor(web: Api, admin: str, name: str) -> dict[str, Any]:
    made = await web.gql(VENDOR, {"name": name}, admin)
    sub_id = made["createSubprocessor"]["subprocessor"]["id"]
    await web.gql(PARTS, {"s": sub_id}, admin)
    await subprocessors.activate(web.deps.db, sub_id, START)
    return {"id": sub_id, **(await web.gql(FACTS, {"s": sub_id}, admin))["subprocessor"]}


async def test_staff_correct_a_basis_remove_a_dpa_and_edit_a_vendor_with_reasons(
    web: Api, seeded: Seeded
) -> None:
    sub = await _vendor(web, seeded.admin, "Console Corrections Ltd.")
    basis_id, dpa_id = sub["transferBases"][0]["id"], sub["dpas"][0]["id"]
    base = f"/console/subprocessors/{sub['id']}"
    key = await web.key(Role.PROCUREMENT, name="corrector")
    async with browser_like(web) as client:
        await sign_in(client, key)
        form = await client.get(f"{base}/transfer-bases/{basis_id}")
        assert form.status_code == 200
        assert 'id="f-reason"' in form.text
        assert 'value="US"' in form.text  # the stored values fill the form

        basis = {"mechanism": "SCC_2021", "destination": "US", "origin": "EEA", "sccModule": "2"}
        no_reason = await submit(client, f"{base}/transfer-bases/{basis_id}", basis)
        assert no_reason.status_code == 400
        assert 'id="e-reason"' in no_reason.text
        corrected = await submit(
            client,
            f"{base}/transfer-bases/{basis_id}",
            {**basis, "reason": "The DPA incorporates module 2."},
        )
        assert corrected.status_code == 303
        assert corrected.headers["location"] == f"{base}?done=corrected"

        removed = await submit(
            client,
            f"{base}/dpas/{dpa_id}",
            {"action": "remove", "removeReason": "Recorded twice."},
        )
        assert removed.status_code == 303

        edit = {"legalName": "Console Corrections Ltd.", "purpose": "Support desk"}
        refused = await submit(client, f"{base}/edit", {**edit, "website": "https://cc.example"})
        assert refused.status_code == 400
        assert 'id="e-reason"' in refused.text
        saved = await submit(
            client,
            f"{base}/edit",
            {**edit, "website": "https://cc.example", "reason": "The website was missing."},
        )
        assert saved.status_code == 303

        page = await client.get(base)
        assert page.status_code == 200
        assert "The DPA incorporates module 2." in page.text
        assert "Recorded twice." in page.text
        assert "sccModule: — → 2" in page.text

    after = (await web.gql(FACTS, {"s": sub["id"]}, seeded.admin))["subprocessor"]
    assert after["transferBases"] == [{"id": basis_id, "sccModule": 2}]
    assert after["dpas"] == []
    assert after["website"] == "https://cc.example"
    assert sorted((h["kind"], h["action"]) for h in after["history"]) == [
        ("DPA", "REMOVED"),
        ("SUBPROCESSOR", "CORRECTED"),
        ("TRANSFER_BASIS", "CORRECTED"),
    ]
    audited = [
        (e["action"], e["result"])
        async for e in web.deps.db[audit_log.NAME].find(
            {"target": {"$in": [basis_id, dpa_id]}, "action": {"$regex": "^console\\."}}
        )
    ]
    assert sorted(audited) == [
        ("console.correctTransferBasis", "ValidationError"),
        ("console.correctTransferBasis", "ok"),
        ("console.removeDpa", "ok"),
    ]


async def test_the_diff_page_lists_what_changed_between_two_days(web: Api, seeded: Seeded) -> None:
    sub = await _vendor(web, seeded.admin, "Diff Page Ltd.")
    key = await web.key(Role.PROCUREMENT, name="differ")
    day = START.date()
    async with browser_like(web) as client:
        await sign_in(client, key)

        page = await client.get(
            "/console/diff",
            params={
                "from": (day - timedelta(days=2)).isoformat(),
                "to": (day + timedelta(days=1)).isoformat(),
            },
        )
        refused = await client.get(
            "/console/diff", params={"from": day.isoformat(), "to": "2020-01-01"}
        )

    assert page.status_code == 200
    added = page.text[page.text.index('id="added-h"') : page.text.index('id="removed-h"')]
    assert f'href="/console/subprocessors/{sub["id"]}">Diff Page Ltd.</a>' in added
    assert refused.status_code == 400
    assert "from is after to" in refused.text
