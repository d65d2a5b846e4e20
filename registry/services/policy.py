"""Who may see and act on what: the one access policy every path asks.

Root queries, nested fields, `node(id:)`, DataLoaders, web pages, feeds and exports
all call these functions instead of deciding for themselves, so a nested field can
never show what its top-level query refuses (tests/security/test_field_paths.py walks
every field path of the schema per role to prove it).

The rules (API.md "Access"):

- ADMIN sees and does everything; PROCUREMENT everything about vendors and changes,
  and reads every customer's notices and objections; neither is bound to a customer.
- CUSTOMER keys are bound to one customer: the registry, and only their own customer,
  notices, objections, webhook subscriptions and deliveries. Another customer's
  object answers exactly like a missing one (`NotFound` / null / empty), never
  `PermissionDenied`, so ids cannot be probed.
- Anonymous callers read the public subprocessor list while `REGISTRY_PUBLIC_READ`
  is on, and the announcements the public page and feeds publish; nothing else.
- A PROPOSED vendor is internal to staff until a change announces it (the change
  sets its `active_from`; cancelling clears it again).

How to use it (new resolvers, pages and exports do the same):

- Refuse a whole operation: `require_role(caller, *roles)`, `require_key(caller, what)`,
  `require_public_list(caller, public_read)`; each raises `PermissionDenied`.
- Filter what was loaded: `may_see_subprocessor`, `may_see_change`, `may_see_customer`,
  `may_see_record` (notices, objections) and `may_see_webhook_record` (subscriptions,
  deliveries) answer a bool; `visible_subprocessor` / `visible_changes` filter values.
- Restrict a query before it runs: `customer_view(caller, customer_id)` is the customer
  a query is about (None: all); `record_scope(caller)` / `webhook_scope(caller)` are the
  customers whose records a caller may list (`RecordScope.everyone` or one `customer_id`).
- Act for a customer: `acting_customer(caller, customer_id)` is the customer a write
  is for (a CUSTOMER key's own; an ADMIN must name one).
- Cache answers per `visibility(caller)`: callers with the same key see the same data.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from registry.domain import in_force, remark_fields
from registry.domain.errors import NotFound, PermissionDenied, ValidationError
from registry.domain.fields import Audience
from registry.domain.models import (
    Change,
    ChangeStatus,
    Notice,
    NoticeStatus,
    Role,
    Subprocessor,
)
from registry.domain.versions import RecordVersion
from registry.services.caller import Caller

STAFF = (Role.ADMIN, Role.PROCUREMENT)
WEBHOOK_ROLES = (Role.ADMIN, Role.CUSTOMER)


@dataclass(frozen=True, slots=True)
class RecordScope:
    """The customers whose records a caller may read: every one, one, or none."""

    everyone: bool = False
    customer_id: str | None = None

    @property
    def nobody(self) -> bool:
        return not self.everyone and self.customer_id is None

    def allows(self, customer_id: str) -> bool:
        return self.everyone or (self.customer_id is not None and self.customer_id == customer_id)

    @property
    def only(self) -> str | None:
        """The one customer to filter a query by; None means every customer (check `nobody`)."""
        return None if self.everyone else self.customer_id


EVERYONE = RecordScope(everyone=True)
NOBODY = RecordScope()


def visibility(caller: Caller) -> str:
    """A key for caches: callers with the same visibility see the same data."""
    if caller.role is None:
        return "public"
    if caller.role is Role.CUSTOMER:
        return f"customer:{caller.customer_id}"
    return f"staff:{caller.role.value}"


def may_read_field(caller: Caller, audience: Audience) -> bool:
    """A declared field (domain/fields.py) of a record the caller may see: staff-only
    fields (remarks) are read by staff alone, on every path that shows the field."""
    return audience is Audience.EVERYONE or is_staff(caller)


def readable_versions(caller: Caller, found: Sequence[RecordVersion]) -> list[RecordVersion]:
    """A record's versions as the caller may read them: a staff-only field's before and
    after are staff's too (domain/remark_fields.py), and so is who made each version (the
    key or the person), so other callers get the versions without them, and without a
    version that changed nothing else."""
    if is_staff(caller):
        return list(found)
    readable = []
    for version in found:
        hidden = remark_fields.staff_only(version.kind)
        kept = tuple(c for c in version.changes if c.field not in hidden)
        if kept or not version.changes:
            readable.append(replace(version, changes=kept, key_id=None, person=None))
    return readable


def is_staff(caller: Caller) -> bool:
    return caller.role in STAFF


# --- refusing whole operations ---------------------------------------------------------


def require_role(caller: Caller, *roles: Role) -> None:
    if caller.role not in roles:
        wanted = " or ".join(r.value for r in roles)
        article = "an" if wanted[0] in "AEIOU" else "a"
        raise PermissionDenied(f"this operation needs {article} {wanted} key")


def require_key(caller: Caller, what: str) -> None:
    """Anonymous callers are refused `what` (e.g. "to read changes and notices")."""
    if caller.is_anonymous:
        raise PermissionDenied(f"a key is needed {what}")


def may_read_public_list(caller: Caller, public_read: bool) -> bool:
    return not caller.is_anonymous or public_read


def require_public_list(caller: Caller, public_read: bool) -> None:
    """The subprocessor list (and the pages, feeds and exports built on it)."""
    if not may_read_public_list(caller, public_read):
        raise PermissionDenied("the subprocessor list needs a key on this server")


# --- vendors and changes -----------------------------------------------------------------


def may_see_subprocessor(caller: Caller, sub: Subprocessor, public_read: bool) -> bool:
    """Staff see every vendor; others the list's vendors, and PROPOSED ones once announced."""
    if is_staff(caller):
        return True
    if not may_read_public_list(caller, public_read):
        return False
    return in_force.announced(sub)


def visible_subprocessor(
    caller: Caller, sub: Subprocessor | None, public_read: bool
) -> Subprocessor | None:
    return sub if sub is not None and may_see_subprocessor(caller, sub, public_read) else None


def may_list_unannounced(caller: Caller) -> bool:
    """Whether a list may hold PROPOSED vendors no change has announced: the rule of
    `may_see_subprocessor` for lists (the store turns it into its query clause)."""
    return is_staff(caller)


def may_filter_proposed(caller: Caller) -> bool:
    """Only staff may list vendors by the PROPOSED status (unannounced ones are internal)."""
    return is_staff(caller)


def may_see_change(caller: Caller, change: Change) -> bool:
    """Any key reads changes; anonymous callers see only what pages publish (see below)."""
    return not caller.is_anonymous


def visible_changes(caller: Caller, changes: Iterable[Change]) -> list[Change]:
    return [c for c in changes if may_see_change(caller, c)]


def may_read_full_verdict(caller: Caller, public_detail: str) -> bool:
    """A transfer verdict's reasons and the basis it rests on: for staff and customers;
    anonymous callers see its status and mechanism unless REGISTRY_PUBLIC_VERDICT_DETAIL
    is `full` (the reasons name internal records and assessments)."""
    return not caller.is_anonymous or public_detail == "full"


def may_read_announcements(caller: Caller, public_read: bool) -> bool:
    """The public page and feeds publish announced changes (GDPR Art. 28(2)) with the list."""
    return may_read_public_list(caller, public_read)


def feed_status(change: Change, own_notice: Notice | None) -> ChangeStatus:
    """The status a caller's feeds (Atom, iCalendar) show a change in. For the customer
    whose own timeline they follow (`own_timeline`), a change called off for it (its
    notice CANCELLED: excluded after an objection) is cancelled, whatever it became for
    others; everyone else sees the change's own status."""
    if own_notice is not None and own_notice.status is NoticeStatus.CANCELLED:
        return ChangeStatus.CANCELLED
    return change.status


def calendar_shows(status: ChangeStatus) -> bool:
    """A calendar holds dates that still come: a change cancelled (for the caller) has
    none; the Atom feed tells of the cancellation as news instead."""
    return status is not ChangeStatus.CANCELLED


# --- customers and their records ---------------------------------------------------------


CUSTOMER_EDITORS = (Role.ADMIN,)
"""Who creates customers and changes their terms and note (PROCUREMENT reads them)."""


def may_edit_customers(caller: Caller) -> bool:
    """Pages offer the forms that change a customer only to callers the services let."""
    return caller.role in CUSTOMER_EDITORS


def may_see_customer(caller: Caller, customer_id: str) -> bool:
    return is_staff(caller) or (caller.role is Role.CUSTOMER and caller.customer_id == customer_id)


def own_timeline(caller: Caller) -> str | None:
    """The customer whose own timeline a caller's feeds and calendar follow (its notices,
    deadlines and scope): a CUSTOMER key's; None for everyone else (the public view)."""
    return caller.customer_id if caller.role is Role.CUSTOMER else None


def customer_view(caller: Caller, customer_id: str | None) -> str | None:
    """The customer a query is about: a CUSTOMER key only ever sees its own."""
    if caller.role is Role.CUSTOMER:
        if customer_id is not None and customer_id != caller.customer_id:
            raise NotFound(f"no customer {customer_id!r}")
        return caller.customer_id
    if caller.is_anonymous and customer_id is not None:
        raise PermissionDenied("a key is needed for a customer's view")
    return customer_id


def record_scope(caller: Caller) -> RecordScope:
    """Whose notices and objections a caller reads: staff all, a customer its own."""
    if is_staff(caller):
        return EVERYONE
    if caller.role is Role.CUSTOMER and caller.customer_id is not None:
        return RecordScope(customer_id=caller.customer_id)
    return NOBODY


def may_see_record(caller: Caller, customer_id: str) -> bool:
    return record_scope(caller).allows(customer_id)


def webhook_scope(caller: Caller) -> RecordScope:
    """Whose subscriptions and deliveries a caller reads: ADMIN all, a customer its own."""
    if caller.role is Role.ADMIN:
        return EVERYONE
    if caller.role is Role.CUSTOMER and caller.customer_id is not None:
        return RecordScope(customer_id=caller.customer_id)
    return NOBODY


def may_see_webhook_record(caller: Caller, customer_id: str) -> bool:
    return webhook_scope(caller).allows(customer_id)


def acting_customer(caller: Caller, customer_id: str | None) -> str:
    """The customer a write is for (an objection, a subscription): a CUSTOMER key's own,
    naming another is NotFound; an ADMIN must name one; other roles are refused."""
    require_role(caller, Role.ADMIN, Role.CUSTOMER)
    if caller.role is Role.CUSTOMER:
        own = customer_view(caller, customer_id)
        if own is None:
            raise PermissionDenied("this CUSTOMER key is not bound to a customer")
        return own
    if not customer_id:
        raise ValidationError("customerId", "an ADMIN must name the customer")
    return customer_id
