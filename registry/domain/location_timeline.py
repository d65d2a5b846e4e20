"""Where a vendor processes data as one viewer sees it at an instant (DESIGN.md 11).

A change of locations (an UPDATE carrying locations) is recorded on the vendor when it
takes effect (services/location_changes.py). Before that, and for a customer whose own
date is later, the vendor's stored locations are not yet what applies: this module
turns the stored locations and the changes of locations into the locations in force
for one viewer at one instant. The company's view takes a change from its date, the
date it first serves anyone (domain/timeline.py); a customer's view from its own
notice's date, and never when the change was cancelled for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from registry.domain.models import Change, ChangeStatus, ProcessingLocation

DateOf = Callable[[Change], datetime | None]
"""The date a change takes effect for the viewer; None when it never does."""


def company_date(change: Change) -> datetime | None:
    """The company's (and the public's) view: from the change's own date."""
    return None if change.status is ChangeStatus.CANCELLED else change.effective_at


def locations_at(
    stored: Sequence[ProcessingLocation],
    location_changes: Iterable[Change],
    at: datetime,
    date_of: DateOf = company_date,
) -> list[ProcessingLocation]:
    """The locations in force for the viewer at `at`.

    A change not yet applied (ANNOUNCED) adds its locations from the viewer's date; one
    applied (EFFECTIVE) is on the record already, so before the viewer's date its added
    locations are left out and those it ended are still there. A later correction of an
    added location is kept: the record, once written, is what is read."""
    found = {loc.id: loc for loc in stored}
    for change in sorted(location_changes, key=lambda c: (c.effective_at, c.id)):
        if change.status is ChangeStatus.CANCELLED:
            continue
        when = date_of(change)
        in_force = when is not None and when <= at
        applied = change.status is ChangeStatus.EFFECTIVE
        for loc in change.locations_added:
            if in_force and not applied:
                found.setdefault(loc.id, loc)
            elif not in_force:
                found.pop(loc.id, None)
        for loc in change.locations_ended:
            if in_force:
                found.pop(loc.id, None)
            elif applied:
                found.setdefault(loc.id, loc)
    return list(found.values())
