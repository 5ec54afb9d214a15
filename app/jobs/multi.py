"""Burn to several drives at once: the session image is built once (xorriso to a temporary
image in the state dir) and written to every drive with the image-write path, each with
its own gauges and its own compare against the image; the image goes when the last is done.

Each drive gets a Runner (app.jobs.registry): the first to need the image builds it while
the others wait, so the app and the CLI run them the same way, one thread per drive.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from app.config import state_dir
from app.engine.commands import MapEntry
from app.engine.errors import EngineError
from app.engine.options import BurnOptions
from app.engine.progress import Progress
from app.jobs.finish import Finished, Hooks, run_plan
from app.jobs.image_checks import check_image_write
from app.jobs.plan import Plan
from app.jobs.plans import Target, burn_plan, write_image_plan
from app.jobs.registry import Runner


def session_image_path() -> str:
    """A fresh temporary image in the state dir (never in the user's folders)."""
    folder = state_dir() / "multi"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return str(folder / f"session-{os.getpid()}-{time.time_ns()}.iso")


def image_options(options: BurnOptions) -> BurnOptions:
    """The image itself: written at full speed, for real, not checked (each drive's
    write is compared with it); the drives get the speed, simulation and closing asked."""
    return replace(options, speed="max", dummy=False, close=False, verify=False)


class SharedImage:
    """The session image built once for `users` drives; removed when the last one is done."""

    def __init__(self, entries: Sequence[MapEntry], options: BurnOptions, users: int) -> None:
        self.entries = list(entries)
        self.options = options
        self.path = session_image_path()
        self.users = users
        self.error: str | None = None
        self._built = False
        self._lock = threading.Lock()

    def get(self, hooks: Hooks) -> str:
        """The image's path, built by the first caller (its hooks show the build);
        EngineError when it could not be built."""
        if not self._built:
            hooks.progress(Progress("preparing"))
        with self._lock:
            if not self._built and self.error is None:
                self._build(hooks)
        if self.error is not None:
            raise EngineError(f"the session image could not be built: {self.error}")
        return self.path

    def _build(self, hooks: Hooks) -> None:
        plan = burn_plan(
            Target(f"stdio:{self.path}", "session image"), self.entries,
            image_options(self.options), new_image=False,
        )  # fmt: skip
        shown = Hooks(progress=hooks.progress, cancelled=hooks.cancelled)
        done = run_plan(plan, shown)
        if done.ok:
            self._built = True
        else:
            self.error = done.error or "; ".join(r.message for r in done.results) or "no result"

    def release(self) -> None:
        """One drive is done with the image; the last one removes it."""
        with self._lock:
            self.users -= 1
            if self.users <= 0:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self.path)


def write_runner(
    shared: SharedImage, target: Target, options: BurnOptions, stand_in: Plan
) -> Runner:
    """Build (or wait for) the image, check the drive takes it, write it, compare."""

    def run(hooks: Hooks, _say: Callable[[str], None]) -> Finished:
        try:
            image = shared.get(hooks)
            if hooks.cancelled():
                return Finished(stand_in, error="cancelled before writing")
            check = check_image_write(target.address, image, verify_sums=False)
            if check.problems:
                return Finished(stand_in, error=check.problems[0])
            media = check.report.toc.media if check.report else target.media
            plan = write_image_plan(
                replace(target, media=media), image, options, check.facts, check.notes
            )
            return run_plan(plan, hooks)
        except EngineError as exc:
            return Finished(stand_in, error=str(exc))
        finally:
            shared.release()

    return run


def stand_in_plan(target: Target, entries: Sequence[MapEntry], options: BurnOptions) -> Plan:
    """What the registry and the drive list know of a drive's job before its image exists."""
    plan = burn_plan(target, entries, options)
    return replace(plan, title=f"Burning to {target.name} (one image, several drives)")


def several_drives(
    targets: Sequence[Target], entries: Sequence[MapEntry], options: BurnOptions
) -> list[tuple[Plan, Runner]]:
    """One (stand-in plan, runner) per drive, sharing one session image."""
    shared = SharedImage(entries, options, len(targets))
    jobs = []
    for target in targets:
        stand_in = stand_in_plan(target, entries, options)
        jobs.append((stand_in, write_runner(shared, target, options, stand_in)))
    return jobs
