"""Anonymous entity tags are made from public data only (store/meta.py's public version):
a customer opening or acknowledging its notice page moves the registry version, and the
tags of keyed callers, but no tag an anonymous caller sees."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest

from registry.domain.models import Role
from tests.web.notice_world import World, notice_world

LIST = "{ subprocessors(first: 5) { totalCount } }"
VENDOR = """mutation { createSubprocessor(input: {legalName: "Tag Mover Ltd", purpose: "p"})
  { __typename } }"""


@pytest.fixture(scope="module")
async def world(mongo_uri: str, db_name: str) -> AsyncIterator[World]:
    async with notice_world(mongo_uri, db_name) as made:
        yield made


async def _tags(world: World, key: str | None = None) -> tuple[str, str, str]:
    http = world.api.http
    headers = {"authorization": f"Bearer {key}"} if key else {}
    page = await http.get("/changes.atom", headers=headers)
    document = await http.get("/subprocessors.json", headers=headers)
    answer = await world.api.post(LIST, key=key)
    assert page.status_code == document.status_code == answer.status_code == 200
    return page.headers["etag"], document.headers["etag"], answer.headers["etag"]


async def test_a_customer_opening_its_notice_page_changes_no_public_tag(world: World) -> None:
    told = await world.announce()
    staff = await world.api.key(Role.PROCUREMENT)
    public_before, staff_before = await _tags(world), await _tags(world, staff)

    path = urlsplit(told.link_for("privacy@acme.test")).path
    opened = await world.api.http.get(path)
    guard = opened.text.split('name="guard" value="', 1)[1].split('"', 1)[0]
    acknowledged = await world.api.http.post(
        path, data={"action": "acknowledge", "guard": guard, "name": "Ana", "email": ""}
    )

    assert opened.status_code == 200
    assert acknowledged.status_code in (200, 303)
    assert await _tags(world) == public_before
    staff_after = await _tags(world, staff)
    assert all(a != b for a, b in zip(staff_after, staff_before, strict=True))
    await world.api.gql(VENDOR, key=world.admin)  # a write the public may see
    assert all(a != b for a, b in zip(await _tags(world), public_before, strict=True))
