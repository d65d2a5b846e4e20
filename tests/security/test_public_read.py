"""REGISTRY_PUBLIC_READ: anonymous callers read the public list only when it is on."""

from __future__ import annotations

import uuid

from pymongo import AsyncMongoClient

from registry.clock import FrozenClock
from registry.domain.models import Role
from registry.store.database import Document
from tests.conftest import START, make_settings, running_api

LIST = "{ subprocessors { totalCount } }"


async def test_public_read_off_needs_a_key(
    mongo_uri: str, mongo_client: AsyncMongoClient[Document]
) -> None:
    name = f"t_private_{uuid.uuid4().hex[:8]}"
    settings = make_settings(mongo_uri, name, public_read=False)
    async with running_api(settings, FrozenClock(START)) as api:
        anonymous = await api.post(LIST)
        assert anonymous.status_code < 500
        assert "needs a key" in anonymous.json()["errors"][0]["message"]
        assert (await api.http.get("/subprocessors.json")).status_code == 403
        key = await api.key(Role.PROCUREMENT)
        assert (await api.gql(LIST, key=key)) == {"subprocessors": {"totalCount": 0}}
    await mongo_client.drop_database(name)
