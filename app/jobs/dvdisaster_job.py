"""DvdisasterJob: one dvdisaster run (RS03 added to an image, or an image repaired) as a Job,
so the job screen, the CLI and a set's burn show its progress as they show a burn's."""

from __future__ import annotations

import time
from collections.abc import Iterator

from app.engine.dvdisaster import DvdisasterRun
from app.engine.progress import Phase, Progress, ProgressTracker
from app.engine.xorriso_job import CANCELLED, OperationResult

STAGE_WEIGHT = {"Preparing image": (0.0, 0.1), "Ecc generation": (0.1, 0.9), "Ecc progress": (0.0, 1.0)}
"""Where each of dvdisaster's own percentages lies in the whole run (its first pass only
zero-fills and checksums; the encoding is the long one)."""
UPDATES_PER_SECOND = 4


class DvdisasterJob:
    detached = False

    def __init__(self, kind: str, phase: Phase, run: DvdisasterRun, address: str | None = None):
        self.kind = kind
        self.phase: Phase = phase
        self.run = run
        self.address = address
        self.result: OperationResult | None = None

    def cancel(self) -> None:
        self.run.cancel()

    def stop_reading(self) -> None:
        """It runs as this process's child: quitting ends it (the app cancels it first)."""

    def events(self) -> Iterator[Progress]:
        tracker = ProgressTracker(started=time.monotonic())
        yield tracker.enrich(Progress(self.phase, percent=0.0), time.monotonic())
        last = 0.0
        for stage, percent in self.run.progress():
            start, share = STAGE_WEIGHT.get(stage, (0.0, 1.0))
            now = time.monotonic()
            if now - last < 1 / UPDATES_PER_SECOND:
                continue
            last = now
            whole = 100.0 * start + share * percent
            yield tracker.enrich(Progress(self.phase, percent=whole, line=f"{stage}: {percent:g}%"), now)
        self.result = self._judge()
        done = 100.0 if self.result.outcome == "ok" else None
        yield tracker.enrich(Progress("done", percent=done), time.monotonic())

    def _judge(self) -> OperationResult:
        said = self.run.transcript
        if self.run.cancelled:
            outcome, message = "cancelled", CANCELLED
        elif self.kind == "augment":
            ok = self.run.returncode == 0 and said.sectors is not None
            outcome = "ok" if ok else "failed"
            message = (
                f"RS03 added: {said.roots} roots ({said.redundancy:g} % redundancy), "
                f"{said.sectors:,} sectors in all"
                if ok else f"dvdisaster could not add error correction: {said.last_words}"
            )  # fmt: skip
        else:
            outcome, message = repair_verdict(said.repaired, said.unrepaired, said)
        return OperationResult(
            kind=self.kind, outcome=outcome, message=message, argv=list(self.run.argv),  # type: ignore[arg-type]
            returncode=self.run.returncode or 0, worst="ALL",
        )  # fmt: skip


def repair_verdict(repaired: int | None, unrepaired: int | None, said) -> tuple[str, str]:
    """dvdisaster's fix in words: how many sectors it repaired, how many remain."""
    good = any(line.startswith("Good! All sectors are repaired") for line in said.lines)
    if said.no_ecc and repaired is None:
        return "failed", (
            "the image carries no RS03 error correction dvdisaster recognizes: "
            "only discs of a set planned with --ecc can be repaired"
        )
    if good or (repaired is not None and not unrepaired):
        n = repaired or 0
        return "ok", f"{n:,} sector(s) repaired, none remain" if n else "nothing to repair: every sector is good"
    if unrepaired:
        return "failed", (
            f"{repaired or 0:,} sector(s) repaired, {unrepaired:,} remain: the damage is beyond "
            "what the error correction holds; read the disc again (another drive) and repair again"
        )
    return "failed", f"dvdisaster could not repair the image: {said.last_words}"
