"""A real OpenID provider for the staff sign-in tests: tests/oidc/provider.mjs (the
oidc-provider package) in a Node process on a free loopback port.

`bin/ensure-oidc-provider` (run by `make test`) installs its packages; `running_provider`
starts it with a fresh signing key and the people below, and stops it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from joserfc.jwk import RSAKey

HERE = Path(__file__).resolve().parent
CLIENT_ID = "subprocessor-registry"
CLIENT_SECRET = "test-client-secret-of-the-registry"

# login -> claims. ADMIN and PROCUREMENT come from the groups the registry maps.
PEOPLE: dict[str, dict[str, object]] = {
    "ada": {"name": "Ada Lovelace", "email": "ada@example.com", "groups": ["registry-admins"]},
    "piet": {
        "name": "Piet Hein",
        "email": "piet@example.com",
        "groups": ["staff", "procurement"],
    },
    "rita": {"name": "Rita Levi", "email": "rita@example.com", "groups": ["sales"]},
    "nora": {"name": "Nora Nobody", "email": "nora@example.com"},  # no groups claim at all
}
ROLE_MAP = "registry-admins=ADMIN,procurement=PROCUREMENT"


@dataclass(frozen=True, slots=True)
class OpenIdProvider:
    issuer: str

    def fault(self, name: str | None) -> None:
        """Make the provider misbehave in one way (provider.mjs lists them); None: stop."""
        response = httpx.post(f"{self.issuer}/test-faults", json={"fault": name}, timeout=5)
        response.raise_for_status()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _signing_keys() -> dict[str, object]:
    key = RSAKey.generate_key(2048, parameters={"alg": "RS256", "use": "sig", "kid": "test"})
    return {"keys": [key.as_dict(private=True)]}


@contextlib.contextmanager
def running_provider(redirect_uri: str, post_logout_uri: str) -> Iterator[OpenIdProvider]:
    node = shutil.which("node")
    if node is None or not (HERE / "node_modules" / "oidc-provider").is_dir():
        raise RuntimeError("the test OpenID provider is missing: run bin/ensure-oidc-provider")
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    client = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uris": [redirect_uri],
        "post_logout_redirect_uris": [post_logout_uri],
    }
    env = {
        **os.environ,
        "OIDC_PORT": str(port),
        "OIDC_ISSUER": issuer,
        "OIDC_CLIENT": json.dumps(client),
        "OIDC_JWKS": json.dumps(_signing_keys()),
        "OIDC_PEOPLE": json.dumps(PEOPLE),
        "NODE_ENV": "test",
    }
    process = subprocess.Popen(
        [node, str(HERE / "provider.mjs")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # blocks until it listens, or it died
        if not line.startswith("listening"):
            raise RuntimeError(f"the test OpenID provider did not start (exit {process.poll()})")
        yield OpenIdProvider(issuer)
    finally:
        if process.stdout is not None:
            process.stdout.close()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
