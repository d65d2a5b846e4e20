"""Words a person reads for the registry's codes: countries, transfer mechanisms and
statuses, kinds of change. Shared by e-mails, the notice page and the feeds."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

import pycountry

from registry.domain.models import ChangeKind, LocationRole, TransferMechanism, TransferStatus

MECHANISMS: Mapping[TransferMechanism, str] = {
    TransferMechanism.ADEQUACY: "Adequacy decision",
    TransferMechanism.EU_US_DPF: "EU–US Data Privacy Framework",
    TransferMechanism.UK_US_DATA_BRIDGE: "UK–US data bridge",
    TransferMechanism.SWISS_US_DPF: "Swiss–US Data Privacy Framework",
    TransferMechanism.SCC_2021: "Standard contractual clauses (2021)",
    TransferMechanism.SCC_2010: "Standard contractual clauses (2010)",
    TransferMechanism.UK_IDTA: "UK international data transfer agreement",
    TransferMechanism.UK_ADDENDUM: "UK Addendum to the SCCs",
    TransferMechanism.BCR: "Binding corporate rules",
    TransferMechanism.CODE_OF_CONDUCT: "Code of conduct",
    TransferMechanism.CERTIFICATION: "Certification",
    TransferMechanism.AD_HOC_CLAUSES: "Ad hoc contractual clauses",
    TransferMechanism.DEROGATION: "Art. 49 derogation",
    TransferMechanism.PRIVACY_SHIELD: "EU–US Privacy Shield",
    TransferMechanism.SAFE_HARBOR: "Safe Harbor",
}

STATUSES: Mapping[TransferStatus, str] = {
    TransferStatus.NOT_REQUIRED: "no transfer basis needed",
    TransferStatus.VALID: "valid",
    TransferStatus.EXPIRING: "valid, expiring soon",
    TransferStatus.INVALID: "no valid basis",
    TransferStatus.MISSING: "no basis recorded",
}

ROLES: Mapping[LocationRole, str] = {
    LocationRole.STORAGE: "storage",
    LocationRole.PROCESSING: "processing",
    LocationRole.SUPPORT_ACCESS: "support access",
    LocationRole.BACKUP: "backup",
}

KINDS: Mapping[ChangeKind, str] = {
    ChangeKind.ADD: "New subprocessor",
    ChangeKind.REPLACE: "Subprocessor replaced",
    ChangeKind.REMOVE: "Subprocessor removed",
    ChangeKind.UPDATE: "Subprocessor changed",
}


RESERVED_TERRITORIES: Mapping[str, str] = {
    "IC": "Canary Islands (Spain)",
    "EA": "Ceuta and Melilla (Spain)",
}
"""ISO 3166-1 codes exceptionally reserved for parts of a state that providers name on their
own (e.g. a data centre in the Canary Islands): recorded as given, evaluated as Spain by the
reference data (origins.json), named here since pycountry lists assigned codes only."""


@cache
def country_name(code: str) -> str:
    """ "Germany" for "DE"; the code itself when it names no country."""
    if code in RESERVED_TERRITORIES:
        return RESERVED_TERRITORIES[code]
    found = pycountry.countries.get(alpha_2=code)
    if found is None:
        return code
    return str(getattr(found, "common_name", None) or found.name)


def mechanism(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return MECHANISMS[TransferMechanism(value)]
    except ValueError:
        return value


def transfer_status(value: str) -> str:
    try:
        return STATUSES[TransferStatus(value)]
    except ValueError:
        return value


def role(value: str) -> str:
    try:
        return ROLES[LocationRole(value)]
    except ValueError:
        return value


def headline(change: dict[str, Any]) -> str:
    """ "New subprocessor: Postmark", "Subprocessor replaced: Mailgun by Postmark"."""
    vendor = (change.get("subprocessor") or {}).get("legalName") or change.get("subprocessorId", "")
    try:
        kind = ChangeKind(change.get("kind"))
    except ValueError:
        return f"Subprocessor change: {vendor}"
    label = KINDS[kind] + (" (emergency)" if change.get("emergency") else "")
    if kind is ChangeKind.REPLACE and change.get("replaces"):
        return f"{label}: {change['replaces']['legalName']} by {vendor}"
    return f"{label}: {vendor}"
