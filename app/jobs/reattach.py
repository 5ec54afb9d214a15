"""Find detached jobs left by an earlier discdeck (ssh drop, crash, quit) and follow them again.

`running_operations()` lists the run folders under `state_dir()/running`; `plan_of(run)`
reads back the Plan the run was started from, and `attach(run)` gives a Job whose events()
replay the job's output from its start and then tail it live, with the same verdict as a
job started here. Once that result is produced the run folder is removed (the journal stays).
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from app.config import journal_dir as default_journal_dir
from app.engine.address import parse_address
from app.engine.detach import VERBS, alive, job_alive, read_exit, read_json, running_dir
from app.jobs.plan import Confirm, Follow, Plan

if TYPE_CHECKING:
    from app.jobs.job import Job


@dataclass(frozen=True)
class RunningOp:
    run_dir: Path
    kind: str
    address: str
    argv: list[str]
    started: float
    """time.time() of the start."""
    pid: int | None
    """The wrapper's pid (the job's process group)."""
    alive: bool
    exit_status: int | None
    """None while running (or when the job died without saying)."""
    watched: bool
    """The discdeck process that started it still lives and follows it (did not quit)."""
    journal_dir: Path | None = None
    checkread_after: bool = False
    """An older discdeck's way of saying the burn was to be followed by a checkread."""
    plan: dict | None = None
    """The Plan the run was started from (Plan.to_json), kept in its meta.json."""

    @property
    def finished(self) -> bool:
        return not self.alive

    def describe(self) -> str:
        """Like "burning to stdio:/x.iso (started 06:40)"."""
        verb = VERBS.get(self.kind, self.kind)
        to = "to" if self.kind == "burn" else ""
        when = time.strftime("%H:%M", time.localtime(self.started))
        return f"{verb} {to} {self.address} (started {when})".replace("  ", " ")


def running_operations() -> list[RunningOp]:
    """Detached jobs known on this machine for this user, oldest first."""
    found = []
    for run_dir in running_dir().iterdir():
        meta = read_json(run_dir / "meta.json") if run_dir.is_dir() else None
        if meta is None:
            if run_dir.is_dir() and time.time() - run_dir.stat().st_mtime > 60:
                shutil.rmtree(run_dir, ignore_errors=True)  # its starter died while starting
            continue
        exit_status = read_exit(run_dir)
        # A job on another machine (meta names its remote run folder) is taken as running
        # until its follower says otherwise: asking there would cost an ssh call per run.
        live = exit_status is None and (job_alive(meta) or "remote_run" in meta)
        journal = meta.get("journal_dir")
        found.append(
            RunningOp(
                run_dir=run_dir,
                kind=str(meta.get("kind", "burn")),
                address=str(meta.get("address", "")),
                argv=list(meta.get("argv", [])),
                started=float(meta.get("started", 0)),
                pid=meta.get("wrapper_pid"),
                alive=live,
                exit_status=exit_status,
                watched=alive(meta.get("creator_pid"), meta.get("creator_ticks"))
                and not (run_dir / "abandoned").exists(),
                journal_dir=Path(journal) if journal else None,
                checkread_after=bool(meta.get("checkread_after", False)),
                plan=meta.get("plan") if isinstance(meta.get("plan"), dict) else None,
            )
        )
    return sorted(found, key=lambda run: run.started)


def orphaned_operations() -> list[RunningOp]:
    """Jobs nobody follows any more: the ones a starting UI should show again."""
    return [run for run in running_operations() if not run.watched]


def plan_of(run: RunningOp) -> Plan:
    """The Plan the run was started from, as kept in its run folder. A run left by an older
    discdeck (no plan kept) gets one rebuilt from its kind, address and argv."""
    if run.plan is not None:
        try:
            return Plan.from_json(run.plan)
        except (ValueError, KeyError, TypeError):
            pass
    return Plan(
        kind=run.kind if run.kind in VERBS else "burn",  # type: ignore[arg-type]
        address=parse_address(run.address),
        title=run.describe(),
        argv=tuple(run.argv),
        confirm=Confirm("", (), ""),
        follow=Follow(checkread=run.checkread_after),
        buffers=run.kind == "burn",
    )


def journal_of(run: RunningOp) -> Path:
    """A re-attached job's journal (a new, complete one: the starter's may stop where that
    process died) goes where the starter's went."""
    return run.journal_dir or default_journal_dir()


def attach(run: RunningOp) -> Job:
    """A Job that follows `run` from its first line (gauges and result come back)."""
    # Imported here: the app looks for runs at every start, and the job machinery
    # (operations, surface, remaster) is needed only when one is found (~40 ms of imports).
    from app.jobs.start import start_job

    return start_job(plan_of(run), journal_dir=journal_of(run), attach_to=run.run_dir)


def unreachable(run: RunningOp) -> str | None:
    """Why the machine of a job left running there cannot be reached now (one short try:
    ssh's ConnectTimeout), or None: it answers, or the job is local. The record stays
    either way; a starting app follows the reachable ones and names the others."""
    if parse_address(run.address).remote is None:
        return None
    # Imported here: the ssh machinery only when a remote job was left running.
    from app.engine.remote_run import probe_run

    return probe_run(run.run_dir)
