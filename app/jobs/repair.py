"""RepairJob: an image read from a damaged disc of an error-corrected set, repaired.

The rescue read leaves the blocks it could not read zero-filled and lists them in its
sector map (`IMAGE.sectors`); dvdisaster wants them marked with its dead-sector marker, so
it treats them as erasures (twice as many repairable as errors it must find). So: the image
is copied (the user's own is never changed unless they asked for it in place), the unread
blocks of the copy are marked, and dvdisaster repairs the copy. A copy repaired in part is
kept (it is better than the read); one where nothing could be repaired is not.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from app.archive.ecc import augmented_length
from app.engine.dvdisaster import DvdisasterRun, check_dvdisaster, fix_argv, mark_missing
from app.engine.errors import EngineError
from app.engine.progress import Progress
from app.engine.rescue import unread_ranges
from app.engine.xorriso_job import CANCELLED, OperationResult
from app.jobs.dvdisaster_job import DvdisasterJob
from app.jobs.plan import Plan

CHUNK = 8 << 20
SECTOR = 2048


class RepairJob:
    kind = "repair"
    detached = False

    def __init__(self, plan: Plan) -> None:
        check_dvdisaster()
        self.image = plan.params["image"]
        self.output = plan.params["output"]
        self.sector_map = plan.params.get("map")
        self.address = plan.drive
        self.result: OperationResult | None = None
        self.marked = 0
        """Sectors the sector map held as unread, marked for dvdisaster."""
        self._cancel = threading.Event()
        self._fix: DvdisasterJob | None = None

    @property
    def in_place(self) -> bool:
        return os.path.abspath(self.image) == os.path.abspath(self.output)

    def cancel(self) -> None:
        self._cancel.set()
        if self._fix is not None:
            self._fix.cancel()

    def stop_reading(self) -> None:
        """It runs in this process: quitting ends it (the app cancels it first)."""

    def events(self) -> Iterator[Progress]:
        made = False
        try:
            if not self.in_place:
                made = True
                yield from self._copy()
            if self.result is None:
                yield from self._repair()
        except (EngineError, OSError) as exc:
            self._end("failed", f"{getattr(exc, 'filename', None) or self.output}: {getattr(exc, 'strerror', None) or exc}")
        finally:
            if made and self._useless():
                Path(self.output).unlink(missing_ok=True)
        yield Progress("done", percent=100.0 if self.result and self.result.outcome == "ok" else None)

    def _useless(self) -> bool:
        """The copy we made holds nothing the read did not: cancelled, or not repairable at all."""
        if self.result is not None and self.result.outcome == "ok":
            return False
        fix = self._fix
        return fix is None or fix.run.cancelled or not fix.run.transcript.repaired

    def _copy(self) -> Iterator[Progress]:
        """The image copied to the output (a new file: refused if it exists)."""
        total = os.path.getsize(self.image)
        done, last = 0, 0.0
        with open(self.image, "rb") as source, open(self.output, "xb") as target:
            while chunk := source.read(CHUNK):
                if self._cancel.is_set():
                    self._end("cancelled", CANCELLED)
                    return
                target.write(chunk)
                done += len(chunk)
                if time.monotonic() - last > 0.25:
                    last = time.monotonic()
                    yield Progress("preparing", percent=100.0 * done / total if total else None,
                                   line=f"copying {os.path.basename(self.image)}")  # fmt: skip
        shutil.copymode(self.image, self.output)

    def _repair(self) -> Iterator[Progress]:
        length = augmented_length(os.path.getsize(self.output) // SECTOR)
        if length is not None:  # the track's padding read with the image: not its data
            os.truncate(self.output, length * SECTOR)
        if self.sector_map is not None:
            self.marked = mark_missing(self.output, unread_ranges(self.sector_map))
        if self._cancel.is_set():
            self._end("cancelled", CANCELLED)
            return
        self._fix = DvdisasterJob("repair", "repairing", DvdisasterRun(fix_argv(self.output), os.path.dirname(self.output)))
        yield from (p for p in self._fix.events() if p.phase != "done")
        fixed = self._fix.result
        assert fixed is not None
        kept = fixed.outcome == "ok" or bool(self._fix.run.transcript.repaired)
        where = "" if self.in_place else f" (in {self.output})" if kept else "; no copy kept"
        self._end(fixed.outcome, fixed.message + where)

    def _end(self, outcome: str, message: str) -> None:
        if self.result is None:
            self.result = OperationResult(
                kind="repair", outcome=outcome, message=message, argv=[], returncode=0,  # type: ignore[arg-type]
                worst="ALL",
            )  # fmt: skip
