"""Transfer impact assessments and the legal watch through the API and the jobs (issue 31):
recording an assessment and its bad inputs, verdicts citing it, who sees the record, the
what-if report, a new release of the facts after a deploy, and reminders before a review."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from importlib import resources
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from registry.clock import FrozenClock
from registry.domain.legal_watch import Withdrawal
from registry.domain.models import Role, TransferMechanism
from registry.services import legal_watch
from registry.store import legal_watch as watch_store
from registry.store.database import Document
from registry.store.legal_watch import SeenRelease
from tests.conftest import Api, make_settings, running_api
from tests.mail import MailServer

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
STAFF = "privacy@example.test"

VENDOR = """mutation($name: String!) {
  createSubprocessor(input: {legalName: $name, purpose: "Support desk"}) {
    ... on SubprocessorCreated { subprocessor { id } } } }"""
PARTS = """mutation($s: ID!, $country: String!, $mechanism: TransferMechanism!,
                   $module: Int, $inScope: Boolean) {
  a: addProcessingLocation(subprocessorId: $s,
                           input: {country: $country, recipientInScope: $inScope}) { __typename }
  b: recordTransferBasis(subprocessorId: $s, input: {mechanism: $mechanism, destination: $country,
     sccModule: $module, validUntil: "2027-10-31"}) { __typename } }"""
SCCS = """mutation($s: ID!) {
  recordTransferBasis(subprocessorId: $s, input: {mechanism: SCC_2021, destination: "US",
                                                  sccModule: 2}) { __typename } }"""
CUSTOMER = """mutation($name: String!, $origin: DataOrigin!) {
  createCustomer(input: {name: $name, dataOrigin: $origin, noticePeriod: "P30D"}) {
    ... on CustomerCreated { customer { id } } } }"""
ANNOUNCE = """mutation($s: ID!) { announceChange(input: {kind: ADD, subprocessorId: $s}) {
  __typename } }"""
RECORD = """mutation($s: ID!, $input: TransferImpactAssessmentInput!) {
  recordTransferImpactAssessment(subprocessorId: $s, input: $input) {
    __typename
    ... on TransferImpactAssessmentRecorded { assessment { id outcome measures } }
    ... on ValidationError { message field }
    ... on NotFound { message }
    ... on PermissionDenied { message }
  } }"""
TRANSFERS = """query($s: ID!) { subprocessor(id: $s) {
  transferImpactAssessments { id reviewer }
  transfers(origin: EEA) { country status mechanism reasons tia { id outcome reviewer } } } }"""
IMPACT = """query($w: [WithdrawalInput!]!) { legalImpact(withdrawn: $w) {
  reportId kind title routes scenario
  falling { legalName country origin firstDay fallsOn statusBefore statusAfter reasons
            customers customerNames }
  changing { legalName country origin statusBefore statusAfter mechanismBefore mechanismAfter }
  reworded { legalName } } }"""
GOOD = {
    "destination": "US",
    "mechanism": "SCC_2021",
    "assessedOn": "2026-11-01",
    "outcome": "SUPPLEMENTARY_MEASURES",
    "measures": ["encryption at rest with keys held in the EEA"],
    "reviewer": "Dana Privacy",
    "documentReference": "https://dms.example/tia/42",
    "sha256": "a" * 64,
    "nextReviewOn": "2027-11-01",
}


@pytest.fixture(scope="module")
async def mail() -> AsyncIterator[MailServer]:
    async with MailServer() as server:
        yield server


@pytest.fixture
async def api(
    mongo_uri: str, mongo_client: AsyncMongoClient[Document], mail: MailServer
) -> AsyncIterator[Api]:
    name = f"t_legal_{uuid.uuid4().hex[:8]}"
    settings = make_settings(mongo_uri, name, smtp_url=mail.url, staff_email=STAFF)
    async with running_api(settings, FrozenClock(NOW)) as made:
        yield made
    await mongo_client.drop_database(name)


async def vendor(
    api: Api, key: str, name: str, mechanism: str, *, country: str = "US", **extra: Any
) -> str:
    data = await api.gql(VENDOR, {"name": name}, key)
    sub_id: str = data["createSubprocessor"]["subprocessor"]["id"]
    module = 2 if mechanism == "SCC_2021" else None
    variables = {"s": sub_id, "country": country, "mechanism": mechanism, "module": module}
    await api.gql(PARTS, {**variables, **extra}, key)
    return sub_id


async def record(api: Api, key: str, sub_id: str, **changes: Any) -> dict[str, Any]:
    data = await api.gql(RECORD, {"s": sub_id, "input": {**GOOD, **changes}}, key)
    result: dict[str, Any] = data["recordTransferImpactAssessment"]
    return result


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        pytest.param(
            {"destination": "BR"},
            "destination",
            "no processing location in BR",
            id="a TIA for a route the vendor does not use -> ValidationError (destination)",
        ),
        pytest.param(
            {"mechanism": "BCR"},
            "mechanism",
            "no BCR transfer basis is recorded",
            id="a TIA for a mechanism the route does not use -> ValidationError (mechanism)",
        ),
        pytest.param(
            {"nextReviewOn": "2026-10-01"},
            "nextReviewOn",
            "must come after the assessment",
            id="a review date before the assessment -> ValidationError (nextReviewOn)",
        ),
        pytest.param(
            {"sha256": "abc123"},
            "sha256",
            "64 hexadecimal characters",
            id="a SHA-256 of the wrong length -> ValidationError (sha256)",
        ),
        pytest.param(
            {"assessedOn": "2027-01-01"},
            "assessedOn",
            "future",
            id="an assessment dated in the future -> ValidationError (assessedOn)",
        ),
        pytest.param(
            {"measures": []},
            "measures",
            "name the supplementary measures",
            id="supplementary measures without any -> ValidationError (measures)",
        ),
    ],
)
async def test_bad_assessments_are_refused_and_change_nothing(
    api: Api, changes: dict[str, Any], field: str, message: str
) -> None:
    admin = await api.key(Role.ADMIN)
    sub_id = await vendor(api, admin, "Desk Inc.", "SCC_2021")
    result = await record(api, admin, sub_id, **changes)
    assert (result["__typename"], result["field"]) == ("ValidationError", field)
    assert message in result["message"]
    assert await api.deps.db["transfer_impact_assessments"].count_documents({}) == 0


async def test_a_verdict_cites_the_assessment_and_staff_see_the_record(api: Api) -> None:
    admin, procurement = await api.key(Role.ADMIN), await api.key(Role.PROCUREMENT)
    sub_id = await vendor(api, admin, "Desk Inc.", "SCC_2021")
    before = (await api.gql(TRANSFERS, {"s": sub_id}, admin))["subprocessor"]["transfers"][0]
    assert any(r.startswith("no transfer impact assessment recorded") for r in before["reasons"])

    made = await record(api, procurement, sub_id)
    assert made["__typename"] == "TransferImpactAssessmentRecorded", made
    tia_id = made["assessment"]["id"]
    seen = (await api.gql(TRANSFERS, {"s": sub_id}, admin))["subprocessor"]
    [transfer] = seen["transfers"]
    assert (transfer["status"], transfer["mechanism"]) == ("VALID", "SCC_2021")
    assert transfer["tia"] == {
        "id": tia_id,
        "outcome": "SUPPLEMENTARY_MEASURES",
        "reviewer": "Dana Privacy",
    }
    cited = (
        f"transfer impact assessment {tia_id} of 2026-11-01 following EDPB Recommendations "
        "01/2020: sufficient with supplementary measures (encryption at rest with keys held in "
        "the EEA)"
    )
    assert cited in transfer["reasons"]
    assert seen["transferImpactAssessments"] == [{"id": tia_id, "reviewer": "Dana Privacy"}]

    customer_id = (await api.gql(CUSTOMER, {"name": "Acme", "origin": "EEA"}, admin))[
        "createCustomer"
    ]["customer"]["id"]
    await api.gql(ANNOUNCE, {"s": sub_id}, admin)
    customer_key = await api.key(Role.CUSTOMER, customer_id)
    theirs = (await api.gql(TRANSFERS, {"s": sub_id}, customer_key))["subprocessor"]
    assert theirs["transferImpactAssessments"] == []
    assert theirs["transfers"][0]["tia"] is None
    assert cited in theirs["transfers"][0]["reasons"]  # the verdict is the customer's too

    refused = await record(api, customer_key, sub_id)
    assert refused["__typename"] == "PermissionDenied"

    worse = await record(api, admin, sub_id, outcome="NOT_SUFFICIENT", assessedOn="2026-12-01")
    assert worse["__typename"] == "TransferImpactAssessmentRecorded"
    [now] = (await api.gql(TRANSFERS, {"s": sub_id}, admin))["subprocessor"]["transfers"]
    assert now["status"] == "INVALID"
    assert "not sufficient for EEA → US" in now["reasons"][0]


async def test_what_if_the_dpf_falls(api: Api, mail: MailServer) -> None:
    admin = await api.key(Role.ADMIN)
    dpf_only = await vendor(api, admin, "Certified Inc.", "EU_US_DPF")
    both = await vendor(api, admin, "Careful Inc.", "EU_US_DPF")
    await api.gql(SCCS, {"s": both}, admin)
    for name, origin in (("Acme", "EEA"), ("Brit Ltd", "UK")):
        await api.gql(CUSTOMER, {"name": name, "origin": origin}, admin)
    for sub_id in (dpf_only, both):
        await api.gql(ANNOUNCE, {"s": sub_id}, admin)
    await api.scheduler.run_until_idle()

    withdrawn = [{"mechanism": "EU_US_DPF", "fromDay": "2027-01-01"}]
    report = (await api.gql(IMPACT, {"w": withdrawn}, admin))["legalImpact"]
    assert report["kind"] == "WHAT_IF"
    assert report["scenario"] == ["EU_US_DPF withdrawn from 2027-01-01"]
    assert report["routes"] == 4  # two locations, from the EEA and the UK
    [falls] = report["falling"]
    assert falls["legalName"] == "Certified Inc."
    assert (falls["origin"], falls["country"]) == ("EEA", "US")
    assert (falls["firstDay"], falls["fallsOn"]) == ("2026-12-07", "2027-01-01")
    assert (falls["statusBefore"], falls["statusAfter"]) == ("VALID", "INVALID")
    assert (falls["customers"], falls["customerNames"]) == (1, ["Acme"])
    assert "withdrawn from 2027-01-01 (what-if)" in falls["reasons"][0]
    [stays] = report["changing"]
    assert (stays["legalName"], stays["statusAfter"]) == ("Careful Inc.", "VALID")
    assert (stays["mechanismBefore"], stays["mechanismAfter"]) == ("ADEQUACY", "SCC_2021")

    # A query reads: the report is not kept. Kept as the console keeps it, staff are told.
    assert await legal_watch.get_report(api.deps, _staff(), report["reportId"]) is None
    asked = [Withdrawal(TransferMechanism.EU_US_DPF, date(2027, 1, 1))]
    kept = await legal_watch.what_if(api.deps, _staff(), asked, record=True)
    assert await legal_watch.get_report(api.deps, _staff(), kept.id) == kept
    await api.scheduler.run_until_idle()
    await mail.wait_until(lambda: any("Legal watch" in m["Subject"] for m in mail.messages))
    [told] = [m for m in mail.messages if "Legal watch" in m["Subject"]]
    assert told["To"] == STAFF
    assert "Certified Inc. (EEA → US): VALID → INVALID from 2027-01-01" in told.get_content()


@pytest.mark.parametrize(
    ("withdrawn", "message"),
    [
        pytest.param(
            [{"mechanism": "EU_US_DPX", "fromDay": "2027-01-01"}],
            "EU_US_DPX",
            id="a what-if for a mechanism that does not exist -> refused by the schema",
        ),
        pytest.param(
            [{"mechanism": "EU_US_DPF", "fromDay": "2027-01-01", "country": "US"}],
            "narrows only an ADEQUACY withdrawal",
            id="a country with a mechanism other than ADEQUACY -> refused",
        ),
    ],
)
async def test_bad_what_ifs_are_refused(
    api: Api, withdrawn: list[dict[str, str]], message: str
) -> None:
    admin = await api.key(Role.ADMIN)
    response = await api.post(IMPACT, {"w": withdrawn}, admin)
    errors = response.json()["errors"]
    assert message in errors[0]["message"]


async def test_customers_may_not_ask_what_if(api: Api) -> None:
    admin = await api.key(Role.ADMIN)
    customer_id = (await api.gql(CUSTOMER, {"name": "Acme", "origin": "EEA"}, admin))[
        "createCustomer"
    ]["customer"]["id"]
    key = await api.key(Role.CUSTOMER, customer_id)
    withdrawn = [{"mechanism": "EU_US_DPF", "fromDay": "2027-01-01"}]
    body = (await api.post(IMPACT, {"w": withdrawn}, key)).json()
    assert body["data"] is None
    assert body["errors"]


async def test_a_new_release_after_a_deploy_is_reported_once(api: Api) -> None:
    """The last release evaluated had Israel's decision as a full one: with the packaged
    release, a recipient recorded outside its scope loses its basis, today."""
    admin = await api.key(Role.ADMIN)
    sub_id = await vendor(api, admin, "Haifa Ltd", "SCC_2021", country="IL", inScope=False)
    await api.gql(CUSTOMER, {"name": "Acme", "origin": "EEA"}, admin)
    await api.gql(ANNOUNCE, {"s": sub_id}, admin)
    files = _packaged()
    eu = json.loads(files["adequacy_eu.json"])
    for row in eu["decisions"]:
        if row.get("country") == "IL":
            row.pop("partial")
    files["adequacy_eu.json"] = json.dumps(eu)
    old = SeenRelease("2026.2", datetime(2026, 6, 1).date(), files)
    assert await watch_store.see_release(api.deps.db, old, replacing=None)

    report = await legal_watch.release_changes(api.deps)
    assert report is not None
    assert report.kind == "RELEASE"
    assert report.scenario == ("release 2026.2 of 2026-06-01", "release 2026.3")
    [line] = [x for x in report.lines if x.country == "IL"]
    # The SCCs carry it: the verdict changes from the adequacy decision to them.
    assert (line.mechanism_before, line.mechanism_after) == ("ADEQUACY", "SCC_2021")
    assert await legal_watch.release_changes(api.deps) is None  # told once
    events = await legal_watch.staff_events(api.deps, _staff())
    assert events[0].kind == "legal.impact"
    assert events[0].link == f"/console/legal/{report.id}"


async def test_a_first_start_records_the_release_without_a_report(api: Api) -> None:
    assert await legal_watch.release_changes(api.deps) is None
    seen = await watch_store.seen_release(api.deps.db)
    assert seen is not None
    assert seen.release == "2026.3"


async def test_staff_are_reminded_before_a_review_falls_due(api: Api) -> None:
    admin = await api.key(Role.ADMIN)
    sub_id = await vendor(api, admin, "Desk Inc.", "SCC_2021")
    made = await record(api, admin, sub_id, nextReviewOn="2026-12-31")
    await legal_watch.remind_reviews(api.deps, "w1")
    api.clock.advance(datetime(2026, 12, 8, 9, tzinfo=UTC) - NOW)
    assert await legal_watch.remind_reviews(api.deps, "w1") == 0  # once per review date
    events = [
        e for e in await legal_watch.staff_events(api.deps, _staff()) if e.kind == "tia.reviewDue"
    ]
    [event] = events
    assert "Desk Inc. (EEA → US, SCC_2021) due on 2026-12-31" in event.title
    assert made["assessment"]["id"] in event.lines[0]


def _staff() -> Any:
    from registry.services.caller import Caller

    return Caller(role=Role.ADMIN, key_id="test")


def _packaged() -> dict[str, str]:
    folder = resources.files("registry.domain.reference")
    return {
        p.name: p.read_text(encoding="utf-8") for p in folder.iterdir() if p.name.endswith(".json")
    }
