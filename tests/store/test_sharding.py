"""The shard-key plan against the indexes the service creates and against the docs."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from pymongo import AsyncMongoClient

from registry.store import ensure_indexes, ids, sharding
from registry.store.database import Database, Document
from registry.store.sharding import PLAN, by_collection, violations

GROWING = (
    "notices",
    "notice_schedule",
    "events",
    "webhook_deliveries",
    "webhook_delivery_queue",
    "webhook_delivery_attempts",
    "audit_log",
    "objections",
    "email_subscribers",
    "notice_views",
)
CATALOG = ("subprocessors", "processing_locations", "dpas", "transfer_bases", "customers")


@pytest.fixture
async def db(mongo_client: AsyncMongoClient[Document]) -> AsyncIterator[Database]:
    name = f"t_sharding_{uuid.uuid4().hex[:8]}"
    yield mongo_client[name]
    await mongo_client.drop_database(name)


async def listed_indexes(db: Database) -> dict[str, list[Document]]:
    return {
        name: [index async for index in await db[name].list_indexes()]
        for name in await db.list_collection_names()
    }


async def test_the_indexes_the_service_creates_fit_the_plan(db: Database) -> None:
    await ensure_indexes(db)
    indexes = await listed_indexes(db)
    # Not vacuous: the growing collections with indexes of their own are all there.
    assert {"notices", "events", "webhook_deliveries", "objections", "audit_log"} <= set(indexes)
    assert violations(indexes) == []
    for name in set(indexes) & set(GROWING):
        unique = [i["name"] for i in indexes[name] if i.get("unique") and i["name"] != "_id_"]
        assert unique == [], f"{name} keeps uniqueness outside _id: {unique}"


def test_a_unique_index_outside_the_shard_key_is_reported() -> None:
    by_dedupe_key = {"name": "dedupe_key_unique", "key": {"dedupe_key": 1}, "unique": True}
    on_delivery = {"name": "by_number", "key": {"delivery_id": 1, "number": 1}, "unique": True}
    on_number = {"name": "number", "key": {"number": 1, "delivery_id": 1}, "unique": True}
    found = violations(
        {
            "events": [{"name": "_id_", "key": {"_id": 1}}, by_dedupe_key],
            "webhook_delivery_attempts": [on_delivery, on_number],
            "api_keys": [{"name": "key_hash_unique", "key": {"key_hash": 1}, "unique": True}],
            "surprise": [],
        }
    )
    assert found == [
        "events: unique index dedupe_key_unique on dedupe_key does not start with the shard "
        "key _id",
        "surprise: not in the shard-key plan (store/sharding.py)",
        "webhook_delivery_attempts: unique index number on number, delivery_id does not start "
        "with the shard key delivery_id",
    ]


def test_every_growing_collection_is_sharded_and_the_catalog_is_not() -> None:
    plan = by_collection()
    assert len(plan) == len(PLAN)  # one row per collection
    for name in GROWING:
        assert plan[name].sharded, name
        assert plan[name].unique, name
    for name in CATALOG:
        assert not plan[name].sharded, name
    assert plan["email_subscribers"].shard_key == (("_id", "hashed"),)
    assert plan["notice_views"].shard_key == (("_id", "hashed"),)


def test_the_docs_are_the_plan() -> None:
    text = sharding.SCALING_DOC.read_text()
    assert sharding.generated_blocks(text) == set(sharding.GENERATED)
    assert text == sharding.render_doc(text), (
        "docs/scaling.md differs from store/sharding.py: run `python -m registry.store.sharding`"
    )
    for placement in PLAN:
        assert f"| `{placement.collection}` |" in text
        if placement.sharded:
            assert f'sh.shardCollection("registry.{placement.collection}"' in text


def test_a_stale_doc_is_detected() -> None:
    text = sharding.SCALING_DOC.read_text().replace(
        'sh.shardCollection("registry.events", { _id: "hashed" })',
        'sh.shardCollection("registry.events", { dedupe_key: 1 })',
    )
    assert text != sharding.render_doc(text)


AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        (ids.event_id("change.announced:ntc_1"), ids.event_id("change.announced:ntc_1"), True),
        (ids.event_id("change.announced:ntc_1"), ids.event_id("change.reminder:ntc_1"), False),
        (ids.objection_id("chg_a", "cus_b", 0), ids.objection_id("chg_a", "cus_b", 0), True),
        (ids.objection_id("chg_a", "cus_b", 0), ids.objection_id("chg_a", "cus_b", 1), False),
        (ids.objection_id("chg_a", "cus_b", 0), ids.objection_id("chg_a", "cus_c", 0), False),
        (ids.delivery_id("evt_1", "whs_1", at=AT), ids.delivery_id("evt_1", "whs_1", at=AT), True),
        (ids.delivery_id("evt_1", "whs_1", at=AT), ids.delivery_id("evt_1", "whs_2", at=AT), False),
    ],
)
def test_derived_ids(first: str, second: str, same: bool) -> None:
    assert (first == second) is same
    assert ids.kind_of(first) is not None


def test_deliveries_of_later_events_sort_later() -> None:
    earlier = ids.delivery_id(ids.event_id("b"), "whs_1", at=AT)
    later = ids.delivery_id(ids.event_id("a"), "whs_1", at=AT + timedelta(seconds=1))
    assert earlier < later
    old_event = "evt_65f1a2b3c4d5e6f708192a3b"  # layout 1: the ObjectId's seconds first
    assert ids.delivery_id(old_event, "whs_1", None)[4:12] == "65f1a2b3"
