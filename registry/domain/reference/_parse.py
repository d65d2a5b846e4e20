"""Strict parsing of the reference JSON files into the frozen rows of `_model`.

The files are edited by hand, so every row is checked: unknown keys (typos), missing
sources and malformed dates fail loudly with the file and row, instead of silently
changing what the engine decides.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import date
from types import MappingProxyType
from typing import Any, TypeVar

from registry.domain.models import DataOrigin, TransferMechanism
from registry.domain.reference._model import (
    AdequacyDecision,
    AdequacyList,
    AreaMember,
    Guidance,
    HomeArea,
    MechanismRule,
    NoticePractice,
    OrganisationDecision,
    OutsideTerritory,
    Reference,
    Release,
    Renaming,
    UnlistedCountry,
)

ADEQUACY_FILES = ("adequacy_eu.json", "adequacy_uk.json", "adequacy_ch.json")

_E = TypeVar("_E", DataOrigin, TransferMechanism)


class ReferenceDataError(ValueError):
    """A reference data file is malformed; the message names the file and row."""


class _Row:
    """One JSON object being read, remembering which keys were used."""

    def __init__(self, raw: Any, where: str, allowed: frozenset[str]) -> None:
        if not isinstance(raw, dict):
            raise ReferenceDataError(f"{where}: expected an object")
        unknown = set(raw) - allowed
        if unknown:
            raise ReferenceDataError(f"{where}: unknown keys {sorted(unknown)}")
        self.raw: dict[str, Any] = raw
        self.where = where

    def _get(self, key: str, kind: type, required: bool) -> Any:
        value = self.raw.get(key)
        if value is None:
            if required:
                raise ReferenceDataError(f"{self.where}: '{key}' is required")
            return None
        if not isinstance(value, kind):
            raise ReferenceDataError(f"{self.where}: '{key}' must be {kind.__name__}")
        return value

    def text(self, key: str) -> str:
        value: str = self._get(key, str, required=True)
        if not value.strip():
            raise ReferenceDataError(f"{self.where}: '{key}' is empty")
        return value

    def opt_text(self, key: str) -> str | None:
        value: str | None = self._get(key, str, required=False)
        return value

    def flag(self, key: str) -> bool:
        return bool(self._get(key, bool, required=False))

    def day(self, key: str) -> date:
        return self._to_date(key, self.text(key))

    def opt_day(self, key: str) -> date | None:
        value = self.opt_text(key)
        return None if value is None else self._to_date(key, value)

    def texts(self, key: str) -> tuple[str, ...]:
        values: list[Any] = self._get(key, list, required=False) or []
        if not all(isinstance(v, str) for v in values):
            raise ReferenceDataError(f"{self.where}: '{key}' must list strings")
        return tuple(values)

    def rows(self, key: str) -> list[Any]:
        values: list[Any] = self._get(key, list, required=False) or []
        return values

    def mapping(self, key: str) -> dict[str, str]:
        values: dict[str, Any] = self._get(key, dict, required=False) or {}
        if not all(isinstance(v, str) for v in values.values()):
            raise ReferenceDataError(f"{self.where}: '{key}' must map strings to strings")
        return dict(values)

    def origin(self, key: str) -> DataOrigin:
        return self._enum(DataOrigin, self.text(key), key)

    def opt_origin(self, key: str) -> DataOrigin | None:
        value = self.opt_text(key)
        return None if value is None else self._enum(DataOrigin, value, key)

    def origins(self, key: str) -> frozenset[DataOrigin]:
        return frozenset(self._enum(DataOrigin, value, key) for value in self.texts(key))

    def mechanism(self, key: str) -> TransferMechanism | None:
        value = self.opt_text(key)
        return None if value is None else self._enum(TransferMechanism, value, key)

    def _enum(self, kind: type[_E], value: str, key: str) -> _E:
        try:
            return kind(value)
        except ValueError:
            raise ReferenceDataError(f"{self.where}: '{key}' has unknown value {value!r}") from None

    def _to_date(self, key: str, value: str) -> date:
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ReferenceDataError(f"{self.where}: '{key}' is not a date: {value!r}") from None


def _keys(names: str) -> frozenset[str]:
    return frozenset(names.split())


# The keys each kind of row may have (README.md documents them); anything else is a typo.
_ADEQUACY_LIST = _keys("origin title source decisions unlisted organisations renamed")
_RENAMED = _keys("from title noun source note")
_GUIDANCE = _keys("origins name final_on valid_from until source note unverified")
_RELEASE = _keys("release published_on summary source")
_PRACTICE = _keys("vendor notice remedy source unverified note")
_MEMBER = _keys("country from until part_of source note unverified")
_OUTSIDE = _keys("country part_of source note unverified")
_ORIGIN = _keys(
    "origin name source note unverified members outside regime_from earlier_regime"
    " regime_note regime_source"
)
_DECISION = _keys(
    "country area in_force_from until scope_limit requires_certification decision source"
    " unverified note partial eea_efta_pending eea_efta_from"
)
_UNLISTED = _keys("country note source unverified")
_ORGANISATION = _keys("organisation in_force_from decision source unverified note")
_MECHANISM = _keys(
    "mechanism origins destinations label valid_from invalid_from end_reason requires_companion"
    " closed_to_new_from contractual exceptional tia_expected caveat source unverified note"
    " modules certification"
)


def _each(doc: _Row, key: str, allowed: frozenset[str]) -> list[_Row]:
    return [_Row(raw, f"{doc.where} {key}[{i}]", allowed) for i, raw in enumerate(doc.rows(key))]


def _document(read: Callable[[str], str], name: str, allowed: frozenset[str]) -> _Row:
    try:
        raw = json.loads(read(name))
    except json.JSONDecodeError as error:
        raise ReferenceDataError(f"{name}: invalid JSON: {error}") from None
    return _Row(raw, name, allowed)


def _home_areas(read: Callable[[str], str]) -> tuple[dict[DataOrigin, HomeArea], dict[str, str]]:
    doc = _document(read, "origins.json", _keys("aliases origins"))
    aliases = doc.mapping("aliases")
    areas: dict[DataOrigin, HomeArea] = {}
    for i, raw in enumerate(doc.rows("origins")):
        row = _Row(raw, f"origins.json origins[{i}]", _ORIGIN)
        source = row.text("source")
        members = []
        for j, raw_member in enumerate(row.rows("members")):
            m = _Row(raw_member, f"{row.where} members[{j}]", _MEMBER)
            members.append(
                AreaMember(
                    country=m.text("country"),
                    source=m.opt_text("source") or source,
                    member_from=m.opt_day("from"),
                    member_until=m.opt_day("until"),
                    note=m.opt_text("note"),
                    unverified=m.flag("unverified"),
                    part_of=m.opt_text("part_of"),
                )
            )
        outside = tuple(
            OutsideTerritory(
                country=t.text("country"),
                part_of=t.text("part_of"),
                note=t.text("note"),
                source=t.text("source"),
                unverified=t.flag("unverified"),
            )
            for t in _each(row, "outside", _OUTSIDE)
        )
        origin = row.origin("origin")
        regime_from = row.opt_day("regime_from")
        earlier = row.opt_origin("earlier_regime")
        if (regime_from is None) != (earlier is None):
            raise ReferenceDataError(f"{row.where}: regime_from and earlier_regime go together")
        areas[origin] = HomeArea(
            origin=origin,
            name=row.text("name"),
            members=tuple(members),
            source=source,
            note=row.opt_text("note"),
            unverified=row.flag("unverified"),
            outside=outside,
            regime_from=regime_from,
            earlier_regime=earlier,
            regime_note=row.opt_text("regime_note"),
            regime_source=row.opt_text("regime_source"),
        )
    return areas, aliases


def _adequacy(
    read: Callable[[str], str], name: str, areas: Mapping[DataOrigin, HomeArea]
) -> AdequacyList:
    doc = _document(read, name, _ADEQUACY_LIST)
    origin = doc.origin("origin")
    decisions: list[AdequacyDecision] = []
    for i, raw in enumerate(doc.rows("decisions")):
        row = _Row(raw, f"{name} decisions[{i}]", _DECISION)
        # "area": every current member of a home area, e.g. the EEA states on the UK list.
        area = row.opt_origin("area")
        countries = (row.text("country"),) if area is None else areas[area].current_countries()
        for country in countries:
            decisions.append(
                AdequacyDecision(
                    origin=origin,
                    country=country,
                    in_force_from=row.day("in_force_from"),
                    decision=row.text("decision"),
                    source=row.text("source"),
                    until=row.opt_day("until"),
                    scope_limit=row.opt_text("scope_limit"),
                    requires_certification=row.mechanism("requires_certification"),
                    unverified=row.flag("unverified"),
                    note=row.opt_text("note"),
                    partial=row.flag("partial"),
                    eea_efta_pending=row.flag("eea_efta_pending"),
                    eea_efta_from=row.opt_day("eea_efta_from"),
                )
            )
    unlisted = tuple(
        UnlistedCountry(r.text("country"), r.text("note"), r.text("source"), r.flag("unverified"))
        for r in _each(doc, "unlisted", _UNLISTED)
    )
    organisations = tuple(
        OrganisationDecision(
            organisation=r.text("organisation"),
            in_force_from=r.day("in_force_from"),
            source=r.text("source"),
            decision=r.opt_text("decision"),
            unverified=r.flag("unverified"),
            note=r.opt_text("note"),
        )
        for r in _each(doc, "organisations", _ORGANISATION)
    )
    renamed = None
    if doc.raw.get("renamed") is not None:
        r = _Row(doc.raw["renamed"], f"{name} renamed", _RENAMED)
        renamed = Renaming(
            r.day("from"), r.text("title"), r.text("noun"), r.text("source"), r.opt_text("note")
        )
    return AdequacyList(
        origin,
        doc.text("title"),
        doc.text("source"),
        tuple(decisions),
        unlisted,
        organisations,
        renamed,
    )


def _guidance(doc: _Row) -> tuple[Guidance, ...]:
    found = tuple(
        Guidance(
            name=g.text("name"),
            final_on=g.day("final_on"),
            source=g.text("source"),
            origins=g.origins("origins"),
            valid_from=g.opt_day("valid_from"),
            until=g.opt_day("until"),
            note=g.opt_text("note"),
            unverified=g.flag("unverified"),
        )
        for g in _each(doc, "tia_guidance", _GUIDANCE)
    )
    for g in found:
        if not g.origins:
            raise ReferenceDataError(f"mechanisms.json tia_guidance: {g.name!r} needs origins")
    return found


def _mechanisms(
    read: Callable[[str], str],
) -> tuple[tuple[MechanismRule, ...], tuple[Guidance, ...]]:
    doc = _document(read, "mechanisms.json", _keys("tia_guidance mechanisms"))
    guidance = _guidance(doc)
    rules: list[MechanismRule] = []
    for i, raw in enumerate(doc.rows("mechanisms")):
        row = _Row(raw, f"mechanisms.json mechanisms[{i}]", _MECHANISM)
        mechanism = row.mechanism("mechanism")
        if mechanism is None:
            raise ReferenceDataError(f"{row.where}: 'mechanism' is required")
        origins = row.origins("origins")
        clash = [r for r in rules if r.mechanism is mechanism and r.origins & origins]
        if clash or not origins:
            raise ReferenceDataError(f"{row.where}: needs origins, each once per mechanism")
        rules.append(
            MechanismRule(
                mechanism=mechanism,
                origins=origins,
                label=row.text("label"),
                source=row.text("source"),
                valid_from=row.opt_day("valid_from"),
                invalid_from=row.opt_day("invalid_from"),
                end_reason=row.opt_text("end_reason"),
                destinations=frozenset(row.texts("destinations")),
                requires_companion=row.mechanism("requires_companion"),
                closed_to_new_from=row.opt_day("closed_to_new_from"),
                contractual=row.flag("contractual"),
                exceptional=row.flag("exceptional"),
                tia_expected=row.flag("tia_expected"),
                caveat=row.opt_text("caveat"),
                unverified=row.flag("unverified"),
                note=row.opt_text("note"),
                modules=row.flag("modules"),
                certification=row.flag("certification"),
            )
        )
    return tuple(rules), guidance


def build_reference(read: Callable[[str], str]) -> Reference:
    """Parse all reference files; `read(name)` returns a file's text."""
    areas, aliases = _home_areas(read)
    missing = [o.value for o in DataOrigin if o not in areas]
    if missing:
        raise ReferenceDataError(f"origins.json: no home area for {missing}")
    lists = {a.origin: a for a in (_adequacy(read, name, areas) for name in ADEQUACY_FILES)}
    if len(lists) != len(DataOrigin):
        raise ReferenceDataError(f"{ADEQUACY_FILES}: need exactly one adequacy list per origin")
    rules, guidance = _mechanisms(read)
    return Reference(
        home_areas=MappingProxyType(areas),
        adequacy=MappingProxyType(lists),
        mechanisms=rules,
        tia_guidance=guidance,
        aliases=MappingProxyType(aliases),
        release=_release(read),
    )


def _release(read: Callable[[str], str]) -> Release:
    doc = _document(read, "release.json", _RELEASE)
    return Release(
        release=doc.text("release"),
        published_on=doc.day("published_on"),
        summary=doc.text("summary"),
        source=doc.opt_text("source"),
    )


def build_notice_practices(read: Callable[[str], str]) -> tuple[NoticePractice, ...]:
    doc = _document(read, "notice_practice.json", _keys("practices"))
    return tuple(
        NoticePractice(
            vendor=r.text("vendor"),
            notice=r.text("notice"),
            remedy=r.text("remedy"),
            source=r.text("source"),
            unverified=r.flag("unverified"),
            note=r.opt_text("note"),
        )
        for r in _each(doc, "practices", _PRACTICE)
    )
