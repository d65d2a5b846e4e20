"""What a change is about, as announced: the snapshot every change event carries.

Taken once when the change is announced and kept on the change, so a notice says
what the customer was told even after the vendor's record changes. It holds the
verdict of every processing location for each data origin on the change's
effective date, so fan-out renders one payload per origin, never per customer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from registry.domain import chain as chain_rules
from registry.domain import fields, labels
from registry.domain.chain_fields import CHAIN_SNAPSHOT_FIELDS
from registry.domain.models import Change, ChangeStatus, DataOrigin, Subprocessor
from registry.domain.transfers import evaluate_transfer
from registry.domain.vendor_fields import SNAPSHOT_FIELDS
from registry.services import tias
from registry.services.deps import Deps
from registry.store import (
    chain_links,
    changes,
    dpas,
    processing_locations,
    subprocessors,
    transfer_bases,
)
from registry.store.database import Document


async def take(deps: Deps, change: Change) -> Document:
    """Read the vendor, its locations and bases, and judge each transfer."""
    sub = await subprocessors.get(deps.db, change.subprocessor_id)
    replaced = await subprocessors.get(deps.db, change.replaces_id) if change.replaces_id else None
    locations = await processing_locations.by_subprocessors(deps.db, [change.subprocessor_id])
    # A change of locations is announced with the vendor as it will be (the new routes
    # judged too).
    after = {x.id: x for x in [*locations.get(change.subprocessor_id, []), *change.locations_added]}
    for gone in change.locations_ended:
        after.pop(gone.id, None)
    located = sorted(after.values(), key=lambda loc: (loc.country, loc.role.value))
    bases = (await transfer_bases.by_subprocessors(deps.db, [change.subprocessor_id])).get(
        change.subprocessor_id, []
    )
    agreements = (await dpas.by_subprocessors(deps.db, [change.subprocessor_id])).get(
        change.subprocessor_id, []
    )
    assessments = (await tias.for_verdicts(deps, [change.subprocessor_id])).get(
        change.subprocessor_id, []
    )
    on = change.effective_at.date()
    transfers: dict[str, list[Document]] = {}
    for origin in DataOrigin:
        verdicts = []
        for loc in located:
            found = evaluate_transfer(
                origin,
                loc.country,
                on,
                bases,
                dpas=agreements,
                tias=assessments,
                recipient_in_scope=loc.recipient_in_scope,
            )
            verdicts.append(
                {
                    "status": found.status.value,
                    "mechanism": found.mechanism.value if found.mechanism else None,
                    "reasons": list(found.reasons),
                }
            )
        transfers[origin.value] = verdicts
    chain = await chain_snapshot(deps, change.subprocessor_id)
    return {
        "subprocessor": {**vendor_as_sent(change.subprocessor_id, sub), "chain": chain},
        "replaces": (
            {"id": replaced.id, "legalName": replaced.legal_name}
            if replaced is not None
            else (
                {"id": change.replaces_id, "legalName": change.replaces_id}
                if change.replaces_id
                else None
            )
        ),
        "locations": [
            {
                "country": loc.country,
                "countryName": labels.country_name(loc.country),
                "region": loc.region,
                "role": loc.role.value,
            }
            for loc in located
        ],
        "transfers": transfers,
        "on": on.isoformat(),
    }


def vendor_as_sent(vendor_id: str, sub: Subprocessor | None) -> Document:
    """The vendor's fields a snapshot carries (declared in domain/vendor_fields.py), for
    every customer: staff-only fields never leave."""
    sent: Document = {"id": vendor_id}
    for f in SNAPSHOT_FIELDS:
        sent[f.api_name] = fields.to_json(f, getattr(sub, f.name)) if sub else f.empty
    if sub is None:  # a vendor no longer on record is named by its id
        sent["legalName"], sent["purpose"] = vendor_id, ""
    return sent


async def chain_snapshot(deps: Deps, vendor_id: str) -> list[Document]:
    """The vendor's chain as announced (every link not ended), depth first."""
    links = (await chain_links.of_vendors(deps.db, [vendor_id])).get(vendor_id, [])
    return [
        {
            "id": link.id,
            "depth": depth,
            "parentId": link.parent_id,
            **{f.api_name: fields.to_json(f, getattr(link, f.name)) for f in CHAIN_SNAPSHOT_FIELDS},
            "catalogVendorId": link.catalog_vendor_id,
            "locations": [
                {
                    "country": loc.country,
                    "countryName": labels.country_name(loc.country),
                    "role": loc.role.value,
                }
                for loc in link.locations
            ],
        }
        for depth, link in chain_rules.ordered(links, vendor_id)
    ]


async def of_change(deps: Deps, change: Change, stored: Document | None = None) -> Document:
    """The change's snapshot; taken now (and kept) for a change announced without one."""
    found = stored if stored is not None else await changes.snapshot(deps.db, change.id)
    if found is not None:
        return found
    taken = await take(deps, change)
    await changes.keep_snapshot(deps.db, change.id, taken)
    return await changes.snapshot(deps.db, change.id) or taken


async def as_announced(deps: Deps, items: Sequence[Change]) -> dict[str, Document]:
    """Each change's snapshot, by change id (taken now, not kept, for an older change)."""
    found: dict[str, Document] = {}
    for change in items:
        found[change.id] = await changes.snapshot(deps.db, change.id) or await take(deps, change)
    return found


def iso(value: Any) -> Any:
    return value.isoformat() if value is not None else None


def change_payload(change: Change, snapshot: Document, origin: DataOrigin) -> Document:
    """The `change` object of an event body for customers whose data leaves `origin`."""
    verdicts = snapshot["transfers"].get(origin.value, [])
    locations = [
        {**loc, "transfer": verdict}
        for loc, verdict in zip(snapshot["locations"], verdicts, strict=True)
    ]
    payload = {
        "id": change.id,
        "kind": change.kind.value,
        "status": change.status.value,
        "description": change.description,
        "emergency": change.emergency,
        "emergencyReason": change.emergency_reason,
        "announcedAt": iso(change.announced_at),
        "effectiveAt": iso(change.effective_at),
        "subprocessorId": change.subprocessor_id,
        "replacesId": change.replaces_id,
        "subprocessor": {**snapshot["subprocessor"], "locations": locations},
        "replaces": snapshot["replaces"],
        "dataOrigin": origin.value,
    }
    if change.status is ChangeStatus.CANCELLED:
        # Why, as staff gave it: the customers told of the change are told this too.
        payload["cancelReason"] = change.cancel_reason
    return payload
