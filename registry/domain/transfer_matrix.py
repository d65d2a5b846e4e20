"""The whole transfer table on the boundary days of every reference row, for all origins.

Reviewers read the answers, not the code: `render_matrix()` evaluates, for every dated
row of the reference data (adequacy decisions, mechanism rules, home-area memberships,
regime starts), the day before it starts, its first day, its last day and the day after,
from each of the three origins, and returns the CSV committed as docs/transfer-matrix.csv
(`python bench/transfer_matrix.py` rewrites it; a test fails when it is stale). Pure: the
answers depend on the reference data alone.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from registry.domain.models import DataOrigin, TransferBasis, TransferMechanism
from registry.domain.reference import Reference, load_reference
from registry.domain.transfers import evaluate_transfer

__all__ = ["HEADER", "Probe", "probes", "render_matrix"]

HEADER = (
    "row",
    "boundary",
    "on",
    "origin",
    "destination",
    "recorded",
    "status",
    "mechanism",
    "exceptional",
    "reason",
)
_DAY = timedelta(days=1)
_ANY_COUNTRY = "IN"  # a destination no list covers, for mechanisms open to any country


@dataclass(frozen=True, slots=True)
class Probe:
    """One question: a row's boundary day, a destination and what is recorded for it."""

    row: str
    boundary: str
    on: date
    destination: str
    recorded: tuple[TransferMechanism, ...] = ()


def _days(first: date | None, last: date | None) -> Iterator[tuple[str, date]]:
    if first is not None:
        yield "day before", first - _DAY
        yield "first day", first
    if last is not None:
        yield "last day", last
        yield "day after", last + _DAY


def probes(ref: Reference) -> Iterator[Probe]:
    """Every boundary day of every dated row, in file order."""
    for area in ref.home_areas.values():
        for member in area.members:
            if member.member_from or member.member_until:
                row = f"{area.origin.value} home area: {member.country}"
                for boundary, on in _days(member.member_from, member.member_until):
                    yield Probe(row, boundary, on, member.country)
        if area.regime_from is not None:
            row = f"{area.origin.value} own regime from {area.regime_from}"
            for boundary, on in _days(area.regime_from, None):
                for country in ("DE", "JP", _ANY_COUNTRY):
                    yield Probe(row, boundary, on, country)
    for adequacy in ref.adequacy.values():
        for d in adequacy.decisions:
            row = f"{adequacy.origin.value} adequacy: {d.country} {d.decision}"
            needed = () if d.requires_certification is None else (d.requires_certification,)
            for boundary, on in _days(d.in_force_from, d.until):
                yield Probe(row, boundary, on, d.country, needed)
    for rule in ref.mechanisms:
        origins = "+".join(o.value for o in DataOrigin if o in rule.origins)
        row = f"mechanism {rule.mechanism.value} ({origins})"
        country = min(rule.destinations) if rule.destinations else _ANY_COUNTRY
        recorded: tuple[TransferMechanism, ...] = (rule.mechanism,)
        if rule.requires_companion is not None:
            recorded += (rule.requires_companion,)
        for boundary, on in _days(rule.valid_from, rule.last_valid_day):
            yield Probe(row, boundary, on, country, recorded)


def render_matrix(reference: Reference | None = None) -> str:
    """The CSV text: one line per probe and origin, duplicates dropped, order stable."""
    ref = load_reference() if reference is None else reference
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    seen: set[tuple[str, ...]] = set()
    for probe in probes(ref):
        for origin in DataOrigin:
            bases = [
                TransferBasis(
                    id=f"b{i + 1}",
                    subprocessor_id="matrix",
                    mechanism=mechanism,
                    destination=probe.destination,
                    origin=origin,
                    tia_on=probe.on,
                )
                for i, mechanism in enumerate(probe.recorded)
            ]
            result = evaluate_transfer(origin, probe.destination, probe.on, bases, reference=ref)
            line = (
                probe.row,
                probe.boundary,
                probe.on.isoformat(),
                origin.value,
                result.destination,
                "+".join(m.value for m in probe.recorded) or "-",
                result.status.value,
                result.mechanism.value if result.mechanism else "-",
                "yes" if result.exceptional else "no",
                result.reasons[0],
            )
            if line not in seen:
                seen.add(line)
                writer.writerow(line)
    return out.getvalue()
