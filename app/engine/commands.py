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
from app.engine.options import BurnOptions, no_nul, validate_options

BLANK_MODES = ("as_needed", "fast", "all", "deformat_quickest", "deformat")
_FORMAT_MODE = re.compile(r"^(as_needed|full|fast|by_index_\d+|by_size_\d+[kmgs]?)$")


@dataclass(frozen=True)
class MapEntry:
    """One staged item: a file or folder on disk and where it goes in the ISO tree.

    Strings may carry surrogate escapes (`os.fsdecode` of raw bytes): subprocess encodes
    them back to the original bytes.
    """

    disk_path: str
    iso_path: str
    offset: int | None = None
    """With `count`: only this byte range of the disk file (`-cut_out`), for a file split
    across the discs of a set."""
    count: int | None = None


def _drive(address: str) -> str:
    return parse_address(address).xorriso


def _is_stdio(address: str) -> bool:
    return parse_address(address).kind == "stdio"


def validate(entries: Sequence[MapEntry], options: BurnOptions) -> None:
    """Raise ValueError naming the first entry or option xorriso must never see."""
    for entry in entries:
        no_nul(entry.disk_path, "source path")
        no_nul(entry.iso_path, "disc path")
        if not entry.disk_path:
            raise ValueError("empty source path")
        if not entry.iso_path.startswith("/"):
            raise ValueError(f"disc path must be absolute (start with /): {entry.iso_path!r}")
    validate_options(options)


def _tree(
    address: str, entries: Sequence[MapEntry], options: BurnOptions, removals: Sequence[str]
) -> list[str]:
    """The drive and the new session's tree: shared by burn and size forecast.

    `removals` are paths of the loaded tree (the sessions already on the medium) that the
    new session leaves out: `-rm_r` comes before the `-map`s, so a folder can be removed
    and a new one of the same name added in one session.
    """
    validate(entries, options)
    for path in removals:
        no_nul(path, "path to remove")
        if not path.startswith("/") or path.rstrip("/") == "":
            raise ValueError(f"a path to remove must be absolute and not the root: {path!r}")
    commands = ["-md5", "on" if options.md5 else "off"]
    commands += ["-dev", _drive(address)]
    commands += ["-volid", options.volume_id, "-joliet", "on" if options.joliet else "off"]
    for path in removals:
        commands += ["-rm_r", path, "--"]
    for entry in entries:
        if entry.count is not None:
            offset = str(entry.offset or 0)
            commands += ["-cut_out", entry.disk_path, offset, str(entry.count), entry.iso_path]
        else:
            commands += ["-map", entry.disk_path, entry.iso_path]
    return commands


def burn_commands(
    address: str,
    entries: Sequence[MapEntry],
    options: BurnOptions,
    removals: Sequence[str] = (),
) -> list[str]:
    """Write the stage as a new session (`verify` is the caller's cue to start_check after).

    `-dev` loads the medium's existing tree, so an appended session holds the old files
    as well as the new ones.
    """
    tree = _tree(address, entries, options, removals)
    head = [*tree[:2], "-pacifier", f"interval={options.pacifier_interval:g}"]
    if options.stdio_sync is not None and _is_stdio(address):
        head += ["-stdio_sync", options.stdio_sync]
    commands = [*head, *tree[2:]]
    commands += ["-close", "on" if options.close else "off"]
    commands += ["-dummy", "on" if options.dummy else "off"]
    commands += ["-speed", options.speed, "-write_type", options.write_type]
    return [*commands, "-print_size", "-commit"]


def size_commands(
    address: str,
    entries: Sequence[MapEntry],
    options: BurnOptions,
    removals: Sequence[str] = (),
) -> list[str]:
    """Build the same tree and report its size, writing nothing.

    `-rollback_end` is essential: a batch run that ends with pending changes commits them.
    """
    tree = _tree(address, entries, options, removals)
    return [*tree, "-print_size", "-tell_media_space", "-rollback_end"]


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
