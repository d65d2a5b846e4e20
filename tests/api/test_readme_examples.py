"""Every GraphQL example in the README runs, in order, against a live server.

As `make run` does, the server holds the demo seed; keys come from the README's own
`registry keys create` commands. Each example must answer without `errors`, with a success
member of its payload union, and give the ids the next examples use.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from registry.app import create_app
from registry.clock import FrozenClock
from tests.api.readme_examples import README, KeyStep, QueryStep, steps
from tests.conftest import START, make_settings
from tests.web.support import serving

SEED = Path(__file__).parents[2] / "seeds" / "pronestor.json"
ERROR_MEMBERS = {
    "ValidationError",
    "NotFound",
    "PermissionDenied",
    "NoticeWindowViolation",
    "ObjectionDeadlinePassed",
    "UnsafeUrl",
}


@pytest.fixture(scope="module")
def cli_env(mongo_uri: str, db_name: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("REGISTRY_", "MONGODB_"))},
        "MONGODB_URI": mongo_uri,
        "REGISTRY_DB_NAME": db_name,
        "REGISTRY_SECRET_KEY": "test-secret-key",
    }


def registry_cli(env: dict[str, str], cwd: Path, *args: str) -> str:
    """`registry ARGS…` as the README runs it; returns stdout."""
    done = subprocess.run(
        [sys.executable, "-m", "registry", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def live(cli_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`make run`: the demo seed, then the API over HTTP (loopback webhooks allowed)."""
    registry_cli(cli_env, tmp_path_factory.mktemp("cli"), "seed", str(SEED))
    settings = make_settings(cli_env["MONGODB_URI"], cli_env["REGISTRY_DB_NAME"])
    app = create_app(settings, clock=FrozenClock(START), run_scheduler=False)
    with serving(app) as url:
        yield url


def test_the_readme_has_graphql_examples_to_run() -> None:
    found = steps(README.read_text())
    queries = [s for s in found if isinstance(s, QueryStep)]
    assert len(queries) >= 10
    assert any(s.expected for s in queries), "the first curl example and its answer"
    assert {s.role for s in found if isinstance(s, KeyStep)} >= {"ADMIN", "CUSTOMER"}


def _dig(data: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        data = data[part] if isinstance(data, dict) else None
    return data


def test_every_readme_graphql_example_runs(
    live: str, cli_env: dict[str, str], tmp_path: Path
) -> None:
    env: dict[str, str] = {}
    ran = 0
    with httpx.Client(base_url=live, timeout=30) as http:
        for step in steps(README.read_text()):
            if isinstance(step, KeyStep):
                args = ["keys", "create", "--role", step.role, "--name", step.name]
                if step.customer_var:
                    args += ["--customer", env[step.customer_var]]
                env[step.assign] = registry_cli(cli_env, tmp_path, *args).splitlines()[-1]
                continue
            where = f"README.md line {step.line}"
            response = http.post(
                "/graphql",
                json={"query": step.query, "variables": step.resolved_variables(env)},
                headers={"authorization": f"Bearer {env[step.key_var]}"},
            )
            body = response.json()
            assert response.status_code == 200, (where, body)
            assert "errors" not in body, (where, body["errors"])
            if step.expected is not None:
                assert body == step.expected, where
            for name, value in body["data"].items():
                if isinstance(value, dict) and "__typename" in value:
                    assert value["__typename"] not in ERROR_MEMBERS, (where, name, value)
            if step.assign:
                captured = _dig(body, step.capture)
                assert isinstance(captured, str), (where, step.capture, body)
                assert captured, (where, step.capture, body)
                env[step.assign] = captured
            ran += 1
    assert ran >= 10
