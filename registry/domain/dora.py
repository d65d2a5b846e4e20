"""A customer's DORA register of information, the templates that concern us as its ICT
third-party service provider (Implementing Regulation (EU) 2024/2956, Annex I): B_05.01
(the providers), B_05.02 (the supply chain) and the location columns of B_02.02.

Column codes and enumerations follow the EBA data point model 4.0 (reporting framework 4.0
of the register of information): a file per template named as the template
(`b_05.01.csv`), its header the column codes (`c0010`, …), countries as `eba_GA:XX`, yes
and no as `eba_BT:x28`/`eba_BT:x29`, ICT service types as `eba_TA:S01`…`S19` (Annex III),
types of code as `eba_qCO:qx2000` (LEI) and `eba_qCO:qx2002` (EUID), legal persons as
`eba_CT:x212`. What is not ours to know (the customer's expense, its functions' criticality,
its notice periods) is left empty, and `EMPTY_COLUMNS` says why. docs/dora-register.md
describes it for the customers who file it.

Pure: the caller gathers the customer's vendors, their locations and chains.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from registry.domain import chain as chains
from registry.domain.errors import ValidationError
from registry.domain.models import LocationRole, ProcessingLocation, Subprocessor

DPM_VERSION = "EBA DPM 4.0 (DORA register of information, reporting framework 4.0)"
ITS = "Commission Implementing Regulation (EU) 2024/2956, Annex I"

ICT_SERVICE_TYPES = {f"S{n:02d}" for n in range(1, 20)}
"""Annex III of the ITS: S01 ICT project management … S19 Cloud services: SaaS."""

LEI_CODE = "eba_qCO:qx2000"
EUID_CODE = "eba_qCO:qx2002"
LEGAL_PERSON = "eba_CT:x212"
YES, NO = "eba_BT:x28", "eba_BT:x29"

Row = tuple[str, ...]

B_05_01: Row = tuple(f"c{n:04d}" for n in range(10, 130, 10))
B_05_02: Row = tuple(f"c{n:04d}" for n in range(10, 80, 10))
B_02_02: Row = (*(f"c{n:04d}" for n in range(10, 70, 10)), "c0130", "c0140", "c0150", "c0160")

EMPTY_COLUMNS: dict[str, dict[str, str]] = {
    "B_05.01": {
        "c0030": "additional identification code: none recorded (an LEI or EUID is in c0010)",
        "c0040": "type of the additional code: no additional code",
        "c0060": "name in the Latin alphabet: the legal names recorded are in it already",
        "c0090": "currency: the customer's own figure (what it pays us)",
        "c0100": "total annual expense: the customer's own figure; for subcontractors it "
        "does not apply",
        "c0110": "ultimate parent undertaking: not recorded in the registry",
        "c0120": "type of the ultimate parent's code: no parent recorded",
    },
    "B_05.02": {
        "c0060": "recipient, for rank 1 only: the direct provider serves the customer itself",
        "c0070": "type of the recipient's code, for rank 1 only",
    },
    "B_02.02": {
        "c0070-c0120": "dates, termination, notice periods and governing law: outside the "
        "location columns this extract fills; the customer's contract file holds them",
        "c0170-c0180": "sensitiveness and reliance: the customer's own assessment",
    },
}


PROVIDER = "provider"
"""The key of our own register facts, beside each customer's id."""


@dataclass(frozen=True, slots=True)
class RegisterDetails:
    id: str  # a customer's id, or PROVIDER
    lei: str | None = None
    euid: str | None = None
    headquarters_country: str | None = None
    contract_reference: str | None = None
    ict_service_type: str = "S19"
    function_identifier: str | None = None


@dataclass(frozen=True, slots=True)
class Party:
    """A provider as B_05.01 identifies it."""

    key: str  # who it is in the registry (a vendor's or a link's id, or "provider")
    legal_name: str
    lei: str | None = None
    euid: str | None = None
    headquarters_country: str | None = None

    @property
    def code(self) -> str:
        return self.lei or self.euid or ""

    @property
    def code_type(self) -> str:
        return LEI_CODE if self.lei else EUID_CODE if self.euid else ""


@dataclass(frozen=True, slots=True)
class Contract:
    """What the customer's register says of its contract with us."""

    reference: str | None
    customer_lei: str | None
    ict_service_type: str = "S19"
    function_identifier: str | None = None


@dataclass(frozen=True, slots=True)
class VendorFacts:
    vendor: Subprocessor
    locations: tuple[ProcessingLocation, ...]
    chain: tuple[chains.ChainLink, ...]


@dataclass(frozen=True, slots=True)
class Register:
    tables: dict[str, tuple[Row, list[Row]]]
    gaps: list[str] = field(default_factory=list)
    # B_05.02's rows as people read them: rank, provider, recipient (names, in file order).
    supply_chain: list[tuple[int, str, str]] = field(default_factory=list)
    storage_countries: tuple[str, ...] = ()
    processing_countries: tuple[str, ...] = ()


def checked_contract(contract: Contract) -> Contract:
    """The contract facts the export cannot do without, or ValidationError naming the one
    missing."""
    if not contract.reference:
        raise ValidationError(
            "contractReference",
            "the customer has no contract reference: set contractReference with "
            "setRegisterDetails before exporting its DORA register",
        )
    if contract.ict_service_type not in ICT_SERVICE_TYPES:
        raise ValidationError("ictServiceType", "ictServiceType must be one of S01 … S19")
    return contract


def build(contract: Contract, provider: Party, vendors: Sequence[VendorFacts]) -> Register:
    """The three templates for one customer's contract with us."""
    contract = checked_contract(contract)
    service = f"eba_TA:{contract.ict_service_type}"
    parties: dict[str, Party] = {provider.key: provider}
    # Keyed by who, at which rank, for whom: the same company twice in one place is one row.
    named: dict[tuple[str, int, str], tuple[int, str, str]] = {
        (provider.key, 1, ""): (1, provider.legal_name, "")
    }
    chain_rows: dict[tuple[str, int, str], Row] = {
        (provider.key, 1, ""): (
            contract.reference or "",
            service,
            provider.code,
            provider.code_type,
            "1",
            "",
            "",
        )
    }
    for facts in vendors:
        vendor = party_of_vendor(facts.vendor)
        parties.setdefault(vendor.key, vendor)
        chain_rows[(vendor.key, 2, provider.key)] = _supply(contract, service, vendor, 2, provider)
        named[(vendor.key, 2, provider.key)] = (2, vendor.legal_name, provider.legal_name)
        by_id = {x.id: x for x in facts.chain}
        for depth, link in chains.ordered(list(facts.chain), facts.vendor.id):
            me = parties.setdefault(party_of_link(link).key, party_of_link(link))
            parent = by_id.get(link.parent_id)
            above = vendor if parent is None else parties[party_of_link(parent).key]
            rank = depth + 2
            chain_rows[(me.key, rank, above.key)] = _supply(contract, service, me, rank, above)
            named[(me.key, rank, above.key)] = (rank, me.legal_name, above.legal_name)
    providers: list[Row] = [
        (
            p.code,
            p.code_type,
            "",
            "",
            p.legal_name,
            "",
            LEGAL_PERSON,
            _country(p.headquarters_country),
            "",
            "",
            "",
            "",
        )
        for p in parties.values()
    ]
    storage, processing = _locations(vendors)
    location_row: Row = (
        contract.reference or "",
        contract.customer_lei or "",
        provider.code,
        provider.code_type,
        contract.function_identifier or "",
        service,
        _country(provider.headquarters_country),
        YES if storage else NO,
        _country(storage[0]) if storage else "",
        _country(processing[0]) if processing else "",
    )
    gaps = [
        f"{p.legal_name}: no LEI or EUID recorded (B_05.01 c0010, B_05.02 c0030)"
        for p in parties.values()
        if not p.code
    ]
    gaps += [
        f"{p.legal_name}: no headquarters country recorded (B_05.01 c0080)"
        for p in parties.values()
        if not p.headquarters_country
    ]
    if not contract.customer_lei:
        gaps.append("the customer's LEI is not recorded (B_02.02 c0020)")
    if not contract.function_identifier:
        gaps.append("no function identifier recorded for the contract (B_02.02 c0050)")
    return Register(
        tables={
            "B_05.01": (B_05_01, providers),
            "B_05.02": (B_05_02, list(chain_rows.values())),
            "B_02.02": (B_02_02, [location_row]),
        },
        gaps=gaps,
        supply_chain=list(named.values()),
        storage_countries=tuple(storage),
        processing_countries=tuple(processing),
    )


def party_of_vendor(vendor: Subprocessor) -> Party:
    return Party(
        vendor.id,
        vendor.legal_name,
        lei=vendor.lei,
        headquarters_country=vendor.headquarters_country,
    )


def party_of_link(link: chains.ChainLink) -> Party:
    """A link that is a catalog vendor is that company: one row in B_05.01."""
    return Party(
        link.catalog_vendor_id or link.id,
        link.legal_name,
        lei=link.lei,
        headquarters_country=link.headquarters_country,
    )


def _supply(
    contract: Contract, service: str, who: Party, rank: int, recipient: Party
) -> tuple[str, ...]:
    return (
        contract.reference or "",
        service,
        who.code,
        who.code_type,
        str(rank),
        recipient.code,
        recipient.code_type,
    )


def _country(code: str | None) -> str:
    return f"eba_GA:{code}" if code else ""


def _locations(vendors: Sequence[VendorFacts]) -> tuple[list[str], list[str]]:
    """Where the customer's data rests and is processed, most frequent first (B_02.02 takes
    one country each: the first; the manifest lists them all)."""
    at_rest: Counter[str] = Counter()
    processed: Counter[str] = Counter()
    for facts in vendors:
        places = [(loc.country, loc.role) for loc in facts.locations]
        places += [(loc.country, loc.role) for link in facts.chain for loc in link.locations]
        for country, role in places:
            if role in (LocationRole.STORAGE, LocationRole.BACKUP):
                at_rest[country] += 1
            else:
                processed[country] += 1
    return _ranked(at_rest), _ranked(processed)


def _ranked(counts: Counter[str]) -> list[str]:
    return [c for c, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
