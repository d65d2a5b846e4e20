"""A vendor's chain: its own sub-processors, theirs, and so on down (EDPB Opinion 22/2024).

Each link names the parent it serves: the catalog vendor itself, or another link of the
same vendor's chain. A link may say which catalog vendor it is (the same company can be
our direct vendor and someone else's sub-processor); through those the chains of several
vendors join into one graph of companies, and that graph must stay free of cycles: data
handed from A to B never comes back to A as B's sub-processor.

The rules here are pure: the caller passes the links that exist and the one proposed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from registry.domain import scope as scopes
from registry.domain.errors import ChainError
from registry.domain.models import DataOrigin, LocationRole, Scope, TransferMechanism

MAX_DEPTH = 10
"""How deep a chain may go below the catalog vendor (its own sub-processors are depth 1)."""


@dataclass(frozen=True, slots=True)
class ChainLocation:
    """Where a sub-processor handles the data, and what it does there."""

    country: str
    role: LocationRole = LocationRole.PROCESSING
    recipient_in_scope: bool | None = None  # within a partial adequacy decision's scope


@dataclass(frozen=True, slots=True)
class HopBasis:
    """The parent's basis for handing data to this sub-processor (the onward transfer):
    e.g. the 2021 SCCs module 3 (processor to processor), BCR-P, or the sub-processor's
    own DPF certification. It covers every location of the link in a country it names
    (none named: every location)."""

    mechanism: TransferMechanism
    origin: DataOrigin = DataOrigin.EEA
    countries: tuple[str, ...] = ()
    scc_module: int | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    reference: str | None = None


@dataclass(frozen=True, slots=True)
class ChainLink:
    """One sub-processor in a vendor's chain."""

    id: str
    vendor_id: str  # the catalog vendor whose chain this is
    parent_id: str  # the catalog vendor (depth 1) or another link of its chain
    legal_name: str
    purpose: str
    address: str
    locations: tuple[ChainLocation, ...]
    created_at: datetime
    contact: str | None = None
    contact_email: str | None = None
    data_categories: tuple[str, ...] = ()
    lei: str | None = None
    headquarters_country: str | None = None
    catalog_vendor_id: str | None = None  # the catalog vendor it is, if it is one
    bases: tuple[HopBasis, ...] = ()
    # Narrower than the parent's scope, or empty: the parent's.
    scope: Scope = field(default_factory=Scope)
    # In the chain over [active_from, active_until); None: not yet, or still.
    active_from: datetime | None = None
    active_until: datetime | None = None

    def in_force(self, at: datetime) -> bool:
        return (
            self.active_from is not None
            and self.active_from <= at
            and (self.active_until is None or at < self.active_until)
        )

    @property
    def countries(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(loc.country for loc in self.locations))


def identity(link: ChainLink) -> str:
    """Who the link is as a company: the catalog vendor it is, or itself."""
    return link.catalog_vendor_id or link.id


def depth(link: ChainLink, links: Mapping[str, ChainLink]) -> int:
    """1 for the vendor's own sub-processors, 2 for theirs, …"""
    level, parent = 1, links.get(link.parent_id)
    seen = {link.id}
    while parent is not None and parent.id not in seen:
        seen.add(parent.id)
        level += 1
        parent = links.get(parent.parent_id)
    return level


def path(link: ChainLink, links: Mapping[str, ChainLink]) -> tuple[ChainLink, ...]:
    """The links from the vendor's own sub-processor down to this one."""
    found = [link]
    parent = links.get(link.parent_id)
    while parent is not None and parent not in found:
        found.append(parent)
        parent = links.get(parent.parent_id)
    return tuple(reversed(found))


def effective_scope(link: ChainLink, links: Mapping[str, ChainLink], vendor_scope: Scope) -> Scope:
    """The narrowest scope on the way down: a link serves whom its parent serves unless it
    is narrowed."""
    result = vendor_scope
    for step in path(link, links):
        if step.scope.products:
            result = Scope(step.scope.products, result.hosting_regions)
        if step.scope.hosting_regions:
            result = Scope(result.products, step.scope.hosting_regions)
    return result


def check_link(
    link: ChainLink,
    existing: Iterable[ChainLink],
    *,
    vendor_scope: Scope,
) -> None:
    """Refuse a link that has no location, names itself or its own ancestor, closes a cycle
    through the catalog vendors' chains, goes deeper than MAX_DEPTH, or widens its
    parent's scope; `existing` are the links in force of every vendor (the one being
    replaced left out)."""
    if not link.locations:
        raise ChainError(
            "NO_LOCATION",
            "locations",
            f"{link.legal_name} has no processing location: give at least one country",
        )
    others = {x.id: x for x in existing if x.id != link.id}
    by_id = {**others, link.id: link}
    parent = others.get(link.parent_id)
    if link.parent_id != link.vendor_id and parent is None:
        raise ChainError(
            "NO_PARENT", "parentId", f"{link.parent_id!r} is neither the vendor nor in its chain"
        )
    if parent is not None and parent.vendor_id != link.vendor_id:
        raise ChainError(
            "NO_PARENT", "parentId", f"{parent.legal_name} is in another vendor's chain"
        )
    parent_identity = link.vendor_id if parent is None else identity(parent)
    if link.catalog_vendor_id is not None and link.catalog_vendor_id == parent_identity:
        raise ChainError(
            "SELF_REFERENCE",
            "catalogVendorId",
            f"{link.legal_name} cannot be a sub-processor of itself",
        )
    chain = path(link, by_id)
    names = [link.vendor_id, *(identity(x) for x in chain[:-1])]
    if link.catalog_vendor_id is not None and link.catalog_vendor_id in names:
        raise ChainError(
            "CYCLE",
            "catalogVendorId",
            f"{link.legal_name} is already higher up this chain: the data would come back to it",
        )
    if _reaches(link.catalog_vendor_id, set(names), others.values()):
        raise ChainError(
            "CYCLE",
            "catalogVendorId",
            f"{link.legal_name}'s own chain leads back to this one: A → B → A is refused",
        )
    level = depth(link, by_id)
    if level > MAX_DEPTH:
        raise ChainError(
            "TOO_DEEP",
            "parentId",
            f"{link.legal_name} would be at depth {level}; a chain may go {MAX_DEPTH} deep",
        )
    above = vendor_scope if parent is None else effective_scope(parent, by_id, vendor_scope)
    if not scopes.covers(above, effective_scope(link, by_id, vendor_scope)):
        raise ChainError(
            "WIDENS_SCOPE",
            "scope",
            f"{link.legal_name} may only narrow its parent's scope ({scopes.describe(above)})",
        )


def _reaches(start: str | None, targets: set[str], links: Iterable[ChainLink]) -> bool:
    """Whether the company graph leads from `start` (a catalog vendor) to any target."""
    if start is None:
        return False
    edges: dict[str, set[str]] = {}
    by_id = {x.id: x for x in links}
    for x in by_id.values():
        parent = by_id.get(x.parent_id)
        source = x.vendor_id if parent is None else identity(parent)
        edges.setdefault(source, set()).add(identity(x))
    seen, todo = set(), [start]
    while todo:
        here = todo.pop()
        if here in targets:
            return True
        if here not in seen:
            seen.add(here)
            todo.extend(edges.get(here, ()))
    return False


def ordered(links: Sequence[ChainLink], vendor_id: str) -> list[tuple[int, ChainLink]]:
    """A vendor's chain depth first, each with its depth, siblings by name: how pages,
    exports and notices list it."""
    children: dict[str, list[ChainLink]] = {}
    for x in links:
        children.setdefault(x.parent_id, []).append(x)
    found: list[tuple[int, ChainLink]] = []

    def walk(parent_id: str, level: int) -> None:
        for x in sorted(children.get(parent_id, ()), key=lambda x: x.legal_name.casefold()):
            found.append((level, x))
            if level < MAX_DEPTH:
                walk(x.id, level + 1)

    walk(vendor_id, 1)
    return found
