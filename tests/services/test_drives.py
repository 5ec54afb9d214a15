"""Drive discovery against fake /sys, /proc and /dev trees (and one real holder process)."""

from __future__ import annotations

import glob
import os
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

import app.drives.discovery as drives_mod
from app.drives.discovery import (
    Holder,
    OpticalDrive,
    discover_drives,
    discover_sysfs,
    discover_udev,
    drive_problem,
    find_holders,
    merge_xorriso,
    parse_cdrom_info,
)
from app.engine.address import permission_fix
from app.engine.errors import XorrisoTimeout
from app.engine.models import DriveInfo

CDROM_INFO = """CD-ROM information, Id: cdrom.c 3.20 2003/12/17

drive name:\t\tsr1\tsr0
drive speed:\t\t48\t24
Can close tray:\t\t1\t1
"""


def make_tree(tmp_path: Path, names: dict[str, tuple[str, str, str]]) -> tuple[str, str, str]:
    """A fake sys, proc and dev root with one sr device per entry of `names`."""
    sys_root, proc_root, dev_root = tmp_path / "sys", tmp_path / "proc", tmp_path / "dev"
    dev_root.mkdir()
    (proc_root / "sys" / "dev" / "cdrom").mkdir(parents=True)
    for name, (vendor, model, rev) in names.items():
        device = sys_root / "block" / name / "device"
        device.mkdir(parents=True)
        (device / "vendor").write_text(vendor + "\n")
        (device / "model").write_text(model + "\n")
        (device / "rev").write_text(rev + "\n")
        (dev_root / name).write_bytes(b"")
    return str(sys_root), str(proc_root), str(dev_root)


def add_process(proc_root: str, pid: int, comm: str | None, targets: dict[str, str]) -> Path:
    """A fake /proc/PID with fd symlinks (fd number -> target) and a comm file."""
    base = Path(proc_root) / str(pid)
    (base / "fd").mkdir(parents=True)
    if comm is not None:
        (base / "comm").write_text(comm + "\n")
    for fd, target in targets.items():
        (base / "fd" / fd).symlink_to(target)
    return base


def test_sysfs_two_drives_stripped(tmp_path: Path) -> None:
    sys_root, proc_root, dev_root = make_tree(
        tmp_path,
        {
            "sr1": ("HL-DT-ST", "BD-RE  WH16NS40  ", "1.05"),
            "sr0": ("ASUS    ", "DRW-24D5MT      ", "1.00"),
        },
    )
    found = discover_sysfs(sys_root, proc_root, dev_root)
    assert [d.address for d in found] == [f"{dev_root}/sr0", f"{dev_root}/sr1"]
    first, second = found
    assert (first.vendor, first.product, first.revision) == ("ASUS", "DRW-24D5MT", "1.00")
    assert (second.vendor, second.product) == ("HL-DT-ST", "BD-RE  WH16NS40")
    assert all(d.source == "sysfs" and not d.busy and d.holders == [] for d in found)
    assert first.device == first.address


def test_parse_cdrom_info() -> None:
    assert parse_cdrom_info(CDROM_INFO) == ["sr1", "sr0"]
    assert parse_cdrom_info("CD-ROM information\n\n") == []
    assert parse_cdrom_info("") == []


def test_sysfs_takes_names_from_cdrom_info(tmp_path: Path) -> None:
    sys_root, proc_root, dev_root = make_tree(tmp_path, {"sr0": ("ASUS", "DRW", "1.00")})
    Path(proc_root, "sys/dev/cdrom/info").write_text(CDROM_INFO)
    Path(dev_root, "sr1").write_bytes(b"")
    found = discover_sysfs(sys_root, proc_root, dev_root)
    assert [os.path.basename(d.address) for d in found] == ["sr0", "sr1"]
    assert found[1].vendor is None and found[1].product is None


def test_sysfs_without_drives(tmp_path: Path) -> None:
    assert discover_sysfs(str(tmp_path / "nosys"), str(tmp_path / "noproc")) == []


def test_find_holders_fake_proc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, proc_root, dev_root = make_tree(tmp_path, {"sr0": ("A", "B", "C"), "sr1": ("A", "B", "C")})
    sr0, sr1 = f"{dev_root}/sr0", f"{dev_root}/sr1"
    add_process(proc_root, 1234, "k3b", {"0": "/dev/null", "7": sr0})
    add_process(proc_root, 2000, "other", {"3": sr1, "4": "pipe:[991]", "5": "socket:[12]"})
    add_process(proc_root, 2001, None, {"3": sr0})  # no comm: still listed
    add_process(proc_root, 2002, "broken", {"3": str(tmp_path / "gone")})
    add_process(proc_root, os.getpid(), "us", {"3": sr0})  # ourselves: never a holder
    Path(proc_root, "2003").mkdir()  # no fd directory
    add_process(proc_root, 2004, "secret", {"3": sr0})
    Path(proc_root, "self").mkdir()  # not a pid
    real_listdir = os.listdir

    def listdir(path: str) -> list[str]:
        if str(path).endswith("/2004/fd"):
            raise PermissionError(path)
        return real_listdir(path)

    monkeypatch.setattr(drives_mod.os, "listdir", listdir)
    assert find_holders(sr0, proc_root) == [Holder(1234, "k3b"), Holder(2001, "?")]
    assert find_holders(sr1, proc_root) == [Holder(2000, "other")]
    assert find_holders(str(tmp_path / "nodev"), proc_root) == []
    assert find_holders(sr0, str(tmp_path / "noproc")) == []


def test_find_holders_through_alias_symlink(tmp_path: Path) -> None:
    _, proc_root, dev_root = make_tree(tmp_path, {"sr0": ("A", "B", "C")})
    os.symlink(f"{dev_root}/sr0", f"{dev_root}/scd0")
    add_process(proc_root, 1234, "k3b", {"7": f"{dev_root}/scd0"})
    assert find_holders(f"{dev_root}/sr0", proc_root) == [Holder(1234, "k3b")]


def test_find_holders_same_rdev(tmp_path: Path) -> None:
    """Two device nodes for one device (/dev/sr0 and an old /dev/scd0) match by st_rdev."""
    rdev = os.stat("/dev/null").st_rdev
    try:
        os.mknod(tmp_path / "sr0", 0o600 | 0o020000, rdev)
        os.mknod(tmp_path / "scd0", 0o600 | 0o020000, rdev)
    except (PermissionError, OSError):
        pytest.skip("cannot create device nodes here")
    proc_root = tmp_path / "proc"
    add_process(str(proc_root), 55, "wodim", {"3": str(tmp_path / "scd0")})
    assert find_holders(str(tmp_path / "sr0"), str(proc_root)) == [Holder(55, "wodim")]


def test_find_holders_real_process(tmp_path: Path) -> None:
    device = tmp_path / "fake-sr0"
    device.write_bytes(b"\0" * 2048)
    with open(device, "rb") as stdin:
        child = subprocess.Popen(["sleep", "30"], stdin=stdin)
    try:
        deadline = time.monotonic() + 5
        holders: list[Holder] = []
        while time.monotonic() < deadline:
            holders = find_holders(str(device))
            if any(h.command == "sleep" for h in holders):
                break
            time.sleep(0.05)
        assert Holder(child.pid, "sleep") in holders
    finally:
        child.kill()
        child.wait()
    assert all(h.pid != child.pid for h in find_holders(str(device)))


def test_drive_problem_permissions(tmp_path: Path) -> None:
    device = str(tmp_path / "sr0")
    Path(device).write_bytes(b"")
    assert drive_problem(device, True, True) is None
    text = drive_problem(device, True, False)
    assert text == f"no write permission on {device}: {permission_fix(device)}"
    assert drive_problem(device, False, False) == (
        f"no read/write permission on {device}: {permission_fix(device)}"
    )
    assert "usermod -aG" in text


def test_drive_problem_busy() -> None:
    one = drive_problem("/dev/sr0", True, True, [Holder(1234, "k3b")], busy=True)
    assert one == "in use by pid 1234 (k3b): close that program or wait for it"
    two = drive_problem("/dev/sr0", True, True, [Holder(1, "a"), Holder(2, "b")])
    assert two == "in use by pid 1 (a), pid 2 (b): close those programs or wait for them"
    assert drive_problem("/dev/sr0", True, True, busy=True).startswith("in use by another")


@pytest.mark.skipif(os.geteuid() == 0, reason="root passes os.access whatever the mode")
def test_unwritable_device_has_problem(tmp_path: Path) -> None:
    sys_root, proc_root, dev_root = make_tree(tmp_path, {"sr0": ("A", "B", "C")})
    os.chmod(f"{dev_root}/sr0", 0o400)
    (drive,) = discover_sysfs(sys_root, proc_root, dev_root)
    assert drive.can_read and not drive.can_write
    assert drive.problem and drive.problem.startswith("no write permission")


def test_sysfs_drive_with_holder_is_busy(tmp_path: Path) -> None:
    sys_root, proc_root, dev_root = make_tree(tmp_path, {"sr0": ("A", "B", "C")})
    add_process(proc_root, 1234, "k3b", {"7": f"{dev_root}/sr0"})
    (drive,) = discover_sysfs(sys_root, proc_root, dev_root)
    assert drive.busy and drive.holders == [Holder(1234, "k3b")]
    if os.access(drive.device, os.R_OK | os.W_OK):
        assert drive.problem == "in use by pid 1234 (k3b): close that program or wait for it"


def test_merge_xorriso(tmp_path: Path) -> None:
    sys_root, proc_root, dev_root = make_tree(tmp_path, {"sr0": ("ASUS", "DRW", "1.00")})
    Path(dev_root, "sr2").write_bytes(b"")
    os.symlink(f"{dev_root}/sr0", f"{dev_root}/cdrw")
    found = discover_sysfs(sys_root, proc_root, dev_root)
    infos = [
        DriveInfo(address=f"{dev_root}/cdrw", vendor="X", permissions="rwrw--", busy=True),
        DriveInfo(address=f"{dev_root}/sr2", vendor="PIONEER", product="BDR", permissions="rwrw--"),
    ]
    merged = merge_xorriso(found, infos, proc_root)
    assert [d.address for d in merged] == [f"{dev_root}/sr0", f"{dev_root}/sr2"]
    sr0, sr2 = merged
    assert sr0.source == "sysfs" and sr0.vendor == "ASUS"
    assert sr0.busy and sr0.permissions == "rwrw--"
    if sr0.can_read and sr0.can_write:
        assert sr0.problem is not None and sr0.problem.startswith("in use by another program")
    assert (sr2.source, sr2.vendor, sr2.product, sr2.busy) == ("xorriso", "PIONEER", "BDR", False)
    assert merge_xorriso(found, [], proc_root) == found


def test_discover_udev_fake_context(tmp_path: Path) -> None:
    node = tmp_path / "sr0"
    node.write_bytes(b"")
    sys_path = tmp_path / "sys-sr0"
    (sys_path / "device").mkdir(parents=True)
    (sys_path / "device" / "vendor").write_text("HL-DT-ST\n")
    dev = SimpleNamespace(
        device_node=str(node),
        sys_path=str(sys_path),
        properties={"ID_CDROM": "1", "ID_MODEL": "DVDRAM_GH24NSD1", "ID_REVISION": "LG00"},
    )
    calls = []

    class Context:
        def list_devices(self, **match: str) -> list[SimpleNamespace]:
            calls.append(match)
            return [dev, SimpleNamespace(device_node=None, sys_path="", properties={})]

    (drive,) = discover_udev(Context(), proc_root=str(tmp_path / "noproc"))
    assert calls == [{"subsystem": "block", "ID_CDROM": "1"}]
    assert (drive.vendor, drive.product, drive.revision) == ("HL-DT-ST", "DVDRAM GH24NSD1", "LG00")
    assert drive.source == "udev" and drive.address == str(node)


def test_discover_udev_failure_is_empty() -> None:
    class Broken:
        def list_devices(self, **match: str) -> list[object]:
            raise OSError("no libudev")

    assert discover_udev(Broken()) == []
    assert discover_udev() == []  # udev does not run here: no ID_CDROM properties


def test_discover_drives_swallows_engine_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sys_root, proc_root, dev_root = make_tree(tmp_path, {"sr0": ("A", "B", "C")})

    def fail() -> list[DriveInfo]:
        raise XorrisoTimeout("xorriso did not answer")

    monkeypatch.setattr(drives_mod, "list_devices", fail)
    monkeypatch.setattr(drives_mod.shutil, "which", lambda name: "/usr/bin/xorriso")
    found = discover_drives(sys_root=sys_root, proc_root=proc_root, dev_root=dev_root)
    assert [d.address for d in found] == [f"{dev_root}/sr0"]
    assert isinstance(found[0], OpticalDrive)


def test_discover_drives_without_xorriso(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(drives_mod.shutil, "which", lambda name: None)
    monkeypatch.setattr(drives_mod, "list_devices", lambda: pytest.fail("xorriso was run"))
    assert discover_drives(sys_root=str(tmp_path), proc_root=str(tmp_path)) == []


@pytest.mark.skipif(bool(glob.glob("/dev/sr*")), reason="this machine has an optical drive")
def test_discover_drives_real_machine() -> None:
    assert discover_drives() == []
    assert discover_drives(run_xorriso=False) == []
