"""`registry legal-impact`: the what-if report in the terminal, and its bad input."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from pymongo import MongoClient

from registry import cli


@pytest.fixture
def database(mongo_uri: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    name = f"t_legal_cli_{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("MONGODB_URI", mongo_uri)
    monkeypatch.setenv("REGISTRY_DB_NAME", name)
    yield name
    with MongoClient(mongo_uri) as client:
        client.drop_database(name)


def test_prints_what_would_change(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["legal-impact", "--withdraw", "EU_US_DPF", "--from", "2027-01-01"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Legal impact: What if EU_US_DPF withdrawn from 2027-01-01")
    assert "Lose their basis (0):\n  none" in out


def test_without_a_withdrawal_it_prints_the_last_release_report(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["legal-impact"]) == 0
    assert "No new release of the legal facts has changed a verdict yet." in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        pytest.param(
            ["--withdraw", "EU_US_DPX", "--from", "2027-01-01"],
            2,
            "invalid choice: 'EU_US_DPX'",
            id="a mechanism that does not exist -> refused, naming the ones that do",
        ),
        pytest.param(
            ["--withdraw", "EU_US_DPF"],
            1,
            "--withdraw needs --from DATE",
            id="a withdrawal without its day -> refused",
        ),
        pytest.param(
            ["--withdraw", "EU_US_DPF", "--from", "1 Jan 2027"],
            1,
            "is not a date such as 2027-01-01",
            id="a day that is no date -> refused",
        ),
        pytest.param(
            ["--withdraw", "EU_US_DPF", "--from", "2027-01-01", "--country", "US"],
            1,
            "narrows only an ADEQUACY withdrawal",
            id="a country with a mechanism other than ADEQUACY -> refused",
        ),
    ],
)
def test_bad_input_is_refused(
    database: str,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    status: int,
    message: str,
) -> None:
    if status == 2:
        with pytest.raises(SystemExit) as stopped:
            cli.main(["legal-impact", *args])
        assert stopped.value.code == 2
    else:
        assert cli.main(["legal-impact", *args]) == status
    assert message in capsys.readouterr().err
