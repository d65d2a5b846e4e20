"""Domain enums registered with strawberry; annotate with the domain classes."""

from __future__ import annotations

import strawberry

from registry.domain import models

for _enum in (
    models.Role,
    models.DataOrigin,
    models.SubprocessorStatus,
    models.LocationRole,
    models.TransferMechanism,
    models.TransferStatus,
    models.ChangeKind,
    models.ChangeStatus,
    models.ObjectionStatus,
    models.ObjectionResolution,
    models.NoticeStatus,
    models.PeriodEnds,
):
    strawberry.enum(_enum)
