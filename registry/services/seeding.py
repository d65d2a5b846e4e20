"""Loading seed files (seeds/*.json) idempotently: loading twice equals loading once.

Ids are derived from the seed file and each entry's key. Seeding creates what is missing
and never rewrites what exists: a vendor a change has since retired, or a customer whose
terms were edited, stays as it is, and the report says what was skipped and why.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

from registry.domain import fields
from registry.domain import validation as check
from registry.domain.errors import ValidationError
from registry.domain.models import (
    Customer,
    CustomerTerms,
    DataOrigin,
    Dpa,
    HostingRegion,
    LocationRole,
    PeriodEnds,
    ProcessingLocation,
    Product,
    Scope,
    StatusChange,
    Subprocessor,
    SubprocessorStatus,
    TransferBasis,
    TransferMechanism,
)
from registry.domain.vendor_fields import VENDOR_FIELDS
from registry.services import catalogs, chain_seeding, dora_register, operator
from registry.services.customers import checked_terms, remember
from registry.services.deps import Deps
from registry.store import (
    customer_roster,
    customers,
    dpas,
    hosting_regions,
    processing_locations,
    products,
    subprocessors,
    transfer_bases,
)
from registry.store.customers import group_key
from registry.store.database import Database
from registry.store.ids import stable_id

SUPPORTED_FORMAT = 1
Noted = TypeVar("Noted", ProcessingLocation, Customer)


class SeedError(ValueError):
    """A seed file is malformed; the message names the file and the entry."""


@dataclass
class SeedReport:
    path: Path
    subprocessors: int = 0
    customers: int = 0
    changed: int = 0
    skipped: list[str] = field(default_factory=list)


def _detail(exc: Exception) -> str:
    """What was wrong, naming the field (a refusal's message does not always)."""
    if not isinstance(exc, ValidationError):
        return repr(exc)
    return exc.message if exc.field in exc.message else f"{exc.field}: {exc.message}"


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _in_force_since(source: dict[str, Any]) -> datetime:
    """Vendors a policy lists were in force at least since the policy's date."""
    dated = source.get("dated")
    day = date.fromisoformat(dated) if dated and len(dated) == 10 else date(2018, 5, 25)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


async def load_seed_file(deps: Deps, path: Path, *, progress: bool = False) -> SeedReport:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))  # noqa: ASYNC240 - small local file
    except (OSError, json.JSONDecodeError) as exc:
        raise SeedError(f"{path}: {exc}") from None
    if data.get("format") != SUPPORTED_FORMAT:
        raise SeedError(f"{path}: unsupported format {data.get('format')!r}")
    namespace = data["source"]["document"]
    since = _in_force_since(data["source"])
    report = SeedReport(path)
    try:
        # The operator's identity, on first load only (services/operator.py).
        report.changed += int(await operator.seed(deps, data.get("company")))
        report.changed += await dora_register.seed(
            deps, None, (data.get("company") or {}).get("register")
        )
    except ValidationError as exc:
        raise SeedError(f"{path}: {_detail(exc)}") from None
    try:
        report.changed += await _load_catalogs(deps, data, since)
    except (ValidationError, KeyError, ValueError) as exc:
        detail = _detail(exc)
        raise SeedError(f"{path}: catalogs: {detail}") from None
    entries = data.get("subprocessors", [])
    for number, entry in enumerate(entries, start=1):
        if progress:
            print(f"\r{path.name}: subprocessor {number}/{len(entries)}", end="", flush=True)
        try:
            report.changed += await _load_subprocessor(deps, namespace, entry, since, report)
        except (ValidationError, KeyError, ValueError) as exc:
            detail = _detail(exc)
            raise SeedError(f"{path}: subprocessor {entry.get('key')!r}: {detail}") from None
        report.subprocessors += 1
    for entry in entries:  # after every vendor: a link may be one of them
        try:
            created, skipped = await chain_seeding.load_chain(deps, namespace, entry, since)
        except (ValidationError, KeyError, ValueError) as exc:
            detail = _detail(exc)
            raise SeedError(f"{path}: subprocessor {entry.get('key')!r}: {detail}") from None
        report.changed += created
        report.skipped += skipped
    for entry in data.get("customers", []):
        try:
            report.changed += await _load_customer(deps, namespace, entry, since, report)
            customer_id = stable_id("Customer", namespace, entry["key"])
            report.changed += await dora_register.seed(deps, customer_id, entry.get("register"))
        except (ValidationError, KeyError, ValueError) as exc:
            detail = _detail(exc)
            raise SeedError(f"{path}: customer {entry.get('key')!r}: {detail}") from None
        report.customers += 1
    if progress:
        print(f"\r{path.name}: {report.subprocessors} subprocessors, {report.customers} customers")
    return report


async def _load_catalogs(deps: Deps, data: dict[str, Any], since: datetime) -> int:
    """Products and hosting regions a seed declares, before the scopes that name them."""
    changed = 0
    for raw in data.get("products", []):
        product = Product(
            code=check.code(raw["code"], "products.code"),
            name=check.text(raw["name"], "products.name", max_length=200),
            created_at=since,
        )
        changed += await products.upsert(deps.db, product)
    for raw in data.get("hosting_regions", []):
        region = HostingRegion(
            code=check.code(raw["code"], "hosting_regions.code"),
            name=check.text(raw["name"], "hosting_regions.name", max_length=200),
            countries=tuple(
                check.country(c, "hosting_regions.countries") for c in raw.get("countries", [])
            ),
            created_at=since,
        )
        changed += await hosting_regions.upsert(deps.db, region)
    return changed


@dataclass(frozen=True, slots=True)
class _SeededVendor:
    """A seed's vendor and its parts, every field checked before anything is written."""

    vendor: Subprocessor
    locations: tuple[ProcessingLocation, ...]
    dpas: tuple[Dpa, ...]
    bases: tuple[TransferBasis, ...]


async def _load_subprocessor(
    deps: Deps, namespace: str, entry: dict[str, Any], since: datetime, report: SeedReport
) -> int:
    """Write a seed's vendor; a bad field anywhere in the entry writes none of it."""
    seeded = await _checked_subprocessor(deps, namespace, entry, since)
    key = entry["key"]
    sub = seeded.vendor
    changed = _created(
        report, f"subprocessor {key!r}", sub, await subprocessors.insert_missing(deps.db, sub)
    )
    for n, location in enumerate(seeded.locations):
        stored = await processing_locations.insert_missing(deps.db, location)
        stored, noted = await _with_seed_note(
            deps, location, stored, processing_locations.add_missing_note
        )
        changed += noted + _created(report, f"{key}: location {n}", location, stored)
    for n, dpa in enumerate(seeded.dpas):
        changed += _created(report, f"{key}: DPA {n}", dpa, await dpas.insert_missing(deps.db, dpa))
    for n, basis in enumerate(seeded.bases):
        stored_basis = await transfer_bases.insert_missing(deps.db, basis)
        changed += _created(report, f"{key}: transfer basis {n}", basis, stored_basis)
    return changed


def _checked_fields(given: dict[str, Any]) -> dict[str, Any]:
    """The API's rules; a refusal names the field as the file does (its declared name)."""
    try:
        return fields.checked(VENDOR_FIELDS, given, creating=True)
    except ValidationError as exc:
        key = next((f.name for f in VENDOR_FIELDS if f.api_name == exc.field), exc.field)
        raise ValidationError(key, f"{key}: {exc.message}") from None


async def _checked_subprocessor(
    deps: Deps, namespace: str, entry: dict[str, Any], since: datetime
) -> _SeededVendor:
    """A seed's vendor entry through the checks the API applies, field names as in the file."""
    key = entry["key"]
    sub_id = stable_id("Subprocessor", namespace, key)
    status = SubprocessorStatus(entry.get("status", "ACTIVE"))
    active = status is SubprocessorStatus.ACTIVE
    raw_scope = entry.get("scope") or {}
    scope = await catalogs.checked_scope(
        deps,
        Scope(tuple(raw_scope.get("products", ())), tuple(raw_scope.get("hosting_regions", ()))),
    )
    # The same rules as the API's, by the declared fields' names (the file's keys).
    given = {f.name: entry[f.name] for f in VENDOR_FIELDS if f.name in entry}
    sub = Subprocessor(
        id=sub_id,
        status=status,
        created_at=since,
        status_history=(StatusChange(status, since),),
        active_from=since if active else None,
        scope=scope,
        **_checked_fields(given),
    )
    locations = tuple(
        ProcessingLocation(
            id=stable_id("ProcessingLocation", namespace, key, str(n)),
            subprocessor_id=sub_id,
            country=check.country(loc["country"], f"locations[{n}].country"),
            region=check.region(loc.get("region"), f"locations[{n}].region"),
            role=LocationRole(loc.get("role", "PROCESSING")),
            note=check.note(loc.get("note"), f"locations[{n}].note"),
        )
        for n, loc in enumerate(entry.get("locations", []))
    )
    # A DPA a policy names without its date is recorded with an unknown signing date.
    found_dpas = tuple(
        Dpa(
            id=stable_id("Dpa", namespace, key, str(n)),
            subprocessor_id=sub_id,
            version=check.text(raw["version"], f"dpas[{n}].version", max_length=50),
            signed_on=_date(raw.get("signed_on")),
            effective_on=_date(raw.get("effective_on")),
            expires_on=_date(raw.get("expires_on")),
            document_url=check.url(raw.get("document_url"), f"dpas[{n}].document_url"),
            sha256=check.sha256(raw.get("sha256"), f"dpas[{n}].sha256"),
            scc_modules=tuple(
                check.scc_module(m, f"dpas[{n}].scc_modules") or 0
                for m in raw.get("scc_modules") or ()
            ),
        )
        for n, raw in enumerate(entry.get("dpas", []))
    )
    bases = tuple(
        TransferBasis(
            id=stable_id("TransferBasis", namespace, key, str(n)),
            subprocessor_id=sub_id,
            mechanism=TransferMechanism(raw["mechanism"]),
            origin=DataOrigin(raw.get("origin", "EEA")),
            destination=check.country(raw["destination"], f"transfer_bases[{n}].destination"),
            valid_from=_date(raw.get("valid_from")),
            valid_until=_date(raw.get("valid_until")),
            scc_module=check.scc_module(raw.get("scc_module"), f"transfer_bases[{n}].scc_module"),
            reference=check.optional_text(
                raw.get("reference"), f"transfer_bases[{n}].reference", max_length=500
            ),
            note=check.note(raw.get("note"), f"transfer_bases[{n}].note"),
        )
        for n, raw in enumerate(entry.get("transfer_bases", []))
    )
    return _SeededVendor(sub, locations, found_dpas, bases)


async def _with_seed_note(
    deps: Deps,
    seeded: Noted,
    stored: Noted | None,
    add_missing_note: Callable[[Database, Noted], Awaitable[bool]],
) -> tuple[Noted | None, int]:
    """A record stored before notes existed takes the seed's note (1: something changed)."""
    if stored is None or stored.note is not None or seeded.note is None:
        return stored, 0
    if not await add_missing_note(deps.db, seeded):
        return stored, 0
    return replace(stored, note=seeded.note), 1


def _created(report: SeedReport, what: str, seeded: object, stored: object | None) -> int:
    """1 when the seed created it; a stored one that differs is kept and reported."""
    if stored is None:
        return 1
    if stored != seeded:
        report.skipped.append(f"{what}: exists and differs from the seed (kept as it is)")
    return 0


async def _load_customer(
    deps: Deps, namespace: str, entry: dict[str, Any], since: datetime, report: SeedReport
) -> int:
    terms = checked_terms(
        CustomerTerms(
            notice_period=entry.get("notice_period") or "P3M",
            objection_window=entry.get("objection_window"),
            data_origin=DataOrigin(entry.get("data_origin", "EEA")),
            allows_emergency_replacement=bool(entry.get("allows_emergency_replacement")),
            weekend_rolls_to_monday=bool(entry.get("weekend_rolls_to_monday")),
            time_zone=entry.get("time_zone", "UTC"),
            language=entry.get("language", "en"),
            period_ends=PeriodEnds(entry.get("period_ends", "SAME_INSTANT")),
        )
    )
    customer = Customer(
        id=stable_id("Customer", namespace, entry["key"]),
        name=check.text(entry["name"], "name", max_length=200),
        terms=terms,
        created_at=since,
        notice_emails=tuple(
            check.email(e, "notice_emails") or "" for e in entry.get("notice_emails", [])
        ),
        products=await catalogs.checked_products(deps, entry.get("products", ()), "products"),
        hosting_region=await catalogs.checked_region(
            deps, entry.get("hosting_region"), "hosting_region"
        ),
        note=check.note(entry.get("note")),
    )
    if await customers.get(deps.db, customer.id) is None:
        await remember(deps, customer)  # its terms and group, before it can be counted
    existing = await customers.insert_missing(deps.db, customer)
    if existing is None:
        await customer_roster.add(deps.db, customer.id, group_key(customer))
    existing, noted = await _with_seed_note(deps, customer, existing, customers.add_missing_note)
    return noted + _created(report, f"customer {entry['key']!r}", customer, existing)


async def load_seed_files(
    deps: Deps, paths: Sequence[Path], *, progress: bool = False
) -> list[SeedReport]:
    reports = []
    for path in paths:
        report = await load_seed_file(deps, path, progress=progress)
        reports.append(report)
        print(
            f"{path.name}: {report.subprocessors} subprocessors, {report.customers} customers, "
            f"{report.changed} created, {len(report.skipped)} skipped",
            file=sys.stdout,
        )
        for reason in report.skipped:
            print(f"  skipped {reason}", file=sys.stdout)
    return reports
