"""ChainedJob: one job made of other jobs run in a row (a copy: read, write, verify; an
error-corrected disc: build, augment, write, compare).

Each step is the Job the app runs alone, so gauges, journals and verdicts read the same;
the chain keeps every step's result, forwards a cancel to the step that runs, and ends
with the first step that did not succeed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from app.engine.progress import Progress
from app.engine.xorriso_job import CANCELLED, OperationResult
from app.jobs.job import Job
from app.jobs.plan import Plan


class ChainedJob:
    kind = "chain"
    detached = False

    def __init__(self, start: Callable[..., Job], journal_dir: Path | None = None) -> None:
        self.start = start
        """app.jobs.start.start_job, handed in (it starts this job too: no import cycle)."""
        self.journal_dir = journal_dir
        self.result: OperationResult | None = None
        self.results: list[OperationResult] = []
        """Every step's own result, in order."""
        self._cancel = threading.Event()
        self._current: Job | None = None

    def cancel(self) -> None:
        self._cancel.set()
        if self._current is not None:
            self._current.cancel()

    def stop_reading(self) -> None:
        """It runs in this process: quitting ends it (the app cancels it first)."""

    def _run(self, plan: Plan) -> Iterator[Progress]:
        """Start `plan`'s job and follow it; False (the generator's value) to stop."""
        if self._cancel.is_set():
            self._end("cancelled", CANCELLED)
            return False
        job = self.start(plan, journal_dir=self.journal_dir)
        return (yield from self._follow(job, plan.kind))

    def _follow(self, job: Job, step: str) -> Iterator[Progress]:
        """One step; False (the generator's value) when the chain cannot go on."""
        if self._cancel.is_set():
            self._end("cancelled", CANCELLED)
            return False
        self._current = job
        # Each step's own "done" is not the chain's: the screen would show 100 % between steps.
        yield from (p for p in job.events() if p.phase != "done")
        self._current = None
        result = job.result
        if result is not None:
            self.results.append(result)
        if result is None or result.outcome != "ok":
            word = result.outcome if result else "failed"
            self._end(word, f"{step}: {result.message if result else 'no result'}")
            return False
        return True

    def _end(self, outcome: str, message: str) -> None:
        """The chain's result: the first end said is the one kept."""
        if self.result is None:
            self.result = OperationResult(
                kind=self.kind, outcome=outcome, message=message, argv=[], returncode=0,  # type: ignore[arg-type]
                worst="ALL",
            )  # fmt: skip
