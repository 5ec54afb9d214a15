"""Before an image is written: is it an image, is it whole, and does the medium take it?

Everything here is refused before a single block is written, in one line naming the fix:
a folder, fifo or /dev/zero; a download that fails its published checksum; an image on the
target medium itself; a closed, absent or too small medium; a write-once medium that
already holds data.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field

from app.drives.virtual import recorder_for
from app.engine.address import Address, check_address, parse_address
from app.engine.errors import EngineError
from app.engine.inspect import read_medium
from app.engine.models import SECTOR, MediumReport
from app.iso.image_facts import (
    ImageError,
    ImageFacts,
    image_facts,
    published_checksum,
    verify_checksum,
)  # fmt: skip
from app.media.view import free_blocks, size_text


@dataclass
class ImageCheck:
    problems: list[str] = field(default_factory=list)
    facts: ImageFacts | None = None
    notes: list[str] = field(default_factory=list)
    """What the confirmation should say besides: old contents go, the checksum matched."""
    report: MediumReport | None = None


def check_image_write(
    address: str,
    image: str,
    *,
    verify_sums: bool = True,
    hashing: Callable[[int, int], None] | None = None,
) -> ImageCheck:
    """All the refusals of an image write, and the facts a confirmation shows."""
    check = ImageCheck()
    try:
        check.facts = image_facts(image)
        target = parse_address(address)
        check_address(target, for_write=True)
        if target.remote is None:  # on another machine, it cannot be the image's medium
            _not_on_the_target(image, target)
    except (ImageError, EngineError) as exc:
        check.problems.append(str(exc))
        return check
    if target.remote is not None or not (
        target.kind == "stdio" and not os.path.exists(target.path)
    ):
        try:
            check.report = read_medium(address)
        except EngineError as exc:
            check.problems.append(str(exc))
            return check
        _medium_takes_it(address, check)
    if not check.problems and verify_sums:
        _published_sums(image, check, hashing)
    return check


def _not_on_the_target(image: str, target: Address) -> None:
    """An image read from the very medium it would overwrite is lost half way."""
    info = os.stat(image)
    if target.kind == "stdio":
        if os.path.exists(target.path) and os.path.samefile(image, target.path):
            raise ImageError(f"{image} is the target itself: write it to another drive or file")
        return
    try:
        device = os.stat(target.path)
    except OSError:
        return
    if stat.S_ISBLK(device.st_mode) and info.st_dev == device.st_rdev:
        raise ImageError(
            f"{image} lies on the medium in {target.path}: copy it to the hard disk first"
        )


def _medium_takes_it(address: str, check: ImageCheck) -> None:
    assert check.report is not None and check.facts is not None
    media = check.report.toc.media
    overwriteable = (
        "overwrite" in (media.profile or "").lower() or parse_address(address).kind == "stdio"
    )
    if media.status == "absent":
        check.problems.append("no medium in the drive: insert a blank disc and press r")
        return
    if media.status == "closed" and not overwriteable:
        check.problems.append("the medium is closed: blank it (B) or use a blank disc")
        return
    if media.status in ("appendable", "closed") and not overwriteable:
        check.problems.append(
            "the medium already holds data and an image starts at block 0: "
            "blank it (B) or use a blank disc"
        )
        return
    recorder = recorder_for(address)
    room = (recorder.capacity_blocks if recorder else None) or _overwrite_room(check.report)
    if room is not None and check.facts.blocks > room:
        over = (check.facts.blocks - room) * SECTOR
        check.problems.append(
            f"the image is {size_text(over // SECTOR)} larger than the medium "
            f"({size_text(room)}): use a bigger medium"
        )
    if media.status != "blank" and media.sessions_count:
        check.notes.append(
            f"Lost:    the medium's {media.sessions_count} session(s) are overwritten"
        )


def _overwrite_room(report: MediumReport) -> int | None:
    """Blocks an image may fill: it starts at block 0, so what is on it now counts as free."""
    media = report.toc.media
    free = free_blocks(report)
    if media.status == "blank" or free is None:
        return free
    return free + (media.nwa or media.readable_blocks or 0)


def _published_sums(image: str, check: ImageCheck, hashing: Callable[[int, int], None] | None) -> None:
    checksum = published_checksum(image)
    if checksum is None:
        return
    try:
        verify_checksum(image, checksum, hashing)
    except ImageError as exc:
        check.problems.append(str(exc))
        return
    except OSError as exc:
        check.problems.append(f"cannot read {image}: {exc.strerror}")
        return
    name = os.path.basename(checksum.sums_file)
    check.notes.append(f"Checked: matches its {checksum.algorithm.upper()} in {name}")
