"""Staff who sign in as themselves through the company's OpenID provider.

A person is known by the provider's subject, and named by the name and e-mail its ID token
gives; the role they act in comes from one claim (groups or roles) through a mapping the
operator sets (`REGISTRY_OIDC_ROLES`). Pure: the sign-in flow lives in
services/staff_sign_in.py.
"""

from __future__ import annotations

from collections.abc import Mapping

from registry.domain.models import Role
from registry.domain.person import Person

STAFF_ROLES = (Role.ADMIN, Role.PROCUREMENT)  # strongest first


def parse_role_map(text: str) -> dict[str, Role]:
    """`value=ROLE,value=ROLE` as {claim value: role}; only ADMIN and PROCUREMENT map."""
    mapping: dict[str, Role] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        value, sep, role_name = part.rpartition("=")
        value, role_name = value.strip(), role_name.strip().upper()
        if not sep or not value:
            raise ValueError(f"{part.strip()!r} is not VALUE=ROLE (e.g. registry-admins=ADMIN)")
        if role_name not in {r.value for r in STAFF_ROLES}:
            raise ValueError(f"{part.strip()!r}: the role must be ADMIN or PROCUREMENT")
        if value in mapping and mapping[value].value != role_name:
            raise ValueError(f"{value!r} is mapped to both {mapping[value].value} and {role_name}")
        mapping[value] = Role(role_name)
    return mapping


def claim_values(claim: object) -> set[str]:
    """A claim's values: a list of strings, or one string (space-separated, as some
    providers send roles)."""
    if isinstance(claim, str):
        return set(claim.split())
    if isinstance(claim, list | tuple):
        return {v for v in claim if isinstance(v, str)}
    return set()


def role_for(claim: object, mapping: Mapping[str, Role]) -> Role | None:
    """The strongest role any of the claim's values maps to; None: no role here."""
    granted = {mapping[v] for v in claim_values(claim) if v in mapping}
    return next((role for role in STAFF_ROLES if role in granted), None)


def person_from_claims(claims: Mapping[str, object]) -> Person:
    """The person an ID token names; the name falls back to the e-mail, then the subject."""
    subject = str(claims["sub"])
    email = claims.get("email")
    address = email.strip() if isinstance(email, str) and email.strip() else None
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip():
        preferred = claims.get("preferred_username")
        name = preferred if isinstance(preferred, str) and preferred.strip() else None
    shown = (name or address or subject).strip()[:200]
    return Person(subject=subject, name=shown, email=address[:320] if address else None)
