"""The list of drives the app offers: virtual recorders, optical drives, an explicit --dev."""

from __future__ import annotations

import os
from dataclasses import dataclass

from app.drives.discovery import discover_drives
from app.drives.shelf import shelved_media
from app.drives.virtual import VirtualRecorder, ensure_default_recorder
from app.engine.address import parse_address


@dataclass(frozen=True)
class DriveEntry:
    """One row of the drive list: enough to read the drive and to explain why it can't be used."""

    address: str
    title: str
    detail: str = ""
    virtual: bool = False
    problem: str | None = None
    recorder: VirtualRecorder | None = None
    row: str = "drive"
    """"drive", or a row that is no drive: "host" (a remote host's heading) or "note" (why
    a host shows no drives, greyed). Only drive rows can be opened or marked."""


def _optical_entries() -> list[DriveEntry]:
    entries = []
    for drive in discover_drives():
        name = " ".join(p for p in (drive.vendor, drive.product) if p) or "optical drive"
        perms = f" {drive.permissions}" if drive.permissions else ""
        entries.append(
            DriveEntry(
                address=drive.address,
                title=drive.address,
                detail=f"{name}{perms}",
                problem=drive.problem,
            )
        )
    return entries


def gather_drives(explicit: str | None = None, *, optical: bool = True) -> list[DriveEntry]:
    """Everything the drive list shows; `optical=False` skips the slow part (the
    `xorriso -devices` scan) so the virtual recorder can be shown and read at once."""
    entries: list[DriveEntry] = []
    if explicit:
        parsed = parse_address(explicit)
        title = os.path.basename(parsed.path) if parsed.kind == "stdio" else parsed.path
        detail = "image file" if parsed.kind == "stdio" else "given with --dev"
        if parsed.remote is not None:  # the whole ssh:// address: it is read over there
            title, detail = f"{parsed.remote.host}: {title}", f"{detail} on {parsed.remote.host}"
        entries.append(DriveEntry(address=parsed.text, title=title, detail=detail))
    known = {e.address for e in entries}
    for recorder in ensure_default_recorder():
        if recorder.address not in known:
            entries.append(
                DriveEntry(
                    address=recorder.address,
                    title=recorder.name,
                    detail=recorder.medium,
                    virtual=True,
                    recorder=recorder,
                )
            )
        else:
            entries = [
                DriveEntry(e.address, recorder.name, recorder.medium, True, e.problem, recorder)
                if e.address == recorder.address
                else e
                for e in entries
            ]
    for shelved in shelved_media():
        recorder = shelved.recorder
        if recorder.address not in known:
            detail = f"on the shelf, {recorder.medium}"
            entries.append(DriveEntry(recorder.address, recorder.name, detail, True, None, recorder))
    if optical:
        entries += [e for e in _optical_entries() if e.address not in known]
    return entries
