"""`discdeck scan --dev ADDRESS`: the surface scan headless, for scripts and cron.

The same plan and finish step as the app's `s` (`surface_plan`, `run_plan`), so the scan
lands in the catalog's health history like any check. The last line (with --json, one
object) gives the blocks by quality and every unreadable range; the exit status is 0 only
when every block read.
"""

from __future__ import annotations

import argparse
import json

from app.cli.common import fail
from app.engine.errors import EngineError


def _ranges(surface: object) -> list[dict]:
    """The unreadable ranges (and MD5 mismatches) of a SurfaceMap, first block and count."""
    bad = surface.bad_ranges() if surface is not None else []  # type: ignore[attr-defined]
    return [{"start": r.start, "blocks": r.blocks, "word": r.word} for r in bad]


def cmd_scan(args: argparse.Namespace) -> int:
    # The job machinery (~75 ms of imports), for this command only.
    from app.cli.jobs import _hooks, _say, _survive_hangup
    from app.jobs.finish import run_plan
    from app.jobs.plans import Target, surface_plan

    address = getattr(args, "dev", None)
    if not address:
        return fail("scan needs a drive: discdeck scan --dev ADDRESS", 2)
    try:
        plan = surface_plan(Target(address))
    except (EngineError, ValueError) as exc:
        return fail(str(exc))
    with _survive_hangup():
        done = run_plan(plan, _hooks(args.json))
    result = done.results[-1] if done.results else None
    if result is None:
        return fail(done.error or "the scan did not start")
    surface = getattr(result, "surface", None)
    ranges = _ranges(surface)
    counts = surface.blocks_by_quality() if surface is not None else {}
    if args.json:
        _say(json.dumps({
            "result": result.outcome, "message": result.message, "blocks": counts,
            "total_blocks": surface.total_blocks if surface is not None else 0,
            "unreadable_ranges": ranges, "medium": done.state, "catalog": done.catalog_note,
            "journal": result.journal,
        }))  # fmt: skip
    else:
        _say(f"{result.outcome}: {result.message}")
        for r in ranges:
            _say(f"unreadable: blocks {r['start']}-{r['start'] + r['blocks'] - 1} ({r['word']})")
        if done.catalog_note:
            _say(f"catalog: {done.catalog_note}")
    return 0 if result.outcome == "ok" and not ranges else 1


def add_scan_command(sub: argparse._SubParsersAction) -> None:
    scan = sub.add_parser("scan", help="surface scan: read every block, map the unreadable ones")
    scan.add_argument("--dev", metavar="ADDRESS", default=argparse.SUPPRESS, help="drive address")
    scan.add_argument("--json", action="store_true", help="one JSON object per event")
    scan.set_defaults(func=cmd_scan)
