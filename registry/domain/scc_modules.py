"""The modules of the 2021 standard contractual clauses, named as people read them, and
which mechanisms come in modules (the reference data's `modules` flag, nowhere else).

The UK Addendum has no modules of its own: it is appended to the 2021 SCCs, whose basis
names the module.
"""

from __future__ import annotations

from collections.abc import Mapping

from registry.domain.models import TransferMechanism
from registry.domain.reference import load_reference

MODULES: Mapping[int, str] = {
    1: "Module 1: controller to controller",
    2: "Module 2: controller to processor",
    3: "Module 3: processor to processor",
    4: "Module 4: processor to controller",
}


def in_modules(mechanism: TransferMechanism) -> bool:
    """Whether a basis on this mechanism names one module (the 2021 SCCs)."""
    return any(r.modules for r in load_reference().mechanisms if r.mechanism is mechanism)


def with_modules() -> frozenset[TransferMechanism]:
    return frozenset(m for m in TransferMechanism if in_modules(m))
