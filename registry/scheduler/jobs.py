"""The jobs the scheduler runs, in order."""

from __future__ import annotations

from registry.scheduler.loop import Job

JOBS: tuple[Job, ...] = ()
