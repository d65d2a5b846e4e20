"""Breaking changes of the event schemas against the last release's.

A receiver validates with the schema it was built against; a body we send today must
still pass it. So a change breaks receivers when it removes a key, changes a type or a
format, makes an always-sent key optional, adds an enum value, or closes an object;
adding an optional key to an open object does not. A change made on purpose is listed
with its reason in `schema/events/breaking-changes.toml`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

Schema = dict[str, Any]
_SAME = ("type", "format", "pattern", "const")


def breaking_changes(released: Schema, current: Schema, at: str = "$") -> Iterator[str]:
    for key in _SAME:
        if released.get(key) != current.get(key):
            yield f"{at}: {key} changed from {released.get(key)!r} to {current.get(key)!r}"
    if "enum" in released:
        added = [v for v in current.get("enum", []) if v not in released["enum"]]
        if added:
            yield f"{at}: enum values added {added!r}"
    if released.get("additionalProperties", True) and not current.get("additionalProperties", True):
        yield f"{at}: object closed to keys it does not name"
    old_props, new_props = released.get("properties", {}), current.get("properties", {})
    for name, old in old_props.items():
        if name not in new_props:
            yield f"{at}.{name}: removed"
        else:
            yield from breaking_changes(old, new_props[name], f"{at}.{name}")
    for name in set(released.get("required", [])) - set(current.get("required", [])):
        yield f"{at}.{name}: no longer always sent"
    if "items" in released:
        yield from breaking_changes(released["items"], current.get("items", {}), f"{at}[]")
    old_options, new_options = released.get("oneOf", []), current.get("oneOf", [])
    if len(old_options) != len(new_options):
        yield f"{at}: oneOf has {len(new_options)} options, was {len(old_options)}"
    for n, (old, new) in enumerate(zip(old_options, new_options, strict=False)):
        yield from breaking_changes(old, new, f"{at}.oneOf[{n}]")


def allowed_changes(path: Path) -> dict[str, str]:
    """The allow-list: `<file>: <change>` -> reason; every entry must give a reason."""
    entries = tomllib.loads(path.read_text()).get("allowed", []) if path.exists() else []
    allowed: dict[str, str] = {}
    for entry in entries:
        assert entry.get("reason", "").strip(), f"no reason given for {entry['change']!r}"
        allowed[entry["change"]] = entry["reason"]
    return allowed
