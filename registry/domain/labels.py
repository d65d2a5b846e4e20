"""Words a person reads for the registry's codes: countries, transfer mechanisms and
statuses, kinds of change. Shared by e-mails, the notice page and the feeds."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

import pycountry
from babel.lists import format_list

from registry.domain import languages
from registry.domain.models import ChangeKind, LocationRole, TransferMechanism, TransferStatus
from registry.domain.translations import N_, catalog

MECHANISMS: Mapping[TransferMechanism, str] = {
    TransferMechanism.ADEQUACY: N_("Adequacy decision"),
    TransferMechanism.EU_US_DPF: N_("EU–US Data Privacy Framework"),
    TransferMechanism.UK_US_DATA_BRIDGE: N_("UK–US data bridge"),
    TransferMechanism.SWISS_US_DPF: N_("Swiss–US Data Privacy Framework"),
    TransferMechanism.SCC_2021: N_("Standard contractual clauses (2021)"),
    TransferMechanism.SCC_2010: N_("Standard contractual clauses (2010)"),
    TransferMechanism.UK_IDTA: N_("UK international data transfer agreement"),
    TransferMechanism.UK_ADDENDUM: N_("UK Addendum to the SCCs"),
    TransferMechanism.BCR: N_("Binding corporate rules"),
    TransferMechanism.CODE_OF_CONDUCT: N_("Code of conduct"),
    TransferMechanism.CERTIFICATION: N_("Certification"),
    TransferMechanism.AD_HOC_CLAUSES: N_("Ad hoc contractual clauses"),
    TransferMechanism.DEROGATION: N_("Art. 49 derogation"),
    TransferMechanism.PRIVACY_SHIELD: N_("EU–US Privacy Shield"),
    TransferMechanism.SAFE_HARBOR: N_("Safe Harbor"),
}

STATUSES: Mapping[TransferStatus, str] = {
    TransferStatus.NOT_REQUIRED: N_("no transfer basis needed"),
    TransferStatus.VALID: N_("valid"),
    TransferStatus.EXPIRING: N_("valid, expiring soon"),
    TransferStatus.INVALID: N_("no valid basis"),
    TransferStatus.MISSING: N_("no basis recorded"),
}

ROLES: Mapping[LocationRole, str] = {
    LocationRole.STORAGE: N_("storage"),
    LocationRole.PROCESSING: N_("processing"),
    LocationRole.SUPPORT_ACCESS: N_("support access"),
    LocationRole.BACKUP: N_("backup"),
}

KINDS: Mapping[ChangeKind, str] = {
    ChangeKind.ADD: N_("New subprocessor"),
    ChangeKind.REPLACE: N_("Subprocessor replaced"),
    ChangeKind.REMOVE: N_("Subprocessor removed"),
    ChangeKind.UPDATE: N_("Subprocessor changed"),
}


RESERVED_TERRITORIES: Mapping[str, str] = {
    "IC": "Canary Islands (Spain)",
    "EA": "Ceuta and Melilla (Spain)",
}
"""ISO 3166-1 codes exceptionally reserved for parts of a state that providers name on their
own (e.g. a data centre in the Canary Islands): recorded as given, evaluated as Spain by the
reference data (origins.json), named here since pycountry lists assigned codes only."""


@cache
def country_name(code: str, language: str | None = None) -> str:
    """ "Germany" for "DE" ("Deutschland" in German, from CLDR); the code itself when it
    names no country. English keeps the ISO 3166 short names it has always shown."""
    if language is not None and languages.base(language) != languages.DEFAULT:
        named = languages.babel_locale(language).territories.get(code)
        if named:
            return str(named)
    if code in RESERVED_TERRITORIES:
        return RESERVED_TERRITORIES[code]
    found = pycountry.countries.get(alpha_2=code)
    if found is None:
        return code
    return str(getattr(found, "common_name", None) or found.name)


def country_list(codes: list[str], language: str | None = None) -> str:
    """ "Ireland, United States" ("Irland, Vereinigte Staaten"): CLDR's unit list."""
    names = [country_name(code, language) for code in codes]
    return format_list(names, style="unit", locale=languages.babel_locale(language))


def mechanism(value: str | None, language: str | None = None) -> str | None:
    if value is None:
        return None
    try:
        return catalog(language).gettext(MECHANISMS[TransferMechanism(value)])
    except ValueError:
        return value


def transfer_status(value: str, language: str | None = None) -> str:
    try:
        return catalog(language).gettext(STATUSES[TransferStatus(value)])
    except ValueError:
        return value


def role(value: str, language: str | None = None) -> str:
    try:
        return catalog(language).gettext(ROLES[LocationRole(value)])
    except ValueError:
        return value


def headline(change: dict[str, Any], language: str | None = None) -> str:
    """ "New subprocessor: Postmark", "Subprocessor replaced: Mailgun by Postmark"."""
    _ = catalog(language).gettext
    vendor = (change.get("subprocessor") or {}).get("legalName") or change.get("subprocessorId", "")
    try:
        kind = ChangeKind(change.get("kind"))
    except ValueError:
        return _("Subprocessor change: %(vendor)s") % {"vendor": vendor}
    label = _(KINDS[kind])
    if change.get("emergency"):
        label = _("%(kind)s (emergency)") % {"kind": label}
    if kind is ChangeKind.REPLACE and change.get("replaces"):
        return _("%(kind)s: %(old)s by %(vendor)s") % {
            "kind": label,
            "old": change["replaces"]["legalName"],
            "vendor": vendor,
        }
    return _("%(kind)s: %(vendor)s") % {"kind": label, "vendor": vendor}
