"""Job: a Plan running. Every operation — a xorriso child, a surface scan, an extraction —
offers the same face, so one screen, one CLI loop and one finish step serve them all."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from app.engine.progress import Progress
from app.engine.xorriso_job import OperationResult

JobResult = OperationResult
"""The typed end of every job (a surface scan's carries its map)."""


class Job(Protocol):
    kind: str
    address: str | None
    detached: bool
    """Runs under the detach wrapper: it goes on when this process ends."""
    result: JobResult | None
    """None until events() is exhausted."""

    def events(self) -> Iterator[Progress]:
        """Typed progress as it happens; iterate once, in a worker thread."""
        ...

    def cancel(self) -> None:
        """Ask the job to stop (any thread); events() then ends with a cancelled result."""
        ...

    def stop_reading(self) -> None:
        """This process is quitting: stop following; a detached job goes on."""
        ...
