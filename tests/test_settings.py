"""Bad settings stop `serve` and `worker` at start-up with a message naming the variable."""

from __future__ import annotations

import pydantic
import pytest

from registry import cli
from registry.app import create_app
from registry.services.configuration import SettingsError, check_settings
from tests.conftest import make_settings

BAD = {
    "REGISTRY_REMINDER_OFFSETS": "P14D,P1M",
    "REGISTRY_WEBHOOK_RETRY_SCHEDULE": "0,5 minutes",
    "REGISTRY_WEBHOOK_DISABLE_AFTER": "5 days",
    "REGISTRY_WEBHOOK_ALLOW_CIDRS": "10.0.0.1/8",
    "REGISTRY_SCHEDULER_INTERVAL": "soon",
    "REGISTRY_CONSOLE_SESSION_IDLE": "-5m",
    "REGISTRY_SMTP_URL": "http://mail.example",
    "REGISTRY_PUBLIC_URL": "registry.example.com",
    "REGISTRY_METRICS_TOKEN": "short",
    "REGISTRY_STAFF_EMAIL": "the privacy team",
    "REGISTRY_SMTP_FROM": "registry@example.test\r\nBcc: all@example.test",
}


@pytest.mark.parametrize("variable", sorted(BAD))
@pytest.mark.parametrize("command", ["serve", "worker"])
def test_a_bad_setting_stops_the_process_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    variable: str,
    command: str,
) -> None:
    monkeypatch.setenv("MONGODB_URI", "mongodb://127.0.0.1:9/")  # never reached
    monkeypatch.setenv(variable, BAD[variable])
    args = [command, "--port", "0"] if command == "serve" else [command]
    assert cli.main(args) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"registry: error: {variable}"), err


# Intervals are parsed by the settings model itself, so a bad one cannot even be built.
REFUSED_BY_THE_MODEL = {"REGISTRY_SCHEDULER_INTERVAL", "REGISTRY_CONSOLE_SESSION_IDLE"}


@pytest.mark.parametrize("variable", sorted(BAD))
def test_create_app_refuses_a_bad_setting(variable: str) -> None:
    """Settings built in code (tests, embedding) are checked as the environment's are."""
    field = variable.removeprefix("REGISTRY_").lower()
    if variable in REFUSED_BY_THE_MODEL:
        with pytest.raises(pydantic.ValidationError, match=field):
            make_settings("mongodb://127.0.0.1:9/", "unused", **{field: BAD[variable]})
        return
    bad = make_settings("mongodb://127.0.0.1:9/", "unused", **{field: BAD[variable]})
    with pytest.raises(SettingsError, match=f"^{variable}"):
        create_app(bad)


def test_the_defaults_pass() -> None:
    check_settings(make_settings("mongodb://127.0.0.1:9/", "unused"))


def test_a_public_url_with_a_line_break_is_refused() -> None:
    bad = make_settings("mongodb://127.0.0.1:9/", "unused", public_url="https://r.example/\nX: y")
    with pytest.raises(SettingsError, match=r"^REGISTRY_PUBLIC_URL must be one line"):
        check_settings(bad)


def test_a_staff_address_needs_a_mail_server() -> None:
    with pytest.raises(SettingsError, match=r"^REGISTRY_STAFF_EMAIL: set REGISTRY_SMTP_URL"):
        check_settings(make_settings("mongodb://127.0.0.1:9/", "unused", staff_email="a@b.test"))
    check_settings(
        make_settings(
            "mongodb://127.0.0.1:9/",
            "unused",
            staff_email="privacy@example.test",
            smtp_url="smtp://127.0.0.1:2525",
        )
    )
