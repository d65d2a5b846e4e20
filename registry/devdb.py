"""Build and run the embedded development database (FerretDB v1 on SQLite).

The Go launcher in `devdb/` embeds FerretDB's `ferretdb` package; it is built on
first use with the machine's Go toolchain and cached under a name derived from
the launcher's sources, so editing `devdb/` triggers a rebuild. The build vendors
FerretDB from the Go module proxy and applies the edits in `devdb/patches/`
(why: `edits.toml`), each of which must match exactly once or the build stops.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from registry.settings import Settings

SOURCE_DIR = Path(__file__).resolve().parent.parent / "devdb"
_LAUNCHER = ("go.mod", "go.sum", "main.go")
_FERRETDB = "github.com/FerretDB/FerretDB"


class DevDbError(RuntimeError):
    """The embedded database could not be built or started."""


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "subprocessor-registry"


def _source_digest() -> str:
    """Names the binary after everything it is built from: the launcher and every patch."""
    digest = hashlib.sha256()
    patches = sorted(p.relative_to(SOURCE_DIR) for p in (SOURCE_DIR / "patches").iterdir())
    for name in [*map(Path, _LAUNCHER), *patches]:
        digest.update(str(name).encode())
        digest.update((SOURCE_DIR / name).read_bytes())
    return digest.hexdigest()[:16]


def binary_path() -> Path:
    return cache_dir() / f"devdb-{_source_digest()}"


def ensure_built(*, log: bool = True) -> Path:
    """Return the launcher binary, building it once (under a file lock) when missing."""
    if not (SOURCE_DIR / "main.go").exists():
        raise DevDbError(f"devdb sources not found next to the package ({SOURCE_DIR.name}/)")
    target = binary_path()
    if target.exists():
        return target
    go = shutil.which("go")
    if go is None:
        raise DevDbError("the Go toolchain (`go`) is needed to build the embedded database")
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if target.exists():
            return target
        if log:
            print("building the embedded database (first run only)…", flush=True)
        partial = target.with_suffix(".partial")
        _build(go, partial)
        partial.replace(target)
    return target


def _build(go: str, output: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="devdb-build-", dir=output.parent) as tmp:
        work = Path(tmp)
        for name in _LAUNCHER:
            shutil.copyfile(SOURCE_DIR / name, work / name)
        _go(go, ["mod", "vendor"], work)
        apply_patches(work / "vendor" / _FERRETDB)
        _go(go, ["build", "-mod=vendor", "-trimpath", "-o", str(output), "."], work)


def _go(go: str, args: list[str], cwd: Path) -> None:
    result = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [go, *args], cwd=cwd, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise DevDbError(
            f"go {args[0]} failed (exit {result.returncode}):\n{result.stderr.strip()}"
        )


def apply_patches(module: Path) -> None:
    """Apply `devdb/patches/edits.toml` to a copy of FerretDB's module source."""
    patches = SOURCE_DIR / "patches"
    plan = tomllib.loads((patches / "edits.toml").read_text())
    for edit in plan["edit"]:
        path = module / edit["file"]
        text = path.read_text()
        if text.count(edit["old"]) != 1:
            raise DevDbError(f"devdb patch for {edit['file']} no longer matches FerretDB's source")
        path.write_text(text.replace(edit["old"], edit["new"]))
    for added in plan["add"]:
        shutil.copyfile(patches / added["source"], module / added["file"])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def port_in_use(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def command(
    port: int, data_dir: Path, host: str = "127.0.0.1", log_level: str = "warn"
) -> list[str]:
    return [
        str(ensure_built()),
        "--host",
        host,
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
        "--log-level",
        log_level,
    ]


def _wait_until_listening(proc: subprocess.Popen[bytes], port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise DevDbError(f"embedded database exited with code {proc.returncode}")
        if port_in_use("127.0.0.1", port):
            return
        time.sleep(0.05)
    raise DevDbError(f"embedded database did not listen on port {port} within {timeout:.0f}s")


def stop(proc: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def running(
    data_dir: Path, port: int | None = None, *, timeout: float = 30.0, log_level: str = "warn"
) -> Iterator[str]:
    """Run the embedded database in the background; yields its connection string.

    It logs to `devdb.log` in `data_dir`; `log_level="debug"` shows every SQL statement.
    """
    chosen = port or free_port()
    if port_in_use("127.0.0.1", chosen):
        raise DevDbError(f"port {chosen} is already in use")
    data_dir.mkdir(parents=True, exist_ok=True)
    log = open(data_dir / "devdb.log", "ab")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
        command(chosen, data_dir, log_level=log_level), stdout=log, stderr=subprocess.STDOUT
    )
    try:
        _wait_until_listening(proc, chosen, timeout)
        yield f"mongodb://127.0.0.1:{chosen}/"
    finally:
        stop(proc)
        log.close()


@contextlib.contextmanager
def embedded(settings: Settings) -> Iterator[str]:
    """The embedded database of this checkout: reuse a running one, else start it."""
    port = settings.devdb_port
    if port_in_use("127.0.0.1", port):
        yield f"mongodb://127.0.0.1:{port}/"
        return
    with running(Path(settings.data_dir) / "devdb", port) as uri:
        yield uri
