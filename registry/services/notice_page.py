"""The notice page's decisions: who a link speaks for, and what its holder may do.

A link's token is checked (signature, expiry, the customer's revocation) before
anything is read for the page; every refusal is the same `NotFound`, so a guessed,
cut, expired or revoked link learns nothing and changes nothing. The holder acts as
the customer: acknowledging records the first acknowledgement, objecting files the
same objection as the API (same events), audited with the customer as actor.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from registry.delivery import notice_links, signed_tokens
from registry.domain import validation as check
from registry.domain.drafts import ObjectionFiling
from registry.domain.errors import NotFound
from registry.domain.models import (
    Change,
    Customer,
    Notice,
    Objection,
    ObjectionStatus,
    Role,
)
from registry.domain.objection_rights import ObjectionRight, Standing, objection_right
from registry.services import changes as change_service
from registry.services import contracts, runner, snapshots
from registry.services.caller import Caller
from registry.services.deps import Deps
from registry.services.evidence import NoticeEvidence, for_notices
from registry.services.policy import require_role
from registry.store import changes, customers, ids, notice_views, notices
from registry.store.database import Document

GONE = "This link is not valid: it may be mistyped, expired or withdrawn."


@dataclass(frozen=True, slots=True)
class NoticeHolder:
    """Whom a valid link speaks for."""

    token: str
    notice: Notice
    customer: Customer

    @property
    def caller(self) -> Caller:
        return Caller(role=Role.CUSTOMER, customer_id=self.customer.id)


@dataclass(frozen=True, slots=True)
class NoticePage:
    holder: NoticeHolder
    change: Change
    payload: Document
    evidence: NoticeEvidence
    now: datetime
    contract_ends_at: datetime | None = None  # the customer's timeline ends there
    excluded_by: Objection | None = None  # an earlier exclusion from this vendor, which holds

    @property
    def ends_first(self) -> bool:
        """The customer's contract ends before the change would reach it (so the change
        never does, even once its notice's date has passed)."""
        ends = self.contract_ends_at
        return ends is not None and ends <= self.holder.notice.effective_at

    @property
    def open_objection(self) -> Objection | None:
        o = self.evidence.objection
        return o if o is not None and o.status is ObjectionStatus.OPEN else None

    @property
    def right(self) -> ObjectionRight:
        """The customer's standing, by the rule the API and e-mails follow."""
        return objection_right(self.now, self.change, self.holder.notice, self.evidence.objection)

    @property
    def may_object(self) -> bool:
        return self.right.may_object

    @property
    def deadline_passed(self) -> bool:
        return self.right.standing is Standing.DEADLINE_PASSED


def _key(deps: Deps) -> bytes:
    return notice_links.link_key(deps.settings.effective_secret_key())


def form_guard(deps: Deps, token: str) -> str:
    """The anti-forgery value a notice page's forms carry, bound to its link."""
    mac = hmac.new(_key(deps), f"form:{token}".encode(), hashlib.sha256).hexdigest()
    return mac[:32]


def form_guard_ok(deps: Deps, token: str, sent: str | None) -> bool:
    return signed_tokens.same(form_guard(deps, token), sent)


async def holder(deps: Deps, token: str) -> NoticeHolder:
    """The notice a link opens, or NotFound for any link that is not genuine and live."""
    claims = notice_links.verify(_key(deps), token, deps.clock.now())
    if claims is None:
        raise NotFound(GONE)
    notice = await notices.get(deps.db, claims.notice_id)
    customer = await customers.get(deps.db, ids.customer_of_notice(claims.notice_id))
    if notice is None or customer is None:
        raise NotFound(GONE)
    revoked = await customers.notice_links_revoked_at(deps.db, customer.id)
    if revoked is not None and claims.issued_at <= revoked:
        raise NotFound(GONE)
    return NoticeHolder(token, notice, customer)


async def page(deps: Deps, token: str, *, record_view: bool = True) -> NoticePage:
    found = await holder(deps, token)
    change = await changes.get(deps.db, found.notice.change_id)
    if change is None:
        raise NotFound(GONE)
    now = deps.clock.now()
    if record_view:
        await notice_views.record_view(deps.db, found.notice.id, now)
    snapshot = await snapshots.of_change(deps, change)
    payload = snapshots.change_payload(change, snapshot, found.customer.terms.data_origin)
    proof = (await for_notices(deps, [found.notice]))[found.notice.id]
    ends = await contracts.ends_at(deps, found.customer.id)
    excluded = (
        await contracts.exclusion_from(
            deps, found.customer.id, change.subprocessor_id, other_than=change.id
        )
        if change.scope is not None
        else None
    )
    return NoticePage(found, change, payload, proof, now, ends, excluded)


def _person(name: str | None, email: str | None) -> tuple[str | None, str | None]:
    return (
        check.optional_text(name, "name", max_length=200),
        check.email(email, "email") if email and email.strip() else None,
    )


async def acknowledge(
    deps: Deps, token: str, *, name: str | None, email: str | None, request_id: str
) -> bool:
    found = await holder(deps, token)

    async def call() -> bool:
        who, address = _person(name, email)
        return await notice_views.acknowledge(
            deps.db, found.notice.id, deps.clock.now(), name=who, email=address
        )

    return await runner.run(
        deps,
        found.caller,
        "acknowledgeNotice",
        call,
        request_id=request_id,
        channel=runner.NOTICE_PAGE,
        target=found.notice.id,
    )


async def object_to(
    deps: Deps, token: str, *, reason: str, name: str, email: str, request_id: str
) -> Objection:
    """File the customer's objection; the objector's name and e-mail are required here."""
    found = await holder(deps, token)

    async def call() -> Objection:
        check.text(name, "name", max_length=200)
        if not email.strip():
            check.text(email, "email")
        filing = ObjectionFiling(
            change_id=found.notice.change_id, reason=reason, filer_name=name, filer_email=email
        )
        return await change_service.file_objection(deps, found.caller, filing)

    return await runner.run(
        deps,
        found.caller,
        "fileObjection",
        call,
        request_id=request_id,
        channel=runner.NOTICE_PAGE,
        target=found.notice.change_id,
    )


async def revoke_links(deps: Deps, caller: Caller, customer_id: str) -> Customer:
    """Void every link issued to the customer so far (ADMIN), e.g. after one leaked.
    Messages sent from now on carry new links."""
    require_role(caller, Role.ADMIN)
    found = (
        await customers.get(deps.db, customer_id) if ids.is_id_of("Customer", customer_id) else None
    )
    if found is None or not await customers.revoke_notice_links(
        deps.db, customer_id, deps.clock.now()
    ):
        raise NotFound(f"no customer {customer_id!r}")
    return found
