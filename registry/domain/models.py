"""The registry's vocabulary as frozen dataclasses (DESIGN.md section 2).

These are plain values: the store maps documents to them, services decide with
them, the API renders them. Nothing here performs I/O.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime

from registry.domain.person import Person


class Role(enum.Enum):
    ADMIN = "ADMIN"
    PROCUREMENT = "PROCUREMENT"
    CUSTOMER = "CUSTOMER"


class SubprocessorStatus(enum.Enum):
    PROPOSED = "PROPOSED"
    ACTIVE = "ACTIVE"
    RETIRED = "RETIRED"


class LocationRole(enum.Enum):
    STORAGE = "STORAGE"
    PROCESSING = "PROCESSING"
    SUPPORT_ACCESS = "SUPPORT_ACCESS"
    BACKUP = "BACKUP"


class DataOrigin(enum.Enum):
    """The jurisdiction personal data leaves from."""

    EEA = "EEA"
    UK = "UK"
    CH = "CH"


class TransferMechanism(enum.Enum):
    ADEQUACY = "ADEQUACY"
    EU_US_DPF = "EU_US_DPF"
    UK_US_DATA_BRIDGE = "UK_US_DATA_BRIDGE"
    SWISS_US_DPF = "SWISS_US_DPF"
    SCC_2021 = "SCC_2021"
    SCC_2010 = "SCC_2010"
    UK_IDTA = "UK_IDTA"
    UK_ADDENDUM = "UK_ADDENDUM"
    BCR = "BCR"
    CODE_OF_CONDUCT = "CODE_OF_CONDUCT"
    CERTIFICATION = "CERTIFICATION"
    AD_HOC_CLAUSES = "AD_HOC_CLAUSES"
    DEROGATION = "DEROGATION"
    PRIVACY_SHIELD = "PRIVACY_SHIELD"
    SAFE_HARBOR = "SAFE_HARBOR"


class TransferStatus(enum.Enum):
    NOT_REQUIRED = "NOT_REQUIRED"
    VALID = "VALID"
    EXPIRING = "EXPIRING"
    INVALID = "INVALID"
    MISSING = "MISSING"


class ChangeKind(enum.Enum):
    ADD = "ADD"
    REPLACE = "REPLACE"
    REMOVE = "REMOVE"
    UPDATE = "UPDATE"


class ChangeStatus(enum.Enum):
    ANNOUNCED = "ANNOUNCED"
    EFFECTIVE = "EFFECTIVE"
    CANCELLED = "CANCELLED"


class ObjectionStatus(enum.Enum):
    OPEN = "OPEN"
    RESOLVED = "RESOLVED"


class ObjectionResolution(enum.Enum):
    WITHDRAWN = "WITHDRAWN"
    CHANGE_CANCELLED_FOR_CUSTOMER = "CHANGE_CANCELLED_FOR_CUSTOMER"
    CUSTOMER_TERMINATES = "CUSTOMER_TERMINATES"
    ACCOMMODATED = "ACCOMMODATED"
    REJECTED = "REJECTED"


@dataclass(frozen=True, slots=True)
class StatusChange:
    status: SubprocessorStatus
    at: datetime


@dataclass(frozen=True, slots=True)
class Scope:
    """The products and hosting regions a vendor serves (codes); empty means all."""

    products: tuple[str, ...] = ()
    hosting_regions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Product:
    """A product customers use; vendors and customers name it by its code."""

    code: str
    name: str
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class HostingRegion:
    """Where a customer's data is hosted (`eu`: stored and processed in the EEA)."""

    code: str
    name: str
    countries: tuple[str, ...] = ()
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Subprocessor:
    id: str
    legal_name: str
    purpose: str
    status: SubprocessorStatus
    created_at: datetime
    data_categories: tuple[str, ...] = ()
    website: str | None = None
    certifications: tuple[str, ...] = ()
    contact_email: str | None = None
    status_history: tuple[StatusChange, ...] = ()
    # When the vendor is (or is announced to be) in force: [active_from, active_until).
    active_from: datetime | None = None
    active_until: datetime | None = None
    note: str | None = None
    lei: str | None = None  # ISO 17442, for customers' DORA registers
    headquarters_country: str | None = None
    # Who the vendor touches (DESIGN.md 8): the scope in force now.
    scope: Scope = field(default_factory=Scope)


@dataclass(frozen=True, slots=True)
class ProcessingLocation:
    id: str
    subprocessor_id: str
    country: str
    role: LocationRole = LocationRole.PROCESSING
    region: str | None = None
    # Whether the recipient falls in a partial adequacy decision's scope there (PIPEDA,
    # APPI, PIPA, DPF); None when not recorded.
    recipient_in_scope: bool | None = None
    note: str | None = None  # staff's remark, e.g. how the country was inferred


@dataclass(frozen=True, slots=True)
class Dpa:
    id: str
    subprocessor_id: str
    version: str
    signed_on: date | None  # None: a DPA a privacy policy names without its date
    effective_on: date | None = None
    expires_on: date | None = None
    document_url: str | None = None
    sha256: str | None = None
    scc_modules: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class TransferBasis:
    """A recorded legal mechanism for transfers from `origin` to `destination`."""

    id: str
    subprocessor_id: str
    mechanism: TransferMechanism
    destination: str
    origin: DataOrigin = DataOrigin.EEA
    valid_from: date | None = None
    valid_until: date | None = None
    scc_module: int | None = None
    reference: str | None = None
    tia_on: date | None = None
    tia_url: str | None = None
    note: str | None = None


class TiaOutcome(enum.Enum):
    """What a transfer impact assessment concluded about the safeguards of a transfer."""

    SUFFICIENT = "SUFFICIENT"  # the mechanism's safeguards protect the data as they are
    SUPPLEMENTARY_MEASURES = "SUPPLEMENTARY_MEASURES"  # sufficient with the recorded measures
    NOT_SUFFICIENT = "NOT_SUFFICIENT"  # not even with measures: the transfer must stop


@dataclass(frozen=True, slots=True)
class TransferImpactAssessment:
    """An assessment of one vendor's route (origin → destination on one mechanism) under
    the regime's own method; the latest one assessed on or before a day covers the route."""

    id: str
    subprocessor_id: str
    origin: DataOrigin
    destination: str
    mechanism: TransferMechanism
    assessed_on: date
    # None: an assessment recorded before outcomes were (a basis's tiaOn and tiaUrl).
    outcome: TiaOutcome | None
    measures: tuple[str, ...] = ()
    reviewer: str | None = None
    document_reference: str | None = None  # a URL or the document system's reference
    sha256: str | None = None
    next_review_on: date | None = None
    recorded_at: datetime | None = None
    note: str | None = None


class PeriodEnds(enum.Enum):
    """Where a period counted from a notice ends (DESIGN.md 3.1)."""

    SAME_INSTANT = "SAME_INSTANT"
    END_OF_DAY = "END_OF_DAY"


@dataclass(frozen=True, slots=True)
class CustomerTerms:
    notice_period: str = "P3M"
    objection_window: str | None = None
    data_origin: DataOrigin = DataOrigin.EEA
    allows_emergency_replacement: bool = False
    weekend_rolls_to_monday: bool = False
    # Periods are counted on this IANA zone's calendar, and dates are shown in it.
    time_zone: str = "UTC"
    period_ends: PeriodEnds = PeriodEnds.SAME_INSTANT
    # Public holidays a rolled period skips (Regulation 1182/71 Art. 3(4)): a country code
    # with an optional subdivision, e.g. "DE-BE" (Berlin) or "DK"; None: weekends only.
    holiday_calendar: str | None = None
    # The BCP 47 tag (en, de-CH, fr, da…) of the language its contract is written in: its
    # notices, notice pages and calendar entries are written in it (domain/languages.py).
    language: str = "en"


@dataclass(frozen=True, slots=True)
class Customer:
    id: str
    name: str
    terms: CustomerTerms = field(default_factory=CustomerTerms)
    created_at: datetime | None = None
    notice_emails: tuple[str, ...] = ()
    # Scope (DESIGN.md 8): product codes used (empty = all) and the hosting region's code.
    products: tuple[str, ...] = ()
    hosting_region: str | None = None
    note: str | None = None  # staff's remark, e.g. where the terms come from


class NoticeStatus(enum.Enum):
    PENDING = "PENDING"
    EFFECTIVE = "EFFECTIVE"
    CANCELLED = "CANCELLED"


@dataclass(frozen=True, slots=True)
class Change:
    """An announced addition, replacement, removal or material update of a vendor."""

    id: str
    kind: ChangeKind
    subprocessor_id: str
    announced_at: datetime
    effective_at: datetime
    status: ChangeStatus
    earliest_allowed: datetime
    replaces_id: str | None = None
    description: str | None = None
    emergency: bool = False
    emergency_reason: str | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    applied_at: datetime | None = None
    expanded: bool = False
    # A scope change (UPDATE): the vendor's scope after it, and before it.
    scope: Scope | None = None
    scope_before: Scope | None = None
    # A change of where the vendor processes data (UPDATE): the locations it adds (their
    # ids fixed when announced) and those it ends, recorded on the vendor when it applies.
    locations_added: tuple[ProcessingLocation, ...] = ()
    locations_ended: tuple[ProcessingLocation, ...] = ()


@dataclass(frozen=True, slots=True)
class Notice:
    """One customer's record of a change: proof of when it was told and its deadline."""

    id: str
    change_id: str
    customer_id: str
    sent_at: datetime
    earliest_effective_at: datetime
    effective_at: datetime
    objection_deadline: datetime
    status: NoticeStatus = NoticeStatus.PENDING


@dataclass(frozen=True, slots=True)
class Objection:
    id: str
    change_id: str
    customer_id: str
    reason: str
    filed_at: datetime
    deadline: datetime
    status: ObjectionStatus = ObjectionStatus.OPEN
    resolution: ObjectionResolution | None = None
    note: str | None = None
    resolved_at: datetime | None = None
    # Who filed it: the person named on the notice page, or the API key used.
    filer_name: str | None = None
    filer_email: str | None = None
    filed_by_key: str | None = None
    # Upheld by ending the contract (CUSTOMER_TERMINATES): when it ends.
    contract_ends_at: datetime | None = None
    # Who recorded the outcome, when a person signed in with the company's provider did.
    resolver: Person | None = None
