"""Writing an image file someone else made (an installer, a rescue system) to a medium,
byte for byte, with xorriso's cdrecord emulation (`-as cdrecord`, xorrecord(1)).

The native commands build ISO trees; a finished image is a track to copy as it is, which
is what `-as cdrecord` does, with its own pacifier ("7 of 30 MB written (fifo 99%)
[buf 50%] 4.2x.", parsed in progress.py). Its list of arguments ends with `--`, so the
native flags before it (packets, severities, the pacifier interval) still apply.
"""

from __future__ import annotations

import os

from app.engine.address import overwrite_problem, parse_address
from app.engine.errors import AddressError
from app.engine.options import BurnOptions, validate_options

FIFO_SIZE = "fs=32m"
"""libburn's fifo for the image, instead of cdrecord's 4m: 1 GiB to a stdio: image took
14.7 s with 4m and 2.8 s with 32m (bench/images.py, row 7b, for today's figure); an image
arriving from another machine through a FIFO gets its jitter absorbed too. 32 MiB of memory
per write, for the write's length."""
PADDING = "padsize=300k"
"""xorrecord's default, kept on purpose: Linux often fails to read the last blocks of a CD
track written TAO without it. The verify compares exactly the image's length."""


def write_image_commands(
    address: str, image: str, options: BurnOptions, *, there: str | None = None, pad: bool = True
) -> list[str]:
    """Write `image` as the medium's data track; `options.close` closes the medium,
    else it stays appendable (`-multi`). `there`: the image's path as the remote xorriso
    sees it (a copy in its run folder), for a drive on another machine. `pad=False`: no
    padding (an image that fills the medium to its last block, as an error-corrected one
    does on a DVD)."""
    validate_options(options)
    if "\0" in image or not image:
        raise ValueError(f"bad image path {image!r}")
    parsed = parse_address(address)
    commands = ["-pacifier", f"interval={options.pacifier_interval:g}"]
    commands += ["-as", "cdrecord", "-v", f"dev={parsed.xorriso}", FIFO_SIZE]
    if options.speed != "max":
        commands.append(f"speed={options.speed}")
    if options.dummy:
        commands.append("-dummy")
    if not options.close:
        commands.append("-multi")
    if options.write_type in ("tao", "sao"):
        commands.append(f"-{options.write_type}")
    if parsed.kind == "stdio" and options.stdio_sync is not None:
        commands.append(f"stdio_sync={options.stdio_sync}")
    # An absolute path: a name starting with "-" or holding "=" is never read as an option.
    return [*commands, *([PADDING] if pad else []), there or os.path.abspath(image), "--"]


def fresh_image(path: str, *, replace: bool) -> None:
    """Make `path` ready for a new image: absent or empty is fine; an existing image is
    emptied only when replacing was asked for (xorriso would append a session to it), and
    a file that is not a disc image never is. AddressError says why, in one line."""
    path = os.path.abspath(path)
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return
    if not replace:
        raise AddressError(f"{path} exists: choose another name, or ask to replace it")
    problem = overwrite_problem(path)
    if problem:
        raise AddressError(problem)
    os.truncate(path, 0)
