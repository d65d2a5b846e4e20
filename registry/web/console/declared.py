"""Console forms and pages for declared fields (domain/fields.py): what a form shows
for a record, and what it posts, both by the fields' API names."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from registry.domain.fields import Field, Kind, Shown
from registry.web.console import forms
from registry.web.console.session import Page

INPUT_TYPES = {Kind.URL: "url", Kind.EMAIL: "email"}


def on_console(declared: Iterable[Field]) -> tuple[Field, ...]:
    return tuple(f for f in declared if Shown.CONSOLE in f.shown)


def values_of(declared: Iterable[Field], entity: object) -> dict[str, str]:
    """A record's fields as its edit form shows them."""
    return {f.api_name: f.for_people(getattr(entity, f.name)) for f in on_console(declared)}


def posted(page: Page, declared: Iterable[Field]) -> dict[str, object]:
    """What the form posted, by field name; a blank field is None (empty, or cleared)."""
    found: dict[str, object] = {}
    for f in on_console(declared):
        raw = page.field(f.api_name)
        if f.kind is Kind.LINES:
            found[f.name] = tuple(forms.items(raw)) or None
        else:
            found[f.name] = raw or None
    return found


def form_context(declared: Iterable[Field]) -> dict[str, Any]:
    """What the form templates need to draw the fields."""
    return {"declared": on_console(declared), "input_types": INPUT_TYPES}
