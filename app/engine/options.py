"""Burn options: the one type the options screen, the stage file, the CLI and the argv
builders share, and the one validator they all call.

Before this module the options screen had a speed pattern of its own that refused what
xorriso accepts (`2m`, `1.5k`); now every front end asks `check_speed`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

VOLID_MAX = 32
WRITE_TYPES = ("auto", "tao", "sao")
_SPEED = re.compile(r"^(max|min|\d+(\.\d+)?[kmcdb]?)$")
_STDIO_SYNC = re.compile(r"^(on|off|end|\d+[kmg]?)$")
SPEED_HELP = "max, min, a factor with the medium's letter (4d DVD, 8c CD, 2b BD) or a rate (1385k, 2m)"


@dataclass
class BurnOptions:
    volume_id: str = "DISCDECK"
    close: bool = False
    dummy: bool = False
    speed: str = "max"
    """"max" | "min" | "4d" | "8c" | "2b" | "1385k" | "2m" ... (xorriso -speed)."""
    md5: bool = True
    joliet: bool = True
    verify: bool = True
    """Checkread after a successful burn (needs md5; pointless on dummy runs)."""
    write_type: str = "auto"
    stdio_sync: str | None = "256k"
    """Flush stdio: targets this often. xorriso's default (16m) makes the speed gauge jump
    between 0x and 24x; 64k is smoothest, but a 1 GiB burn to disk took 11.6 s against
    8.6-9.2 s with 256k, whose 128-sector steps still read within ±5 % at 4x
    (bench/PROFILE.md)."""
    pacifier_interval: float = 1.0

    @property
    def checkread_after(self) -> bool:
        """A burn with these options is followed by a checkread: it needs the MD5 tags,
        and a simulated burn writes nothing to check."""
        return self.verify and self.md5 and not self.dummy


USER_FIELDS = ("md5", "close", "dummy", "speed", "joliet", "verify", "write_type")
"""The fields a person sets (the options screen, a stage file); the rest are tuning."""


def check_speed(text: str) -> str:
    """The speed in xorriso's words (trimmed, lower case; empty means max), or ValueError."""
    speed = text.strip().lower() or "max"
    if not _SPEED.match(speed):
        raise ValueError(f"unknown speed {text!r}: use {SPEED_HELP}")
    return speed


def no_nul(text: str, what: str) -> None:
    if "\0" in text:
        raise ValueError(f"{what} contains a NUL byte, which no file name can hold: {text!r}")


def check_volume_id(text: str) -> None:
    """ValueError for a volume id xorriso refuses: empty, a NUL, or over 32 bytes (it counts
    bytes: "ÄÄÄ…" of 20 letters is 40 and fails with "Text too long")."""
    if not text:
        raise ValueError("a volume id needs at least one character")
    no_nul(text, "volume id")
    size = len(os.fsencode(text))
    if size > VOLID_MAX:
        raise ValueError(
            f"volume id is {size} bytes; at most {VOLID_MAX} fit "
            "(a letter like Ä takes 2): shorten it"
        )




def validate_options(options: BurnOptions) -> None:
    """Raise ValueError naming the first option xorriso must never see."""
    check_volume_id(options.volume_id)
    check_speed(options.speed)
    if options.speed != options.speed.strip().lower():
        raise ValueError(f"unknown speed {options.speed!r}: use {SPEED_HELP}")
    if options.write_type not in WRITE_TYPES:
        raise ValueError(f"unknown write type {options.write_type!r}: use auto, tao or sao")
    if options.stdio_sync is not None and not _STDIO_SYNC.match(options.stdio_sync):
        raise ValueError(f"unknown stdio_sync {options.stdio_sync!r}")
    if not 0.1 <= options.pacifier_interval <= 60:
        raise ValueError("pacifier interval must be 0.1 to 60 seconds")
