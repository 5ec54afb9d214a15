"""Hear drives and media come and go, so nobody presses r after every disc.

Optical drives: a pyudev Monitor on netlink — the `udev` source where udevd runs (its
control socket exists), the `kernel` source where it does not (kernel uevents reach
containers and VMs without udevd). `add`/`remove` of a drive changes the drive list; a
`change` carrying DISK_MEDIA_CHANGE, DISK_EJECT_REQUEST or ID_CDROM_MEDIA* is a new medium.
Virtual recorders are files: their folder and the open recorder's image are looked at
every half second (no event exists for them in the standard library), the only poll.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

EventKind = Literal["drives", "medium"]
MEDIA_KEYS = ("DISK_MEDIA_CHANGE", "DISK_EJECT_REQUEST")
FILE_POLL = 0.5
"""Seconds between looks at the recorders' folder and the open image: two stat calls and a
folder listing, twice a second, keep a swapped medium on screen within a second with room
to spare (bench/multi.py, row 9e: at 1.0 s the worst of six swaps was 1.00 s)."""


@dataclass(frozen=True)
class DriveEvent:
    kind: EventKind
    """"drives": the list of drives changed; "medium": a drive's medium changed."""
    device: str
    """The device node (/dev/sr0) or image file the event is about."""
    action: str


def classify(action: str, node: str | None, properties: dict[str, str]) -> DriveEvent | None:
    """What a block device uevent means for the drive list, or None (not ours)."""
    if not node:
        return None
    if action in ("add", "remove"):
        return DriveEvent("drives", node, action)
    if action != "change":
        return None
    # The kernel says DISK_MEDIA_CHANGE / DISK_EJECT_REQUEST, udev adds ID_CDROM_MEDIA*; an
    # optical drive's other changes (a capacity re-read) are worth a re-read all the same.
    return DriveEvent("medium", node, action)


def netlink_source() -> str:
    """`udev` where udevd runs and re-broadcasts with its properties, else `kernel`."""
    return "udev" if os.path.exists("/run/udev/control") else "kernel"


class DriveMonitor:
    """Calls `notify(DriveEvent)` from its own thread until stop(); `names` picks the block
    devices that count (sr* by default: optical drives)."""

    def __init__(
        self,
        notify: Callable[[DriveEvent], None],
        *,
        names: tuple[str, ...] = ("sr",),
        folder: Path | None = None,
        image: Callable[[], str | None] = lambda: None,
    ) -> None:
        self.notify = notify
        self.names = names
        self.folder = folder
        """The recorders' folder: a recorder added or removed changes the drive list."""
        self.image = image
        """The open virtual recorder's image file, whose changes are a new medium."""
        self.source: str | None = None
        """The netlink source in use; None when no events can be had (only files are watched)."""
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        monitor = self._netlink()
        if monitor is not None:
            self._spawn(self._listen, monitor)
        # The first look is taken here, so whatever changes after start() is heard.
        self._spawn(self._watch_files, self._folder_state(), self._image_state())

    def stop(self) -> None:
        self._stop.set()

    def _spawn(self, target: Callable, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True, name="drive-monitor")
        thread.start()
        self._threads.append(thread)

    def _netlink(self):  # -> pyudev.Monitor | None
        try:
            import pyudev  # here: without libudev (some containers) the files still work
        except ImportError:
            return None
        try:
            source = netlink_source()
            monitor = pyudev.Monitor.from_netlink(pyudev.Context(), source=source)
            monitor.filter_by("block")
            monitor.start()
        except (OSError, ValueError):  # no netlink socket here (a sandbox): files only
            return None
        self.source = source
        return monitor

    def _listen(self, monitor) -> None:
        while not self._stop.is_set():
            device = monitor.poll(timeout=0.5)
            if device is None or not device.sys_name.startswith(self.names):
                continue
            event = classify(device.action or "", device.device_node, dict(device.properties))
            if event is not None:
                self.notify(event)

    def _watch_files(self, seen_folder: frozenset[str], seen_image: tuple) -> None:
        while not self._stop.wait(FILE_POLL):
            folder, image = self._folder_state(), self._image_state()
            if folder != seen_folder:
                self.notify(DriveEvent("drives", str(self.folder), "change"))
            elif image != seen_image and image[0] is not None and image[0] == seen_image[0]:
                self.notify(DriveEvent("medium", image[0], "change"))
            seen_folder, seen_image = folder, image

    def _folder_state(self) -> frozenset[str]:
        if self.folder is None:
            return frozenset()
        try:
            return frozenset(p.name for p in self.folder.glob("*.iso"))
        except OSError:
            return frozenset()

    def _image_state(self) -> tuple[str | None, int, int]:
        path = self.image()
        try:
            info = os.stat(path) if path else None
        except OSError:
            info = None
        return (path, info.st_size, info.st_mtime_ns) if info else (path, -1, -1)
