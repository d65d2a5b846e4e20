"""E-mail addresses parsed, not pattern-matched: one mailbox, in one canonical form.

A pattern such as `^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$` accepts `bomb@v.test(1)`,
`x<bomb@v.test>`, `bomb@v.test;x` and `bomb@v.test,root,postmaster`, each of which a
`To:` header turns into another mailbox or several. `email-validator` parses the
RFC 5322 addr-spec strictly: no comments, display names, quoted local parts, domain
literals, lists or separators; internationalised domains become their ASCII (IDNA)
form. The canonical mailbox is what limits are keyed on and what messages go to.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from registry.domain.errors import ValidationError

MAX_INPUT_CHARACTERS = 320
"""Refused before parsing: RFC 5321 allows 64 + 1 + 255 characters at most."""


def mailbox(text: str, field: str = "email") -> str:
    """The canonical mailbox `text` names (lower case, ASCII domain), or ValidationError."""
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
        raise ValidationError(field, "that is not an e-mail address") from None
    return f"{parsed.local_part}@{parsed.ascii_domain}".lower()
