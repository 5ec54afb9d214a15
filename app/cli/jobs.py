"""Headless twins of the burn and checkread screens, on the same engine, for scripts.

With --json every progress event is one JSON object per line and the last line is the
result; exit status 0 only on success.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
from collections.abc import Iterator
from dataclasses import replace

from app.config import state_dir
from app.drives.virtual import recorder_for
from app.engine.inspect import read_medium
from app.engine.options import BurnOptions
from app.engine.preflight import preflight_burn
from app.engine.progress import Progress
from app.engine.remote_address import is_remote
from app.iso.image_facts import ImageError, check_image_file, published_checksum
from app.jobs.copies import run_copies
from app.jobs.copy import temp_image_path
from app.jobs.finish import Finished, Hooks, run_plan
from app.jobs.image_checks import check_image_write
from app.jobs.jukebox_copies import Check, Jukebox, run_jukebox_copies
from app.jobs.new_image import fresh_image_problem, planning_address
from app.jobs.plan import Plan
from app.jobs.plans import (
    Target,
    burn_plan,
    check_plan,
    copy_plan,
    read_plan,
    verify_image_plan,
    write_image_plan,
)  # fmt: skip
from app.jobs.read_checks import check_read_target
from app.stage.names import display
from app.stage.specs import stage_from_specs


def _event_json(progress: Progress) -> str:
    return json.dumps(
        {
            "phase": progress.phase,
            "percent": progress.percent,
            "sectors": progress.sectors,
            "total_sectors": progress.total_sectors,
            "fifo": progress.fifo,
            "buffer": progress.buffer,
            "speed": progress.speed,
            "speed_unit": progress.speed_unit,
            "eta_s": None if progress.eta_s is None else round(progress.eta_s, 1),
        }
    )


def _human(progress: Progress) -> str:
    parts = [progress.phase]
    if progress.percent is not None:
        parts.append(f"{progress.percent:5.1f}%")
    if progress.fifo is not None:
        parts.append(f"fifo {progress.fifo}%")
    if progress.buffer is not None:
        parts.append(f"buf {progress.buffer}%")
    if progress.speed is not None:
        parts.append(f"{progress.speed:.1f}{progress.speed_unit or 'x'}")
    if progress.eta_s is not None:
        parts.append(f"eta {progress.eta_s:.0f}s")
    return "  ".join(parts)


def _say(text: str) -> None:
    """Print, but a closed terminal (ssh drop) must not stop following the job."""
    with contextlib.suppress(OSError):
        print(text, flush=True)


@contextlib.contextmanager
def _survive_hangup() -> Iterator[None]:
    """The job runs detached and goes on anyway; ignoring SIGHUP here as well keeps the
    journal, the verify step and the result coming when the terminal goes away."""
    try:
        before = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGHUP, before)


def _hooks(as_json: bool) -> Hooks:
    return Hooks(progress=lambda p: _say(_event_json(p) if as_json else _human(p)))


def _report(done: Finished, as_json: bool) -> int:
    """The last line(s): the verdict of every job of the plan, and the medium as re-read."""
    results = done.results
    if done.error is not None and not results:  # it never started: say why, as any refusal
        print(f"discdeck: {done.error}", file=sys.stderr)
        if as_json:
            _say(json.dumps({"result": "failed", "message": done.error}))
        return 1
    final = results[-1] if results else None
    outcome = "ok" if done.ok else next((r.outcome for r in results if r.outcome != "ok"), "failed")
    message = "; ".join(f"{r.kind}: {r.message}" for r in results) or (done.error or "")
    warnings = [w for r in results for w in r.warnings]
    if as_json:
        _say(json.dumps({
            "result": outcome, "message": message,
            "mismatches": final.mismatches if final else [],
            "unreadable": final.unreadable if final else [],
            "warnings": warnings, "medium": done.state,
            "journal": final.journal if final else None,
            **_read_facts(final, done.catalog_note),
        }))  # fmt: skip
    else:
        _say(f"{outcome}: {message}")
        for path in final.mismatches if final else []:
            _say(f"MD5 mismatch: {display(path)}")
        for path in final.unreadable if final else []:
            _say(f"not readable: {display(path)}")
        for path in getattr(final, "damaged", []):
            _say(f"damaged: {display(path)}")
        if _read_facts(final, done.catalog_note).get("catalog"):
            _say(f"catalog: {done.catalog_note}")
        for warning in warnings:
            _say(f"warning: {warning}")
        if done.state:
            _say(f"medium now: {done.state}")
    return 0 if done.ok else 1


def _read_facts(result: object, catalog_note: str | None) -> dict:
    """A read's own figures for scripts: damaged files, blocks recovered and still missing,
    and what the catalog's health history learned of it."""
    if not hasattr(result, "damaged"):
        return {}
    facts = {key: getattr(result, key) for key in ("damaged", "recovered", "missing")}
    return facts | {"catalog": catalog_note}


def run(plan: Plan, *, as_json: bool) -> int:
    """Carry out `plan` as the app does (one finish step), printing its events and result."""
    with _survive_hangup():
        return _report(run_plan(plan, _hooks(as_json)), as_json)


def burn(
    address: str,
    specs: list[str],
    options: BurnOptions,
    *,
    as_json: bool,
    new_image: bool | None = None,
    copies: int = 1,
    changer: str | None = None,
) -> int:
    """Burn PATH[=ISO_PATH]... as one session; `new_image` (--to-image): the target is an
    image file made afresh (True: an existing image is replaced); `changer`: the copies
    go onto blank media the jukebox loads into `address`, its drive."""
    stage = stage_from_specs(specs)
    entries = stage.map_entries()
    if changer is not None:
        files = stage.total_files()
        plan, tao = (
            burn_plan(Target(address), entries, replace(options, write_type=kind), files=files)
            for kind in (options.write_type, "tao")
        )
        check = lambda a: preflight_burn(a, entries, options)  # noqa: E731
        # TAO is taken over only from "auto": an explicit choice stays the user's.
        return _jukebox(
            plan, tao if options.write_type == "auto" else None, copies, changer, check, as_json
        )
    recorder = recorder_for(address)
    capacity = recorder.capacity_blocks if recorder else None
    if new_image is not None:
        fresh_problem = fresh_image_problem(address, replace=new_image)
        if fresh_problem:
            return _refused([fresh_problem], as_json)
    problems = preflight_burn(
        planning_address(address) if new_image else address, entries, options, capacity_sectors=capacity
    )
    if problems:
        return _refused(problems, as_json)
    # Another machine's medium decides how the files get there (streamed onto a blank one).
    media = read_medium(address).toc.media if is_remote(address) else None
    plan = burn_plan(
        Target(address, media=media), entries, options, files=stage.total_files(),
        new_image=new_image,
    )
    if copies > 1:
        with _survive_hangup():
            lines = run_copies(plan, copies, _hooks(as_json), _say)
        made = sum(1 for line in lines if line.ok)
        _say(f"{made} of {copies} copies made")
        return 0 if made == copies else 1
    return run(plan, as_json=as_json)


def _jukebox(
    plan: Plan, tao: Plan | None, copies: int, changer: str, check: Check, as_json: bool
) -> int:
    with _survive_hangup():
        box = Jukebox(changer)
        lines = run_jukebox_copies(plan, copies, box, check, _hooks(as_json), _say, tao)
    made = sum(1 for line in lines if line.ok)
    _say(f"{made} of {copies} copies made")
    if as_json:
        each = [{"copy": x.number, "ok": x.ok, "message": x.message} for x in lines]
        result = "ok" if made == copies else "failed"
        _say(json.dumps({"result": result, "copies": each, "made": made}))
    return 0 if made == copies else 1


def check(address: str, *, as_json: bool) -> int:
    return run(check_plan(Target(address)), as_json=as_json)


def write(address: str, image: str, options: BurnOptions, *, as_json: bool) -> int:
    """Write an image file as it is, then compare the medium with it (unless --no-verify)."""
    if published_checksum(image) is not None and not as_json:
        _say(f"checking {os.path.basename(image)} against its published checksum…")
    check = check_image_write(address, image)
    if check.problems:
        return _refused(check.problems, as_json)
    for line in [*(check.facts.describe() if check.facts else []), *check.notes]:
        if not as_json:
            _say(line)
    plan = write_image_plan(Target(address), image, options, check.facts, check.notes)
    return run(plan, as_json=as_json)


def verify(address: str, image: str, *, as_json: bool) -> int:
    """Compare the medium with an image: exit 1 when a block differs."""
    try:
        check_image_file(image)
    except ImageError as exc:
        return _refused([str(exc)], as_json)
    return run(verify_image_plan(Target(address), image), as_json=as_json)


def _refused(problems: list[str], as_json: bool) -> int:
    """Nothing started: each reason on stderr, and the result line for scripts."""
    for problem in problems:
        print(f"discdeck: {problem}", file=sys.stderr)
    if as_json:
        print(json.dumps({"result": "failed", "message": "; ".join(problems)}))
    return 1


def read(address: str, image: str, *, as_json: bool) -> int:
    """Read the medium into `image` (continuing an earlier read of the same disc)."""
    problems = check_read_target(image, read_medium(address))
    if problems:
        return _refused(problems, as_json)
    return run(read_plan(Target(address), image), as_json=as_json)


def copy(source: str, dest: str, options: BurnOptions, *, as_json: bool) -> int:
    """Copy the medium in `source` to a blank one in `dest` through a temporary image."""
    temp = temp_image_path(state_dir())
    return run(copy_plan(Target(source), Target(dest), options, temp), as_json=as_json)
