"""Burning a disc set disc by disc: the next unburned disc's Plan, with the set's manifest
on it, and what its result means for the set (kept in the set's file, so it resumes)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from app.archive.catalog import Catalog
from app.archive.record import known_medium
from app.archive.sets import DiscSet, SetDisc, save_set, sets_dir, write_manifest
from app.engine.commands import MapEntry
from app.engine.errors import EngineError
from app.engine.options import BurnOptions
from app.jobs.finish import Finished
from app.jobs.plan import Plan
from app.jobs.plans import Target, burn_plan
from app.jobs.plans_ecc import set_disc_ecc_plan


def manifest_folder(name: str) -> Path:
    folder = sets_dir() / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def prepare_manifest(plan: DiscSet, progress=None) -> Path:
    """Hash the set once (every disc carries the same SHA256SUMS and INDEX.txt)."""
    folder = manifest_folder(plan.name)
    write_manifest(plan, folder, progress)
    return folder


def disc_plan(plan: DiscSet, disc: SetDisc, target: Target, options: BurnOptions) -> Plan:
    folder = manifest_folder(plan.name)
    entries = [MapEntry(i.disk, f"/{i.iso}", i.offset, i.count) for i in disc.items]
    entries += [MapEntry(str(folder / f), f"/{f}") for f in ("SHA256SUMS", "INDEX.txt")]
    options.volume_id = plan.volume_id(disc)
    if plan.ecc is not None:
        return set_disc_ecc_plan(plan, target, entries, options)
    return burn_plan(target, entries, options, files=len(entries))


def record_disc(
    plan: DiscSet, disc: SetDisc, done: Finished, then: str = "insert the next blank and run set burn again"
) -> str:
    """A disc burned and verified is done for the set (and the catalog knows its set)."""
    if not done.ok:
        return f"disc {disc.number} of {len(plan.discs)} failed: burn it again on a new blank"
    disc.state, disc.burned_on = "burned", time.strftime("%Y-%m-%d %H:%M")
    save_set(plan)
    if done.report is not None:
        try:
            with Catalog() as catalog:
                medium = known_medium(catalog, done.plan.drive, done.report)
                if medium is not None:
                    catalog.set_membership(medium, plan.name, disc.number, len(plan.discs))
        except (sqlite3.Error, OSError, EngineError) as exc:  # it never fails a burned disc
            return f"disc {disc.number} burned; the catalog could not record its set: {exc}"
    left = sum(1 for d in plan.discs if d.state != "burned")
    return f"disc {disc.number} of {len(plan.discs)} burned" + (
        f"; {left} to go: {then}" if left else "; the set is complete"
    )
