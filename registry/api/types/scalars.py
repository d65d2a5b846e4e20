"""Scalars and enums shared by the schema."""

from __future__ import annotations

import strawberry

from registry.domain import models

Role = strawberry.enum(models.Role, description="What an API key may do.")
DataOrigin = strawberry.enum(models.DataOrigin, description="Where personal data leaves from.")
