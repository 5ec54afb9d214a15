"""Copies in a row on one drive: the same session burned N times — burn, verify, eject,
wait for the next blank, again — with a line per copy at the end.

A virtual recorder takes its next blank by itself: the written medium goes onto the shelf
(kept, listed), as a jukebox would put a disc away. A real drive ejects and the job waits,
looking every 2 s, until a blank medium is in (hot-plug events wake it sooner).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from app.drives.shelf import insert_blank
from app.drives.virtual import recorder_for
from app.engine.errors import EngineError
from app.engine.inspect import read_medium
from app.engine.progress import Progress
from app.engine.sgio import test_unit_ready
from app.jobs.finish import Finished, Hooks, run_plan
from app.jobs.plan import Plan
from app.jobs.plans import Target, eject_plan

POLL = 2.0


@dataclass
class CopyLine:
    number: int
    ok: bool
    message: str


def blank_in(address: str) -> bool:
    """A blank medium is in, ready. A drive is asked TEST UNIT READY first: xorriso would
    describe an empty drive's last medium and wake it up (the MMC lab's jukebox drive)."""
    if address.startswith("/dev/") and test_unit_ready(address) != "ready":
        return False
    try:
        return read_medium(address).toc.media.status == "blank"
    except EngineError:
        return False


def wait_for_blank(address: str, cancelled: Callable[[], bool], limit: float = 3600.0) -> Iterator[float]:
    """Yield the seconds waited, every POLL, until a blank medium is in `address`."""
    started = time.monotonic()
    while not blank_in(address):
        waited = time.monotonic() - started
        if cancelled() or waited > limit:
            raise EngineError("no blank medium came: the copies stop here")
        yield waited
        time.sleep(POLL)


def run_copies(
    plan: Plan, copies: int, hooks: Hooks, say: Callable[[str], None]
) -> list[CopyLine]:
    """Burn `plan` `copies` times on its drive; a failed copy stops the row."""
    return copies_in_a_row(plan, copies, hooks, say)[0]


def copies_in_a_row(
    plan: Plan, copies: int, hooks: Hooks, say: Callable[[str], None]
) -> tuple[list[CopyLine], Finished | None]:
    """run_copies, with the last copy's Finished (the app's job screen shows it)."""
    address, lines, done = plan.drive, [], None
    recorder = recorder_for(address)
    for number in range(1, copies + 1):
        if number > 1:
            if hooks.cancelled():
                say(f"stopped before copy {number} of {copies}")
                break
            if recorder is not None:
                insert_blank(recorder)
            else:
                run_plan(eject_plan(Target(address)), Hooks())
                say(f"copy {number - 1} done: insert a blank medium for copy {number} of {copies}")
                for _waited in wait_for_blank(address, hooks.cancelled):
                    hooks.progress(Progress("waiting"))
        done = run_plan(plan, hooks)
        message = "; ".join(f"{r.kind}: {r.message}" for r in done.results) or (done.error or "")
        lines.append(CopyLine(number, done.ok, message))
        say(f"copy {number} of {copies}: {'ok' if done.ok else 'FAILED'} — {message}")
        if not done.ok:
            break
    if recorder is not None and lines and lines[-1].ok:
        insert_blank(recorder)  # every copy on the shelf, the recorder blank again
    return lines, done


def copies_runner(plan: Plan, copies: int) -> Callable[[Hooks, Callable[[str], None]], Finished]:
    """The app's job for N copies: the last copy's end, with a line for every copy."""

    def run(hooks: Hooks, say: Callable[[str], None]) -> Finished:
        try:
            lines, done = copies_in_a_row(plan, copies, hooks, say)
        except EngineError as exc:  # no blank came, or the drive could not be used
            return Finished(plan, error=str(exc))
        made = sum(1 for line in lines if line.ok)
        done = done or Finished(plan, error="no copy was made")
        done.summary = [
            *(f"copy {line.number}: {'ok' if line.ok else 'FAILED'} — {line.message}" for line in lines),
            f"{made} of {copies} copies made",
        ]
        if made < copies and done.ok:
            done.error = f"{made} of {copies} copies made"
        return done

    return run
