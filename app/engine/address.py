"""Drive addresses in xorriso's forms, checked before xorriso sees them.

xorriso accepts a directory as a `stdio:` drive (a "sequential" medium with nonsense
capacity), says little about permissions and writes over any file it is given, so
discdeck validates paths itself and says what to do about each problem.
"""

from __future__ import annotations

import grp
import os
import stat
from dataclasses import dataclass
from typing import Literal

from app.engine.errors import AddressError
from app.engine.remote_address import RemoteAddress, is_remote, parse_remote
from app.engine.volumes import disc_image_kind

AddressKind = Literal["stdio", "mmc", "device"]


@dataclass(frozen=True)
class Address:
    """A drive address: what xorriso is given and the file system path behind it.

    A drive on another machine has `remote` set: `path` and `xorriso` are then what
    xorriso on that machine sees, and `text` is the whole `ssh://` address.
    """

    kind: AddressKind
    path: str
    remote: RemoteAddress | None = None

    @property
    def xorriso(self) -> str:
        if self.kind == "stdio":
            return f"stdio:{self.path}"
        if self.kind == "mmc":
            return f"mmc:{self.path}"
        return self.path

    @property
    def text(self) -> str:
        """The address as the user writes it (parse_address(text) gives it back)."""
        if self.remote is None:
            return self.xorriso
        return f"{self.remote.url}{'' if self.xorriso.startswith('/') else '/'}{self.xorriso}"

    def __str__(self) -> str:
        return self.text


def parse_address(text: str) -> Address:
    """`stdio:/img.iso`, `mmc:/dev/vda`, `/dev/sr0`, a plain image path (taken as stdio:),
    or any of these on another machine: `ssh://[user@]host[:port]/dev/sr0`."""
    if not text.strip():
        raise AddressError("empty drive address: give /dev/srN or stdio:/path/image.iso")
    if is_remote(text):
        remote, inner = parse_remote(text)
        for kind in ("stdio", "mmc"):
            if inner.startswith(f"{kind}:"):
                return Address(kind, inner[len(kind) + 1 :], remote)  # type: ignore[arg-type]
        return Address("device", inner, remote)
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


def _size_text(size: int) -> str:
    """48,894 bytes / 3.2 MiB: exact while small, as the user knows the file."""
    if size < 2**20:
        return f"{size:,} bytes"
    value = size / 2**20
    for unit in ("MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            break
        value /= 1024
    return f"{value:.1f} {unit}"


def overwrite_problem(path: str) -> str | None:
    """Why writing to the existing file `path` would destroy something, or None.

    A non-empty file that is not a disc image (see app.engine.volumes) is refused for
    every write: xorriso would read it as a closed medium and blanking it zeroes its head.
    """
    try:
        if not stat.S_ISREG(os.stat(path).st_mode) or disc_image_kind(path) is not None:
            return None
        size = os.path.getsize(path)
    except OSError as exc:
        return f"cannot read {path} to check what it holds: {exc.strerror}"
    new = os.path.join(os.path.dirname(path), "disc.iso")
    new = os.path.join(os.path.dirname(path), "disc-new.iso") if new == path else new
    return (
        f"{path} is not a disc image ({_size_text(size)} with no ISO 9660 or UDF volume): "
        f"writing would destroy it, so discdeck leaves it alone; give a new or empty file "
        f"instead, e.g. stdio:{new}"
    )


def _folder_problem(path: str, for_write: bool) -> str | None:
    """Why the folders on the way to `path` stop us: missing, a file, or not enterable."""
    verb = "cannot create" if for_write else "cannot open"
    fix = "create it, or choose another folder" if for_write else "check the path"
    parent = os.path.dirname(path) or "/"
    parts = [part for part in parent.split("/") if part]
    for depth in range(len(parts) + 1):
        folder = "/" + "/".join(parts[:depth])
        try:
            mode = os.stat(folder).st_mode
        except FileNotFoundError:
            return f"{verb} {path}: folder {parent} does not exist ({fix})"
        except OSError as exc:
            return f"{verb} {path}: {folder}: {exc.strerror}"
        if not stat.S_ISDIR(mode):
            return f"{verb} {path}: {folder} is a file, not a folder"
        if not os.access(folder, os.X_OK):
            return f"{verb} {path}: no permission to enter folder {folder} " + (
                "(choose a folder of yours, e.g. stdio:~/disc.iso)"
                if for_write
                else "(ask its owner for access, or use a copy of the image)"
            )
    return None


def _read_only_fs(path: str) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _check_new_image(path: str, for_write: bool, error: OSError) -> None:
    """`path` could not be stat'ed: say why, or (for a write) whether it can be created."""
    problem = _folder_problem(path, for_write)
    if problem:
        raise AddressError(problem)
    if not isinstance(error, FileNotFoundError):
        raise AddressError(f"cannot use {path}: {error.strerror}")
    if not for_write:
        raise AddressError(
            f"{path} does not exist: give an existing image file "
            "(a new, empty one works as a blank medium: touch it first)"
        )
    parent = os.path.dirname(path) or "/"
    if _read_only_fs(parent):
        raise AddressError(
            f"cannot create {path}: folder {parent} is on a read-only file system "
            "(choose a folder on a writable disk)"
        )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise AddressError(
            f"cannot create {path}: no permission to write in folder {parent} "
            "(choose a folder of yours, e.g. stdio:~/disc.iso)"
        )


def _check_image(path: str, for_write: bool) -> None:
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        _check_new_image(path, for_write, exc)
        return
    if stat.S_ISDIR(mode):
        raise AddressError(
            f"{path} is a directory, not an image file: "
            f"give a file such as stdio:{os.path.join(path, 'disc.iso')}"
        )
    if not os.access(path, os.R_OK):
        raise AddressError(
            f"cannot read {path}: permission denied (chmod u+r the file or use a copy)"
        )
    if not for_write:
        return
    if not os.access(path, os.W_OK):
        if _read_only_fs(path):
            raise AddressError(
                f"cannot write {path}: it is on a read-only file system (burn to a copy)"
            )
        raise AddressError(
            f"cannot write {path}: permission denied (chmod u+w the file, or burn to a copy)"
        )
    problem = overwrite_problem(path)
    if problem:
        raise AddressError(problem)


def check_address(address: Address, *, for_write: bool = False) -> None:
    """Raise AddressError with a one-line reason and fix if `address` cannot work.

    `for_write` adds what a burn, blank, format or remaster needs: the file can be created
    or written, and an existing non-empty file is a disc image (nothing else is overwritten).
    """
    path = address.path
    if address.remote is not None:
        return  # checked on that machine, by xorriso (and the agent's lock)
    if address.kind == "stdio":
        _check_image(path, for_write)
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
        and address.remote is None
        and os.path.exists(address.path)
        and not os.access(address.path, os.W_OK)
    )
