"""What changed in the subprocessor list between two instants (a diff).

The list is asked for at both instants through the same filter as every other view
(services/listing.py: as of a date, per customer, per product and region), so a
customer's diff follows its own timeline. Vendors in force at `to` and not at `from`
were added, the reverse removed; each names the change that took effect in between.
A vendor in both lists changed when a correction of it or of its parts was made in
between: its versions say which fields, before and after (domain/versions.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from registry.domain.errors import ValidationError
from registry.domain.models import Change, ChangeStatus, Subprocessor
from registry.domain.versions import RecordVersion
from registry.services import acknowledgements, change_queries, corrections, listing, policy
from registry.services.caller import Caller
from registry.services.deps import Deps
from registry.services.listing import SubprocessorQuery
from registry.store import notices

HORIZON = timedelta(days=366 * 10)
"""The longest span a diff compares (older history is not kept in this form)."""
CAUSES_READ = 500


@dataclass(frozen=True, slots=True)
class DiffEntry:
    subprocessor: Subprocessor
    change: Change | None  # the change that took effect in between, when one did
    corrections: tuple[RecordVersion, ...] = ()


@dataclass(frozen=True, slots=True)
class ListDiff:
    start: datetime
    end: datetime
    added: tuple[DiffEntry, ...]
    removed: tuple[DiffEntry, ...]
    changed: tuple[DiffEntry, ...]


def _checked(start: datetime, end: datetime) -> None:
    for name, value in (("from", start), ("to", end)):
        if value.tzinfo is None:
            raise ValidationError(name, f"{name} needs a time zone offset")
    if start > end:
        raise ValidationError("from", "from is after to")
    if end - start > HORIZON:
        raise ValidationError("from", f"a diff spans at most {HORIZON.days} days")


def _cause(
    sub_id: str,
    start: datetime,
    end: datetime,
    changes: Sequence[Change],
    own: Mapping[str, datetime],
) -> Change | None:
    """The latest change of the vendor (or replacing it) in force within (start, end]:
    on the customer's own date when the diff follows its timeline (`own`: change id →
    its notice's effective date), else on the change's."""

    def effective(c: Change) -> datetime:
        return own.get(c.id, c.effective_at)

    found = [
        c
        for c in changes
        if sub_id in (c.subprocessor_id, c.replaces_id)
        and c.status is not ChangeStatus.CANCELLED
        and start < effective(c) <= end
    ]
    return max(found, key=effective, default=None)


async def diff_start(
    deps: Deps,
    caller: Caller,
    start: datetime | None,
    since_last_acknowledged: bool,
    customer_id: str | None,
) -> datetime:
    """Where a diff starts: the instant given, or the customer's latest acknowledgement."""
    if since_last_acknowledged:
        if start is not None:
            raise ValidationError("from", "give from or sinceLastAcknowledged, not both")
        return await acknowledgements.last_acknowledged(deps, caller, customer_id)
    if start is None:
        raise ValidationError("from", "from is required (or sinceLastAcknowledged)")
    return start


async def subprocessor_diff(
    deps: Deps,
    caller: Caller,
    start: datetime,
    end: datetime,
    *,
    customer_id: str | None = None,
    products: tuple[str, ...] = (),
    hosting_region: str | None = None,
) -> ListDiff:
    _checked(start, end)

    async def at(instant: datetime) -> list[Subprocessor]:
        query = SubprocessorQuery(
            as_of=instant,
            customer_id=customer_id,
            products=products,
            hosting_region=hosting_region,
        )
        return await listing.list_subprocessors(deps, caller, query)

    before, after = await at(start), await at(end)
    whose = policy.customer_view(caller, customer_id)
    own = (
        {n.change_id: n.effective_at for n in await notices.all_of_customer(deps.db, whose)}
        if whose is not None
        else {}
    )
    before_ids, after_ids = {s.id for s in before}, {s.id for s in after}
    announced = [
        *await change_queries.recent_announcements(deps, caller, (), limit=CAUSES_READ),
        *await change_queries.upcoming_announcements(deps, caller, start),
    ]
    changed: list[DiffEntry] = []
    for sub in after:
        if sub.id not in before_ids:
            continue
        history = await corrections.history(deps, caller, sub.id)
        found = [v for v in history if start < v.at <= end]
        if found:
            changed.append(DiffEntry(sub, _cause(sub.id, start, end, announced, own), tuple(found)))
    return ListDiff(
        start=start,
        end=end,
        added=tuple(
            DiffEntry(s, _cause(s.id, start, end, announced, own))
            for s in after
            if s.id not in before_ids
        ),
        removed=tuple(
            DiffEntry(s, _cause(s.id, start, end, announced, own))
            for s in before
            if s.id not in after_ids
        ),
        changed=tuple(changed),
    )
