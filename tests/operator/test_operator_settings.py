"""The identity's defaults come from settings checked at start-up; production does not
send e-mail from a local address; /ready says what is missing."""

from __future__ import annotations

from typing import Any

import pytest

from registry.clock import FrozenClock
from registry.services.configuration import SettingsError, check_settings
from registry.settings import Settings
from tests.conftest import START, make_settings, running_api

PRODUCTION: dict[str, Any] = {
    "environment": "production",
    "secret_key": "k" * 44,
    "public_url": "https://registry.acme.example",
    "smtp_url": "smtp://mail.acme.example:25",
}


def _settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    "sender", ["registry@localhost", "notices@mail.localhost", "a@127.0.0.1", "a@box.local"]
)
def test_production_refuses_to_send_from_a_local_address(sender: str) -> None:
    with pytest.raises(SettingsError, match=r"^REGISTRY_SMTP_FROM: .* local address"):
        check_settings(_settings(**PRODUCTION, smtp_from=sender))


def test_production_sends_from_the_company_domain_and_development_from_anywhere() -> None:
    check_settings(_settings(**PRODUCTION, smtp_from="notices@acme.example"))
    check_settings(_settings(smtp_url="smtp://127.0.0.1:25", smtp_from="registry@localhost"))


BAD = [
    ("operator_privacy_email", "privacy at acme", "REGISTRY_OPERATOR_PRIVACY_EMAIL"),
    ("operator_privacy_url", "acme.example/privacy", "REGISTRY_OPERATOR_PRIVACY_URL"),
    ("operator_dpa_url", "ftp://acme.example/dpa", "REGISTRY_OPERATOR_DPA_URL"),
    ("operator_brand_colour", "#12345", "REGISTRY_OPERATOR_BRAND_COLOUR"),
    ("operator_legal_name", "Acme\nGmbH", "REGISTRY_OPERATOR_LEGAL_NAME"),
]


@pytest.mark.parametrize(("name", "value", "variable"), BAD, ids=[b[2] for b in BAD])
def test_a_bad_default_stops_start_up_naming_its_variable(
    name: str, value: str, variable: str
) -> None:
    with pytest.raises(SettingsError, match=f"^{variable}: "):
        check_settings(_settings(**{name: value}))


async def test_ready_lists_what_the_identity_lacks(mongo_uri: str, db_name: str) -> None:
    complete = make_settings(
        mongo_uri,
        db_name,
        operator_legal_name="Acme Cloud GmbH",
        operator_address="Hauptstrasse 1, Berlin",
        operator_privacy_email="privacy@acme.example",
    )
    async with running_api(complete, FrozenClock(START)) as api:
        answer = await api.http.get("/ready")
    assert answer.status_code == 200
    assert answer.json()["details"] == {"operator": {"missing": ["Privacy contact page"]}}
