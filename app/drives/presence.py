"""Is a drive still there? A job whose drive vanished must say so, not "write error".

A real drive is its device node and, where sysfs is mounted, its sysfs entry (a static
/dev in a container keeps the node after the device is gone; sysfs does not). A virtual
recorder or image file is its file: removing the recorder, or its image, takes it away.
"""

from __future__ import annotations

import os
import stat

from app.engine.address import parse_address
from app.engine.errors import EngineError
from app.engine.sgio import test_unit_ready

GONE = "the drive went away"
"""What a job whose drive vanished ends with (its result, its journal, the CLI)."""

SYSFS_CLASSES = ("/sys/class/block", "/sys/class/scsi_generic")


def drive_gone(address: str, *, ask_drive: bool = False) -> bool:
    """True when the drive (or image file) at `address` no longer exists. `ask_drive`:
    also ask a real drive (TEST UNIT READY) whether its logical unit is still there — a
    target can drop a unit while the kernel keeps its node (the MMC lab's deleted LUN);
    only once no job holds the drive."""
    try:
        parsed = parse_address(address)
    except EngineError:
        return False
    try:
        mode = os.stat(parsed.path).st_mode
    except FileNotFoundError:
        return True
    except OSError:
        return False  # there, but not ours to look at: not gone
    if parsed.kind == "stdio" or not (stat.S_ISBLK(mode) or stat.S_ISCHR(mode)):
        return False
    if not _in_sysfs(os.path.basename(os.path.realpath(parsed.path))):
        return True
    return ask_drive and test_unit_ready(parsed.path) == "gone"


def _in_sysfs(name: str) -> bool:
    """The kernel still knows the device; True when sysfs cannot tell (not mounted)."""
    classes = [folder for folder in SYSFS_CLASSES if os.path.isdir(folder)]
    if not classes:
        return True
    if not name.startswith(("sr", "sg", "sd", "vd", "loop", "nvme", "hd", "mmcblk")):
        return True  # a node sysfs names differently (a udev symlink's target is resolved)
    return any(os.path.exists(os.path.join(folder, name)) for folder in classes)
