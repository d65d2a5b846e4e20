"""Transfer impact assessments: one document per assessment, never rewritten (a new
assessment of a route supersedes the earlier one, which stays as evidence)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from pymongo import ASCENDING, IndexModel

from registry.domain.models import TransferImpactAssessment
from registry.store import dates, digests
from registry.store.codec import Codec
from registry.store.database import Database, create_missing_indexes, group_by

NAME = "transfer_impact_assessments"
INDEXES = [IndexModel([("subprocessor_id", ASCENDING)], name="subprocessor_id")]


async def ensure_indexes(db: Database) -> None:
    await create_missing_indexes(db, NAME, INDEXES)


CODEC = Codec(TransferImpactAssessment)
to_document = CODEC.to_document
from_document = CODEC.from_document


async def insert(db: Database, assessment: TransferImpactAssessment) -> None:
    await db[NAME].insert_one(to_document(assessment))
    await digests.vendor_written(db, assessment.subprocessor_id)


async def by_subprocessors(
    db: Database, ids: Sequence[str]
) -> dict[str, list[TransferImpactAssessment]]:
    grouped = await group_by(db, NAME, "subprocessor_id", ids, sort="assessed_on")
    return {key: [from_document(d) for d in docs] for key, docs in grouped.items()}


async def everything(db: Database) -> list[TransferImpactAssessment]:
    """Every assessment (a small collection: a few per vendor route), oldest first."""
    return [from_document(d) async for d in db[NAME].find({}).sort("assessed_on", ASCENDING)]


async def mark_reminded(db: Database, assessment_id: str, due: date) -> bool:
    """Note that staff were reminded of the review due on `due`: True for the first caller
    only, so two workers remind once."""
    result = await db[NAME].update_one(
        {"_id": assessment_id, "reminded_for": {"$ne": dates.dump(due)}},
        {"$set": {"reminded_for": dates.dump(due)}},
    )
    return result.modified_count == 1
