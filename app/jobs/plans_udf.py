"""The plan of `format --udf`: mkudffs on an image file or on a rewritable medium.

Each medium's decision (mkudffs --media-type, options, xorriso -format first, written in
place or through pktcdvd) is app.media.udf_format.UDF_MEDIA; this module turns it into a
Plan with the confirmation that says it.
"""

from __future__ import annotations

import os

from app.engine.address import parse_address
from app.jobs.plan import Confirm, Plan
from app.jobs.plans import Target
from app.media import udf_format as udf


def needs_format_first(target: Target) -> bool:
    """A medium xorriso -format as_needed runs on before mkudffs: a DVD+RW, DVD-RAM or
    BD-RE that reads as blank (a new one is unformatted; as_needed leaves a formatted one
    alone). A DVD-RW's restricted overwrite is one of the steps packet_steps names."""
    media = target.media
    if media is None or parse_address(target.address).kind == "stdio":
        return False
    try:
        medium = udf.udf_medium(media.profile)
    except ValueError:
        return False
    return medium.format_first and medium.in_place and media.status == "blank"


def udf_format_plan(
    target: Target, label: str, *, formatted_first: bool = False, pktcdvd: bool | None = None
) -> Plan:
    """mkudffs on a rewritable medium or an image file: everything on it is lost, so asked.

    ValueError (one line naming the fix) for a label UDF cannot hold, a medium that is not
    rewritable, a DVD-RW or CD-RW (Linux writes those only through pktcdvd, as root: the
    steps are said), or a medium that needs xorriso -format first unless `formatted_first`
    (format_plan runs before it). `pktcdvd` overrides the look at this kernel (tests).
    """
    address = parse_address(target.address)
    image = address.kind == "stdio"
    profile = target.media.profile if target.media else None
    medium = None if image else udf.udf_medium(profile)
    udf.check_label(label)
    if medium is not None and not medium.in_place:
        have = udf.has_pktcdvd() if pktcdvd is None else pktcdvd
        raise ValueError(udf.packet_steps(medium, address.path, label, pktcdvd=have))
    if not formatted_first and needs_format_first(target):
        raise ValueError(
            f"this {profile} must be formatted first: Format → as needed "
            "(xorriso -format as_needed), then format it for UDF"
        )
    blocks = None
    if image and (not os.path.exists(address.path) or os.path.getsize(address.path) == 0):
        blocks = udf.IMAGE_BLOCKS
    kind = medium.media_type if medium else "hd"
    options = " ".join(medium.extra) if medium and medium.extra else ""
    lines = (
        f"Drive: {target.name}",
        f"File system: UDF, label {label}, media type {kind}{' ' + options if options else ''}, "
        f"{udf.BLOCK_SIZE}-byte blocks",
        *((f"Why: {medium.why}",) if medium else ()),
        "Everything on the medium is lost.",
        *(("First xorriso -format as_needed formats the medium.",) if formatted_first else ()),
    )
    return Plan(
        kind="udf",
        address=address,
        drive_title=target.title,
        title=f"Formatting {target.name} for UDF",
        argv=tuple(udf.mkudffs_argv(address.path, medium, label, blocks)),
        confirm=Confirm("Format for UDF?", lines, "Format", danger=True),
        params={"label": label, "media_type": kind},
    )
