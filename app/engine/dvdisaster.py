"""dvdisaster (Debian's package, 0.79.5) as a child process: RS03 error correction put into
an image (`-mRS03 -c`), and an image repaired with it (`-f`).

Its progress is a line rewritten with backspaces ("Ecc generation:  12.3%" then 22 `\\b`),
its results are plain lines ("Repaired sectors: 50 (40 data, 10 ecc)"); it is run with the
C locale so they read the same everywhere, in the image's own folder (it writes nothing
else there), with argv only. Missing sectors are told to it with its dead-sector marker
(`dead_sector`): a sector it finds so marked is an erasure, which RS03 repairs at twice the
rate of an error it has to find itself — a zero-filled hole is only found by its CRC.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from app.engine.errors import EngineError

PROGRAM = "dvdisaster"
MISSING = "dvdisaster is not installed: apt-get install dvdisaster (error correction needs it)"
_PROGRESS = re.compile(r"^(Preparing image|Ecc generation|Ecc progress):\s*([\d.]+)%")
_REPAIRED = re.compile(r"^Repaired sectors:\s*(\d+)")
_UNREPAIRED = re.compile(r"^Unrepaired sectors:\s*(\d+)")
_SIZE = re.compile(r"^New image size is .*\((\d+) sectors\)")
_ROOTS = re.compile(r"\((\d+) roots;\s*([\d.]+)% redundancy\)")
_NO_ECC = ("no error correction data", "not recognized", "no ecc", "image file is missing")
_SECTOR = 2048


class DvdisasterMissing(EngineError):
    """The program is not on PATH; the message names the package."""


def check_dvdisaster() -> str:
    path = shutil.which(PROGRAM)
    if path is None:
        raise DvdisasterMissing(MISSING)
    return path


def augment_argv(image: str, threads: int = 1) -> list[str]:
    """Add RS03 data to `image` itself: it grows to a whole standard medium."""
    return [PROGRAM, "-i", os.path.abspath(image), "-mRS03", "-o", "image", "-x", str(threads), "-c"]


def fix_argv(image: str) -> list[str]:
    """Repair `image` in place from the RS03 data it carries."""
    return [PROGRAM, "-i", os.path.abspath(image), "-f"]


@dataclass
class Transcript:
    """What a run printed, each distinct line once, and the figures read from it."""

    lines: list[str] = field(default_factory=list)
    repaired: int | None = None
    unrepaired: int | None = None
    sectors: int | None = None
    roots: int | None = None
    redundancy: float | None = None

    def feed(self, line: str) -> tuple[str, float] | None:
        """Note one line; (stage, percent) when it is progress."""
        line = line.strip()
        if not line:
            return None
        if match := _PROGRESS.match(line):
            return match.group(1), float(match.group(2))
        if not self.lines or self.lines[-1] != line:
            self.lines.append(line)
        if match := _REPAIRED.match(line):
            self.repaired = int(match.group(1))
        elif match := _UNREPAIRED.match(line):
            self.unrepaired = int(match.group(1))
        elif match := _SIZE.match(line):
            self.sectors = int(match.group(1))
        elif match := _ROOTS.search(line):
            self.roots, self.redundancy = int(match.group(1)), float(match.group(2))
        return None

    @property
    def no_ecc(self) -> bool:
        """The image carries no RS03 data dvdisaster recognizes."""
        return any(word in line.lower() for line in self.lines for word in _NO_ECC)

    @property
    def last_words(self) -> str:
        """Its last line that says something (for a failure's message)."""
        said = [line for line in self.lines if not line.startswith(("Avg performance", "*"))]
        return said[-1] if said else "no output"



class DvdisasterRun:
    """One dvdisaster child; iterate progress() in a worker thread, cancel() from any."""

    def __init__(self, argv: list[str], cwd: str) -> None:
        check_dvdisaster()
        self.argv = argv
        self.cwd = cwd
        self.transcript = Transcript()
        self.returncode: int | None = None
        self.cancelled = False
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def progress(self) -> Iterator[tuple[str, float]]:
        """(stage, percent) as dvdisaster reports it, until it ends."""
        env = {**os.environ, "LC_ALL": "C", "LANG": "C", "LANGUAGE": ""}
        with self._lock:
            if self.cancelled:
                return
            self._process = subprocess.Popen(
                self.argv, cwd=self.cwd, env=env, stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        process = self._process
        assert process.stdout is not None
        tail = ""
        while chunk := os.read(process.stdout.fileno(), 65536):
            parts = re.split(r"([\b\r\n]+)", tail + chunk.decode("utf-8", "replace"))
            tail = parts.pop() if parts and not re.fullmatch(r"[\b\r\n]+", parts[-1]) else ""
            for part in parts:
                if (found := self.transcript.feed(part)) is not None:
                    yield found
        self.transcript.feed(tail)
        self.returncode = process.wait()

    def cancel(self) -> None:
        with self._lock:
            self.cancelled = True
            if self._process is not None and self._process.poll() is None:
                os.killpg(self._process.pid, signal.SIGTERM)


# -- dead-sector markers ---------------------------------------------------------------------

_MARKER_HEAD = (
    b"dvdisaster dead sector marker\n"
    b"This sector could not be read from the image.\n"
    b"Its contents have been substituted by the dvdisaster read routine.\n"
)
_MARKER_END = b"dvdisaster dead sector end marker\n"


def dead_sector(number: int) -> bytes:
    """dvdisaster's marker for sector `number` that could not be read (its format 1.00:
    the texts at fixed offsets, no medium fingerprint)."""
    sector = bytearray(_SECTOR)
    sector[: len(_MARKER_HEAD)] = _MARKER_HEAD
    sector[2046 - len(_MARKER_END) : 2046] = _MARKER_END
    fields = {
        0x100: b"Dead sector marker version", 0x120: b"1.00",
        0x140: b"Dead sector number", 0x160: str(number).encode(),
        0x180: b"Medium fingerprint", 0x1B0: b"none",
        0x1C0: b"Medium fingerprint sector", 0x1E0: b"16",
        0x200: b"Volume label (if any)", 0x220: b"none",
    }  # fmt: skip
    for offset, text in fields.items():
        sector[offset : offset + len(text)] = text
    return bytes(sector)


def mark_missing(image: str, ranges: list[tuple[int, int]]) -> int:
    """Write a dead-sector marker over each (start, count) range of `image` that lies in
    it; the number of sectors marked."""
    marked = 0
    size = os.path.getsize(image) // _SECTOR
    with open(image, "r+b") as handle:
        for start, count in ranges:
            for number in range(start, min(start + count, size)):
                handle.seek(number * _SECTOR)
                handle.write(dead_sector(number))
                marked += 1
    return marked
