"""Plans for a jukebox: load a slot's medium into a drive, unload it back into a slot.

The Plan is for the changer (/dev/sgN, mtx's device); `drive_dev` names the optical drive
it loads, when known, so that the job waits for that drive to take the medium."""

from __future__ import annotations

from app.engine.address import parse_address
from app.engine.mtx import load_argv, unload_argv
from app.jobs.plan import Confirm, Follow, Plan


def _changer_plan(changer: str, title: str, argv: list[str], confirm: Confirm, **params) -> Plan:
    return Plan(
        kind="changer", address=parse_address(changer), title=title, argv=tuple(argv),
        confirm=confirm, follow=Follow(reread=False), params={"changer": changer, **params},
        drive_title=changer,
    )  # fmt: skip


def load_plan(changer: str, slot: int, drive: int = 0, drive_dev: str | None = None) -> Plan:
    into = f"drive {drive}" + (f" ({drive_dev})" if drive_dev else "")
    return _changer_plan(
        changer, f"Loading slot {slot} into {into}", load_argv(changer, slot, drive),
        Confirm("Load?", (f"Move the medium in slot {slot} of {changer} into {into}.",), "Load"),
        action="load", slot=slot, drive=drive, drive_dev=drive_dev,
    )  # fmt: skip


def unload_plan(changer: str, slot: int, drive: int = 0, drive_dev: str | None = None) -> Plan:
    """`slot`: where the medium goes (the slot it came from, as mtx status says)."""
    return _changer_plan(
        changer, f"Unloading drive {drive} into slot {slot}", unload_argv(changer, slot, drive),
        Confirm("Unload?", (f"Put the medium in drive {drive} back into slot {slot}.",), "Unload"),
        action="unload", slot=slot, drive=drive, drive_dev=drive_dev,
    )  # fmt: skip
