"""Start the Job a Plan describes, after the checks that must be fresh at that moment
(the address still usable, the drive not taken by another discdeck)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from app.engine.address import check_address, parse_address
from app.engine.commands import MapEntry
from app.engine.detach import check_free
from app.engine.dvdisaster import check_dvdisaster
from app.engine.errors import EngineError
from app.engine.image_write import fresh_image
from app.engine.inspect import read_medium
from app.engine.operations import Operation
from app.engine.options import BurnOptions
from app.engine.remaster import RemasterError, check_remaster, empty_output
from app.engine.remote_address import is_remote
from app.engine.rescue import RescueRead
from app.engine.surface import SurfaceScan
from app.jobs.changer_move import ChangerMoveJob
from app.jobs.copy import CopyJob
from app.jobs.ecc_burn import EccBurnJob
from app.jobs.job import Job
from app.jobs.plan import Plan
from app.jobs.plans import (
    Target,
    blank_plan,
    burn_plan,
    check_plan,
    eject_plan,
    format_plan,
    remaster_plan,
    surface_plan,
)
from app.jobs.read_checks import ReadLock, check_read_target, remember_identity
from app.jobs.repair import RepairJob
from app.jobs.udf_format import UdfFormatJob
from app.jobs.verify_image import VerifyImageJob
from app.jobs.verify_remote import RemoteVerifyJob

WRITES = ("burn", "blank", "format", "write", "copy", "udf")
REMOTE_KINDS = ("burn", "check", "blank", "format", "eject", "write", "verify")
"""What runs on an ssh:// drive: the xorriso jobs whose files are all sent over (rescue
reads, copies, scans, UDF formats and extracts would read or write files here or there)."""


def start_job(plan: Plan, *, journal_dir: Path | None = None, attach_to: Path | None = None) -> Job:
    """The job of `plan`, not yet running (iterate its events()); `attach_to`: follow the
    detached run in that folder instead of starting one. EngineError when it cannot start."""
    meta = {"plan": plan.to_json()}
    _refuse_remote(plan)
    if attach_to is not None:
        return Operation(
            plan.kind, list(plan.argv), journal_dir=journal_dir, address=plan.drive,
            attach_to=attach_to, meta=meta,
        )  # fmt: skip
    if plan.kind == "extract":
        from app.jobs.extract import ExtractJob  # the ISO reader only when extracting

        view, source = plan.local
        return ExtractJob(view, source, plan.params["target"], plan.drive)
    if plan.kind == "remaster":
        return _remaster(plan, journal_dir)
    if plan.kind in ("ecc_burn", "repair"):
        return _error_correction(plan, journal_dir)
    if plan.kind == "verify":
        stamp = plan.params.get("stamp")
        if plan.address.remote is not None:
            image = plan.params["image"]
            return RemoteVerifyJob(plan.address, image, tuple(stamp) if stamp else None)
        return VerifyImageJob(plan.drive, plan.params["image"], tuple(stamp) if stamp else None)
    if plan.kind == "changer":
        return ChangerMoveJob(plan)
    if plan.kind != "eject":
        check_address(plan.address, for_write=plan.kind in WRITES)
    if plan.kind == "udf":
        check_free(plan.drive)
        return UdfFormatJob(plan)
    if plan.kind == "read":
        return _read(plan, journal_dir)
    if plan.kind == "copy":
        params = plan.params
        source = Target(params["source"], params["source_title"])
        dest = Target(plan.drive, plan.drive_title)
        options = BurnOptions(**params["options"])
        return CopyJob(
            source, dest, params["temp"], options, start=start_job, journal_dir=journal_dir
        )
    if plan.kind == "surface":
        return SurfaceScan(
            list(plan.argv), plan.params["abort_file"], journal_dir=journal_dir,
            address=plan.drive,
        )  # fmt: skip
    if plan.kind != "eject":
        check_free(plan.drive)
    if plan.params.get("new_image") is not None:
        fresh_image(plan.address.path, replace=bool(plan.params["new_image"]))
    return Operation(
        plan.kind, list(plan.argv), journal_dir=journal_dir, address=plan.drive, meta=meta
    )


def _refuse_remote(plan: Plan) -> None:
    """Kinds that would read or write a local path of the remote's name stay local."""
    source = plan.params.get("source")
    remote = plan.address.remote or (
        parse_address(source).remote if isinstance(source, str) and is_remote(source) else None
    )
    if remote is not None and plan.kind not in REMOTE_KINDS:
        raise EngineError(
            f"{plan.kind} is not supported on a drive on another machine yet: run it on "
            f"{remote.host} (ssh {remote.host}, then discdeck there)"
        )


def _error_correction(plan: Plan, journal_dir: Path | None) -> Job:
    """dvdisaster's jobs: an error-corrected disc, an image repaired (its absence named)."""
    check_dvdisaster()
    if plan.kind == "repair":
        return RepairJob(plan)
    return EccBurnJob(plan, start=start_job, journal_dir=journal_dir)


def _read(plan: Plan, journal_dir: Path | None) -> Job:
    """Checked again at the start (the disc may have been swapped), then locked."""
    image = plan.params["image"]
    report = read_medium(plan.drive)
    problems = check_read_target(image, report)
    if problems:
        raise EngineError(problems[0])
    had_map = os.path.exists(plan.params["map"])
    remember_identity(image, report)
    lock = ReadLock(image)
    job = RescueRead(
        list(plan.argv), plan.params["abort_file"], had_map=had_map, journal_dir=journal_dir,
        address=plan.drive, medium=report,
    )  # fmt: skip
    job.on_end = lock.release
    return job


def _remaster(plan: Plan, journal_dir: Path | None) -> Job:
    params = plan.params
    additions = [tuple(a) for a in params["additions"]]
    try:
        check_remaster(
            params["source"], plan.drive, additions, params["removals"],  # type: ignore[arg-type]
            overwrite=params["overwrite"],
        )  # fmt: skip
        if params["overwrite"]:
            empty_output(plan.drive)
    except RemasterError as exc:
        raise EngineError(str(exc)) from exc
    return Operation("remaster", list(plan.argv), journal_dir=journal_dir, address=plan.drive)


# -- shorthands for scripts and tests: a plan for a bare address, started ------------------


def start_burn(
    address: str,
    entries: Sequence[MapEntry],
    options: BurnOptions,
    *,
    journal_dir: Path | None = None,
) -> Job:
    return start_job(burn_plan(Target(address), entries, options), journal_dir=journal_dir)


def start_check(address: str, *, journal_dir: Path | None = None) -> Job:
    return start_job(check_plan(Target(address)), journal_dir=journal_dir)


def start_blank(address: str, mode: str = "as_needed", *, journal_dir: Path | None = None) -> Job:
    return start_job(blank_plan(Target(address), mode), journal_dir=journal_dir)


def start_format(address: str, mode: str = "as_needed", *, journal_dir: Path | None = None) -> Job:
    return start_job(format_plan(Target(address), mode), journal_dir=journal_dir)


def start_eject(address: str, *, journal_dir: Path | None = None) -> Job:
    return start_job(eject_plan(Target(address)), journal_dir=journal_dir)


def start_surface_scan(
    address: str, *, journal_dir: Path | None = None, **limits: int | bool | None
) -> Job:
    return start_job(surface_plan(Target(address), **limits), journal_dir=journal_dir)  # type: ignore[arg-type]


def start_remaster(
    source: str,
    out: str,
    additions: Sequence[tuple[str, str]],
    removals: Sequence[str] = (),
    volume_id: str | None = None,
    *,
    overwrite: bool = False,
    journal_dir: Path | None = None,
) -> Job:
    """RemasterError (before anything is written) when check_remaster refuses."""
    check_remaster(source, out, additions, removals, overwrite=overwrite)
    try:
        plan = remaster_plan(source, out, additions, removals, volume_id, overwrite=overwrite)
    except ValueError as exc:
        raise RemasterError(str(exc)) from exc
    return start_job(plan, journal_dir=journal_dir)
