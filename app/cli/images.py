"""The image commands: write an image file, compare a medium with one, read a medium to one,
copy a medium; their own module so the command table stays readable."""

from __future__ import annotations

import argparse

from app.cli.common import fail as _fail
from app.cli.common import speed_arg
from app.engine.errors import EngineError
from app.engine.options import SPEED_HELP, BurnOptions


def cmd_write(args: argparse.Namespace) -> int:
    from app.cli.jobs import write  # ~75 ms of job machinery, for this command only
    from app.cli.multi import devs_of, run_many

    args.dev, devs = devs_of(args)
    if len(devs) > 1:
        return run_many(args, devs)
    if not getattr(args, "dev", None):
        return _fail("write needs a drive: discdeck write --dev ADDRESS IMAGE", 2)
    options = BurnOptions(
        close=args.close, dummy=args.dummy, speed=args.speed, verify=not args.no_verify
    )
    try:
        return write(args.dev, args.image, options, as_json=args.json)
    except (EngineError, ValueError, OSError) as exc:
        return _fail(str(exc))


def cmd_verify(args: argparse.Namespace) -> int:
    from app.cli.jobs import verify  # ~75 ms of job machinery, for this command only

    if not getattr(args, "dev", None):
        return _fail("verify needs a drive: discdeck verify --dev ADDRESS IMAGE", 2)
    try:
        return verify(args.dev, args.image, as_json=args.json)
    except (EngineError, OSError) as exc:
        return _fail(str(exc))


def cmd_read(args: argparse.Namespace) -> int:
    from app.cli.jobs import read  # ~75 ms of job machinery, for this command only

    if not getattr(args, "dev", None):
        return _fail("read needs a drive: discdeck read --dev ADDRESS IMAGE", 2)
    try:
        return read(args.dev, args.image, as_json=args.json)
    except (EngineError, OSError) as exc:
        return _fail(str(exc))


def cmd_copy(args: argparse.Namespace) -> int:
    from app.cli.jobs import copy  # ~75 ms of job machinery, for this command only

    dest = getattr(args, "dev", None) or args.source
    options = BurnOptions(close=args.close, speed=args.speed, verify=not args.no_verify)
    try:
        return copy(args.source, dest, options, as_json=args.json)
    except (EngineError, OSError) as exc:
        return _fail(str(exc))



def add_image_commands(sub: argparse._SubParsersAction) -> None:
    write = sub.add_parser("write", help="write an image file (.iso, .img) as it is, then verify")
    write.add_argument("--dev", metavar="ADDRESS", default=argparse.SUPPRESS, action="append",
                       help="drive address; several --dev write to all at once")  # fmt: skip
    write.add_argument("--close", action="store_true", help="close the medium after it")
    write.add_argument("--dummy", action="store_true", help="simulate: write nothing")
    write.add_argument("--speed", default="max", type=speed_arg, help=SPEED_HELP)
    write.add_argument("--no-verify", action="store_true", help="skip the compare afterwards")
    write.add_argument("--json", action="store_true", help="one JSON object per event")
    write.add_argument("image", help="the image file")
    write.set_defaults(func=cmd_write)

    verify = sub.add_parser("verify", help="compare a medium with an image, block by block")
    verify.add_argument("--dev", metavar="ADDRESS", default=argparse.SUPPRESS, help="drive address")
    verify.add_argument("--json", action="store_true", help="one JSON object per event")
    verify.add_argument("image", help="the image file")
    verify.set_defaults(func=cmd_verify)

    read = sub.add_parser("read", help="read a medium to an image, rescuing what can be read")
    read.add_argument("--dev", metavar="ADDRESS", default=argparse.SUPPRESS, help="drive address")
    read.add_argument("--json", action="store_true", help="one JSON object per event")
    read.add_argument("image", help="the image file to write (IMAGE.sectors remembers the read)")
    read.set_defaults(func=cmd_read)

    copy = sub.add_parser("copy", help="copy a medium to a blank one (another drive, or swap)")
    copy.add_argument("--from", dest="source", metavar="ADDRESS", required=True, help="source")
    copy.add_argument("--dev", metavar="ADDRESS", default=argparse.SUPPRESS, help="the blank's drive")
    copy.add_argument("--close", action="store_true", help="close the copy")
    copy.add_argument("--speed", default="max", type=speed_arg, help=SPEED_HELP)
    copy.add_argument("--no-verify", action="store_true", help="skip the compare afterwards")
    copy.add_argument("--json", action="store_true", help="one JSON object per event")
    copy.set_defaults(func=cmd_copy)
