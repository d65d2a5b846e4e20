"""The console: the overview says what the identity lacks; an ADMIN sets it (logo by
upload) on /console/operator; a bad value is shown beside its field and changes nothing;
PROCUREMENT reads it without a form."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from pymongo import AsyncMongoClient

from registry.clock import FrozenClock
from registry.domain.models import Role
from registry.domain.operator import LOGO_MAX_BYTES
from registry.services import operator as operators
from registry.store.database import Document
from tests.conftest import START, Api, make_settings, running_api
from tests.web.console_support import browser_like, sign_in, token_of

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
FORM = {
    "legalName": "Acme Cloud GmbH",
    "tradingName": "Acme Cloud",
    "address": "Hauptstrasse 1\r\n10115 Berlin",
    "privacyEmail": "privacy@acme-cloud.example",
    "privacyUrl": "https://acme-cloud.example/privacy",
    "dpaTitle": "",
    "dpaUrl": "",
    "brandColour": "#0a4fa6",
    "reason": "First recorded",
}


@pytest.fixture
async def fresh(mongo_uri: str, mongo_client: AsyncMongoClient[Document]) -> AsyncIterator[Api]:
    name = f"t_opconsole_{uuid.uuid4().hex[:8]}"
    async with running_api(make_settings(mongo_uri, name), FrozenClock(START)) as api:
        yield api
    await mongo_client.drop_database(name)


async def test_the_overview_says_what_is_missing_and_an_admin_completes_it(fresh: Api) -> None:
    async with browser_like(fresh) as client:
        await sign_in(client, await fresh.key(Role.ADMIN))
        overview = await client.get("/console")
        assert 'id="operator-missing"' in overview.text
        assert "Legal name, Postal address, Privacy contact e-mail" in overview.text

        page = await client.get("/console/operator")
        saved = await client.post(
            "/console/operator",
            data={"csrf_token": token_of(page.text), **FORM},
            files={"logo": ("logo.png", PNG, "image/png")},
        )
        assert saved.status_code == 303

        recorded = await operators.identity(fresh.deps)
        assert recorded.name == "Acme Cloud"
        assert recorded.address == "Hauptstrasse 1\n10115 Berlin"
        assert recorded.logo is not None
        assert recorded.logo.startswith("data:image/png;base64,")
        overview = await client.get("/console")
        assert 'id="operator-missing"' not in overview.text
        assert "Notices are sent as Acme Cloud" in overview.text


@pytest.mark.parametrize(
    ("values", "upload", "field_message"),
    [
        ({"privacyEmail": "privacy at acme"}, None, "is not an email address"),
        ({"brandColour": "navy"}, None, "is not a colour written #rrggbb"),
        ({}, ("logo.png", PNG * 2000, "image/png"), f"larger than {LOGO_MAX_BYTES // 1024} KiB"),
        ({}, ("logo.svg", b"<svg/>", "image/svg+xml"), "PNG, JPEG or WebP"),
    ],
    ids=["malformed e-mail", "bad colour", "oversized logo", "svg logo"],
)
async def test_a_bad_value_is_shown_and_nothing_changes(
    fresh: Api,
    values: dict[str, str],
    upload: tuple[str, bytes, str] | None,
    field_message: str,
) -> None:
    before = await operators.identity(fresh.deps)
    async with browser_like(fresh) as client:
        await sign_in(client, await fresh.key(Role.ADMIN))
        page = await client.get("/console/operator")
        refused = await client.post(
            "/console/operator",
            data={"csrf_token": token_of(page.text), **FORM, **values},
            files={"logo": upload} if upload else {"logo": ("", b"", "application/octet-stream")},
        )
    assert refused.status_code == 400
    assert field_message in refused.text
    assert 'aria-invalid="true"' in refused.text
    assert await operators.identity(fresh.deps) == before
    assert await fresh.deps.db["operator"].count_documents({}) == 0


async def test_procurement_reads_the_identity_without_a_form(fresh: Api) -> None:
    async with browser_like(fresh) as client:
        await sign_in(client, await fresh.key(Role.PROCUREMENT))
        page = await client.get("/console/operator")
    assert page.status_code == 200
    assert "Only an ADMIN can change" in page.text
    assert 'enctype="multipart/form-data"' not in page.text
