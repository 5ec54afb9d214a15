"""ChangerMoveJob: mtx moves a medium (the Plan's argv), then, after a load, the job waits
until the drive says the medium is in and ready before it reports success.

After an unload the drive is not asked anything: the MMC lab's emulated drive still
described the medium that had gone when xorriso asked (see app/engine/sgio.py), so the
changer's word, not the drive's TOC, says the drive is empty."""

from __future__ import annotations

import time
from collections.abc import Iterator

from app.drives.changer import ChangerError, run_mtx, wait_for_medium
from app.engine.progress import Progress, ProgressTracker
from app.engine.xorriso_job import CANCELLED, OperationResult
from app.jobs.plan import Plan


class ChangerMoveJob:
    kind = "changer"
    detached = False

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.address = plan.drive
        self.result: OperationResult | None = None
        self._cancelled = False

    def cancel(self) -> None:
        """A robot mid-move is not stopped; the job ends cancelled once the move is over."""
        self._cancelled = True

    def stop_reading(self) -> None:
        """It runs in this process: quitting ends it."""

    def events(self) -> Iterator[Progress]:
        tracker = ProgressTracker(started=time.monotonic())
        yield tracker.enrich(Progress("preparing"), time.monotonic())
        params = self.plan.params
        try:
            run_mtx(list(self.plan.argv))
        except ChangerError as exc:
            self.result = self._result("failed", str(exc), 1)
        else:
            self.result = self._after_move(params, tracker)
        percent = 100.0 if self.result.outcome == "ok" else None
        yield tracker.enrich(Progress("done", percent=percent), time.monotonic())

    def _after_move(self, params: dict, tracker: ProgressTracker) -> OperationResult:
        slot, drive, dev = params["slot"], params["drive"], params.get("drive_dev")
        if params["action"] == "unload":
            return self._result("ok", f"drive {drive} unloaded into slot {slot}", 0)
        if self._cancelled:
            return self._result("cancelled", CANCELLED, 0)
        if dev:
            answer = wait_for_medium(dev)
            if answer != "ready":
                return self._result(
                    "failed", f"slot {slot} was loaded, but {dev} says: {answer}", 1
                )
        return self._result("ok", f"slot {slot} loaded into drive {drive}", 0)

    def _result(self, outcome: str, message: str, code: int) -> OperationResult:
        return OperationResult(
            kind="changer", outcome=outcome, message=message,  # type: ignore[arg-type]
            argv=list(self.plan.argv), returncode=code, worst="ALL",
        )  # fmt: skip
