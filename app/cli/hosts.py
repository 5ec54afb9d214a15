"""`discdeck hosts` (the remote hosts of the config and their drives) and `discdeck blank`.

`blank` works on any drive, local or `ssh://`; like every destructive command it shows the
Plan's confirmation and asks on a terminal (`--yes` agrees in scripts).
"""

from __future__ import annotations

import argparse
import json

from app.cli.common import fail
from app.cli.udf import _agreed
from app.config import config_file
from app.engine.commands import BLANK_MODES
from app.engine.errors import EngineError


def add_host_commands(sub: argparse._SubParsersAction) -> None:
    hosts = sub.add_parser("hosts", help="remote hosts from the config file and their drives")
    hosts.add_argument("--json", action="store_true", help="one JSON document")
    hosts.set_defaults(func=cmd_hosts)
    blank = sub.add_parser("blank", help="blank a rewritable medium (or an image file)")
    blank.add_argument("--dev", metavar="ADDRESS", default=argparse.SUPPRESS, help="drive address")
    blank.add_argument("--mode", default="as_needed", choices=BLANK_MODES)
    blank.add_argument("--yes", action="store_true", help="do not ask before destroying data")
    blank.add_argument("--json", action="store_true", help="one JSON object per event")
    blank.set_defaults(func=cmd_blank)


def cmd_hosts(args: argparse.Namespace) -> int:
    from app.drives.remote_hosts import remote_drives  # ssh machinery for this command only

    try:
        found = remote_drives()
    except EngineError as exc:
        return fail(str(exc))
    if args.json:
        print(json.dumps([host.to_json() for host in found], indent=2, ensure_ascii=False))
        return 0 if all(host.error is None for host in found) else 1
    if not found:
        print('no hosts configured: add [[hosts]] name = "tower", address = "ssh://user@tower"')
        print(f"to {config_file()} (README: Remote drives)")
    for host in found:
        print(f"{host.host.name}  {host.host.remote.url}")
        if host.error:
            print(f"  unreachable: {host.error}")
        elif not host.drives:
            print("  no optical drives")
        for drive in host.drives:
            name = " ".join(p for p in (drive.vendor, drive.product) if p) or "optical drive"
            problem = f"  ({drive.problem})" if drive.problem else ""
            print(f"  {drive.address}  {name}{problem}")
    return 0 if all(host.error is None for host in found) else 1


def cmd_blank(args: argparse.Namespace) -> int:
    # The job machinery (~75 ms of imports), for this command only.
    from app.cli.jobs import run
    from app.engine.inspect import read_medium
    from app.jobs.plans import Target, blank_plan

    address = getattr(args, "dev", None)
    if not address:
        return fail("blank needs a drive: discdeck blank --dev ADDRESS [--yes]", 2)
    try:
        plan = blank_plan(Target(address, media=read_medium(address).toc.media), args.mode)
    except (EngineError, ValueError) as exc:
        return fail(str(exc))
    if not _agreed(plan, args.yes):
        return fail("not blanked: what is on the medium would be lost; add --yes to agree")
    return run(plan, as_json=args.json)
