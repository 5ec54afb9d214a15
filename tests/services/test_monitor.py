"""The drive monitor on real kernel uevents (loop devices make them even without optical
drives) and on real files (virtual recorders come and go with their images)."""

from __future__ import annotations

import queue
import shutil
import subprocess
from pathlib import Path

import pytest

from app.drives.monitor import DriveEvent, DriveMonitor, classify


def _events(monitor_kwargs: dict) -> tuple[DriveMonitor, queue.Queue[DriveEvent]]:
    heard: queue.Queue[DriveEvent] = queue.Queue()
    monitor = DriveMonitor(heard.put, **monitor_kwargs)
    monitor.start()
    return monitor, heard


def _next(heard: queue.Queue[DriveEvent], seconds: float = 5.0) -> DriveEvent:
    try:
        return heard.get(timeout=seconds)
    except queue.Empty:
        raise AssertionError(f"no event within {seconds} s") from None


def test_classify_what_a_uevent_means() -> None:
    assert classify("add", "/dev/sr1", {}) == DriveEvent("drives", "/dev/sr1", "add")
    assert classify("remove", "/dev/sr1", {}).kind == "drives"
    assert classify("change", "/dev/sr0", {"DISK_MEDIA_CHANGE": "1"}).kind == "medium"
    assert classify("change", None, {}) is None
    assert classify("bind", "/dev/sr0", {}) is None


def test_real_kernel_uevents_of_a_loop_device(tmp_path: Path) -> None:
    if shutil.which("losetup") is None:
        pytest.skip("losetup is not installed")
    monitor, heard = _events({"names": ("loop",)})
    try:
        if monitor.source is None:
            pytest.skip("no netlink socket for uevents on this machine")
        image = tmp_path / "disk.img"
        with open(image, "wb") as handle:
            handle.truncate(4 << 20)
        attach = subprocess.run(["losetup", "--find", "--show", str(image)], capture_output=True, text=True)
        if attach.returncode != 0:
            pytest.skip(f"losetup cannot attach here: {attach.stderr.strip()}")
        device = attach.stdout.strip()
        try:
            event = _next(heard)
            assert event.device == device and event.kind in ("medium", "drives")
        finally:
            subprocess.run(["losetup", "-d", device], check=False)
        assert _next(heard).device == device
    finally:
        monitor.stop()


def test_recorders_and_the_open_image_are_watched(tmp_path: Path) -> None:
    image = tmp_path / "open.iso"
    image.touch()
    monitor, heard = _events({"names": ("none",), "folder": tmp_path, "image": lambda: str(image)})
    try:
        (tmp_path / "new-recorder.iso").touch()
        assert _next(heard) == DriveEvent("drives", str(tmp_path), "change")
        image.write_bytes(b"a new session")
        assert _next(heard) == DriveEvent("medium", str(image), "change")
    finally:
        monitor.stop()
