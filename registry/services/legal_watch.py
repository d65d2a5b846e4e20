"""The legal watch: which transfers change when the legal facts do, and telling staff.

- After a deploy that brings a new release of the reference data, the first scheduler
  tick of a process compares the release last evaluated (kept with its files' text) with
  the packaged one and records an impact report; exactly one process wins that step.
- Staff ask "what if" (a mechanism or one country's adequacy decision withdrawn from a
  date): the same report, computed on demand (console, `legalImpact`, `registry
  legal-impact`), recorded when asked through the console or the API.
- Each recorded report is also a staff event, as is an assessment's review falling due
  (30 days ahead); the console's legal watch page lists them, and they are mailed to
  REGISTRY_STAFF_EMAIL when e-mail is configured.

A report covers the vendors in force today or announced to come, from every data origin
customers hold, today and the next 90 days; for each transfer that changes it names the
customers affected (their data origin and scope), who can be told by announcing a change
in the ordinary way.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.message import EmailMessage
from importlib import resources

from registry.delivery import email, email_content
from registry.delivery.sender import TOTAL_TIMEOUT
from registry.domain import in_force
from registry.domain.errors import ValidationError
from registry.domain.legal_watch import (
    WINDOW_DAYS,
    Impact,
    Route,
    Withdrawal,
    check_withdrawal,
    impacts,
    withdrawn_reference,
)
from registry.domain.models import (
    DataOrigin,
    Role,
    TransferImpactAssessment,
)
from registry.domain.reference import (
    Reference,
    ReferenceDataError,
    load_reference,
    parse_reference,
)
from registry.domain.scope import ChangeAudience
from registry.domain.tia import covering, review_due
from registry.services import audience, audit
from registry.services import operator as operators
from registry.services.caller import Caller
from registry.services.deps import Deps
from registry.services.policy import STAFF, require_role
from registry.store import (
    customer_roster,
    customer_terms,
    customers,
    dpas,
    legal_watch,
    processing_locations,
    subprocessors,
    transfer_bases,
    transfer_impact_assessments,
)
from registry.store.codec import Codec
from registry.store.legal_watch import SeenRelease
from registry.store.subprocessors import ListFilter

logger = logging.getLogger("registry.legal_watch")

SAMPLE = 5
MAX_DAYS = 366
REPORTS = "report:"
EVENTS = "event:"
_SYSTEM = Caller(role=Role.ADMIN, key_id="scheduler:legal-watch")


@dataclass(frozen=True, slots=True)
class ImpactLine:
    """One transfer whose verdict changes, as people read it."""

    subprocessor_id: str
    legal_name: str
    country: str
    origin: DataOrigin
    first_day: date  # the first day its verdict differs
    falls_on: date | None  # the first day it has no basis where it had one
    status_before: str
    status_after: str  # on falls_on if it falls, else on first_day
    mechanism_before: str | None
    mechanism_after: str | None
    reasons: tuple[str, ...]  # the verdict's reasons after the change
    status_changes: bool
    customers: int  # customers with this data origin the vendor's scope touches
    customer_names: tuple[str, ...] = ()
    reasons_before: tuple[str, ...] = ()  # the verdict's reasons before the change

    @property
    def reasons_gone(self) -> tuple[str, ...]:
        return tuple(r for r in self.reasons_before if r not in self.reasons)

    @property
    def reasons_new(self) -> tuple[str, ...]:
        return tuple(r for r in self.reasons if r not in self.reasons_before)


@dataclass(frozen=True, slots=True)
class ImpactReport:
    """Which transfers change between two sets of facts, today and in the next days."""

    id: str
    kind: str  # RELEASE (a deploy brought new facts) or WHAT_IF (staff asked)
    title: str
    computed_at: datetime
    today: date
    days: int
    release: str  # the release the report compares against (the current one)
    routes: int  # transfers examined (locations x data origins)
    lines: tuple[ImpactLine, ...] = ()
    scenario: tuple[str, ...] = ()  # the withdrawals asked, or the releases compared
    asked_by: str | None = None

    @property
    def falling(self) -> tuple[ImpactLine, ...]:
        return tuple(line for line in self.lines if line.falls_on is not None)

    @property
    def changing(self) -> tuple[ImpactLine, ...]:
        """Status or mechanism changes that do not take a basis away."""
        return tuple(line for line in self.lines if line.status_changes and not line.falls_on)

    @property
    def reworded(self) -> tuple[ImpactLine, ...]:
        return tuple(line for line in self.lines if not line.status_changes)


@dataclass(frozen=True, slots=True)
class StaffEvent:
    """Something staff must read: a report, or an assessment to review."""

    kind: str  # legal.impact | tia.reviewDue
    title: str
    lines: tuple[str, ...]
    link: str  # a console path
    at: datetime


REPORT = Codec(ImpactReport, id_field=None)
EVENT = Codec(StaffEvent, id_field=None)


# --- reports ---------------------------------------------------------------------------


async def what_if(
    deps: Deps,
    caller: Caller,
    withdrawals: Sequence[Withdrawal],
    *,
    days: int = WINDOW_DAYS,
    record: bool = False,
) -> ImpactReport:
    """Which transfers change if these withdrawals happen (staff only); `record` keeps the
    report and tells staff, as the console and the API do."""
    require_role(caller, *STAFF)
    for w in withdrawals:
        check_withdrawal(w)
    if not 0 <= days <= MAX_DAYS:
        raise ValidationError("days", f"the window is 0 to {MAX_DAYS} days")
    facts = load_reference()
    title = "What if " + "; ".join(w.describe() for w in withdrawals)
    report = await _report(
        deps,
        kind="WHAT_IF",
        title=title,
        before=facts,
        after=withdrawn_reference(facts, withdrawals),
        days=days,
        scenario=tuple(w.describe() for w in withdrawals),
        asked_by=caller.key_id,
    )
    if record:
        await _record(deps, report)
    return report


async def release_changes(deps: Deps) -> ImpactReport | None:
    """After a deploy: the report between the release last evaluated and the packaged
    one, recorded once (None when the release is the same, or on a first start)."""
    facts = load_reference()
    current = facts.release
    if current is None:
        return None
    seen = await legal_watch.seen_release(deps.db)
    now_seen = SeenRelease(current.release, current.published_on, _packaged_files())
    if seen is not None and seen.release == current.release:
        return None
    if seen is None:
        # A new database: nothing was evaluated under older facts, so nothing changed.
        await legal_watch.see_release(deps.db, now_seen, replacing=None)
        return None
    try:
        before = parse_reference(seen.files)
    except ReferenceDataError as error:
        logger.warning("release %s kept unreadable facts (%s): compared with none", seen, error)
        before = facts
    if not await legal_watch.see_release(deps.db, now_seen, replacing=seen.release):
        return None  # another process is telling staff
    report = await _report(
        deps,
        kind="RELEASE",
        title=f"Legal facts {seen.release} → {current.release}: {current.summary}",
        before=before,
        after=facts,
        days=WINDOW_DAYS,
        scenario=(f"release {seen.release} of {seen.published_on}", f"release {current.release}"),
        asked_by=None,
    )
    await _record(deps, report)
    return report


async def recent_reports(deps: Deps, caller: Caller, limit: int = 10) -> list[ImpactReport]:
    require_role(caller, *STAFF)
    return await legal_watch.latest(deps.db, REPORTS, REPORT, limit)


async def get_report(deps: Deps, caller: Caller, report_id: str) -> ImpactReport | None:
    require_role(caller, *STAFF)
    return await legal_watch.load(deps.db, REPORTS + report_id, REPORT)


async def staff_events(deps: Deps, caller: Caller, limit: int = 20) -> list[StaffEvent]:
    require_role(caller, *STAFF)
    return await legal_watch.latest(deps.db, EVENTS, EVENT, limit)


async def _report(
    deps: Deps,
    *,
    kind: str,
    title: str,
    before: Reference,
    after: Reference,
    days: int,
    scenario: tuple[str, ...],
    asked_by: str | None,
) -> ImpactReport:
    now = deps.clock.now()
    today = now.astimezone(UTC).date()
    routes = await _routes(deps)
    found = impacts(routes, before, after, today, days=days)
    lines = [await _line(deps, impact) for impact in found]
    release = after.release.release if after.release else "unknown"
    return ImpactReport(
        id=uuid.uuid4().hex[:16],
        kind=kind,
        title=title,
        computed_at=now,
        today=today,
        days=days,
        release=release,
        routes=len(routes),
        lines=tuple(lines),
        scenario=scenario,
        asked_by=asked_by,
    )


async def _routes(deps: Deps) -> list[Route]:
    """Every processing location of the vendors in force or announced, from every data
    origin customers hold (the EEA when there are none yet)."""
    subs = [
        s
        for s in await subprocessors.all_matching(deps.db, ListFilter())
        if in_force.under_notice(s)
    ]
    ids = [s.id for s in subs]
    locations = await processing_locations.by_subprocessors(deps.db, ids)
    bases = await transfer_bases.by_subprocessors(deps.db, ids)
    agreements = await dpas.by_subprocessors(deps.db, ids)
    assessments = await transfer_impact_assessments.by_subprocessors(deps.db, ids)
    held = {t.data_origin for t in (await customer_terms.all_terms(deps.db)).values()}
    origins = [o for o in DataOrigin if o in held] or [DataOrigin.EEA]
    return [
        Route(
            subprocessor_id=s.id,
            legal_name=s.legal_name,
            country=loc.country,
            origin=origin,
            bases=tuple(bases.get(s.id, ())),
            dpas=tuple(agreements.get(s.id, ())),
            tias=tuple(assessments.get(s.id, ())),
            recipient_in_scope=loc.recipient_in_scope,
        )
        for s in subs
        for loc in locations.get(s.id, [])
        for origin in origins
    ]


async def _line(deps: Deps, impact: Impact) -> ImpactLine:
    after = impact.fallen or impact.after
    count, names = await _customers(deps, impact.route)
    return ImpactLine(
        subprocessor_id=impact.route.subprocessor_id,
        legal_name=impact.route.legal_name,
        country=impact.route.country,
        origin=impact.route.origin,
        first_day=impact.first_day,
        falls_on=impact.falls_on,
        status_before=impact.before.status.value,
        status_after=after.status.value,
        mechanism_before=impact.before.mechanism.value if impact.before.mechanism else None,
        mechanism_after=after.mechanism.value if after.mechanism else None,
        reasons=after.reasons,
        status_changes=impact.status_changes,
        customers=count,
        customer_names=names,
        reasons_before=impact.before.reasons,
    )


async def _customers(deps: Deps, route: Route) -> tuple[int, tuple[str, ...]]:
    """The customers whose data takes this route: their origin, and the vendor's scope."""
    sub = await subprocessors.get(deps.db, route.subprocessor_id)
    if sub is None:
        return 0, ()
    groups = [
        g
        for g in await audience.affected_groups(deps, ChangeAudience((sub.scope,)))
        if g.terms.data_origin is route.origin
    ]
    chunks = [c for g in groups for c in g.chunks]
    if not chunks:
        return 0, ()
    sample = await customer_roster.first_ids(deps.db, chunks, SAMPLE)
    names = tuple(c.name for c in await customers.get_many(deps.db, sample) if c is not None)
    return await customer_roster.count(deps.db, chunks), names


async def _record(deps: Deps, report: ImpactReport) -> None:
    now = deps.clock.now()
    await legal_watch.save(deps.db, REPORTS + report.id, REPORT, report, now)
    falling, changing = len(report.falling), len(report.changing)
    loses = (
        "1 transfer loses its basis" if falling == 1 else f"{falling} transfers lose their basis"
    )
    changes = "1 changes otherwise" if changing == 1 else f"{changing} change otherwise"
    title = f"{report.title}: {loses}, {changes}, in the next {report.days} days"
    lines = tuple(
        f"{line.legal_name} ({line.origin.value} → {line.country}): {line.status_before} → "
        f"{line.status_after} from {line.falls_on or line.first_day}"
        f"; {line.customers} customer{'' if line.customers == 1 else 's'}"
        for line in (*report.falling, *report.changing)
    )
    event = StaffEvent("legal.impact", title, lines, f"/console/legal/{report.id}", now)
    await legal_watch.save(deps.db, f"{EVENTS}impact:{report.id}", EVENT, event, now)
    await audit.record(
        deps,
        _SYSTEM if report.asked_by is None else Caller(role=Role.ADMIN, key_id=report.asked_by),
        action="legal.releaseImpact" if report.kind == "RELEASE" else "legal.whatIf",
        result=f"{falling} falling, {changing} changing",
        request_id=report.id,
        target=report.id,
    )
    logger.warning(
        "legal impact: %s",
        title,
        extra={"report": report.id, "falling": falling, "changing": changing},
    )


def _packaged_files() -> dict[str, str]:
    folder = resources.files("registry.domain.reference")
    return {
        p.name: p.read_text(encoding="utf-8") for p in folder.iterdir() if p.name.endswith(".json")
    }


# --- scheduler jobs -----------------------------------------------------------------------

_checked: set[tuple[int, str]] = set()
_reminded_on: dict[tuple[int, str], date] = {}


async def watch_release(deps: Deps, worker_id: str) -> int:
    """Once per process: compare the packaged release with the one last evaluated."""
    key = (id(deps.db.client), deps.db.name)
    if key in _checked:
        return 0
    _checked.add(key)
    return int(await release_changes(deps) is not None)


async def remind_reviews(deps: Deps, worker_id: str) -> int:
    """Once a day per process: a staff event for each assessment in force whose review
    falls due within 30 days (or is overdue), once per review date."""
    today = deps.clock.now().astimezone(UTC).date()
    key = (id(deps.db.client), deps.db.name)
    if _reminded_on.get(key) == today:
        return 0
    _reminded_on[key] = today
    told = 0
    for tia in _current(await transfer_impact_assessments.everything(deps.db), today):
        due = tia.next_review_on
        if due is None or not review_due(tia, today):
            continue
        if not await transfer_impact_assessments.mark_reminded(deps.db, tia.id, due):
            continue
        sub = await subprocessors.get(deps.db, tia.subprocessor_id)
        name = sub.legal_name if sub else tia.subprocessor_id
        when = "overdue since" if due < today else "due on"
        event = StaffEvent(
            "tia.reviewDue",
            f"Transfer impact assessment of {name} ({tia.origin.value} → {tia.destination}, "
            f"{tia.mechanism.value}) {when} {due}",
            (f"assessed on {tia.assessed_on}, {tia.id}",),
            f"/console/subprocessors/{tia.subprocessor_id}#tias",
            deps.clock.now(),
        )
        await legal_watch.save(
            deps.db, f"{EVENTS}review:{tia.id}:{due}", EVENT, event, deps.clock.now()
        )
        told += 1
    return told


def _current(
    found: Sequence[TransferImpactAssessment], today: date
) -> list[TransferImpactAssessment]:
    """The assessment covering each route today (older ones are superseded)."""
    routes = {(a.subprocessor_id, a.origin, a.destination, a.mechanism) for a in found}
    current = []
    for sub_id, origin, destination, mechanism in sorted(routes, key=str):
        mine = [a for a in found if a.subprocessor_id == sub_id]
        tia = covering(mine, origin, destination, mechanism, today)
        if tia is not None:
            current.append(tia)
    return current


async def tell_staff(deps: Deps, worker_id: str) -> int:
    """Mail staff the events not yet told, in one message, when e-mail is configured."""
    settings = deps.settings
    if not settings.staff_email or not settings.smtp_url:
        return 0
    pending = await legal_watch.untold(deps.db, EVENTS, EVENT)
    if not pending:
        return 0
    # Marked first, so two workers never send the same events twice (a lost message
    # stays on the console's legal watch page).
    keys = [k for k, _ in pending]
    await legal_watch.mark_told(deps.db, keys, deps.clock.now())
    base = settings.public_url.rstrip("/")
    body = []
    for _, event in pending:
        body += [event.title, *(f"  - {line}" for line in event.lines), f"  {base}{event.link}", ""]
    count = len(pending)
    message = EmailMessage()
    told = await operators.identity(deps)
    title = f"Legal watch: {count} item{'' if count == 1 else 's'} for staff"
    message["Subject"] = email_content.subject_prefix(told) + title
    email.identify(message, told, settings.smtp_from, reply_to=False)
    message["To"] = settings.staff_email
    message["Auto-Submitted"] = "auto-generated"
    message.set_content("\n".join(body))
    server = email.parse_smtp_url(settings.smtp_url)
    result = await email.send(
        message,
        server,
        total_timeout=TOTAL_TIMEOUT,
        sender=settings.smtp_from,
        recipient=settings.staff_email,
    )
    if result.outcome != "success":
        logger.warning("legal watch e-mail not sent (see the console): %s", result.error)
    return count


# --- for the terminal ---------------------------------------------------------------------


def report_text(report: ImpactReport) -> str:
    """The report as `registry legal-impact` prints it."""
    end = report.today.toordinal() + report.days
    lines = [
        f"Legal impact: {report.title}",
        f"Compared: {'; '.join(report.scenario)}",
        f"Window: {report.today} to {date.fromordinal(end)} ({report.days} days after today)",
        f"Transfers examined: {report.routes} (each processing location of the vendors in "
        "force or announced, from each data origin customers hold)",
    ]
    for heading, found in (
        ("Lose their basis", report.falling),
        ("Change otherwise, still usable", report.changing),
        ("Same verdict, other reasons", report.reworded),
    ):
        lines += ["", f"{heading} ({len(found)}):"]
        if not found:
            lines.append("  none")
        for line in found:
            when = line.falls_on or line.first_day
            who = ", ".join(line.customer_names)
            lines += [
                f"  - {line.legal_name}: {line.origin.value} → {line.country}, "
                f"{line.status_before} → {line.status_after} from {when}; "
                f"{line.customers} customer{'' if line.customers == 1 else 's'}"
                + (f" ({who})" if who else ""),
                *(
                    (f"      {reason}" for reason in line.reasons)
                    if line.status_changes
                    else (
                        *(f"      no longer: {r}" for r in line.reasons_gone),
                        *(f"      now: {r}" for r in line.reasons_new),
                    )
                ),
            ]
    return "\n".join(lines)
