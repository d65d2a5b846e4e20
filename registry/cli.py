"""The `registry` command: serve | worker | devdb | seed | export-schema | keys | migrate |
legal-impact."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import logging
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from registry import devdb, logs
from registry.clock import SystemClock
from registry.domain.errors import RegistryError
from registry.domain.models import Role, TransferMechanism
from registry.services import versions
from registry.services.deps import Deps
from registry.settings import Settings
from registry.store import ensure_indexes
from registry.store.database import connect, describe_uri

DEFAULT_SCHEMA_PATH = Path("schema/schema.graphql")


class CommandError(Exception):
    """A one-line error for the terminal; exit status 1."""


@contextlib.asynccontextmanager
async def open_deps(settings: Settings, *, prepare: bool = True) -> AsyncIterator[Deps]:
    """Connect (starting the embedded database when no URI is set) and, unless told not
    to, bring the storage layout up to date and ensure indexes."""
    with contextlib.ExitStack() as stack:
        uri = settings.mongodb_uri or stack.enter_context(devdb.embedded(settings))
        client = connect(uri, timeout_s=settings.connect_timeout_s)
        try:
            db = client[settings.db_name]
            try:
                await db.command("ping")
            except Exception as exc:
                raise CommandError(
                    f"cannot reach MongoDB at {describe_uri(uri)} ({type(exc).__name__})"
                ) from None
            if prepare:
                await ensure_indexes(db)
            deps = Deps(db=db, clock=SystemClock(), settings=settings)
            yield deps
            # What the command wrote retires the answers serving processes cached.
            await versions.retire_written(deps)
        finally:
            await client.close()


def _check_database(settings: Settings) -> None:
    if settings.mongodb_uri is None:
        return

    async def ping(uri: str) -> None:
        client = connect(uri, timeout_s=min(settings.connect_timeout_s, 12))
        try:
            await client.admin.command("ping")
        finally:
            await client.close()

    try:
        asyncio.run(ping(settings.mongodb_uri))
    except Exception as exc:
        raise CommandError(
            f"cannot reach MongoDB at {describe_uri(settings.mongodb_uri)} ({type(exc).__name__})"
        ) from None


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from registry import serving
    from registry.app import create_app
    from registry.services.configuration import check_settings

    check_settings(settings)  # before the database is even pinged
    wildcard = args.host in ("0.0.0.0", "::")  # noqa: S104 - only compared, never bound
    if devdb.port_in_use("127.0.0.1" if wildcard else args.host, args.port):
        raise CommandError(f"port {args.port} on {args.host} is already in use")
    _check_database(settings)
    app = create_app(settings)
    log_config = logs.configure(args.log_level)
    # uvicorn formats every access line before the logger drops it: only when it is kept.
    access_log = logging.getLogger().isEnabledFor(logging.INFO)  # as `configure` set it
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        log_config=log_config,
        access_log=access_log,
        # uvicorn believes X-Forwarded-For from 127.0.0.1 by default: a local proxy's
        # callers could then pick their address (and sidestep per-client limits).
        proxy_headers=bool(settings.trusted_proxy_list),
        forwarded_allow_ips=settings.trusted_proxy_list or [],
    )
    base = f"http://{args.host}:{args.port}"
    print(
        f"registry: GraphQL API at {base}/graphql (GraphiQL in a browser), "
        f"public subprocessor page at {base}/subprocessors, metrics at {base}/metrics, "
        f"health at {base}/health",
        flush=True,
    )
    return 0 if serving.run(config) else 1


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    from registry.delivery.sender import build_client
    from registry.scheduler.jobs import JOBS
    from registry.scheduler.loop import Scheduler
    from registry.services.configuration import check_settings

    check_settings(settings)  # the same refusals as `serve`, before any work is claimed

    async def run() -> None:
        # One delivery client for the process, as in `serve`: its connections are kept
        # alive from one batch to the next.
        async with open_deps(settings) as opened, build_client() as webhook_client:
            deps = dataclasses.replace(opened, webhook_client=webhook_client)
            scheduler = Scheduler(deps, JOBS)
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, scheduler.stop)
            print(f"registry worker {scheduler.worker_id} running", flush=True)
            await scheduler.run_forever()

    asyncio.run(run())
    return 0


def cmd_devdb(args: argparse.Namespace, settings: Settings) -> int:
    port = args.port or settings.devdb_port
    if devdb.port_in_use("127.0.0.1", port):
        raise CommandError(f"port {port} is already in use")
    data_dir = Path(args.data_dir or Path(settings.data_dir) / "devdb")
    data_dir.mkdir(parents=True, exist_ok=True)
    argv = devdb.command(port, data_dir, host=args.host)
    with contextlib.suppress(KeyboardInterrupt):
        return subprocess.call(argv)  # noqa: S603 - our own binary, fixed argv
    return 0


def cmd_export_schema(args: argparse.Namespace, settings: Settings) -> int:
    from registry.api.sdl import export_sdl

    path = Path(args.path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(export_sdl())
    print(f"wrote {path}")
    from registry.delivery.event_schemas import write

    for written in write(path.parent / "events"):
        print(f"wrote {written}")
    return 0


def cmd_keys_create(args: argparse.Namespace, settings: Settings) -> int:
    from registry.services.access import create_api_key

    async def run() -> str:
        async with open_deps(settings) as deps:
            api_key, key = await create_api_key(
                deps, name=args.name, role=Role(args.role), customer_id=args.customer
            )
            print(f"created {api_key.role.value} key {api_key.id} ({api_key.name}); shown once:")
            return key

    print(asyncio.run(run()))
    return 0


def cmd_seed(args: argparse.Namespace, settings: Settings) -> int:
    from registry.services.seeding import load_seed_files

    async def run() -> None:
        async with open_deps(settings) as deps:
            await load_seed_files(deps, [Path(p) for p in args.paths], progress=sys.stdout.isatty())

    asyncio.run(run())
    return 0


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    """What every process does at start-up, on its own and saying what it did."""
    from registry.store import migration

    async def run() -> str:
        async with open_deps(settings, prepare=False) as deps:
            report = await migration.migrate(deps.db)
            await ensure_indexes(deps.db)
            return report.summary()

    print(asyncio.run(run()))
    return 0


def cmd_legal_impact(args: argparse.Namespace, settings: Settings) -> int:
    """Which transfers change if mechanisms fall from a date (or, without --withdraw, the
    last report of a new release of the legal facts)."""
    from datetime import date

    from registry.domain.legal_watch import Withdrawal
    from registry.services import legal_watch
    from registry.services.caller import Caller

    caller = Caller(role=Role.ADMIN, key_id="cli:legal-impact")
    if args.withdraw and args.from_day is None:
        raise CommandError("--withdraw needs --from DATE (the first day it no longer applies)")
    try:
        from_day = date.fromisoformat(args.from_day) if args.from_day else None
    except ValueError:
        raise CommandError(f"--from {args.from_day!r} is not a date such as 2027-01-01") from None

    async def run() -> str:
        async with open_deps(settings) as deps:
            if not args.withdraw:
                reports = [
                    r for r in await legal_watch.recent_reports(deps, caller) if r.kind == "RELEASE"
                ]
                if not reports:
                    return "No new release of the legal facts has changed a verdict yet."
                return legal_watch.report_text(reports[0])
            if from_day is None:  # parsed with --withdraw above, which requires --from
                raise CommandError("--withdraw needs --from DATE")
            withdrawals = [
                Withdrawal(TransferMechanism(m), from_day, args.country) for m in args.withdraw
            ]
            report = await legal_watch.what_if(
                deps, caller, withdrawals, days=args.days, record=args.record
            )
            return legal_watch.report_text(report)

    print(asyncio.run(run()))
    return 0


def cmd_dora_register(args: argparse.Namespace, settings: Settings) -> int:
    """A customer's DORA register templates that concern us, as the zip staff hand over."""
    from registry.services import dora_register
    from registry.services.caller import Caller

    caller = Caller(role=Role.ADMIN, key_id="cli:dora-register")

    async def run() -> bytes:
        async with open_deps(settings) as deps:
            return dora_register.package(await dora_register.extract(deps, caller, args.customer))

    path = Path(args.out)
    path.write_bytes(asyncio.run(run()))
    print(f"wrote {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="registry", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the API and the in-process scheduler")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--log-level", default="info")
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser("worker", help="run the scheduler and delivery loop only")
    worker.set_defaults(func=cmd_worker)

    db = sub.add_parser("devdb", help="run the embedded database in the foreground")
    db.add_argument("--host", default="127.0.0.1")
    db.add_argument("--port", type=int, default=None)
    db.add_argument("--data-dir", default=None)
    db.set_defaults(func=cmd_devdb)

    seed = sub.add_parser("seed", help="load seed files idempotently")
    seed.add_argument("paths", nargs="+")
    seed.set_defaults(func=cmd_seed)

    export = sub.add_parser("export-schema", help="write the GraphQL SDL")
    export.add_argument("path", nargs="?", default=str(DEFAULT_SCHEMA_PATH))
    export.set_defaults(func=cmd_export_schema)

    migrate = sub.add_parser(
        "migrate", help="move the database to the current storage layout (also done at start-up)"
    )
    migrate.set_defaults(func=cmd_migrate)

    impact = sub.add_parser(
        "legal-impact",
        help="which transfers change if a mechanism falls from a date (without --withdraw: "
        "the last new release's report)",
    )
    impact.add_argument(
        "--withdraw",
        action="append",
        default=[],
        metavar="MECHANISM",
        choices=[m.value for m in TransferMechanism],
        help="a mechanism that falls, e.g. EU_US_DPF or ADEQUACY (repeatable)",
    )
    impact.add_argument("--from", dest="from_day", metavar="DATE", help="its first day gone")
    impact.add_argument("--country", default=None, help="with ADEQUACY: only this country's")
    impact.add_argument("--days", type=int, default=90, help="window after today (default 90)")
    impact.add_argument(
        "--record", action="store_true", help="keep the report and tell staff, as the console does"
    )
    impact.set_defaults(func=cmd_legal_impact)

    register = sub.add_parser(
        "dora-register",
        help="write a customer's DORA register templates (B_05.01, B_05.02, "
        "B_02.02 locations) as a zip",
    )
    register.add_argument("--customer", required=True, help="the customer's id (cus_…)")
    register.add_argument("--out", default="dora-register.zip", help="the zip to write")
    register.set_defaults(func=cmd_dora_register)

    keys = sub.add_parser("keys", help="manage API keys")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    create = keys_sub.add_parser("create", help="create a key and print it (last line)")
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument("--customer", default=None)
    create.add_argument("--name", required=True)
    create.set_defaults(func=cmd_keys_create)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logs.configure(os.environ.get("REGISTRY_LOG_LEVEL", "INFO"))
    from registry.services.configuration import load_settings

    try:
        settings = load_settings()
        return int(args.func(args, settings))
    except (CommandError, devdb.DevDbError) as exc:
        print(f"registry: error: {exc}", file=sys.stderr)
        return 1
    except RegistryError as exc:
        print(f"registry: error: {exc.message}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"registry: error: {exc}", file=sys.stderr)
        return 1
