"""UdfFormatJob: mkudffs run as a child (its argv from the Plan), then the result read back.

mkudffs prints no progress worth parsing and takes seconds, so the job shows "formatting"
until it ends; the UDF facts are read back from the medium itself, not taken on trust.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator

from app.engine.progress import Progress, ProgressTracker
from app.engine.xorriso_job import CANCELLED, OperationResult
from app.iso.udf import UdfError, read_udf
from app.jobs.plan import Plan
from app.media.udf_format import next_step

MISSING = "mkudffs is not installed: sudo apt-get install udftools"


class UdfFormatJob:
    kind = "udf"
    detached = False

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.address = plan.drive
        self.result: OperationResult | None = None
        self._child: subprocess.Popen[bytes] | None = None
        self._cancelled = False

    def cancel(self) -> None:
        self._cancelled = True
        if self._child is not None and self._child.poll() is None:
            self._child.terminate()

    def stop_reading(self) -> None:
        """It runs in this process: quitting ends it (the app cancels it first)."""

    def events(self) -> Iterator[Progress]:
        tracker = ProgressTracker(started=time.monotonic())
        yield tracker.enrich(Progress("formatting"), time.monotonic())
        self.result = self._run()
        percent = 100.0 if self.result.outcome == "ok" else None
        yield tracker.enrich(Progress("done", percent=percent), time.monotonic())

    def _run(self) -> OperationResult:
        argv = list(self.plan.argv)
        try:
            self._child = subprocess.Popen(
                argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL
            )
        except FileNotFoundError:
            return self._result("failed", MISSING, 127)
        _out, err = self._child.communicate()
        code = self._child.returncode
        if self._cancelled:
            return self._result("cancelled", CANCELLED, code)
        if code != 0:
            lines = err.decode("utf-8", "replace").strip().splitlines()
            reason = lines[-1] if lines else f"exit status {code}"
            return self._result("failed", f"mkudffs failed: {reason}", code)
        return self._check(code)

    def _check(self, code: int) -> OperationResult:
        """The medium read back: its UDF label must be the one asked for."""
        path = self.plan.address.path
        try:
            facts = read_udf(path)
        except (UdfError, OSError) as exc:
            return self._result(
                "failed", f"formatted, but the UDF cannot be read back: {exc}", code
            )
        if facts is None or facts.label != self.plan.params["label"]:
            return self._result(
                "failed", "formatted, but no UDF volume reads back: format again", code
            )
        step = next_step(path, self.plan.params["media_type"])
        return self._result("ok", f"formatted for UDF: {facts.words()}; {step}", code)

    def _result(self, outcome: str, message: str, code: int) -> OperationResult:
        return OperationResult(
            kind="format", outcome=outcome, message=message,  # type: ignore[arg-type]
            argv=list(self.plan.argv), returncode=code, worst="ALL",
        )  # fmt: skip
