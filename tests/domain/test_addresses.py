"""Every e-mail address is parsed by one module (domain/addresses.py), never matched by
a pattern: the sender, the staff address, vendors' contacts, customers' notice addresses
and subscribers alike refuse comments, display names, lists and separators."""

from __future__ import annotations

from typing import Any

import pytest

from registry.domain import addresses, validation
from registry.domain.errors import ValidationError
from registry.domain.vendor_fields import VENDOR_FIELDS
from registry.services.configuration import SettingsError, check_settings
from registry.settings import Settings

# Each of these a `To:` or `From:` header turns into another mailbox, or several.
NOT_ONE_MAILBOX = [
    "bomb@v.test(1)",
    "x<bomb@v.test>",
    "Bomb <bomb@v.test>",
    "bomb@v.test;x",
    "bomb@v.test,root,postmaster",
    '"quoted"@v.test',
    "bomb@[127.0.0.1]",
    "no-at-sign",
    "a" * 310 + "@v.test",
]
CONTACT = next(f for f in VENDOR_FIELDS if f.name == "contact_email")


def _settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.mark.parametrize("text", NOT_ONE_MAILBOX)
def test_what_is_not_one_mailbox_is_refused_everywhere(text: str) -> None:
    with pytest.raises(ValidationError):
        validation.email(text, "noticeEmails")  # customers' addresses, objectors
    with pytest.raises(ValidationError):
        CONTACT.check(text)  # a vendor's contact (and every declared e-mail field)
    with pytest.raises(ValidationError):
        addresses.mailbox(text)  # subscribers
    with pytest.raises(ValidationError):
        addresses.sender(text, "REGISTRY_SMTP_FROM")
    with pytest.raises(SettingsError, match=r"^REGISTRY_STAFF_EMAIL"):
        check_settings(_settings(smtp_url="smtp://127.0.0.1:25", staff_email=text))
    with pytest.raises(SettingsError, match=r"^REGISTRY_SMTP_FROM"):
        check_settings(_settings(smtp_from=text))


def test_one_mailbox_is_kept_as_written_with_its_domain_in_ascii() -> None:
    assert validation.email(" Privacy@Example.COM ", "e") == "Privacy@example.com"
    assert validation.email("dpo@münchen.test", "e") == "dpo@xn--mnchen-3ya.test"
    assert addresses.mailbox("Privacy@Example.COM") == "privacy@example.com"
    assert CONTACT.check("dpo@vendor.test") == "dpo@vendor.test"


def test_the_development_sender_is_one_mailbox_too() -> None:
    assert addresses.sender("registry@localhost", "F") == "registry@localhost"
    assert addresses.sender("notices@mail.localhost", "F") == "notices@mail.localhost"
    check_settings(_settings(smtp_from="registry@localhost"))
    with pytest.raises(ValidationError):
        addresses.sender("a@b.test,registry@localhost", "F")
