"""A disc set burned from the app, disc after disc: each disc's Plan (a normal burn, marked as
the set's so whoever sees it end — the app, or the app started again after a quit — records
it), what must hold before a disc is burned, the next blank (a real drive's wait for it is a
job of the drive, like a burn: listed, watched by a screen that can be hidden), and where
every saved set stands.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

from app.archive.sets import DiscSet, SetDisc, SetError, load_set, sets_dir
from app.drives.shelf import insert_blank
from app.drives.virtual import VirtualRecorder, load_recorders
from app.engine.address import parse_address
from app.engine.errors import EngineError
from app.engine.inspect import read_medium
from app.engine.models import Media
from app.engine.options import BurnOptions
from app.engine.preflight import preflight_burn
from app.engine.progress import Progress
from app.jobs.copies import wait_for_blank
from app.jobs.finish import Finished, Hooks, run_plan
from app.jobs.job import JobResult
from app.jobs.plan import Follow, Plan
from app.jobs.plans import Target, eject_plan
from app.jobs.registry import Runner
from app.jobs.set_burn import disc_plan, record_disc
from app.stage.names import display

SET_KEY = "disc_set"
"""The Plan's params key naming the set and the disc: {"name": ..., "disc": k}."""
BLANK_WAIT_KEY = "disc_set_blank"
"""The same, on the wait for that disc's blank (blank_wait_plan)."""


@dataclass(frozen=True)
class SetSummary:
    name: str
    medium: str
    burned: int
    total: int
    created: str
    discs: tuple[tuple[int, str, str], ...] = ()
    """(number, state, burned on) of each disc."""
    problem: str | None = None

    @property
    def complete(self) -> bool:
        return self.problem is None and self.burned == self.total


@dataclass
class DiscCheck:
    """Before a disc is burned: what the drive holds, and what stands in the way."""

    status: str
    """The medium's status (blank, appendable, closed, absent, unknown)."""
    problems: list[str] = field(default_factory=list)
    volume_id: str = ""
    """The first session's volume id of a written medium (is it this disc already?)."""
    media: Media | None = None


def list_sets() -> list[SetSummary]:
    """Every saved set, by name; one that cannot be read is listed with why."""
    summaries = []
    for path in sorted(sets_dir().glob("*.json")):
        try:
            plan = load_set(path.stem)
        except SetError as exc:
            summaries.append(SetSummary(path.stem, "?", 0, 0, "", problem=str(exc)))
            continue
        discs = tuple((d.number, d.state, d.burned_on or "") for d in plan.discs)
        burned = sum(1 for d in plan.discs if d.state == "burned")
        summaries.append(SetSummary(plan.name, plan.medium, burned, len(plan.discs), plan.created, discs))
    return summaries


def set_disc_plan(plan: DiscSet, disc: SetDisc, target: Target, speed: str = "max") -> Plan:
    """Disc k's burn: volume id NAME_k_OF_N, the set's manifest on it, verified after."""
    job = disc_plan(plan, disc, target, BurnOptions(speed=speed))
    which = f"disc {disc.number} of {len(plan.discs)} of {plan.name}"
    return replace(
        job,
        title=f"Burning {which} to {target.name}",
        confirm=replace(job.confirm, title=f"Burn {which}?"),
        params={**job.params, SET_KEY: {"name": plan.name, "disc": disc.number}},
    )


def set_of(plan: Plan) -> tuple[str, int] | None:
    """(set name, disc number) when `plan` burns a disc of a set."""
    mark = plan.params.get(SET_KEY)
    if not isinstance(mark, dict):  # any kind: a disc written as an image (ECC) counts too
        return None
    return str(mark.get("name")), int(mark.get("disc", 0))


def finish_disc(done: Finished) -> str | None:
    """Record a set disc's end in its set (once); the line to show, None for other plans."""
    mark = set_of(done.plan)
    if mark is None:
        return None
    name, number = mark
    try:
        plan = load_set(name)
    except SetError as exc:
        return str(exc)
    disc = next((d for d in plan.discs if d.number == number), None)
    if disc is None or disc.state == "burned":
        return None
    return record_disc(plan, disc, done, then="the next blank follows (Sets resumes it later)")


def changed_files(disc: SetDisc, limit: int = 5) -> list[str]:
    """Files of the disc that vanished or changed size since the set was planned (its
    manifest holds their checksums as they were)."""
    problems = []
    for item in disc.items:
        try:
            size = os.lstat(item.disk).st_size
        except OSError as exc:
            why = "vanished" if isinstance(exc, FileNotFoundError) else f"cannot be read ({exc.strerror})"
            problems.append(f"{display(item.disk)} {why} since the set was planned")
            continue
        if (item.offset is None and size != item.size) or size < (item.offset or 0) + item.size:
            problems.append(f"{display(item.disk)} changed size since the set was planned")
        if len(problems) >= limit:
            break
    if problems:
        problems.append("put them back as they were, or plan the set again (its manifest names them)")
    return problems


def check_disc(plan: DiscSet, disc: SetDisc, target: Target, capacity_sectors: int | None) -> DiscCheck:
    """Is the drive ready for this disc: a blank medium, the files as planned, room enough?"""
    try:
        report = read_medium(target.address)
    except EngineError as exc:
        return DiscCheck("unknown", [str(exc)])
    status = report.toc.media.status
    volume_id = next((s.volume_id or "" for s in report.toc.sessions), "")
    if status != "blank":
        return DiscCheck(status, volume_id=volume_id, media=report.toc.media)
    problems = changed_files(disc)
    if not problems:
        job = set_disc_plan(plan, disc, target)
        options = BurnOptions(volume_id=plan.volume_id(disc))
        problems = preflight_burn(target.address, list(job.entries), options, capacity_sectors=capacity_sectors)
    return DiscCheck(status, problems, media=report.toc.media)


def _own_recorder(address: str) -> VirtualRecorder | None:
    """The virtual recorder at `address` (not a shelved medium, not a real drive)."""
    try:
        parsed = parse_address(address)
    except EngineError:
        return None
    image = os.path.realpath(parsed.path) if parsed.kind == "stdio" else None
    return next((r for r in load_recorders() if os.path.realpath(r.image) == image), None)


@dataclass(frozen=True)
class BlankStep:
    message: str
    ready: bool = False
    """A blank is in now (a virtual recorder took a new one)."""
    wait: bool = False
    """A real drive: it opens and a person puts a blank in (blank_wait_plan's job)."""


def next_blank(address: str) -> BlankStep:
    """Make way for the next blank: a virtual recorder shelves its medium (kept, listed) and
    holds a new blank at once; a real drive is left to the wait's job (it opens the drive)."""
    recorder = _own_recorder(address)
    if recorder is not None:
        kept = insert_blank(recorder)
        shelf = f" as {kept.recorder.name}" if kept else ""
        return BlankStep(f"the written medium is on the shelf{shelf}; {recorder.name} holds a new blank", ready=True)
    if parse_address(address).kind == "stdio":
        return BlankStep(f"{display(address)} is an image file, not a recorder: open a virtual recorder or a drive")
    return BlankStep("the drive opens: insert a blank medium", wait=True)


def wait_blank(address: str, cancelled: Callable[[], bool]) -> Iterator[float]:
    """Seconds waited, every 2 s, until a blank medium is in (copies do the same)."""
    return wait_for_blank(address, cancelled)


def blank_wait_plan(plan: DiscSet, disc: SetDisc, target: Target) -> Plan:
    """The wait for disc k's blank, as a job of the drive: the drive list shows it, `o`
    shows it, and it goes on whatever screen is shown. Its argv is the eject it begins with."""
    which = f"disc {disc.number} of {len(plan.discs)} of {plan.name}"
    return replace(
        eject_plan(target),
        title=f"Waiting for a blank for {which} in {target.name}",
        follow=Follow(reread=False),
        params={BLANK_WAIT_KEY: {"name": plan.name, "disc": disc.number}},
    )


def blank_wait_of(plan: Plan) -> tuple[str, int] | None:
    """(set name, disc number) when `plan` is the wait for a set disc's blank."""
    mark = plan.params.get(BLANK_WAIT_KEY)
    if not isinstance(mark, dict):
        return None
    return str(mark.get("name")), int(mark.get("disc", 0))


def blank_wait_runner(wait: Plan) -> Runner:
    """Open the drive, then look every 2 s until a blank is in (ok), cancelled, or an hour
    went by (failed); "waiting" progress meanwhile, with the seconds waited."""

    def run(hooks: Hooks, say: Callable[[str], None]) -> Finished:
        started = time.monotonic()
        ejected = run_plan(eject_plan(Target(wait.drive, wait.drive_title)), Hooks())
        say("the drive is open: insert a blank medium" if ejected.ok else
            f"the drive did not open ({ejected.error or 'see the journal'}): open it by hand, insert a blank")  # fmt: skip
        outcome, message = "ok", "a blank medium is in"
        try:
            for waited in wait_blank(wait.drive, hooks.cancelled):
                hooks.progress(Progress("waiting", elapsed=waited))
        except EngineError:  # cancelled, or an hour without a blank
            outcome = "cancelled" if hooks.cancelled() else "failed"
            message = "stopped waiting for a blank" if outcome == "cancelled" else "no blank medium came within an hour"
        result = JobResult("wait", outcome, message, [], 0, "ALL")  # type: ignore[arg-type]
        hooks.progress(Progress("done", elapsed=time.monotonic() - started))
        hooks.finished(result)
        return Finished(wait, [result])

    return run
