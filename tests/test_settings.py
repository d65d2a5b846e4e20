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


@pytest.mark.parametrize(
    "public_url",
    ["https://registry.example.com", "http://10.0.0.5:8000", "http://[2001:db8::1]/"],
)
def test_the_development_key_is_refused_for_a_public_url(public_url: str) -> None:
    settings = make_settings("mongodb://127.0.0.1:9/", "unused", public_url=public_url)
    settings = settings.model_copy(update={"secret_key": None})
    with pytest.raises(SettingsError, match=r"REGISTRY_SECRET_KEY.*openssl rand"):
        check_settings(settings)


@pytest.mark.parametrize(
    "public_url", ["http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000"]
)
def test_the_development_key_serves_a_loopback_url(public_url: str) -> None:
    settings = make_settings("mongodb://127.0.0.1:9/", "unused", public_url=public_url)
    check_settings(settings.model_copy(update={"secret_key": None}))


def test_production_without_a_key_says_how_to_make_one() -> None:
    settings = make_settings("mongodb://127.0.0.1:9/", "unused", environment="production")
    with pytest.raises(SettingsError, match="openssl rand"):
        check_settings(settings.model_copy(update={"secret_key": None}))


def test_trusted_proxies_are_none_by_default_and_checked() -> None:
    settings = make_settings("mongodb://127.0.0.1:9/", "unused")
    assert settings.trusted_proxy_list == []
    trusted = make_settings("mongodb://127.0.0.1:9/", "unused", trusted_proxies="10.0.0.1, ::1")
    assert trusted.trusted_proxy_list == ["10.0.0.1", "::1"]
    check_settings(trusted)
    with pytest.raises(SettingsError, match="REGISTRY_TRUSTED_PROXIES"):
        check_settings(make_settings("mongodb://127.0.0.1:9/", "unused", trusted_proxies="proxy"))


def test_serve_gives_uvicorn_the_trusted_proxies_only(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    from registry import serving

    seen: list[uvicorn.Config] = []

    class Stop(Exception):
        pass

    def run(config: uvicorn.Config) -> bool:
        """Where `serve` hands its configuration to uvicorn (whatever imported it before)."""
        seen.append(config)
        raise Stop

    monkeypatch.setattr(serving, "run", run)
    monkeypatch.setattr(cli.devdb, "port_in_use", lambda host, port: False)
    monkeypatch.setattr(cli, "_check_database", lambda settings: None)
    monkeypatch.setattr(cli.logs, "configure", lambda level: None)  # leave logging alone
    for proxies, expected in (("", False), ("10.0.0.1", True)):
        settings = make_settings("mongodb://127.0.0.1:9/", "unused", trusted_proxies=proxies)
        args = cli.build_parser().parse_args(["serve", "--port", "1"])
        with pytest.raises(Stop):
            cli.cmd_serve(args, settings)
        assert seen[-1].proxy_headers is expected
        assert seen[-1].forwarded_allow_ips == ([proxies] if proxies else [])
