from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Annotated

import strawberry

from registry.api.context import Info
from registry.api.pagination import (
    AFTER,
    FIRST,
    Connection,
    as_text,
    paged,
)
from registry.api.types import scalars  # noqa: F401 - registers the enums
from registry.api.types.customer import Customer
from registry.api.types.node import Node
from registry.api.types.staff import StaffMember
from registry.api.types.subprocessor import ProcessingLocation, Subprocessor
from registry.domain import models
from registry.domain.person import Person
from registry.services import change_queries, policy


@strawberry.type
class CustomerRecord(Node):
    """What a notice and an objection share: one customer's record of one change."""

    change_id: strawberry.Private[str]
    customer_id: strawberry.Private[str]

    @strawberry.field(
        description="The customer this record belongs to; null if it is no longer visible."
    )
    async def customer(self, info: Info) -> Customer | None:
        found = await info.context.loaders.customer.load(self.customer_id)
        return Customer.from_domain(found) if found else None

    @strawberry.field(
        description="The change this record is about; null if it is no longer visible."
    )
    async def change(self, info: Info) -> Change | None:
        found = await info.context.loaders.change.load(self.change_id)
        return Change.from_domain(found) if found else None


@strawberry.type(description="A customer's objection to a change.")
class Objection(CustomerRecord):
    reason: str = strawberry.field(description="The customer's reason for objecting, as filed.")
    filed_at: datetime = strawberry.field(description="When it was filed (DateTime, UTC).")
    deadline: datetime = strawberry.field(
        description="The customer's objection deadline for this change (DateTime, UTC); show it "
        "in the customer's time zone."
    )
    status: models.ObjectionStatus = strawberry.field(
        description="OPEN until staff record an outcome."
    )
    resolution: models.ObjectionResolution | None = strawberry.field(
        description="The outcome; null while OPEN."
    )
    note: str | None = strawberry.field(
        description="Staff's note on the outcome, as sent to the customer."
    )
    contract_ends_at: datetime | None = strawberry.field(
        description="With CUSTOMER_TERMINATES: when the customer's contract ends (DateTime, UTC)."
    )
    resolved_at: datetime | None = strawberry.field(
        description="When the outcome was recorded (DateTime, UTC); null while OPEN."
    )
    resolver: strawberry.Private[Person | None] = None

    @strawberry.field(
        description="The person who recorded the outcome, signed in with the company's "
        "identity provider; ADMIN and PROCUREMENT callers see it, null for others, while OPEN "
        "and for outcomes recorded with an API key."
    )
    def resolved_by(self, info: Info) -> StaffMember | None:
        if not policy.is_staff(info.context.caller):
            return None
        return StaffMember.from_domain(self.resolver)

    @classmethod
    def from_domain(cls, o: models.Objection) -> Objection:
        return cls(
            id=strawberry.ID(o.id),
            change_id=o.change_id,
            customer_id=o.customer_id,
            reason=o.reason,
            filed_at=o.filed_at,
            deadline=o.deadline,
            status=o.status,
            resolution=o.resolution,
            note=o.note,
            contract_ends_at=o.contract_ends_at,
            resolved_at=o.resolved_at,
            resolver=o.resolver,
        )


@strawberry.type(description="One customer's notice of a change: when it was told, its deadline.")
class Notice(CustomerRecord):
    sent_at: datetime = strawberry.field(
        description="When the notice was sent to the customer (DateTime, UTC)."
    )
    earliest_effective_at: datetime = strawberry.field(
        description="The notice time plus the customer's notice period, counted in its time zone "
        "(DateTime, UTC): the earliest the change may take effect for this customer."
    )
    effective_at: datetime = strawberry.field(
        description="When the change takes effect for this customer (DateTime, UTC); later than "
        "the change's own date only for a customer that keeps its full window in an "
        "emergency."
    )
    objection_deadline: datetime = strawberry.field(
        description="The moment this customer's right to object ends (DateTime, UTC; an "
        "objection at or after it is refused, whatever the change's status): the notice "
        "time plus its objection window, or the effective date if earlier or if the terms "
        "have none. After an emergency replacement that took effect early for this "
        "customer: notice time plus its window (P30D when none). Show it in the customer's "
        "time zone."
    )
    status: models.NoticeStatus = strawberry.field(
        description="PENDING until the change takes effect for this customer or is cancelled."
    )
    domain: strawberry.Private[models.Notice]

    @strawberry.field(
        description="First successful delivery of the change to this customer on any "
        "channel (e-mail accepted by the SMTP server, webhook answered 2xx); null if none."
    )
    async def delivered_at(self, info: Info) -> datetime | None:
        return (await info.context.loaders.evidence.load(self.domain)).delivered_at

    @strawberry.field(description="The channels that delivered the change: email, webhook.")
    async def channels(self, info: Info) -> list[str]:
        return list((await info.context.loaders.evidence.load(self.domain)).channels)

    @strawberry.field(description="When the customer's notice page was first opened.")
    async def viewed_at(self, info: Info) -> datetime | None:
        return (await info.context.loaders.evidence.load(self.domain)).viewed_at

    @strawberry.field(
        description="When the notice was first acknowledged: on its notice page or through "
        "acknowledgeNotice (one record; the first acknowledgement stands)."
    )
    async def acknowledged_at(self, info: Info) -> datetime | None:
        return (await info.context.loaders.evidence.load(self.domain)).acknowledged_at

    @strawberry.field(
        description="Who filed the customer's latest objection: the name and e-mail given "
        "on the notice page, or the API key used; null without an objection."
    )
    async def objection_filed_by(self, info: Info) -> str | None:
        return (await info.context.loaders.evidence.load(self.domain)).objection_filer

    @classmethod
    def from_domain(cls, n: models.Notice) -> Notice:
        return cls(
            domain=n,
            id=strawberry.ID(n.id),
            change_id=n.change_id,
            customer_id=n.customer_id,
            sent_at=n.sent_at,
            earliest_effective_at=n.earliest_effective_at,
            effective_at=n.effective_at,
            objection_deadline=n.objection_deadline,
            status=n.status,
        )


@strawberry.type(description="An announced addition, replacement, removal or update of a vendor.")
class Change(Node):
    kind: models.ChangeKind = strawberry.field(
        description="What the change does to the subprocessor."
    )
    subprocessor_id: strawberry.Private[str]
    replaces_id: strawberry.Private[str | None]
    description: str | None = strawberry.field(
        description="What changes, for the customers' notices; required for UPDATE."
    )
    announced_at: datetime = strawberry.field(
        description="When it was announced and the notices were sent (DateTime, UTC)."
    )
    effective_at: datetime = strawberry.field(
        description="When it takes effect (DateTime, UTC): at or after every affected customer's "
        "earliest allowed date, except for emergency-allowing customers in an "
        "emergency."
    )
    earliest_allowed: datetime = strawberry.field(
        description="The earliest effective date every affected customer's notice window "
        "allowed when the change was announced (DateTime, UTC)."
    )
    status: models.ChangeStatus = strawberry.field(
        description="Where the change is in its life cycle."
    )
    emergency: bool = strawberry.field(
        description="True for an emergency replacement, which shortens the window for customers "
        "whose terms allow it."
    )
    emergency_reason: str | None = strawberry.field(
        description="Why the emergency replacement was needed; set when emergency is true."
    )
    cancelled_at: datetime | None = strawberry.field(
        description="When it was cancelled (DateTime, UTC); null unless CANCELLED."
    )
    cancel_reason: str | None = strawberry.field(
        description="Why it was cancelled; null unless CANCELLED."
    )
    locations_added: list[ProcessingLocation] = strawberry.field(
        description="For an UPDATE of where the vendor processes data: the locations it adds, "
        "recorded on the vendor when the change takes effect; empty otherwise."
    )
    locations_ended: list[ProcessingLocation] = strawberry.field(
        description="For an UPDATE of where the vendor processes data: the locations it ends "
        "on its date; empty otherwise."
    )

    @classmethod
    def from_domain(cls, c: models.Change) -> Change:
        return cls(
            id=strawberry.ID(c.id),
            kind=c.kind,
            subprocessor_id=c.subprocessor_id,
            replaces_id=c.replaces_id,
            description=c.description,
            announced_at=c.announced_at,
            effective_at=c.effective_at,
            earliest_allowed=c.earliest_allowed,
            status=c.status,
            emergency=c.emergency,
            emergency_reason=c.emergency_reason,
            cancelled_at=c.cancelled_at,
            cancel_reason=c.cancel_reason,
            locations_added=[ProcessingLocation.from_domain(x) for x in c.locations_added],
            locations_ended=[ProcessingLocation.from_domain(x) for x in c.locations_ended],
        )

    @strawberry.field(
        description="The subprocessor added, removed or updated (for REPLACE: the new one); null "
        "if not visible."
    )
    async def subprocessor(self, info: Info) -> Subprocessor | None:
        found = await info.context.loaders.subprocessor.load(self.subprocessor_id)
        return Subprocessor.from_domain(found) if found else None

    @strawberry.field(
        description="For REPLACE: the subprocessor being replaced; null for other kinds."
    )
    async def replaces(self, info: Info) -> Subprocessor | None:
        if self.replaces_id is None:
            return None
        found = await info.context.loaders.subprocessor.load(self.replaces_id)
        return Subprocessor.from_domain(found) if found else None

    @strawberry.field(
        description="One notice per affected customer; a CUSTOMER key sees only its own."
    )
    async def notices(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER)] = None,
    ) -> Connection[Notice]:
        return await paged(
            partial(
                change_queries.page_notices,
                info.context.deps,
                info.context.caller,
                change_id=self.id,
                customer_id=None,
            ),
            first,
            after,
            (as_text,),
            lambda n: (n.id,),
            Notice.from_domain,
        )

    @strawberry.field(description="Objections filed against it; a CUSTOMER key sees only its own.")
    async def objections(self, info: Info) -> list[Objection]:
        found = await info.context.loaders.objections_by_change.load(self.id)
        return [Objection.from_domain(o) for o in found]
