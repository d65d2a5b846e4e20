"""Tenants and API keys."""

from __future__ import annotations

from typing import Annotated

import strawberry

from registry.api.context import Info
from registry.api.mutations import attempt
from registry.api.types.customer import Customer
from registry.api.types.errors import EditConflict, NotFound, PermissionDenied, ValidationError
from registry.api.types.subscriber import EmailSubscriber
from registry.domain import drafts, models
from registry.services import access, customers, notice_page, policy, subscribers


@strawberry.input(description="A new customer and its contract terms (createCustomer).")
class CreateCustomerInput:
    name: str = strawberry.field(description="The customer's name, 1-200 characters.")
    notice_period: str = strawberry.field(
        default="P3M",
        description="ISO 8601 duration (at least one day) from a notice to the earliest "
        "effective date, counted on the customer's calendar; default P3M.",
    )
    objection_window: str | None = strawberry.field(
        default=None,
        description="ISO 8601 duration (at least one day, e.g. P30D) from a notice in which "
        "the customer may object; default none: until the effective date.",
    )
    data_origin: models.DataOrigin = strawberry.field(
        default=models.DataOrigin.EEA,
        description="Where the customer's data comes from; default EEA.",
    )
    allows_emergency_replacement: bool = strawberry.field(
        default=False,
        description="Whether its terms let an emergency replacement take effect before the notice"
        " period ends; default false.",
    )
    weekend_rolls_to_monday: bool = strawberry.field(
        default=False,
        description="A period ending on a Saturday, a Sunday or a public holiday of "
        "holidayCalendar in the customer's time zone ends with the next working day "
        "(Regulation 1182/71 Art. 3(4)); default false.",
    )
    holiday_calendar: str | None = strawberry.field(
        default=None,
        description="Public holidays rolled periods skip: a country code, optionally with its "
        "ISO 3166-2 subdivision (DE-BE for Berlin, DK); needs weekendRollsToMonday; default "
        "none (weekends only).",
    )
    notice_emails: list[str] | None = strawberry.field(
        default=None, description="Addresses that receive notices by e-mail; default none."
    )
    time_zone: str = strawberry.field(
        default="UTC",
        description="IANA time zone name (e.g. Europe/Berlin); periods are counted and dates "
        "shown in it.",
    )
    language: str = strawberry.field(
        default="en",
        description="BCP 47 tag of the language the customer's notices, notice pages and "
        "calendar entries are written in: en, de, fr or da, with an optional region (de-CH, "
        "en-GB); default en.",
    )
    period_ends: models.PeriodEnds = strawberry.field(
        default=models.PeriodEnds.SAME_INSTANT,
        description="Whether a period ends at the same instant or at the end of its last "
        "local day.",
    )
    products: list[str] | None = strawberry.field(
        default=None, description="Product codes the customer uses; empty means every product."
    )
    hosting_region: str | None = strawberry.field(
        default=None,
        description="Hosting-region code; null: affected by vendors of every region.",
    )
    note: str | None = strawberry.field(
        default=None,
        description="A remark by staff about the customer, e.g. where its terms come from; up "
        "to 2000 characters.",
    )

    def draft(self) -> drafts.CustomerDraft:
        return drafts.CustomerDraft(
            name=self.name,
            terms=models.CustomerTerms(
                notice_period=self.notice_period,
                objection_window=self.objection_window,
                data_origin=self.data_origin,
                allows_emergency_replacement=self.allows_emergency_replacement,
                weekend_rolls_to_monday=self.weekend_rolls_to_monday,
                time_zone=self.time_zone,
                period_ends=self.period_ends,
                holiday_calendar=self.holiday_calendar,
                language=self.language,
            ),
            notice_emails=tuple(self.notice_emails or ()),
            products=tuple(self.products or ()),
            hosting_region=self.hosting_region,
            note=self.note,
        )


@strawberry.type(description="createCustomer succeeded.")
class CustomerCreated:
    customer: Customer = strawberry.field(description="The new customer.")


@strawberry.input(
    description="What to change on a customer (updateCustomer); fields left out stay as they "
    "are. New terms apply to changes announced from then on; notices already sent keep theirs."
)
class UpdateCustomerInput:
    name: str | None = strawberry.field(
        default=None, description="The customer's name, 1-200 characters."
    )
    notice_period: str | None = strawberry.field(
        default=None,
        description="ISO 8601 duration (at least one day, e.g. P3M) from a notice to the "
        "earliest effective date, for changes announced from now on.",
    )
    objection_window: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="ISO 8601 duration (at least one day, e.g. P30D) in which the customer may "
        "object; null removes it (then: until the effective date); omitted keeps it.",
    )
    data_origin: models.DataOrigin | None = strawberry.field(
        default=None, description="The jurisdiction the customer's data leaves from."
    )
    allows_emergency_replacement: bool | None = strawberry.field(
        default=None,
        description="Whether an emergency replacement may take effect for this customer "
        "before its notice period ends.",
    )
    weekend_rolls_to_monday: bool | None = strawberry.field(
        default=None,
        description="Whether a period ending on a Saturday, a Sunday or a public holiday of "
        "holidayCalendar ends with the next working day (Regulation 1182/71 Art. 3(4)).",
    )
    holiday_calendar: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="Public holidays rolled periods skip (DE-BE, DK); null removes the "
        "calendar (weekends only); omitted keeps it.",
    )
    time_zone: str | None = strawberry.field(
        default=None,
        description="IANA time zone name (e.g. Europe/Berlin) periods are counted and dates "
        "shown in.",
    )
    language: str | None = strawberry.field(
        default=None,
        description="BCP 47 tag of the language notices are written in (en, de, fr, da, "
        "optionally with a region such as de-CH); later notices and reminders use it.",
    )
    period_ends: models.PeriodEnds | None = strawberry.field(
        default=None,
        description="SAME_INSTANT (a period ends at the same local time) or END_OF_DAY (at "
        "the end of its last local day).",
    )
    notice_emails: list[str] | None = strawberry.field(
        default=None, description="Addresses notices are e-mailed to (replaces the list)."
    )
    products: list[str] | None = strawberry.field(
        default=None, description="Product codes (replaces the list; empty: every product)."
    )
    hosting_region: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="Hosting-region code; null: affected by vendors of every region; omitted "
        "keeps it.",
    )
    note: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="A remark by staff about the customer, up to 2000 characters; null removes "
        "it; omitted keeps it.",
    )
    reason: str | None = strawberry.field(
        default=None,
        description="Why the customer is edited (e.g. an amendment of its DPA), kept in its "
        "history with each field before and after.",
    )

    def edit(self) -> drafts.CustomerEdit:
        return drafts.CustomerEdit(
            name=self.name,
            notice_period=self.notice_period,
            objection_window=_kept(self.objection_window),
            data_origin=self.data_origin,
            allows_emergency_replacement=self.allows_emergency_replacement,
            weekend_rolls_to_monday=self.weekend_rolls_to_monday,
            time_zone=self.time_zone,
            period_ends=self.period_ends,
            language=self.language,
            holiday_calendar=_kept(self.holiday_calendar),
            notice_emails=_listed(self.notice_emails),
            products=_listed(self.products),
            hosting_region=_kept(self.hosting_region),
            note=_kept(self.note),
            reason=self.reason,
        )


def _kept(value: str | None) -> str | drafts.Keep | None:
    """Left out (UNSET) keeps the stored value; null is a value here."""
    return drafts.KEEP if value is strawberry.UNSET else value


def _listed(values: list[str] | None) -> tuple[str, ...] | None:
    return tuple(values) if values is not None else None


@strawberry.type(description="The customer after the update.")
class CustomerUpdated:
    customer: Customer = strawberry.field(description="The updated customer.")


@strawberry.input(description="A new API key (createApiKey).")
class CreateApiKeyInput:
    name: str = strawberry.field(
        description="A label for the key (who or what uses it), 1-200 characters."
    )
    role: models.Role = strawberry.field(description="What the key may do.")
    customer_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="The customer a CUSTOMER key is bound to; required for CUSTOMER, not allowed "
        "for other roles.",
    )


@strawberry.type(description="An API key's metadata; the key itself is never shown again.")
class ApiKey:
    id: strawberry.ID = strawberry.field(description="The key's id (not the key itself).")
    name: str = strawberry.field(description="The key's label.")
    role: models.Role = strawberry.field(description="What the key may do.")
    customer_id: strawberry.ID | None = strawberry.field(
        description="The customer a CUSTOMER key is bound to; null for other roles."
    )
    prefix: str = strawberry.field(
        description="The key's first 7 characters (rk_ and four more), to recognise it."
    )

    @classmethod
    def from_domain(cls, key: access.ApiKey) -> ApiKey:
        return cls(
            id=strawberry.ID(key.id),
            name=key.name,
            role=key.role,
            customer_id=strawberry.ID(key.customer_id) if key.customer_id else None,
            prefix=key.prefix,
        )


@strawberry.type(description="createApiKey succeeded.")
class ApiKeyCreated:
    api_key: ApiKey = strawberry.field(description="The new key's metadata.")
    key: str = strawberry.field(description="The key; shown once, store it now.")


@strawberry.type(description="revokeApiKey succeeded; the key no longer works.")
class ApiKeyRevoked:
    api_key: ApiKey = strawberry.field(description="The revoked key's metadata.")


CreateCustomerPayload = Annotated[
    CustomerCreated | ValidationError | PermissionDenied,
    strawberry.union(
        "CreateCustomerPayload",
        description="The result of createCustomer: CustomerCreated or an expected failure.",
    ),
]
UpdateCustomerPayload = Annotated[
    CustomerUpdated | ValidationError | NotFound | PermissionDenied | EditConflict,
    strawberry.union(
        "UpdateCustomerPayload",
        description="The result of updateCustomer: CustomerUpdated or an expected failure.",
    ),
]
CreateApiKeyPayload = Annotated[
    ApiKeyCreated | ValidationError | PermissionDenied,
    strawberry.union(
        "CreateApiKeyPayload",
        description="The result of createApiKey: ApiKeyCreated or an expected failure.",
    ),
]


@strawberry.type(description="Every notice link issued to the customer so far no longer works.")
class NoticeLinksRevoked:
    customer: Customer = strawberry.field(description="The customer whose links were revoked.")


RevokeNoticeLinksPayload = Annotated[
    NoticeLinksRevoked | NotFound | PermissionDenied,
    strawberry.union(
        "RevokeNoticeLinksPayload",
        description="The result of revokeNoticeLinks: NoticeLinksRevoked or an expected failure.",
    ),
]


@strawberry.type(description="The subscriber and its address are erased.")
class EmailSubscriberDeleted:
    email_subscriber: EmailSubscriber = strawberry.field(description="What was erased.")


DeleteEmailSubscriberPayload = Annotated[
    EmailSubscriberDeleted | NotFound | PermissionDenied,
    strawberry.union(
        "DeleteEmailSubscriberPayload",
        description="The result of deleteEmailSubscriber: EmailSubscriberDeleted or an expected "
        "failure.",
    ),
]
RevokeApiKeyPayload = Annotated[
    ApiKeyRevoked | NotFound | PermissionDenied,
    strawberry.union(
        "RevokeApiKeyPayload",
        description="The result of revokeApiKey: ApiKeyRevoked or an expected failure.",
    ),
]


@strawberry.type
class CustomerMutations:
    @strawberry.mutation(
        description="A new customer (tenant) with its contract terms. ADMIN keys only."
    )
    async def create_customer(
        self,
        info: Info,
        input: Annotated[
            CreateCustomerInput, strawberry.argument(description="The customer and its terms.")
        ],
    ) -> CreateCustomerPayload:
        call = customers.create_customer(info.context.deps, info.context.caller, input.draft())
        return await attempt(
            info, call, lambda c: CustomerCreated(customer=Customer.from_domain(c))
        )

    @strawberry.mutation(
        description="Change a customer's name, terms, notice e-mails or scope (ADMIN only)."
    )
    async def update_customer(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The customer's id.")],
        input: Annotated[UpdateCustomerInput, strawberry.argument(description="What to change.")],
    ) -> UpdateCustomerPayload:
        call = customers.update_customer(info.context.deps, info.context.caller, id, input.edit())
        return await attempt(
            info, call, lambda c: CustomerUpdated(customer=Customer.from_domain(c)), target=id
        )

    @strawberry.mutation(description="A new API key (ADMIN only); the key is shown once.")
    async def create_api_key(
        self,
        info: Info,
        input: Annotated[
            CreateApiKeyInput, strawberry.argument(description="The key's name, role and customer.")
        ],
    ) -> CreateApiKeyPayload:
        async def create() -> tuple[access.ApiKey, str]:
            policy.require_role(info.context.caller, models.Role.ADMIN)
            return await access.create_api_key(
                info.context.deps, name=input.name, role=input.role, customer_id=input.customer_id
            )

        return await attempt(
            info, create(), lambda r: ApiKeyCreated(api_key=ApiKey.from_domain(r[0]), key=r[1])
        )

    @strawberry.mutation(
        description="Revoke an API key at once; requests with it fail from then on. ADMIN keys "
        "only."
    )
    async def revoke_api_key(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The key's id (ApiKey.id).")],
    ) -> RevokeApiKeyPayload:
        call = access.revoke_api_key(info.context.deps, info.context.caller, id)
        return await attempt(
            info, call, lambda k: ApiKeyRevoked(api_key=ApiKey.from_domain(k)), target=id
        )

    @strawberry.mutation(
        description="Invalidate every notice page link issued to a customer until now, e.g. "
        "after a message was forwarded outside the company (ADMIN only). Messages sent "
        "afterwards carry working links."
    )
    async def revoke_notice_links(
        self,
        info: Info,
        customer_id: Annotated[
            strawberry.ID, strawberry.argument(description="The customer whose links to void.")
        ],
    ) -> RevokeNoticeLinksPayload:
        call = notice_page.revoke_links(info.context.deps, info.context.caller, customer_id)
        return await attempt(
            info,
            call,
            lambda c: NoticeLinksRevoked(customer=Customer.from_domain(c)),
            target=customer_id,
        )

    @strawberry.mutation(
        description="Erase a public e-mail subscriber: its record and its address on past "
        "deliveries (ADMIN only)."
    )
    async def delete_email_subscriber(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The subscriber's id.")],
    ) -> DeleteEmailSubscriberPayload:
        call = subscribers.delete_subscriber(info.context.deps, info.context.caller, id)
        return await attempt(
            info,
            call,
            lambda s: EmailSubscriberDeleted(email_subscriber=EmailSubscriber.from_domain(s)),
            target=id,
        )
