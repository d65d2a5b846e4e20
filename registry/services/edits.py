"""Edits that lost a race: the store's refusal, told in the API's words."""

from __future__ import annotations

from registry.domain.errors import EditConflict
from registry.store.database import Conflict

# Stored beside the fields, derived from them: a change to one is a change to those.
_DERIVED = frozenset({"sort_name", "terms_key", "group"})


def _api_name(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part.title() for part in rest)


def conflict(record_id: str, refused: Conflict) -> EditConflict:
    """The edit of `record_id` refused, naming the fields someone else changed."""
    named = [_api_name(k) for k in refused.keys if k not in _DERIVED]
    return EditConflict(record_id, named or [_api_name(k) for k in refused.keys])
