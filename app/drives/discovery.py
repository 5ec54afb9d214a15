"""Optical drive discovery for the UI and the CLI.

udev knows drives best, but it does not run everywhere (containers, minimal systems), so
sysfs and /proc/sys/dev/cdrom/info are the fallback. `xorriso -devices` is merged in last:
it reports permissions and busy drives the way libburn will see them when burning. Root
paths are parameters so tests can build a fake /sys, /proc and /dev.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from app.engine.address import parse_address, permission_fix
from app.engine.errors import EngineError
from app.engine.inspect import list_devices
from app.engine.models import DriveInfo
from app.engine.runner import xorriso_binary

Source = Literal["udev", "sysfs", "xorriso"]


@dataclass
class Holder:
    """A process with the device open: the person must close it before burning."""

    pid: int
    command: str


@dataclass
class OpticalDrive:
    address: str
    device: str
    vendor: str | None = None
    product: str | None = None
    revision: str | None = None
    permissions: str | None = None
    """xorriso-style "rwrw--" (owner/group/other read+write), when xorriso reported it."""
    can_read: bool = False
    can_write: bool = False
    busy: bool = False
    holders: list[Holder] = field(default_factory=list)
    problem: str | None = None
    """One line naming what stops this drive from working and how to fix it."""
    source: Source = "sysfs"


def _stat(path: str) -> os.stat_result | None:
    try:
        return os.stat(path)
    except OSError:
        return None


def _same_file(a: os.stat_result, b: os.stat_result) -> bool:
    """Same inode, or the same block/char device under another name (/dev/scd0 vs sr0)."""
    if (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino):
        return True
    devices = (stat.S_ISBLK(a.st_mode) and stat.S_ISBLK(b.st_mode)) or (
        stat.S_ISCHR(a.st_mode) and stat.S_ISCHR(b.st_mode)
    )
    return devices and a.st_rdev != 0 and a.st_rdev == b.st_rdev


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return None


def find_holders(device: str, proc_root: str = "/proc") -> list[Holder]:
    """Processes (not us) with `device` open, so "busy" can name whom to close."""
    wanted = _stat(device)
    if wanted is None:
        return []
    real = os.path.realpath(device)
    try:
        pids = [name for name in os.listdir(proc_root) if name.isdigit()]
    except OSError:
        return []
    holders: list[Holder] = []
    for pid in sorted(pids, key=int):
        if int(pid) == os.getpid():
            continue
        fd_dir = os.path.join(proc_root, pid, "fd")
        try:
            fds = os.listdir(fd_dir)
        except OSError:  # gone, not ours to read, or no fd dir at all
            continue
        for fd in fds:
            link = os.path.join(fd_dir, fd)
            try:
                target = os.readlink(link)
            except OSError:
                continue
            if not target.startswith("/"):  # socket:[..], pipe:[..], anon_inode:..
                continue
            found = os.path.realpath(target) == real
            if not found:
                st = _stat(link)
                found = st is not None and _same_file(st, wanted)
            if found:
                comm = _read(os.path.join(proc_root, pid, "comm"))
                holders.append(Holder(int(pid), (comm or "").strip() or "?"))
                break
    return holders


def drive_problem(
    device: str, can_read: bool, can_write: bool, holders: Iterable[Holder] = (), busy: bool = False
) -> str | None:
    """The one line the drive list shows next to a drive that cannot burn right now."""
    if not can_read or not can_write:
        what = "read/write" if not can_read else "write"
        return f"no {what} permission on {device}: {permission_fix(device)}"
    holders = list(holders)
    if holders:
        names = ", ".join(f"pid {h.pid} ({h.command})" for h in holders)
        them = (
            "those programs or wait for them" if len(holders) > 1 else "that program or wait for it"
        )
        return f"in use by {names}: close {them}"
    if busy:
        return "in use by another program: close it or wait for it, then press r"
    return None


def _refresh(drive: OpticalDrive, proc_root: str = "/proc", *, holders: bool = True) -> None:
    """Recompute access, holders, busy and problem from the device node."""
    drive.can_read = os.access(drive.device, os.R_OK)
    drive.can_write = os.access(drive.device, os.W_OK)
    if holders:
        drive.holders = find_holders(drive.device, proc_root)
    drive.busy = drive.busy or bool(drive.holders)
    drive.problem = drive_problem(
        drive.address, drive.can_read, drive.can_write, drive.holders, drive.busy
    )


def _clean(text: str | None) -> str | None:
    """SCSI INQUIRY strings are space padded; udev's ID_* use '_' for spaces."""
    text = (text or "").strip()
    return text or None


def _natural(drive: OpticalDrive) -> tuple[str, int, str]:
    match = re.match(r"^(.*?)(\d+)$", drive.address)
    if match:
        return (match.group(1), int(match.group(2)), drive.address)
    return (drive.address, -1, drive.address)


def _udev_attr(dev: Any, name: str, key: str) -> str | None:
    """The SCSI device's sysfs attribute (real spaces), else udev's ID_* property."""
    value = _clean(_read(os.path.join(dev.sys_path, "device", name)))
    return value or _clean((dev.properties.get(key) or "").replace("_", " "))


def discover_udev(context: Any = None, proc_root: str = "/proc") -> list[OpticalDrive]:
    """Drives udev tagged ID_CDROM=1; [] where udev (or libudev) is not there."""
    try:
        if context is None:
            # Here, not at the top: libudev may be missing (containers), and the ImportError
            # then means "no udev" like any other failure below.
            import pyudev

            context = pyudev.Context()
        devices = list(context.list_devices(subsystem="block", ID_CDROM="1"))
    except Exception:  # ImportError, OSError from libudev, pyudev errors: no udev here
        return []
    drives = []
    for dev in devices:
        node = dev.device_node
        if not node:
            continue
        drive = OpticalDrive(
            address=node,
            device=node,
            vendor=_udev_attr(dev, "vendor", "ID_VENDOR"),
            product=_udev_attr(dev, "model", "ID_MODEL"),
            revision=_udev_attr(dev, "rev", "ID_REVISION"),
            source="udev",
        )
        _refresh(drive, proc_root)
        drives.append(drive)
    return sorted(drives, key=_natural)


def parse_cdrom_info(text: str) -> list[str]:
    """Device names from the "drive name:" row of /proc/sys/dev/cdrom/info."""
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip().lower() == "drive name":
            return value.split()
    return []


def discover_sysfs(
    sys_root: str = "/sys", proc_root: str = "/proc", dev_root: str = "/dev"
) -> list[OpticalDrive]:
    """Drives from /sys/block/sr* and the kernel's cdrom list, for hosts without udev."""
    block = os.path.join(sys_root, "block")
    try:
        names = {n for n in os.listdir(block) if re.fullmatch(r"sr\d+", n)}
    except OSError:
        names = set()
    info = _read(os.path.join(proc_root, "sys", "dev", "cdrom", "info"))
    names.update(parse_cdrom_info(info or ""))
    drives = []
    for name in names:
        base = os.path.join(block, name, "device")
        node = os.path.join(dev_root, name)
        drive = OpticalDrive(
            address=node,
            device=node,
            vendor=_clean(_read(os.path.join(base, "vendor"))),
            product=_clean(_read(os.path.join(base, "model"))),
            revision=_clean(_read(os.path.join(base, "rev"))),
            source="sysfs",
        )
        _refresh(drive, proc_root)
        drives.append(drive)
    return sorted(drives, key=_natural)


def merge_xorriso(
    drives: list[OpticalDrive], infos: list[DriveInfo], proc_root: str = "/proc"
) -> list[OpticalDrive]:
    """Add what `xorriso -devices` says (permissions, busy, drives we missed)."""
    by_path = {os.path.realpath(d.device): d for d in drives}
    merged = list(drives)
    for info in infos:
        key = os.path.realpath(info.address)
        drive = by_path.get(key)
        if drive is None:
            drive = OpticalDrive(address=info.address, device=info.address, source="xorriso")
            drive.holders = find_holders(drive.device, proc_root)
            by_path[key] = drive
            merged.append(drive)
        drive.vendor = drive.vendor or info.vendor
        drive.product = drive.product or info.product
        drive.revision = drive.revision or info.revision
        drive.permissions = info.permissions or drive.permissions
        drive.busy = drive.busy or info.busy
        _refresh(drive, proc_root, holders=False)
    return sorted(merged, key=_natural)


def _xorriso_devices() -> list[DriveInfo]:
    """`xorriso -devices`, or [] when xorriso is missing or fails: discovery never raises."""
    if shutil.which(xorriso_binary()) is None:
        return []
    try:
        return list_devices()
    except (EngineError, OSError):
        return []


def discover_drives(
    run_xorriso: bool = True,
    *,
    sys_root: str = "/sys",
    proc_root: str = "/proc",
    dev_root: str = "/dev",
) -> list[OpticalDrive]:
    """Every optical drive we can find: udev, else sysfs, then xorriso's view merged in."""
    drives = discover_udev(proc_root=proc_root) if sys_root == "/sys" else []
    if not drives:
        drives = discover_sysfs(sys_root, proc_root, dev_root)
    if run_xorriso:
        drives = merge_xorriso(drives, _xorriso_devices(), proc_root)
    return drives


def busy_detail(address: str) -> str:
    """Who holds a recorder, from /proc, to append to a drive error ('' for image files)."""
    parsed = parse_address(address)
    if parsed.kind == "stdio" or parsed.remote is not None:
        return ""
    holders = find_holders(parsed.path)
    if not holders:
        return ""
    names = ", ".join(f"pid {h.pid} ({h.command})" for h in holders)
    return f" — in use by {names}: close that program or wait for it"
