"""xorriso command lists for each operation (runner.base_argv is prepended by the runner).

Every staged entry goes in as one `-map DISK ISO` pair: its two parameters are taken
literally (no `=`, `--` or pattern meaning), so any byte but NUL survives. `-md5 on` comes
before the drive is acquired, or no checksums are recorded or loaded.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass

from app.engine.address import parse_address

VOLID_MAX = 32
BLANK_MODES = ("as_needed", "fast", "all", "deformat_quickest", "deformat")
WRITE_TYPES = ("auto", "tao", "sao")
_FORMAT_MODE = re.compile(r"^(as_needed|full|fast|by_index_\d+|by_size_\d+[kmgs]?)$")
_SPEED = re.compile(r"^(max|min|\d+(\.\d+)?[kmcdb]?)$")
_STDIO_SYNC = re.compile(r"^(on|off|end|\d+[kmg]?)$")


@dataclass(frozen=True)
class MapEntry:
    """One staged item: a file or folder on disk and where it goes in the ISO tree.

    Strings may carry surrogate escapes (`os.fsdecode` of raw bytes): subprocess encodes
    them back to the original bytes.
    """

    disk_path: str
    iso_path: str


@dataclass
class BurnOptions:
    volume_id: str = "DISCDECK"
    close: bool = False
    dummy: bool = False
    speed: str = "max"
    """"max" | "min" | "4d" | "8c" | "2b" | "1385k" ..."""
    md5: bool = True
    joliet: bool = True
    verify: bool = True
    """Run start_check after a successful burn (needs md5; pointless on dummy runs)."""
    write_type: str = "auto"
    stdio_sync: str | None = "256k"
    """Flush stdio: targets this often. xorriso's default (16m) makes the speed gauge jump
    between 0x and 24x; 64k is smoothest, but a 1 GiB burn to disk took 11.6 s against
    8.6-9.2 s with 256k, whose 128-sector steps still read within ±5 % at 4x
    (bench/PROFILE.md)."""
    pacifier_interval: float = 1.0


def _no_nul(text: str, what: str) -> None:
    if "\0" in text:
        raise ValueError(f"{what} contains a NUL byte, which no file name can hold: {text!r}")


def _drive(address: str) -> str:
    return parse_address(address).xorriso


def _is_stdio(address: str) -> bool:
    return parse_address(address).kind == "stdio"


def validate(entries: Sequence[MapEntry], options: BurnOptions) -> None:
    """Raise ValueError naming the first entry or option xorriso must never see."""
    for entry in entries:
        _no_nul(entry.disk_path, "source path")
        _no_nul(entry.iso_path, "disc path")
        if not entry.disk_path:
            raise ValueError("empty source path")
        if not entry.iso_path.startswith("/"):
            raise ValueError(f"disc path must be absolute (start with /): {entry.iso_path!r}")
    _no_nul(options.volume_id, "volume id")
    if len(options.volume_id) > VOLID_MAX:
        raise ValueError(
            f"volume id is {len(options.volume_id)} characters; at most {VOLID_MAX} fit"
        )
    if not _SPEED.match(options.speed):
        raise ValueError(f"unknown speed {options.speed!r}: use max, min or e.g. 4d, 8c, 2b")
    if options.write_type not in WRITE_TYPES:
        raise ValueError(f"unknown write type {options.write_type!r}: use auto, tao or sao")
    if options.stdio_sync is not None and not _STDIO_SYNC.match(options.stdio_sync):
        raise ValueError(f"unknown stdio_sync {options.stdio_sync!r}")
    if not 0.1 <= options.pacifier_interval <= 60:
        raise ValueError("pacifier interval must be 0.1 to 60 seconds")


def _tree(address: str, entries: Sequence[MapEntry], options: BurnOptions) -> list[str]:
    """The drive and the new session's tree: shared by burn and size forecast."""
    validate(entries, options)
    commands = ["-md5", "on" if options.md5 else "off"]
    commands += ["-dev", _drive(address)]
    commands += ["-volid", options.volume_id, "-joliet", "on" if options.joliet else "off"]
    for entry in entries:
        commands += ["-map", entry.disk_path, entry.iso_path]
    return commands


def burn_commands(address: str, entries: Sequence[MapEntry], options: BurnOptions) -> list[str]:
    """Write the stage as a new session (`verify` is the caller's cue to start_check after).

    `-dev` loads the medium's existing tree, so an appended session holds the old files
    as well as the new ones.
    """
    tree = _tree(address, entries, options)
    head = [*tree[:2], "-pacifier", f"interval={options.pacifier_interval:g}"]
    if options.stdio_sync is not None and _is_stdio(address):
        head += ["-stdio_sync", options.stdio_sync]
    commands = [*head, *tree[2:]]
    commands += ["-close", "on" if options.close else "off"]
    commands += ["-dummy", "on" if options.dummy else "off"]
    commands += ["-speed", options.speed, "-write_type", options.write_type]
    return [*commands, "-print_size", "-commit"]


def size_commands(address: str, entries: Sequence[MapEntry], options: BurnOptions) -> list[str]:
    """Build the same tree and report its size, writing nothing.

    `-rollback_end` is essential: a batch run that ends with pending changes commits them.
    """
    return [*_tree(address, entries, options), "-print_size", "-tell_media_space", "-rollback_end"]


def checkread_after(options: BurnOptions) -> bool:
    """Whether a burn with `options` is followed by a checkread: it needs the MD5 tags,
    and a simulated burn writes nothing to check."""
    return options.verify and options.md5 and not options.dummy


def mapped_entries(commands: Sequence[str]) -> list[MapEntry]:
    """The `-map DISK ISO` pairs of a burn_commands list (what a burn put on the disc).

    Read by position, never by searching for "-map": a name or volume id may be "-map".
    """
    if "-volid" not in commands:
        return []
    at = list(commands).index("-volid") + 4  # -volid VOLID -joliet on|off
    entries = []
    while at + 2 < len(commands) and commands[at] == "-map":
        entries.append(MapEntry(commands[at + 1], commands[at + 2]))
        at += 3
    return entries


def check_commands(address: str) -> list[str]:
    """Compare every file of the loaded tree (all sessions) with its recorded MD5."""
    return ["-md5", "on", "-indev", _drive(address), "-check_md5_r", "sorry", "/", "--"]


def blank_commands(address: str, mode: str) -> list[str]:
    if mode not in BLANK_MODES:
        raise ValueError(f"unknown blank mode {mode!r}: use one of {', '.join(BLANK_MODES)}")
    return ["-outdev", _drive(address), "-blank", mode]


def format_commands(address: str, mode: str) -> list[str]:
    if not _FORMAT_MODE.match(mode):
        raise ValueError(
            f"unknown format mode {mode!r}: use as_needed, full, fast, by_index_N or by_size_N"
        )
    return ["-outdev", _drive(address), "-format", mode]


def eject_commands(address: str) -> list[str]:
    return ["-outdev", _drive(address), "-eject", "all"]


def _show(path: str) -> str:
    return os.fsencode(path).decode("utf-8", errors="replace")


def human_size(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


def source_problems(entries: Sequence[MapEntry], limit: int = 10) -> list[str]:
    """Missing or unreadable sources: xorriso would only MISHAP and write zeros for them."""
    problems: list[str] = []

    def note(path: str, why: str) -> None:
        problems.append(f"source {_show(path)} {why}")

    for entry in entries:
        try:
            mode = os.lstat(entry.disk_path).st_mode
        except FileNotFoundError:
            note(entry.disk_path, "does not exist (moved or deleted?): put it back or unstage it")
            continue
        except OSError as exc:
            note(entry.disk_path, f"cannot be read: {exc.strerror}")
            continue
        if stat.S_ISDIR(mode):
            if not os.access(entry.disk_path, os.R_OK | os.X_OK):
                note(entry.disk_path, "is a folder that cannot be read (permission denied)")
            for top, _dirs, files in os.walk(
                entry.disk_path, onerror=lambda e: note(e.filename, f"cannot be read: {e.strerror}")
            ):
                for name in files:
                    path = os.path.join(top, name)
                    if os.path.isfile(path) and not os.access(path, os.R_OK):
                        note(path, "cannot be read (permission denied)")
                if len(problems) > limit:
                    break
        elif stat.S_ISREG(mode) and not os.access(entry.disk_path, os.R_OK):
            note(entry.disk_path, "cannot be read (permission denied)")
    return problems[:limit]
