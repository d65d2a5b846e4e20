"""How a domain dataclass is stored: one declared mapping per entity.

A `Codec` reads the dataclass's fields and type hints once and derives each field's
stored form: str, int, float, bool and datetime as they are; a calendar date as an ISO
string (`store/dates.py`); an enum by its value; a tuple as a list; a nested dataclass
as a subdocument; `X | None` as X or null. The few places where the stored form
differs are declared beside the entity's collection:

    CODEC = Codec(  # store/subprocessors.py
        Subprocessor,
        derived={"sort_name": lambda s: s.legal_name.casefold()},   # stored, never read
        fields={"scope": Spread(scope_fields, scope_from_document)},  # several keys
    )

The field named by `id_field` is stored as `_id`; `renamed` stores others under another
key. A key missing from a document (one written before the field existed) reads as the
dataclass's default; keys the codec does not know (job state, indexes' helpers) are
ignored when reading.
"""

from __future__ import annotations

import dataclasses
import enum
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar, Union, get_args, get_origin, get_type_hints

from registry.store import dates
from registry.store.database import Document

T = TypeVar("T")
Convert = Callable[[Any], Any]

_AS_THEY_ARE = (str, int, float, bool, datetime)


@dataclass(frozen=True, slots=True)
class Spread(Generic[T]):
    """A field stored as several top-level keys of the document, read back from it."""

    dump: Callable[[T], Document]
    load: Callable[[Document], T]


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    key: str
    dump: Convert
    load: Convert
    default: Callable[[], Any] | None  # None: the document must hold the key


class Codec(Generic[T]):
    """`to_document(entity)` and `from_document(doc)` for one dataclass."""

    def __init__(
        self,
        cls: type[T],
        *,
        id_field: str | None = "id",
        renamed: Mapping[str, str] | None = None,
        fields: Mapping[str, Spread[Any]] | None = None,
        derived: Mapping[str, Callable[[T], Any]] | None = None,
    ) -> None:
        hints = get_type_hints(cls)
        keys = {**(renamed or {}), **({id_field: "_id"} if id_field else {})}
        spreads = dict(fields or {})
        self.cls = cls
        self._derived = dict(derived or {})
        self._fields: list[_Field] = []
        self._spreads: dict[str, Spread[Any]] = {}
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            if f.name in spreads:
                self._spreads[f.name] = spreads.pop(f.name)
                continue
            dump, load = converters(hints[f.name])
            self._fields.append(
                _Field(f.name, keys.pop(f.name, f.name), dump, load, _default_of(f))
            )
        unknown = set(keys) | set(spreads)
        if unknown:
            raise TypeError(f"{cls.__name__} has no field {sorted(unknown)}")

    def to_document(self, entity: T) -> Document:
        doc: Document = {}
        for f in self._fields:
            doc[f.key] = f.dump(getattr(entity, f.name))
        for name, make in self._derived.items():
            doc[name] = make(entity)
        for name, spread in self._spreads.items():
            doc.update(spread.dump(getattr(entity, name)))
        return doc

    def from_document(self, doc: Document) -> T:
        values: dict[str, Any] = {}
        for f in self._fields:
            if f.key in doc:
                values[f.name] = f.load(doc[f.key])
            elif f.default is not None:
                values[f.name] = f.default()
            else:
                raise KeyError(f"{self.cls.__name__}: stored document has no {f.key!r}")
        for name, spread in self._spreads.items():
            values[name] = spread.load(doc)
        return self.cls(**values)


def _default_of(f: dataclasses.Field[Any]) -> Callable[[], Any] | None:
    if f.default is not dataclasses.MISSING:
        value = f.default
        return lambda: value
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory
    return None


def _same(value: Any) -> Any:
    return value


def converters(hint: Any) -> tuple[Convert, Convert]:
    """(dump, load) for a type hint; a hint with no stored form is a TypeError at import."""
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        inner = [a for a in get_args(hint) if a is not type(None)]
        if len(inner) != 1:
            raise TypeError(f"no stored form for {hint!r}: declare one")
        dump, load = converters(inner[0])
        return (
            lambda v: None if v is None else dump(v),
            lambda v: None if v is None else load(v),
        )
    if origin is tuple:
        item, *rest = get_args(hint)
        if rest != [Ellipsis]:
            raise TypeError(f"no stored form for {hint!r}: only tuple[X, ...]")
        dump_item, load_item = converters(item)
        return (
            lambda v: [dump_item(x) for x in v],
            lambda v: tuple(load_item(x) for x in v),
        )
    if isinstance(hint, type):
        if issubclass(hint, enum.Enum):
            return (lambda v: v.value), hint
        if dataclasses.is_dataclass(hint):
            nested = Codec(hint, id_field=None)
            return nested.to_document, nested.from_document
        if hint is date:  # not a datetime: BSON has no date-only type
            return dates.dump, dates.load
        if hint in _AS_THEY_ARE:
            return _same, _same
    raise TypeError(f"no stored form for {hint!r}: declare one")
