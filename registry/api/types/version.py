"""A catalog record's versions: each correction with who, when, why, before and after."""

from __future__ import annotations

from datetime import datetime

import strawberry

from registry.api.types.scalars import describe_enum
from registry.api.types.staff import StaffMember
from registry.domain import versions

describe_enum(
    versions.RecordKind,
    "Which kind of catalog record a version belongs to.",
    {
        "SUBPROCESSOR": "The vendor's own details (name, purpose, data categories...).",
        "PROCESSING_LOCATION": "One of its processing locations.",
        "DPA": "One of its DPAs.",
        "TRANSFER_BASIS": "One of its transfer bases.",
        "CUSTOMER": "A customer: its name, contract terms, products and hosting region.",
        "PRODUCT": "A product of the catalog.",
        "HOSTING_REGION": "A hosting region of the catalog.",
        "OPERATOR": "The operator's identity: name, address, privacy contact, DPA.",
    },
)
describe_enum(
    versions.VersionAction,
    "What a correction did to the record.",
    {
        "CORRECTED": "Fields fixed or narrowed; the record applies as corrected from now on.",
        "ENDED": "An end date set or brought forward: the record stops applying after it.",
        "REMOVED": "Recorded in error: it no longer counts; its versions stay.",
    },
)


@strawberry.type(description="One field's value before and after a correction, as text.")
class FieldChange:
    field: str = strawberry.field(description="The field's API name (camelCase).")
    before: str | None = strawberry.field(description="Its value before; null when empty.")
    after: str | None = strawberry.field(description="Its value after; null when cleared.")


@strawberry.type(
    description="One correction of a catalog record: who made it, when, why, and what changed."
)
class RecordVersion:
    record_id: strawberry.ID = strawberry.field(
        description="The global id of the record corrected (the vendor or one of its parts)."
    )
    kind: versions.RecordKind = strawberry.field(description="Which kind of record it is.")
    action: versions.VersionAction = strawberry.field(description="What the correction did.")
    at: datetime = strawberry.field(description="When it was made (DateTime, UTC).")
    reason: str | None = strawberry.field(
        description="Why, in the words of who made it; null only for edits of a PROPOSED "
        "vendor before anyone was told of it."
    )
    changes: list[FieldChange] = strawberry.field(
        description="Each field changed, before and after; empty for REMOVED."
    )
    key_id: strawberry.ID | None = strawberry.field(
        description="The API key that made it (ADMIN and PROCUREMENT keys see it; null otherwise)."
    )
    role: str | None = strawberry.field(
        description="The role it was made in (of the key, or of the person)."
    )
    person: StaffMember | None = strawberry.field(
        description="The person signed in with the company's identity provider who made it "
        "(ADMIN and PROCUREMENT callers see it; null otherwise, and for keys)."
    )

    @classmethod
    def from_domain(cls, v: versions.RecordVersion) -> RecordVersion:
        return cls(
            record_id=strawberry.ID(v.record_id),
            kind=v.kind,
            action=v.action,
            at=v.at,
            reason=v.reason,
            changes=[FieldChange(field=c.field, before=c.before, after=c.after) for c in v.changes],
            key_id=strawberry.ID(v.key_id) if v.key_id else None,
            role=v.role,
            person=StaffMember.from_domain(v.person),
        )
