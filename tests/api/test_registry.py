"""Recording the registry through GraphQL: success paths and every kind of bad input."""

from __future__ import annotations

from typing import Any

import pytest

from registry.domain.models import Role
from tests.conftest import Api

CREATE = """
mutation($input: CreateSubprocessorInput!) {
  createSubprocessor(input: $input) {
    __typename
    ... on SubprocessorCreated { subprocessor { id legalName status dataCategories } }
    ... on ValidationError { message field }
    ... on PermissionDenied { message }
  }
}"""

ADD_LOCATION = """
mutation($id: ID!, $input: ProcessingLocationInput!) {
  addProcessingLocation(subprocessorId: $id, input: $input) {
    __typename
    ... on ProcessingLocationAdded { subprocessor { locations { country region role } } }
    ... on ValidationError { message field }
    ... on NotFound { message }
  }
}"""

RECORD_DPA = """
mutation($id: ID!, $input: DpaInput!) {
  recordDpa(subprocessorId: $id, input: $input) {
    __typename
    ... on DpaRecorded { subprocessor { dpas { version signedOn expiresOn sccModules sha256 } } }
    ... on ValidationError { message field }
    ... on NotFound { message }
  }
}"""

RECORD_BASIS = """
mutation($id: ID!, $input: TransferBasisInput!) {
  recordTransferBasis(subprocessorId: $id, input: $input) {
    __typename
    ... on TransferBasisRecorded {
      subprocessor { transferBases { mechanism destination origin sccModule } }
    }
    ... on ValidationError { message field }
    ... on NotFound { message }
  }
}"""

CREATE_CUSTOMER = """
mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) {
    __typename
    ... on CustomerCreated {
      customer { id name terms { noticePeriod objectionWindow dataOrigin } }
    }
    ... on ValidationError { message field }
    ... on PermissionDenied { message }
  }
}"""


async def _create(api: Api, key: str, **values: Any) -> str:
    data = await api.gql(
        CREATE,
        {
            "input": {
                "legalName": "Mailgun Technologies, Inc.",
                "purpose": "Transactional email",
                **values,
            }
        },
        key,
    )
    payload = data["createSubprocessor"]
    assert payload["__typename"] == "SubprocessorCreated", payload
    sub_id: str = payload["subprocessor"]["id"]
    return sub_id


async def _count(api: Api, collection: str) -> int:
    return await api.deps.db[collection].count_documents({})


async def test_create_subprocessor_starts_proposed(api: Api, procurement_key: str) -> None:
    data = await api.gql(
        CREATE,
        {
            "input": {
                "legalName": "Zendesk, Inc.",
                "purpose": "Support desk",
                "dataCategories": ["contact details", "contact details", "tickets"],
            }
        },
        procurement_key,
    )
    sub = data["createSubprocessor"]["subprocessor"]
    assert sub["status"] == "PROPOSED"
    assert sub["dataCategories"] == ["contact details", "tickets"]
    assert sub["id"].startswith("sp_")


async def test_customer_key_cannot_write_registry(api: Api, admin_key: str) -> None:
    customer = (await api.gql(CREATE_CUSTOMER, {"input": {"name": "Acme"}}, admin_key))[
        "createCustomer"
    ]["customer"]
    key = await api.key(Role.CUSTOMER, customer["id"])
    before = await _count(api, "subprocessors")
    data = await api.gql(CREATE, {"input": {"legalName": "X", "purpose": "Y"}}, key)
    assert data["createSubprocessor"]["__typename"] == "PermissionDenied"
    anonymous = await api.gql(CREATE, {"input": {"legalName": "X", "purpose": "Y"}})
    assert anonymous["createSubprocessor"]["__typename"] == "PermissionDenied"
    assert await _count(api, "subprocessors") == before


async def test_nested_records(api: Api, procurement_key: str) -> None:
    sub_id = await _create(api, procurement_key)
    loc = await api.gql(
        ADD_LOCATION,
        {"id": sub_id, "input": {"country": "US", "region": "us-east-1", "role": "STORAGE"}},
        procurement_key,
    )
    assert loc["addProcessingLocation"]["subprocessor"]["locations"] == [
        {"country": "US", "region": "us-east-1", "role": "STORAGE"}
    ]
    dpa = await api.gql(
        RECORD_DPA,
        {
            "id": sub_id,
            "input": {
                "version": "2024-03",
                "signedOn": "2024-03-01",
                "expiresOn": "2027-03-01",
                "sccModules": [3, 2, 2],
                "sha256": "A" * 64,
            },
        },
        procurement_key,
    )
    assert dpa["recordDpa"]["subprocessor"]["dpas"] == [
        {
            "version": "2024-03",
            "signedOn": "2024-03-01",
            "expiresOn": "2027-03-01",
            "sccModules": [2, 3],
            "sha256": "a" * 64,
        }
    ]
    basis = await api.gql(
        RECORD_BASIS,
        {"id": sub_id, "input": {"mechanism": "SCC_2021", "destination": "US", "sccModule": 2}},
        procurement_key,
    )
    assert basis["recordTransferBasis"]["subprocessor"]["transferBases"] == [
        {"mechanism": "SCC_2021", "destination": "US", "origin": "EEA", "sccModule": 2}
    ]


BAD_LOCATIONS = [
    ({"country": "XX"}, "country"),
    ({"country": "usa"}, "country"),
    ({"country": ""}, "country"),
    ({"country": "us"}, "country"),
    ({"country": "UK"}, "country"),
    ({"country": "DE", "region": "<script>"}, "region"),
]


@pytest.mark.parametrize(
    ("location", "field"),
    BAD_LOCATIONS,
    ids=["XX unassigned", "usa alpha-3", "empty", "lower case", "UK is not ISO", "bad region"],
)
async def test_bad_location_is_refused_and_writes_nothing(
    api: Api, procurement_key: str, location: dict[str, str], field: str
) -> None:
    sub_id = await _create(api, procurement_key)
    before = await _count(api, "processing_locations")
    data = await api.gql(ADD_LOCATION, {"id": sub_id, "input": location}, procurement_key)
    assert data["addProcessingLocation"]["__typename"] == "ValidationError"
    assert data["addProcessingLocation"]["field"] == field
    assert await _count(api, "processing_locations") == before


UPDATE = """
mutation($id: ID!, $input: UpdateSubprocessorInput!) {
  updateSubprocessor(id: $id, input: $input) {
    __typename
    ... on SubprocessorUpdated { subprocessor { legalName } }
    ... on ValidationError { message field }
  }
}"""

BAD_DETAILS = [
    ({"legalName": " "}, "legalName"),
    ({"legalName": "x" * 201}, "legalName"),
    ({"purpose": "x" * 1001}, "purpose"),
    ({"dataCategories": ["c"] * 51}, "dataCategories"),
    ({"dataCategories": [" "]}, "dataCategories"),
    ({"website": "ftp://example.com"}, "website"),
    ({"contactEmail": "not an address"}, "contactEmail"),
]
BAD_DETAIL_IDS = [
    "blank name",
    "name over 200",
    "purpose over 1000",
    "51 categories",
    "blank category",
    "ftp website",
    "bad e-mail",
]


@pytest.mark.parametrize(("details", "field"), BAD_DETAILS, ids=BAD_DETAIL_IDS)
async def test_bad_details_are_refused_on_create_and_update(
    api: Api, procurement_key: str, details: dict[str, Any], field: str
) -> None:
    """Creating and editing a vendor check each detail by the same rule."""
    sub_id = await _create(api, procurement_key)
    before = await _count(api, "subprocessors")
    new = {"legalName": "Postmark", "purpose": "E-mail", **details}
    created = (await api.gql(CREATE, {"input": new}, procurement_key))["createSubprocessor"]
    assert (created["__typename"], created["field"]) == ("ValidationError", field)
    assert await _count(api, "subprocessors") == before
    edit = {"purpose": "Changed", **details}
    updated = await api.gql(UPDATE, {"id": sub_id, "input": edit}, procurement_key)
    assert (
        updated["updateSubprocessor"]["__typename"],
        updated["updateSubprocessor"]["field"],
    ) == (
        "ValidationError",
        field,
    )
    stored = await api.deps.db["subprocessors"].find_one({"_id": sub_id})
    assert stored is not None
    assert stored["purpose"] == "Transactional email"


BAD_DPAS = [
    ({"version": "1", "signedOn": "2024-05-01", "expiresOn": "2024-04-30"}, "expiresOn"),
    ({"version": "1", "signedOn": "2024-05-01", "sccModules": [5]}, "sccModules"),
    ({"version": "1", "signedOn": "2024-05-01", "sccModules": [0]}, "sccModules"),
    ({"version": "1", "signedOn": "2024-05-01", "sha256": "abc"}, "sha256"),
    ({"version": "1", "signedOn": "2024-05-01", "documentUrl": "ftp://x/y"}, "documentUrl"),
    ({"version": " ", "signedOn": "2024-05-01"}, "version"),
]


@pytest.mark.parametrize(
    ("dpa", "field"),
    BAD_DPAS,
    ids=[
        "expiry before signature",
        "SCC module 5",
        "SCC module 0",
        "short sha256",
        "ftp url",
        "blank version",
    ],
)
async def test_bad_dpa_is_refused(
    api: Api, procurement_key: str, dpa: dict[str, Any], field: str
) -> None:
    sub_id = await _create(api, procurement_key)
    before = await _count(api, "dpas")
    data = await api.gql(RECORD_DPA, {"id": sub_id, "input": dpa}, procurement_key)
    assert data["recordDpa"]["__typename"] == "ValidationError"
    assert data["recordDpa"]["field"] == field
    assert await _count(api, "dpas") == before


BAD_BASES = [
    ({"mechanism": "SCC_2021", "destination": "ZZ"}, "destination"),
    ({"mechanism": "SCC_2021", "destination": "US", "sccModule": 7}, "sccModule"),
    ({"mechanism": "BCR", "destination": "US", "sccModule": 1}, "sccModule"),
    (
        {
            "mechanism": "SCC_2021",
            "destination": "US",
            "validFrom": "2024-01-02",
            "validUntil": "2024-01-01",
        },
        "validUntil",
    ),
]


@pytest.mark.parametrize(
    ("basis", "field"),
    BAD_BASES,
    ids=["unknown destination", "SCC module 7", "module on BCR", "until before from"],
)
async def test_bad_basis_is_refused(
    api: Api, procurement_key: str, basis: dict[str, Any], field: str
) -> None:
    sub_id = await _create(api, procurement_key)
    before = await _count(api, "transfer_bases")
    data = await api.gql(RECORD_BASIS, {"id": sub_id, "input": basis}, procurement_key)
    assert data["recordTransferBasis"]["__typename"] == "ValidationError"
    assert data["recordTransferBasis"]["field"] == field
    assert await _count(api, "transfer_bases") == before


async def test_unknown_mechanism_is_a_graphql_error(api: Api, procurement_key: str) -> None:
    sub_id = await _create(api, procurement_key)
    response = await api.post(
        RECORD_BASIS,
        {"id": sub_id, "input": {"mechanism": "PINKY_SWEAR", "destination": "US"}},
        procurement_key,
    )
    assert response.status_code == 200 or response.status_code == 400
    assert "PINKY_SWEAR" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    "bad_id",
    ["sp_000000000000000000000000", "cus_6650c1e2a1b2c3d4e5f60718", "nonsense", ""],
    ids=["unknown subprocessor", "id of another type", "malformed", "empty"],
)
async def test_unknown_ids_are_not_found(api: Api, procurement_key: str, bad_id: str) -> None:
    data = await api.gql(ADD_LOCATION, {"id": bad_id, "input": {"country": "DE"}}, procurement_key)
    assert data["addProcessingLocation"]["__typename"] == "NotFound"


@pytest.mark.parametrize(
    ("terms", "field"),
    [
        ({"noticePeriod": "3 months"}, "noticePeriod"),
        ({"noticePeriod": "P-1M"}, "noticePeriod"),
        ({"noticePeriod": "P"}, "noticePeriod"),
        ({"objectionWindow": "30 days"}, "objectionWindow"),
        ({"name": "  "}, "name"),
        ({"noticeEmails": ["not-an-email"]}, "noticeEmails"),
    ],
    ids=["3 months", "P-1M", "bare P", "objection window words", "blank name", "bad email"],
)
async def test_bad_customer_terms(
    api: Api, admin_key: str, terms: dict[str, Any], field: str
) -> None:
    before = await _count(api, "customers")
    data = await api.gql(CREATE_CUSTOMER, {"input": {"name": "Acme", **terms}}, admin_key)
    assert data["createCustomer"]["__typename"] == "ValidationError"
    assert data["createCustomer"]["field"] == field
    assert await _count(api, "customers") == before


async def test_customer_defaults(api: Api, admin_key: str) -> None:
    data = await api.gql(CREATE_CUSTOMER, {"input": {"name": "Defaults GmbH"}}, admin_key)
    assert data["createCustomer"]["customer"]["terms"] == {
        "noticePeriod": "P3M",
        "objectionWindow": None,
        "dataOrigin": "EEA",
    }


async def test_procurement_cannot_create_customers(api: Api, procurement_key: str) -> None:
    data = await api.gql(CREATE_CUSTOMER, {"input": {"name": "Nope"}}, procurement_key)
    assert data["createCustomer"]["__typename"] == "PermissionDenied"
