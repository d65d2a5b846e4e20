"""Changing where a vendor in use processes data is a change under notice: an UPDATE
carrying the locations it adds (and those it ends), announced with
announceChange(kind: UPDATE, locations: [...]) (DESIGN.md 8).

A new country widens where customers' data goes, so it is never a correction
(domain/versions.refuse_new_countries points here). The locations are checked and
given their ids when announced and ride on the change itself, so the change's insert
is the one commit point; when the change takes effect, `apply` (a step of
services/change_effects.py, idempotent) records them on the vendor and ends those it
ends. Until then, and for a customer whose own date is later, the views read them
through domain/location_timeline.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from registry.domain import labels
from registry.domain import location_timeline as located
from registry.domain.drafts import ProcessingLocationDraft
from registry.domain.errors import ValidationError
from registry.domain.models import (
    Change,
    ChangeStatus,
    Notice,
    NoticeStatus,
    ProcessingLocation,
    Subprocessor,
    SubprocessorStatus,
)
from registry.domain.versions import RecordKind, RecordVersion, VersionAction
from registry.services import policy, vendors
from registry.services.caller import Caller
from registry.services.deps import Deps
from registry.store import changes, ids, notices, processing_locations

MAX_LOCATIONS = 50


async def checked(
    deps: Deps,
    vendor: Subprocessor,
    drafts: Sequence[ProcessingLocationDraft],
    ended_ids: Sequence[str],
) -> tuple[tuple[ProcessingLocation, ...], tuple[ProcessingLocation, ...]]:
    """The locations an UPDATE adds and ends, checked as addProcessingLocation checks
    one; nothing is written."""
    if vendor.status is not SubprocessorStatus.ACTIVE:
        raise ValidationError(
            "subprocessorId",
            f"{vendor.legal_name} is {vendor.status.value}: a change of locations is announced "
            "only for a vendor in use (record a PROPOSED vendor's locations with "
            "addProcessingLocation)",
        )
    if not drafts and not ended_ids:
        raise ValidationError("locations", "name at least one location the vendor adds or ends")
    if len(drafts) + len(ended_ids) > MAX_LOCATIONS:
        raise ValidationError("locations", f"at most {MAX_LOCATIONS} locations per change")
    held = (await processing_locations.by_subprocessors(deps.db, [vendor.id])).get(vendor.id, [])
    by_id = {loc.id: loc for loc in held}
    ended: list[ProcessingLocation] = []
    for i, location_id in enumerate(dict.fromkeys(ended_ids)):
        if location_id not in by_id:
            raise ValidationError(
                f"endLocationIds[{i}]", f"{vendor.legal_name} has no location {location_id!r}"
            )
        ended.append(by_id[location_id])
    added = tuple(_checked_one(vendor, draft, i) for i, draft in enumerate(drafts))
    present = {loc.country for loc in held}
    for i, loc in enumerate(added):
        if loc.country in present:
            raise ValidationError(
                f"locations[{i}].country",
                f"{vendor.legal_name} already processes data in "
                f"{labels.country_name(loc.country)}: another location in a country it has "
                "is recorded with addProcessingLocation",
            )
    announced = await _announced_countries(deps, vendor.id)
    for i, loc in enumerate(added):
        if loc.country in announced:
            raise ValidationError(
                f"locations[{i}].country",
                f"{labels.country_name(loc.country)} is already announced for "
                f"{vendor.legal_name} ({announced[loc.country]})",
            )
    if len(ended) == len(held) and not added:
        raise ValidationError(
            "endLocationIds",
            "a vendor in use keeps at least one location: announce its removal "
            "(announceChange(kind: REMOVE)) instead",
        )
    return added, tuple(ended)


def _checked_one(
    vendor: Subprocessor, draft: ProcessingLocationDraft, i: int
) -> ProcessingLocation:
    try:
        return vendors.location_from(draft, ids.new_id("ProcessingLocation"), vendor.id)
    except ValidationError as exc:
        raise ValidationError(f"locations[{i}].{exc.field}", str(exc)) from None


async def _announced_countries(deps: Deps, vendor_id: str) -> dict[str, str]:
    """Countries an announced change of this vendor adds already, with its id."""
    pending = (await changes.location_changes_of(deps.db, [vendor_id])).get(vendor_id, [])
    return {
        loc.country: change.id
        for change in pending
        if change.status is ChangeStatus.ANNOUNCED
        for loc in change.locations_added
    }


def describe(
    vendor: Subprocessor,
    added: Sequence[ProcessingLocation],
    ended: Sequence[ProcessingLocation],
) -> str:
    """What changes, in customers' words: "Mailgun Technologies, Inc. adds processing in
    the United States (storage, support access)"."""
    said = []
    if added:
        said.append(f"adds processing in {_places(added)}")
    if ended:
        said.append(f"stops processing in {_places(ended)}")
    return f"{vendor.legal_name} {' and '.join(said)}."


def _places(locations: Sequence[ProcessingLocation]) -> str:
    roles: dict[str, list[str]] = {}
    for loc in locations:
        named = roles.setdefault(loc.country, [])
        role = labels.ROLES[loc.role]
        if role not in named:
            named.append(role)
    names = [f"{_the(labels.country_name(c))} ({', '.join(r)})" for c, r in roles.items()]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


_ARTICLE = ("United ", "Netherlands", "Philippines", "Czech Republic", "Bahamas", "Gambia")


def _the(name: str) -> str:
    """ "the United States", "the Netherlands"; other countries as they are."""
    return f"the {name}" if name.startswith(_ARTICLE) or name.endswith(" Islands") else name


async def apply(deps: Deps, change: Change) -> None:
    """A change of locations in effect: the locations it adds are recorded on the vendor
    and those it ends removed, with a version saying which change did it (each once:
    a location's id is fixed on the change, a removed one is not removed again)."""
    if not (change.locations_added or change.locations_ended):
        return
    for loc in change.locations_added:
        await processing_locations.insert_missing(deps.db, loc)
    for loc in change.locations_ended:
        version = RecordVersion(
            record_id=loc.id,
            kind=RecordKind.PROCESSING_LOCATION,
            action=VersionAction.ENDED,
            at=change.effective_at,
            reason=f"ended by change {change.id}, in effect from its date",
        )
        await processing_locations.remove(deps.db, loc, change.effective_at, version)


def _customer_date(held: dict[str, Notice]) -> located.DateOf:
    """A customer's view: from its own notice's date, never when excluded from it."""

    def date_of(change: Change) -> datetime | None:
        notice = held.get(change.id)
        if notice is None:  # not told (not in its scope, or a newer customer)
            return located.company_date(change)
        return None if notice.status is NoticeStatus.CANCELLED else notice.effective_at

    return date_of


async def locations_at(
    deps: Deps,
    caller: Caller,
    stored: dict[str, list[ProcessingLocation]],
    at: datetime | None = None,
    customer_id: str | None = None,
) -> dict[str, list[ProcessingLocation]]:
    """The vendors' locations as the caller's view has them at `at` (default now): the
    company's view from each change's date, a customer's from its own notice's date.
    The company's view now is the record itself, read without more queries."""
    whose = policy.customer_view(caller, customer_id)
    if whose is None and at is None:
        return stored
    when = at or deps.clock.now()
    pending = await changes.location_changes_of(deps.db, list(stored))
    wanted = [c for found in pending.values() for c in found]
    if not wanted:
        return stored
    date_of: located.DateOf = located.company_date
    if whose is not None:
        told = await notices.of_customer(deps.db, whose, [c.id for c in wanted])
        date_of = _customer_date({n.change_id: n for n in told})
    return {
        vendor_id: located.locations_at(found, pending.get(vendor_id, []), when, date_of)
        for vendor_id, found in stored.items()
    }


async def visible(
    deps: Deps,
    caller: Caller,
    sub_ids: Sequence[str],
    at: datetime | None = None,
    customer_id: str | None = None,
) -> dict[str, list[ProcessingLocation]]:
    """The locations of the vendors the caller may see, in its view (`locations_at`)."""
    stored = await vendors.locations_of(deps, caller, sub_ids)
    return await locations_at(deps, caller, stored, at, customer_id)
