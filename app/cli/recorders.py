"""`discdeck recorder`: virtual recorders and the shelf of their media, by name."""

from __future__ import annotations

import argparse
import json
import os

from app.cli.common import fail as _fail
from app.drives.shelf import (
    ShelfError,
    add_recorder,
    find_recorder,
    insert_blank,
    remove_recorder,
    shelved_media,
)  # fmt: skip
from app.drives.virtual import NOMINAL_MEDIA, load_recorders
from app.media.view import size_text


def cmd_recorder(args: argparse.Namespace) -> int:
    """The shelf of virtual media: add, list, remove recorders; insert a new blank."""
    try:
        if args.action == "add":
            recorder = add_recorder(args.name, args.medium)
            print(f"added {recorder.name}: a blank {recorder.medium} at {recorder.address}")
        elif args.action == "remove":
            kept = remove_recorder(args.name)
            shelved = f"; its medium is on the shelf as {kept.recorder.name}" if kept else ""
            print(f"removed {args.name}{shelved}")
        elif args.action == "blank":
            kept = insert_blank(find_recorder(args.name))
            print(f"{args.name} holds a new blank" + (
                f"; the written medium is on the shelf as {kept.recorder.name}" if kept else " (it was blank)"
            ))  # fmt: skip
        else:
            return _list_recorders(as_json=args.json)
    except (ShelfError, OSError) as exc:
        return _fail(str(exc))
    return 0


def _list_recorders(*, as_json: bool) -> int:
    rows = [("recorder", r, "") for r in load_recorders()]
    rows += [("shelf", m.recorder, m.shelved) for m in shelved_media()]
    if as_json:
        print(json.dumps([
            {"kind": kind, "name": r.name, "medium": r.medium, "address": r.address,
             "bytes": os.path.getsize(r.image) if os.path.exists(r.image) else 0, "shelved": when or None}
            for kind, r, when in rows
        ], indent=2))  # fmt: skip
        return 0
    for kind, recorder, when in rows:
        used = os.path.getsize(recorder.image) if os.path.exists(recorder.image) else 0
        state = "blank" if used == 0 else size_text(-(-used // 2048))
        extra = f", shelved {when}" if when else ""
        print(f"{kind:<9} {recorder.name:<28} {recorder.medium:<14} {state}{extra}")
    return 0


def add_recorder_commands(sub: argparse._SubParsersAction) -> None:
    recorder = sub.add_parser("recorder", help="virtual recorders and the shelf of their media")
    actions = recorder.add_subparsers(dest="action")
    add = actions.add_parser("add", help="a new virtual recorder with a blank medium")
    add.add_argument("name")
    add.add_argument("--medium", default="DVD 4.7 GB", help=", ".join(NOMINAL_MEDIA))
    listing = actions.add_parser("list", help="the recorders and the shelved media")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    remove = actions.add_parser("remove", help="remove a recorder (its medium goes on the shelf)")
    remove.add_argument("name")
    blank = actions.add_parser("blank", help="insert a new blank (the medium goes on the shelf)")
    blank.add_argument("name")
    recorder.set_defaults(func=cmd_recorder, action="list", json=False)
