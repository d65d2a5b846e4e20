"""GraphQL fields and input fields made from declared fields (domain/fields.py).

Applied to a class before strawberry's decorator, so the schema shows each declared
field with its own name, type and description, in declaration order: an output type
reads it from the domain entity it holds (`entity`), asking the access policy for
fields of a narrower audience; an input carries it for the service's rules to check.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import strawberry

from registry.api.context import Info
from registry.domain.fields import Audience, Field, Kind, Shown
from registry.services import policy

T = TypeVar("T")


def _value_type(f: Field, *, nullable: bool) -> Any:
    base: Any = list[str] if f.kind is Kind.LINES else str
    return base | None if nullable else base


def _resolver(f: Field) -> Callable[..., Any]:
    def resolve(root: Any, info: Info) -> Any:
        if not policy.may_read_field(info.context.caller, f.audience):
            return None
        value = getattr(root.entity, f.name)
        return list(value) if f.kind is Kind.LINES else value

    hidden = f.audience is not Audience.EVERYONE
    resolve.__annotations__ = {
        "root": Any,
        "info": Info,
        "return": _value_type(f, nullable=hidden or (not f.required and f.kind is not Kind.LINES)),
    }
    resolve.__name__ = f.name
    return resolve


def outputs(declared: Iterable[Field]) -> Callable[[type[T]], type[T]]:
    """Add the declared fields shown in the API to an output type holding `entity`."""

    def add(cls: type[T]) -> type[T]:
        for f in declared:
            if Shown.API in f.shown:
                note = " Null for callers other than staff." if f.audience is Audience.STAFF else ""
                setattr(
                    cls,
                    f.name,
                    strawberry.field(resolver=_resolver(f), description=f.description + note),
                )
        return cls

    return add


def inputs(declared: Iterable[Field], *, editing: bool) -> Callable[[type[T]], type[T]]:
    """Add the declared fields to an input: required ones non-null when creating; when
    editing every one optional, left out to keep it, null to clear it."""

    def add(cls: type[T]) -> type[T]:
        annotations = inspect.get_annotations(cls)
        added: dict[str, Any] = {}
        for f in declared:
            if Shown.API not in f.shown:
                continue
            if editing:
                clear = "" if f.required else " Null clears it."
                added[f.name] = _value_type(f, nullable=True)
                setattr(
                    cls,
                    f.name,
                    strawberry.field(
                        default=strawberry.UNSET,
                        description=f"{f.description} Omitted, it is kept.{clear}",
                    ),
                )
            elif f.required:
                added[f.name] = _value_type(f, nullable=False)
                setattr(cls, f.name, strawberry.field(description=f.description))
            else:
                added[f.name] = _value_type(f, nullable=True)
                setattr(cls, f.name, strawberry.field(default=None, description=f.description))
        # Declared fields first, in declaration order; the class's own ones after.
        cls.__annotations__ = {**added, **annotations}
        return cls

    return add


def values(given: object, declared: Iterable[Field]) -> Mapping[str, object]:
    """The declared fields an input carries, by name; left out (UNSET) ones are absent."""
    found: dict[str, object] = {}
    for f in declared:
        value = getattr(given, f.name, strawberry.UNSET)
        if value is strawberry.UNSET:
            continue
        found[f.name] = tuple(value) if isinstance(value, list) else value
    return found
