"""What a Plan for a drive on another machine needs besides its argv: the staged files.

The remote xorriso cannot read our files, so a burn to an ssh:// drive copies them first,
in the job's own start call (app/engine/remote_run.py): entry N goes to `files/N` in the
remote run folder (where xorriso runs), and the argv maps that relative path. Numbered
names: the remote shell and file system never see a staged name at the top; names inside
a staged folder travel as tar's bytes, exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from app.engine.address import parse_address
from app.engine.commands import MapEntry


def remote_entries(
    address: str, entries: Sequence[MapEntry]
) -> tuple[list[MapEntry], list[list[str]]]:
    """The entries as the remote's xorriso maps them, and [local path, remote path] pairs
    to upload (both unchanged and empty for a local drive)."""
    if parse_address(address).remote is None:
        return list(entries), []
    mapped, uploads = [], []
    for index, entry in enumerate(entries):
        there = f"files/{index}"
        uploads.append([entry.disk_path, there])
        mapped.append(replace(entry, disk_path=there))
    return mapped, uploads
