"""`discdeck scan --dev ADDRESS`: the surface scan headless, for scripts and cron.

The same plan and finish step as the app's `s` (`surface_plan`, `run_plan`), so the scan
lands in the catalog's health history like any check. The last line (with --json, one
object) gives the blocks by quality, every unreadable range and every MD5 range that did
not match; the exit status is 0 only when every block read and matched. xorriso reads 32
blocks at a time and re-reads a failing chunk only on a CD, unless --retry asks for it: in
the smallest unit the medium allows (a block on CD and image files, 16 on DVD, 32 on BD).
"""

from __future__ import annotations

import argparse
import json

from app.cli.common import fail
from app.engine.errors import EngineError


def _ranges(surface: object) -> tuple[list[dict], list[dict]]:
    """A SurfaceMap's unreadable regions, and the MD5 ranges whose data did not match
    (first block, count, xorriso's word)."""
    if surface is None:
        return [], []
    regions = [r for r in surface.regions if r.quality == "unreadable"]  # type: ignore[attr-defined]
    md5 = [m for m in surface.md5_ranges if not m.match]  # type: ignore[attr-defined]
    return (
        [{"start": r.start, "blocks": r.blocks, "word": r.word} for r in regions],
        [{"start": m.start, "blocks": m.blocks, "word": m.word} for m in md5],
    )


def cmd_scan(args: argparse.Namespace) -> int:
    # The job machinery (~75 ms of imports), for this command only.
    from app.cli.jobs import _hooks, _say, _survive_hangup
    from app.jobs.finish import run_plan
    from app.jobs.plans import Target, surface_plan

    address = getattr(args, "dev", None)
    if not address:
        return fail("scan needs a drive: discdeck scan --dev ADDRESS", 2)
    try:
        plan = surface_plan(Target(address), retry=True if args.retry else None)
    except (EngineError, ValueError) as exc:
        return fail(str(exc))
    with _survive_hangup():
        done = run_plan(plan, _hooks(args.json))
    result = done.results[-1] if done.results else None
    if result is None:
        return fail(done.error or "the scan did not start")
    surface = getattr(result, "surface", None)
    ranges, mismatches = _ranges(surface)
    counts = surface.blocks_by_quality() if surface is not None else {}
    if args.json:
        _say(json.dumps({
            "result": result.outcome, "message": result.message, "blocks": counts,
            "total_blocks": surface.total_blocks if surface is not None else 0,
            "unreadable_ranges": ranges, "md5_mismatch_ranges": mismatches, "medium": done.state, "catalog": done.catalog_note,
            "journal": result.journal,
        }))  # fmt: skip
    else:
        _say(f"{result.outcome}: {result.message}")
        for r in ranges + mismatches:
            _say(f"{r['word']}: blocks {r['start']}-{r['start'] + r['blocks'] - 1}")
        if done.catalog_note:
            _say(f"catalog: {done.catalog_note}")
    return 0 if result.outcome == "ok" and not ranges and not mismatches else 1


def add_scan_command(sub: argparse._SubParsersAction) -> None:
    scan = sub.add_parser("scan", help="surface scan: read every block, map the unreadable ones")
    scan.add_argument("--dev", metavar="ADDRESS", default=argparse.SUPPRESS, help="drive address")
    scan.add_argument(
        "--retry", action="store_true",
        help="re-read a failing chunk in the smallest unit (1 block; DVD 16, BD 32): slower",
    )  # fmt: skip
    scan.add_argument("--json", action="store_true", help="one JSON object per event")
    scan.set_defaults(func=cmd_scan)
