"""Announcing and cancelling changes; filing and resolving objections."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from registry.api.context import Info
from registry.api.mutations import attempt
from registry.api.mutations.registry import ProcessingLocationInput
from registry.api.types.change import Change, Notice, Objection
from registry.api.types.errors import (
    NotFound,
    NoticeWindowViolation,
    ObjectionDeadlinePassed,
    PermissionDenied,
    ValidationError,
)
from registry.api.types.scope import ScopeInput
from registry.domain import drafts, models
from registry.services import acknowledgements, changes


@strawberry.input(description="A change to announce (announceChange).")
class AnnounceChangeInput:
    kind: models.ChangeKind = strawberry.field(
        description="What the change does: ADD and REPLACE need a PROPOSED subprocessor, REMOVE "
        "and UPDATE an ACTIVE one."
    )
    subprocessor_id: strawberry.ID = strawberry.field(
        description="The subprocessor added, removed or updated (for REPLACE: the new one)."
    )
    replaces_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="For REPLACE: the ACTIVE subprocessor being replaced; required for REPLACE "
        "only.",
    )
    effective_at: datetime | None = strawberry.field(
        default=None,
        description="When it takes effect (DateTime with offset). Default: the earliest date "
        "every affected customer's notice window allows; an earlier date is refused with "
        "NoticeWindowViolation.",
    )
    description: str | None = strawberry.field(
        default=None, description="What changes, shown in every notice; required for UPDATE."
    )
    emergency: bool = strawberry.field(
        default=False,
        description="An emergency replacement (the vendor failed or was breached): takes effect "
        "early for customers whose terms allow it; default false.",
    )
    emergency_reason: str | None = strawberry.field(
        default=None, description="Why the emergency is needed; required when emergency is true."
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Any string up to 200 characters, unique per announcement: retrying with "
        "the same key returns the first change instead of announcing it twice.",
    )
    scope: ScopeInput | None = strawberry.field(
        default=None,
        description="With kind UPDATE: a wider scope for an ACTIVE vendor; only the newly "
        "affected customers are notified, and it reaches them at their effective dates.",
    )

    locations: list[ProcessingLocationInput] | None = strawberry.field(
        default=None,
        description="With kind UPDATE: processing locations an ACTIVE vendor adds (a new "
        "country widens where customers' data goes, so it is announced, not added with "
        "addProcessingLocation). Checked as addProcessingLocation checks one; recorded on the "
        "vendor when the change takes effect, and in each customer's view from its own date.",
    )
    end_location_ids: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="With kind UPDATE: ids of the vendor's processing locations that end on "
        "the change's date.",
    )

    def announcement(self) -> drafts.ChangeAnnouncement:
        return drafts.ChangeAnnouncement(
            kind=self.kind,
            subprocessor_id=self.subprocessor_id,
            replaces_id=self.replaces_id,
            effective_at=self.effective_at,
            description=self.description,
            emergency=self.emergency,
            emergency_reason=self.emergency_reason,
            idempotency_key=self.idempotency_key,
            scope=self.scope.codes() if self.scope is not None else None,
            locations=(
                tuple(x.draft() for x in self.locations) if self.locations is not None else None
            ),
            ended_location_ids=tuple(self.end_location_ids or ()),
        )


@strawberry.input(description="An objection to file (fileObjection).")
class FileObjectionInput:
    change_id: strawberry.ID = strawberry.field(description="The change objected to.")
    reason: str = strawberry.field(description="Why the customer objects.")
    customer_id: strawberry.ID | None = strawberry.field(
        default=None, description="Admins only; a customer key objects for its own customer."
    )

    def filing(self) -> drafts.ObjectionFiling:
        return drafts.ObjectionFiling(
            change_id=self.change_id, reason=self.reason, customer_id=self.customer_id
        )


@strawberry.type(description="announceChange succeeded; notices go out to every affected customer.")
class ChangeAnnounced:
    change: Change = strawberry.field(description="The announced change.")


@strawberry.type(description="cancelChange succeeded.")
class ChangeCancelled:
    change: Change = strawberry.field(description="The change, now CANCELLED.")


@strawberry.type(description="fileObjection succeeded.")
class ObjectionFiled:
    objection: Objection = strawberry.field(description="The objection, OPEN.")


@strawberry.type(description="resolveObjection succeeded.")
class ObjectionResolved:
    objection: Objection = strawberry.field(description="The objection, RESOLVED.")


@strawberry.type(description="acknowledgeNotice succeeded (or the notice was acknowledged before).")
class NoticeAcknowledged:
    notice: Notice = strawberry.field(
        description="The notice; acknowledgedAt is the first acknowledgement's instant."
    )
    acknowledged_now: bool = strawberry.field(
        description="False when the notice had been acknowledged before: that acknowledgement "
        "stands and this call changed nothing."
    )


AnnounceChangePayload = Annotated[
    ChangeAnnounced | NoticeWindowViolation | ValidationError | NotFound | PermissionDenied,
    strawberry.union(
        "AnnounceChangePayload",
        description=(
            "The result of announceChange: ChangeAnnounced or an expected failure "
            "(NoticeWindowViolation when effectiveAt is too early)."
        ),
    ),
]
CancelChangePayload = Annotated[
    ChangeCancelled | NotFound | ValidationError | PermissionDenied,
    strawberry.union(
        "CancelChangePayload",
        description="The result of cancelChange: ChangeCancelled or an expected failure.",
    ),
]
FileObjectionPayload = Annotated[
    ObjectionFiled | ObjectionDeadlinePassed | NotFound | ValidationError | PermissionDenied,
    strawberry.union(
        "FileObjectionPayload",
        description=(
            "The result of fileObjection: ObjectionFiled or an expected failure "
            "(ObjectionDeadlinePassed once the deadline is reached)."
        ),
    ),
]
AcknowledgeNoticePayload = Annotated[
    NoticeAcknowledged | NotFound | ValidationError | PermissionDenied,
    strawberry.union(
        "AcknowledgeNoticePayload",
        description="The result of acknowledgeNotice: NoticeAcknowledged or an expected failure "
        "(NotFound for a notice that is not the key's customer's).",
    ),
]
ResolveObjectionPayload = Annotated[
    ObjectionResolved | NotFound | ValidationError | PermissionDenied,
    strawberry.union(
        "ResolveObjectionPayload",
        description=("The result of resolveObjection: ObjectionResolved or an expected failure."),
    ),
]


@strawberry.type
class ChangeMutations:
    @strawberry.mutation(
        description="Announce a change: one notice per customer whose scope it affects, with "
        "its objection deadline and effective date, and change.announced webhooks. Refused with "
        "NoticeWindowViolation when effectiveAt is inside a customer's notice window. "
        "ADMIN and PROCUREMENT keys only."
    )
    async def announce_change(
        self,
        info: Info,
        input: Annotated[AnnounceChangeInput, strawberry.argument(description="The change.")],
    ) -> AnnounceChangePayload:
        call = changes.announce_change(info.context.deps, info.context.caller, input.announcement())
        return await attempt(
            info,
            call,
            lambda c: ChangeAnnounced(change=Change.from_domain(c)),
            target=input.subprocessor_id,
        )

    @strawberry.mutation(
        description="Withdraw an ANNOUNCED change before it takes effect; its notices are "
        "cancelled and change.cancelled webhooks sent. ADMIN and PROCUREMENT keys "
        "only."
    )
    async def cancel_change(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The change's global id.")],
        reason: Annotated[
            str,
            strawberry.argument(
                description="Why it is cancelled, 1-2000 characters; shown to customers."
            ),
        ],
    ) -> CancelChangePayload:
        call = changes.cancel_change(info.context.deps, info.context.caller, id, reason)
        return await attempt(
            info, call, lambda c: ChangeCancelled(change=Change.from_domain(c)), target=id
        )

    @strawberry.mutation(
        description="Object to a change before the customer's objection deadline (later: "
        "ObjectionDeadlinePassed). CUSTOMER keys object for their own customer; ADMIN"
        " keys name customerId; PROCUREMENT may not."
    )
    async def file_objection(
        self,
        info: Info,
        input: Annotated[FileObjectionInput, strawberry.argument(description="The objection.")],
    ) -> FileObjectionPayload:
        call = changes.file_objection(info.context.deps, info.context.caller, input.filing())
        return await attempt(
            info,
            call,
            lambda o: ObjectionFiled(objection=Objection.from_domain(o)),
            target=input.change_id,
        )

    @strawberry.mutation(
        description="Record the outcome of an objection (an audited act). ADMIN and PROCUREMENT "
        "keys only."
    )
    async def resolve_objection(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The objection's global id.")],
        resolution: Annotated[
            models.ObjectionResolution, strawberry.argument(description="The outcome.")
        ],
        note: Annotated[
            str | None,
            strawberry.argument(
                description="A note on the outcome, sent to the customer; required with "
                "REJECTED (the reason)."
            ),
        ] = None,
        contract_ends_at: Annotated[
            datetime | None,
            strawberry.argument(
                description="With CUSTOMER_TERMINATES: when the customer's contract ends "
                "(DateTime with offset; not before the notice was sent)."
            ),
        ] = None,
    ) -> ResolveObjectionPayload:
        call = changes.resolve_objection(
            info.context.deps, info.context.caller, id, resolution, note, contract_ends_at
        )
        return await attempt(
            info, call, lambda o: ObjectionResolved(objection=Objection.from_domain(o)), target=id
        )

    @strawberry.mutation(
        description="Acknowledge the customer's notice of a change: the same record as the "
        "notice page's Acknowledge button (Notice.acknowledgedAt). The first acknowledgement "
        "stands; calling again changes nothing. CUSTOMER keys only, for their own notices "
        "(another customer's answers NotFound)."
    )
    async def acknowledge_notice(
        self,
        info: Info,
        notice_id: Annotated[
            strawberry.ID, strawberry.argument(description="The notice's global id.")
        ],
        name: Annotated[
            str,
            strawberry.argument(
                description="Who acknowledges (a person's or system's name, 1-200 characters), "
                "recorded as the name typed on the notice page is."
            ),
        ],
    ) -> AcknowledgeNoticePayload:
        call = acknowledgements.acknowledge_notice(
            info.context.deps, info.context.caller, notice_id, name
        )
        return await attempt(
            info,
            call,
            lambda a: NoticeAcknowledged(
                notice=Notice.from_domain(a.notice), acknowledged_now=a.now
            ),
            target=notice_id,
        )
