"""CopyJob: a medium copied to another — read to a temporary image, written, verified.

With two drives the blank waits in the second; with one, the source is ejected and the
job waits (polling every 2 s, said on screen, esc cancels) until a blank medium is in.
The temporary image lives in the state dir and goes at the end, whatever the outcome.
Each step is the same Job the app runs alone, so gauges, journals and verdicts match.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from app.drives.virtual import recorder_for
from app.engine.errors import EngineError
from app.engine.inspect import read_medium
from app.engine.options import BurnOptions
from app.engine.progress import Progress
from app.engine.rescue import new_read_map
from app.engine.xorriso_job import CANCELLED
from app.jobs.chained import ChainedJob
from app.jobs.image_checks import check_image_write
from app.jobs.job import Job
from app.jobs.plans import Target, eject_plan, read_plan, verify_image_plan, write_image_plan
from app.jobs.read_checks import identity_path
from app.media.view import free_blocks, size_text

POLL = 2.0
"""Seconds between looks for the blank medium (until hot-plug events tell us)."""
WAIT_LIMIT = 3600.0


class CopyJob(ChainedJob):
    kind = "copy"
    detached = False

    def __init__(
        self, source: Target, dest: Target, temp_image: str, options: BurnOptions,
        start: Callable[..., Job], journal_dir: Path | None = None,
    ) -> None:  # fmt: skip
        super().__init__(start, journal_dir)
        self.source, self.dest = source, dest
        self.address = dest.address
        self.temp_image = temp_image
        self.options = options

    def events(self) -> Iterator[Progress]:
        try:
            yield from self._steps()
        except EngineError as exc:
            self._end("failed", str(exc))
        finally:
            for path in (self.temp_image, new_read_map(self.temp_image), identity_path(self.temp_image)):
                Path(path).unlink(missing_ok=True)
        yield Progress("done", percent=100.0 if self.result and self.result.outcome == "ok" else None)

    def _steps(self) -> Iterator[Progress]:
        problem = self._too_big()
        if problem:
            self._end("failed", problem)
            return
        if not (yield from self._run(read_plan(self.source, self.temp_image, retry=True))):
            return
        if self.source.address == self.dest.address:
            if not (yield from self._run(eject_plan(self.source))):
                return
            if not (yield from self._wait_for_blank()):
                return
        check = check_image_write(self.dest.address, self.temp_image, verify_sums=False)
        if check.problems:
            self._end("failed", check.problems[0])
            return
        write = write_image_plan(self.dest, self.temp_image, self.options, check.facts)
        if not (yield from self._run(write)):
            return
        if self.options.verify and not self.options.dummy:
            stamp = write.params["stamp"]
            if not (yield from self._run(verify_image_plan(self.dest, self.temp_image, stamp))):
                return
        self._end("ok", f"copied {self.source.name} to {self.dest.name}")

    def _too_big(self) -> str | None:
        """Before a long read: the copy must fit the destination (a drive of its own only:
        with one drive the blank is not in yet)."""
        if self.source.address == self.dest.address:
            return None
        needed = read_medium(self.source.address).toc.media.readable_blocks or 0
        report = read_medium(self.dest.address)
        recorder = recorder_for(self.dest.address)
        room = recorder.capacity_blocks if recorder else free_blocks(report)
        if room is not None and needed > room:
            return (
                f"the copy needs {size_text(needed)} and {self.dest.name} holds {size_text(room)}: "
                "use a bigger medium (nothing was read or written)"
            )
        return None

    def _wait_for_blank(self) -> Iterator[Progress]:
        """Poll the drive until it holds a blank (or overwriteable) medium."""
        started = time.monotonic()
        while not self._cancel.is_set() and time.monotonic() - started < WAIT_LIMIT:
            waited = time.monotonic() - started
            line = f"insert a blank medium into {self.dest.name} (esc cancels)"
            yield Progress("waiting", elapsed=waited, line=line)
            try:
                media = read_medium(self.dest.address).toc.media
            except EngineError:
                media = None
            if media is not None and media.status == "blank":
                return True
            self._cancel.wait(POLL)
        self._end("cancelled" if self._cancel.is_set() else "failed",
                  CANCELLED if self._cancel.is_set() else "no blank medium came within an hour")  # fmt: skip
        return False


def temp_image_path(state: Path) -> str:
    """A fresh temporary image in the state dir (never in the user's folders)."""
    folder = state / "copies"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return str(folder / f"copy-{os.getpid()}-{int(time.time())}.iso")
