"""Legal reference facts for transfer evaluation, packaged as JSON files beside this module.

The facts (home areas, adequacy lists, transfer mechanisms and their end dates) change by
decision of courts and regulators, not with releases of this code: a privacy lead edits
the JSON files (README.md explains each field) and every row carries its source URL.
Loading reads the packaged files once (standard library only) and fails loudly, naming
file and row, if a hand edit broke one.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib import resources

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
from registry.domain.reference._parse import (
    ReferenceDataError,
    build_notice_practices,
    build_reference,
)

__all__ = [
    "AdequacyDecision",
    "AdequacyList",
    "AreaMember",
    "Guidance",
    "HomeArea",
    "MechanismRule",
    "NoticePractice",
    "OrganisationDecision",
    "OutsideTerritory",
    "Reference",
    "ReferenceDataError",
    "Release",
    "Renaming",
    "UnlistedCountry",
    "load_notice_practices",
    "load_reference",
    "parse_reference",
]


def _read_packaged(name: str) -> str:
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")


@cache
def load_reference() -> Reference:
    """The packaged facts, parsed once per process."""
    return build_reference(_read_packaged)


def parse_reference(files: Mapping[str, str]) -> Reference:
    """Facts from file texts given by name, e.g. to check an edited copy before shipping it."""

    def read(name: str) -> str:
        if name not in files:
            raise ReferenceDataError(f"{name}: file missing")
        return files[name]

    return build_reference(read)


@cache
def load_notice_practices() -> tuple[NoticePractice, ...]:
    """Notice periods seen in practice (informative; the notice rules do not read them)."""
    return build_notice_practices(_read_packaged)
