"""`discdeck repair IMAGE`: an image read from a damaged disc of an error-corrected set,
repaired with the RS03 data it carries (dvdisaster). It writes a new file beside the image
(`NAME.repaired.iso`, or --out) unless --in-place is asked for."""

from __future__ import annotations

import argparse
import os

from app.cli.common import fail
from app.engine.errors import EngineError


def repaired_name(image: str) -> str:
    stem, ext = os.path.splitext(image)
    return f"{stem}.repaired{ext or '.iso'}"


def cmd_repair(args: argparse.Namespace) -> int:
    # The job machinery only for this command (the CLI's start stays quick).
    from app.cli.jobs import _hooks, _report
    from app.engine.dvdisaster import check_dvdisaster
    from app.engine.rescue import new_read_map
    from app.jobs.finish import run_plan
    from app.jobs.plans_ecc import repair_plan

    image = os.path.abspath(args.image)
    if not os.path.isfile(image):
        return fail(f"{args.image}: no such image file (read the disc first: discdeck read)")
    if args.in_place and args.out:
        return fail("--in-place and --out exclude each other: choose one")
    output = image if args.in_place else os.path.abspath(args.out or repaired_name(image))
    if output != image and os.path.lexists(output):
        return fail(f"{output} exists: choose another name with --out, or remove it")
    sector_map = new_read_map(image)
    try:
        check_dvdisaster()
    except EngineError as exc:
        return fail(str(exc))
    plan = repair_plan(image, output, sector_map if os.path.exists(sector_map) else None)
    done = run_plan(plan, _hooks(args.json))
    code = _report(done, args.json)
    if done.ok and not args.json:
        print(f"check its files: discdeck check --dev stdio:{output}  (each against its MD5)")
    return code


def add_repair_command(sub: argparse._SubParsersAction) -> None:
    repair = sub.add_parser("repair", help="repair an image read from a damaged disc of an --ecc set")
    repair.add_argument("image")
    repair.add_argument("--out", metavar="FILE", help="the repaired copy (default: IMAGE.repaired.iso)")
    repair.add_argument("--in-place", action="store_true", help="repair the image itself")
    repair.add_argument("--json", action="store_true")
    repair.set_defaults(func=cmd_repair)
