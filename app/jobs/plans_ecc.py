"""Plan builders for error correction: a set's disc burned with RS03 data, and an image
read from a damaged disc repaired with it (dvdisaster)."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path

from app.archive.ecc import STANDARD_SIZES, ecc_medium
from app.archive.sets import DiscSet
from app.config import state_dir
from app.drives.virtual import nominal_blocks
from app.engine.address import parse_address
from app.engine.commands import MapEntry
from app.engine.options import BurnOptions
from app.jobs.plan import Confirm, Follow, Plan
from app.jobs.plans import Target
from app.media.view import short_address


def ecc_temp_image(state: Path, volume_id: str) -> str:
    """A fresh temporary image in the state dir (never in the user's folders); those of a
    discdeck that is gone (killed mid-burn) are deleted first — a write still reading one
    keeps reading it (the file lives on until it is closed)."""
    folder = state / "ecc"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    for old in folder.glob("*-*-*.iso"):
        pid = old.name.rsplit("-", 2)[1]
        if pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
            old.unlink(missing_ok=True)
    return str(folder / f"{volume_id}-{os.getpid()}-{int(time.time())}.iso")


def ecc_burn_plan(
    target: Target,
    entries: Sequence[MapEntry],
    options: BurnOptions,
    *,
    ecc: int,
    ecc_medium: str,
    temp: str,
) -> Plan:
    """Build the session into `temp`, add RS03 (at least `ecc` %, filling dvdisaster's
    `ecc_medium` size), write it to the medium, compare, delete `temp`."""
    sectors = STANDARD_SIZES[ecc_medium] // 255 * 255
    lines = (
        f"Drive:   {target.name} ({short_address(target.address)})",
        f"Disc:    volume {options.volume_id}, {len(entries):,} entries",
        f"ECC:     RS03, at least {ecc} % redundancy; the image fills {sectors:,} blocks "
        f"(dvdisaster's {ecc_medium} size)",
        f"How:     built in {short_address(temp)}, augmented, written, compared; then deleted",
        "Then:    close the medium (an error-corrected image is the whole disc)",
    )
    fields = ("volume_id", "speed", "md5", "joliet", "dummy", "stdio_sync", "pacifier_interval")
    return Plan(
        kind="ecc_burn",
        address=parse_address(target.address),
        drive_title=target.title,
        title=f"Burning {options.volume_id} with error correction to {target.name}",
        argv=(),
        confirm=Confirm("Burn this disc with error correction?", lines, "Burn"),
        follow=Follow(),
        buffers=True,
        entries=tuple(entries),
        params={
            "temp": temp, "ecc": ecc, "ecc_medium": ecc_medium,
            "options": {**{k: getattr(options, k) for k in fields}, "close": True, "verify": True},
        },
    )  # fmt: skip


def set_disc_ecc_plan(
    plan: DiscSet, target: Target, entries: Sequence[MapEntry], options: BurnOptions
) -> Plan:
    """A set's disc with its RS03 data (the set was planned with --ecc)."""
    assert plan.ecc is not None
    temp = ecc_temp_image(state_dir(), options.volume_id)
    medium = ecc_medium(nominal_blocks(plan.medium))
    return ecc_burn_plan(target, entries, options, ecc=plan.ecc, ecc_medium=medium, temp=temp)


def repair_plan(image: str, output: str, sector_map: str | None) -> Plan:
    """Repair `output` (a copy of `image`, or `image` itself when they are the same) with
    the RS03 data it carries; sectors `sector_map` marks unread are told to dvdisaster."""
    image, output = os.path.abspath(image), os.path.abspath(output)
    in_place = image == output
    lines = (
        f"Image:   {image}",
        "Writes:  " + ("the image itself, in place" if in_place else f"a repaired copy, {output}"),
        "Missing: " + (f"the blocks {os.path.basename(sector_map)} marks unread" if sector_map
                        else "no sector map: only sectors whose checksum fails are found"),
    )  # fmt: skip
    return Plan(
        kind="repair",
        address=parse_address(f"stdio:{output}"),
        title=f"Repairing {os.path.basename(image)}",
        argv=(),
        confirm=Confirm("Repair the image?", lines, "Repair", danger=in_place),
        follow=Follow(reread=False),
        params={"image": image, "output": output, "map": sector_map},
    )
