"""What announcing a change would do, before it is announced.

The console shows this beside the "Announce change" button: each group of customers
sharing terms, with the date the change would take effect for them and their
objection deadline, and, for a requested date that is too early, whose notice window
it would cut short. Decided by the rule `announce_change` applies
(`rules.decide_effective_at`, whose per-terms dates the expansion's notices carry), over
the same affected groups, so the preview and the announcement cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from registry.domain import notice as rules
from registry.domain.drafts import ChangeAnnouncement
from registry.domain.models import Change, ChangeStatus, CustomerTerms
from registry.services import audience
from registry.services.caller import Caller
from registry.services.change_jobs import plan_notice
from registry.services.changes import _check_kind, check_requested_date, proposed_change
from registry.services.deps import Deps
from registry.services.policy import STAFF, require_role
from registry.store import changes, customer_groups, customer_roster, customers, notices
from registry.store.customers import terms_key

SAMPLE = 5


@dataclass(frozen=True, slots=True)
class TermsGroup:
    """Customers with the same terms: one notice calculation covers them all."""

    terms: CustomerTerms
    customer_count: int
    sample: tuple[str, ...]  # a few customer names, to recognise the group
    earliest_effective_at: datetime
    effective_at: datetime
    objection_deadline: datetime
    too_early: bool  # the requested date cuts this group's notice window short


@dataclass(frozen=True, slots=True)
class Outcome:
    """Customers for whom the change takes effect at one instant."""

    at: datetime
    customer_count: int
    now: bool  # at once (an emergency replacement their terms allow)
    by_notice: bool  # an emergency they did not agree to: their terms' notice applies


@dataclass(frozen=True, slots=True)
class ChangePreview:
    now: datetime
    earliest_allowed: datetime
    requested: datetime | None
    effective_at: datetime
    groups: tuple[TermsGroup, ...]
    emergency: bool = False

    @property
    def outcomes(self) -> tuple[Outcome, ...]:
        """Each distinct date the change takes effect on, with how many customers get it:
        the headline names every one, not only the change's own date."""
        by_date: dict[tuple[datetime, bool], int] = {}
        for g in self.groups:
            by_notice = self.emergency and not g.terms.allows_emergency_replacement
            key = (g.effective_at, by_notice)
            by_date[key] = by_date.get(key, 0) + g.customer_count
        return tuple(
            Outcome(at, count, at <= self.now, by_notice)
            for (at, by_notice), count in sorted(by_date.items())
        )

    @property
    def customer_count(self) -> int:
        return sum(g.customer_count for g in self.groups)

    @property
    def violated(self) -> tuple[TermsGroup, ...]:
        return tuple(g for g in self.groups if g.too_early)


async def preview_change(
    deps: Deps, caller: Caller, announcement: ChangeAnnouncement
) -> ChangePreview:
    """Decide nothing, write nothing: the dates `announce_change` would use.

    A widened `scope` is not previewed: the console announces no widenings.
    """
    require_role(caller, *STAFF)
    effective_at, emergency = announcement.effective_at, announcement.emergency
    check_requested_date(effective_at)
    await _check_kind(
        deps, announcement.kind, announcement.subprocessor_id, announcement.replaces_id, emergency
    )
    now = deps.clock.now()
    draft = proposed_change(announcement, now)
    # Only the customers the change's scope affects are told, and bind it: the groups
    # `announce_change` decides on, with the same rule (rules.decide_effective_at).
    chunks: dict[str, list[str]] = {}
    known: dict[str, CustomerTerms] = {}
    for group in await audience.affected_groups(deps, await audience.audience_of(deps, draft)):
        chunks.setdefault(group.terms_key, []).extend(group.chunks)
        known[group.terms_key] = group.terms
    # A group whose last member left holds no customer: it neither shows nor binds.
    counts = {key: await customer_roster.count(deps.db, chunks[key]) for key in known}
    known = {key: terms for key, terms in known.items() if counts[key] > 0}
    decision = rules.decide_effective_at(now, effective_at, known.values(), emergency=emergency)
    dates = {d.terms: d for d in decision.dates}
    groups = []
    for key, terms in known.items():
        sample_ids = await customer_roster.first_ids(deps.db, chunks[key], SAMPLE)
        names = [c.name for c in await customers.get_many(deps.db, sample_ids) if c is not None]
        d = dates[terms]
        groups.append(
            TermsGroup(
                terms=terms,
                customer_count=counts[key],
                sample=tuple(names),
                earliest_effective_at=d.earliest_effective_at,
                effective_at=d.effective_at,
                objection_deadline=d.objection_deadline,
                too_early=d.too_early,
            )
        )
    groups.sort(key=lambda g: (g.earliest_effective_at, terms_key(g.terms)))
    return ChangePreview(
        now=now,
        earliest_allowed=decision.earliest_allowed,
        requested=effective_at,
        effective_at=decision.effective_at,
        groups=tuple(groups),
        emergency=emergency,
    )


@dataclass(frozen=True, slots=True)
class Upcoming:
    change: Change
    next_objection_deadline: datetime | None  # the nearest deadline still ahead, if any


async def upcoming_changes(deps: Deps, caller: Caller, *, limit: int) -> list[Upcoming]:
    """Announced changes by effective date, each with the next objection deadline to come.

    Deadlines follow from the terms of the customer groups each change reaches (as its
    notices do), so this reads the few groups instead of every notice or customer.
    """
    require_role(caller, *STAFF)
    announced, _ = await changes.page(
        deps.db, statuses=(ChangeStatus.ANNOUNCED,), after=None, limit=limit
    )
    now = deps.clock.now()
    groups = [g for g in await customer_groups.all_groups(deps.db) if g.chunks]
    found = []
    for change in sorted(announced, key=lambda c: (c.effective_at, c.id)):
        # Only the terms of the customers the change's scope affects.
        reached = audience.affected(await audience.audience_of(deps, change), groups)
        ahead = [
            deadline
            for terms in {g.terms_key: g.terms for g in reached}.values()
            if (deadline := plan_notice(change, terms).notice.objection_deadline) > now
        ]
        found.append(Upcoming(change, min(ahead, default=None)))
    return found


async def notices_written(deps: Deps, caller: Caller, change: Change) -> int:
    """How many customers the change reaches already hold their notice.

    The expansion job keeps this count on the change as it writes notices (one `_id`
    read); a change expanded before it did is counted over the audience's roster chunks
    by notice `_id` (a notice's id names its change and customer).
    """
    require_role(caller, *STAFF)
    kept = await changes.notices_written(deps.db, change.id)
    if kept is not None:
        return kept
    groups = await audience.affected_groups(deps, await audience.audience_of(deps, change))
    members: list[str] = []
    async for chunk in customer_roster.chunks_after(
        deps.db, [c for g in groups for c in g.chunks], None
    ):
        members.extend(chunk.ids)
    return await notices.count_among(deps.db, change.id, members)
