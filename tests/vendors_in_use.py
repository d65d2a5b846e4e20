"""A vendor already in use, written as the store keeps one: announcing a vendor takes a
notice period, so tests that need one in use write it directly (and retire cached
answers, as a write behind the API's back must)."""

from __future__ import annotations

from datetime import datetime

from registry.domain.models import (
    ProcessingLocation,
    StatusChange,
    Subprocessor,
    SubprocessorStatus,
)
from registry.store import ids, meta, processing_locations, subprocessors
from registry.store.database import Database
from tests.conftest import START


async def vendor_in_use(
    db: Database,
    name: str,
    *,
    country: str = "DE",
    since: datetime = START,
    purpose: str = "Hosting",
    with_start: bool = True,
) -> str:
    """An ACTIVE vendor processing in `country` since `since`; `with_start=False` stores
    it without `active_from`, as records imported before active dates were kept."""
    sub_id = ids.new_id("Subprocessor")
    await subprocessors.insert(
        db,
        Subprocessor(
            id=sub_id,
            legal_name=name,
            purpose=purpose,
            status=SubprocessorStatus.ACTIVE,
            created_at=since,
            status_history=(StatusChange(SubprocessorStatus.ACTIVE, since),),
            active_from=since if with_start else None,
        ),
    )
    location = ProcessingLocation(ids.new_id("ProcessingLocation"), sub_id, country=country)
    await processing_locations.upsert(db, location)
    await meta.bump(db)
    return sub_id
