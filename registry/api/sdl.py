"""The exported SDL: a build output reviewed in diffs and checked in CI."""

from __future__ import annotations

from strawberry.printer import print_schema

from registry.api.schema import build_schema


def export_sdl() -> str:
    return print_schema(build_schema()) + "\n"
