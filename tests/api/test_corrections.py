"""Corrections with history: a vendor's details, locations, DPAs and transfer bases are
corrected, ended or removed with a reason; each keeps its versions; widening is refused."""

from __future__ import annotations

from typing import Any

import pytest

from registry.domain.models import Role
from registry.store import subprocessors
from tests.conftest import START, Api

VENDOR = """mutation($name: String!) {
  createSubprocessor(input: {legalName: $name, purpose: "Support desk",
                             dataCategories: ["contact details"]}) {
    ... on SubprocessorCreated { subprocessor { id } } } }"""
PARTS = """mutation($s: ID!, $module: Int) {
  a: addProcessingLocation(subprocessorId: $s, input: {country: "US", region: "us-east-1"}) {
    __typename }
  b: recordTransferBasis(subprocessorId: $s, input: {mechanism: SCC_2021, destination: "US",
                                                     validFrom: "2026-01-01", sccModule: $module})
    { __typename }
  c: recordDpa(subprocessorId: $s, input: {version: "v1", signedOn: "2026-01-01",
                                           sccModules: [2]}) {
    __typename } }"""
PARTS_OF = """query($s: ID!) { subprocessor(id: $s) {
  locations { id country region } dpas { id version expiresOn }
  transferBases { id sccModule validUntil }
  transfers(origin: EEA, asOf: "2026-12-01") { country status mechanism reasons }
  history { recordId kind action at reason keyId role changes { field before after } } } }"""
PAYLOAD = """
    __typename
    ... on RecordCorrected {
      version { recordId kind action reason changes { field before after } }
    }
    ... on ValidationError { message field }
    ... on NotFound { message }
    ... on PermissionDenied { message }
    ... on EditConflict { message fields }"""
CORRECT_BASIS = (
    "mutation($id: ID!, $input: TransferBasisCorrection!) {"
    " correctTransferBasis(id: $id, input: $input) {" + PAYLOAD + "} }"
)
REMOVE_BASIS = (
    "mutation($id: ID!, $reason: String!) { removeTransferBasis(id: $id, reason: $reason) {"
    + PAYLOAD
    + "} }"
)
CORRECT_LOCATION = (
    "mutation($id: ID!, $input: ProcessingLocationCorrection!) {"
    " correctProcessingLocation(id: $id, input: $input) {" + PAYLOAD + "} }"
)
REMOVE_LOCATION = (
    "mutation($id: ID!, $reason: String!) { removeProcessingLocation(id: $id, reason: $reason) {"
    + PAYLOAD
    + "} }"
)
CORRECT_DPA = (
    "mutation($id: ID!, $input: DpaCorrection!) { correctDpa(id: $id, input: $input) {"
    + PAYLOAD
    + "} }"
)
REMOVE_DPA = (
    "mutation($id: ID!, $reason: String!) { removeDpa(id: $id, reason: $reason) {" + PAYLOAD + "} }"
)
UPDATE = """mutation($id: ID!, $input: UpdateSubprocessorInput!) {
  updateSubprocessor(id: $id, input: $input) {
    __typename
    ... on SubprocessorUpdated { subprocessor { website dataCategories } }
    ... on ValidationError { message field } } }"""
CUSTOMER = """mutation($name: String!) { createCustomer(input: {name: $name}) {
  ... on CustomerCreated { customer { id } } } }"""
AUDIT = "{ auditLog(first: 100) { edges { node { action target result } } } }"


async def _vendor(
    api: Api, key: str, name: str, *, active: bool = False, module: int | None = None
) -> dict[str, Any]:
    data = await api.gql(VENDOR, {"name": name}, key)
    sub_id: str = data["createSubprocessor"]["subprocessor"]["id"]
    await api.gql(PARTS, {"s": sub_id, "module": module}, key)
    if active:  # as if its ADD had taken effect: customers have been told of it
        await subprocessors.activate(api.deps.db, sub_id, START)
    return await _parts(api, key, sub_id)


async def _parts(api: Api, key: str, sub_id: str) -> dict[str, Any]:
    data = await api.gql(PARTS_OF, {"s": sub_id}, key)
    found: dict[str, Any] = data["subprocessor"]
    return {"id": sub_id, **found}


async def _run(api: Api, key: str, query: str, **variables: Any) -> dict[str, Any]:
    data = await api.gql(query, variables, key)
    (payload,) = data.values()
    result: dict[str, Any] = payload
    return result


@pytest.mark.parametrize(
    ("saved", "status", "reason"),
    [
        pytest.param(None, "VALID", "no SCC module recorded", id="saved without its module"),
        pytest.param(3, "INVALID", "SCC module 3 is not in the DPA", id="saved as module 3"),
    ],
)
async def test_a_2021_scc_basis_is_corrected_to_its_module_and_the_verdict_follows(
    api: Api, admin_key: str, saved: int | None, status: str, reason: str
) -> None:
    sub = await _vendor(api, admin_key, f"Module {saved} Inc.", module=saved)
    (before,) = sub["transfers"]
    assert before["status"] == status, before
    assert any(reason in r for r in before["reasons"]), before
    basis_id = sub["transferBases"][0]["id"]

    result = await _run(
        api,
        admin_key,
        CORRECT_BASIS,
        id=basis_id,
        input={"sccModule": 2, "reason": "the DPA incorporates module 2; it was left out"},
    )

    assert result["__typename"] == "RecordCorrected", result
    assert result["version"] == {
        "recordId": basis_id,
        "kind": "TRANSFER_BASIS",
        "action": "CORRECTED",
        "reason": "the DPA incorporates module 2; it was left out",
        "changes": [{"field": "sccModule", "before": saved and str(saved), "after": "2"}],
    }
    after = await _parts(api, admin_key, sub["id"])
    assert after["transfers"][0]["status"] == "VALID", after["transfers"]
    assert not any(reason in r for r in after["transfers"][0]["reasons"]), after["transfers"]
    assert after["transfers"][0]["mechanism"] == "SCC_2021"
    (entry,) = after["history"]
    assert entry["action"] == "CORRECTED"
    assert entry["role"] == "ADMIN"
    assert entry["keyId"]
    audit = (await api.gql(AUDIT, key=admin_key))["auditLog"]["edges"]
    assert {"action": "correctTransferBasis", "target": basis_id, "result": "ok"} in [
        e["node"] for e in audit
    ]


async def test_ending_a_basis_is_recorded_as_ended_and_the_transfer_falls_after_it(
    api: Api, admin_key: str
) -> None:
    sub = await _vendor(api, admin_key, "Ending Ltd.")
    basis_id = sub["transferBases"][0]["id"]
    await _run(api, admin_key, CORRECT_BASIS, id=basis_id, input={"sccModule": 2, "reason": "M2"})

    result = await _run(
        api,
        admin_key,
        CORRECT_BASIS,
        id=basis_id,
        input={"validUntil": "2026-06-30", "reason": "the vendor terminated the SCCs"},
    )

    assert result["version"]["action"] == "ENDED", result
    after = await _parts(api, admin_key, sub["id"])
    assert after["transfers"][0]["status"] != "VALID"
    assert [h["action"] for h in after["history"]] == ["ENDED", "CORRECTED"]


@pytest.mark.parametrize(
    ("query", "part", "variables", "field", "message"),
    [
        pytest.param(
            CORRECT_BASIS,
            "transferBases",
            {"input": {"sccModule": 2, "reason": "  "}},
            "reason",
            "reason must not be blank",
            id="a correction with a blank reason -> ValidationError (reason)",
        ),
        pytest.param(
            CORRECT_BASIS,
            "transferBases",
            {"input": {"validUntil": "2025-12-31", "reason": "ended"}},
            "validUntil",
            "validUntil is before validFrom",
            id="ending a basis before it began -> ValidationError (validUntil)",
        ),
        pytest.param(
            CORRECT_BASIS,
            "transferBases",
            {"input": {"destination": None, "reason": "oops"}},
            "destination",
            "destination is required",
            id="clearing a basis's destination -> ValidationError (destination)",
        ),
        pytest.param(
            CORRECT_LOCATION,
            "locations",
            {"input": {"country": "CN", "reason": "it is really in China"}},
            "country",
            "announceChange(input: {kind: UPDATE, subprocessorId, locations:",
            id="a new country for a vendor in use -> refused, pointing to announcing it",
        ),
        pytest.param(
            REMOVE_LOCATION,
            "locations",
            {"reason": "recorded in error"},
            "id",
            "announceChange(kind: REMOVE)",
            id="removing an ACTIVE vendor's only location -> refused, pointing to a REMOVE",
        ),
        pytest.param(
            CORRECT_DPA,
            "dpas",
            {"input": {"version": "v1", "reason": "no change"}},
            "input",
            "changes nothing",
            id="a correction that changes nothing -> ValidationError",
        ),
    ],
)
async def test_bad_corrections_are_refused_and_change_nothing(
    api: Api,
    admin_key: str,
    query: str,
    part: str,
    variables: dict[str, Any],
    field: str,
    message: str,
) -> None:
    sub = await _vendor(api, admin_key, f"Refused {field} GmbH", active=True)
    record_id = sub[part][0]["id"]

    result = await _run(api, admin_key, query, id=record_id, **variables)

    assert result["__typename"] == "ValidationError", result
    assert result["field"] == field, result
    assert message in result["message"], result
    after = await _parts(api, admin_key, sub["id"])
    assert after == sub


async def test_a_location_dpa_and_basis_are_corrected_removed_and_keep_their_history(
    api: Api, procurement_key: str
) -> None:
    sub = await _vendor(api, procurement_key, "Parts Corp.", active=True)
    location_id, dpa_id = sub["locations"][0]["id"], sub["dpas"][0]["id"]
    basis_id = sub["transferBases"][0]["id"]

    region = await _run(
        api,
        procurement_key,
        CORRECT_LOCATION,
        id=location_id,
        input={"region": "us-west-2", "reason": "the region was mistyped"},
    )
    ended = await _run(
        api,
        procurement_key,
        CORRECT_DPA,
        id=dpa_id,
        input={"expiresOn": "2027-01-31", "reason": "the DPA was terminated"},
    )
    removed = await _run(
        api, procurement_key, REMOVE_BASIS, id=basis_id, reason="recorded for the wrong vendor"
    )
    dpa_gone = await _run(api, procurement_key, REMOVE_DPA, id=dpa_id, reason="a duplicate")

    assert region["version"]["changes"] == [
        {"field": "region", "before": "us-east-1", "after": "us-west-2"}
    ]
    assert ended["version"]["action"] == "ENDED"
    assert removed["version"]["action"] == dpa_gone["version"]["action"] == "REMOVED"
    assert dpa_gone["version"]["changes"] == []
    after = await _parts(api, procurement_key, sub["id"])
    assert after["locations"] == [{"id": location_id, "country": "US", "region": "us-west-2"}]
    assert after["transferBases"] == []
    assert after["dpas"] == []
    assert sorted((h["kind"], h["action"], h["recordId"]) for h in after["history"]) == [
        ("DPA", "ENDED", dpa_id),
        ("DPA", "REMOVED", dpa_id),
        ("PROCESSING_LOCATION", "CORRECTED", location_id),
        ("TRANSFER_BASIS", "REMOVED", basis_id),
    ]
    again = await _run(api, procurement_key, REMOVE_BASIS, id=basis_id, reason="twice")
    assert again["__typename"] == "NotFound", again


async def test_a_vendor_in_use_is_corrected_with_a_reason_and_never_widened(
    api: Api, admin_key: str
) -> None:
    sub = await _vendor(api, admin_key, "Typo Website Inc.", active=True)

    no_reason = await _run(
        api, admin_key, UPDATE, id=sub["id"], input={"website": "https://x.example"}
    )
    wider = await _run(
        api,
        admin_key,
        UPDATE,
        id=sub["id"],
        input={"dataCategories": ["contact details", "health data"], "reason": "more"},
    )
    cleared = await _run(
        api,
        admin_key,
        UPDATE,
        id=sub["id"],
        input={"website": "https://typo.example", "reason": "the website was missing"},
    )

    assert no_reason["__typename"] == "ValidationError"
    assert no_reason["field"] == "reason"
    assert wider["__typename"] == "ValidationError"
    assert wider["field"] == "dataCategories"
    assert "announceChange" in wider["message"]
    assert cleared["subprocessor"]["website"] == "https://typo.example"
    (entry,) = (await _parts(api, admin_key, sub["id"]))["history"]
    assert entry["kind"] == "SUBPROCESSOR"
    assert entry["reason"] == "the website was missing"
    assert entry["changes"] == [
        {"field": "website", "before": None, "after": "https://typo.example"}
    ]


async def test_customers_cannot_correct_and_see_history_without_key_ids(
    api: Api, admin_key: str
) -> None:
    sub = await _vendor(api, admin_key, "Seen Corp.", active=True)
    basis_id = sub["transferBases"][0]["id"]
    await _run(api, admin_key, CORRECT_BASIS, id=basis_id, input={"sccModule": 2, "reason": "M2"})
    made = await api.gql(CUSTOMER, {"name": "Reader Ltd."}, admin_key)
    customer_id = made["createCustomer"]["customer"]["id"]
    customer = await api.key(Role.CUSTOMER, customer_id=customer_id, name="reader")

    refused = await _run(
        api, customer, CORRECT_BASIS, id=basis_id, input={"sccModule": 1, "reason": "mine"}
    )

    assert refused["__typename"] == "PermissionDenied", refused
    (entry,) = (await _parts(api, customer, sub["id"]))["history"]
    assert entry["keyId"] is None
    assert entry["reason"] == "M2"


CUSTOMER_EDIT = """mutation($id: ID!, $input: UpdateCustomerInput!) {
  updateCustomer(id: $id, input: $input) { __typename } }"""
CUSTOMER_HISTORY = """query($id: ID!) { customer(id: $id) {
  history { kind action reason keyId changes { field before after } } } }"""


async def test_a_customers_terms_are_edited_with_a_reason_and_keep_their_history(
    api: Api, admin_key: str
) -> None:
    made = await api.gql(CUSTOMER, {"name": "Amended GmbH"}, admin_key)
    customer_id = made["createCustomer"]["customer"]["id"]

    edited = await _run(
        api,
        admin_key,
        CUSTOMER_EDIT,
        id=customer_id,
        input={"noticePeriod": "P30D", "reason": "DPA amendment of 1 March"},
    )

    assert edited["__typename"] == "CustomerUpdated", edited
    (entry,) = (await api.gql(CUSTOMER_HISTORY, {"id": customer_id}, admin_key))["customer"][
        "history"
    ]
    assert entry["kind"] == "CUSTOMER"
    assert entry["reason"] == "DPA amendment of 1 March"
    assert entry["changes"] == [{"field": "noticePeriod", "before": "P3M", "after": "P30D"}]
    assert entry["keyId"] is not None
    own = await api.key(Role.CUSTOMER, customer_id=customer_id, name="amended")
    (seen,) = (await api.gql(CUSTOMER_HISTORY, {"id": customer_id}, own))["customer"]["history"]
    assert seen["reason"] == "DPA amendment of 1 March"
    assert seen["keyId"] is None  # who made a version is staff's to know


CATALOG = """mutation($p: String!, $r: String!) {
  a: createProduct(input: {code: $p, name: "Meetngs"}) { __typename }
  b: createHostingRegion(input: {code: $r, name: "Europe", countries: ["DE", "IE"]}) {
    __typename } }"""
CORRECT_PRODUCT = (
    "mutation($code: String!, $input: ProductCorrection!) {"
    " correctProduct(code: $code, input: $input) { __typename"
    " ... on ProductCorrected { product { name history { reason changes { field before after } }"
    " } } ... on ValidationError { message field } } }"
)
CORRECT_REGION = (
    "mutation($code: String!, $input: HostingRegionCorrection!) {"
    " correctHostingRegion(code: $code, input: $input) { __typename"
    " ... on HostingRegionCorrected { hostingRegion { countries } version { action } }"
    " ... on ValidationError { message field } } }"
)
SCOPED = """mutation($r: String!) { createSubprocessor(input: {legalName: "Regional Ltd.",
  purpose: "Hosting", scope: {hostingRegions: [$r]}}) { __typename } }"""


async def test_catalog_entries_are_corrected_with_a_reason_and_regions_never_widened(
    api: Api, admin_key: str
) -> None:
    product, region = "meet-fix", "eu-fix"
    await api.gql(CATALOG, {"p": product, "r": region}, admin_key)
    await api.gql(SCOPED, {"r": region}, admin_key)
    names = "{ products { code name } hostingRegions { code countries } }"
    assert {"code": product, "name": "Meetngs"} in (await api.gql(names))["products"]

    named = await _run(
        api,
        admin_key,
        CORRECT_PRODUCT,
        code=product,
        input={"name": "Meetings", "reason": "typo in the name"},
    )
    narrowed = await _run(
        api,
        admin_key,
        CORRECT_REGION,
        code=region,
        input={"countries": ["DE"], "reason": "IE was never part of it"},
    )
    widened = await _run(
        api,
        admin_key,
        CORRECT_REGION,
        code=region,
        input={"countries": ["DE", "FR"], "reason": "add France"},
    )

    assert named["product"] == {
        "name": "Meetings",
        "history": [
            {
                "reason": "typo in the name",
                "changes": [{"field": "name", "before": "Meetngs", "after": "Meetings"}],
            }
        ],
    }
    assert narrowed["hostingRegion"]["countries"] == ["DE"]
    catalogs_now = await api.gql(names)  # no cached answer outlives the corrections
    assert {"code": product, "name": "Meetings"} in catalogs_now["products"]
    assert {"code": region, "countries": ["DE"]} in catalogs_now["hostingRegions"]
    assert widened["__typename"] == "ValidationError", widened
    assert widened["field"] == "countries"
    assert "widens a region in use" in widened["message"]
