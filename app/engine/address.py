"""Drive addresses in xorriso's forms, checked before xorriso sees them.

xorriso accepts a directory as a `stdio:` drive (a "sequential" medium with nonsense
capacity) and says little about permissions, so discdeck validates paths itself and says
what to do about each problem.
"""

from __future__ import annotations

import grp
import os
import stat
from dataclasses import dataclass
from typing import Literal

from app.engine.errors import AddressError

AddressKind = Literal["stdio", "mmc", "device"]


@dataclass(frozen=True)
class Address:
    """A drive address: what xorriso is given and the file system path behind it."""

    kind: AddressKind
    path: str

    @property
    def xorriso(self) -> str:
        if self.kind == "stdio":
            return f"stdio:{self.path}"
        if self.kind == "mmc":
            return f"mmc:{self.path}"
        return self.path

    def __str__(self) -> str:
        return self.xorriso


def parse_address(text: str) -> Address:
    """`stdio:/img.iso`, `mmc:/dev/vda`, `/dev/sr0`, or a plain image path (taken as stdio:)."""
    if not text.strip():
        raise AddressError("empty drive address: give /dev/srN or stdio:/path/image.iso")
    if text.startswith("stdio:"):
        return Address("stdio", os.path.abspath(text[len("stdio:") :]))
    if text.startswith("mmc:"):
        return Address("mmc", text[len("mmc:") :])
    path = os.path.abspath(text)
    try:
        mode = os.stat(path).st_mode
    except OSError:
        mode = 0
    if stat.S_ISBLK(mode) or stat.S_ISCHR(mode) or path.startswith("/dev/"):
        return Address("device", path)
    return Address("stdio", path)


def _group_name(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def permission_fix(path: str) -> str:
    """How to get read/write access to a recorder's device node."""
    try:
        group = _group_name(os.stat(path).st_gid)
    except OSError:
        group = "cdrom"
    return (
        f"add yourself to group '{group}' (sudo usermod -aG {group} $USER, then log in again)"
        ' or install a udev rule giving the device GROUP="cdrom", MODE="0660"'
    )


def check_address(address: Address, *, for_write: bool = False) -> None:
    """Raise AddressError with a one-line reason and fix if `address` cannot work."""
    path = address.path
    if address.kind == "stdio":
        if os.path.isdir(path):
            raise AddressError(
                f"{path} is a directory, not an image file: "
                f"give a file such as stdio:{os.path.join(path, 'disc.iso')}"
            )
        if not os.path.exists(path):
            parent = os.path.dirname(path) or "."
            if not for_write:
                raise AddressError(
                    f"{path} does not exist: give an existing image file "
                    "(a new, empty one works as a blank medium: touch it first)"
                )
            if not os.path.isdir(parent):
                raise AddressError(f"cannot create {path}: folder {parent} does not exist")
            return
        if not os.access(path, os.R_OK):
            raise AddressError(
                f"cannot read {path}: permission denied (chmod u+r the file or use a copy)"
            )
        if for_write and not os.access(path, os.W_OK):
            raise AddressError(
                f"cannot write {path}: permission denied (chmod u+w the file, or burn to a copy)"
            )
        return
    if not os.path.exists(path):
        raise AddressError(
            f"no such device {path}: is the drive connected? (`discdeck` lists the drives it sees)"
        )
    if not os.access(path, os.R_OK | os.W_OK):
        raise AddressError(f"no read/write permission on {path}: {permission_fix(path)}")


def readable_only(address: Address) -> bool:
    """True for an image we may read but not write: it must be opened with -indev."""
    return (
        address.kind == "stdio"
        and os.path.exists(address.path)
        and not os.access(address.path, os.W_OK)
    )
