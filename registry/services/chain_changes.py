"""Changes in a vendor's chain are changes: adding, removing or replacing a sub-processor
at any depth is announced through the change engine, as an UPDATE of the vendor in use.

The UPDATE brings everything a change has: the customers the vendor reaches are told
within their notice windows (the date is refused inside any of them), may object until
their deadline, get the webhooks, e-mails and feed entries, and the proof of notice is
kept. Its description says where in the chain the change is ("Zendesk, our support
desk, adds Twilio Inc. in the United States"), and its snapshot carries the chain.

The link's interval is planned when the change is announced, as the vendors' are: an
added sub-processor is in the chain from the change's date, a removed one (with the
sub-processors below it) until then; cancelling the change withdraws the plan
(services/chain_plans.py).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime

from registry.domain import labels
from registry.domain import validation as check
from registry.domain.chain import ChainLink
from registry.domain.drafts import ChangeAnnouncement
from registry.domain.errors import ChainError, NotFound, ValidationError
from registry.domain.models import Change, ChangeKind, Subprocessor, SubprocessorStatus
from registry.services import changes
from registry.services.caller import Caller
from registry.services.chains import ChainLinkDraft, checked_link
from registry.services.deps import Deps
from registry.services.policy import STAFF, require_role
from registry.store import chain_changes, chain_links, ids, subprocessors


class ChainAction(enum.Enum):
    ADD = "ADD"
    REMOVE = "REMOVE"
    REPLACE = "REPLACE"


@dataclass(frozen=True, slots=True)
class ChainChangeDraft:
    subprocessor_id: str
    action: ChainAction
    link: ChainLinkDraft | None = None  # ADD, REPLACE: the sub-processor coming in
    link_id: str | None = None  # REMOVE, REPLACE: the one going
    role: str | None = None  # what the vendor is to customers: "our e-mail provider"
    effective_at: datetime | None = None
    idempotency_key: str | None = None


async def announce(deps: Deps, caller: Caller, draft: ChainChangeDraft) -> Change:
    """Announce a change of a vendor's chain; nothing is written when it is refused."""
    require_role(caller, *STAFF)
    vendor = await _vendor_in_use(deps, draft.subprocessor_id)
    role = check.optional_text(draft.role, "role", max_length=100)
    going = await _going(deps, vendor, draft)
    coming: ChainLink | None = None
    if draft.action is not ChainAction.REMOVE:
        if draft.link is None:
            raise ValidationError("link", f"{draft.action.value} needs the sub-processor coming in")
        coming = await checked_link(
            deps, vendor, draft.link, link_id=ids.new_id("ChainLink"), at=deps.clock.now()
        )
        if going is not None and coming.parent_id != going.parent_id:
            raise ValidationError("link.parentId", "a replacement serves the parent it replaces")
    elif draft.link is not None:
        raise ValidationError("link", "REMOVE takes linkId only")
    everything = await chain_links.of_vendors(deps.db, [vendor.id])
    links = {x.id: x for x in everything.get(vendor.id, [])}
    below = _below(going, links) if going is not None else []
    if draft.action is ChainAction.REPLACE and below:
        raise ValidationError(
            "linkId",
            f"{going.legal_name if going else ''} has sub-processors of its own: announce "
            "their removal first, or remove it and add the new one",
        )
    if coming is not None:  # pending (no date yet), so the change's snapshot carries it
        await chain_links.insert(deps.db, _with(coming, active_from=None, active_until=None))
    try:
        change = await changes.announce_change(
            deps,
            caller,
            ChangeAnnouncement(
                kind=ChangeKind.UPDATE,
                subprocessor_id=vendor.id,
                effective_at=draft.effective_at,
                description=describe(draft.action, vendor, role, coming, going, below, links),
                idempotency_key=draft.idempotency_key,
            ),
        )
    except BaseException:
        if coming is not None:
            await chain_links.delete(deps.db, coming)
        raise
    if await chain_changes.get(deps.db, change.id) is not None:
        if coming is not None:  # a retry with the same idempotency key: planned already
            await chain_links.delete(deps.db, coming)
        return change
    leaving = [*([going] if going else []), *below]
    await chain_changes.insert(
        deps.db,
        chain_changes.ChainChange(
            change.id,
            vendor.id,
            draft.action.value,
            coming.id if coming else None,
            tuple(x.id for x in leaving),
        ),
    )
    if coming is not None:
        await chain_links.set_active(
            deps.db, coming, active_from=change.effective_at, active_until=None
        )
    for link in leaving:
        await chain_links.set_active(
            deps.db, link, active_from=link.active_from, active_until=change.effective_at
        )
    return change


async def _vendor_in_use(deps: Deps, vendor_id: str) -> Subprocessor:
    vendor = (
        await subprocessors.get(deps.db, vendor_id)
        if ids.is_id_of("Subprocessor", vendor_id)
        else None
    )
    if vendor is None:
        raise NotFound(f"no subprocessor {vendor_id!r}")
    if vendor.status is not SubprocessorStatus.ACTIVE:
        raise ChainError(
            "NOT_ACTIVE",
            "subprocessorId",
            f"{vendor.legal_name} is {vendor.status.value}: a chain change is announced only "
            "for a vendor in use (a PROPOSED vendor's chain is recorded with recordChainLink "
            "and announced with it)",
        )
    return vendor


async def _going(deps: Deps, vendor: Subprocessor, draft: ChainChangeDraft) -> ChainLink | None:
    if draft.action is ChainAction.ADD:
        if draft.link_id is not None:
            raise ValidationError("linkId", "ADD takes the new sub-processor only")
        return None
    if draft.link_id is None:
        raise ValidationError("linkId", f"{draft.action.value} needs linkId")
    found = await chain_links.get(deps.db, draft.link_id)
    if found is None or found.vendor_id != vendor.id or not found.in_force(deps.clock.now()):
        raise NotFound(f"no sub-processor {draft.link_id!r} in {vendor.legal_name}'s chain")
    if found.active_until is not None:
        raise ValidationError("linkId", f"{found.legal_name} is already leaving the chain")
    return found


def _below(link: ChainLink, links: dict[str, ChainLink]) -> list[ChainLink]:
    """Every link under `link`, depth first."""
    found: list[ChainLink] = []
    for child in sorted(links.values(), key=lambda x: x.legal_name.casefold()):
        if child.parent_id == link.id:
            found += [child, *_below(child, links)]
    return found


def _with(link: ChainLink, **values: datetime | None) -> ChainLink:
    return replace(link, **values)  # type: ignore[arg-type]


def _where(countries: tuple[str, ...]) -> str:
    names = [_the(labels.country_name(c)) for c in countries]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


_ARTICLE = ("United ", "Netherlands", "Philippines", "Czech Republic", "Bahamas", "Gambia")


def _the(name: str) -> str:
    """ "the United States", "the Netherlands"; other countries as they are."""
    return f"the {name}" if name.startswith(_ARTICLE) or name.endswith(" Islands") else name


def describe(
    action: ChainAction,
    vendor: Subprocessor,
    role: str | None,
    coming: ChainLink | None,
    going: ChainLink | None,
    below: list[ChainLink],
    links: dict[str, ChainLink],
) -> str:
    """Where in the chain the change is, as customers read it: "Postmark, our e-mail
    provider, adds Amazon Web Services, Inc. in the United States: hosting"."""
    about = coming or going
    parent = links.get(about.parent_id) if about is not None else None
    named = f"{vendor.legal_name}, {role}" if role else vendor.legal_name
    if parent is not None:
        who = f"{parent.legal_name}, a sub-processor of {named},"
    else:
        who = f"{named}," if role else named
    if action is ChainAction.ADD and coming is not None:
        said = f"{who} adds {coming.legal_name} in {_where(coming.countries)}"
    elif action is ChainAction.REPLACE and coming is not None and going is not None:
        said = (
            f"{who} replaces {going.legal_name} ({_where(going.countries)}) with "
            f"{coming.legal_name} in {_where(coming.countries)}"
        )
    elif going is not None:
        said = f"{who} stops using {going.legal_name} ({_where(going.countries)})"
        if below:
            names = ", ".join(x.legal_name for x in below)
            said += f", and with it {names}, below it in the chain"
    else:  # unreachable: the drafts were checked
        said = f"{who} changes its sub-processors"
    return f"{said}: {coming.purpose}" if coming is not None else f"{said}."
