"""Command line: the full-screen app by default, headless twins for scripts.

Every failure a person can cause ends as one line `discdeck: reason` and a non-zero exit,
never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.cli.catalog import add_catalog_commands
from app.cli.changer import add_changer_commands
from app.cli.common import fail as _fail
from app.cli.common import speed_arg
from app.cli.hosts import add_host_commands
from app.cli.images import add_image_commands
from app.cli.recorders import add_recorder_commands
from app.cli.repair import add_repair_command
from app.cli.scan import add_scan_command
from app.cli.sets import add_set_commands
from app.cli.udf import add_format_command
from app.drives.changer import pick_changer
from app.drives.discovery import busy_detail
from app.drives.virtual import VirtualRecorder, recorder_for
from app.engine.errors import DriveError, EngineError
from app.engine.inspect import read_medium
from app.engine.models import MediumReport
from app.engine.options import SPEED_HELP, BurnOptions
from app.engine.remaster import check_remaster
from app.iso.udf import name_filesystem
from app.media.view import blocks_text, describe_medium, size_text, toc_document
from app.stage.specs import split_spec


def discdeck_version() -> str:
    """The installed package's version; from pyproject.toml when running from a bare clone."""
    # Looked up only for --version: importlib.metadata is ~28 ms of imports (tomllib ~6 ms,
    # measured 2026-11-30) that every other command would pay at start.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("discdeck")
    except PackageNotFoundError:
        import tomllib  # (the ~6 ms above)

        try:
            with (Path(__file__).resolve().parents[2] / "pyproject.toml").open("rb") as handle:
                return str(tomllib.load(handle)["project"]["version"]) + " (not installed)"
        except (OSError, KeyError, ValueError):
            return "unknown (not installed)"


class _VersionAction(argparse.Action):
    """--version, looked up only when asked (importlib.metadata costs start-up time)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, help="print discdeck's version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *_args: Any) -> None:
        print(f"discdeck {discdeck_version()}")
        parser.exit()


def print_report(report: MediumReport, recorder: VirtualRecorder | None = None) -> None:
    view = describe_medium(report, recorder)
    print(f"Address   {report.toc.drive.address}")
    for label, value in view.rows:
        print(f"{label:<9} {value}")
    print(f"Summary   {view.summary}")
    if report.toc.sessions:
        print()
        print(f"{'#':>3}  {'kind':<5} {'start':>10} {'blocks':>10} {'size':>10}  volume id")
        for s in report.toc.sessions:
            print(
                f"{s.index:>3}  {s.kind:<5} {blocks_text(s.start):>10} "
                f"{blocks_text(s.blocks):>10} {size_text(s.blocks):>10}  {s.volume_id}"
            )
    for problem in report.problems:
        print(f"problem:  {problem}")
    for warning in report.warnings:
        print(f"warning:  {warning}")


def cmd_info(args: argparse.Namespace) -> int:
    if not args.dev:
        return _fail("info needs a drive: discdeck info --dev /dev/sr0 (or stdio:IMAGE)", 2)
    try:
        report = name_filesystem(read_medium(args.dev))
    except DriveError as exc:
        return _fail(f"{exc}{busy_detail(args.dev)}")
    except EngineError as exc:
        return _fail(str(exc))
    recorder = recorder_for(args.dev)
    if args.json:
        print(json.dumps(toc_document(report, recorder), indent=2, ensure_ascii=False))
        for problem in report.problems:
            print(f"discdeck: note: {problem}", file=sys.stderr)
    else:
        print_report(report, recorder)
    return 0


def cmd_burn(args: argparse.Namespace) -> int:
    # Each command imports only what it runs: the job machinery is ~75 ms that
    # `discdeck info` does not need (python -X importtime, 2026-11-30).
    from app.cli.jobs import burn
    from app.cli.multi import devs_of, run_many

    args.dev, devs = devs_of(args)
    if len(devs) > 1:
        return run_many(args, devs)
    if bool(args.dev) == bool(args.to_image):
        return _fail("burn needs a drive or an image: --dev ADDRESS or --to-image OUT.iso", 2)
    if args.force and not args.to_image:
        return _fail("--force replaces an image file: it goes with --to-image", 2)
    new_image = args.force if args.to_image else None
    address = args.dev or f"stdio:{os.path.abspath(os.path.expanduser(args.to_image))}"
    options = BurnOptions(
        volume_id=args.volid,
        close=args.close,
        dummy=args.dummy,
        speed=args.speed,
        verify=not args.no_verify,
    )
    try:
        changer = (
            pick_changer(None if args.changer == "auto" else args.changer) if args.changer else None
        )
        return burn(
            address, args.paths, options, as_json=args.json, new_image=new_image,
            copies=args.copies, changer=changer,
        )  # fmt: skip
    except (EngineError, ValueError, OSError) as exc:
        return _fail(str(exc))


def cmd_check(args: argparse.Namespace) -> int:
    from app.cli.jobs import check  # ~75 ms of job machinery, for this command only

    if not args.dev:
        return _fail("check needs a drive: discdeck check --dev ADDRESS", 2)
    try:
        return check(args.dev, as_json=args.json)
    except EngineError as exc:
        return _fail(str(exc))


def cmd_ls(args: argparse.Namespace) -> int:
    from app.cli.inspect import ls  # the ISO reader (~26 ms), for this command only

    address = args.image or args.dev
    if not address:
        return _fail("ls needs --dev ADDRESS or --image PATH", 2)
    try:
        return ls(address, args.path, args.session, as_json=args.json, udf=args.udf)
    except OSError as exc:
        return _fail(f"{exc.strerror}: {exc.filename}" if exc.strerror else str(exc))
    except (EngineError, ValueError, KeyError) as exc:
        return _fail(str(exc))


def cmd_boot(args: argparse.Namespace) -> int:
    from app.cli.inspect import boot  # the ISO reader (~26 ms), for this command only

    try:
        return boot(args.image, as_json=args.json)
    except (EngineError, OSError) as exc:
        return _fail(str(exc))


def cmd_remaster(args: argparse.Namespace) -> int:
    # The job machinery (~65 ms of imports), for this command only.
    from app.jobs.finish import run_plan
    from app.jobs.plans import remaster_plan  # (the same ~65 ms)

    additions = []
    for spec in args.add or []:
        disk, iso = split_spec(spec)
        additions.append((disk, iso or "/" + disk.rstrip("/").rsplit("/", 1)[-1]))
    removals, force = args.rm or [], args.force
    try:
        check_remaster(args.source, args.output, additions, removals, overwrite=force)
        plan = remaster_plan(args.source, args.output, additions, removals, args.volid, overwrite=force)
    except (EngineError, OSError, ValueError) as exc:
        return _fail(str(exc))
    done = run_plan(plan)
    if done.error is not None:
        return _fail(done.error)
    result = done.results[-1]
    print(f"{result.outcome}: {result.message}")
    return 0 if result.outcome == "ok" else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="discdeck",
        description="Burn and inspect CD/DVD/BD media from the keyboard (xorriso engine).",
    )
    parser.add_argument("--version", action=_VersionAction)
    parser.add_argument(
        "--dev",
        metavar="ADDRESS",
        help="drive to open: /dev/srN, mmc:/dev/vda, or stdio:/path/image.iso "
        "(default: the virtual recorder)",
    )
    parser.add_argument("--image", metavar="PATH", help="open an .iso file in the session browser")
    parser.add_argument(
        "--add",
        action="append",
        metavar="PATH[=ISO_PATH]",
        help="stage a file or folder (repeatable); ISO_PATH defaults to /NAME",
    )
    sub = parser.add_subparsers(dest="command")
    _add_job_commands(sub)
    add_image_commands(sub)
    _add_inspect_commands(sub)
    add_recorder_commands(sub)
    add_catalog_commands(sub)
    add_set_commands(sub)
    add_repair_command(sub)
    add_scan_command(sub)
    add_format_command(sub)
    add_host_commands(sub)
    add_changer_commands(sub)
    return parser


def _add_job_commands(sub: argparse._SubParsersAction) -> None:
    info = sub.add_parser("info", help="print the drive's medium and table of contents")
    info.add_argument("--dev", metavar="ADDRESS", default=argparse.SUPPRESS, help="drive address")
    info.add_argument("--json", action="store_true", help="machine-readable output")
    info.set_defaults(func=cmd_info)

    burn = sub.add_parser("burn", help="burn files as one session, then verify it")
    burn.add_argument("--dev", metavar="ADDRESS", default=argparse.SUPPRESS, action="append",
                      help="drive address; several --dev burn to all at once")  # fmt: skip
    burn.add_argument("--to-image", metavar="OUT.iso", help="write a new image file instead")
    burn.add_argument("--force", action="store_true", help="with --to-image: replace OUT.iso")
    burn.add_argument("--copies", type=int, default=1, help="burn N copies in a row (new blanks)")
    burn.add_argument(
        "--changer", metavar="DEV", help="take the blanks from this jukebox (/dev/sgN, or 'auto')"
    )
    burn.add_argument("--close", action="store_true", help="close the medium after this session")
    burn.add_argument("--dummy", action="store_true", help="simulate: write nothing")
    burn.add_argument("--speed", default="max", type=speed_arg, help=SPEED_HELP)
    burn.add_argument("--volid", default="DISCDECK", help="volume id (up to 32 bytes)")
    burn.add_argument("--no-verify", action="store_true", help="skip the checkread afterwards")
    burn.add_argument("--json", action="store_true", help="one JSON object per event")
    burn.add_argument("paths", nargs="+", metavar="PATH[=ISO_PATH]")
    burn.set_defaults(func=cmd_burn)

    check = sub.add_parser("check", help="checkread: MD5 of every file against its tag")
    check.add_argument("--dev", metavar="ADDRESS", default=argparse.SUPPRESS, help="drive address")
    check.add_argument("--json", action="store_true", help="one JSON object per event")
    check.set_defaults(func=cmd_check)


def _add_inspect_commands(sub: argparse._SubParsersAction) -> None:
    ls = sub.add_parser("ls", help="list a folder of a session (name, type, size, start sector)")
    ls.add_argument("--dev", metavar="ADDRESS", default=argparse.SUPPRESS, help="drive address")
    ls.add_argument("--image", metavar="PATH", help="an .iso file")
    ls.add_argument("--session", type=int, help="session number from the TOC (default: newest)")
    ls.add_argument("--json", action="store_true", help="machine-readable output")
    ls.add_argument("--udf", action="store_true", help="list the UDF tree (a bridge disc)")
    ls.add_argument("path", nargs="?", default="/", help="folder or file on the disc")
    ls.set_defaults(func=cmd_ls)

    boot = sub.add_parser("boot", help="the El Torito boot catalog of an image")
    boot.add_argument("--image", metavar="PATH", required=True, help="an .iso file or device")
    boot.add_argument("--json", action="store_true", help="machine-readable output")
    boot.set_defaults(func=cmd_boot)

    _add_remaster(sub)


def _add_remaster(sub: argparse._SubParsersAction) -> None:
    remaster = sub.add_parser(
        "remaster",
        help="write a new image from a bootable .iso plus changes, keeping its boot setup",
    )
    remaster.add_argument("source", help="the original .iso")
    remaster.add_argument("output", help="the new .iso to write")
    remaster.add_argument(
        "--add", action="append", metavar="PATH[=ISO_PATH]", help="add a file or folder"
    )
    remaster.add_argument("--rm", action="append", metavar="ISO_PATH", help="remove a path")
    remaster.add_argument("--volid", help="new volume id")
    remaster.add_argument(
        "--force", action="store_true", help="overwrite OUTPUT if it exists (a disc image only)"
    )
    remaster.set_defaults(func=cmd_remaster)


def run_command(args: argparse.Namespace) -> int:
    """Run the headless command `args` names (app.main starts the full-screen app instead
    when there is none)."""
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except BrokenPipeError:  # `discdeck info | head`: the reader left; no traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "func", None) is None:
        return _fail("name a command (info, burn, check, ls, boot, remaster): see --help", 2)
    return run_command(args)


if __name__ == "__main__":
    sys.exit(main())
