from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from registry.api.context import Info
from registry.api.types import (
    declared,
    scalars,  # noqa: F401 - registers the enums
)
from registry.api.types.node import Node
from registry.api.types.scope import Scope
from registry.api.types.tia import TransferImpactAssessment
from registry.api.types.version import RecordVersion
from registry.domain import models, timeline
from registry.domain.notice import customer_date
from registry.domain.remark_fields import LOCATION_NOTE, TRANSFER_BASIS_NOTE
from registry.domain.transfers import TransferEvaluation, evaluate_transfer
from registry.domain.vendor_fields import VENDOR_FIELDS
from registry.services import corrections, policy

if TYPE_CHECKING:
    from registry.api.types.chain import ChainLink
    from registry.api.types.change import Change


@strawberry.type(description="A country where a subprocessor stores, processes or accesses data.")
@declared.outputs([LOCATION_NOTE])
class ProcessingLocation(Node):
    country: str = strawberry.field(
        description="ISO 3166-1 alpha-2 code of the country, upper case (e.g. US)."
    )
    region: str | None = strawberry.field(
        description="The provider's own region name, if known (e.g. eu-west-1); null when not "
        "given."
    )
    role: models.LocationRole = strawberry.field(
        description="What the subprocessor does with data there."
    )
    recipient_in_scope: bool | None = strawberry.field(
        description="Whether the recipient falls in the scope of a partial adequacy decision "
        "for this country (PIPEDA, APPI, PIPA, DPF); null when not recorded."
    )
    entity: strawberry.Private[models.ProcessingLocation]

    @classmethod
    def from_domain(cls, loc: models.ProcessingLocation) -> ProcessingLocation:
        return cls(
            id=strawberry.ID(loc.id),
            country=loc.country,
            region=loc.region,
            role=loc.role,
            recipient_in_scope=loc.recipient_in_scope,
            entity=loc,
        )


@strawberry.type(description="A data processing agreement signed with a subprocessor.")
class Dpa(Node):
    version: str = strawberry.field(
        description="The DPA's version or title as the vendor names it."
    )
    signed_on: date | None = strawberry.field(
        description="The day the DPA was signed (ISO 8601 date); null when unknown (a DPA a "
        "published privacy policy names without its date)."
    )
    effective_on: date | None = strawberry.field(
        description="The day it took effect (ISO 8601 date); null means the signing day."
    )
    expires_on: date | None = strawberry.field(
        description="The last day it is in force, inclusive (ISO 8601 date); null: no end. "
        "Contractual transfer bases (SCCs, IDTA) fall with it."
    )
    document_url: str | None = strawberry.field(
        description="Where the signed document is kept (http(s) URL)."
    )
    sha256: str | None = strawberry.field(
        description="SHA-256 of the signed document, lower-case hex, to prove which text was "
        "signed."
    )
    scc_modules: list[int] = strawberry.field(
        description="The 2021 SCC modules (1-4) the DPA incorporates; empty when none."
    )

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
@declared.outputs([TRANSFER_BASIS_NOTE])
class TransferBasis(Node):
    mechanism: models.TransferMechanism = strawberry.field(description="The legal mechanism.")
    origin: models.DataOrigin = strawberry.field(
        description="The jurisdiction the data leaves from."
    )
    destination: str = strawberry.field(
        description="ISO 3166-1 alpha-2 code of the receiving country, upper case."
    )
    valid_from: date | None = strawberry.field(
        description="First day the basis applies (ISO 8601 date); null: since signature or always."
    )
    valid_until: date | None = strawberry.field(
        description="Last day the basis applies, inclusive (ISO 8601 date); null: no end date."
    )
    scc_module: int | None = strawberry.field(
        description="For SCC_2021: the module (1 controller-controller, 2 controller-processor, 3"
        " processor-processor, 4 processor-controller)."
    )
    reference: str | None = strawberry.field(
        description="Where the basis is written down, e.g. the DPF listing or the DPA clause."
    )
    tia_on: date | None = strawberry.field(
        description="The day a transfer impact assessment was completed (ISO 8601 date), as "
        "recorded on the basis before assessments were their own record; it counts as an "
        "assessment without outcome.",
        deprecation_reason="Use Subprocessor.transferImpactAssessments and Transfer.tia.",
    )
    tia_url: str | None = strawberry.field(
        description="Where that transfer impact assessment is kept (URL).",
        deprecation_reason="Use TransferImpactAssessment.documentReference.",
    )
    entity: strawberry.Private[models.TransferBasis]

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
            entity=b,
        )


FULL_VERDICT_ONLY = (
    "anonymous callers unless the server publishes full verdicts "
    "(REGISTRY_PUBLIC_VERDICT_DETAIL=full); staff and customers always get it."
)


def full_verdict(info: Info) -> bool:
    """Whether the caller reads a verdict's reasons and basis (services/policy.py)."""
    context = info.context
    detail = context.deps.settings.public_verdict_detail
    return policy.may_read_full_verdict(context.caller, detail)


@strawberry.type(description="One processing location's transfer, evaluated on a date.")
class Transfer:
    country: str = strawberry.field(
        description="ISO 3166-1 alpha-2 code of the processing location's country."
    )
    origin: models.DataOrigin = strawberry.field(
        description="The jurisdiction the data leaves from (the transfers argument, default EEA)."
    )
    status: models.TransferStatus = strawberry.field(
        description="The verdict on the evaluation date."
    )
    mechanism: models.TransferMechanism | None = strawberry.field(
        description="The mechanism the verdict rests on; null when none applies or none is needed."
    )
    exceptional: bool = strawberry.field(
        description="True when the verdict is about an Art. 49 derogation: lawful only for "
        "occasional transfers, so never VALID for a subprocessor's systematic transfers."
    )
    _tia: strawberry.Private[models.TransferImpactAssessment | None] = None
    _reasons: strawberry.Private[tuple[str, ...]] = ()
    _basis: strawberry.Private[models.TransferBasis | None] = None

    @strawberry.field(
        description="Why, in plain English, one sentence per reason (e.g. which decision or "
        "basis applies, or why none does). Empty for " + FULL_VERDICT_ONLY
    )
    def reasons(self, info: Info) -> list[str]:
        return list(self._reasons) if full_verdict(info) else []

    @strawberry.field(
        description="The recorded basis the verdict rests on; null for adequacy, NOT_REQUIRED "
        "or a gap. Null for " + FULL_VERDICT_ONLY
    )
    def basis(self, info: Info) -> TransferBasis | None:
        found = self._basis
        return TransferBasis.from_domain(found) if found and full_verdict(info) else None

    @strawberry.field(
        description="The transfer impact assessment covering the basis the verdict rests on "
        "(or found it not sufficient); the reasons cite it for everyone. The record itself "
        "for ADMIN and PROCUREMENT keys only; null otherwise or when none covers it."
    )
    def tia(self, info: Info) -> TransferImpactAssessment | None:
        return tia_for(info, self._tia)

    @classmethod
    def from_domain(cls, e: TransferEvaluation) -> Transfer:
        return cls(
            country=e.destination,
            origin=e.origin,
            status=e.status,
            mechanism=e.mechanism,
            exceptional=e.exceptional,
            _tia=e.tia,
            _reasons=tuple(e.reasons),
            _basis=e.basis,
        )


def tia_for(
    info: Info, found: models.TransferImpactAssessment | None
) -> TransferImpactAssessment | None:
    """The assessment a verdict cites, as its record, for staff only."""
    if found is None or not policy.is_staff(info.context.caller):
        return None
    return TransferImpactAssessment.from_domain(found)


@strawberry.type(description="One step in a subprocessor's life cycle.")
class StatusChange:
    status: models.SubprocessorStatus = strawberry.field(description="The status entered.")
    at: datetime = strawberry.field(description="When it was entered (DateTime, UTC).")


@strawberry.type(
    description="A vendor that a change in force takes away from some customers while other "
    "customers still use it: their own dates are later (an emergency replacement their terms "
    "did not allow, a longer notice period), or they were excluded from the change by an "
    "upheld objection. The public list shows it as being replaced, still used for some "
    "customers until lastUsedUntil."
)
class BeingReplaced:
    replaced_by_id: strawberry.Private[str | None]
    change_id: strawberry.Private[str]
    last_used_until: datetime | None = strawberry.field(
        description="The last customer's own date (DateTime, UTC): from then on no customer's "
        "data goes to this vendor and it is RETIRED. Null while a customer excluded from the "
        "change keeps it, with no end date."
    )

    @strawberry.field(description="The vendor replacing it; null when the change removes it.")
    async def replaced_by(self, info: Info) -> Subprocessor | None:
        if self.replaced_by_id is None:
            return None
        found = await info.context.loaders.subprocessor.load(self.replaced_by_id)
        return Subprocessor.from_domain(found) if found else None

    @strawberry.field(
        description="The change that takes it away (REPLACE or REMOVE); null for anonymous "
        "callers, who read changes on the public page."
    )
    async def change(
        self, info: Info
    ) -> Annotated[Change, strawberry.lazy("registry.api.types.change")] | None:
        from registry.api.types.change import Change

        found = await info.context.loaders.change.load(self.change_id)
        return Change.from_domain(found) if found else None


@strawberry.type(description="A vendor that processes customer personal data on our behalf.")
@declared.outputs(VENDOR_FIELDS)
class Subprocessor(Node):
    entity: strawberry.Private[models.Subprocessor]
    status: models.SubprocessorStatus = strawberry.field(
        description="Life-cycle status now. A PROPOSED vendor is visible to ADMIN and "
        "PROCUREMENT keys only, until a change announces it."
    )
    status_history: list[StatusChange] = strawberry.field(
        description="Every status it has had, oldest first."
    )
    active_from: datetime | None = strawberry.field(
        description="When the vendor comes (or is announced to come) into force (DateTime, UTC)."
    )
    active_until: datetime | None = strawberry.field(
        description="When the vendor leaves (or is announced to leave) force (DateTime, UTC); "
        "null while it stays."
    )
    created_at: datetime = strawberry.field(description="When it was recorded (DateTime, UTC).")
    scope: Scope = strawberry.field(
        description="The products and hosting regions this vendor touches (in force now)."
    )
    # The list's question (subprocessors(asOf:, customerId:)): its locations are read as
    # of that instant, for that customer (services/location_changes.py).
    seen_at: strawberry.Private[datetime | None] = None
    seen_for: strawberry.Private[str | None] = None

    @classmethod
    def from_domain(
        cls, s: models.Subprocessor, seen_at: datetime | None = None, seen_for: str | None = None
    ) -> Subprocessor:
        return cls(
            seen_at=seen_at,
            seen_for=seen_for,
            id=strawberry.ID(s.id),
            entity=s,
            status=s.status,
            status_history=[StatusChange(status=c.status, at=c.at) for c in s.status_history],
            active_from=s.active_from,
            active_until=s.active_until,
            created_at=s.created_at,
            scope=Scope.from_domain(s.scope),
        )

    @strawberry.field(
        description="Where it stores, processes or accesses data: in the list's view (asOf, "
        "the customer's own dates), so an announced new location shows from its date."
    )
    async def locations(self, info: Info) -> list[ProcessingLocation]:
        loaders = info.context.loaders
        if self.seen_at is None and self.seen_for is None:
            found = await loaders.locations.load(self.id)
        else:
            found = await loaders.located(self.seen_at, self.seen_for).load(self.id)
        return [ProcessingLocation.from_domain(loc) for loc in found]

    @strawberry.field(
        description="Its own sub-processors and theirs, down the chain, depth first (in force now)."
    )
    async def chain(
        self, info: Info
    ) -> list[Annotated[ChainLink, strawberry.lazy("registry.api.types.chain")]]:
        from registry.api.types.chain import chain_of

        return await chain_of(info, self.id)

    @strawberry.field(description="The DPAs signed with it, oldest first.")
    async def dpas(self, info: Info) -> list[Dpa]:
        return [Dpa.from_domain(d) for d in await info.context.loaders.dpas.load(self.id)]

    @strawberry.field(description="The transfer bases recorded for it.")
    async def transfer_bases(self, info: Info) -> list[TransferBasis]:
        found = await info.context.loaders.transfer_bases.load(self.id)
        return [TransferBasis.from_domain(b) for b in found]

    @strawberry.field(
        description="Its transfer impact assessments, oldest first (the newest of a route "
        "covers it). ADMIN and PROCUREMENT keys only; empty for anyone else."
    )
    async def transfer_impact_assessments(self, info: Info) -> list[TransferImpactAssessment]:
        found = await info.context.loaders.assessments.load(self.id)
        return [TransferImpactAssessment.from_domain(a) for a in found]

    @strawberry.field(
        description="Every correction of the vendor and of its locations, DPAs and transfer "
        "bases (removed ones included), newest first: who, when, why, before and after."
    )
    async def history(self, info: Info) -> list[RecordVersion]:
        context = info.context
        found = await corrections.history(context.deps, context.caller, self.id)
        return [RecordVersion.from_domain(v) for v in found]

    @strawberry.field(
        description="Set while a change in force takes this vendor away from some customers "
        "and others still use it (the company's and the public's view; a CUSTOMER key's own "
        "list follows its own date): what replaces it and until when it is still used. Null "
        "otherwise: not taken away, or taken from every customer (then RETIRED)."
    )
    async def being_replaced(self, info: Info) -> BeingReplaced | None:
        found = await info.context.loaders.changes_about.load(self.id)
        replaced = timeline.being_replaced(self.entity, found, info.context.deps.clock.now())
        if replaced is None:
            return None
        return BeingReplaced(
            replaced_by_id=replaced.replaced_by,
            change_id=replaced.change.id,
            last_used_until=replaced.last_used_until,
        )

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
        origin: Annotated[
            models.DataOrigin,
            strawberry.argument(description="The jurisdiction the data leaves from."),
        ] = models.DataOrigin.EEA,
        as_of: Annotated[
            date | None,
            strawberry.argument(
                description="The evaluation day (ISO 8601 date); default today, on the asking "
                "customer's calendar (its time zone) or UTC's for everyone else."
            ),
        ] = None,
    ) -> list[Transfer]:
        loaders = info.context.loaders
        on = as_of or await _evaluation_day(info)
        locations = await loaders.locations.load(self.id)
        bases = await loaders.transfer_bases.load(self.id)
        dpas = await loaders.dpas.load(self.id)
        assessments = await loaders.assessments_cited.load(self.id)
        return [
            Transfer.from_domain(
                evaluate_transfer(
                    origin,
                    loc.country,
                    on,
                    bases,
                    dpas=dpas,
                    recipient_in_scope=loc.recipient_in_scope,
                    tias=assessments,
                )
            )
            for loc in locations
        ]


async def _evaluation_day(info: Info) -> date:
    """Today on the asking customer's calendar (its time zone); UTC for everyone else."""
    now = info.context.deps.clock.now()
    caller = info.context.caller
    if caller.role is models.Role.CUSTOMER and caller.customer_id:
        customer = await info.context.loaders.customer.load(caller.customer_id)
        if customer is not None:
            return customer_date(now, customer.terms)
    return now.astimezone(UTC).date()
