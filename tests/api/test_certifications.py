"""A vendor's certifications, a field declared in one line, reach every surface: the API
(create, edit, clear), the console, the change snapshot, the notice e-mail and page,
the public page and both exports."""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from pymongo import AsyncMongoClient

from registry.clock import FrozenClock
from registry.domain.models import Role
from registry.store.database import Document
from tests.conftest import START, Api, make_settings, running_api
from tests.mail import MailServer
from tests.web.console_support import browser_like, sign_in, submit
from tests.web.notice_world import LINK

CERTIFIED = ["ISO/IEC 27001", "SOC 2 Type II"]
CREATE = """
mutation($input: CreateSubprocessorInput!) { createSubprocessor(input: $input) {
  __typename ... on SubprocessorCreated { subprocessor { id certifications } }
  ... on ValidationError { field message } } }"""
UPDATE = """
mutation($id: ID!, $input: UpdateSubprocessorInput!) { updateSubprocessor(id: $id, input: $input) {
  __typename ... on SubprocessorUpdated { subprocessor { certifications } }
  ... on ValidationError { field message } } }"""
CUSTOMER = """
mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { ... on CustomerCreated { customer { id } } } }"""
ANNOUNCE = """
mutation($input: AnnounceChangeInput!) {
  announceChange(input: $input) { ... on ChangeAnnounced { change { id effectiveAt } } } }"""


@pytest.fixture
async def world(
    mongo_uri: str, mongo_client: AsyncMongoClient[Document]
) -> AsyncIterator[tuple[Api, MailServer]]:
    mail = MailServer()
    await mail.start()
    name = f"t_certs_{uuid.uuid4().hex[:8]}"
    settings = make_settings(mongo_uri, name, smtp_url=mail.url, public_url="http://registry.test")
    try:
        async with running_api(settings, FrozenClock(START)) as api:
            yield api, mail
    finally:
        await mail.stop()
        await mongo_client.drop_database(name)


async def test_certifications_reach_every_surface(world: tuple[Api, MailServer]) -> None:
    api, mail = world
    admin = await api.key(Role.ADMIN)

    # The API: created, refused when too long, edited, cleared.
    new = {"legalName": "Postmark", "purpose": "E-mail", "certifications": ["SOC 2"]}
    created = (await api.gql(CREATE, {"input": new}, admin))["createSubprocessor"]
    assert created["subprocessor"]["certifications"] == ["SOC 2"]
    sub_id = created["subprocessor"]["id"]
    long = {**new, "certifications": ["x" * 101]}
    refused = (await api.gql(CREATE, {"input": long}, admin))["createSubprocessor"]
    assert (refused["__typename"], refused["field"]) == ("ValidationError", "certifications")
    cleared = await api.gql(UPDATE, {"id": sub_id, "input": {"certifications": None}}, admin)
    assert cleared["updateSubprocessor"]["subprocessor"]["certifications"] == []

    # The console: the form has the field, the vendor page shows what was saved.
    async with browser_like(api) as client:
        await sign_in(client, admin)
        form = await client.get(f"/console/subprocessors/{sub_id}/edit")
        assert 'name="certifications"' in form.text
        saved = await submit(
            client,
            f"/console/subprocessors/{sub_id}/edit",
            {"legalName": "Postmark", "purpose": "E-mail", "certifications": ", ".join(CERTIFIED)},
        )
        assert saved.status_code == 303
        page = await client.get(f"/console/subprocessors/{sub_id}")
        assert "ISO/IEC 27001, SOC 2 Type II" in page.text

    # Announced: the snapshot, the e-mail and the notice page carry them.
    customer = {"name": "Acme", "noticePeriod": "P1D", "noticeEmails": ["dpo@acme.test"]}
    await api.gql(CUSTOMER, {"input": customer}, admin)
    change = (await api.gql(ANNOUNCE, {"input": {"kind": "ADD", "subprocessorId": sub_id}}, admin))[
        "announceChange"
    ]["change"]
    await api.scheduler.run_until_idle()
    event = await api.deps.db["events"].find_one({"type": "change.announced"})
    assert event is not None
    snapshot = await api.deps.db["changes"].find_one({"_id": change["id"]})
    assert snapshot is not None
    assert snapshot["snapshot"]["subprocessor"]["certifications"] == CERTIFIED
    await mail.wait_for(1)
    body = mail.messages[0].get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert re.search(r"\nCertifications: +ISO/IEC 27001, SOC 2 Type II\r?\n", text), text
    link = LINK.search(text)
    assert link is not None
    notice = await api.http.get(link.group(0).removeprefix("http://registry.test"))
    assert notice.status_code == 200
    assert "<dt>Certifications</dt><dd>ISO/IEC 27001, SOC 2 Type II</dd>" in notice.text

    # In force: the public page and both exports.
    api.clock.advance(timedelta(days=2))
    await api.scheduler.run_until_idle()
    public = await api.http.get("/subprocessors")
    assert "Certifications: ISO/IEC 27001, SOC 2 Type II" in public.text
    exported = await api.http.get("/subprocessors.csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["certifications"] for r in rows] == ["ISO/IEC 27001; SOC 2 Type II"]
    listed = (await api.http.get("/subprocessors.json")).json()["subprocessors"]
    assert [r["certifications"] for r in listed] == [CERTIFIED]
