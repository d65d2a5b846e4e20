"""Recording a vendor's chain of sub-processors."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Annotated

import strawberry

from registry.api.context import Info
from registry.api.mutations import attempt
from registry.api.mutations.changes import ChangeAnnounced
from registry.api.types import declared
from registry.api.types.chain import ChainLink
from registry.api.types.change import Change
from registry.api.types.errors import (
    NotFound,
    NoticeWindowViolation,
    PermissionDenied,
    ValidationError,
)
from registry.api.types.scalars import describe_enum
from registry.api.types.scope import ScopeInput
from registry.domain import chain, models
from registry.domain.chain_fields import CHAIN_FIELDS
from registry.domain.errors import ValidationError as ValidationError_
from registry.services import chain_changes, chains


@strawberry.input(description="Where a sub-processor handles the data.")
class ChainLocationInput:
    country: str = strawberry.field(description="ISO 3166-1 alpha-2, upper case.")
    role: models.LocationRole = strawberry.field(
        default=models.LocationRole.PROCESSING, description="Default PROCESSING."
    )
    recipient_in_scope: bool | None = strawberry.field(
        default=None,
        description="Whether it falls in a partial adequacy decision's scope there (null: "
        "not known).",
    )


@strawberry.input(description="The parent's basis for the hop to this sub-processor.")
class HopBasisInput:
    mechanism: models.TransferMechanism = strawberry.field(
        description="e.g. SCC_2021 (with sccModule 3: processor to processor), BCR, or "
        "EU_US_DPF for a certified US sub-processor."
    )
    origin: models.DataOrigin = strawberry.field(
        default=models.DataOrigin.EEA, description="Data of which origin it covers."
    )
    countries: list[str] = strawberry.field(
        default_factory=list, description="The link's countries it covers; empty: all."
    )
    scc_module: int | None = strawberry.field(default=None, description="1-4.")
    valid_from: date | None = strawberry.field(default=None, description="First day.")
    valid_until: date | None = strawberry.field(default=None, description="Last day, inclusive.")
    reference: str | None = strawberry.field(
        default=None, description="Where it is written down, up to 500 characters."
    )


@strawberry.input(description="A sub-processor in a vendor's chain (recordChainLink).")
@declared.inputs(CHAIN_FIELDS, editing=False)
class ChainLinkInput:
    subprocessor_id: strawberry.ID = strawberry.field(description="The vendor whose chain it is.")
    parent_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Whom it serves: another link of the chain; null: the vendor itself.",
    )
    catalog_vendor_id: strawberry.ID | None = strawberry.field(
        default=None, description="The subprocessor of our catalog it is, if any."
    )
    locations: list[ChainLocationInput] = strawberry.field(
        description=f"Where it handles the data; at least one. A chain goes at most "
        f"{chain.MAX_DEPTH} deep and never back to a company above."
    )
    bases: list[HopBasisInput] = strawberry.field(
        default_factory=list, description="The bases of the hop to it."
    )
    scope: ScopeInput | None = strawberry.field(
        default=None, description="Narrower than its parent's; default: its parent's."
    )

    def draft(self) -> chains.ChainLinkDraft:
        return chains.ChainLinkDraft(
            values=declared.values(self, CHAIN_FIELDS),
            parent_id=str(self.parent_id or self.subprocessor_id),
            catalog_vendor_id=str(self.catalog_vendor_id) if self.catalog_vendor_id else None,
            locations=tuple(
                chains.LocationDraft(x.country, x.role, x.recipient_in_scope)
                for x in self.locations
            ),
            bases=tuple(
                chains.HopBasisDraft(
                    mechanism=b.mechanism,
                    origin=b.origin,
                    countries=tuple(b.countries),
                    scc_module=b.scc_module,
                    valid_from=b.valid_from,
                    valid_until=b.valid_until,
                    reference=b.reference,
                )
                for b in self.bases
            ),
            scope=self.scope.codes() if self.scope is not None else models.Scope(),
        )


class ChainAction(enum.Enum):
    ADD = "ADD"
    REMOVE = "REMOVE"
    REPLACE = "REPLACE"


describe_enum(
    ChainAction,
    "What a chain change does.",
    {
        "ADD": "A sub-processor joins the chain (under the vendor or one of its links).",
        "REMOVE": "A sub-processor leaves the chain, with the sub-processors below it.",
        "REPLACE": "A sub-processor takes another's place under the same parent.",
    },
)


@strawberry.input(
    description="A change of an ACTIVE vendor's chain (announceChainChange): announced to "
    "its customers as an UPDATE of the vendor, under the same notice windows."
)
class ChainChangeInput:
    subprocessor_id: strawberry.ID = strawberry.field(description="The vendor in use.")
    action: ChainAction = strawberry.field(description="ADD, REMOVE or REPLACE.")
    link: ChainLinkInput | None = strawberry.field(
        default=None,
        description="ADD and REPLACE: the sub-processor coming in (its subprocessorId must be "
        "the vendor's; a replacement serves the parent of the one it replaces).",
    )
    link_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="REMOVE and REPLACE: the sub-processor going (removing one takes the "
        "sub-processors below it too).",
    )
    role: str | None = strawberry.field(
        default=None,
        description='What the vendor is to customers, for the notice: "our e-mail provider" '
        'gives "Postmark, our e-mail provider, adds …"; up to 100 characters.',
    )
    effective_at: datetime | None = strawberry.field(
        default=None,
        description="When it takes effect; default: the longest notice period of the "
        "customers it reaches. Refused inside any customer's window.",
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description="A retry with the same key returns the same change."
    )

    def draft(self) -> chain_changes.ChainChangeDraft:
        if self.link is not None and str(self.link.subprocessor_id) != str(self.subprocessor_id):
            raise ValidationError_("link.subprocessorId", "the link belongs to subprocessorId")
        return chain_changes.ChainChangeDraft(
            subprocessor_id=str(self.subprocessor_id),
            action=chain_changes.ChainAction(self.action.value),
            link=self.link.draft() if self.link is not None else None,
            link_id=str(self.link_id) if self.link_id else None,
            role=self.role,
            effective_at=self.effective_at,
            idempotency_key=self.idempotency_key,
        )


@strawberry.type(description="recordChainLink succeeded.")
class ChainLinkRecorded:
    link: ChainLink = strawberry.field(description="The sub-processor as recorded.")


RecordChainLinkPayload = Annotated[
    ChainLinkRecorded | ValidationError | NotFound | PermissionDenied,
    strawberry.union(
        "RecordChainLinkPayload",
        description="The result of recordChainLink: ChainLinkRecorded or an expected failure "
        "(a cycle, a self-reference, a chain too deep, no location: ValidationError).",
    ),
]


AnnounceChainChangePayload = Annotated[
    ChangeAnnounced | NoticeWindowViolation | ValidationError | NotFound | PermissionDenied,
    strawberry.union(
        "AnnounceChainChangePayload",
        description="The result of announceChainChange: ChangeAnnounced (an UPDATE of the "
        "vendor whose description says where in the chain it is) or an expected failure "
        "(a vendor not ACTIVE, a cycle, a date inside a notice window).",
    ),
]


@strawberry.type
class ChainMutations:
    @strawberry.mutation(
        description="Record a sub-processor in the chain of a PROPOSED vendor (it is announced "
        "with the vendor). ADMIN and PROCUREMENT."
    )
    async def record_chain_link(
        self,
        info: Info,
        input: Annotated[ChainLinkInput, strawberry.argument(description="The sub-processor.")],
    ) -> RecordChainLinkPayload:
        deps, caller = info.context.deps, info.context.caller
        return await attempt(
            info,
            chains.record_link(deps, caller, str(input.subprocessor_id), input.draft()),
            lambda link: ChainLinkRecorded(link=ChainLink.from_domain(link, 0)),
            target=str(input.subprocessor_id),
        )

    @strawberry.mutation(
        description="Announce adding, removing or replacing a sub-processor at any depth of an "
        "ACTIVE vendor's chain, through the change engine (notices, windows, objections, "
        "webhooks, e-mails, feeds). ADMIN and PROCUREMENT."
    )
    async def announce_chain_change(
        self,
        info: Info,
        input: Annotated[ChainChangeInput, strawberry.argument(description="The change.")],
    ) -> AnnounceChainChangePayload:
        deps, caller = info.context.deps, info.context.caller

        async def call() -> models.Change:
            return await chain_changes.announce(deps, caller, input.draft())

        return await attempt(
            info,
            call(),
            lambda c: ChangeAnnounced(change=Change.from_domain(c)),
            target=str(input.subprocessor_id),
        )
