"""A member of staff as their identity provider names them (domain/staff.py signs them in)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Person:
    """Who acted, as their identity provider named them when they signed in."""

    subject: str  # the provider's stable id of the person (`sub`)
    name: str
    email: str | None = None

    @property
    def label(self) -> str:
        """How the console and audit views name the person: `Name <email>`."""
        return f"{self.name} <{self.email}>" if self.email else self.name
