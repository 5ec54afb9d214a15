"""ExtractJob: an extraction as a Job, so the job screen (gauges, cancel, result in words)
serves it as it serves a burn."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import humanize

from app.engine.progress import Progress
from app.engine.xorriso_job import OperationResult
from app.iso.extract import Extraction, extract
from app.iso.view import Entry, IsoView


class ExtractJob:
    kind = "extract"
    detached = False

    def __init__(
        self, view: IsoView, source: str | Entry, target: str | Path, address: str | None = None
    ) -> None:
        self.view = view
        self.address = address
        self.target = str(target)
        self.argv: list[str] = []
        self.result: OperationResult | None = None
        self.job: Extraction = extract(view, source, target)

    def cancel(self) -> None:
        self.job.cancel()

    def stop_reading(self) -> None:
        """An extraction runs in this process: quitting ends it (the app cancels it first)."""

    def events(self) -> Iterator[Progress]:
        started = time.monotonic()
        last = 0.0
        yield Progress(phase="extracting", percent=0.0)
        for step in self.job:
            now = time.monotonic()
            if now - last < 0.2 and step.bytes_done < step.bytes_total:
                continue  # a few updates a second are plenty for a gauge
            last = now
            elapsed = now - started
            rate = step.bytes_done / elapsed if elapsed > 0 else None
            remaining = step.bytes_total - step.bytes_done
            yield Progress(
                phase="extracting",
                percent=100.0 * step.bytes_done / step.bytes_total if step.bytes_total else None,
                bytes_done=step.bytes_done,
                bytes_per_s=rate,
                elapsed=elapsed,
                eta_s=remaining / rate if rate else None,
                line=step.current_path,
            )
        outcome = self.job.result
        assert outcome is not None
        if outcome.cancelled:
            word, message = "cancelled", "cancelled by the user; the partly copied file was removed"
        else:
            word = "ok" if outcome.ok else "failed"
            message = (
                f"{outcome.files} files, {outcome.folders} folders, "
                f"{humanize.naturalsize(outcome.bytes, binary=True)} to {self.target}"
            )
            if outcome.notes:
                message += f"; {len(outcome.notes)} item(s) refused or renamed: " + "; ".join(
                    outcome.notes[:3]
                )
        self.result = OperationResult(
            kind="extract",
            outcome=word,  # type: ignore[arg-type]
            message=message,
            argv=[],
            returncode=0,
            worst="ALL",
            unreadable=list(outcome.notes),
        )
        yield Progress(
            phase="done",
            percent=100.0 if word == "ok" else None,
            elapsed=time.monotonic() - started,
        )
