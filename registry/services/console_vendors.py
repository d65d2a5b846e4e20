"""What the console's vendor list, announce form and overview read about vendors: digests.

Listing 500 vendors with their countries, or assessing their ~1,000 transfers, reads
four collections whole: half a second and more on the embedded database, which uses
only the `_id` index. The console reads two digests by `_id` instead (store/digests.py):
every vendor's line (name, purpose, status, countries), and the transfers from the EEA
needing attention (INVALID, MISSING, EXPIRING) as assessed today. The first reader after
a vendor's facts were written (the store counts every such write) rebuilds them, and the
transfers once more when the day turns (verdicts depend on the date: a basis expires,
a decision passes). The list filters, searches and pages the lines in memory, with the
store's semantics: search matches name or purpose, ignoring case; name order.
A vendor's own page reads its locations, bases and DPAs from digests of that vendor,
rebuilt after a write of its facts.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date

from registry.domain import validation as check
from registry.domain.models import (
    DataOrigin,
    Dpa,
    ProcessingLocation,
    SubprocessorStatus,
    TransferBasis,
    TransferImpactAssessment,
    TransferStatus,
)
from registry.services import listing, tias, vendors
from registry.services.caller import Caller
from registry.services.deps import Deps
from registry.services.policy import STAFF, require_role
from registry.store import digests, processing_locations, subprocessors
from registry.store.subprocessors import ListFilter

PROBLEMS = (TransferStatus.INVALID, TransferStatus.MISSING, TransferStatus.EXPIRING)
LINES = "console:vendor_lines"
TRANSFERS = "console:transfer_problems:EEA"


@dataclass(frozen=True, slots=True)
class VendorLine:
    """One vendor as lists show it."""

    id: str
    legal_name: str
    purpose: str
    status: SubprocessorStatus
    countries: tuple[str, ...]

    @property
    def sort_key(self) -> tuple[str, str]:
        """The cursor of a name-ordered page (as the store sorts vendors)."""
        return (self.legal_name.casefold(), self.id)


@dataclass(frozen=True, slots=True)
class TransferProblem:
    """One processing location whose transfer from the EEA needs a person's attention."""

    subprocessor_id: str
    legal_name: str
    destination: str
    status: TransferStatus
    reasons: tuple[str, ...]


async def vendor_lines(deps: Deps, caller: Caller) -> tuple[VendorLine, ...]:
    """Every vendor, any status, in name order."""
    require_role(caller, *STAFF)
    return (await _lines(deps))[0]


async def _lines(deps: Deps) -> tuple[tuple[VendorLine, ...], bool]:
    return await digests.cached(
        deps.db, digests.VENDORS, LINES, VendorLine, lambda: _build_lines(deps)
    )


async def refresh_lines(deps: Deps, caller: Caller) -> int:
    """Rebuild the vendor lines if stale: 1 if it was, else 0."""
    require_role(caller, *STAFF)
    return int((await _lines(deps))[1])


async def _build_lines(deps: Deps) -> list[VendorLine]:
    subs = await subprocessors.all_matching(deps.db, ListFilter())
    locations = await processing_locations.by_subprocessors(deps.db, [s.id for s in subs])
    return [
        VendorLine(
            s.id,
            s.legal_name,
            s.purpose,
            s.status,
            tuple(sorted({loc.country for loc in locations.get(s.id, [])})),
        )
        for s in subs
    ]


async def page_vendors(
    deps: Deps,
    caller: Caller,
    *,
    statuses: Iterable[SubprocessorStatus],
    country: str | None,
    search: str | None,
    after: tuple[str, str] | None,
    limit: int,
) -> tuple[list[VendorLine], int]:
    """One name-ordered page of the vendors matching, and how many match in all."""
    code = check.country(country, "filter.country") if country else None
    text = check.optional_text(search, "filter.search", max_length=200)
    needle = text.casefold() if text else None
    wanted = set(statuses)
    matching = [
        line
        for line in await vendor_lines(deps, caller)
        if line.status in wanted
        and (code is None or code in line.countries)
        and (
            needle is None
            or needle in line.legal_name.casefold()
            or needle in line.purpose.casefold()
        )
    ]
    start = 0 if after is None else bisect.bisect_right([m.sort_key for m in matching], after)
    return matching[start : start + limit], len(matching)


async def transfer_problems(deps: Deps, caller: Caller) -> tuple[TransferProblem, ...]:
    """Transfers from the EEA that are INVALID, MISSING or EXPIRING today (UTC), worst
    first, then by vendor name: the vendors in force today, as `assess_transfers` says."""
    require_role(caller, *STAFF)
    return (await _problems(deps, caller))[0]


async def _problems(deps: Deps, caller: Caller) -> tuple[tuple[TransferProblem, ...], bool]:
    today = deps.clock.now().astimezone(UTC).date()
    return await digests.cached(
        deps.db,
        digests.VENDORS,
        TRANSFERS,
        TransferProblem,
        lambda: _assess(deps, caller, today),
        day=today,
    )


async def refresh_transfer_problems(deps: Deps, caller: Caller) -> int:
    """Rebuild today's transfer problems if stale: 1 if they were, else 0."""
    require_role(caller, *STAFF)
    return int((await _problems(deps, caller))[1])


async def _assess(deps: Deps, caller: Caller, today: date) -> list[TransferProblem]:
    assessment = await listing.assess_transfers(deps, caller, as_of=today, origin=DataOrigin.EEA)
    found = [
        TransferProblem(
            i.subprocessor.id,
            i.subprocessor.legal_name,
            i.evaluation.destination,
            i.evaluation.status,
            tuple(i.evaluation.reasons),
        )
        for i in assessment.items
        if i.evaluation.status in PROBLEMS
    ]
    found.sort(key=lambda p: (PROBLEMS.index(p.status), p.legal_name, p.subprocessor_id))
    return found


@dataclass(frozen=True, slots=True)
class VendorFacts:
    """What a vendor's page shows beside the vendor itself."""

    locations: tuple[ProcessingLocation, ...]
    bases: tuple[TransferBasis, ...]
    dpas: tuple[Dpa, ...]
    assessments: tuple[TransferImpactAssessment, ...] = ()


async def vendor_facts(deps: Deps, caller: Caller, sub_id: str) -> VendorFacts:
    require_role(caller, *STAFF)

    async def build() -> list[VendorFacts]:
        ids = [sub_id]
        return [
            VendorFacts(
                tuple((await vendors.locations_of(deps, caller, ids)).get(sub_id, [])),
                tuple((await vendors.transfer_bases_of(deps, caller, ids)).get(sub_id, [])),
                tuple((await vendors.dpas_of(deps, caller, ids)).get(sub_id, [])),
                tuple((await tias.assessments_of(deps, caller, ids)).get(sub_id, [])),
            )
        ]

    topic = digests.vendor_topic(sub_id)
    found, _ = await digests.cached(deps.db, topic, f"console:{topic}", VendorFacts, build)
    return found[0]
