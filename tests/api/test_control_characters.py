"""Every GraphQL entry of one-line text refuses line breaks and control characters: a
ValidationError payload names the field, and nothing is written."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api

SUB = "sub"
"""Stands for the id of a vendor the test creates first."""

CASES: list[Any] = [
    pytest.param(
        "createSubprocessor",
        "mutation($input: CreateSubprocessorInput!) { createSubprocessor(input: $input) { "
        "__typename ... on ValidationError { field message } } }",
        {"input": {"legalName": "Evil Corp\r\nBcc: all@acme.test", "purpose": "E-mail"}},
        "legalName",
        "subprocessors",
        id="legal name with CRLF",
    ),
    pytest.param(
        "createSubprocessor",
        "mutation($input: CreateSubprocessorInput!) { createSubprocessor(input: $input) { "
        "__typename ... on ValidationError { field message } } }",
        {"input": {"legalName": "Postmark", "purpose": "E-mail\u2028delivery"}},
        "purpose",
        "subprocessors",
        id="purpose with U+2028",
    ),
    pytest.param(
        "createSubprocessor",
        "mutation($input: CreateSubprocessorInput!) { createSubprocessor(input: $input) { "
        "__typename ... on ValidationError { field message } } }",
        {"input": {"legalName": "Postmark", "purpose": "E-mail", "dataCategories": ["a\x00"]}},
        "dataCategories",
        "subprocessors",
        id="data category with NUL",
    ),
    pytest.param(
        "createSubprocessor",
        "mutation($input: CreateSubprocessorInput!) { createSubprocessor(input: $input) { "
        "__typename ... on ValidationError { field message } } }",
        {
            "input": {
                "legalName": "Postmark",
                "purpose": "E-mail",
                "contactEmail": "dpo@postmark.test\r\nBcc: x@evil.test",
            }
        },
        "contactEmail",
        "subprocessors",
        id="contact e-mail with CRLF",
    ),
    pytest.param(
        "createSubprocessor",
        "mutation($input: CreateSubprocessorInput!) { createSubprocessor(input: $input) { "
        "__typename ... on ValidationError { field message } } }",
        {"input": {"legalName": "Postmark", "purpose": "E-mail", "website": "https://a.test/\n"}},
        "website",
        "subprocessors",
        id="website with LF",
    ),
    pytest.param(
        "createSubprocessor",
        "mutation($input: CreateSubprocessorInput!) { createSubprocessor(input: $input) { "
        "__typename ... on ValidationError { field message } } }",
        {"input": {"legalName": "Postmark \u202eexe.", "purpose": "E-mail"}},
        "legalName",
        "subprocessors",
        id="legal name with a right-to-left override",
    ),
    pytest.param(
        "addProcessingLocation",
        "mutation($id: ID!, $input: ProcessingLocationInput!) { "
        "addProcessingLocation(subprocessorId: $id, input: $input) { "
        "__typename ... on ValidationError { field message } } }",
        {"id": SUB, "input": {"country": "DE", "region": "eu-central-1\n"}},
        "region",
        "processing_locations",
        id="region with LF",
    ),
    pytest.param(
        "addProcessingLocation",
        "mutation($id: ID!, $input: ProcessingLocationInput!) { "
        "addProcessingLocation(subprocessorId: $id, input: $input) { "
        "__typename ... on ValidationError { field message } } }",
        {"id": SUB, "input": {"country": "DE", "note": "Frankfurt\x00"}},
        "note",
        "processing_locations",
        id="location note with NUL",
    ),
    pytest.param(
        "recordDpa",
        "mutation($id: ID!, $input: DpaInput!) { recordDpa(subprocessorId: $id, input: $input) { "
        "__typename ... on ValidationError { field message } } }",
        {"id": SUB, "input": {"version": "2024\r\n", "signedOn": "2024-05-01"}},
        "version",
        "dpas",
        id="DPA version with CRLF",
    ),
    pytest.param(
        "recordTransferBasis",
        "mutation($id: ID!, $input: TransferBasisInput!) { "
        "recordTransferBasis(subprocessorId: $id, input: $input) { "
        "__typename ... on ValidationError { field message } } }",
        {
            "id": SUB,
            "input": {"mechanism": "SCC_2021", "destination": "US", "reference": "SCCs\tM2"},
        },
        "reference",
        "transfer_bases",
        id="basis reference with tab",
    ),
    pytest.param(
        "createProduct",
        "mutation($input: CreateProductInput!) { createProduct(input: $input) { "
        "__typename ... on ValidationError { field message } } }",
        {"input": {"code": "crm", "name": "CRM\r\nSuite"}},
        "name",
        "products",
        id="product name with CRLF",
    ),
    pytest.param(
        "createHostingRegion",
        "mutation($input: CreateHostingRegionInput!) { createHostingRegion(input: $input) { "
        "__typename ... on ValidationError { field message } } }",
        {"input": {"code": "eu", "name": "EU\x85", "countries": ["DE"]}},
        "name",
        "hosting_regions",
        id="hosting region name with U+0085",
    ),
    pytest.param(
        "createCustomer",
        "mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { "
        "__typename ... on ValidationError { field message } } }",
        {"input": {"name": "Acme\nGmbH"}},
        "name",
        "customers",
        id="customer name with LF",
    ),
    pytest.param(
        "createApiKey",
        "mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { "
        "__typename ... on ValidationError { field message } } }",
        {"input": {"name": "ci\r\nrole: ADMIN", "role": "PROCUREMENT"}},
        "name",
        "api_keys",
        id="API key name with CRLF",
    ),
]


@pytest.mark.parametrize(("mutation", "query", "variables", "field", "collection"), CASES)
async def test_control_characters_are_refused_and_nothing_is_written(
    api: Api,
    admin_key: str,
    mutation: str,
    query: str,
    variables: dict[str, Any],
    field: str,
    collection: str,
) -> None:
    if variables.get("id") == SUB:
        variables = {**variables, "id": await _vendor(api, admin_key)}
    before = await api.deps.db[collection].count_documents({})
    payload = (await api.gql(query, variables, admin_key))[mutation]
    assert payload["__typename"] == "ValidationError", payload
    assert payload["field"] == field
    assert payload["message"].startswith(f"{field} ")
    assert await api.deps.db[collection].count_documents({}) == before


async def _vendor(api: Api, key: str) -> str:
    data = await api.gql(
        'mutation { createSubprocessor(input: {legalName: "Mailgun", purpose: "E-mail"}) { '
        "... on SubprocessorCreated { subprocessor { id } } } }",
        key=key,
    )
    vendor_id: str = data["createSubprocessor"]["subprocessor"]["id"]
    return vendor_id


async def test_multi_line_notes_keep_their_lines(api: Api, admin_key: str) -> None:
    vendor_id = await _vendor(api, admin_key)
    data = await api.gql(
        "mutation($id: ID!, $input: ProcessingLocationInput!) { "
        "addProcessingLocation(subprocessorId: $id, input: $input) { "
        "... on ProcessingLocationAdded { subprocessor { locations { note } } } } }",
        {"id": vendor_id, "input": {"country": "DE", "note": "Frankfurt.\r\nSince 2024."}},
        admin_key,
    )
    [location] = data["addProcessingLocation"]["subprocessor"]["locations"]
    assert location["note"] == "Frankfurt.\nSince 2024."
