"""After a job: what the catalog should know of it. A burn puts the medium's files in;
a check, scan, read or verify adds a health record. The catalog never fails a job: a
problem with it is said in the note, and the job's own verdict stands."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from app.archive.catalog import Catalog
from app.archive.record import Curve, catalog_medium, known_medium, speed_curve
from app.engine.errors import EngineError
from app.engine.models import MediumReport
from app.engine.progress import Progress
from app.engine.rescue import ReadResult
from app.jobs.job import JobResult

CHECKS = ("check", "surface", "read", "verify")
WRITES = ("burn", "write", "ecc_burn")


def remember(
    drive: str,
    results: Sequence[JobResult],
    report: MediumReport | None,
    samples: Sequence[Progress],
) -> str | None:
    """Record a plan's results on the medium at `drive` in the catalog; a few words of what
    it learned, or None. A read re-reads nothing after it: the disc it found at its start
    (the one it read) is the one its check goes to."""
    results = [r for r in results if r.kind not in CHECKS or checked_something(r)]
    report = report or next((r.medium for r in results if isinstance(r, ReadResult)), None)
    kinds = [r.kind for r in results]
    if report is None or not (set(kinds) & {*WRITES, *CHECKS}):
        return None
    try:
        with Catalog() as catalog:
            if any(r.kind in WRITES and r.outcome == "ok" for r in results):
                listed = catalog_medium(catalog, drive, report)
                note = f"catalogued {listed[1]:,} files" if listed else None
            else:
                note = None
            for result in (r for r in results if r.kind in CHECKS):
                medium = known_medium(catalog, drive, report)
                if medium is None:
                    continue
                surface = getattr(result, "surface", None)
                counts = surface.blocks_by_quality() if surface else {}
                curve = _curve(result, samples)
                catalog.record_check(
                    medium, drive=drive, kind=result.kind, result=result.outcome,
                    message=result.message, slow=counts.get("slow", 0),
                    unreadable=counts.get("unreadable", 0), speeds=curve.points,
                    speed_unit=curve.unit, total_blocks=curve.total,
                )  # fmt: skip
                note = note or "the check is in the disc's health history"
            return note
    except (sqlite3.Error, OSError, EngineError) as exc:
        return f"the catalog could not record it: {exc}"


def checked_something(result: JobResult) -> bool:
    """A check that looked at the disc: not a read that never read a block (it failed to
    start, was cancelled first, or an earlier run had read it all), nor a scan cancelled
    before its first block. Only a check that looked is the disc's health."""
    if isinstance(result, ReadResult):
        return result.tried > 0
    if result.kind == "read":
        return False  # cancelled before xorriso began: a bare result, no map
    if result.kind == "surface" and result.outcome == "cancelled":
        surface = getattr(result, "surface", None)
        return surface is not None and bool(surface.regions)
    return True


def _curve(result: JobResult, samples: Sequence[Progress]) -> Curve:
    """The check's read speed along the medium; a read that went on from its sector map
    read scattered blocks, whose counts are no places on the medium: no curve then."""
    if isinstance(result, ReadResult) and result.continued:
        surface = result.surface
        return Curve([], None, surface.total_blocks if surface else None)
    return speed_curve(samples)
