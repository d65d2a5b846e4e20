"""What staff and customers ask to record, before a service checks it.

One typed value per use case: the GraphQL inputs convert to these with one method,
the console's forms build them, and the service validates them and makes the entity
(models.py). An edit's None leaves the stored value as it is; where null itself means
something (no objection window, no hosting region), `KEEP` leaves it.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from registry.domain.models import (
    ChangeKind,
    CustomerTerms,
    DataOrigin,
    LocationRole,
    PeriodEnds,
    Scope,
    TransferMechanism,
)


class Keep(enum.Enum):
    """An edit's field left out where null is a value: the stored value stays."""

    KEEP = "KEEP"


KEEP = Keep.KEEP


@dataclass(frozen=True, slots=True)
class SubprocessorDetails:
    """A new vendor (createSubprocessor): its declared fields by name
    (domain/vendor_fields.py), unchecked; scope codes are checked against the catalogs."""

    values: Mapping[str, object]
    scope: Scope = field(default_factory=Scope)

    @classmethod
    def named(cls, legal_name: str, purpose: str, **values: object) -> SubprocessorDetails:
        return cls({"legal_name": legal_name, "purpose": purpose, **values})


@dataclass(frozen=True, slots=True)
class SubprocessorEdit:
    """What to change on a vendor (updateSubprocessor): a field left out keeps its value,
    one given as None is cleared (where its declaration allows)."""

    values: Mapping[str, object] = field(default_factory=dict)
    scope: Scope | None = None
    # Why (domain/versions.py): required once customers have been told of the vendor.
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class ProcessingLocationDraft:
    country: str
    region: str | None = None
    role: LocationRole = LocationRole.PROCESSING
    recipient_in_scope: bool | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class DpaDraft:
    version: str
    signed_on: date | None  # None: only a correction of one recorded without its date
    effective_on: date | None = None
    expires_on: date | None = None
    document_url: str | None = None
    sha256: str | None = None
    scc_modules: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class TransferBasisDraft:
    mechanism: TransferMechanism
    destination: str
    origin: DataOrigin = DataOrigin.EEA
    valid_from: date | None = None
    valid_until: date | None = None
    scc_module: int | None = None
    reference: str | None = None
    tia_on: date | None = None
    tia_url: str | None = None


@dataclass(frozen=True, slots=True)
class CustomerDraft:
    """A new customer (createCustomer) with its contract terms, not yet checked."""

    name: str
    terms: CustomerTerms = field(default_factory=CustomerTerms)
    notice_emails: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    hosting_region: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class CustomerEdit:
    """What to change on a customer (updateCustomer); None (or KEEP) keeps a field."""

    name: str | None = None
    notice_period: str | None = None
    objection_window: str | Keep | None = KEEP
    data_origin: DataOrigin | None = None
    allows_emergency_replacement: bool | None = None
    weekend_rolls_to_monday: bool | None = None
    time_zone: str | None = None
    period_ends: PeriodEnds | None = None
    language: str | None = None
    holiday_calendar: str | Keep | None = KEEP
    notice_emails: tuple[str, ...] | None = None
    products: tuple[str, ...] | None = None
    hosting_region: str | Keep | None = KEEP
    note: str | Keep | None = KEEP
    reason: str | None = None  # why, kept in the customer's history (domain/versions.py)


@dataclass(frozen=True, slots=True)
class ChangeAnnouncement:
    """A change to announce (announceChange); the service picks the date when none."""

    kind: ChangeKind
    subprocessor_id: str
    replaces_id: str | None = None
    effective_at: datetime | None = None
    description: str | None = None
    emergency: bool = False
    emergency_reason: str | None = None
    idempotency_key: str | None = None
    # With kind UPDATE: the wider scope asked for (codes, checked against the catalogs).
    scope: Scope | None = None
    # With kind UPDATE: processing locations the vendor adds (None: none asked; an empty
    # list is refused), and ids of those it ends.
    locations: tuple[ProcessingLocationDraft, ...] | None = None
    ended_location_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ObjectionFiling:
    """An objection to file; `customer_id` only when staff file for a customer, the filer
    only when a person objects through the notice page."""

    change_id: str
    reason: str
    customer_id: str | None = None
    filer_name: str | None = None
    filer_email: str | None = None
