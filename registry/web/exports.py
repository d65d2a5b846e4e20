"""CSV and JSON exports: the current subprocessor list and a change's proof of notice.

The list honours `asOf` like the GraphQL query; the proof of notice streams every
affected customer's notice with its objection, so it works for any customer count.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from registry.domain.errors import NotFound, ValidationError
from registry.domain.fields import Shown, shown_in
from registry.domain.labels import country_name
from registry.domain.models import (
    DataOrigin,
    Dpa,
    Notice,
    ProcessingLocation,
    TransferBasis,
    TransferImpactAssessment,
)
from registry.domain.operator import OPERATOR_FIELDS, Operator
from registry.domain.transfers import evaluate_transfer
from registry.domain.vendor_fields import VENDOR_FIELDS
from registry.http.callers import request_caller
from registry.services import (
    audit,
    change_queries,
    customers,
    evidence,
    listing,
    location_changes,
    policy,
    tias,
    vendors,
)
from registry.services import list_diff as list_diffs
from registry.services import operator as operators
from registry.services.caller import Caller
from registry.services.deps import Deps
from registry.services.evidence import NoticeEvidence
from registry.services.list_diff import DiffEntry
from registry.services.listing import SubprocessorQuery
from registry.web import chain_json, public, scope_params
from registry.web.pages import MECHANISM_LABELS

LIST_COLUMNS = [
    "countries",
    "status",
    "active_from",
    "country_names",
    "locations",
    "roles",
    "transfer_basis",
    "chain",
]
"""After the id and the vendor's declared fields (domain/vendor_fields.py): where it
handles data (codes; names; each location with its role and region; the roles), and
the mechanism each transfer rests on per origin of the data, as the public page shows;
then the vendor's own sub-processors down the chain (web/chain_json.py)."""
MAX_COUNTRIES = 50
NOTICE_COLUMNS = [
    "customer_id",
    "sent_at",
    "objection_deadline",
    "effective_at",
    "notice_status",
    "objection_status",
    "objection_filed_at",
    "objection_resolution",
    "objection_filed_by",
    "delivered_at",
    "channels",
    "viewed_at",
    "acknowledged_at",
    "acknowledged_by",
    "not_delivered",
    # Added later, so columns read by position keep their place.
    "customer_name",
    "objection_contract_ends_at",
]


async def _caller(request: Request) -> tuple[Deps, Caller]:
    deps: Deps = request.app.state.deps
    return deps, await request_caller(request)


def _as_of(request: Request) -> datetime | None:
    raw = request.query_params.get("asOf")
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError("asOf", f"asOf {raw!r} is not an ISO 8601 date-time") from None
    if value.tzinfo is None:
        raise ValidationError("asOf", "asOf needs a time zone offset, e.g. 2026-03-01T00:00:00Z")
    return value


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """A cell a spreadsheet shows as text: one starting like a formula gets a leading `'`.

    OWASP's advice against CSV injection: a vendor named `=HYPERLINK(...)` must not run
    in the auditor's spreadsheet.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _exported(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _cell(column: str, value: Any, vendor: str = "") -> Any:
    """A list in one CSV cell: country codes by spaces, other lists by semicolons;
    locations and transfers as a person reads them."""
    if column == "locations":
        return "; ".join(_place(loc) for loc in value)
    if column == "chain":
        return chain_json.chain_cell(value, vendor)
    if column == "transfer_basis":
        return "; ".join(
            f"{t['origin']} → {t['country_name']}: {t['mechanism_label'] or t['status'].lower()}"
            for t in value
        )
    if isinstance(value, list):
        return (" " if column == "countries" else "; ").join(value)
    return value


def _place(loc: dict[str, Any]) -> str:
    role = loc["role"].replace("_", " ").lower()
    return f"{loc['country_name']} ({role}{', ' + loc['region'] if loc['region'] else ''})"


def _countries(request: Request) -> tuple[str, ...]:
    codes = tuple(
        dict.fromkeys(c.strip() for c in request.query_params.getlist("country") if c.strip())
    )
    if len(codes) > MAX_COUNTRIES:
        raise ValidationError(
            "country", f"at most {MAX_COUNTRIES} countries can be filtered at once"
        )
    return codes


def _transfers(
    on: date,
    locations: list[ProcessingLocation],
    bases: list[TransferBasis],
    dpas: list[Dpa],
    tias: list[TransferImpactAssessment],
) -> list[dict[str, Any]]:
    """Per origin and country: the verdict's status and the mechanism it rests on (the
    reasons stay on the page and the API)."""
    found: list[dict[str, Any]] = []
    for origin in DataOrigin:
        for country in sorted({loc.country for loc in locations}):
            scoped = {loc.recipient_in_scope for loc in locations if loc.country == country}
            verdict = evaluate_transfer(
                origin,
                country,
                on,
                bases,
                dpas=dpas,
                tias=tias,
                recipient_in_scope=next(iter(scoped)) if len(scoped) == 1 else None,
            )
            m = verdict.mechanism
            found.append(
                {
                    "origin": origin.value,
                    "country": country,
                    "country_name": country_name(country),
                    "status": verdict.status.value,
                    "mechanism": m.value if m else None,
                    "mechanism_label": MECHANISM_LABELS.get(m, m.value) if m else None,
                }
            )
    return found


def _csv(rows: list[list[Any]], header: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([spreadsheet_safe(cell) for cell in row] for row in rows)
    return buffer.getvalue()


async def subprocessor_list(request: Request) -> Response:
    """`/subprocessors.csv` and `/subprocessors.json`."""
    fmt = request.path_params["fmt"]
    if fmt not in ("csv", "json"):
        raise NotFound("use .csv or .json")
    # Refusals and bad input are raised and answered by web/errors.py.
    deps, caller = await _caller(request)
    products, region = scope_params.requested(request)
    as_of = _as_of(request)
    search = (request.query_params.get("search") or "").strip()[:200] or None
    query = SubprocessorQuery(
        as_of=as_of,
        products=products,
        hosting_region=region,
        countries=_countries(request),
        search=search,
    )
    subs = await listing.list_subprocessors(deps, caller, query)
    ids = [s.id for s in subs]
    # Where each vendor processes data on the asked day, in the caller's view (a change of
    # locations counts from its date: services/location_changes.py).
    locations = await location_changes.visible(deps, caller, ids, as_of)
    bases = await vendors.transfer_bases_of(deps, caller, ids)
    agreements = await vendors.dpas_of(deps, caller, ids)
    assessments = await tias.for_verdicts(deps, ids)
    on = (as_of or deps.clock.now()).date()
    chains = await chain_json.chains_json(deps, caller, ids, as_of)
    declared = [
        f
        for f in shown_in(VENDOR_FIELDS, Shown.EXPORT)
        if policy.may_read_field(caller, f.audience)
    ]
    rows: list[dict[str, Any]] = [
        {
            "id": s.id,
            **{f.name: _exported(getattr(s, f.name)) for f in declared},
            "countries": sorted({loc.country for loc in locations.get(s.id, [])}),
            "status": s.status.value,
            "active_from": s.active_from.isoformat() if s.active_from else None,
            "country_names": sorted({country_name(loc.country) for loc in locations.get(s.id, [])}),
            "locations": [
                {
                    "country": loc.country,
                    "country_name": country_name(loc.country),
                    "region": loc.region,
                    "role": loc.role.value,
                }
                for loc in locations.get(s.id, [])
            ],
            "roles": sorted({loc.role.value for loc in locations.get(s.id, [])}),
            "products": list(s.scope.products),
            "hosting_regions": list(s.scope.hosting_regions),
            "transfer_basis": _transfers(
                on,
                locations.get(s.id, []),
                bases.get(s.id, []),
                agreements.get(s.id, []),
                assessments.get(s.id, []),
            ),
            "chain": chains.get(s.id, []),
        }
        for s in subs
    ]
    if fmt == "json":
        document = await _list_document(deps, caller, rows, as_of, query)
        return Response(orjson.dumps(document), media_type="application/json")
    header = ["id", *(f.name for f in declared), *LIST_COLUMNS]
    table = [[_cell(c, r[c], r["legal_name"]) for c in header] for r in rows]
    return Response(
        _csv(table, header),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="subprocessors.csv"'},
    )


LIST_FORMAT = "subprocessor-list"
LIST_FORMAT_VERSION = 1
"""The open list format: schema/list/subprocessor-list.json, docs/list-format.md."""


async def _list_document(
    deps: Deps,
    caller: Caller,
    rows: list[dict[str, Any]],
    as_of: datetime | None,
    query: SubprocessorQuery,
) -> dict[str, Any]:
    """The list in the open format, with the changes announced for the same vendors."""
    now = deps.clock.now()
    at = as_of or now
    keep = await public.change_filter(
        deps,
        caller,
        at,
        query.products,
        query.hosting_region,
        query.countries,
        query.search,
    )
    due = [
        c
        for c in await change_queries.upcoming_announcements(deps, caller, at)
        if keep is None or keep(c)
    ]
    names = await change_queries.vendor_names(deps, due)
    base = deps.settings.public_url.rstrip("/")
    return {
        "format": LIST_FORMAT,
        "format_version": LIST_FORMAT_VERSION,
        "publisher": {
            "url": f"{base}/subprocessors",
            **operator_json(await operators.identity(deps)),
        },
        "generated_at": now.isoformat(),
        "as_of": at.isoformat(),
        "subprocessors": rows,
        "upcoming_changes": [
            {
                "id": c.id,
                "kind": c.kind.value,
                "subprocessor": names.get(c.subprocessor_id, c.subprocessor_id),
                "replaces": names.get(c.replaces_id, c.replaces_id) if c.replaces_id else None,
                "announced_at": c.announced_at.isoformat(),
                "effective_at": c.effective_at.isoformat(),
                "description": c.description,
            }
            for c in due
        ],
    }


def operator_json(operator: Operator) -> dict[str, Any]:
    """The operator (the company publishing the list) in the exports' words: `name` as
    people call it, then each declared field that is recorded (snake_case)."""
    found: dict[str, Any] = {"name": operator.name} if operator.named else {}
    for f in OPERATOR_FIELDS:
        if Shown.EXPORT in f.shown and getattr(operator, f.name):
            found[f.name] = getattr(operator, f.name)
    return found


def _instant(request: Request, name: str) -> datetime:
    raw = request.query_params.get(name)
    if not raw:
        raise ValidationError(name, f"{name} is required (an ISO 8601 date-time with offset)")
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(name, f"{name} {raw!r} is not an ISO 8601 date-time") from None


def _entry(entry: DiffEntry) -> dict[str, Any]:
    c = entry.change
    return {
        "id": entry.subprocessor.id,
        "legal_name": entry.subprocessor.legal_name,
        "change": (
            {
                "id": c.id,
                "kind": c.kind.value,
                "announced_at": c.announced_at.isoformat(),
                "effective_at": c.effective_at.isoformat(),
                "emergency": c.emergency,
            }
            if c is not None
            else None
        ),
        "corrections": [
            {
                "record_id": v.record_id,
                "kind": v.kind.value,
                "action": v.action.value,
                "at": v.at.isoformat(),
                "reason": v.reason,
                "changes": [
                    {"field": f.field, "before": f.before, "after": f.after} for f in v.changes
                ],
            }
            for v in entry.corrections
        ],
    }


async def list_diff(request: Request) -> Response:
    """`/subprocessors/diff.json?from=&to=[&product=&region=]`: the subprocessorDiff query
    as JSON (a CUSTOMER key gets its own timeline's diff). `?since=acknowledged` instead of
    `from` starts at the key's customer's latest acknowledgement; `to` is now when left out
    then."""
    deps, caller = await _caller(request)
    products, region = scope_params.requested(request)
    since = request.query_params.get("since")
    if since not in (None, "acknowledged"):
        raise ValidationError("since", "since takes one value: acknowledged")
    acknowledged = since == "acknowledged"
    given = "from" in request.query_params or not acknowledged
    start = await list_diffs.diff_start(
        deps, caller, _instant(request, "from") if given else None, acknowledged, None
    )
    end = deps.clock.now() if acknowledged and "to" not in request.query_params else None
    found = await list_diffs.subprocessor_diff(
        deps,
        caller,
        start,
        end or _instant(request, "to"),
        products=products,
        hosting_region=region,
    )
    document = {
        "operator": operator_json(await operators.identity(deps)),
        "from": found.start.isoformat(),
        "to": found.end.isoformat(),
        "added": [_entry(e) for e in found.added],
        "removed": [_entry(e) for e in found.removed],
        "changed": [_entry(e) for e in found.changed],
    }
    return Response(orjson.dumps(document), media_type="application/json")


async def proof_of_notice(request: Request) -> Response:
    """`/changes/{id}/notices.csv|json`: every affected customer, for auditors (staff only)."""
    deps, caller = await _caller(request)
    return await proof_of_notice_answer(
        deps, caller, request.path_params["change_id"], request.path_params["fmt"]
    )


NAMES_BATCH = 500


async def proof_of_notice_answer(deps: Deps, caller: Caller, change_id: str, fmt: str) -> Response:
    """The proof of notice as CSV or JSON lines for whoever the policy lets read it: an
    API key here, a console session from the change's page (web/console). Customer
    names are looked up a batch of notices at a time as the rows stream."""
    if fmt not in ("csv", "json"):
        raise NotFound("use .csv or .json")
    change, proven = await evidence.proof_of_notice(deps, caller, change_id)

    def row(n: Notice, proof: NoticeEvidence, names: dict[str, str]) -> dict[str, Any]:
        o = proof.objection
        return {
            "customer_id": n.customer_id,
            "customer_name": names.get(n.customer_id),
            "sent_at": n.sent_at.isoformat(),
            "objection_deadline": n.objection_deadline.isoformat(),
            "effective_at": n.effective_at.isoformat(),
            "notice_status": n.status.value,
            "objection_status": o.status.value if o else None,
            "objection_filed_at": o.filed_at.isoformat() if o else None,
            "objection_resolution": o.resolution.value if o and o.resolution else None,
            "objection_contract_ends_at": _iso(o.contract_ends_at) if o else None,
            "objection_filed_by": proof.objection_filer,
            "delivered_at": _iso(proof.delivered_at),
            "channels": " ".join(proof.channels) or None,
            "viewed_at": _iso(proof.viewed_at),
            "acknowledged_at": _iso(proof.acknowledged_at),
            "acknowledged_by": proof.acknowledged_by,
            "not_delivered": proof.not_delivered,
        }

    async def named(batch: list[tuple[Notice, NoticeEvidence]]) -> list[dict[str, Any]]:
        found = await customers.get_customers(deps, caller, [n.customer_id for n, _ in batch])
        names = {c.id: c.name for c in found if c is not None}
        return [row(n, proof, names) for n, proof in batch]

    async def rows() -> AsyncIterator[dict[str, Any]]:
        batch: list[tuple[Notice, NoticeEvidence]] = []
        async for pair in proven:
            batch.append(pair)
            if len(batch) >= NAMES_BATCH:
                for done in await named(batch):
                    yield done
                batch = []
        for done in await named(batch):
            yield done

    if fmt == "json":

        async def json_lines() -> AsyncIterator[bytes]:
            async for row in rows():
                yield orjson.dumps(row) + b"\n"

        return StreamingResponse(json_lines(), media_type="application/x-ndjson")

    async def csv_lines() -> AsyncIterator[str]:
        yield ",".join(NOTICE_COLUMNS) + "\r\n"
        async for row in rows():
            yield _csv(
                [[row[c] if row[c] is not None else "" for c in NOTICE_COLUMNS]], NOTICE_COLUMNS
            ).split("\r\n", 1)[1]

    return StreamingResponse(
        csv_lines(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{change.id}-notices.csv"'},
    )


async def audit_export(request: Request) -> Response:
    """`/audit.jsonl`: the whole audit trail as JSON lines (ADMIN only)."""
    deps, caller = await _caller(request)
    entries = audit.all_entries(deps, caller)  # refuses all but ADMIN

    async def lines() -> AsyncIterator[bytes]:
        async for entry in entries:
            entry["id"] = entry.pop("_id")
            yield orjson.dumps(entry) + b"\n"

    return StreamingResponse(lines(), media_type="application/x-ndjson")
