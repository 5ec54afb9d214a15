"""Before a burn: the exact session size and the problems in words, nothing written."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from app.engine import commands as cmd
from app.engine.address import check_address, parse_address
from app.engine.commands import BurnOptions, MapEntry
from app.engine.errors import EngineError
from app.engine.inspect import read_medium
from app.engine.models import SECTOR
from app.engine.runner import run
from app.engine.xorriso_job import warnings_of

_IMAGE_SIZE = re.compile(r"^Image size\s*:\s*(\d+)s")
_MEDIA_SPACE = re.compile(r"^Media space\s*:\s*(\d+)s")


@dataclass
class SizeForecast:
    image_sectors: int
    media_free_sectors: int | None
    warnings: list[str] = field(default_factory=list)
    """What xorriso warned about while building the tree: a volume id that breaks ISO 9660's
    rules or makes a poor mount point name, names it had to change. Its rules, said by it."""


def forecast_size(
    address: str,
    entries: Sequence[MapEntry],
    options: BurnOptions,
    removals: Sequence[str] = (),
) -> SizeForecast:
    """Size of the session the stage would make, and the medium's free space (nothing written)."""
    result = run(cmd.size_commands(address, entries, options, removals))
    image = free = None
    for line in result.text("R").splitlines():
        if m := _IMAGE_SIZE.match(line):
            image = int(m.group(1))
        elif m := _MEDIA_SPACE.match(line):
            free = int(m.group(1))
    if image is None:
        raise EngineError(
            result.first_problem() or f"xorriso gave no image size (rc {result.returncode})"
        )
    return SizeForecast(image, free, warnings_of(result))


def preflight_burn(
    address: str,
    entries: Sequence[MapEntry],
    options: BurnOptions,
    *,
    capacity_sectors: int | None = None,
    removals: Sequence[str] = (),
) -> list[str]:
    """Problems in words before anything is written; empty when the burn may start.

    `capacity_sectors` (the medium's whole nominal capacity; the blocks in use are taken
    off here) overrides xorriso's free figure: a virtual recorder's medium has a nominal
    capacity, while xorriso reports the host disk's free space for stdio: files.
    """
    if not entries and not removals:
        return ["the stage is empty: add files or folders first"]
    try:
        cmd.validate(entries, options)
        parsed = parse_address(address)
        check_address(parsed, for_write=True)
    except (ValueError, EngineError) as exc:
        return [str(exc)]
    problems = cmd.source_problems(entries)
    nwa, remote_free = 0, None
    if parsed.remote is not None or not (parsed.kind == "stdio" and not os.path.exists(parsed.path)):
        try:
            report = read_medium(address)
        except EngineError as exc:
            return [*problems, str(exc)]
        media = report.toc.media
        if media.status == "closed":
            problems.append(
                "appending to a closed medium is impossible: blank it (B) or use another disc"
            )
        elif media.status == "absent":
            problems.append("no medium in the drive: insert a disc and press r to read it")
        else:
            problems.extend(p for p in report.problems if p not in problems)
        nwa = media.nwa or (media.readable_blocks if media.status == "appendable" else 0) or 0
        remote_free = media.writable_blocks if parsed.remote is not None else None
    if problems:
        return problems
    try:
        # A remote drive: the session's size from our files here (the remote cannot see
        # them yet), the room from its medium as read there.
        sized = "stdio:/dev/null" if parsed.remote is not None else address
        forecast = forecast_size(sized, entries, options, () if parsed.remote else removals)
    except EngineError as exc:
        return [f"cannot size the stage: {exc}"]
    free = forecast.media_free_sectors if parsed.remote is None else remote_free
    if capacity_sectors is not None:
        free = max(0, capacity_sectors - nwa)
    if free is not None and forecast.image_sectors > free:
        over = (forecast.image_sectors - free) * SECTOR
        problems.append(
            f"the stage is {cmd.human_size(over)} over the free space of {cmd.human_size(free * SECTOR)}"
        )
    return problems
