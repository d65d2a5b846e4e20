"""The one JSON rendering of event bodies and of the parts stored apart from them.

Compact and deterministic (orjson: keys in insertion order, datetimes in UTC with
`Z`), and compositional: a value rendered alone is, byte for byte, what it is inside
a larger rendering. So a part stored as text (a change's shared payload) can be
spliced into a body and the receiver gets the bytes the whole event renders to.
"""

from __future__ import annotations

import orjson

_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC


def render(value: object) -> str:
    """`value` as JSON text; anything orjson cannot render is written as its `str`."""
    return orjson.dumps(value, option=_OPTIONS, default=str).decode()
