"""Console forms in people's words: countries by name, SCC modules by name, the module asked
only where it applies and warned about when missing, "all products" as a choice, who
objected, and only the actions the signed-in role may take. Checked through the API."""

from __future__ import annotations

import pytest

from registry.domain import countries
from registry.domain.drafts import ObjectionFiling
from registry.domain.errors import ValidationError
from registry.domain.models import Role
from registry.services import changes
from registry.services.caller import Caller
from tests.conftest import Api
from tests.web.console_support import browser_like, sign_in, submit
from tests.web.support import Seeded, add_vendor

FACTS = """query($id: ID!) { subprocessor(id: $id) {
  locations { country } dpas { sccModules } transferBases { mechanism destination sccModule }
  scope { products { code } } } }"""
FILE = """mutation($input: FileObjectionInput!) {
  fileObjection(input: $input) { __typename } }"""


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Germany", "DE"),
        ("germany (de)", "DE"),
        ("UNITED STATES", "US"),
        ("United States of America", "US"),
        ("us", "US"),
        ("DEU", "DE"),
        ("  United   Kingdom ", "GB"),
        ("Canary Islands (Spain) (IC)", "IC"),
    ],
)
def test_a_country_is_read_from_its_name_label_or_code(typed: str, code: str) -> None:
    assert countries.code_of(typed, "country") == code


def test_an_unknown_country_is_refused_with_the_closest_names() -> None:
    with pytest.raises(ValidationError) as refused:
        countries.code_of("Untied States", "destination")
    assert refused.value.field == "destination"
    assert "Did you mean United States?" in refused.value.message
    with pytest.raises(ValidationError, match="choose a country"):
        countries.code_of(" ", "country")


def test_every_choice_is_named_and_read_back_to_its_code() -> None:
    choices = countries.choices()
    assert ("DE", "Germany (DE)") in choices
    assert [label for _, label in choices] == sorted(
        (label for _, label in choices), key=str.casefold
    )
    assert all(countries.code_of(label, "country") == code for code, label in choices)


async def _vendor(web: Api, seeded: Seeded, name: str) -> str:
    return await add_vendor(web, seeded.admin, name, "Forms", [], [])


async def test_locations_and_bases_take_country_names(web: Api, seeded: Seeded) -> None:
    sub_id = await _vendor(web, seeded, "Named Countries GmbH")
    key = await web.key(Role.PROCUREMENT, name="forms")
    base = f"/console/subprocessors/{sub_id}"
    async with browser_like(web) as client:
        await sign_in(client, key)
        form = await client.get(f"{base}/locations/new")
        assert '<option value="DE">Germany (DE)</option>' in form.text
        assert "data-country-picker" in form.text
        typo = await submit(
            client, f"{base}/locations/new", {"country": "Germny", "role": "STORAGE"}
        )
        assert typo.status_code == 400
        assert 'id="e-country"' in typo.text
        assert "Did you mean Germany?" in typo.text
        assert 'data-typed="Germny"' in typo.text  # what was typed is kept for the field
        for typed in ("Germany (DE)", "UNITED STATES"):
            saved = await submit(
                client, f"{base}/locations/new", {"country": typed, "role": "STORAGE"}
            )
            assert saved.status_code == 303, saved.text
        basis = {"mechanism": "EU_US_DPF", "destination": "united states", "origin": "EEA"}
        assert (await submit(client, f"{base}/transfer-bases/new", basis)).status_code == 303
        listed = await client.get("/console/subprocessors", params={"country": "Germany"})
        assert "Named Countries GmbH" in listed.text
        assert '<option value="DE" selected>Germany (DE)</option>' in listed.text
        unknown = await client.get("/console/subprocessors", params={"country": "Atlantis"})
        assert "is not a country we know" in unknown.text
    facts = (await web.gql(FACTS, {"id": sub_id}, seeded.admin))["subprocessor"]
    assert sorted(loc["country"] for loc in facts["locations"]) == ["DE", "US"]
    assert facts["transferBases"] == [
        {"mechanism": "EU_US_DPF", "destination": "US", "sccModule": None}
    ]


async def test_scc_modules_by_name_and_a_warning_before_a_basis_without_one(
    web: Api, seeded: Seeded
) -> None:
    sub_id = await _vendor(web, seeded, "Module Checks Ltd")
    key = await web.key(Role.PROCUREMENT, name="modules")
    base = f"/console/subprocessors/{sub_id}"
    async with browser_like(web) as client:
        await sign_in(client, key)
        form = await client.get(f"{base}/dpas/new")
        assert "Module 2: controller to processor" in form.text
        assert "separated by commas" not in form.text
        dpa = {"version": "2024-01", "signedOn": "2024-01-10", "sccModules": ["2", "3"]}
        assert (await submit(client, f"{base}/dpas/new", dpa)).status_code == 303

        basis_form = await client.get(f"{base}/transfer-bases/new")
        # The module is asked only for the mechanism that has modules (the 2021 SCCs).
        assert '<option value="SCC_2021" selected data-shows="modules">' in basis_form.text
        assert 'value="UK_ADDENDUM" data-shows' not in basis_form.text
        assert "Only for the 2021 SCCs and the UK Addendum" not in basis_form.text
        incomplete = {"mechanism": "SCC_2021", "destination": "US", "origin": "EEA"}
        warned = await submit(client, f"{base}/transfer-bases/new", incomplete)
        assert warned.status_code == 200
        assert 'id="incomplete"' in warned.text
        assert "names no module" in warned.text
        assert (await web.gql(FACTS, {"id": sub_id}, seeded.admin))["subprocessor"][
            "transferBases"
        ] == []
        confirmed = {**incomplete, "saveIncomplete": "yes"}
        assert (await submit(client, f"{base}/transfer-bases/new", confirmed)).status_code == 303
        with_module = {**incomplete, "destination": "IN", "sccModule": "2"}
        assert (await submit(client, f"{base}/transfer-bases/new", with_module)).status_code == 303
        addendum = {"mechanism": "UK_ADDENDUM", "destination": "US", "origin": "UK"}
        refused = await submit(client, f"{base}/transfer-bases/new", {**addendum, "sccModule": "2"})
        assert refused.status_code == 400
        assert "UK Addendum to the SCCs have no modules" in refused.text
    facts = (await web.gql(FACTS, {"id": sub_id}, seeded.admin))["subprocessor"]
    assert facts["dpas"] == [{"sccModules": [2, 3]}]
    assert sorted((b["destination"], b["sccModule"]) for b in facts["transferBases"]) == [
        ("IN", 2),
        ("US", None),
    ]


async def test_all_products_is_a_choice_of_its_own(web: Api, seeded: Seeded) -> None:
    await web.gql(
        """mutation { createProduct(input: {code: "billing", name: "Billing"}) {
           __typename } }""",
        key=seeded.admin,
    )
    key = await web.key(Role.PROCUREMENT, name="scope")
    async with browser_like(web) as client:
        await sign_in(client, key)
        form = await client.get("/console/subprocessors/new")
        assert "All products, also ones added later" in form.text
        assert "Tick none" not in form.text
        vendor = {"legalName": "Scope Choice BV", "purpose": "Billing"}
        nothing_ticked = await submit(
            client, "/console/subprocessors/new", {**vendor, "scopeProductsOnly": "only"}
        )
        assert nothing_ticked.status_code == 400
        assert "tick at least one product, or choose all products" in nothing_ticked.text
        # "All" wins over boxes left ticked from an earlier choice.
        created = await submit(
            client,
            "/console/subprocessors/new",
            {**vendor, "scopeProductsOnly": "all", "scopeProducts": ["billing"]},
        )
        assert created.status_code == 303
        sub_id = created.headers["location"].split("/")[-1].split("?")[0]
    scope = (await web.gql(FACTS, {"id": sub_id}, seeded.admin))["subprocessor"]["scope"]
    assert scope == {"products": []}


async def test_the_inbox_names_who_objected_and_preselects_nothing(
    web: Api, seeded: Seeded
) -> None:
    customer_key = await web.key(Role.CUSTOMER, customer_id=seeded.customers["Globex"])
    reason = "Globex wants to review the failover provider first"
    filed = await web.gql(
        FILE, {"input": {"changeId": seeded.upcoming, "reason": reason}}, customer_key
    )
    assert filed["fileObjection"]["__typename"] == "ObjectionFiled"
    # A person who objected through the notice page is named, with an address to write to.
    acme = Caller(role=Role.CUSTOMER, customer_id=seeded.customers["Acme"])
    person = ObjectionFiling(
        seeded.upcoming,
        "Acme's DPO wants a call first",
        filer_name="Dana Privacy",
        filer_email="dpo@acme.example",
    )
    await changes.file_objection(web.deps, acme, person)
    key = await web.key(Role.PROCUREMENT, name="inbox")
    async with browser_like(web) as client:
        await sign_in(client, key)
        inbox = (await client.get("/console/objections")).text
    assert 'Dana Privacy <a href="mailto:dpo@acme.example">dpo@acme.example</a>' in inbox
    row = inbox[inbox.index(reason) - 2000 : inbox.index(reason)]
    assert "Customer and who objected" in inbox
    assert "Through the API, key" in row
    assert " checked" not in inbox[inbox.index(reason) :].split("</tr>")[0]
    assert 'data-shows="contract-end"' in inbox
