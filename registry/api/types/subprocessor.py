from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from registry.api.context import Info
from registry.api.types import scalars  # noqa: F401 - registers the enums
from registry.api.types.node import Node
from registry.domain import models
from registry.domain.transfers import TransferEvaluation, evaluate_transfer

if TYPE_CHECKING:
    from registry.api.types.change import Change


@strawberry.type(description="A country where a subprocessor stores, processes or accesses data.")
class ProcessingLocation(Node):
    country: str
    region: str | None
    role: models.LocationRole

    @classmethod
    def from_domain(cls, loc: models.ProcessingLocation) -> ProcessingLocation:
        return cls(id=strawberry.ID(loc.id), country=loc.country, region=loc.region, role=loc.role)


@strawberry.type(description="A data processing agreement signed with a subprocessor.")
class Dpa(Node):
    version: str
    signed_on: date
    effective_on: date | None
    expires_on: date | None
    document_url: str | None
    sha256: str | None
    scc_modules: list[int]

    @classmethod
    def from_domain(cls, dpa: models.Dpa) -> Dpa:
        return cls(
            id=strawberry.ID(dpa.id),
            version=dpa.version,
            signed_on=dpa.signed_on,
            effective_on=dpa.effective_on,
            expires_on=dpa.expires_on,
            document_url=dpa.document_url,
            sha256=dpa.sha256,
            scc_modules=list(dpa.scc_modules),
        )


@strawberry.type(description="A recorded legal mechanism for transfers to a country.")
class TransferBasis(Node):
    mechanism: models.TransferMechanism
    origin: models.DataOrigin
    destination: str
    valid_from: date | None
    valid_until: date | None
    scc_module: int | None
    reference: str | None
    tia_on: date | None
    tia_url: str | None
    note: str | None

    @classmethod
    def from_domain(cls, b: models.TransferBasis) -> TransferBasis:
        return cls(
            id=strawberry.ID(b.id),
            mechanism=b.mechanism,
            origin=b.origin,
            destination=b.destination,
            valid_from=b.valid_from,
            valid_until=b.valid_until,
            scc_module=b.scc_module,
            reference=b.reference,
            tia_on=b.tia_on,
            tia_url=b.tia_url,
            note=b.note,
        )


@strawberry.type(description="One processing location's transfer, evaluated on a date.")
class Transfer:
    country: str
    origin: models.DataOrigin
    status: models.TransferStatus
    reasons: list[str]
    mechanism: models.TransferMechanism | None
    basis: TransferBasis | None
    exceptional: bool

    @classmethod
    def from_domain(cls, e: TransferEvaluation) -> Transfer:
        return cls(
            country=e.destination,
            origin=e.origin,
            status=e.status,
            reasons=list(e.reasons),
            mechanism=e.mechanism,
            basis=TransferBasis.from_domain(e.basis) if e.basis else None,
            exceptional=e.exceptional,
        )


@strawberry.type
class StatusChange:
    status: models.SubprocessorStatus
    at: datetime


@strawberry.type(description="A vendor that processes customer personal data on our behalf.")
class Subprocessor(Node):
    legal_name: str
    purpose: str
    data_categories: list[str]
    website: str | None
    contact_email: str | None
    status: models.SubprocessorStatus
    status_history: list[StatusChange]
    active_from: datetime | None = strawberry.field(
        description="When the vendor is (or is announced to be) in force."
    )
    active_until: datetime | None
    note: str | None
    created_at: datetime

    @classmethod
    def from_domain(cls, s: models.Subprocessor) -> Subprocessor:
        return cls(
            id=strawberry.ID(s.id),
            legal_name=s.legal_name,
            purpose=s.purpose,
            data_categories=list(s.data_categories),
            website=s.website,
            contact_email=s.contact_email,
            status=s.status,
            status_history=[StatusChange(status=c.status, at=c.at) for c in s.status_history],
            active_from=s.active_from,
            active_until=s.active_until,
            note=s.note,
            created_at=s.created_at,
        )

    @strawberry.field
    async def locations(self, info: Info) -> list[ProcessingLocation]:
        found = await info.context.loaders.locations.load(self.id)
        return [ProcessingLocation.from_domain(loc) for loc in found]

    @strawberry.field
    async def dpas(self, info: Info) -> list[Dpa]:
        return [Dpa.from_domain(d) for d in await info.context.loaders.dpas.load(self.id)]

    @strawberry.field
    async def transfer_bases(self, info: Info) -> list[TransferBasis]:
        found = await info.context.loaders.transfer_bases.load(self.id)
        return [TransferBasis.from_domain(b) for b in found]

    @strawberry.field(description="Changes that add, replace, remove or update this vendor.")
    async def changes(
        self, info: Info
    ) -> list[Annotated[Change, strawberry.lazy("registry.api.types.change")]]:
        from registry.api.types.change import Change

        found = await info.context.loaders.changes_by_subprocessor.load(self.id)
        return [Change.from_domain(c) for c in found]

    @strawberry.field(description="Each processing location's transfer evaluated on a date.")
    async def transfers(
        self,
        info: Info,
        origin: models.DataOrigin = models.DataOrigin.EEA,
        as_of: date | None = None,
    ) -> list[Transfer]:
        loaders = info.context.loaders
        on = as_of or info.context.deps.clock.now().date()
        locations = await loaders.locations.load(self.id)
        bases = await loaders.transfer_bases.load(self.id)
        dpas = await loaders.dpas.load(self.id)
        return [
            Transfer.from_domain(evaluate_transfer(origin, loc.country, on, bases, dpas=dpas))
            for loc in locations
        ]
