"""Seeding creates what is missing and never rewrites live state; it says what it skipped."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from pymongo import AsyncMongoClient

from registry.clock import FrozenClock
from registry.domain.drafts import ChangeAnnouncement, CustomerEdit
from registry.domain.models import ChangeKind, Role, SubprocessorStatus
from registry.services import changes, customers
from registry.services.caller import Caller
from registry.services.seeding import SeedError, load_seed_file
from registry.store import dpas, ids, subprocessors
from registry.store.database import Document
from tests.conftest import START, Api, make_settings, running_api

SEED = Path(__file__).parents[2] / "seeds" / "pronestor.json"
ADMIN = Caller(Role.ADMIN)
AWS = ids.stable_id("Subprocessor", "pronestor-privacy-policy.txt", "aws")


@pytest.fixture
async def fresh(mongo_uri: str, mongo_client: AsyncMongoClient[Document]) -> AsyncIterator[Api]:
    name = f"t_seeding_{uuid.uuid4().hex[:8]}"
    async with running_api(make_settings(mongo_uri, name), FrozenClock(START)) as api:
        yield api
    await mongo_client.drop_database(name)


async def test_dpas_without_a_signing_date_are_kept_with_an_unknown_date(fresh: Api) -> None:
    report = await load_seed_file(fresh.deps, SEED)
    assert report.skipped == []
    found = (await dpas.by_subprocessors(fresh.deps.db, [AWS])).get(AWS, [])
    assert [d.signed_on for d in found] == [None]
    assert await fresh.deps.db["dpas"].count_documents({}) == 27


async def test_a_second_run_never_reverts_a_change_that_took_effect(fresh: Api) -> None:
    deps = fresh.deps
    await load_seed_file(deps, SEED)
    vendor = await subprocessors.get(deps.db, AWS)
    assert vendor is not None
    assert vendor.status is SubprocessorStatus.ACTIVE
    change = await changes.announce_change(
        deps, ADMIN, ChangeAnnouncement(ChangeKind.REMOVE, vendor.id, description="retire")
    )
    fresh.clock.set(change.effective_at + timedelta(seconds=1))
    await fresh.scheduler.run_until_idle()
    retired = await subprocessors.get(deps.db, vendor.id)
    assert retired is not None
    assert retired.status is SubprocessorStatus.RETIRED

    customer = (await customers.list_customers(deps, ADMIN, after=None, limit=1))[0][0]
    await customers.update_customer(deps, ADMIN, customer.id, CustomerEdit(notice_period="P6M"))

    again = await load_seed_file(deps, SEED)

    kept = await subprocessors.get(deps.db, vendor.id)
    assert kept == retired
    edited = await customers.get_customer(deps, ADMIN, customer.id)
    assert edited.terms.notice_period == "P6M"
    assert again.changed == 0
    assert any(s.startswith("subprocessor 'aws'") for s in again.skipped), again.skipped
    assert any("customer" in s for s in again.skipped), again.skipped
    assert all("kept as it is" in s for s in again.skipped)


def _seed_file(tmp_path: Path, vendors: list[dict[str, object]]) -> Path:
    path = tmp_path / "control.json"
    source = {"document": f"control-{uuid.uuid4().hex[:8]}.txt", "dated": "2024-01-01"}
    path.write_text(json.dumps({"format": 1, "source": source, "subprocessors": vendors}))
    return path


def _vendor(key: str) -> dict[str, object]:
    location = {"country": "DE", "note": "Frankfurt.\nSince 2024."}
    return {"key": key, "legal_name": "Postmark", "purpose": "E-mail", "locations": [location]}


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        pytest.param({"legal_name": "Postmark\r\nBcc: x@evil.test"}, "legal_name", id="name CRLF"),
        pytest.param({"data_categories": ["E-mail\x00"]}, "data_categories", id="category NUL"),
        pytest.param(
            {"locations": [{"country": "DE"}, {"country": "US", "region": "us-east-1\u2028"}]},
            "locations[1].region",
            id="second location's region U+2028",
        ),
        pytest.param(
            {"dpas": [{"version": "2024\n", "signed_on": "2024-01-01"}]},
            "dpas[0].version",
            id="DPA version LF",
        ),
        pytest.param(
            {
                "transfer_bases": [
                    {"mechanism": "SCC_2021", "destination": "US", "reference": "\x1b"}
                ]
            },
            "transfer_bases[0].reference",
            id="basis reference escape",
        ),
    ],
)
async def test_a_seed_with_a_control_character_is_refused_naming_field_and_record(
    fresh: Api, tmp_path: Path, bad: dict[str, object], field: str
) -> None:
    """The record before it is written; the refused record writes nothing, not even the
    parts that came before its bad field."""
    path = _seed_file(tmp_path, [_vendor("good"), {**_vendor("bad"), **bad}])
    with pytest.raises(SeedError) as refused:
        await load_seed_file(fresh.deps, path)
    assert "subprocessor 'bad'" in str(refused.value)
    assert field in str(refused.value)
    namespace = json.loads(path.read_text())["source"]["document"]
    good = ids.stable_id("Subprocessor", namespace, "good")
    bad_id = ids.stable_id("Subprocessor", namespace, "bad")
    db = fresh.deps.db
    assert await subprocessors.get(db, good) is not None
    assert await subprocessors.get(db, bad_id) is None
    for collection in ("processing_locations", "dpas", "transfer_bases"):
        assert await db[collection].count_documents({"subprocessor_id": bad_id}) == 0
    [location] = [d async for d in db["processing_locations"].find({"subprocessor_id": good})]
    assert location["note"] == "Frankfurt.\nSince 2024."
