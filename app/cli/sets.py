"""`discdeck set`: plan a disc set, burn it disc by disc (it resumes), see where it stands."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from app.cli.common import fail
from app.engine.errors import EngineError
from app.engine.options import BurnOptions, check_speed
from app.media.view import size_text


def cmd_set(args: argparse.Namespace) -> int:
    # The archive and job machinery (~75 ms of imports) only for this command.
    from app.archive.ecc import EccError
    from app.archive.sets import SetError

    try:
        if args.action == "plan":
            return _plan(args.name, args.medium, args.paths, as_json=args.json, ecc=args.ecc)
        if args.action == "burn":
            return _burn(args.name, args.dev, as_json=args.json, speed=args.speed)
        return _status(args.name, as_json=args.json)
    except (SetError, EccError, EngineError, OSError) as exc:
        return fail(str(exc))


def _plan(name: str, medium: str, paths: list[str], *, as_json: bool, ecc: int | None = None) -> int:
    from app.archive.sets import plan_set, save_set  # (the ~75 ms above)
    from app.jobs.set_burn import prepare_manifest

    plan = plan_set(name, medium, paths, ecc=ecc)
    prepare_manifest(plan)
    save_set(plan)
    if as_json:
        print(json.dumps(asdict(plan), indent=1))
        return 0
    print(f"set {plan.name}: {len(plan.discs)} disc(s) of {plan.medium}, {plan.files:,} files"
          + (f", error correction (RS03) of at least {plan.ecc} % on each" if plan.ecc else ""))  # fmt: skip
    for disc in plan.discs:
        fill = 100 * disc.used / plan.capacity
        tops = sorted({i.iso.split("/")[0] for i in disc.items})
        print(f"  {plan.volume_id(disc):<32} {size_text(disc.used // 2048):>10} {fill:5.1f} %  "
              + ", ".join(tops[:4]) + (" ..." if len(tops) > 4 else ""))  # fmt: skip
    return 0


def _burn(name: str, address: str | None, *, as_json: bool, speed: str = "max") -> int:
    from app.archive.sets import load_set  # (the ~75 ms above)
    from app.cli.jobs import _hooks, _report
    from app.engine.inspect import read_medium
    from app.engine.preflight import preflight_burn
    from app.jobs.finish import run_plan
    from app.jobs.plans import Target
    from app.jobs.set_burn import disc_plan, record_disc

    if not address:
        return fail("set burn needs a drive: discdeck set burn NAME --dev ADDRESS", 2)
    plan = load_set(name)
    disc = plan.next_disc()
    if disc is None:
        print(f"set {name} is complete: every disc is burned")
        return 0
    status = read_medium(address).toc.media.status
    if status != "blank":
        return fail(
            f"the medium in {address} is {status}: each disc of a set is a medium of its own; "
            "insert a blank (a virtual recorder: discdeck recorder blank NAME)"
        )
    job = disc_plan(plan, disc, Target(address), BurnOptions(speed=speed))
    problems = preflight_burn(address, list(job.entries), BurnOptions(volume_id=plan.volume_id(disc)))
    if problems:
        return fail("; ".join(problems))
    done = run_plan(job, _hooks(as_json))
    code = _report(done, as_json)
    print(record_disc(plan, disc, done))
    return code


def _status(name: str, *, as_json: bool) -> int:
    from app.archive.sets import load_set  # (the ~75 ms above)

    plan = load_set(name)
    if as_json:
        print(json.dumps([{"disc": d.number, "state": d.state, "burned_on": d.burned_on} for d in plan.discs]))
        return 0
    for disc in plan.discs:
        print(f"{plan.volume_id(disc):<32} {disc.state}" + (f" {disc.burned_on}" if disc.burned_on else ""))
    return 0


def add_set_commands(sub: argparse._SubParsersAction) -> None:
    sets = sub.add_parser("set", help="disc sets: more than one medium holds, with manifests")
    actions = sets.add_subparsers(dest="action", required=True)
    plan = actions.add_parser("plan", help="plan a set (and hash its files for the manifest)")
    plan.add_argument("name")
    plan.add_argument("--medium", default="BD 25 GB")
    plan.add_argument("--json", action="store_true")
    plan.add_argument("--ecc", type=int, metavar="PERCENT", default=None,
                      help="keep room on each disc for dvdisaster RS03 data of at least PERCENT %% (3-80)")  # fmt: skip
    plan.add_argument("paths", nargs="+")
    burn = actions.add_parser("burn", help="burn the next unburned disc of the set")
    burn.add_argument("name")
    burn.add_argument("--dev", metavar="ADDRESS", default=argparse.SUPPRESS)
    burn.add_argument("--json", action="store_true")
    burn.add_argument("--speed", default="max", type=check_speed, help="max, or e.g. 4d / 8c / 2b")
    status = actions.add_parser("status", help="which discs are burned")
    status.add_argument("name")
    status.add_argument("--json", action="store_true")
    sets.set_defaults(func=cmd_set)
