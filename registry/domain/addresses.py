"""E-mail addresses parsed, not pattern-matched: one mailbox, in one canonical form.

A pattern such as `^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$` accepts `bomb@v.test(1)`,
`x<bomb@v.test>`, `bomb@v.test;x` and `bomb@v.test,root,postmaster`, each of which a
`To:` header turns into another mailbox or several. `email-validator` parses the
RFC 5322 addr-spec strictly: no comments, display names, quoted local parts, domain
literals, lists or separators; internationalised domains become their ASCII (IDNA)
form. The canonical mailbox is what limits are keyed on and what messages go to.

Every address the registry records or sends from passes here: subscribers, customers'
notice addresses, objectors, vendors' and the operator's contacts (domain/validation.py
`email`), the staff address and the sender (the start-up checks).
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from registry.domain.errors import ValidationError

MAX_INPUT_CHARACTERS = 320
"""Refused before parsing: RFC 5321 allows 64 + 1 + 255 characters at most."""


def _parsed(text: str, field: str, refusal: str) -> tuple[str, str]:
    """The local part as written and the domain in ASCII, or ValidationError."""
    if len(text) > MAX_INPUT_CHARACTERS:
        raise ValidationError(field, "that is longer than any e-mail address")
    try:
        parsed = validate_email(
            text.strip(),
            check_deliverability=False,
            allow_smtputf8=False,
            allow_quoted_local=False,
            allow_domain_literal=False,
            allow_display_name=False,
            allow_empty_local=False,
            globally_deliverable=False,  # intranet domains (no public suffix) are fine
            test_environment=True,  # `.test` addresses (RFC 2606) are accepted, never delivered
        )
    except EmailNotValidError:
        raise ValidationError(field, refusal) from None
    return parsed.local_part, parsed.ascii_domain.lower()


def mailbox(text: str, field: str = "email") -> str:
    """The canonical mailbox `text` names (lower case, ASCII domain), or ValidationError:
    what limits are keyed on."""
    local, domain = _parsed(text, field, "that is not an e-mail address")
    return f"{local}@{domain}".lower()


def address(text: str, field: str = "email", refusal: str | None = None) -> str:
    """One mailbox as recorded (a customer's notice address, a vendor's contact, the
    staff address): the local part as written, the domain in lower-case ASCII."""
    local, domain = _parsed(text, field, refusal or "that is not an e-mail address")
    return f"{local}@{domain}"


def _local_name(domain: str) -> bool:
    return domain == "localhost" or domain.endswith((".localhost", ".local"))


def sender(text: str, field: str) -> str:
    """The envelope sender and `From:` of every message: one mailbox. Local names
    (`registry@localhost`, the development default; `*.localhost`, `*.local`) are names
    email-validator reserves: their syntax is checked under a name it accepts, and
    production refuses them at start-up (services/configuration.py)."""
    local, at, domain = text.strip().rpartition("@")
    if at and _local_name(domain.lower()):
        address(f"{local}@{domain}.test", field)
        return f"{local}@{domain.lower()}"
    return address(text, field)
