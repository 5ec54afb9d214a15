"""Copies through a jukebox: load the next full slot, and if its medium is blank burn,
verify and put it back; then the next slot — with a line per copy at the end.

A medium that is not blank (or that the checks before a burn refuse) goes back to its
slot untouched and the next full slot is tried; each slot is tried once per run. The
drive is read only once the changer has loaded it and the drive says it is ready: after
an unload the drive's own TOC cannot be trusted (app/jobs/changer_move.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.drives.changer import ChangerError, read_status
from app.engine.errors import EngineError
from app.engine.inspect import read_medium
from app.engine.mtx import ChangerStatus
from app.engine.operations import TAO_RETRY
from app.jobs.copies import CopyLine
from app.jobs.finish import Finished, Hooks, run_plan
from app.jobs.plan import Plan
from app.jobs.plans_changer import load_plan, unload_plan

Check = Callable[[str], list[str]]
"""The checks before a burn, for the drive's address: problems in words (none: go)."""


@dataclass(frozen=True)
class Jukebox:
    changer: str
    """mtx's device, /dev/sgN."""
    drive: int = 0
    """The changer's drive number (mtx's data transfer element) that `plan.drive` is."""


def _move(plan: Plan) -> None:
    done = run_plan(plan, Hooks())
    if not done.ok:
        raise ChangerError(done.error or "; ".join(r.message for r in done.results))


def _empty_the_drive(box: Jukebox, status: ChangerStatus, address: str) -> None:
    """A medium left in the drive goes back to its slot (or the first empty one)."""
    held = status.drive(box.drive)
    if held is None:
        raise ChangerError(f"{box.changer} has no drive {box.drive} ({status.words()})")
    if not held.full:
        return
    home = held.source or next((s.number for s in status.empty_slots), None)
    if home is None:
        raise ChangerError(f"drive {box.drive} is full and no slot is empty to unload it into")
    _move(unload_plan(box.changer, home, box.drive, address))


def _unusable(address: str, check: Check) -> str | None:
    """Why the loaded medium cannot take a copy (None: it is blank and fit)."""
    try:
        media = read_medium(address).toc.media
    except EngineError as exc:
        return str(exc)
    if media.status != "blank":
        return f"not blank ({media.profile}, {media.status})"
    problems = check(address)
    return problems[0] if problems else None


def run_jukebox_copies(
    plan: Plan,
    copies: int,
    box: Jukebox,
    check: Check,
    hooks: Hooks,
    say: Callable[[str], None],
    tao_plan: Plan | None = None,
) -> list[CopyLine]:
    """Burn `plan` onto `copies` blank media from the changer's slots; a failed copy stops
    the row (the medium still goes back to its slot). `tao_plan`: the same burn with write
    type TAO, taken for the next copies once the drive refused DAO and a TAO retry worked."""
    address, lines, tried = plan.drive, [], set()
    status = read_status(box.changer)
    _empty_the_drive(box, status, address)
    while len(lines) < copies and not hooks.cancelled():
        slot = next((s.number for s in status.full_slots if s.number not in tried), None)
        if slot is None:
            lines.append(CopyLine(len(lines) + 1, False, "no blank medium left in the changer"))
            say(f"copy {len(lines)} of {copies}: FAILED — no blank medium left in the changer")
            break
        tried.add(slot)
        _move(load_plan(box.changer, slot, box.drive, address))
        why = _unusable(address, check)
        if why is None:
            done: Finished = run_plan(plan, hooks)
            lines.append(_line(len(lines) + 1, slot, done))
            say(
                f"copy {len(lines)} of {copies}: {'ok' if done.ok else 'FAILED'} — {lines[-1].message}"
            )
            if tao_plan is not None and _needed_tao(done):
                plan, tao_plan = tao_plan, None
                say("the drive refused DAO: the next copies burn with TAO at once")
        else:
            say(f"slot {slot} skipped: {why}")
        _move(unload_plan(box.changer, slot, box.drive, address))
        if lines and not lines[-1].ok:
            break
        status = read_status(box.changer)
    return lines


def _needed_tao(done: Finished) -> bool:
    """The burn worked only after the drive refused RESERVE TRACK and TAO was tried."""
    return done.ok and done.results[0].message.startswith(f"{TAO_RETRY}; burned again with TAO")


def _line(number: int, slot: int, done: Finished) -> CopyLine:
    message = "; ".join(f"{r.kind}: {r.message}" for r in done.results) or (done.error or "")
    return CopyLine(number, done.ok, f"slot {slot}: {message}")
