"""Remaster a bootable ISO: load its tree, add and remove files, write a new image that keeps
the boot equipment (El Torito catalog, boot images, MBR/GPT system area).

    xorriso -md5 on -indev SOURCE -outdev OUT -boot_image any replay \\
            -rm_r /old -- -map /disk/new /new -volid NEW -commit

`-boot_image any replay` (man xorriso) re-creates the loaded El Torito entries, system area
and partition tables for the new image, patching what refers to block addresses. The boot
image files must stay where they are: `check_remaster` refuses removals that would delete
a boot image or the boot catalog.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

from app.engine import commands as cmd
from app.engine.address import check_address, overwrite_problem, parse_address
from app.engine.commands import MapEntry
from app.engine.errors import EngineError
from app.engine.options import VOLID_MAX
from app.engine.runner import run


class RemasterError(EngineError):
    """A remaster request that cannot work, in one line."""


def _iso_path(path: str, what: str) -> str:
    if "\0" in path:
        raise ValueError(f"{what} contains a NUL byte: {path!r}")
    if not path.startswith("/") or path.rstrip("/") == "":
        raise ValueError(f"{what} must be an absolute path below the root: {path!r}")
    return path


def remaster_commands(
    source_iso: str,
    out_iso: str,
    additions: Sequence[tuple[str, str]],
    removals: Sequence[str],
    volume_id: str | None = None,
) -> list[str]:
    """The xorriso command list (runner.base_argv is prepended by the runner).

    `additions`: (disk path, ISO path) pairs, each one `-map` (replacing what is there);
    `removals`: ISO paths removed with `-rm_r` (folders with their contents), before the
    additions. `source_iso`/`out_iso` are image paths or xorriso addresses.
    """
    source = parse_address(source_iso).xorriso
    out = parse_address(out_iso).xorriso
    if source == out:
        raise ValueError("the remastered image must go to another file than its source")
    commands = ["-md5", "on", "-indev", source, "-outdev", out]
    commands += ["-boot_image", "any", "replay"]
    for path in removals:
        commands += ["-rm_r", _iso_path(path, "a path to remove"), "--"]
    for disk, iso in additions:
        if not disk or "\0" in disk:
            raise ValueError(f"bad source path {disk!r}")
        commands += ["-map", disk, _iso_path(iso, "a disc path")]
    if volume_id is not None:
        if len(volume_id) > VOLID_MAX or "\0" in volume_id:
            raise ValueError(f"volume id must be at most {VOLID_MAX} characters, no NUL")
        commands += ["-volid", volume_id]
    return [*commands, "-pacifier", "interval=1", "-commit"]


_BOOT_PATH = re.compile(r"^El Torito (cat|img) path\s*:\s*(?:(\d+)\s+)?(/.*)$")


def boot_files(source_iso: str) -> dict[str, str]:
    """ISO paths of the source's El Torito catalog and boot images: {path: what}.

    Asked of xorriso (`-report_el_torito plain`), which maps boot block addresses to paths.
    """
    source = parse_address(source_iso)
    result = run(["-indev", source.xorriso, "-report_el_torito", "plain"])
    found: dict[str, str] = {}
    for line in result.text("R").splitlines():
        if m := _BOOT_PATH.match(line):
            kind, number, path = m.groups()
            found[path] = "boot catalog" if kind == "cat" else f"boot image {number}"
    return found


def _covers(removal: str, path: str) -> bool:
    removal = removal.rstrip("/")
    return path == removal or path.startswith(removal + "/")


def check_remaster(
    source_iso: str,
    out_iso: str,
    additions: Sequence[tuple[str, str]],
    removals: Sequence[str] = (),
    *,
    overwrite: bool = False,
) -> None:
    """Raise RemasterError before anything runs when: the source is missing, a removal would
    delete a boot image or the catalog, an addition's disk file is missing or unreadable, or
    `out_iso` exists and is not empty while overwriting was not asked for, or is not a disc
    image (never replaced: it is someone's file, see app.engine.volumes)."""
    source = parse_address(source_iso)
    out = parse_address(out_iso)
    if source.kind != "stdio" or not os.path.isfile(source.path):
        raise RemasterError(f"source image {source.path} does not exist or is not a file")
    check_address(source)
    protected = boot_files(source_iso) if removals else {}
    for removal in removals:
        for path, what in protected.items():
            if _covers(removal, path):
                raise RemasterError(
                    f"removing {removal} would delete the {what} {path}: the result would not boot"
                )
    problems = cmd.source_problems([MapEntry(disk, iso) for disk, iso in additions])
    if problems:
        raise RemasterError(problems[0])
    if out.kind == "stdio" and os.path.exists(out.path) and os.path.getsize(out.path) > 0:
        if not overwrite:
            raise RemasterError(f"{out.path} exists: choose another file or allow overwriting")
        problem = overwrite_problem(out.path)  # only a disc image may be replaced
        if problem:
            raise RemasterError(problem)
        return  # checked again once it is emptied (empty_output)
    check_address(out, for_write=True)


def empty_output(out_iso: str) -> None:
    """Empty an output image that was chosen to be overwritten: xorriso would otherwise
    append a session to it."""
    out = parse_address(out_iso)
    if out.kind == "stdio" and os.path.exists(out.path) and os.path.getsize(out.path) > 0:
        problem = overwrite_problem(out.path)  # checked again: it may have changed since
        if problem:
            raise RemasterError(problem)
        os.truncate(out.path, 0)
    check_address(out, for_write=True)
