"""Proof of notice: for each customer's notice, when it reached someone and what they did.

`delivered_at` is the first successful delivery of any of the change's events to the
customer (SMTP accepted, webhook 2xx) and `channels` the channels that succeeded;
when none succeeded and one was given up, `not_delivered` says why ("not delivered:
the subject could not be rendered: …"), so a notice never reads as merely pending;
`viewed_at` and `acknowledged_at` come from the notice page; the objection's filer
is the person named on the page or the API key used. Read in a few queries per
batch of notices, so exports stream any number of customers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from registry.domain.event_types import CHANGE_EVENTS
from registry.domain.models import Change, Notice, Objection
from registry.services import changes
from registry.services.caller import Caller
from registry.services.deps import Deps
from registry.services.policy import STAFF, require_role
from registry.store import deliveries, events, notice_views, notices, objections
from registry.store.notice_views import NoticeView


@dataclass(frozen=True, slots=True)
class NoticeEvidence:
    delivered_at: datetime | None = None
    channels: tuple[str, ...] = ()
    viewed_at: datetime | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    objection: Objection | None = None
    not_delivered: str | None = None  # why, when nothing was delivered and one failed

    @property
    def objection_filer(self) -> str | None:
        return filer(self.objection) if self.objection is not None else None


def filer(objection: Objection) -> str | None:
    """ "Ana Ruiz <ana@acme.test>" from the page, "API key key_…" from the API."""
    if objection.filer_name or objection.filer_email:
        name = objection.filer_name or ""
        address = f"<{objection.filer_email}>" if objection.filer_email else ""
        return f"{name} {address}".strip()
    return f"API key {objection.filed_by_key}" if objection.filed_by_key else None


def person(name: str | None, address: str | None) -> str | None:
    """ "Ana Ruiz <ana@acme.test>", or the name alone when no address was given."""
    if address:
        return f"{name or ''} <{address}>".strip()
    return name or None


async def for_notices(
    deps: Deps,
    notices: Sequence[Notice],
    latest_objections: dict[tuple[str, str], Objection] | None = None,
) -> dict[str, NoticeEvidence]:
    """Evidence by notice id. `latest_objections` ((change, customer) -> objection)
    spares the objection query when the caller already read a change's objections."""
    if not notices:
        return {}
    customer_ids = sorted({n.customer_id for n in notices})
    change_ids = sorted({n.change_id for n in notices})
    event_of = await events.change_events_of(deps.db, customer_ids, change_ids, CHANGE_EVENTS)
    first: dict[tuple[str, str], datetime] = {}
    channels: dict[tuple[str, str], set[str]] = defaultdict(set)
    failed: dict[tuple[str, str], deliveries.Finished] = {}
    if event_of:
        for done in await deliveries.finished_of_events(deps.db, customer_ids, list(event_of)):
            key = event_of[done.event_id]
            if done.failure is not None:
                if _earlier(done, failed.get(key)):
                    failed[key] = done
                continue
            if done.at is not None and (key not in first or done.at < first[key]):
                first[key] = done.at
            channels[key].add(done.channel)
    if latest_objections is None:
        latest_objections = {}
        grouped = await objections.by_changes(deps.db, change_ids, None)
        for found in grouped.values():
            for objection in found:  # filed_at order: the latest wins
                latest_objections[(objection.change_id, objection.customer_id)] = objection
    views = await notice_views.get_many(deps.db, [n.id for n in notices])
    result = {}
    for n in notices:
        key = (n.change_id, n.customer_id)
        view = views.get(n.id) or NoticeView()
        result[n.id] = NoticeEvidence(
            delivered_at=first.get(key),
            channels=tuple(sorted(channels.get(key, ()))),
            viewed_at=view.viewed_at,
            acknowledged_at=view.acknowledged_at,
            acknowledged_by=person(view.acknowledged_by_name, view.acknowledged_by_email),
            objection=latest_objections.get(key),
            not_delivered=_not_delivered(failed.get(key)) if key not in first else None,
        )
    return result


def _earlier(done: deliveries.Finished, kept: deliveries.Finished | None) -> bool:
    """The first failure tells why a notice did not arrive (later ones repeat it)."""
    if kept is None:
        return True
    return done.at is not None and (kept.at is None or done.at < kept.at)


def _not_delivered(found: deliveries.Finished | None) -> str | None:
    if found is None or found.failure is None:
        return None
    channel = "e-mail" if found.channel == "email" else found.channel
    return f"{found.failure.summary} ({channel})"


BATCH = 500


async def proof_of_notice(
    deps: Deps, caller: Caller, change_id: str
) -> tuple[Change, AsyncIterator[tuple[Notice, NoticeEvidence]]]:
    """The change, and every notice of it with its evidence in customer order, for
    auditors (staff only: refused here, before anything streams). Read in batches, so
    it streams any number of customers."""
    require_role(caller, *STAFF)
    change = await changes.get_change(deps, caller, change_id)
    return change, _proofs(deps, change)


async def _proofs(deps: Deps, change: Change) -> AsyncIterator[tuple[Notice, NoticeEvidence]]:
    found = (await objections.by_changes(deps.db, [change.id], None)).get(change.id, [])
    latest = {(o.change_id, o.customer_id): o for o in found}  # filed_at order: latest wins
    batch: list[Notice] = []
    async for notice in notices.stream_for_change(deps.db, change.id):
        batch.append(notice)
        if len(batch) == BATCH:
            proofs = await for_notices(deps, batch, latest)
            for n in batch:
                yield n, proofs[n.id]
            batch = []
    proofs = await for_notices(deps, batch, latest)
    for n in batch:
        yield n, proofs[n.id]
