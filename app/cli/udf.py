"""`discdeck format --udf`: a rewritable medium or an image file as a big floppy."""

from __future__ import annotations

import argparse
import os
import sys

from app.cli.common import fail
from app.engine.address import check_address, parse_address
from app.engine.errors import AddressError, EngineError
from app.engine.inspect import read_medium
from app.engine.models import Media
from app.jobs.plan import Plan


def add_format_command(sub: argparse._SubParsersAction) -> None:
    fmt = sub.add_parser("format", help="format a rewritable medium or an image file")
    fmt.add_argument("--udf", action="store_true", required=True, help="for UDF (mkudffs)")
    fmt.add_argument("--dev", metavar="ADDRESS", default=argparse.SUPPRESS, help="drive address")
    fmt.add_argument("--label", default="DISCDECK", help="UDF label (up to 30 characters)")
    fmt.add_argument("--yes", action="store_true", help="do not ask before destroying data")
    fmt.add_argument("--json", action="store_true", help="one JSON object per event")
    fmt.set_defaults(func=cmd_format)


def _media(address: str) -> Media | None:
    """The medium's facts for a drive; None for an image file (it needs none)."""
    parsed = parse_address(address)
    if parsed.kind == "stdio":
        return None
    return read_medium(address).toc.media


def _holds_data(plan: Plan, media: Media | None) -> bool:
    if media is not None:
        return media.status != "blank"
    path = plan.address.path
    return os.path.exists(path) and os.path.getsize(path) > 0


def _agreed(plan: Plan, yes: bool) -> bool:
    """The confirmation, asked on a terminal; without one only --yes agrees."""
    if yes or not sys.stdin.isatty():
        return yes
    print(plan.confirm.title, *plan.confirm.lines, sep="\n  ", file=sys.stderr)
    answer = input(f"{plan.confirm.yes_label}? [y/N] ").strip().lower()
    return answer in ("y", "yes")


def cmd_format(args: argparse.Namespace) -> int:
    # The job machinery (~75 ms of imports), for this command only.
    from app.cli.jobs import run
    from app.jobs.plans import Target, format_plan
    from app.jobs.plans_udf import needs_format_first, udf_format_plan

    address = getattr(args, "dev", None)
    if not address:
        return fail("format needs a drive: discdeck format --udf --dev ADDRESS", 2)
    try:
        check_address(parse_address(address), for_write=True)
        media = _media(address)
        target = Target(address, media=media)
        first = needs_format_first(target)
        plan = udf_format_plan(target, args.label, formatted_first=first)
    except (AddressError, EngineError, ValueError) as exc:
        return fail(str(exc))
    if _holds_data(plan, media) and not _agreed(plan, args.yes):
        return fail("not formatted: everything on the medium would be lost; add --yes to agree")
    if first:
        code = run(format_plan(target, "as_needed"), as_json=args.json)
        if code != 0:
            return code
    return run(plan, as_json=args.json)
