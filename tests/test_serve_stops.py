"""Ctrl-C on `registry serve` (and so on `make run`) stops it cleanly: one line, no
traceback, exit status 0 (make then reports no error of its own).

The test sends SIGINT to the server's whole process group, as a terminal does.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from registry import devdb
from registry.serving import STOPPING


def _started(port: int, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("the server did not start")


def _env(mongo_uri: str, db_name: str) -> dict[str, str]:
    return {
        **os.environ,
        "MONGODB_URI": mongo_uri,
        "REGISTRY_DB_NAME": db_name,
        "REGISTRY_SECRET_KEY": "test-secret-key",
    }


def _serve(mongo_uri: str, db_name: str, log_level: str) -> tuple[int, subprocess.Popen[str]]:
    port = devdb.free_port()
    env = _env(mongo_uri, db_name)
    argv = [sys.executable, "-m", "registry", "serve", "--port", str(port)]
    argv += ["--log-level", log_level]
    proc = subprocess.Popen(
        argv,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, signalled as a terminal would
    )
    return port, proc


def test_ctrl_c_stops_the_server_with_one_line(mongo_uri: str, db_name: str) -> None:
    port, proc = _serve(mongo_uri, db_name, "info")
    try:
        _started(port, proc)
        with httpx.Client(timeout=10) as client:
            assert client.get(f"http://127.0.0.1:{port}/health").status_code == 200
            os.killpg(proc.pid, signal.SIGINT)
            out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert "KeyboardInterrupt" not in err
    lines = err.splitlines()
    assert lines.count(STOPPING) == 1
    # Nothing follows the one line: uvicorn's lifecycle lines are quiet after Ctrl-C.
    assert lines[-1] == STOPPING, lines[lines.index(STOPPING) :]
    assert "GraphQL API at" in out


def test_ctrl_c_at_warning_level_prints_only_that_line(mongo_uri: str, db_name: str) -> None:
    port, proc = _serve(mongo_uri, db_name, "warning")
    try:
        _started(port, proc)
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
    assert err.splitlines() == [STOPPING]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_ctrl_c_under_make_adds_no_error_of_makes(
    mongo_uri: str, db_name: str, tmp_path: Path
) -> None:
    """`make run`'s last step is `registry serve`: make reports an error (`make: *** [run]
    Error 130`, or `Interrupt`) only when the command fails, so the one line stays alone."""
    port = devdb.free_port()
    makefile = tmp_path / "Makefile"
    makefile.write_text(
        f"run:\n\t{sys.executable} -m registry serve --port {port} --log-level warning\n"
    )
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "-f", str(makefile), "run"],
        env=_env(mongo_uri, db_name),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        _started(port, proc)
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert err.splitlines() == [STOPPING]
