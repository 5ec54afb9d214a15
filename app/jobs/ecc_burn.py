"""EccBurnJob: a disc of an error-corrected set — its session built into an image file,
RS03 added by dvdisaster, the image written to the medium and compared with it.

The temporary image lives in the state dir and goes at the end, whatever the outcome
(failed, cancelled, or quit). Each step is the Job the app runs alone (a burn to a
`stdio:` file, a dvdisaster run, an image write, a compare), so gauges, journals and
verdicts read the same; the compare runs inside this job because the image it needs is
deleted with it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

from app.archive.ecc import data_limit, layout_for, padded_sectors
from app.drives.virtual import recorder_for
from app.engine.dvdisaster import DvdisasterRun, augment_argv
from app.engine.errors import EngineError
from app.engine.image_write import PADDING
from app.engine.inspect import read_medium
from app.engine.options import BurnOptions
from app.engine.progress import Progress
from app.jobs.chained import ChainedJob
from app.jobs.dvdisaster_job import DvdisasterJob
from app.jobs.image_checks import check_image_write
from app.jobs.job import Job
from app.jobs.plan import Plan
from app.jobs.plans import Target, burn_plan, verify_image_plan, write_image_plan
from app.media.view import free_blocks, size_text

SECTOR = 2048
PAD_BLOCKS = 150
"""The blocks `-as cdrecord` pads a track with (image_write.PADDING, 300k)."""


class EccBurnJob(ChainedJob):
    kind = "ecc_burn"
    detached = False

    def __init__(self, plan: Plan, start: Callable[..., Job], journal_dir: Path | None = None) -> None:
        super().__init__(start, journal_dir)
        self.plan = plan
        self.address = plan.drive
        self.target = Target(plan.drive, plan.drive_title)
        self.temp = plan.params["temp"]
        self.options = BurnOptions(**plan.params["options"])

    def events(self) -> Iterator[Progress]:
        try:
            yield from self._steps()
        except (EngineError, OSError) as exc:
            self._end("failed", str(exc))
        finally:
            Path(self.temp).unlink(missing_ok=True)
        yield Progress("done", percent=100.0 if self.result and self.result.outcome == "ok" else None)

    def _steps(self) -> Iterator[Progress]:
        params = self.plan.params
        Path(self.temp).unlink(missing_ok=True)
        problem = self._too_small(layout_for(0, params["ecc_medium"]).sectors)
        if problem:
            self._end("failed", problem)
            return
        build_options = BurnOptions(**{**params["options"], "close": True, "verify": False, "dummy": False})
        build = burn_plan(Target(f"stdio:{self.temp}"), self.plan.entries, build_options, new_image=True)
        # The padding inside the ISO: dvdisaster 0.79.5 fails ("ImageReadSectors(): seek
        # failed") on a small ISO whose file is longer than its volume (measured).
        build = replace(build, argv=(*build.argv[:-2], "-padding", "included", *build.argv[-2:]))
        if not (yield from self._run(build)):
            return
        data = os.path.getsize(self.temp) // SECTOR
        limit = data_limit(params["ecc_medium"], params["ecc"])
        if data > limit:
            self._end("failed", (
                f"the disc's image holds {size_text(data - limit)} more than leaves room for "
                f"{params['ecc']} % error correction: plan the set again (nothing was written)"
            ))  # fmt: skip
            return
        os.truncate(self.temp, padded_sectors(data, params["ecc_medium"]) * SECTOR)
        threads = max(1, min(4, (os.cpu_count() or 1) - 1))  # one core left for the rest
        run = DvdisasterRun(augment_argv(self.temp, threads), os.path.dirname(self.temp))
        augment = DvdisasterJob("augment", "augmenting", run, self.address)
        if not (yield from self._follow(augment, "augment")):
            return
        expected = layout_for(data, params["ecc_medium"]).sectors
        if os.path.getsize(self.temp) != expected * SECTOR:
            self._end("failed", f"dvdisaster made {os.path.getsize(self.temp) // SECTOR:,} sectors, not {expected:,}: nothing was written")
            return
        yield from self._write()

    def _write(self) -> Iterator[Progress]:
        check = check_image_write(self.address, self.temp, verify_sums=False)
        if check.problems:
            self._end("failed", check.problems[0])
            return
        room = self._room(check)
        blocks = os.path.getsize(self.temp) // SECTOR
        pad = room is None or blocks + PAD_BLOCKS <= room
        write = write_image_plan(self.target, self.temp, self.options, check.facts, pad=pad)
        assert pad or PADDING not in write.argv
        if not (yield from self._run(write)):
            return
        if not self.options.dummy:
            verify = verify_image_plan(self.target, self.temp, write.params["stamp"])
            if not (yield from self._run(verify)):
                return
        percent = self.results[1].message if len(self.results) > 1 else ""
        self._end("ok", f"written with error correction and verified; {percent}")

    def _too_small(self, sectors: int) -> str | None:
        """Before the build: the medium must take the whole augmented image."""
        recorder = recorder_for(self.address)
        room = recorder.capacity_blocks if recorder else free_blocks(read_medium(self.address))
        if room is not None and room < sectors:
            return (
                f"the error-corrected image fills {size_text(sectors)} and {self.target.name} "
                f"holds {size_text(room)}: use a medium of the set's kind (nothing was written)"
            )
        return None

    def _room(self, check) -> int | None:
        recorder = recorder_for(self.address)
        if recorder is not None:
            return recorder.capacity_blocks
        return free_blocks(check.report) if check.report is not None else None
