"""VerifyImageJob: the medium compared with the image written to it, as a Job.

Runs in this process (a read and a memcmp, no xorriso), so the job screen, the CLI and the
finish step serve it as they serve a burn.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import humanize

from app.engine.progress import Progress, ProgressTracker
from app.engine.xorriso_job import CANCELLED, OperationResult
from app.iso.compare import CompareResult, ImageComparison
from app.iso.records import SECTOR

UPDATES_PER_SECOND = 4


class VerifyImageJob:
    kind = "verify"
    detached = False

    def __init__(self, address: str, image: str, image_stamp: tuple[int, int] | None = None):
        self.address = address
        self.image = image
        self.result: OperationResult | None = None
        self.comparison = ImageComparison(image, address, image_stamp=image_stamp)

    def cancel(self) -> None:
        self.comparison.cancel()

    def stop_reading(self) -> None:
        """It runs in this process: quitting ends it (the app cancels it first)."""

    def events(self) -> Iterator[Progress]:
        tracker = ProgressTracker(started=time.monotonic())
        yield tracker.enrich(Progress("verifying", percent=0.0), time.monotonic())
        last = 0.0
        try:
            for step in self.comparison:
                now = time.monotonic()
                if now - last < 1 / UPDATES_PER_SECOND and step.bytes_done < step.bytes_total:
                    continue
                last = now
                sectors = step.bytes_done // SECTOR
                total = -(-step.bytes_total // SECTOR)
                progress = Progress(
                    "verifying", percent=100.0 * sectors / total if total else None,
                    sectors=sectors, total_sectors=total,
                )  # fmt: skip
                yield tracker.enrich(progress, now)
        except OSError as exc:
            self.result = self._result("failed", f"cannot read {exc.filename}: {exc.strerror}")
        else:
            outcome = self.comparison.result
            assert outcome is not None
            self.result = self._result(*verdict(outcome))
        percent = 100.0 if self.result.outcome == "ok" else None
        yield tracker.enrich(Progress("done", percent=percent), time.monotonic())

    def _result(self, outcome: str, message: str) -> OperationResult:
        return OperationResult(
            kind="verify", outcome=outcome, message=message, argv=[],  # type: ignore[arg-type]
            returncode=0, worst="ALL",
        )  # fmt: skip


def verdict(result: CompareResult) -> tuple[str, str]:
    """(outcome, message) in words: what matched, or where it first differs and how much."""
    size = humanize.naturalsize(result.blocks * SECTOR, binary=True)
    if result.cancelled:
        return "cancelled", CANCELLED
    if result.image_changed:
        return "failed", (
            "the image file changed while it was written or compared: "
            "write it again from a file nothing else is changing"
        )
    if result.matches:
        return "ok", f"the medium matches the image: {result.blocks:,} blocks ({size}) compared"
    bad = result.differing + result.missing
    parts = [f"{bad:,} of {result.blocks:,} blocks differ, the first at sector {result.first_difference}"]
    if result.unreadable:
        parts.append(f"{result.unreadable:,} could not be read")
    if result.missing:
        parts.append(f"the medium ends {result.missing:,} blocks before the image does")
    return "failed", "; ".join(parts)
