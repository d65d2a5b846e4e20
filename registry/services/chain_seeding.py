"""A seed vendor's `chain`: its sub-processors, each with the API's rules.

    "chain": [
      {"key": "aws", "parent": null, "catalog": "aws", "legal_name": "…", "address": "…",
       "purpose": "…", "locations": [{"country": "US", "role": "STORAGE"}],
       "bases": [{"mechanism": "SCC_2021", "scc_module": 3}], "scope": {"products": []}},
      {"key": "…", "parent": "aws", …}
    ]

`parent` names another entry of the same chain (null: the vendor itself), `catalog` the
key of a vendor of the same seed file it is. Links are loaded after every vendor of the
file, in file order (a parent before its children), with the seed's stable ids, so
loading twice is the same as once.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from registry.domain.chain_fields import CHAIN_FIELDS
from registry.domain.errors import ValidationError
from registry.domain.models import DataOrigin, LocationRole, Scope, TransferMechanism
from registry.services.chains import ChainLinkDraft, HopBasisDraft, LocationDraft, checked_link
from registry.services.deps import Deps
from registry.store import chain_links, subprocessors
from registry.store.ids import stable_id


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def draft_of(entry: dict[str, Any], parent_id: str, catalog_id: str | None) -> ChainLinkDraft:
    raw_scope = entry.get("scope") or {}
    return ChainLinkDraft(
        values={f.name: entry[f.name] for f in CHAIN_FIELDS if f.name in entry},
        parent_id=parent_id,
        catalog_vendor_id=catalog_id,
        locations=tuple(
            LocationDraft(
                loc["country"],
                LocationRole(loc.get("role", "PROCESSING")),
                loc.get("recipient_in_scope"),
            )
            for loc in entry.get("locations", [])
        ),
        bases=tuple(
            HopBasisDraft(
                mechanism=TransferMechanism(raw["mechanism"]),
                origin=DataOrigin(raw.get("origin", "EEA")),
                countries=tuple(raw.get("countries", ())),
                scc_module=raw.get("scc_module"),
                valid_from=_date(raw.get("valid_from")),
                valid_until=_date(raw.get("valid_until")),
                reference=raw.get("reference"),
            )
            for raw in entry.get("bases", [])
        ),
        scope=Scope(
            tuple(raw_scope.get("products", ())), tuple(raw_scope.get("hosting_regions", ()))
        ),
    )


async def load_chain(
    deps: Deps, namespace: str, entry: dict[str, Any], since: datetime
) -> tuple[int, list[str]]:
    """The vendor entry's chain: how many links were created, and what was skipped."""
    vendor_key = entry["key"]
    vendor = await subprocessors.get(deps.db, stable_id("Subprocessor", namespace, vendor_key))
    if vendor is None:
        return 0, []
    created, skipped = 0, []
    for n, raw in enumerate(entry.get("chain", [])):
        key = raw["key"]
        parent = raw.get("parent")
        parent_id = vendor.id if parent is None else _link_id(namespace, vendor_key, parent)
        catalog = raw.get("catalog")
        catalog_id = None if catalog is None else stable_id("Subprocessor", namespace, catalog)
        link_id = _link_id(namespace, vendor_key, key)
        try:
            link = await checked_link(
                deps, vendor, draft_of(raw, parent_id, catalog_id), link_id=link_id, at=since
            )
        except ValidationError as exc:
            raise ValidationError(exc.field, f"chain[{n}] ({key}): {exc.message}") from None
        stored = await chain_links.insert_missing(deps.db, link)
        if stored is None:
            created += 1
        elif stored != link:
            skipped.append(f"{vendor_key}: chain {key!r}: exists and differs (kept as it is)")
    return created, skipped


def _link_id(namespace: str, vendor_key: str, key: str) -> str:
    return stable_id("ChainLink", namespace, vendor_key, key)
