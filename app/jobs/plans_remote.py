"""What a Plan for a drive on another machine needs besides its argv: the staged files
(or the image file, for `write`).

Two ways to get them there. Streamed (`streamed_burn`): the session image is built here
and written there through the image path (`-as cdrecord` reading a FIFO) as it is built:
the transfer overlaps the burn (a copy adds its whole time first; README: bench figures),
but a dropped link cuts the track, so it is chosen only where a
cut ruins nothing: a fresh session (no append, nothing removed) on a blank stdio: image or
a blank rewritable medium (CD-RW, DVD-RW, DVD+RW, DVD-RAM, BD-RE), which is blanked and
written again. The cut itself is a loud failure (app/engine/remote_stream.py). Everything
else (write-once media, appends, unknown media) is copied first:

the remote xorriso cannot read our files, so a burn to an ssh:// drive copies them first,
in the job's own start call (app/engine/remote_run.py): entry N goes to `files/N` in the
remote run folder (where xorriso runs), and the argv maps that relative path. Numbered
names: the remote shell and file system never see a staged name at the top; names inside
a staged folder travel as tar's bytes, exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from app.engine.address import parse_address
from app.engine.commands import MapEntry, burn_commands
from app.engine.image_write import write_image_commands
from app.engine.models import Media
from app.engine.options import BurnOptions
from app.engine.remote_stream import OUTDEV
from app.engine.runner import base_argv

FIFO = "image.fifo"
"""The remote run folder's FIFO the agent feeds (app/engine/remote_agent.py). The writer
there has image_write.FIFO_SIZE, as every image write (32m, not cdrecord's 4m: 256 MiB
from a file took 4.5 s to a stdio: image with 4m, 0.9 s with 32m, and it absorbs the
link's jitter). The builder here gets the same (`-fs 32m`: 2.3 -> 2.0 s for 256 MiB into
a pipe)."""
REWRITABLE = ("CD-RW", "DVD-RW", "DVD+RW", "DVD-RAM", "BD-RE")


def remote_entries(
    address: str, entries: Sequence[MapEntry]
) -> tuple[list[MapEntry], list[list[str]]]:
    """The entries as the remote's xorriso maps them, and [local path, remote path] pairs
    to upload (both unchanged and empty for a local drive)."""
    if parse_address(address).remote is None:
        return list(entries), []
    mapped, uploads = [], []
    for index, entry in enumerate(entries):
        there = f"files/{index}"
        uploads.append([entry.disk_path, there])
        mapped.append(replace(entry, disk_path=there))
    return mapped, uploads


def can_stream(address: str, media: Media | None, removals: Sequence[str] = ()) -> bool:
    """A cut stream would ruin nothing here: a fresh session on a blank image or blank
    rewritable medium of another machine (see the module's docstring)."""
    parsed = parse_address(address)
    if parsed.remote is None or removals or media is None or media.status != "blank":
        return False
    profile = (media.profile or "").upper()
    return parsed.kind == "stdio" or any(kind in profile for kind in REWRITABLE)


def streamed_burn(
    address: str, entries: Sequence[MapEntry], options: BurnOptions, media: Media | None,
    removals: Sequence[str] = (),
) -> tuple[list[str], dict] | None:  # fmt: skip
    """The remote commands (write the image arriving in the FIFO) and the Plan params
    (`stream`: the local builder's argv) of a streamed burn; None: copy first instead."""
    if not can_stream(address, media, removals):
        return None
    build = replace(options, dummy=False, close=False, speed="max", write_type="auto",
                    stdio_sync=None)  # fmt: skip
    builder = burn_commands(OUTDEV, entries, build)
    at = builder.index("-dev")
    builder[at : at + 2] = ["-outdev", OUTDEV, "-fs", "32m"]  # a pipe: nothing to load
    writer = write_image_commands(address, FIFO, options, there=FIFO)
    return writer, {"stream": [*base_argv(), *builder]}


def streamed_write(
    address: str, image: str, options: BurnOptions, media: Media | None, *, pad: bool = True
) -> tuple[list[str], dict] | None:
    """An image file written on another machine as it is read here, where a cut ruins
    nothing (as `streamed_burn`): the remote commands and the Plan params (`stream_file`);
    None: copy it there first instead."""
    if not can_stream(address, media):
        return None
    writer = write_image_commands(address, FIFO, options, there=FIFO, pad=pad)
    return writer, {"stream_file": image}


def transfer_lines(address: str, streamed: object, kind: str = "burn") -> list[str]:
    """The confirmation's word on how the files (a burn) or the image (a write) reach
    another machine; none for a local one."""
    if parse_address(address).remote is None:
        return []
    how = "built" if kind == "burn" else "read"
    if streamed:
        return [f"Transfer: the image is streamed as it is {how} (a dropped link fails the {kind})"]
    what = "the files are" if kind == "burn" else "the image is"
    return [f"Transfer: {what} copied there first, then {'burned' if kind == 'burn' else 'written'}"]
