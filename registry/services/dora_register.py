"""A customer's DORA register of information, as far as it concerns us (domain/dora.py):
what it needs recorded, and the zip of plain-CSV files with a manifest that the web
route and the `registry dora-register` command hand out."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

import orjson

from registry.domain import chain as chains
from registry.domain import dora
from registry.domain import scope as scopes
from registry.domain import validation as check
from registry.domain.errors import NotFound, ValidationError
from registry.domain.labels import country_name
from registry.services import listing, location_changes, operator, policy
from registry.services.caller import Caller
from registry.services.deps import Deps
from registry.services.listing import SubprocessorQuery
from registry.services.policy import STAFF, require_role
from registry.store import chain_links, customers, ids, processing_locations, register_details

TEMPLATE_FILES = {"B_05.01": "b_05.01.csv", "B_05.02": "b_05.02.csv", "B_02.02": "b_02.02.csv"}


@dataclass(frozen=True, slots=True)
class DetailsInput:
    """What staff set; None leaves a value as it is, "" clears it."""

    lei: str | None = None
    euid: str | None = None
    headquarters_country: str | None = None
    contract_reference: str | None = None
    ict_service_type: str | None = None
    function_identifier: str | None = None


def checked_details(base: dora.RegisterDetails, given: DetailsInput) -> dora.RegisterDetails:
    values: dict[str, object] = {}
    if given.lei is not None:
        values["lei"] = check.lei(given.lei, "lei") if given.lei.strip() else None
    if given.euid is not None:
        values["euid"] = check.optional_text(given.euid, "euid", max_length=50)
    if given.headquarters_country is not None:
        hq = given.headquarters_country.strip()
        values["headquarters_country"] = check.country(hq, "headquartersCountry") if hq else None
    if given.contract_reference is not None:
        values["contract_reference"] = check.optional_text(
            given.contract_reference, "contractReference", max_length=255
        )
    if given.ict_service_type is not None:
        if given.ict_service_type not in dora.ICT_SERVICE_TYPES:
            raise ValidationError("ictServiceType", "ictServiceType must be one of S01 … S19")
        values["ict_service_type"] = given.ict_service_type
    if given.function_identifier is not None:
        values["function_identifier"] = check.optional_text(
            given.function_identifier, "functionIdentifier", max_length=100
        )
    return replace(base, **values)  # type: ignore[arg-type]


async def _customer_key(deps: Deps, customer_id: str | None) -> str:
    if customer_id is None:
        return dora.PROVIDER
    found = (
        await customers.get(deps.db, customer_id) if ids.is_id_of("Customer", customer_id) else None
    )
    if found is None:
        raise NotFound(f"no customer {customer_id!r}")
    return found.id


async def set_details(
    deps: Deps, caller: Caller, customer_id: str | None, given: DetailsInput
) -> dora.RegisterDetails:
    """Record a customer's register facts (or ours as its provider, without a customer)."""
    require_role(caller, *STAFF)
    key = await _customer_key(deps, customer_id)
    base = await register_details.get(deps.db, key) or dora.RegisterDetails(key)
    details = checked_details(base, given)
    await register_details.put(deps.db, details)
    return details


async def details_of(deps: Deps, caller: Caller, customer_id: str | None) -> dora.RegisterDetails:
    """Staff read any; a customer its own and ours."""
    if customer_id is not None and not policy.may_see_customer(caller, customer_id):
        raise NotFound(f"no customer {customer_id!r}")
    key = await _customer_key(deps, customer_id)
    return await register_details.get(deps.db, key) or dora.RegisterDetails(key)


@dataclass(frozen=True, slots=True)
class Extract:
    customer_id: str
    customer_name: str
    generated_at: datetime
    register: dora.Register


async def extract(deps: Deps, caller: Caller, customer_id: str) -> Extract:
    """The customer's templates as of now: its vendors in force (its own list), their
    locations and their chains where they reach it."""
    policy.require_key(caller, "to read a DORA register")
    if not policy.may_see_customer(caller, customer_id):
        raise NotFound(f"no customer {customer_id!r}")
    customer = (
        await customers.get(deps.db, customer_id) if ids.is_id_of("Customer", customer_id) else None
    )
    if customer is None:
        raise NotFound(f"no customer {customer_id!r}")
    mine = await register_details.get(deps.db, customer.id) or dora.RegisterDetails(customer.id)
    contract = dora.checked_contract(
        dora.Contract(
            reference=mine.contract_reference,
            customer_lei=mine.lei,
            ict_service_type=mine.ict_service_type,
            function_identifier=mine.function_identifier,
        )
    )
    ours = await register_details.get(deps.db, dora.PROVIDER) or dora.RegisterDetails(dora.PROVIDER)
    company = await operator.identity(deps)
    provider = dora.Party(
        "provider",
        company.legal_name or company.name,
        lei=ours.lei,
        euid=ours.euid,
        headquarters_country=ours.headquarters_country,
    )
    now = deps.clock.now()
    vendors = await listing.list_subprocessors(
        deps, caller, SubprocessorQuery(as_of=now, customer_id=customer.id)
    )
    vendor_ids = [v.id for v in vendors]
    # Where each vendor processes the customer's data today: a change of locations counts
    # from the customer's own date (services/location_changes.py).
    places = await location_changes.locations_at(
        deps,
        caller,
        await processing_locations.by_subprocessors(deps.db, vendor_ids),
        now,
        customer.id,
    )
    links = await chain_links.of_vendors(deps.db, vendor_ids, now)
    facts = []
    for vendor in vendors:
        mine_links = links.get(vendor.id, [])
        by_id = {x.id: x for x in mine_links}
        reaching = tuple(
            x
            for x in mine_links
            if scopes.affects(
                chains.effective_scope(x, by_id, vendor.scope),
                customer.products,
                customer.hosting_region,
            )
        )
        facts.append(dora.VendorFacts(vendor, tuple(places.get(vendor.id, [])), reaching))
    return Extract(customer.id, customer.name, now, dora.build(contract, provider, facts))


def _csv(columns: tuple[str, ...], rows: list[tuple[str, ...]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def manifest(found: Extract, files: Mapping[str, bytes]) -> dict[str, object]:
    register = found.register
    return {
        "format": "dora-register-extract",
        "formatVersion": 1,
        "dataPointModel": dora.DPM_VERSION,
        "implementingRegulation": dora.ITS,
        "customer": {"id": found.customer_id, "name": found.customer_name},
        "generatedAt": found.generated_at.isoformat(),
        "files": [
            {
                "name": TEMPLATE_FILES[template],
                "template": template,
                "columns": list(columns),
                "rows": len(rows),
                "sha256": hashlib.sha256(files[TEMPLATE_FILES[template]]).hexdigest(),
                "emptyColumns": dora.EMPTY_COLUMNS.get(template, {}),
            }
            for template, (columns, rows) in register.tables.items()
        ],
        "gaps": register.gaps,
        "supplyChain": {
            "note": "b_05.02.csv's rows in order, as people read them (names, not codes).",
            "rows": [
                {"rank": rank, "provider": who, "recipient": whom or None}
                for rank, who, whom in register.supply_chain
            ],
        },
        "locations": {
            "note": "B_02.02 takes one country for data at rest and one for processing: the "
            "most frequent of the customer's vendors and their chains; all of them here.",
            "dataAtRest": [
                {"country": c, "name": country_name(c)} for c in register.storage_countries
            ],
            "processing": [
                {"country": c, "name": country_name(c)} for c in register.processing_countries
            ],
        },
    }


def package(found: Extract) -> bytes:
    """The zip: one plain-CSV file per template and manifest.json."""
    files = {
        TEMPLATE_FILES[template]: _csv(columns, rows)
        for template, (columns, rows) in found.register.tables.items()
    }
    buffer = io.BytesIO()
    stamp = found.generated_at.timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in files.items():
            archive.writestr(zipfile.ZipInfo(name, stamp), body)
        body = orjson.dumps(manifest(found, files), option=orjson.OPT_INDENT_2)
        archive.writestr(zipfile.ZipInfo("manifest.json", stamp), body)
    return buffer.getvalue()


async def seed(deps: Deps, customer_id: str | None, raw: Mapping[str, object] | None) -> int:
    """A seed's `register` (the company's, or a customer's): recorded once, checked as
    setRegisterDetails checks it; 1 when created."""
    if not raw:
        return 0
    key = dora.PROVIDER if customer_id is None else customer_id

    def text(name: str) -> str | None:
        value = raw.get(name)
        return value if isinstance(value, str) else None

    given = DetailsInput(
        lei=text("lei"),
        euid=text("euid"),
        headquarters_country=text("headquarters_country"),
        contract_reference=text("contract_reference"),
        ict_service_type=text("ict_service_type"),
        function_identifier=text("function_identifier"),
    )
    details = checked_details(dora.RegisterDetails(key), given)
    return int(await register_details.insert_missing(deps.db, details))
