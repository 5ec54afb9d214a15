"""`burn` and `write` with several --dev: one job per drive, all at once, one result each.

Progress lines carry the drive ("drive": ADDRESS in JSON, "[ADDRESS]" before a human
line); the end is one result document per drive, in the order the drives were given
(the same keys as a single drive's, plus "drive"). Exit 0 only when every drive succeeded.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections.abc import Callable

from app.cli.jobs import _event_json, _human, _say, _survive_hangup
from app.drives.virtual import recorder_for
from app.engine.errors import EngineError
from app.engine.options import BurnOptions
from app.engine.preflight import preflight_burn
from app.engine.progress import Progress
from app.jobs.finish import Finished, Hooks, run_plan
from app.jobs.image_checks import check_image_write
from app.jobs.multi import several_drives
from app.jobs.plans import Target, write_image_plan
from app.jobs.registry import Runner
from app.stage.specs import stage_from_specs

_print_lock = threading.Lock()


def _tagged(address: str, as_json: bool) -> Callable[[Progress], None]:
    def show(progress: Progress) -> None:
        if as_json:
            event = json.loads(_event_json(progress))
            line = json.dumps({"drive": address, **event})
        else:
            line = f"[{address}] {_human(progress)}"
        with _print_lock:
            _say(line)

    return show


def _run_all(jobs: list[tuple[str, Runner]], as_json: bool) -> list[tuple[str, Finished]]:
    """Every drive's runner in its own thread; their ends in the order given."""
    ends: dict[str, Finished] = {}

    def one(address: str, runner: Runner) -> None:
        hooks = Hooks(progress=_tagged(address, as_json))
        ends[address] = runner(hooks, lambda text: _say(f"[{address}] {text}"))

    threads = [
        threading.Thread(target=one, args=(address, runner), name=f"job {address}")
        for address, runner in jobs
    ]
    with _survive_hangup():
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return [(address, ends[address]) for address, _runner in jobs]


def _result(address: str, done: Finished) -> dict:
    results = done.results
    final = results[-1] if results else None
    outcome = "ok" if done.ok else next((r.outcome for r in results if r.outcome != "ok"), "failed")
    message = "; ".join(f"{r.kind}: {r.message}" for r in results) or (done.error or "")
    return {
        "drive": address, "result": outcome, "message": message,
        "mismatches": final.mismatches if final else [],
        "warnings": [w for r in results for w in r.warnings],
        "medium": done.state, "journal": final.journal if final else None,
    }  # fmt: skip


def _report(ends: list[tuple[str, Finished]], refused: dict[str, str], as_json: bool) -> int:
    failed = 0
    for address, done in ends:
        document = _result(address, done)
        failed += document["result"] != "ok"
        _say(json.dumps(document) if as_json else f"{address}: {document['result']}: {document['message']}")
    for address, reason in refused.items():
        failed += 1
        print(f"discdeck: {address}: {reason}", file=sys.stderr)
        if as_json:
            _say(json.dumps({"drive": address, "result": "failed", "message": reason}))
    if not as_json:
        _say(f"{len(ends) + len(refused) - failed} of {len(ends) + len(refused)} drives ok")
    return 1 if failed else 0


def burn_many(addresses: list[str], specs: list[str], options: BurnOptions, *, as_json: bool) -> int:
    """Build the session image once, write it to every drive; a drive refused before
    anything starts (missing medium, too small) is said, and the others go on."""
    stage = stage_from_specs(specs)
    entries = stage.map_entries()
    refused: dict[str, str] = {}
    targets = []
    for address in addresses:
        recorder = recorder_for(address)
        problems = preflight_burn(
            address, entries, options,
            capacity_sectors=recorder.capacity_blocks if recorder else None,
        )  # fmt: skip
        if problems:
            refused[address] = problems[0]
        else:
            targets.append(Target(address))
    pairs = zip(targets, several_drives(targets, entries, options), strict=True)
    jobs = [(target.address, runner) for target, (_plan, runner) in pairs]
    if jobs and not as_json:
        _say(f"building the session image once, then writing it to {len(jobs)} drive(s)…")
    return _report(_run_all(jobs, as_json) if jobs else [], refused, as_json)


def write_many(addresses: list[str], image: str, options: BurnOptions, *, as_json: bool) -> int:
    """Write one image file to every drive at once, each compared with it afterwards."""
    refused: dict[str, str] = {}
    jobs: list[tuple[str, Runner]] = []
    summed = False  # the published checksum is checked once, not once per drive
    for address in addresses:
        check = check_image_write(address, image, verify_sums=not summed)
        if check.problems:
            refused[address] = check.problems[0]
            continue
        summed = True
        plan = write_image_plan(Target(address), image, options, check.facts, check.notes)
        jobs.append((address, lambda hooks, _say, plan=plan: run_plan(plan, hooks)))
    return _report(_run_all(jobs, as_json) if jobs else [], refused, as_json)


def devs_of(args: argparse.Namespace) -> tuple[str | None, list[str]]:
    """--dev given once or more (burn, write): the single one, and all of them."""
    given = getattr(args, "dev", None)
    devs = [given] if isinstance(given, str) else list(given or [])
    return (devs[0] if len(devs) == 1 else None), devs


def run_many(args: argparse.Namespace, devs: list[str]) -> int:
    """`burn` or `write` with several --dev."""
    if len(set(devs)) < len(devs):
        return _refuse("several --dev: name each drive once")
    if getattr(args, "to_image", None) or getattr(args, "copies", 1) > 1:
        return _refuse("several --dev go without --to-image and --copies")
    options = BurnOptions(
        volume_id=getattr(args, "volid", "DISCDECK"), close=args.close, dummy=args.dummy,
        speed=args.speed, verify=not args.no_verify,
    )  # fmt: skip
    try:
        if args.command == "write":
            return write_many(devs, args.image, options, as_json=args.json)
        return burn_many(devs, args.paths, options, as_json=args.json)
    except (EngineError, ValueError, OSError) as exc:
        print(f"discdeck: {exc}", file=sys.stderr)
        return 1


def _refuse(text: str) -> int:
    print(f"discdeck: {text}", file=sys.stderr)
    return 2
