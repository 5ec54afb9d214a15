"""Plan builders: the one place where each operation's argv and summary are made.

Every builder takes typed inputs (a Target, options, entries) and returns a Plan; the
TUI, the CLI, the bench and re-attach all run what these return.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.engine import commands as cmd
from app.engine.address import parse_address
from app.engine.commands import MapEntry
from app.engine.image_write import write_image_commands
from app.engine.models import Media
from app.engine.options import BurnOptions
from app.engine.remaster import remaster_commands
from app.engine.rescue import new_read_map, read_commands
from app.engine.runner import base_argv
from app.engine.surface import new_abort_file, surface_commands
from app.iso.image_facts import ImageFacts
from app.jobs.plan import Confirm, Follow, JobKind, Plan
from app.jobs.plans_remote import remote_entries, streamed_burn, streamed_write, transfer_lines
from app.media.view import short_address, size_text
from app.stage.names import display


@dataclass(frozen=True)
class Target:
    """The drive a plan is for, as the user sees it: its address, name and last-read medium."""

    address: str
    title: str = ""
    media: Media | None = None

    @property
    def name(self) -> str:
        return self.title or short_address(self.address)


def _argv(commands: Sequence[str]) -> tuple[str, ...]:
    return (*base_argv(), *commands)


def _for(target: Target, kind: JobKind, **fields: Any) -> Plan:
    """A Plan of `kind` on the target's drive (its address parsed once, its name kept)."""
    return Plan(
        kind=kind, address=parse_address(target.address), drive_title=target.title, **fields
    )


def burn_plan(
    target: Target,
    entries: Sequence[MapEntry],
    options: BurnOptions,
    *,
    files: int | None = None,
    image_sectors: int | None = None,
    from_stage: bool = False,
    warnings: Sequence[str] = (),
    removals: Sequence[str] = (),
    replaced: Sequence[str] = (),
    new_image: bool | None = None,
) -> Plan:
    """Write `entries` as a new session. `new_image`: the target is an image file made
    afresh (False: only if it does not exist; True: an existing image is replaced)."""
    media = target.media
    mode = "close the medium (no more sessions)" if options.close else "leave it appendable"
    if media and media.status == "appendable":
        mode = f"add session {media.sessions_count + 1}, then " + mode
    if files is not None:
        count = f"{files:,} file{'' if files == 1 else 's'}"
    else:
        count = f"{len(entries)} {'entry' if len(entries) == 1 else 'entries'}"
    lines = [
        f"Drive:   {target.name} ({short_address(target.address)})",
        f"Medium:  {media.status if media else '?'}, {media.sessions_count if media else 0} session(s)",
        f"Session: {count}, {size_text(image_sectors)} as volume {options.volume_id}",
        f"Then:    {mode}",
        f"Options: speed {options.speed}, MD5 {'on' if options.md5 else 'off'}, "
        f"verify {'on' if options.verify else 'off'}"
        + (", SIMULATION (nothing written)" if options.dummy else ""),
    ]
    if options.close:
        lines.append("Closing is final on write-once media.")
    lines += _listed("Replaces:", replaced) + _listed("Removes:", removals)
    lines += [f"xorriso: {warning}" for warning in warnings]
    if any("-volid" in warning for warning in warnings):
        lines.append(
            f"         the volume id is written as typed, {options.volume_id!r}; "
            "A-Z, 0-9 and _ read the same everywhere"
        )
    mapped, uploads = remote_entries(target.address, entries)
    streamed = streamed_burn(target.address, entries, options, media, removals)
    commands, sent = streamed or (cmd.burn_commands(target.address, mapped, options, removals),
                                  {"uploads": uploads} if uploads else {})  # fmt: skip
    lines += transfer_lines(target.address, streamed is not None)
    return _for(
        target, "burn",
        title=f"Burning to {target.name}",
        argv=_argv(commands),
        confirm=Confirm("Burn this session?", tuple(lines), "Burn"),
        follow=Follow(
            checkread=options.checkread_after, clear_stage=from_stage and not options.dummy
        ),
        buffers=True,
        entries=tuple(entries),
        params={"removals": list(removals), "new_image": new_image} | sent,
    )


def _listed(label: str, paths: Sequence[str], shown: int = 4) -> list[str]:
    """A confirmation line naming up to `shown` paths, and how many more."""
    if not paths:
        return []
    names = ", ".join(display(p) for p in paths[:shown])
    more = f" and {len(paths) - shown} more" if len(paths) > shown else ""
    return [f"{label:<10}{names}{more}"]


def check_plan(target: Target) -> Plan:
    lines = (
        f"Read every file on {target.name} and compare it with the MD5 tag",
        "written with it. Nothing is written.",
    )
    return _for(
        target, "check",
        title=f"Checkread of {target.name}",
        argv=_argv(cmd.check_commands(target.address)),
        confirm=Confirm("Checkread?", lines, "Check"),
    )


def blank_plan(target: Target, mode: str) -> Plan:
    media = target.media
    lost = (
        f"{media.sessions_count} session(s), {size_text(media.data_blocks)} of data"
        if media
        else "everything on it"
    )
    lines = (
        f"Drive:  {target.name} ({short_address(target.address)})",
        f"Mode:   {mode}",
        f"Lost:   {lost}. This cannot be undone.",
    )
    return _for(
        target, "blank",
        title=f"Blanking {target.name} ({mode})",
        argv=_argv(cmd.blank_commands(target.address, mode)),
        confirm=Confirm("Blank the medium?", lines, "Blank", danger=True),
    )


def format_plan(target: Target, mode: str) -> Plan:
    lines = (f"Drive: {target.name}", f"Format: {mode}", "Data on the medium may be lost.")
    return _for(
        target, "format",
        title=f"Formatting {target.name}",
        argv=_argv(cmd.format_commands(target.address, mode)),
        confirm=Confirm("Format the medium?", lines, "Format", danger=True),
    )


def eject_plan(target: Target) -> Plan:
    return _for(
        target, "eject",
        title=f"Ejecting {target.name}",
        argv=_argv(cmd.eject_commands(target.address)),
        confirm=Confirm("Eject?", (f"Open the tray of {target.name}.",), "Eject"),
    )


def surface_plan(
    target: Target,
    *,
    min_lba: int | None = None,
    max_lba: int | None = None,
    time_limit: int | None = None,
    retry: bool | None = None,
) -> Plan:
    """Read every block and map its quality. min_lba/max_lba limit the blocks (max_lba past
    the end reports the missing blocks as unreadable); time_limit is xorriso's (seconds,
    default 28800, -1 none); retry forces (True) or forbids (False) block-by-block rereads."""
    abort_file = new_abort_file()
    commands = surface_commands(
        target.address, abort_file, min_lba=min_lba, max_lba=max_lba,
        time_limit=time_limit, retry=retry,
    )  # fmt: skip
    lines = (
        f"Read every block of {target.name} and draw which ones read well,",
        "slowly or not at all. Nothing is written; esc stops it and keeps the map so far.",
    )
    return _for(
        target, "surface",
        title=f"Surface scan of {target.name}",
        argv=_argv(commands),
        confirm=Confirm("Surface scan?", lines, "Scan"),
        params={"abort_file": abort_file},
    )


def remaster_plan(
    source: str,
    out: str,
    additions: Sequence[tuple[str, str]],
    removals: Sequence[str] = (),
    volume_id: str | None = None,
    *,
    overwrite: bool = False,
) -> Plan:
    """A new image from a bootable one plus additions and removals (its boot setup kept)."""
    argv = _argv(remaster_commands(source, out, additions, removals, volume_id))
    n = len(additions)
    lines = (
        f"From:    {source} (its boot setup is kept)",
        f"To:      {out}",
        f"Adds:    {n} staged entr{'y' if n == 1 else 'ies'} (a on the main screen stages)",
        f"Removes: {', '.join(display(p) for p in removals) or 'nothing (d marks entries)'}",
    )
    return Plan(
        kind="remaster",
        address=parse_address(out),
        title=f"Remastering to {os.path.basename(parse_address(out).path)}",
        argv=argv,
        confirm=Confirm("Remaster?", lines, "Write"),
        follow=Follow(reread=False),
        params={
            "source": source, "additions": [list(a) for a in additions],
            "removals": list(removals), "overwrite": overwrite,
        },
    )  # fmt: skip


def extract_plan(address: str, view: object, source: object, iso_path: str, target: str) -> Plan:
    """Copy `source` (an entry of the open `view`) into the local folder `target`."""
    return Plan(
        kind="extract",
        address=parse_address(address),
        title=f"Extracting {display(iso_path)}",
        argv=(),
        confirm=Confirm("Extract?", (f"Copy {display(iso_path)} into {target}",), "Extract"),
        follow=Follow(reread=False),
        params={"iso_path": iso_path, "target": target},
        local=(view, source),
    )


def image_stamp(image: str) -> list[int]:
    """(size, mtime_ns) of an image when its write is planned: a change since fails the verify."""
    info = os.stat(image)
    return [info.st_size, info.st_mtime_ns]


def write_image_plan(
    target: Target,
    image: str,
    options: BurnOptions,
    facts: ImageFacts | None = None,
    notes: Sequence[str] = (),
    *,
    pad: bool = True,
) -> Plan:
    """Write an image file as it is; then compare the medium with it (unless switched off)."""
    image = os.path.abspath(image)
    media = target.media
    mode = "close the medium" if options.close else "leave it appendable"
    lines = [
        f"Drive:   {target.name} ({short_address(target.address)})",
        f"Medium:  {media.status if media else '?'}, {media.sessions_count if media else 0} session(s)",
        *(facts.describe() if facts else [f"Image:   {image}"]),
        f"Then:    {mode}",
        f"Options: speed {options.speed}, verify {'on' if options.verify else 'off'}"
        + (", SIMULATION (nothing written)" if options.dummy else ""),
        *notes,
        *transfer_lines(target.address, streamed := streamed_write(
            target.address, image, options, media, pad=pad), "write"),
    ]
    uploads = [] if streamed else remote_entries(target.address, [MapEntry(image, "/")])[1]
    there = uploads[0][1] if uploads else None  # a drive on another machine: a copy there
    commands, sent = streamed or (write_image_commands(
        target.address, image, options, there=there, pad=pad), {"uploads": uploads} if uploads else {})
    return _for(
        target, "write",
        title=f"Writing {os.path.basename(image)} to {target.name}",
        argv=_argv(commands),
        confirm=Confirm("Write this image?", tuple(lines), "Write", danger=any(
            line.startswith("Lost:") for line in notes
        )),
        follow=Follow(verify_image=options.verify and not options.dummy),
        buffers=True,
        params={"image": image, "stamp": image_stamp(image)} | sent,
    )  # fmt: skip


def verify_image_plan(target: Target, image: str, stamp: Sequence[int] | None = None) -> Plan:
    """Compare the medium with `image`, exactly the image's length, block by block."""
    image = os.path.abspath(image)
    lines = (
        f"Read {os.path.basename(image)}'s length from {target.name} and compare it",
        "block by block with the image. Nothing is written.",
    )
    return _for(
        target, "verify",
        title=f"Verifying {target.name} against {os.path.basename(image)}",
        argv=(),
        confirm=Confirm("Verify against the image?", lines, "Verify"),
        params={"image": image, "stamp": list(stamp) if stamp else None},
    )


def read_plan(target: Target, image: str, *, retry: bool = True) -> Plan:
    """Read the whole medium into `image`; run again, it reads only what is still missing."""
    image = os.path.abspath(image)
    sector_map, abort_file = new_read_map(image), new_abort_file()
    again = os.path.exists(sector_map)
    lines = [
        f"Read every block of {target.name} into {short_address(image)}.",
        "Blocks that cannot be read are retried once, then left for a later run"
        if retry
        else "Blocks that cannot be read are left for a later run",
        "(this drive or another), which reads only what is still missing.",
        "Nothing is written to the medium; esc stops and keeps what was read.",
    ]
    if again:
        lines.insert(0, f"Continues the read in {short_address(image)} (its sector map).")
    return _for(
        target, "read",
        title=f"Reading {target.name} to {os.path.basename(image)}",
        argv=_argv(read_commands(target.address, image, sector_map, abort_file, retry=retry)),
        confirm=Confirm("Read the medium to an image?", tuple(lines), "Read"),
        follow=Follow(reread=False),
        params={"image": image, "map": sector_map, "abort_file": abort_file},
    )


def copy_plan(source: Target, dest: Target, options: BurnOptions, temp_image: str) -> Plan:
    """Copy the medium in `source` to a blank one in `dest` (the same drive: swap discs)."""
    one_drive = source.address == dest.address
    lines = [
        f"From:    {source.name} ({short_address(source.address)})",
        f"To:      {dest.name}"
        + (" (the same drive: it ejects and waits for a blank)" if one_drive else ""),
        f"How:     read to a temporary image ({short_address(temp_image)}), write it, "
        + ("compare" if options.verify else "no compare"),
        "The temporary image is deleted at the end.",
    ]
    return Plan(
        kind="copy",
        address=parse_address(dest.address),
        drive_title=dest.title,
        title=f"Copying {source.name} to {dest.name}",
        argv=(),
        confirm=Confirm("Copy the medium?", tuple(lines), "Copy"),
        buffers=True,
        params={
            "source": source.address, "source_title": source.title, "temp": temp_image,
            "options": {k: getattr(options, k) for k in ("close", "dummy", "speed", "verify")},
        },
    )  # fmt: skip
