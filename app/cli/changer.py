"""`discdeck changer status|load|unload`: a jukebox's slots, and moving its media, headless."""

from __future__ import annotations

import argparse
import json

from app.cli.common import fail
from app.drives.changer import ChangerError, pick_changer, read_status
from app.engine.mtx import ChangerStatus
from app.jobs.plans_changer import load_plan, unload_plan


def add_changer_commands(sub: argparse._SubParsersAction) -> None:
    changer = sub.add_parser("changer", help="a jukebox (SCSI media changer, through mtx)")
    changer.add_argument("--changer", metavar="DEV", help="its /dev/sgN (found when only one)")
    actions = changer.add_subparsers(dest="action", required=True)
    status = actions.add_parser("status", help="its drives and slots, with their media")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    load = actions.add_parser("load", help="load a slot's medium into a drive")
    load.add_argument("slot", type=int, help="slot number, as mtx status shows it")
    load.add_argument("--drive", type=int, default=0, help="the changer's drive (default 0)")
    load.add_argument("--dev", metavar="ADDRESS", help="that drive's /dev/srN: wait until ready")
    load.add_argument("--json", action="store_true", help="one JSON object per event")
    unload = actions.add_parser("unload", help="put a drive's medium back into a slot")
    unload.add_argument("slot", type=int, nargs="?", help="where to (default: where it came from)")
    unload.add_argument("--drive", type=int, default=0, help="the changer's drive (default 0)")
    unload.add_argument("--json", action="store_true", help="one JSON object per event")
    for parser in (changer, status, load, unload):
        parser.set_defaults(func=cmd_changer)


def status_document(status: ChangerStatus) -> dict:
    return {
        "changer": status.device,
        "drives": [
            {"drive": d.number, "full": d.full, "slot": d.source, "tag": d.tag}
            for d in status.drives
        ],
        "slots": [
            {"slot": s.number, "full": s.full, "tag": s.tag, "import_export": s.mail}
            for s in status.slots
        ],
    }


def print_status(status: ChangerStatus) -> None:
    print(f"Changer   {status.device}: {status.words()}")
    for d in status.drives:
        held = f"slot {d.source}" if d.source else "a medium"
        what = f"holds {held}" + (f" ({d.tag})" if d.tag else "") if d.full else "empty"
        print(f"Drive {d.number}   {what}")
    for s in status.slots:
        kind = "mail slot" if s.mail else "slot"
        print(f"  {kind} {s.number:>3}  {'full ' if s.full else 'empty'}  {s.tag or ''}".rstrip())


def _home(changer: str, drive: int) -> int:
    """The slot the drive's medium came from, or the first empty one."""
    status = read_status(changer)
    held = status.drive(drive)
    if held is None or not held.full:
        raise ChangerError(f"drive {drive} of {changer} is empty: nothing to unload")
    home = held.source or next((s.number for s in status.empty_slots), None)
    if home is None:
        raise ChangerError("no slot is empty: name one, discdeck changer unload SLOT")
    return home


def cmd_changer(args: argparse.Namespace) -> int:
    from app.cli.jobs import run  # the job machinery (~75 ms of imports), for moves only

    try:
        changer = pick_changer(args.changer)
        if args.action == "status":
            status = read_status(changer)
            if args.json:
                print(json.dumps(status_document(status), indent=2))
            else:
                print_status(status)
            return 0
        if args.action == "load":
            return run(load_plan(changer, args.slot, args.drive, args.dev), as_json=args.json)
        slot = args.slot if args.slot is not None else _home(changer, args.drive)
        return run(unload_plan(changer, slot, args.drive), as_json=args.json)
    except ChangerError as exc:
        return fail(str(exc))
